"""Group commit in the audit store, on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, text

from eligate.eligibility import (
    AuditRecord,
    KeyRing,
    SqlAuditStore,
    StoreUnavailableError,
    StoreUsageError,
)
from tests.eligibility.conftest import AuditBackend

KEYS = KeyRing.parse("k1:" + "A" * 43)


def _record(n: int, **changes: object) -> AuditRecord:
    values: dict[str, object] = {
        "correlation_id": f"corr-{n}",
        "payer_id": "synpayer",
        "status": "verified",
        "source": "realtime",
        "response_ms": 10.0 + n,
        "created_at": datetime(2026, 11, 23, 6, 47, tzinfo=UTC) + timedelta(seconds=n),
        "request_270": f"ST*270*{n:04d}~NM1*IL*1*TESTPATIENT****MI*SYN{n:06d}~".encode(),
        "response_271": None,
        "detail": None,
        "record_id": f"rec-{n}",
    }
    values.update(changes)
    return AuditRecord(**values)  # type: ignore[arg-type]


class Commits:
    """Counts the database transactions a store commits (an event hook on its engine)."""

    def __init__(self, store: SqlAuditStore) -> None:
        self.count = 0
        event.listen(store._engine.sync_engine, "commit", self._seen)

    def _seen(self, connection: Any) -> None:
        self.count += 1


async def _ready(backend: AuditBackend, **options: Any) -> tuple[SqlAuditStore, Commits]:
    store = backend.store(KEYS, **options)
    await store.migrate()
    return store, Commits(store)


async def _seqs(backend: AuditBackend) -> list[int]:
    return [r[0] for r in await backend.sql("SELECT seq FROM audit_events ORDER BY seq")]


async def test_concurrent_records_share_transactions(audit_backend: AuditBackend) -> None:
    """100 records at once take fewer transactions than records; the chain verifies."""
    store, commits = await _ready(audit_backend)
    before = commits.count
    await asyncio.gather(*(store.record(_record(n)) for n in range(100)))
    used = commits.count - before
    assert 2 <= used < 100  # batches of at most 64: 100 records need two at least
    report = await store.verify()
    assert (report.ok, report.events) == (True, 100)
    assert await _seqs(audit_backend) == list(range(1, 101))
    [stored] = await store.transactions("corr-42")
    assert stored.record == _record(42)


async def test_other_events_join_a_batch_in_order(audit_backend: AuditBackend) -> None:
    """Records and other events gathered together get distinct, contiguous sequence numbers."""
    store, commits = await _ready(audit_backend)
    before = commits.count
    seqs = await asyncio.gather(
        store.record(_record(0)),
        store.append_event("payer.down", {"payer_id": "synpayer"}),
        store.record(_record(1)),
        store.append_event("payer.up", {"payer_id": "synpayer"}),
    )
    assert commits.count - before == 1
    assert (seqs[1], seqs[3]) == (2, 4)
    rows = await audit_backend.sql("SELECT seq, type FROM audit_events ORDER BY seq")
    assert [tuple(r) for r in rows] == [
        (1, "eligibility.transaction_recorded"),
        (2, "payer.down"),
        (3, "eligibility.transaction_recorded"),
        (4, "payer.up"),
    ]
    assert (await store.verify()).ok


async def test_a_lone_record_is_committed_at_once(audit_backend: AuditBackend) -> None:
    """One caller is written in one transaction straight away, with no writer left running."""
    store, commits = await _ready(audit_backend)
    before = commits.count
    await store.record(_record(7))
    assert commits.count - before == 1  # committed before record() returned: no flush timer
    assert store._writer is None
    [(count,)] = await audit_backend.sql("SELECT COUNT(*) FROM audit_transactions")
    assert count == 1


async def test_a_record_that_does_not_fit_fails_only_its_caller(
    audit_backend: AuditBackend,
) -> None:
    """A refused record among good ones raises for its caller; the others are written."""
    store, commits = await _ready(audit_backend)
    before = commits.count
    outcomes = await asyncio.gather(
        *(store.record(_record(n)) for n in range(5)),
        store.record(_record(99, correlation_id="c" * 129)),
        *(store.record(_record(n)) for n in range(5, 10)),
        return_exceptions=True,
    )
    assert isinstance(outcomes[5], StoreUsageError)
    assert [o for i, o in enumerate(outcomes) if i != 5] == [None] * 10
    assert commits.count - before == 1
    report = await store.verify()
    assert (report.ok, report.events) == (True, 10)


async def test_a_failed_batch_fails_every_waiter(audit_backend: AuditBackend) -> None:
    """An error midway through a batch rolls it all back and reaches each of its callers."""
    calls = 0

    def clock() -> datetime:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("clock broke")
        return datetime(2026, 11, 23, 7, 0, tzinfo=UTC)

    store, _ = await _ready(audit_backend, clock=clock)
    outcomes = await asyncio.gather(
        *(store.record(_record(n)) for n in range(6)), return_exceptions=True
    )
    assert all(isinstance(o, RuntimeError) for o in outcomes)
    assert len({id(o) for o in outcomes}) == 1
    assert (await store.verify()).events == 0
    await store.record(_record(6))
    report = await store.verify()
    assert (report.ok, report.events) == (True, 1)


@pytest.mark.parametrize("audit_backend", ["postgresql"], indirect=True)
async def test_a_stuck_chain_lock_fails_the_whole_batch(audit_backend: AuditBackend) -> None:
    """A database error (the chain lock held elsewhere) reaches every caller of the batch."""
    store, commits = await _ready(audit_backend, command_timeout_s=0.3)
    lock_id = int.from_bytes(hashlib.sha256(b"eligate.audit_events").digest()[:8], "big") >> 1
    async with audit_backend.admin.begin() as holder:
        await holder.execute(text(f"SELECT pg_advisory_xact_lock({lock_id})"))
        outcomes = await asyncio.gather(
            *(store.record(_record(n)) for n in range(8)), return_exceptions=True
        )
    assert all(isinstance(o, StoreUnavailableError) for o in outcomes)
    assert len({id(o) for o in outcomes}) == 1
    before = commits.count
    await asyncio.gather(*(store.record(_record(n)) for n in range(8, 16)))
    assert commits.count - before == 1
    assert (await store.verify()).events == 8


async def test_replicas_batching_at_once_keep_one_chain(audit_backend: AuditBackend) -> None:
    """Four replicas, each with 16 callers at once, append one unbroken chain."""
    await audit_backend.store().migrate()
    replicas = [audit_backend.store(KEYS) for _ in range(4)]
    counters = [Commits(store) for store in replicas]

    async def burst(index: int, store: SqlAuditStore) -> None:
        await asyncio.gather(*(store.record(_record(index * 100 + n)) for n in range(16)))

    await asyncio.wait_for(
        asyncio.gather(*(burst(i, s) for i, s in enumerate(replicas))), timeout=30
    )
    assert sum(c.count for c in counters) < 64
    report = await replicas[0].verify()
    assert (report.ok, report.events) == (True, 64)
    assert await _seqs(audit_backend) == list(range(1, 65))


async def test_close_writes_what_is_pending(audit_backend: AuditBackend) -> None:
    """Records still queued when close() is called are committed before it returns."""
    store, _ = await _ready(audit_backend)
    tasks = [asyncio.create_task(store.record(_record(n))) for n in range(20)]
    await asyncio.sleep(0)  # every caller has queued its record
    await store.close()
    assert store._writer is None
    assert all(task.done() and task.exception() is None for task in tasks)
    [(count,)] = await audit_backend.sql("SELECT COUNT(*) FROM audit_events")
    assert count == 20


async def test_a_cancelled_caller_does_not_stall_the_others(audit_backend: AuditBackend) -> None:
    """A caller that gives up while waiting leaves the rest answered; its entry is kept."""
    store, _ = await _ready(audit_backend)
    tasks = [asyncio.create_task(store.record(_record(n))) for n in range(10)]
    await asyncio.sleep(0)
    tasks[3].cancel()
    done = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(done[3], asyncio.CancelledError)
    assert [d for i, d in enumerate(done) if i != 3] == [None] * 9
    report = await store.verify()
    assert (report.ok, report.events) == (True, 10)
    assert store._writer is None
