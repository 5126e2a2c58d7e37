"""The audit store on SQLite and on the real PostgreSQL: encryption, the chain, tampering."""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    String,
    column,
    exc,
    insert,
    select,
    table,
    text,
    update,
)

from eligate.eligibility import (
    AuditRecord,
    AuditStore,
    BadDatabaseUrlError,
    ChainAnchor,
    DecryptionError,
    KeyRing,
    SchemaMissingError,
    SqlAuditStore,
    StoreUnavailableError,
    StoreUsageError,
    upgrade,
)
from tests.eligibility.conftest import AuditBackend
from tests.factories import make_271

KEYS = KeyRing.parse("k1:" + "A" * 43)
RAW_270 = (
    b"ISA*00*          *00*          *ZZ*SYNCLINIC      *ZZ*SYNPAYER       *261123*0647*^*00501"
    b"*000000001*0*P*:~ST*270*0001*005010X279A1~NM1*IL*1*TESTPATIENT*ALEX****MI*SYN000123~"
    b"DMG*D8*19800101~SE*4*0001~"
)
RAW_271 = make_271("EB*1*IND*30*PR*GOLD PPO")
PHI = (b"SYN000123", b"TESTPATIENT", b"19800101")


def _record(n: int = 0, /, **changes: object) -> AuditRecord:
    values: dict[str, object] = {
        "correlation_id": f"corr-{n}",
        "payer_id": "synpayer",
        "status": "verified",
        "source": "realtime",
        "response_ms": 123.456 + n,
        "created_at": datetime(2026, 11, 23, 6, 47, tzinfo=UTC) + timedelta(seconds=n),
        "request_270": RAW_270,
        "response_271": RAW_271,
        "detail": None,
        "record_id": f"rec-{n}",
    }
    values.update(changes)
    return AuditRecord(**values)  # type: ignore[arg-type]


async def _filled(backend: AuditBackend, count: int = 5) -> SqlAuditStore:
    store = backend.store(KEYS)
    await store.migrate()
    for n in range(count):
        await store.record(_record(n))
    return store


async def test_store_satisfies_the_port(audit_backend: AuditBackend) -> None:
    """SqlAuditStore is an AuditStore; a migrated empty trail verifies with zero events."""
    store: AuditStore = audit_backend.store(KEYS)
    assert isinstance(store, SqlAuditStore)
    await store.migrate()
    report = await store.verify()
    assert (report.ok, report.events, report.first_bad_event) == (True, 0, None)


async def test_migrate_twice_is_harmless(audit_backend: AuditBackend) -> None:
    """Running the migrations again (another replica starting) changes nothing."""
    store = await _filled(audit_backend, 2)
    await audit_backend.store().migrate()
    rows = await audit_backend.sql("SELECT version_num FROM alembic_version")
    assert [r[0] for r in rows] == ["0005"]  # 0005: the webhooks' tables
    assert (await store.verify()).events == 2


async def test_recorded_transactions_read_back_decrypted(audit_backend: AuditBackend) -> None:
    """What was recorded comes back equal, raw 270/271 decrypted, with the key id."""
    store = await _filled(audit_backend, 3)
    [stored] = await store.transactions("corr-1")
    assert stored.record == _record(1)
    assert stored.key_id == "k1"
    assert stored.event_seq == 2
    assert await store.transactions("nobody") == []


async def test_raw_columns_hold_no_member_id(audit_backend: AuditBackend) -> None:
    """Read over SQL, the stored 270/271 and the event payloads carry no PHI."""
    await _filled(audit_backend, 2)
    rows = await audit_backend.sql("SELECT request_270, response_271 FROM audit_transactions")
    assert len(rows) == 2
    for row in rows:
        for blob in row:
            assert len(blob) > len(b"SYN000123")
            for phi in PHI:
                assert phi not in bytes(blob)
    events = await audit_backend.sql("SELECT CAST(payload AS TEXT) FROM audit_events")
    for (payload,) in events:
        for phi in PHI:
            assert phi.decode() not in payload


async def test_wrong_key_is_a_clear_error(audit_backend: AuditBackend) -> None:
    """The right key id with other key material fails loudly, naming the key, not the data."""
    await _filled(audit_backend, 1)
    impostor = audit_backend.store(KeyRing.parse("k1:" + "B" * 43))
    with pytest.raises(DecryptionError, match="'k1'") as caught:
        await impostor.transactions("corr-0")
    assert caught.value.key_id == "k1"
    assert caught.value.transaction_id == 1
    assert "SYN" not in str(caught.value)


