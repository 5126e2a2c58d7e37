"""Batch fixtures: a simulator, a real core on SQLite, a hand-driven clock, a recording queue."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import stamina

from eligate.batch import BatchPolicy, BatchStore, Processor, Watchdog
from eligate.eligibility import Core, KeyRing, MemoryCache, SqlAuditStore, Submitter
from eligate.payers import BreakerPolicy
from eligate.simulator import Simulator, start_simulator

KEY = "ZWxpZ2F0ZS1kZXZlbG9wbWVudC1rZXktbm90LXNlY3I="
SALT = b"eligate-tests-salt-0123456789abcdef"
PAYERS = ("alpha", "bravo", "charlie", "delta")
COLUMNS = ("appointment_id", "appointment_at", "payer_id", "member_id", "last_name",
           "first_name", "birth_date", "service_type_codes")  # fmt: skip


def appointments_csv(rows: Sequence[dict[str, str]]) -> bytes:
    """A CSV file of synthetic appointments (missing columns default to a valid row)."""
    out = io.StringIO()
    columns = list(dict.fromkeys([*COLUMNS, *(k for row in rows for k in row)]))
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow({**row_of(), **row})
    return out.getvalue().encode()


def row_of(**values: str) -> dict[str, str]:
    """One valid synthetic appointment row; ``values`` override columns."""
    return {
        "appointment_id": "APT-1",
        "appointment_at": "2027-06-15T09:00:00-04:00",
        "payer_id": "alpha",
        "member_id": "SYN100001",
        "last_name": "TESTPATIENT",
        "first_name": "ALEX",
        "birth_date": "1980-01-02",
        "service_type_codes": "30",
        **values,
    }


@dataclass
class FakeNow:
    """Wall-clock time moved by hand."""

    at: datetime = field(default_factory=lambda: datetime(2027, 6, 14, 2, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        """Now."""
        return self.at

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.at += timedelta(seconds=seconds)


@dataclass
class RecordingQueue:
    """Stands for the kicker in state-machine tests: records what would be queued."""

    items: list[tuple[str, list[str]]] = field(default_factory=list)
    ticks: list[tuple[str, int]] = field(default_factory=list)

    async def kick_items(self, batch_id: str, item_ids: Sequence[str]) -> None:
        """Record a queued chunk."""
        self.items.append((batch_id, list(item_ids)))

    async def kick_tick(self, batch_id: str, seq: int) -> None:
        """Record a queued tick."""
        self.ticks.append((batch_id, seq))

    def queued(self) -> list[str]:
        """Every item id queued so far, in order."""
        return [item for _, ids in self.items for item in ids]


@dataclass
class Harness:
    """A real core (simulator payers, SQLite audit), the batch store and a processor on them."""

    simulator: Simulator
    core: Core
    audit: SqlAuditStore
    store: BatchStore
    processor: Processor
    watchdog: Watchdog
    queue: RecordingQueue
    now: FakeNow
    policy: BatchPolicy

    def sends(self, payer_id: str | None = None) -> int:
        """Requests the simulated payers received."""
        payers = self.simulator.payers
        return sum(p.requests for pid, p in payers.items() if payer_id in (None, pid))


class NoPacing:
    """Pacing that never waits (state-machine tests; pacing has its own tests)."""

    calls: int = 0

    async def wait_turn(self, payer_id: str, pacing: Any) -> None:
        """Count the call; never wait."""
        self.calls += 1


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    """The lanes' retries keep their counts but do not wait."""
    with stamina.set_testing(True, attempts=10, cap=True):
        yield


@pytest.fixture
async def simulator() -> AsyncIterator[Simulator]:
    """Four healthy loopback payers."""
    sim = await start_simulator(PAYERS)
    try:
        yield sim
    finally:
        await sim.stop()


async def _sleep(_: float) -> None:
    return None


@pytest.fixture
async def harness(simulator: Simulator, tmp_path: Path) -> AsyncIterator[Harness]:
    """Everything a worker has, on SQLite, with the wall clock in the test's hand."""
    now = FakeNow()
    keys = KeyRing.parse(KEY)
    audit = SqlAuditStore.from_url(f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}", keys=keys)
    await audit.migrate()
    core = Core(
        # A breaker that does not open on a test's few failures (one test opens it by hand).
        registry=simulator.registry(
            breaker=BreakerPolicy(failure_threshold=50, window_seconds=30, open_seconds=15)
        ),
        cache=MemoryCache(),
        audit=audit,
        salt=SALT,
        submitter=Submitter(sender_id="ELIGATE", provider_npi="1999999984",
                            provider_name="SAMPLE CLINIC"),
        now=now,
        store_timeout=30,
    )  # fmt: skip
    store = BatchStore(audit.engine, keys=keys, now=now)
    policy = BatchPolicy(timezone="UTC", retry_delays=(30.0, 120.0), worker_name="test:1")
    queue = RecordingQueue()
    processor = Processor(
        core=core, store=store, audit=audit, pacer=NoPacing(), requeue=queue, policy=policy,
    )  # fmt: skip
    watchdog = Watchdog(
        store=store, kicker=queue, policy=policy, claim_idle_seconds=60, sleep=_sleep
    )
    yield Harness(simulator, core, audit, store, processor, watchdog, queue, now, policy)
    await core.close()
