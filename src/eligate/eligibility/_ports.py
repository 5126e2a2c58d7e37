"""The seams of the eligibility core: what it needs from a cache and an audit store.

Every external system sits behind one small protocol here with a real adapter
(Redis, PostgreSQL) and an embedded one (in-process, SQLite) beside it. What the
core answers the service is in ``_inquiry.py``.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal, Protocol

from pydantic import TypeAdapter

from eligate.normalizer import EligibilityResult, FrontDeskSummary
from eligate.validators import Coverage, coverage_answer, front_desk_summary

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


_RESULTS_JSON = TypeAdapter(list[EligibilityResult])
_SUMMARIES_JSON = TypeAdapter(list[FrontDeskSummary])


class CachedAnswer:
    """A full normalized answer kept for reuse, as models or as the JSON the API sends.

    Built from models when the payer answers (its JSON and front-desk summaries
    are written once, when the cache stores it), or from that JSON when the
    cache reads it back (the models are decoded only if someone asks for them:
    a cache hit served over HTTP never does).
    """

    __slots__ = ("_coverage", "_results", "_results_json", "_summaries_json", "answered_at")

    def __init__(
        self,
        *,
        answered_at: datetime,
        results: tuple[EligibilityResult, ...] | None = None,
        results_json: bytes | None = None,
        summaries_json: bytes | None = None,
        coverage: Coverage | None = None,
    ) -> None:
        """Give ``results``, or ``results_json`` (and ``summaries_json``) as stored."""
        if results is None and results_json is None:
            raise TypeError("CachedAnswer needs results or results_json")
        self.answered_at = answered_at
        """When the payer produced it; fallback policy compares this with its age limit."""
        self._results = results
        self._results_json = results_json
        self._summaries_json = summaries_json
        self._coverage = coverage

    @property
    def results(self) -> tuple[EligibilityResult, ...]:
        """The normalized, gated results (decoded from the stored JSON on first use)."""
        if self._results is None:
            assert self._results_json is not None  # noqa: S101 - the constructor ensures it
            self._results = tuple(_RESULTS_JSON.validate_json(self._results_json))
        return self._results

    @property
    def results_json(self) -> bytes:
        """The results as the compact JSON array the API writes."""
        if self._results_json is None:
            self._results_json = _RESULTS_JSON.dump_json(list(self.results))
        return self._results_json

    @property
    def summaries_json(self) -> bytes:
        """One front-desk summary per result, as the compact JSON array the API writes."""
        if self._summaries_json is None:
            summaries = [front_desk_summary(result) for result in self.results]
            self._summaries_json = _SUMMARIES_JSON.dump_json(summaries)
        return self._summaries_json

    @property
    def coverage(self) -> Coverage:
        """What the results say about coverage (stored with the JSON: a hit need not decode)."""
        if self._coverage is None:
            self._coverage = coverage_answer(self.results)
        return self._coverage

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CachedAnswer):
            return NotImplemented
        return self.answered_at == other.answered_at and self.results == other.results

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        held = f"{len(self._results)} results" if self._results is not None else "results as JSON"
        return f"CachedAnswer(answered_at={self.answered_at!r}, {held})"


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
    record_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    """Unique id of this transaction: an append is idempotent by it (a record written
    late by a stalled writer and again from the spool is kept once)."""


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
