"""The audit spool: what the store cannot take now waits here, durable, and is replayed in order.

HIPAA asks for an audit trail of every access, so a database outage must not
lose records. :class:`DurableAuditStore` tries the store first, bounded in
time; a record the store cannot confirm goes to :class:`AuditSpool`, a local
append-only file in the data directory, each line fsynced before the caller is
answered and sealed with the audit key ring (AES-GCM bound to the record id,
so a line altered or moved does not open). While the spool holds anything, new
records queue behind it; a replay task appends them to the chain in spool order
when the store answers again, also after a restart of the service.

Appends are idempotent by ``record_id``: a record whose first attempt timed out
but was committed later by the stalled writer is skipped by the replay, so the
trail holds it exactly once. Each line keeps its ``record_id`` in clear (no PHI)
so ``eligate audit verify`` can report transactions known to the service but
missing from the chain without the keys.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import structlog

from eligate.eligibility._anchors import write_anchor
from eligate.eligibility._chain import ChainAnchor, canonical_json
from eligate.eligibility._crypto import KeyRing
from eligate.eligibility._ports import AuditRecord, VerifyReport
from eligate.eligibility.errors import DecryptionError, StoreUnavailableError

_log = structlog.get_logger("eligate.eligibility")

SPOOL_FILE = "audit-spool.jsonl"
"""The spool's file name inside the data directory."""
_REPLAY_CHUNK = 64
"""Records replayed per group commit (the store's own group size)."""
_RAW = ("request_270", "response_271")


def _utcnow() -> datetime:
    return datetime.now(UTC)


