"""The eligibility core: payer isolation, cache and audit trail.

:class:`Core` answers :class:`EligibilityRequest` s from the cache, the payer's
isolated lane (own HTTP client, breaker, bulkhead, pacing, retries, deadline) or
the payer's fallback policy. :class:`MemoryCache` and :class:`RedisCache` keep full
results; :class:`SqlAuditStore` keeps the encrypted, hash-chained audit trail.
Payer files are :mod:`eligate.payers`; loopback payers are :mod:`eligate.simulator`.
"""

from eligate.eligibility._audit import (
    SqlAuditStore,
    StoredTransaction,
    upgrade,
)
from eligate.eligibility._cache import (
    MemoryCache,
)
from eligate.eligibility._chain import (
    AuditVerifyReport,
    ChainAnchor,
)
from eligate.eligibility._core import (
    Core,
    Submitter,
)
from eligate.eligibility._crypto import (
    AuditKey,
    KeyRing,
)
from eligate.eligibility._inquiry import (
    Context,
    EligibilityCore,
    EligibilityOutcome,
    EligibilityRequest,
    Origin,
    PayerHealth,
    PayerSummary,
)
from eligate.eligibility._policy import (
    BATCH_TTL,
    REALTIME_TTL,
    STABLE_MEMBER_TTL,
    asks_retry_later,
    cache_key,
    ttl_for,
)
from eligate.eligibility._ports import (
    AuditRecord,
    AuditSource,
    AuditStatus,
    AuditStore,
    CachedAnswer,
    CacheKey,
    ResultCache,
    VerifyReport,
)
from eligate.eligibility._redis_cache import (
    RedisCache,
)
from eligate.eligibility._shared_bucket import (
    RedisTokenBucket,
    Take,
)
from eligate.eligibility.errors import (
    BadDatabaseUrlError,
    BadKeyError,
    CacheUsageError,
    DecryptionError,
    EligibilityError,
    EligibilityUsageError,
    InquiryError,
    PayerCallError,
    PayerError,
    PayerRefusedError,
    SchemaMissingError,
    StoreDataError,
    StoreUnavailableError,
    StoreUsageError,
)

__all__ = [
    "BATCH_TTL",
    "REALTIME_TTL",
    "STABLE_MEMBER_TTL",
    "AuditKey",
    "AuditRecord",
    "AuditSource",
    "AuditStatus",
    "AuditStore",
    "AuditVerifyReport",
    "BadDatabaseUrlError",
    "BadKeyError",
    "CacheKey",
    "CacheUsageError",
    "CachedAnswer",
    "ChainAnchor",
    "Context",
    "Core",
    "DecryptionError",
    "EligibilityCore",
    "EligibilityError",
    "EligibilityOutcome",
    "EligibilityRequest",
    "EligibilityUsageError",
    "InquiryError",
    "KeyRing",
    "MemoryCache",
    "Origin",
    "PayerCallError",
    "PayerError",
    "PayerHealth",
    "PayerRefusedError",
    "PayerSummary",
    "RedisCache",
    "RedisTokenBucket",
    "ResultCache",
    "SchemaMissingError",
    "SqlAuditStore",
    "StoreDataError",
    "StoreUnavailableError",
    "StoreUsageError",
    "StoredTransaction",
    "Submitter",
    "Take",
    "VerifyReport",
    "asks_retry_later",
    "cache_key",
    "ttl_for",
    "upgrade",
]
