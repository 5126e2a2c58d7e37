"""The eligibility core: payer registry, isolation, cache and audit trail."""

from eligate.eligibility._audit import SqlAuditStore, StoredTransaction, upgrade
from eligate.eligibility._cache import MemoryCache
from eligate.eligibility._chain import AuditVerifyReport, ChainAnchor
from eligate.eligibility._crypto import AuditKey, KeyRing
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
from eligate.eligibility._redis_cache import RedisCache
from eligate.eligibility.errors import (
    BadDatabaseUrlError,
    BadKeyError,
    CacheUsageError,
    DecryptionError,
    EligibilityError,
    SchemaMissingError,
    StoreDataError,
    StoreUnavailableError,
    StoreUsageError,
)

__all__ = [
    "AuditKey",
    "AuditRecord",
    "AuditSource",
    "AuditStatus",
    "AuditStore",
    "AuditVerifyReport",
    "BadDatabaseUrlError",
    "BadKeyError",
    "BreakerState",
    "CacheKey",
    "CacheUsageError",
    "CachedAnswer",
    "ChainAnchor",
    "Context",
    "DecryptionError",
    "EligibilityCore",
    "EligibilityError",
    "EligibilityOutcome",
    "EligibilityRequest",
    "KeyRing",
    "MemoryCache",
    "Origin",
    "PayerHealth",
    "PayerSummary",
    "RedisCache",
    "ResultCache",
    "SchemaMissingError",
    "SqlAuditStore",
    "StoreDataError",
    "StoreUnavailableError",
    "StoreUsageError",
    "StoredTransaction",
    "VerifyReport",
    "upgrade",
]
