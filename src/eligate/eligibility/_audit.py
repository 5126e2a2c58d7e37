"""The audit store on SQLAlchemy 2 async: SQLite by default, PostgreSQL by URL.

Every transaction is one row (raw 270/271 sealed with AES-GCM) plus one event
in a hash-chained, append-only log. Appends are serialized across processes
and replicas so the chain cannot fork: PostgreSQL takes a transaction-scoped
advisory lock, SQLite a write transaction (``BEGIN IMMEDIATE``).

Appends are group-committed: concurrent callers in one process queue their
entries and one writer task appends everything pending (up to ``_GROUP``) in a
single transaction under the chain lock, then answers every caller. A lone
caller is written at once (no timer); batches form while a flush is running.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from eligate.eligibility import _tables as t
from eligate.eligibility._chain import (
    GENESIS,
    TRANSACTION_RECORDED,
    AuditVerifyReport,
    ChainAnchor,
    ChainWalk,
    EventRow,
    canonical_json,
    event_hash,
    transaction_digest,
)
from eligate.eligibility._crypto import KeyRing
from eligate.eligibility._database import (
    READ_SNAPSHOT,
    check_schema,
    create_engine,
    database_url,
    describe,
)
from eligate.eligibility._ports import AuditRecord, AuditSource, AuditStatus
from eligate.eligibility.errors import (
    EligibilityError,
    SchemaMissingError,
    StoreUnavailableError,
    StoreUsageError,
)

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_CHAIN_LOCK = int.from_bytes(hashlib.sha256(b"eligate.audit_events").digest()[:8], "big") >> 1
"""The PostgreSQL advisory lock id that serializes appends to the chain (a positive int64)."""
_BATCH = 500
"""Events read per query by verify (with their transactions' ciphertexts: keep memory small)."""
_GROUP = 64
"""Most entries appended in one group commit (one transaction, one lock, one fsync)."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _context(column: str, correlation_id: str) -> bytes:
    return f"eligate.audit/v1/{column}/{correlation_id}".encode()


@dataclass(frozen=True, slots=True)
class _Pending:
    """One entry waiting for the writer: its event, its transaction row, its caller's future."""

    event_type: str
    payload: dict[str, Any]
    transaction: dict[str, Any] | None
    done: asyncio.Future[int]


@dataclass(frozen=True, slots=True)
class StoredTransaction:
    """A transaction read back from the trail, raw messages decrypted."""

    transaction_id: int
    event_seq: int
    key_id: str | None
    record: AuditRecord


def _upgrade_to_head(connection: Connection) -> None:
    # Alembic is imported here: only migrate() needs it, and it costs ~0.15 s to import.
    from alembic import command  # noqa: PLC0415
    from alembic.config import Config  # noqa: PLC0415

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


class SqlAuditStore:
    """An :class:`~eligate.eligibility.AuditStore` over SQLAlchemy's async engine.

    ``keys`` seal new raw messages and open old ones; a store built without
    keys can still migrate and verify (the chain never needs them). Call
    :meth:`migrate` once at start-up; it is safe to run from several replicas.
    ``schema`` names the PostgreSQL schema the engine's ``search_path`` points
    at, which :meth:`migrate` creates when missing.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        keys: KeyRing | None = None,
        clock: Callable[[], datetime] = _utcnow,
        schema: str | None = None,
    ) -> None:
        self._engine = engine
        self._keys = keys
        self._clock = clock
        self._sqlite = engine.dialect.name == "sqlite"
        self._pending: list[_Pending] = []
        self._writer: asyncio.Task[None] | None = None
        self._schema = None if schema is None else check_schema(schema)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        keys: KeyRing | None = None,
        clock: Callable[[], datetime] = _utcnow,
        connect_timeout_s: float = 5.0,
        command_timeout_s: float = 10.0,
        pool_size: int = 5,
        schema: str | None = None,
    ) -> SqlAuditStore:
        """A store over a new engine for ``url`` (``sqlite+aiosqlite:///PATH`` or PostgreSQL).

        ``sqlite:///`` and ``postgresql://`` are given their async drivers. Raises
        :class:`~eligate.eligibility.BadDatabaseUrlError` for anything else.
        ``schema`` (PostgreSQL only) keeps the tables out of ``public``.
        """
        parsed = database_url(url)
        engine = create_engine(
            parsed,
            connect_timeout_s=connect_timeout_s,
            command_timeout_s=command_timeout_s,
            pool_size=pool_size,
            schema=schema,
        )
        return cls(engine, keys=keys, clock=clock, schema=schema)

    @property
    def engine(self) -> AsyncEngine:
        """The engine: the batch keeps its runs and items in the same database."""
        return self._engine

    @property
    def sqlite_path(self) -> str | None:
        """The SQLite file this store writes, or ``None`` on PostgreSQL."""
        return self._engine.url.database if self._sqlite else None

    @property
    def target(self) -> str:
        """The database as error messages name it (no password)."""
        return describe(self._engine.url)

    async def migrate(self) -> None:
        """Bring the schema to the newest revision; replicas starting together take turns.

        On SQLite the file (and its folder) is created when missing.
        """
        if self.sqlite_path is not None:
            Path(self.sqlite_path).parent.mkdir(parents=True, exist_ok=True)
        async with self._connect() as connection:
            if not self._sqlite:
                await connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_CHAIN_LOCK)))
                if self._schema is not None:
                    await connection.execute(
                        sa.text(f'CREATE SCHEMA IF NOT EXISTS "{self._schema}"')
                    )
            await connection.run_sync(_upgrade_to_head)

    async def record(self, record: AuditRecord) -> None:
        """Append ``record`` and its ``eligibility.transaction_recorded`` event to the trail.

        Returns once the transaction holding them has committed (concurrent
        callers share one); a record the columns cannot hold fails only its caller.
        """
        _check(record)
        key_id, request_270, response_271 = self._seal(record)
        row: dict[str, Any] = {
            "correlation_id": record.correlation_id,
            "payer_id": record.payer_id,
            "status": record.status,
            "source": record.source,
            "response_ms": float(record.response_ms),
            "created_at": record.created_at.astimezone(UTC),
            "request_270": request_270,
            "response_271": response_271,
            "key_id": key_id,
            "detail": record.detail,
        }
        payload = {
            "correlation_id": record.correlation_id,
            "payer_id": record.payer_id,
            "status": record.status,
            "source": record.source,
            "response_ms": round(float(record.response_ms), 3),
            "detail": record.detail,
        }
        await self._append(TRANSACTION_RECORDED, payload, transaction=row)

    async def append_event(self, event_type: str, payload: Mapping[str, Any]) -> int:
        """Append an event of another type (no PHI in ``payload``); its sequence number."""
        if event_type == TRANSACTION_RECORDED:
            raise StoreUsageError(f"{TRANSACTION_RECORDED} events are appended by record()")
        if not 0 < len(event_type) <= 64:
            raise StoreUsageError("an event type is 1..64 characters")
        try:
            document = json.loads(canonical_json(dict(payload)))
        except (TypeError, ValueError) as error:
            raise StoreUsageError(f"an event payload must be plain JSON: {error}") from None
        return await self._append(event_type, document, transaction=None)

    async def verify(self, *, anchor: ChainAnchor | None = None) -> AuditVerifyReport:
        """Re-compute the event chain and report the first entry that breaks it.

        With an ``anchor`` kept from an earlier verify, a chain cut short before
        it (or rewritten up to it) is reported too.
        """
        walk = ChainWalk(anchor=anchor)
        async with self._connect(write=False) as connection:
            start = 1
            while not walk.broken:
                result = await connection.execute(
                    sa.select(t.events).where(t.events.c.seq >= start).order_by(t.events.c.seq)
                    .limit(_BATCH)
                )  # fmt: skip
                rows = [EventRow(**row) for row in result.mappings()]
                if not rows:
                    break
                digests = await self._digests(connection, rows[0].seq, rows[-1].seq)
                walk.feed(rows, digests)
                start = rows[-1].seq + 1
            if not walk.broken:
                orphan = await connection.scalar(
                    sa.select(sa.func.min(t.transactions.c.event_seq)).where(
                        t.transactions.c.event_seq >= walk.expected_seq
                    )
                )
                if orphan is not None:
                    walk.orphan(int(orphan))
            walk.finish()
        return walk.report()

    async def transactions(self, correlation_id: str) -> list[StoredTransaction]:
        """The transactions recorded under ``correlation_id``, raw messages decrypted."""
        async with self._connect(write=False) as connection:
            result = await connection.execute(
                sa.select(t.transactions)
                .where(t.transactions.c.correlation_id == correlation_id)
                .order_by(t.transactions.c.id)
            )
            rows = list(result.mappings())
        return [self._open(row) for row in rows]

    async def ping(self) -> bool:
        """Whether the database answers and holds the audit tables (``/readyz``)."""
        try:
            async with self._connect(write=False) as connection:
                await connection.execute(sa.select(t.events.c.seq).limit(1))
        except EligibilityError:
            return False
        return True

    async def close(self) -> None:
        """Write (or fail) every pending append, then dispose of the engine's connections."""
        while self._writer is not None:
            await asyncio.wait([self._writer])
        await self._engine.dispose()

    @asynccontextmanager
    async def _connect(self, *, write: bool = True) -> AsyncIterator[AsyncConnection]:
        """A connection in a transaction; database failures become this package's errors.

        Any failure to connect is :class:`StoreUnavailableError`; a missing table
        is :class:`SchemaMissingError`; a connection lost midway is unavailable too.
        """
        try:
            connection = await self._engine.connect()
        except (OSError, TimeoutError, exc.DBAPIError) as error:
            raise self._unavailable(error) from None
        try:
            if not write:
                # One snapshot for the whole read: a verify walking batches while
                # replicas append must not see half of a later append.
                connection = await connection.execution_options(**{READ_SNAPSHOT: True})
            async with connection.begin():
                if not write and not self._sqlite:
                    await connection.execute(
                        sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    )
                yield connection
        except (exc.ProgrammingError, exc.OperationalError) as error:
            if self._missing_table(error):
                raise SchemaMissingError(
                    "the audit tables are missing: run `eligate audit migrate` first"
                ) from None
            if isinstance(error, exc.ProgrammingError):
                raise
            raise self._unavailable(error) from None
        except (OSError, TimeoutError, exc.InterfaceError) as error:
            raise self._unavailable(error) from None
        finally:
            await connection.close()

    def _unavailable(self, error: BaseException) -> StoreUnavailableError:
        return StoreUnavailableError(
            f"audit database unavailable: {_reason(error)}", target=self.target
        )

    @staticmethod
    def _missing_table(error: BaseException) -> bool:
        text = str(getattr(error, "orig", error)).lower()
        return "no such table" in text or ("relation" in text and "does not exist" in text)

    async def _append(
        self, event_type: str, payload: dict[str, Any], *, transaction: dict[str, Any] | None
    ) -> int:
        """Queue an entry for the writer; its sequence number once it is committed.

        Returns only after the transaction holding the entry has committed, or
        raises what made that transaction fail (the same error for the whole batch).
        """
        done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._pending.append(_Pending(event_type, payload, transaction, done))
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(
                self._drain(), name="eligate.audit.group_commit"
            )
        return await done

    async def _drain(self) -> None:
        """Write batches until nothing is pending; every waiter gets its answer."""
        batch: list[_Pending] = []
        try:
            while self._pending:
                batch = self._pending[:_GROUP]
                del self._pending[:_GROUP]
                try:
                    seqs = await self._write(batch)
                except Exception as error:
                    for entry in batch:
                        if not entry.done.done():
                            entry.done.set_exception(error)
                else:
                    for entry, seq in zip(batch, seqs, strict=True):
                        if not entry.done.done():
                            entry.done.set_result(seq)
        except BaseException:  # the writer was cancelled: nobody may wait forever
            stopped = StoreUnavailableError("the audit writer was stopped", target=self.target)
            for entry in (*batch, *self._pending):
                if not entry.done.done():
                    entry.done.set_exception(stopped)
            self._pending.clear()
            raise
        finally:
            self._writer = None

    async def _write(self, batch: list[_Pending]) -> list[int]:
        """Append ``batch`` in one transaction under the chain lock; the sequence numbers."""
        async with self._connect() as connection:
            if not self._sqlite:
                await connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_CHAIN_LOCK)))
            head = (
                await connection.execute(
                    sa.select(t.events.c.seq, t.events.c.hash)
                    .order_by(t.events.c.seq.desc())
                    .limit(1)
                )
            ).first()
            seq, prev_hash = (0, GENESIS) if head is None else (int(head.seq), str(head.hash))
            events: list[dict[str, Any]] = []
            transactions: list[dict[str, Any]] = []
            for entry in batch:
                seq += 1
                payload = entry.payload
                if entry.transaction is not None:
                    transaction = {**entry.transaction, "event_seq": seq}
                    payload = {**payload, "transaction_digest": transaction_digest(transaction)}
                    transactions.append(transaction)
                created_at = self._clock().astimezone(UTC)
                digest = event_hash(
                    prev_hash=prev_hash, seq=seq, created_at=created_at,
                    event_type=entry.event_type, payload=payload,
                )  # fmt: skip
                events.append({
                    "seq": seq, "created_at": created_at, "type": entry.event_type,
                    "payload": payload, "prev_hash": prev_hash, "hash": digest,
                })  # fmt: skip
                prev_hash = digest
            await connection.execute(t.events.insert(), events)
            if transactions:
                await connection.execute(t.transactions.insert(), transactions)
        return [int(event["seq"]) for event in events]

    async def _digests(self, connection: AsyncConnection, first: int, last: int) -> dict[int, str]:
        result = await connection.execute(
            sa.select(t.transactions).where(t.transactions.c.event_seq.between(first, last))
        )
        return {int(row["event_seq"]): transaction_digest(row) for row in result.mappings()}

    def _seal(self, record: AuditRecord) -> tuple[str | None, bytes | None, bytes | None]:
        if record.request_270 is None and record.response_271 is None:
            return None, None, None
        if self._keys is None:
            raise StoreUsageError(
                "this audit store has no key ring: raw 270/271 cannot be stored unencrypted"
            )
        sealed: list[bytes | None] = []
        for column, raw in (("request_270", record.request_270),
                            ("response_271", record.response_271)):  # fmt: skip
            if raw is None:
                sealed.append(None)
                continue
            _, blob = self._keys.seal(raw, context=_context(column, record.correlation_id))
            sealed.append(blob)
        return self._keys.active_key_id, sealed[0], sealed[1]

    def _open(self, row: Mapping[Any, Any]) -> StoredTransaction:
        raw: dict[str, bytes | None] = {"request_270": None, "response_271": None}
        key_id = cast("str | None", row["key_id"])
        for column in raw:
            blob = row[column]
            if blob is None:
                continue
            if self._keys is None or key_id is None:
                raise StoreUsageError("this audit store has no key ring to open raw messages")
            raw[column] = self._keys.open(
                key_id,
                bytes(blob),
                context=_context(column, row["correlation_id"]),
                transaction_id=int(row["id"]),
            )
        created = cast(datetime, row["created_at"])
        record = AuditRecord(
            correlation_id=row["correlation_id"],
            payer_id=row["payer_id"],
            status=cast(AuditStatus, row["status"]),
            source=cast(AuditSource, row["source"]),
            response_ms=float(row["response_ms"]),
            created_at=created if created.tzinfo else created.replace(tzinfo=UTC),
            request_270=raw["request_270"],
            response_271=raw["response_271"],
            detail=row["detail"],
        )
        return StoredTransaction(int(row["id"]), int(row["event_seq"]), key_id, record)


_LIMITS = {"correlation_id": 128, "payer_id": 64, "detail": 256}


def _check(record: AuditRecord) -> None:
    """Refuse what the columns cannot hold, before any SQL (a database error says less)."""
    for name, limit in _LIMITS.items():
        value = getattr(record, name)
        if value is not None and not 0 < len(value) <= limit:
            raise StoreUsageError(f"{name} must be 1..{limit} characters (got {len(value)})")
    if not math.isfinite(record.response_ms) or record.response_ms < 0:
        raise StoreUsageError("response_ms must be a finite, non-negative number of ms")


def _reason(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    text = str(original).strip().splitlines()[0] if str(original).strip() else ""
    return f"{type(original).__name__}: {text}"[:300] if text else type(original).__name__


def upgrade(url: str, *, schema: str | None = None) -> None:
    """Run the migrations on ``url`` from synchronous code (no event loop may be running)."""

    async def run() -> None:
        store = SqlAuditStore.from_url(url, schema=schema)
        try:
            await store.migrate()
        finally:
            await store.close()

    asyncio.run(run())