async def test_unknown_key_id_is_a_clear_error(audit_backend: AuditBackend) -> None:
    """A ring without the row's key id says which id is missing."""
    await _filled(audit_backend, 1)
    other = audit_backend.store(KeyRing.parse("k9:" + "B" * 43))
    with pytest.raises(DecryptionError, match="'k1', which is not in the key ring"):
        await other.transactions("corr-0")


async def test_keys_rotate_without_reencryption(audit_backend: AuditBackend) -> None:
    """After a rotation new rows use the new key and old rows still open with the old one."""
    await _filled(audit_backend, 1)
    rotated = KeyRing.parse(f"k2:{'C' * 43},k1:{'A' * 43}")
    store = audit_backend.store(rotated)
    await store.record(_record(1))
    [old] = await store.transactions("corr-0")
    [new] = await store.transactions("corr-1")
    assert (old.key_id, new.key_id) == ("k1", "k2")
    assert old.record.response_271 == new.record.response_271 == RAW_271
    assert (await store.verify()).ok


async def test_records_without_raw_need_no_keys(audit_backend: AuditBackend) -> None:
    """A breaker-open record with no raw messages is stored by a keyless store."""
    store = audit_backend.store()
    await store.migrate()
    await store.record(
        _record(status="unable_to_verify", request_270=None, response_271=None,
                detail="breaker_open", source="fallback")
    )  # fmt: skip
    [stored] = await store.transactions("corr-0")
    assert stored.record.detail == "breaker_open"
    assert stored.key_id is None


async def test_raw_without_keys_is_refused(audit_backend: AuditBackend) -> None:
    """A keyless store never writes a raw 270/271 in the clear."""
    store = audit_backend.store()
    await store.migrate()
    with pytest.raises(StoreUsageError, match="no key ring"):
        await store.record(_record())
    assert (await store.verify()).events == 0


async def test_other_events_join_the_chain(audit_backend: AuditBackend) -> None:
    """Events of other types (e.g. a breaker opening) are chained like transactions."""
    store = await _filled(audit_backend, 1)
    seq = await store.append_event("eligibility.breaker_opened", {"payer_id": "synpayer"})
    await store.record(_record(1))
    assert seq == 2
    report = await store.verify()
    assert (report.ok, report.events) == (True, 3)
    with pytest.raises(StoreUsageError, match="record"):
        await store.append_event("eligibility.transaction_recorded", {})
    with pytest.raises(StoreUsageError, match="plain JSON"):
        await store.append_event("eligibility.breaker_opened", {"at": datetime.now(UTC)})
    with pytest.raises(StoreUsageError, match="plain JSON"):
        await store.append_event("eligibility.breaker_opened", {"rate": float("nan")})
    assert (await store.verify()).events == 3


async def test_verify_catches_a_changed_payload(audit_backend: AuditBackend) -> None:
    """Editing an event's payload over SQL breaks that event's hash."""
    store = await _filled(audit_backend)
    edit = {
        "postgresql": "CAST(REPLACE(CAST(payload AS TEXT), 'verified', 'rejected') AS JSON)",
        "sqlite": "REPLACE(payload, 'verified', 'rejected')",
    }[audit_backend.name]
    await audit_backend.sql(
        f"UPDATE audit_events SET payload = {edit} WHERE seq = 3",  # noqa: S608 - fixed text
        tamper=True,
    )
    report = await store.verify()
    assert (report.ok, report.first_bad_event, report.reason) == (False, 3, "hash_mismatch")
    assert report.events == 2


async def test_verify_catches_a_deleted_row(audit_backend: AuditBackend) -> None:
    """Deleting a transaction and its event leaves a gap at its sequence number."""
    store = await _filled(audit_backend)
    await audit_backend.sql(
        "DELETE FROM audit_transactions WHERE event_seq = 2",
        "DELETE FROM audit_events WHERE seq = 2",
        tamper=True,
    )
    report = await store.verify()
    assert (report.ok, report.first_bad_event, report.reason) == (False, 2, "sequence_gap")


