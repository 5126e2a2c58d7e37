"""The audit spool: no record lost when PostgreSQL is killed or frozen, replayed in order, once."""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from structlog.testing import capture_logs

from eligate.eligibility import (
    SPOOL_FILE,
    AuditSpool,
    DurableAuditStore,
    SqlAuditStore,
    spooled_ids,
)
from tests.eligibility.test_audit import KEYS, PHI, _record
from tests.own_servers import OwnPostgres, schema_name

ATTEMPT_S, REPLAY_S, RETRY_S = 0.3, 3.0, 0.05
"""Short bounds so an outage is noticed quickly; the assertions count records, not time."""


async def _tick(_seconds: float) -> None:
    await asyncio.sleep(0.02)


async def _until(condition: Callable[[], Awaitable[bool]], attempts: int = 1500) -> None:
    """Poll ``condition`` (a replay runs in the background); fail after many tries."""
    for _ in range(attempts):
        if await condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the spool was never replayed")


class Trail:
    """A schema on the owned PostgreSQL, and what the test reads back from it."""

    def __init__(self, server: OwnPostgres, folder: Path) -> None:
        self.server = server
        self.schema = schema_name()
        self.spool_path = folder / SPOOL_FILE

    def chain(self) -> SqlAuditStore:
        """A new SQL store on the schema (a new engine, as a restarted service has)."""
        return SqlAuditStore.from_url(
            self.server.url(), keys=KEYS, schema=self.schema,
            connect_timeout_s=1.0, command_timeout_s=2.0,
        )  # fmt: skip

    def durable(self, *, migrated: bool = True) -> DurableAuditStore:
        """A durable store over a new chain store and the spool file."""
        spool = AuditSpool(self.spool_path, keys=KEYS)
        return DurableAuditStore(
            self.chain(), spool, migrated=migrated, sleep=_tick,
            attempt_timeout_s=ATTEMPT_S, replay_timeout_s=REPLAY_S, retry_every_s=RETRY_S,
        )  # fmt: skip

    async def record_ids(self) -> list[str]:
        """The record ids in the trail, in chain order."""
        engine = create_async_engine(self.server.url(), connect_args={"timeout": 2})
        try:
            async with engine.connect() as connection:
                table = sa.table("audit_transactions", sa.column("record_id"),
                                 sa.column("event_seq"), schema=self.schema)  # fmt: skip
                rows = await connection.execute(
                    sa.select(table.c.record_id).order_by(table.c.event_seq)
                )
                return [str(row[0]) for row in rows]
        finally:
            await engine.dispose()


@pytest.fixture
async def trail(own_postgres_up: OwnPostgres, tmp_path: Path) -> Trail:
    """A migrated schema on the owned PostgreSQL and a spool path in a temp data dir."""
    made = Trail(own_postgres_up, tmp_path)
    store = made.chain()
    await store.migrate()
    await store.close()
    return made


async def test_a_killed_database_loses_no_record(trail: Trail) -> None:
    """PostgreSQL killed mid-run: records spool, then land in the chain in order, each once."""
    store = trail.durable()
    records = [_record(n) for n in range(30)]
    for record in records[:10]:
        await store.record(record)
    trail.server.stop()
    with capture_logs() as logs:
        for record in records[10:25]:
            await store.record(record)
    assert store.spool.depth == 15
    assert "eligibility.audit_spooled" in {entry["event"] for entry in logs}
    trail.server.start()
    for record in records[25:]:
        await store.record(record)  # queued behind the spool, not ahead of it
    await _until(lambda: _drained(store))
    assert await trail.record_ids() == [r.record_id for r in records]
    assert (await store.verify()).ok
    await store.close()


async def _drained(store: DurableAuditStore) -> bool:
    return store.spool.depth == 0


async def test_a_frozen_database_keeps_every_record_exactly_once(trail: Trail) -> None:
    """SIGSTOP: attempts time out and spool; the stalled writer's late commits are not doubled."""
    store = trail.durable()
    records = [_record(n) for n in range(12)]
    await store.record(records[0])
    trail.server.freeze()
    try:
        for record in records[1:8]:
            await store.record(record)  # bounded by the attempt timeout, then spooled
        assert store.spool.depth >= 1
    finally:
        trail.server.thaw()
    for record in records[8:]:
        await store.record(record)
    await _until(lambda: _drained(store))
    kept = await trail.record_ids()
    assert sorted(kept) == sorted(r.record_id for r in records)
    assert len(kept) == len(set(kept)) == 12
    assert (await store.verify()).ok
    await store.close()