class ChainStore(Protocol):
    """What the durable store needs of the chain (``SqlAuditStore`` is one)."""

    async def record(self, record: AuditRecord) -> None:
        """Append ``record``; idempotent by ``record.record_id``."""
        ...

    async def migrate(self) -> None:
        """Bring the schema to the newest revision."""
        ...

    async def head(self) -> ChainAnchor | None:
        """The chain's newest entry."""
        ...

    async def ping(self) -> bool:
        """Whether the store answers now."""
        ...

    async def verify(self) -> VerifyReport:
        """Re-compute the chain."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


def _context(record_id: str) -> bytes:
    return f"eligate.audit/v1/spool/{record_id}".encode()


def _encode(record: AuditRecord) -> bytes:
    document: dict[str, Any] = {}
    for item in fields(record):
        value = getattr(record, item.name)
        if item.name in _RAW:
            value = None if value is None else base64.b64encode(value).decode()
        elif isinstance(value, datetime):
            value = value.isoformat()
        document[item.name] = value
    return canonical_json(document)


def _decode(plain: bytes) -> AuditRecord:
    document = json.loads(plain)
    for name in _RAW:
        if document[name] is not None:
            document[name] = base64.b64decode(document[name])
    document["created_at"] = datetime.fromisoformat(document["created_at"])
    return AuditRecord(**document)


@dataclass(frozen=True, slots=True)
class SpoolLine:
    """One spooled record as the file keeps it: its id in clear, the rest sealed."""

    record_id: str
    key_id: str
    sealed: bytes


def spooled_ids(path: Path) -> list[str]:
    """The record ids waiting in the spool at ``path``, oldest first (no keys needed)."""
    return [line.record_id for line in _lines(path)]


def _lines(path: Path) -> Iterator[SpoolLine]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return
    for raw in data.split(b"\n")[:-1]:  # a last line without its newline was never confirmed
        try:
            document = json.loads(raw)
            yield SpoolLine(document["id"], document["key"], base64.b64decode(document["blob"]))
        except (ValueError, KeyError, TypeError):
            _log.error("eligibility.audit_spool_bad_line", path=str(path))


class AuditSpool:
    """An fsynced, sealed, append-only file of audit records, read and trimmed from the front.

    Thread-safe: the durable store calls it through ``asyncio.to_thread``.
    """

    def __init__(self, path: Path, *, keys: KeyRing) -> None:
        self.path = path
        self._keys = keys
        self._lock = threading.Lock()
        self._depth = sum(1 for _ in _lines(path))

    @property
    def depth(self) -> int:
        """How many records wait in the spool."""
        return self._depth

    def append(self, record: AuditRecord) -> None:
        """Seal ``record`` and append it; returns once the line is on disk (fsync)."""
        key_id, sealed = self._keys.seal(_encode(record), context=_context(record.record_id))
        line = canonical_json(
            {"id": record.record_id, "key": key_id, "blob": base64.b64encode(sealed).decode()}
        )
        with self._lock:
            created = not self.path.exists()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(descriptor, line + b"\n")
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
            if created:
                _fsync_dir(self.path.parent)
            self._depth += 1

    def read(self, limit: int) -> list[AuditRecord]:
        """The oldest ``limit`` records, opened; lines that do not open are logged and skipped."""
        records: list[AuditRecord] = []
        with self._lock:
            for line in _lines(self.path):
                if len(records) >= limit:
                    break
                try:
                    context = _context(line.record_id)
                    plain = self._keys.open(line.key_id, line.sealed, context=context)
                    records.append(_decode(plain))
                except (DecryptionError, ValueError, KeyError, TypeError):
                    _log.error("eligibility.audit_spool_bad_line", record_id=line.record_id)
        return records

    def drop(self, record_ids: set[str]) -> None:
        """Remove the lines of ``record_ids`` (replayed); the rest stay, in order."""
        with self._lock:
            try:
                data = self.path.read_bytes()
            except FileNotFoundError:
                return
            lines = data.split(b"\n")
            complete, tail = lines[:-1], lines[-1]
            kept = [raw for raw in complete if _line_id(raw) not in record_ids]
            temporary = self.path.with_name(self.path.name + ".tmp")
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.write(descriptor, b"".join(raw + b"\n" for raw in kept) + tail)
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
            os.replace(temporary, self.path)
            _fsync_dir(self.path.parent)
            self._depth = len(kept)


def _line_id(raw: bytes) -> str | None:
    try:
        return str(json.loads(raw)["id"])
    except (ValueError, KeyError, TypeError):
        return None


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


_UNAVAILABLE = (StoreUnavailableError, TimeoutError, OSError)


class DurableAuditStore:
    """An audit store that loses no record in a store outage: the chain, else the spool.

    ``attempt_timeout_s`` bounds how long a record waits for the store before it
    is spooled; keep it under the core's ``store_timeout``. ``retry_every_s`` is
    the pause between replay attempts while the store is down; ``sleep`` is
    injectable so tests count attempts instead of waiting.
    """

    def __init__(
        self,
        store: ChainStore,
        spool: AuditSpool,
        *,
        attempt_timeout_s: float = 0.5,
        replay_timeout_s: float = 5.0,
        retry_every_s: float = 1.0,
        migrated: bool = True,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        anchors: Path | None = None,
        keys: KeyRing | None = None,
        anchor_every_s: float = 60.0,
        now: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.store = store
        self.spool = spool
        self._attempt_timeout_s = attempt_timeout_s
        self._replay_timeout_s = replay_timeout_s
        self._retry_every_s = retry_every_s
        self._migrated = migrated
        self._sleep = sleep
        self._replayer: asyncio.Task[None] | None = None
        self._anchors = anchors
        self._keys = keys
        self._anchor_every_s = anchor_every_s
        self._now = now
        self._anchorer: asyncio.Task[None] | None = None
        self._anchored: ChainAnchor | None = None
        self.replayed = 0
        """Records replayed from the spool into the chain since start (for tests and metrics)."""

    @property
    def spooling(self) -> bool:
        """Whether records wait in the spool (new records then queue behind them)."""
        return self.spool.depth > 0

    def start(self) -> None:
        """Replay what an earlier run left in the spool; start writing anchors (in the loop)."""
        if self.spooling:
            self._ensure_replay()
        if self._anchors is not None and self._keys is not None:
            self._anchorer = asyncio.get_running_loop().create_task(
                self._anchor_loop(), name="eligate.audit.anchors"
            )

    async def anchor(self) -> ChainAnchor | None:
        """Write the chain's head to the anchor file now, if it moved; the head written."""
        if self._anchors is None or self._keys is None:
            return None
        head = await self.store.head()
        if head is not None and head != self._anchored:
            await asyncio.to_thread(
                write_anchor, self._anchors, head, keys=self._keys, now=self._now()
            )
            self._anchored = head
        return head

    async def _anchor_loop(self) -> None:
        while True:
            await self._sleep(self._anchor_every_s)
            try:
                await self.anchor()
            except Exception as error:  # an outage: the next tick tries again
                _log.warning("eligibility.audit_anchor_failed", error=type(error).__name__)

    async def record(self, record: AuditRecord) -> None:
        """Append ``record`` to the chain, or to the spool when the store cannot take it now.

        Completes even if the caller stops waiting: an answered check is never unaudited.
        """
        await asyncio.shield(self._record(record))

    async def _record(self, record: AuditRecord) -> None:
        if not self.spooling:
            try:
                async with asyncio.timeout(self._attempt_timeout_s):
                    await self.store.record(record)
            except _UNAVAILABLE as error:
                _log.warning(
                    "eligibility.audit_spooled",
                    error=type(error).__name__,
                    correlation_id=record.correlation_id,
                )
            else:
                return
        await asyncio.to_thread(self.spool.append, record)
        self._ensure_replay()

    async def ping(self) -> bool:
        """Whether the store answers (``/readyz``); while it does not, records still spool."""
        return await self.store.ping()

    async def verify(self) -> VerifyReport:
        """The chain's verdict (spooled records are reported by ``eligate audit verify``)."""
        return await self.store.verify()

    async def close(self) -> None:
        """Stop replaying (the spool keeps what is left for the next start); close the store."""
        if self._anchorer is not None:
            self._anchorer.cancel()
            with suppress(asyncio.CancelledError):
                await self._anchorer
            with suppress(Exception):
                await self.anchor()  # the last head, for the next verify
        if self._replayer is not None:
            self._replayer.cancel()
            with suppress(asyncio.CancelledError):
                await self._replayer
        await self.store.close()

    def _ensure_replay(self) -> None:
        if self._replayer is None or self._replayer.done():
            self._replayer = asyncio.get_running_loop().create_task(
                self._replay(), name="eligate.audit.spool_replay"
            )

    async def _replay(self) -> None:
        """Append the spool to the chain in order until it is empty; wait out outages."""
        while True:
            records = await asyncio.to_thread(self.spool.read, _REPLAY_CHUNK)
            if not records:
                return
            try:
                if not self._migrated:
                    async with asyncio.timeout(self._replay_timeout_s):
                        await self.store.migrate()
                    self._migrated = True
                async with asyncio.timeout(self._attempt_timeout_s):
                    await self.store.record(records[0])  # one probe, not a chunk, per outage tick
                async with asyncio.timeout(self._replay_timeout_s):
                    await asyncio.gather(*(self.store.record(r) for r in records[1:]))
            except _UNAVAILABLE as error:
                _log.warning("eligibility.audit_replay_waiting", error=type(error).__name__)
                await self._sleep(self._retry_every_s)
                continue
            except Exception as error:  # keep the spool; the next tick tries again
                _log.error("eligibility.audit_replay_failed", error=type(error).__name__)
                await self._sleep(self._retry_every_s)
                continue
            await asyncio.to_thread(self.spool.drop, {r.record_id for r in records})
            self.replayed += len(records)
            _log.info("eligibility.audit_replayed", records=len(records), left=self.spool.depth)