async def test_verify_catches_reordered_rows(audit_backend: AuditBackend) -> None:
    """Swapping two events' sequence numbers breaks the link at the first of them."""
    store = await _filled(audit_backend)
    await audit_backend.sql(
        "UPDATE audit_events SET seq = -seq WHERE seq IN (2, 3)",
        "UPDATE audit_events SET seq = 3 WHERE seq = -2",
        "UPDATE audit_events SET seq = 2 WHERE seq = -3",
        tamper=True,
    )
    report = await store.verify()
    assert (report.ok, report.first_bad_event, report.reason) == (False, 2, "prev_hash_mismatch")


_EVENTS = table(
    "audit_events",
    column("seq", BigInteger()),
    column("created_at", DateTime(timezone=True)),
    column("type", String()),
    column("payload", JSON()),
    column("prev_hash", String()),
    column("hash", String()),
)


async def test_verify_catches_a_rehashed_event(audit_backend: AuditBackend) -> None:
    """An attacker who edits an event and recomputes its hash (no key) is caught at that event."""
    store = await _filled(audit_backend)
    async with audit_backend.admin.begin() as connection:
        row = (await connection.execute(select(_EVENTS).where(_EVENTS.c.seq == 4))).one()
    document = dict(row.payload, status="rejected")
    moment = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    body = {
        "seq": 4,
        "created_at": moment.astimezone(UTC).isoformat(timespec="microseconds"),
        "type": row.type,
        "payload": document,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    forged = hashlib.sha256(row.prev_hash.encode() + canonical.encode()).hexdigest()
    async with audit_backend.admin.begin() as connection:
        if audit_backend.name == "postgresql":
            await connection.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            await connection.execute(text("DROP TRIGGER audit_events_no_update"))
        await connection.execute(
            update(_EVENTS).where(_EVENTS.c.seq == 4).values(payload=document, hash=forged)
        )
    report = await store.verify()
    assert (report.first_bad_event, report.reason) == (4, "hash_mismatch")
    assert report.events == 3


async def test_verify_catches_a_changed_transaction(audit_backend: AuditBackend) -> None:
    """Changing a transaction's status over SQL is caught through its event's digest."""
    store = await _filled(audit_backend)
    await audit_backend.sql("UPDATE audit_transactions SET status = 'rejected' WHERE event_seq = 4")
    report = await store.verify()
    assert (report.ok, report.first_bad_event, report.reason) == (
        False, 4, "transaction_mismatch",
    )  # fmt: skip


async def test_verify_catches_a_changed_ciphertext(audit_backend: AuditBackend) -> None:
    """Swapping a row's ciphertext for another row's breaks the digest and the decryption."""
    store = await _filled(audit_backend)
    await audit_backend.sql(
        "UPDATE audit_transactions SET response_271 = "
        "(SELECT response_271 FROM audit_transactions WHERE event_seq = 1) WHERE event_seq = 5"
    )
    report = await store.verify()
    assert (report.first_bad_event, report.reason) == (5, "transaction_mismatch")
    with pytest.raises(DecryptionError):
        await store.transactions("corr-4")


async def test_verify_catches_a_removed_last_event(audit_backend: AuditBackend) -> None:
    """Deleting the newest event is caught by its transaction row left behind."""
    store = await _filled(audit_backend)
    await audit_backend.sql("DELETE FROM audit_events WHERE seq = 5", tamper=True)
    report = await store.verify()
    assert (report.ok, report.first_bad_event, report.reason) == (False, 5, "event_missing")
    assert report.events == 4


async def test_anchor_catches_a_cut_off_tail(audit_backend: AuditBackend) -> None:
    """Deleting the newest entries whole passes the chain, but not an anchor kept elsewhere."""
    store = await _filled(audit_backend)
    head = (await store.verify()).head
    assert head is not None
    assert head.seq == 5
    assert (await store.verify(anchor=head)).ok
    await audit_backend.sql(
        "DELETE FROM audit_transactions WHERE event_seq >= 4",
        "DELETE FROM audit_events WHERE seq >= 4",
        tamper=True,
    )
    assert (await store.verify()).ok  # the chain alone cannot tell
    report = await store.verify(anchor=head)
    assert (report.ok, report.first_bad_event, report.reason) == (False, 4, "truncated")


async def test_anchor_catches_a_rewritten_chain(audit_backend: AuditBackend) -> None:
    """An anchor whose hash no longer matches its entry means the chain was rebuilt."""
    store = await _filled(audit_backend, 3)
    forged = ChainAnchor(2, "0" * 64)
    report = await store.verify(anchor=forged)
    assert (report.ok, report.first_bad_event, report.reason) == (False, 2, "anchor_mismatch")


def test_anchor_text_round_trips() -> None:
    """``SEQ:HASH`` parses back to the anchor it was printed from; junk is a usage error."""
    anchor = ChainAnchor(12, "ab" * 32)
    assert ChainAnchor.parse(str(anchor)) == anchor
    for junk in ("12", "x:" + "ab" * 32, "0:" + "ab" * 32, "3:xyz"):
        with pytest.raises(StoreUsageError, match="SEQ:HASH"):
            ChainAnchor.parse(junk)


async def test_event_log_refuses_update_and_delete(audit_backend: AuditBackend) -> None:
    """The migration's triggers refuse UPDATE and DELETE on the event log."""
    await _filled(audit_backend, 2)
    for statement in (
        "UPDATE audit_events SET type = 'x' WHERE seq = 1",
        "DELETE FROM audit_events WHERE seq = 2",
    ):
        with pytest.raises(exc.DBAPIError, match="append-only"):
            await audit_backend.sql(statement)
    if audit_backend.name == "postgresql":
        with pytest.raises(exc.DBAPIError, match="append-only"):
            await audit_backend.sql("TRUNCATE audit_events CASCADE")
    [(count,)] = await audit_backend.sql("SELECT COUNT(*) FROM audit_events")
    assert count == 2


async def test_replicas_appending_at_once_keep_one_chain(audit_backend: AuditBackend) -> None:
    """Four replicas (each its own engine) appending at once, verified meanwhile, never fork."""
    await audit_backend.store().migrate()
    replicas = [audit_backend.store(KEYS) for _ in range(4)]
    auditor = audit_backend.store(KEYS)  # the chain is keyed: verifying needs the ring
    writing = True

    async def burst(index: int, store: SqlAuditStore) -> None:
        for n in range(15):
            await store.record(_record(index * 100 + n))

    async def watch() -> list[bool]:
        seen: list[bool] = []
        while writing and len(seen) < 200:
            seen.append((await auditor.verify()).ok)
        return seen

    watcher = asyncio.create_task(watch())
    try:
        await asyncio.wait_for(
            asyncio.gather(*(burst(i, s) for i, s in enumerate(replicas))), timeout=30
        )
    finally:
        writing = False
    verdicts = await asyncio.wait_for(watcher, timeout=30)
    assert verdicts
    assert all(verdicts)
    report = await replicas[0].verify()
    assert (report.ok, report.events) == (True, 60)
    rows = await audit_backend.sql("SELECT seq FROM audit_events ORDER BY seq")
    assert [r[0] for r in rows] == list(range(1, 61))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"correlation_id": "c" * 129}, "correlation_id must be 1..128"),
        ({"payer_id": ""}, "payer_id must be 1..64"),
        ({"detail": "d" * 257}, "detail must be 1..256"),
        ({"response_ms": float("nan")}, "response_ms"),
        ({"response_ms": -1.0}, "response_ms"),
    ],
)
async def test_records_that_do_not_fit_are_refused(
    audit_backend: AuditBackend, change: dict[str, object], message: str
) -> None:
    """Values the columns cannot hold are the caller's mistake, refused before any SQL."""
    store = audit_backend.store(KEYS)
    await store.migrate()
    with pytest.raises(StoreUsageError, match=message):
        await store.record(_record(**change))
    assert (await store.verify()).events == 0


