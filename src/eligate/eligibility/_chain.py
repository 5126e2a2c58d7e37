"""The audit event log's hash chain: canonical JSON, event hashes and the verification walk.

Pure functions of their inputs; the store feeds them rows read over SQL. Each
event's hash is HMAC-SHA256, under a key derived from the audit key ring (its id
stored with the event and hashed with it), over the previous hash (hex) followed
by the canonical JSON of the event (seq, created_at, type, payload). Entries
written before the chain was keyed are plain SHA-256 and still verify; once a
keyed entry appears, every later one must be keyed, so an entry forged with
insert rights alone is caught. A transaction row is tied
to its event by a digest of its columns (ciphertexts included) in the event's
payload, so altering a transaction breaks verification too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from eligate.eligibility._ports import VerifyReport
from eligate.eligibility.errors import StoreUsageError

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
    "anchor_mismatch",
    "truncated",
    "unknown_chain_key",
    "unkeyed_after_keyed",
]


_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class ChainAnchor:
    """A (seq, hash) pair of the chain recorded elsewhere, e.g. from an earlier verify.

    The chain alone cannot show that its newest entries were cut off; an anchor
    kept outside the database can: verify then also checks that entry ``seq``
    still exists with this hash.
    """

    seq: int
    hash: str

    @classmethod
    def parse(cls, text: str) -> ChainAnchor:
        """``SEQ:HASH`` as ``eligate audit verify`` prints it."""
        seq, colon, digest = text.strip().partition(":")
        if not (colon and seq.isdigit() and int(seq) > 0 and _HEX64.match(digest)):
            raise StoreUsageError("an anchor is SEQ:HASH (a positive number, 64 hex digits)")
        return cls(int(seq), digest)

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"


@dataclass(frozen=True, slots=True)
class AuditVerifyReport(VerifyReport):
    """A :class:`VerifyReport` that also says why the chain broke and where it ends."""

    reason: BreakReason | None = None
    """What is wrong at ``first_bad_event``; ``None`` when the chain is intact."""
    head_hash: str = GENESIS
    """The last verified hash; record it elsewhere to detect a truncated tail later."""
    head_seq: int = 0
    """The sequence number of the last verified entry (0 for an empty log)."""

    @property
    def head(self) -> ChainAnchor | None:
        """The last verified entry as an anchor to keep outside the database."""
        return ChainAnchor(self.head_seq, self.head_hash) if self.head_seq else None


@dataclass(frozen=True, slots=True)
class EventRow:
    """One row of the event table as read back."""

    seq: int
    created_at: datetime
    type: str
    payload: Mapping[str, Any]
    prev_hash: str
    hash: str
    chain_key_id: str | None = None
    """The key that keys this entry's HMAC; ``None`` for entries from before keying."""


ChainKeys = Callable[[str], "tuple[str, bytes] | None"]
"""Finds the chain key of a key id (``KeyRing.chain_key``), or ``None`` if unknown."""


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
    *,
    prev_hash: str,
    seq: int,
    created_at: datetime,
    event_type: str,
    payload: Mapping[str, Any],
    chain_key: tuple[str, bytes] | None = None,
) -> str:
    """The event's hash over ``prev_hash`` + the canonical JSON of the event.

    With ``chain_key`` (key id, HMAC key) it is HMAC-SHA256 and the key id is part
    of the hashed event: without the key nobody can append or rewrite an entry.
    Without it, plain SHA-256 (events written before the chain was keyed).
    """
    body: dict[str, Any] = {
        "seq": seq, "created_at": utc_text(created_at), "type": event_type, "payload": payload,
    }  # fmt: skip
    message = prev_hash.encode() + canonical_json(body)
    if chain_key is None:
        return hashlib.sha256(message).hexdigest()
    key_id, key = chain_key
    body["chain_key_id"] = key_id
    return hmac.new(key, prev_hash.encode() + canonical_json(body), hashlib.sha256).hexdigest()


def _sha256(blob: bytes | None) -> str | None:
    return None if blob is None else hashlib.sha256(blob).hexdigest()


def transaction_digest(row: Mapping[Any, Any]) -> str:
    """SHA-256 of a transaction row's columns (ciphertexts as their own hashes).

    ``record_id`` counts only when set: rows written before it existed keep their digest.
    """
    fields: dict[str, Any] = {
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
    if row.get("record_id") is not None:
        fields["record_id"] = row["record_id"]
    return hashlib.sha256(canonical_json(fields)).hexdigest()


@dataclass(slots=True)
class ChainWalk:
    """Walks events in ``seq`` order, batch after batch, and stops at the first break."""

    anchor: ChainAnchor | None = None
    keys: ChainKeys | None = None
    """Where keyed entries find their key; without it a keyed entry is ``unknown_chain_key``."""
    keyed: bool = False
    """Whether a keyed entry was seen: every later one must be keyed too."""
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
        chain_key = None
        if row.chain_key_id is not None:
            chain_key = None if self.keys is None else self.keys(row.chain_key_id)
            if chain_key is None:
                self._break(row.seq, "unknown_chain_key")
                return
            self.keyed = True
        elif self.keyed:  # an unkeyed entry after keyed ones: appended without the key
            self._break(row.seq, "unkeyed_after_keyed")
            return
        recomputed = event_hash(
            prev_hash=row.prev_hash,
            seq=row.seq,
            created_at=row.created_at,
            event_type=row.type,
            payload=row.payload,
            chain_key=chain_key,
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
        if self.anchor is not None and row.seq == self.anchor.seq and row.hash != self.anchor.hash:
            self._break(row.seq, "anchor_mismatch")
            return
        self.events += 1
        self.expected_seq += 1
        self.head_hash = row.hash

    def finish(self) -> None:
        """After the last row: an anchor past the end means the tail was cut off."""
        if not self.broken and self.anchor is not None and self.anchor.seq >= self.expected_seq:
            self._break(self.expected_seq, "truncated")

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
            head_seq=self.expected_seq - 1,
        )
