"""Pure rules of the core: what makes two questions the same, and how long an answer keeps."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from eligate.eligibility._inquiry import EligibilityRequest
from eligate.eligibility._ports import CacheKey
from eligate.normalizer import EligibilityResult

REALTIME_TTL = timedelta(minutes=15)
"""A person waits at a desk: short enough to see a same-day change."""
STABLE_MEMBER_TTL = timedelta(hours=1)
"""The caller knows the member's coverage rarely changes."""
BATCH_TTL = timedelta(hours=4)
"""Pre-verification the day before: the answer is used hours later anyway."""
NO_CACHE = timedelta(0)

PENDING_CODES = frozenset({"5", "7", "8"})
"""EB01 codes that say the coverage is under investigation or about to change."""


def cache_key(request: EligibilityRequest) -> CacheKey:
    """The cache key of ``request``: payer, member, patient, service types, date."""
    dependent = request.dependent
    if dependent is None:
        patient = "subscriber"
    else:
        birth = dependent.birth_date.isoformat() if dependent.birth_date else ""
        names = (dependent.last_name, dependent.first_name or "", birth)
        patient = "|".join(part.strip().upper() for part in names)
    return CacheKey(
        payer_id=request.payer_id,
        member_id=(request.subscriber.member_id or "").strip().upper(),
        patient=patient,
        service_types=tuple(sorted(set(request.service_type_codes))),
        date_of_service=request.date_of_service,
    )


def signals_pending(results: Sequence[EligibilityResult]) -> bool:
    """Whether the answer says it may change soon (pending EB01, or AAA "retry later")."""
    for result in results:
        if any(benefit.code in PENDING_CODES for benefit in result.benefits):
            return True
        if any(error.action == "retry_later" for error in result.errors):
            return True
    return False


def asks_retry_later(results: Sequence[EligibilityResult]) -> bool:
    """Whether the payer answered only "try again later" (AAA 42/80), with no benefits."""
    return bool(results) and all(
        result.coverage_status == "error"
        and any(error.action == "retry_later" for error in result.errors)
        for result in results
    )


def ttl_for(request: EligibilityRequest, results: Sequence[EligibilityResult]) -> timedelta:
    """How long to keep ``results``: by context, and not at all when they may change soon.

    Results the gate rejected are not kept either: nobody should be served them twice.
    """
    if not results or signals_pending(results):
        return NO_CACHE
    if any(r.validation is not None and r.validation.verdict == "rejected" for r in results):
        return NO_CACHE
    if request.context == "batch":
        return BATCH_TTL
    if request.stable_member:
        return STABLE_MEMBER_TTL
    return REALTIME_TTL