async def test_unmigrated_database_says_migrate(audit_backend: AuditBackend) -> None:
    """Verify or record before the migrations is a usage error that names the fix."""
    store = audit_backend.store(KEYS)
    with pytest.raises(SchemaMissingError, match="eligate audit migrate"):
        await store.verify()
    with pytest.raises(SchemaMissingError):
        await store.record(_record())


async def test_unreachable_database_is_unavailable() -> None:
    """Nothing listening on the port: StoreUnavailableError naming the host, no password."""
    store = SqlAuditStore.from_url(
        "postgresql://postgres:hunter2@127.0.0.1:1/audit", connect_timeout_s=2
    )
    with pytest.raises(StoreUnavailableError, match="ConnectionRefused") as caught:
        await store.verify()
    await store.close()
    assert "127.0.0.1:1/audit" in caught.value.target
    assert "hunter2" not in f"{caught.value} {caught.value.target}"
    assert caught.value.code == "database_unreachable"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "not a database URL"),
        ("mysql://root@127.0.0.1/audit", "unsupported database 'mysql'"),
        ("sqlite+aiosqlite://", "needs a file"),
        ("postgresql+asyncpg://postgres@127.0.0.1", "names no database"),
    ],
)
def test_bad_urls_are_usage_errors(url: str, message: str) -> None:
    """A URL the store cannot use fails at construction with a stable code."""
    with pytest.raises(BadDatabaseUrlError, match=message) as caught:
        SqlAuditStore.from_url(url)
    assert caught.value.code == "bad_database_url"


