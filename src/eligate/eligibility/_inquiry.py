"""What the service asks the core and what the core answers: the core's DTOs and protocol.

The service layer codes against :class:`EligibilityRequest`,
:class:`EligibilityOutcome`, :class:`PayerHealth`, :class:`PayerSummary` and the
:class:`EligibilityCore` protocol only.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from eligate.guards import BreakerState
from eligate.normalizer import EligibilityResult
from eligate.x12 import InquiryPerson

Context = Literal["realtime", "batch"]
"""Why a check is made: a person waiting at a desk, or a pre-verification run."""

Origin = Literal["payer", "cache", "fallback"]
"""Where an answer came from: the payer just now, the cache, or a fallback policy."""


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
