"""The seams of the eligibility core: what it needs from a cache and a store.

It also defines what the core answers the service.

Every external system sits behind one small protocol here with a real adapter
(Redis, PostgreSQL) and an embedded one (in-process, SQLite) beside it. The
service layer codes against :class:`EligibilityRequest` and
:class:`EligibilityOutcome` only.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from eligate.guards import BreakerState
from eligate.normalizer import EligibilityResult
from eligate.x12 import InquiryPerson

Context = Literal["realtime", "batch"]
"""Why a check is made: a person waiting at a desk, or a pre-verification run."""

Origin = Literal["payer", "cache", "fallback"]
"""Where an answer came from: the payer just now, the cache, or a fallback policy."""

AuditSource = Literal["realtime", "batch", "cache", "fallback"]
"""The audit trail's source of a transaction."""

AuditStatus = Literal["verified", "unable_to_verify", "payer_error", "rejected"]
"""How a transaction ended, as the audit trail records it."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class EligibilityRequest(_Frozen):
    """One eligibility question for one payer, as the service hands it to the core."""

    payer_id: str
    """The payer's id in the registry (the YAML file's ``id``)."""
    subscriber: InquiryPerson
    """The member who holds the coverage (2100C)."""
    dependent: InquiryPerson | None = None
    """The patient when not the subscriber (2100D)."""
    provider_npi: str | None = None
    """The requesting provider's NPI (2100B); the core's configured provider when absent."""
    provider_name: str | None = None
    """The requesting provider's organization name; with ``provider_npi``."""
    service_type_codes: tuple[str, ...] = ("30",)
    """X12 service types asked about (EQ01)."""
    date_of_service: date
    """The date asked about."""
    context: Context = "realtime"
    """Real-time (a person waits) or batch; selects the cache TTL."""
    stable_member: bool = False
    """The caller knows the member's coverage rarely changes (longer TTL)."""
    correlation_id: str = Field(min_length=1, max_length=128)
    """Ties logs, audit entries and the answer together."""


class EligibilityOutcome(_Frozen):
    """What the core answers: results, or why there are none, and where they came from."""

    correlation_id: str
    """The request's correlation ID."""
    payer_id: str
    """The payer asked."""
    status: Literal["verified", "unable_to_verify"]
    """``verified`` when ``results`` hold a payer's answer (fresh, cached or fallback)."""
    origin: Origin
    """``payer`` (asked now), ``cache`` (a fresh cached answer) or ``fallback``."""
    results: list[EligibilityResult]
    """Normalized, gated results; empty when unable to verify."""
    answered_at: datetime
    """When the payer produced the answer served (earlier than now for cache/fallback)."""
    elapsed_ms: float
    """Time the core spent on this request."""
    reason: str | None = None
    """Why the answer is a fallback or unable to verify (a stable code, e.g. ``breaker_open``)."""
    x12_271: bytes | None = Field(default=None, exclude=True, repr=False)
    """The payer's raw 271 behind a fresh answer (``origin="payer"``); never serialized.

    The batch exports it beside the results; cache and fallback answers have none.
    """


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


class PayerHealth(_Frozen):
    """How one payer is doing right now, as ``GET /v1/payers/{id}/health`` shows it."""

    payer_id: str
    """The payer's registry id."""
    breaker: BreakerState
    """The payer's circuit breaker state."""
    in_flight: int
    """Calls to the payer under way now (bounded by its bulkhead)."""
    calls: int
    """Calls made to the payer in the current window."""
    error_rate: float
    """Share of those calls that failed, 0..1."""
    p50_ms: float | None
    """Median latency of the payer's calls in the window."""
    p95_ms: float | None
    """95th percentile latency in the window."""
    p99_ms: float | None
    """99th percentile latency in the window."""
    cache_hit_rate: float
    """Share of checks for this payer answered from the cache, 0..1."""


class PayerSummary(_Frozen):
    """A payer as ``GET /v1/payers`` lists it (no secrets)."""

    payer_id: str
    """The registry id."""
    name: str
    """The payer's name."""
    endpoint: str
    """Where its 270s go."""
    breaker: BreakerState
    """Its breaker state now."""


class EligibilityCore(Protocol):
    """What the service asks of the core; the only surface ``service/`` uses."""

    async def check(self, request: EligibilityRequest) -> EligibilityOutcome:
        """Answer one inquiry from cache, payer or fallback; a payer's fault never raises."""
        ...

    def payers(self) -> list[PayerSummary]:
        """The payers in the registry."""
        ...

    def health(self, payer_id: str) -> PayerHealth:
        """One payer's health; raises ``UnknownPayerError`` for an id not in the registry."""
        ...

    async def ready(self) -> bool:
        """Whether the core can answer now: payers registered, store and cache answering."""
        ...

    async def close(self) -> None:
        """Release clients, pools, cache and store connections."""
        ...