def test_bad_schema_name_is_refused() -> None:
    """A schema name that would need quoting is refused before any SQL is built."""
    with pytest.raises(StoreUsageError, match="schema"):
        SqlAuditStore.from_url("postgresql://postgres@127.0.0.1/x", schema='a"; DROP')


def test_sync_upgrade_migrates_a_sqlite_file(tmp_path: Path) -> None:
    """``upgrade(url)`` runs the shipped migrations from synchronous code."""
    path = tmp_path / "nested" / "audit.db"
    upgrade(f"sqlite:///{path}")
    upgrade(f"sqlite:///{path}")

    async def check() -> bool:
        store = SqlAuditStore.from_url(f"sqlite:///{path}")
        try:
            return (await store.verify()).ok
        finally:
            await store.close()

    assert asyncio.run(check())


async def test_verify_walks_batch_after_batch(
    audit_backend: AuditBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chain is read a batch at a time; links across batch edges are checked too."""
    monkeypatch.setattr("eligate.eligibility._audit._BATCH", 2)
    store = await _filled(audit_backend, 7)
    report = await store.verify()
    assert (report.ok, report.events, report.head_seq) == (True, 7, 7)
    await audit_backend.sql(
        "UPDATE audit_events SET prev_hash = '" + "e" * 64 + "' WHERE seq = 5", tamper=True
    )
    report = await store.verify()
    assert (report.first_bad_event, report.reason, report.events) == (5, "prev_hash_mismatch", 4)


@pytest.mark.parametrize("audit_backend", ["postgresql"], indirect=True)
async def test_stuck_chain_lock_gives_up(audit_backend: AuditBackend) -> None:
    """On PostgreSQL a replica holding the chain lock too long makes others fail fast."""
    await audit_backend.store().migrate()
    impatient = audit_backend.store(KEYS, command_timeout_s=0.3)
    lock = "SELECT pg_advisory_xact_lock(" + str(_chain_lock_id()) + ")"
    async with audit_backend.admin.begin() as holder:
        await holder.execute(text(lock))
        with pytest.raises(StoreUnavailableError, match="Timeout"):
            await impatient.record(_record())
    await impatient.record(_record(1))
    assert (await impatient.verify()).events == 1


def _chain_lock_id() -> int:
    digest = hashlib.sha256(b"eligate.audit_events").digest()
    return int.from_bytes(digest[:8], "big") >> 1


_FULL_EVENTS = table(
    "audit_events",
    column("seq", BigInteger()),
    column("created_at", DateTime(timezone=True)),
    column("type", String()),
    column("payload", JSON()),
    column("prev_hash", String()),
    column("hash", String()),
)


async def test_an_event_appended_with_insert_rights_alone_is_caught(
    audit_backend: AuditBackend,
) -> None:
    """A forged entry at the head (SHA-256, or a made-up key id) breaks a keyed chain there."""
    store = await _filled(audit_backend, 3)
    async with audit_backend.admin.begin() as connection:
        head = (await connection.execute(select(_EVENTS).where(_EVENTS.c.seq == 3))).one()
    moment = datetime(2026, 12, 1, tzinfo=UTC)
    body = {"seq": 4, "created_at": moment.isoformat(timespec="microseconds"),
            "type": "eligibility.note", "payload": {}}  # fmt: skip
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    forged = hashlib.sha256(head.hash.encode() + canonical.encode()).hexdigest()
    async with audit_backend.admin.begin() as connection:
        await connection.execute(
            insert(_FULL_EVENTS).values(
                seq=4, created_at=moment, type="eligibility.note", payload={},
                prev_hash=head.hash, hash=forged,
            )
        )  # fmt: skip
    report = await store.verify()
    assert (report.first_bad_event, report.reason) == (4, "unkeyed_after_keyed")
    unkeyed = await audit_backend.store().verify()  # without the ring nothing keyed verifies
    assert (unkeyed.first_bad_event, unkeyed.reason) == (1, "unknown_chain_key")
