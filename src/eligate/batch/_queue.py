"""The queue under the night run: taskiq, on a Redis stream in production, in memory by default.

Production uses taskiq-redis's :class:`~taskiq_redis.RedisStreamBroker`: a
consumer group reads the stream, a message is acknowledged only after its task
has finished (taskiq's ``WHEN_SAVED``), and messages left pending by a worker
that died are claimed by another (``XAUTOCLAIM`` once they have been idle for
``claim_idle_seconds``). Every ``eligate worker`` on every machine joins the same
group, so they share one run. The embedded default is taskiq's
:class:`~taskiq.InMemoryBroker`: the submitting process runs the tasks itself.

Two tasks: ``eligate.batch.items`` (a chunk of item ids) and
``eligate.batch.tick`` (a run's watchdog: queues due retries and orphaned items
again, marks the run finished, and keeps the stream moving so that taskiq-redis,
which autoclaims only after a read that returned messages, reclaims a dead
worker's messages even when nothing new is queued).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import structlog
from taskiq import AsyncBroker, InMemoryBroker
from taskiq.acks import AcknowledgeType
from taskiq.kicker import AsyncKicker
from taskiq.receiver import Receiver

from eligate.batch.errors import BatchUsageError

_log = structlog.get_logger("eligate.batch")

ITEMS_TASK = "eligate.batch.items"
TICK_TASK = "eligate.batch.tick"


@dataclass(frozen=True, slots=True)
class QueueConfig:
    """Where the queue lives and how a dead worker's messages are claimed."""

    redis_url: str | None = None
    """The Redis of the stream broker; ``None``: taskiq's in-memory broker (one process)."""
    stream: str = "eligate:batch"
    """The stream's key."""
    group: str = "eligate-workers"
    """The consumer group every worker joins."""
    claim_idle_seconds: float = 60.0
    """A message pending this long with a worker is claimed by another (XAUTOCLAIM)."""
    max_async_tasks: int = 16
    """Messages one worker works on at once."""
    chunk_size: int = 25
    """Item ids per message."""


ItemsHandler = Callable[[str, list[str]], Awaitable[None]]
TickHandler = Callable[[str, int], Awaitable[None]]


@dataclass(slots=True)
class Handlers:
    """What the tasks call; set by the process that runs them (a worker, or the submitter)."""

    items: ItemsHandler | None = None
    tick: TickHandler | None = None
    seen: list[str] = field(default_factory=list)


def make_broker(config: QueueConfig, handlers: Handlers) -> AsyncBroker:
    """The broker for ``config`` with both tasks registered against ``handlers``."""
    broker: AsyncBroker
    if config.redis_url:
        from taskiq_redis import RedisStreamBroker  # noqa: PLC0415 - production only

        broker = RedisStreamBroker(
            config.redis_url,
            queue_name=config.stream,
            consumer_group_name=config.group,
            consumer_id="0",
            idle_timeout=int(config.claim_idle_seconds * 1000),
            unacknowledged_lock_timeout=max(1.0, config.claim_idle_seconds),
            xread_block=1000,
            xread_count=config.max_async_tasks,
        )
    else:
        broker = InMemoryBroker(max_async_tasks=config.max_async_tasks)

    async def items(batch_id: str, item_ids: list[str]) -> None:
        if handlers.items is None:
            raise BatchUsageError("this process does not run batch items")
        await handlers.items(batch_id, item_ids)

    in_process = not config.redis_url

    async def tick(batch_id: str, seq: int) -> None:
        if handlers.tick is None:
            raise BatchUsageError("this process does not run batch ticks")
        try:
            await handlers.tick(batch_id, seq)
        except asyncio.CancelledError:
            if not in_process:
                raise  # a stream message stays unacknowledged for another worker
            # The in-process broker shuts down once the run is final and cancels the
            # sleeping tick: nothing is left for it to do, and nothing to report.

    broker.register_task(items, task_name=ITEMS_TASK)
    broker.register_task(tick, task_name=TICK_TASK)
    return broker


class Enqueue(Protocol):
    """What puts batch messages on a queue (:class:`Kicker`, or a test's recorder)."""

    async def kick_items(self, batch_id: str, item_ids: Sequence[str]) -> None:
        """Queue ``item_ids``."""
        ...

    async def kick_tick(self, batch_id: str, seq: int) -> None:
        """Queue a run's watchdog tick."""
        ...


class Kicker:
    """Puts messages on the queue (any process: the submitter, a worker, the API)."""

    def __init__(self, broker: AsyncBroker, *, chunk_size: int) -> None:
        if chunk_size < 1:
            raise BatchUsageError("chunk_size must be at least 1")
        self._broker = broker
        self._chunk = chunk_size
        self._items: AsyncKicker[[str, list[str]], None] = AsyncKicker(
            task_name=ITEMS_TASK, broker=broker, labels={}
        )
        self._tick: AsyncKicker[[str, int], None] = AsyncKicker(
            task_name=TICK_TASK, broker=broker, labels={}
        )

    async def kick_items(self, batch_id: str, item_ids: Sequence[str]) -> None:
        """Queue ``item_ids`` in chunks."""
        for start in range(0, len(item_ids), self._chunk):
            await self._items.kiq(batch_id, list(item_ids[start : start + self._chunk]))

    async def kick_tick(self, batch_id: str, seq: int) -> None:
        """Queue the run's next watchdog tick."""
        await self._tick.kiq(batch_id, seq)


async def run_worker(broker: AsyncBroker, *, max_async_tasks: int, stop: asyncio.Event) -> None:
    """Receive and run tasks until ``stop`` is set; a message is acknowledged after its task."""
    broker.is_worker_process = True
    receiver = Receiver(
        broker,
        max_async_tasks=max_async_tasks,
        ack_type=AcknowledgeType.WHEN_SAVED,
        run_startup=True,
    )
    _log.info("batch.worker_started", max_async_tasks=max_async_tasks)
    try:
        await receiver.listen(stop)
    finally:
        await broker.shutdown()
        _log.info("batch.worker_stopped")
