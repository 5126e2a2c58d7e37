"""The eligibility core: payer registry, isolation, cache and audit trail."""

from eligate.eligibility._ports import (
    AuditRecord,
    AuditSource,
    AuditStatus,
    AuditStore,
    BreakerState,
    CachedAnswer,
    CacheKey,
    Context,
    EligibilityCore,
    EligibilityOutcome,
    EligibilityRequest,
    Origin,
    PayerHealth,
    PayerSummary,
    ResultCache,
    VerifyReport,
)

__all__ = [
    "AuditRecord",
    "AuditSource",
    "AuditStatus",
    "AuditStore",
    "BreakerState",
    "CacheKey",
    "CachedAnswer",
    "Context",
    "EligibilityCore",
    "EligibilityOutcome",
    "EligibilityRequest",
    "Origin",
    "PayerHealth",
    "PayerSummary",
    "ResultCache",
    "VerifyReport",
]
