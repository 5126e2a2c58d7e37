"""The audit event log's hash chain: canonical JSON, event hashes and the verification walk.

Pure functions of their inputs; the store feeds them rows read over SQL. Each
event's hash is SHA-256 over the previous hash (hex) followed by the canonical
JSON of the event (seq, created_at, type, payload). A transaction row is tied
to its event by a digest of its columns (ciphertexts included) in the event's
payload, so altering a transaction breaks verification too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from eligate.eligibility._ports import VerifyReport

GENESIS = "0" * 64
"""The ``prev_hash`` of the first event."""

TRANSACTION_RECORDED = "eligibility.transaction_recorded"
"""The event type appended with every transaction."""

BreakReason = Literal[
    "sequence_gap",
    "prev_hash_mismatch",
    "hash_mismatch",
    "transaction_missing",
    "transaction_mismatch",
    "event_missing",
]


@dataclass(frozen=True, slots=True)
class AuditVerifyReport(VerifyReport):
    """A :class:`VerifyReport` that also says why the chain broke and where it ends."""

    reason: BreakReason | None = None
    """What is wrong at ``first_bad_event``; ``None`` when the chain is intact."""
    head_hash: str = GENESIS
    """The last verified hash; record it elsewhere to detect a truncated tail later."""


@dataclass(frozen=True, slots=True)
class EventRow:
    """One row of the event table as read back."""

    seq: int
    created_at: datetime
    type: str
    payload: Mapping[str, Any]
    prev_hash: str
    hash: str


def canonical_json(value: object) -> bytes:
    """Sorted keys, no spaces, UTF-8: one byte string per value, on every database."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def utc_text(moment: datetime) -> str:
    """A timestamp as hashed: UTC, microseconds, ISO 8601 (SQLite hands back naive UTC)."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.isoformat(timespec="microseconds")


def event_hash(
    *, prev_hash: str, seq: int, created_at: datetime, event_type: str, payload: Mapping[str, Any]
) -> str:
    """SHA-256 over ``prev_hash`` + the canonical JSON of the event."""
    body = {"seq": seq, "created_at": utc_text(created_at), "type": event_type, "payload": payload}
    return hashlib.sha256(prev_hash.encode() + canonical_json(body)).hexdigest()


def _sha256(blob: bytes | None) -> str | None:
    return None if blob is None else hashlib.sha256(blob).hexdigest()


def transaction_digest(row: Mapping[Any, Any]) -> str:
    """SHA-256 of a transaction row's columns (ciphertexts as their own hashes)."""
    fields = {
        "event_seq": row["event_seq"],
        "correlation_id": row["correlation_id"],
        "payer_id": row["payer_id"],
        "status": row["status"],
        "source": row["source"],
        "response_ms": float(row["response_ms"]),
        "created_at": utc_text(row["created_at"]),
        "key_id": row["key_id"],
        "detail": row["detail"],
        "request_270": _sha256(row["request_270"]),
        "response_271": _sha256(row["response_271"]),
    }
    return hashlib.sha256(canonical_json(fields)).hexdigest()


@dataclass(slots=True)
class ChainWalk:
    """Walks events in ``seq`` order, batch after batch, and stops at the first break."""

    expected_seq: int = 1
    head_hash: str = GENESIS
    events: int = 0
    first_bad_event: int | None = None
    reason: BreakReason | None = None

    @property
    def broken(self) -> bool:
        """Whether a break has been found (the walk then ignores further rows)."""
        return self.first_bad_event is not None

    def feed(self, events: Iterable[EventRow], digests: Mapping[int, str]) -> None:
        """Check ``events`` (ascending seq) against the chain and ``digests`` by event seq."""
        for row in events:
            if self.broken:
                return
            self._check(row, digests)

    def _check(self, row: EventRow, digests: Mapping[int, str]) -> None:
        if row.seq != self.expected_seq:
            self._break(self.expected_seq, "sequence_gap")
            return
        if row.prev_hash != self.head_hash:
            self._break(row.seq, "prev_hash_mismatch")
            return
        recomputed = event_hash(
            prev_hash=row.prev_hash,
            seq=row.seq,
            created_at=row.created_at,
            event_type=row.type,
            payload=row.payload,
        )
        if recomputed != row.hash:
            self._break(row.seq, "hash_mismatch")
            return
        if row.type == TRANSACTION_RECORDED:
            digest = digests.get(row.seq)
            if digest is None:
                self._break(row.seq, "transaction_missing")
                return
            if digest != row.payload.get("transaction_digest"):
                self._break(row.seq, "transaction_mismatch")
                return
        self.events += 1
        self.expected_seq += 1
        self.head_hash = row.hash

    def orphan(self, event_seq: int) -> None:
        """A transaction points at an event past the chain's end: its event was removed."""
        if not self.broken:
            self._break(event_seq, "event_missing")

    def _break(self, seq: int, reason: BreakReason) -> None:
        self.first_bad_event = seq
        self.reason = reason

    def report(self) -> AuditVerifyReport:
        """The walk's verdict."""
        return AuditVerifyReport(
            ok=not self.broken,
            events=self.events,
            first_bad_event=self.first_bad_event,
            reason=self.reason,
            head_hash=self.head_hash,
        )
