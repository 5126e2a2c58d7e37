"""What one process needs for the night run, wired from the core it already has.

A worker (``eligate worker``) and the embedded ``batch submit --wait`` run
items; any process (the API, ``batch submit`` in production) queues them. The
queue, the pacing bucket and the store are shared services: nothing is kept in
the process that another worker would need.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import structlog
from taskiq import AsyncBroker

from eligate.batch._models import BatchPolicy
from eligate.batch._pacing import LocalPacer, Pacer, SharedPacer, Sleep
from eligate.batch._process import AuditLookup, Processor
from eligate.batch._queue import Handlers, Kicker, QueueConfig, make_broker, run_worker
from eligate.batch._run import Watchdog
from eligate.batch._store import BatchStore
from eligate.eligibility import Core, KeyRing, RedisTokenBucket, SqlAuditStore

_log = structlog.get_logger("eligate.batch")


def worker_name() -> str:
    """``host:pid``: who holds a lease and who recorded a transition."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


@dataclass(slots=True)
class BatchRuntime:
    """The store, the queue and (in a process that runs items) the processor and watchdog."""

    store: BatchStore
    broker: AsyncBroker
    kicker: Kicker
    processor: Processor
    watchdog: Watchdog
    pacer: Pacer
    queue: QueueConfig
    policy: BatchPolicy

    async def start(self) -> None:
        """Connect the queue (declares the stream's consumer group)."""
        await self.broker.startup()

    async def work(self, stop: asyncio.Event) -> None:
        """Run queued tasks until ``stop`` is set (``eligate worker``)."""
        nudge = asyncio.create_task(self._nudge(stop))
        try:
            await run_worker(self.broker, max_async_tasks=self.queue.max_async_tasks, stop=stop)
        finally:
            nudge.cancel()

    async def _nudge(self, stop: asyncio.Event) -> None:
        """Every claim period, queue a tick for each unfinished run.

        A tick sleeping in a worker that dies is claimed only once some new message
        reaches the stream, and ticks are the only new messages late in a run: without
        this nudge a run could wait forever. Extra ticks collapse (one advances).
        """
        while not stop.is_set():
            await asyncio.sleep(self.queue.claim_idle_seconds)
            try:
                for batch_id, tick in await self.store.open_runs():
                    await self.kicker.kick_tick(batch_id, tick)
            except Exception as error:  # the next period tries again
                _log.warning("batch.nudge_failed", error=type(error).__name__)

    async def close(self) -> None:
        """Close the queue and the pacing bucket (the core and its store are the caller's)."""
        await self.broker.shutdown()
        close = getattr(self.pacer, "close", None)
        if close is not None:
            await close()


def build_runtime(
    *,
    core: Core,
    audit: SqlAuditStore,
    keys: KeyRing,
    policy: BatchPolicy,
    queue: QueueConfig,
    lookup: AuditLookup | None = None,
    pacer: Pacer | None = None,
    sleep: Sleep = asyncio.sleep,
    now: Callable[[], datetime] | None = None,
) -> BatchRuntime:
    """Wire the night run over ``core`` and its audit store's database.

    With ``queue.redis_url`` the pacing bucket is shared in Redis; without, it is
    this process's (the in-memory queue runs everything here).
    """
    store = (
        BatchStore(audit.engine, keys=keys, now=now) if now else BatchStore(audit.engine, keys=keys)
    )
    handlers = Handlers()
    broker = make_broker(queue, handlers)
    kicker = Kicker(broker, chunk_size=queue.chunk_size)
    if pacer is None:
        if queue.redis_url:
            from redis.asyncio import Redis  # noqa: PLC0415 - production only

            bucket = RedisTokenBucket(
                Redis.from_url(queue.redis_url), prefix=f"{queue.stream}:pace:"
            )
            pacer = SharedPacer(bucket, sleep=sleep)
        else:
            pacer = LocalPacer(sleep=sleep)
    processor = Processor(
        core=core,
        store=store,
        audit=lookup or audit,
        pacer=pacer,
        requeue=kicker,
        policy=policy,
    )
    watchdog = Watchdog(
        store=store,
        kicker=kicker,
        policy=policy,
        claim_idle_seconds=queue.claim_idle_seconds,
        sleep=sleep,
        announcer=core.announcer,
    )
    handlers.items = processor.process
    handlers.tick = watchdog.tick
    return BatchRuntime(
        store=store,
        broker=broker,
        kicker=kicker,
        processor=processor,
        watchdog=watchdog,
        pacer=pacer,
        queue=queue,
        policy=policy,
    )
