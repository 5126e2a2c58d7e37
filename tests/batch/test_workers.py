"""Real workers on the real Redis stream broker and PostgreSQL: sharing, pacing, a SIGKILL.

Each test starts ``eligate worker`` subprocesses (loopback only: the payer
simulator runs in the test), waits for every item with a safety bound, and
asserts counts and order, never speed.
"""

from __future__ import annotations

import asyncio
import collections
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from eligate.batch import (
    BatchPolicy,
    BatchStore,
    Kicker,
    QueueConfig,
    all_final,
    make_broker,
    submit,
)
from eligate.batch._queue import Handlers
from eligate.eligibility import KeyRing, SqlAuditStore
from eligate.payers import BreakerPolicy, Pacing, write_registry
from eligate.simulator import Behavior, Simulator, start_simulator
from tests.batch.conftest import KEY, PAYERS, appointments_csv, row_of
from tests.servers import REDIS_URL

ELIGATE = str(Path(sys.executable).parent / "eligate")
SAFETY_SECONDS = 240
"""The most a test waits for its run (a hung run fails instead of hanging CI)."""


class Run:
    """One distributed run: its workers, queue, store and the simulator that counts."""

    def __init__(self, simulator: Simulator, database: str, tmp: Path, prefix: str) -> None:
        self.simulator = simulator
        self.database = database
        self.tmp = tmp
        self.stream = f"{prefix}stream"
        self.workers: list[subprocess.Popen[bytes]] = []
        # A salt of this run's own: answers cached in the shared Redis by earlier runs
        # (same synthetic members) are other keys, so every item here asks its payer.
        self.salt = f"test-salt-{uuid.uuid4().hex}"
        self.keys = KeyRing.parse(KEY)
        self.audit = SqlAuditStore.from_url(database, keys=self.keys)
        self.store = BatchStore(self.audit.engine, keys=self.keys)
        self.config = QueueConfig(redis_url=REDIS_URL, stream=self.stream, chunk_size=2)
        self.broker = make_broker(self.config, Handlers())
        self.kicker = Kicker(self.broker, chunk_size=2)

    def env(self, payers: Path) -> dict[str, str]:
        """A worker's settings."""
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith("ELIGATE_")},
            "ELIGATE_ENVIRONMENT": "development",
            "ELIGATE_DATABASE_URL": self.database,
            "ELIGATE_REDIS_URL": REDIS_URL,
            "ELIGATE_PAYERS_DIR": str(payers),
            "ELIGATE_BATCH_STREAM": self.stream,
            "ELIGATE_BATCH_CHUNK_SIZE": "2",
            "ELIGATE_BATCH_WORKER_TASKS": "2",
            "ELIGATE_BATCH_CLAIM_IDLE_SECONDS": "3",
            "ELIGATE_BATCH_LEASE_SECONDS": "6",
            "ELIGATE_BATCH_TICK_SECONDS": "0.5",
            "ELIGATE_LOG_LEVEL": "error",
            "ELIGATE_CACHE_SALT": self.salt,
            "ELIGATE_ENCRYPTION_KEY": KEY,  # the key this test seals and reads the store with
        }

    def start(self, payers: Path, count: int) -> None:
        """Start ``count`` workers."""
        for _ in range(count):
            self.workers.append(
                subprocess.Popen(
                    [ELIGATE, "worker"],
                    env=self.env(payers),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )

    async def submit(self, rows: list[dict[str, str]]) -> str:
        """Submit ``rows``; the batch id."""
        await self.broker.startup()
        submitted = await submit(
            appointments_csv(rows), name="night.csv", store=self.store, payers=set(PAYERS),
            policy=BatchPolicy(tick_seconds=0.5), kicker=self.kicker,
        )  # fmt: skip
        return submitted.batch_id

    async def until(self, batch_id: str, *, states: set[str] | None = None) -> dict[str, int]:
        """Poll until every item is final (or, with ``states``, until one is in them)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SAFETY_SECONDS
        while loop.time() < deadline:
            counts = await self.store.counts(batch_id)
            merged = collections.Counter[str]()
            for per_state in counts.values():
                merged.update(per_state)
            if states is None and all_final(counts):
                return dict(merged)
            if states is not None and any(merged[s] for s in states):
                return dict(merged)
            await asyncio.sleep(0.2)
        pytest.fail(f"run {batch_id} not done within {SAFETY_SECONDS}s: {counts}")

    async def close(self) -> None:
        """Stop the workers; close the queue and the store."""
        for process in self.workers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.workers:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        await self.broker.shutdown()
        await self.audit.close()


@pytest.fixture
async def counting_simulator() -> AsyncIterator[Simulator]:
    """Loopback payers that log every request and every answered question."""
    sim = await start_simulator(PAYERS)
    sim.keep_answers()
    try:
        yield sim
    finally:
        await sim.stop()


@pytest.fixture
async def run(
    counting_simulator: Simulator, postgres_database: str, tmp_path: Path, redis_prefix: str
) -> AsyncIterator[Run]:
    """A run over the session's PostgreSQL database (migrated) and a Redis key prefix."""
    made = Run(counting_simulator, postgres_database, tmp_path, redis_prefix)
    await made.audit.migrate()
    yield made
    await made.close()


def _payers(simulator: Simulator, folder: Path, *, rate: float, burst: int) -> Path:
    write_registry(
        simulator.registry(
            pacing=Pacing(rate_per_second=rate, burst=burst),
            breaker=BreakerPolicy(failure_threshold=100, window_seconds=30, open_seconds=5),
        ),
        folder,
    )
    return folder


async def test_a_killed_worker_s_items_are_finished_by_another_never_sent_twice(
    run: Run, redis_client: Redis
) -> None:
    """SIGKILL a worker mid-item: its messages are claimed, every item ends final, no 270 twice."""
    for payer in PAYERS:
        await run.simulator.set_behavior(payer, Behavior(latency_ms=400, jitter_ms=100))
    payers = _payers(run.simulator, run.tmp / "payers", rate=1000, burst=100)
    run.start(payers, 2)
    rows = [row_of(appointment_id=f"K{i}", payer_id=PAYERS[i % 4], member_id=f"SYN7{i:05d}")
            for i in range(24)]  # fmt: skip
    batch_id = await run.submit(rows)
    await run.until(batch_id, states={"sent"})
    leases = await run.store.page(batch_id, state="sent", offset=0, limit=100)
    assert leases[1] >= 1
    # Both workers may hold items by now: kill one of the holders.
    holders = {row.lease_owner for row in await run.store.items([i.item_id for i in leases[0]])}
    holder = sorted(str(owner) for owner in holders if owner)[0]
    pid = int(str(holder).rsplit(":", 1)[1])
    victim = next(p for p in run.workers if p.pid == pid)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    final = await run.until(batch_id)
    assert sum(final.values()) == 24
    assert set(final) <= {"verified", "not_verified", "gave_up"}
    answered = collections.Counter(q for p in run.simulator.payers.values()
                                   for _, q in (p.answers or []))  # fmt: skip
    assert answered
    assert max(answered.values()) == 1
    # The dead worker's messages are claimed by the survivor and acknowledged.
    assert await _drained(redis_client, run)
    page, _ = await run.store.page(batch_id, state="gave_up", offset=0, limit=100)
    assert all(item.reason == "outcome_unknown" for item in page)
    survivors = {w for w in await _workers_of(run, batch_id) if not w.endswith(f":{pid}")}
    assert survivors  # the other worker finished items


async def _drained(redis_client: Redis, run: Run) -> bool:
    """Whether the stream's pending list empties within the safety bound."""
    for _ in range(SAFETY_SECONDS * 5):
        pending = await redis_client.xpending(run.stream, run.config.group)
        if pending["pending"] == 0:
            return True
        await asyncio.sleep(0.2)
    return False


async def _workers_of(run: Run, batch_id: str) -> set[str]:
    import sqlalchemy as sa

    async with run.audit.engine.connect() as connection:
        result = await connection.execute(
            sa.text("SELECT DISTINCT worker FROM batch_transitions WHERE batch_id = :b"),
            {"b": batch_id},
        )
        return {str(row[0]) for row in result}


async def test_pacing_holds_across_two_workers(run: Run) -> None:
    """Two workers share one bucket per payer: the payer never sees more than rate + burst."""
    await run.simulator.set_behavior("alpha", Behavior(latency_ms=0, jitter_ms=0))
    payers = _payers(run.simulator, run.tmp / "paced", rate=4, burst=1)
    run.start(payers, 2)
    rows = [row_of(appointment_id=f"P{i}", payer_id="alpha", member_id=f"SYN8{i:05d}")
            for i in range(20)]  # fmt: skip
    batch_id = await run.submit(rows)
    final = await run.until(batch_id)
    assert sum(final.values()) == 20
    assert set(final) <= {"verified", "not_verified"}  # members ending in 9 have lapsed
    arrivals = run.simulator.payers["alpha"].arrivals or []
    assert len(arrivals) == 20
    assert run.simulator.payers["alpha"].busiest() <= 4 + 1
    assert len(await _workers_of(run, batch_id)) == 2  # both workers took items
