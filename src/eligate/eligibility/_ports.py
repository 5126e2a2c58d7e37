"""The seams of the eligibility core: what it needs from a cache and an audit store.

Every external system sits behind one small protocol here with a real adapter
(Redis, PostgreSQL) and an embedded one (in-process, SQLite) beside it. What the
core answers the service is in ``_inquiry.py``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal, Protocol

from eligate.normalizer import EligibilityResult

AuditSource = Literal["realtime", "batch", "cache", "fallback"]
"""The audit trail's source of a transaction."""

AuditStatus = Literal["verified", "unable_to_verify", "payer_error", "rejected"]
"""How a transaction ended, as the audit trail records it."""


@dataclass(frozen=True, slots=True)
class CacheKey:
    """What makes two eligibility questions the same question."""

    payer_id: str
    member_id: str
    """The patient's member ID (the subscriber's when asking for a dependent by name)."""
    patient: str
    """``subscriber`` or the dependent's name and birth date, normalized."""
    service_types: tuple[str, ...]
    date_of_service: date

    def digest(self, *, salt: bytes) -> str:
        """A key with no PHI in it: a keyed hash of the fields, safe for Redis and logs."""
        text = "\x1f".join(
            [
                self.payer_id,
                self.member_id,
                self.patient,
                ",".join(sorted(self.service_types)),
                self.date_of_service.isoformat(),
            ]
        )
        return hashlib.blake2b(text.encode(), key=salt[:64], digest_size=20).hexdigest()


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    """A full normalized answer kept for reuse."""

    results: tuple[EligibilityResult, ...]
    answered_at: datetime
    """When the payer produced it; fallback policy compares this with its age limit."""


class ResultCache(Protocol):
    """Full normalized results with a time to live; in-process or Redis."""

    async def get(self, key: CacheKey) -> CachedAnswer | None:
        """The answer stored under ``key`` if its TTL has not run out."""
        ...

    async def put(self, key: CacheKey, answer: CachedAnswer, *, ttl: timedelta) -> None:
        """Store ``answer`` for ``ttl``; a zero TTL stores nothing."""
        ...

    async def get_stale(self, key: CacheKey) -> CachedAnswer | None:
        """The last answer stored under ``key`` even past its TTL (for fallback), if kept."""
        ...

    async def ping(self) -> bool:
        """Whether the cache answers now (readiness); never raises."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One eligibility transaction as the audit trail keeps it."""

    correlation_id: str
    payer_id: str
    status: AuditStatus
    source: AuditSource
    response_ms: float
    created_at: datetime
    request_270: bytes | None
    """The raw 270 sent; encrypted at rest by the store."""
    response_271: bytes | None
    """The raw 271 received; encrypted at rest by the store."""
    detail: str | None = None
    """A stable code for what went wrong (``timeout``, ``breaker_open``...), no PHI."""


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The outcome of checking the hash chain of the event log."""

    ok: bool
    events: int
    first_bad_event: int | None
    """Sequence number of the first entry whose hash does not match, if any."""


class AuditStore(Protocol):
    """An append-only, hash-chained record of every transaction."""

    async def record(self, record: AuditRecord) -> None:
        """Append ``record`` (and its event) to the trail."""
        ...

    async def verify(self) -> VerifyReport:
        """Re-compute the event chain and report the first entry that breaks it."""
        ...

    async def ping(self) -> bool:
        """Whether the store answers and holds its tables (readiness); never raises."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