async def test_a_restart_during_the_outage_replays_the_spool(trail: Trail) -> None:
    """The service stops with a full spool while the database is down; the next start replays it."""
    first = trail.durable()
    records = [_record(n) for n in range(8)]
    await first.record(records[0])
    trail.server.stop()
    for record in records[1:]:
        await first.record(record)
    await first.close()
    assert spooled_ids(trail.spool_path) == [r.record_id for r in records[1:]]
    second = trail.durable(migrated=False)  # the restarted service could not migrate
    second.start()
    trail.server.start()
    await _until(lambda: _drained(second))
    assert await trail.record_ids() == [r.record_id for r in records]
    await second.close()


async def test_the_same_record_twice_is_kept_once(trail: Trail) -> None:
    """Appends are idempotent by record id, in one batch and across batches."""
    store = trail.chain()
    record = _record(1)
    await asyncio.gather(store.record(record), store.record(record))
    await store.record(record)
    assert await trail.record_ids() == [record.record_id]
    assert (await store.verify()).ok
    await store.close()


def test_spool_lines_are_sealed_fsynced_files_of_mode_0600(tmp_path: Path) -> None:
    """No PHI in the spool file; mode 0600; a line altered on disk does not open."""
    spool = AuditSpool(tmp_path / SPOOL_FILE, keys=KEYS)
    spool.append(_record(1))
    spool.append(_record(2))
    data = spool.path.read_bytes()
    assert not any(phi in data for phi in PHI)
    assert stat.S_IMODE(os.stat(spool.path).st_mode) == 0o600
    first, second = data.split(b"\n")[:2]
    spool.path.write_bytes(first[:-20] + b"AAAA" + first[-16:] + b"\n" + second + b"\n")
    with capture_logs() as logs:
        opened = AuditSpool(spool.path, keys=KEYS).read(10)
    assert [r.correlation_id for r in opened] == ["corr-2"]
    assert {entry["event"] for entry in logs} == {"eligibility.audit_spool_bad_line"}


def test_an_unconfirmed_last_line_is_not_replayed(tmp_path: Path) -> None:
    """A crash mid-write leaves a line without its newline: never confirmed, never replayed."""
    spool = AuditSpool(tmp_path / SPOOL_FILE, keys=KEYS)
    spool.append(_record(1))
    with spool.path.open("ab") as handle:
        handle.write(b'{"id":"torn","key":"k1","blob":"AAA')
    reopened = AuditSpool(spool.path, keys=KEYS)
    assert reopened.depth == 1
    assert [r.correlation_id for r in reopened.read(10)] == ["corr-1"]
    reopened.drop({_record(1).record_id})
    assert reopened.depth == 0
    assert reopened.path.read_bytes().endswith(b"AAA")  # kept for a person to see


async def test_the_durable_store_anchors_its_head_periodically(tmp_path: Path) -> None:
    """Each anchor tick writes the head if it moved; every line is signed and reads back."""
    from eligate.eligibility import read_anchors

    ticks: list[float] = []
    release = asyncio.Event()

    async def tick(seconds: float) -> None:
        ticks.append(seconds)
        await release.wait()
        release.clear()

    chain = SqlAuditStore.from_url(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}", keys=KEYS)
    await chain.migrate()
    path = tmp_path / "anchors.jsonl"
    store = DurableAuditStore(
        chain, AuditSpool(tmp_path / SPOOL_FILE, keys=KEYS), anchors=path, keys=KEYS,
        anchor_every_s=60.0, sleep=tick,
    )  # fmt: skip
    store.start()
    for n in range(3):
        await store.record(_record(n))
        release.set()
        while len(ticks) < n + 2:
            await asyncio.sleep(0.01)
    release.set()
    await store.close()
    assert [a.seq for a in read_anchors(path, keys=KEYS)] == [1, 2, 3]
    assert set(ticks) == {60.0}
