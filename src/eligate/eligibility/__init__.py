"""The eligibility core: payer isolation, cache and audit trail.

:class:`Core` answers :class:`EligibilityRequest` s from the cache, the payer's
isolated lane (own HTTP client, breaker, bulkhead, pacing, retries, deadline) or
the payer's fallback policy. :class:`MemoryCache` and :class:`RedisCache` keep full
results; :class:`SqlAuditStore` keeps the encrypted, hash-chained audit trail;
:class:`DurableAuditStore` spools to a local file what it cannot take now.
Payer files are :mod:`eligate.payers`; loopback payers are :mod:`eligate.simulator`.
"""

from eligate.eligibility._anchors import (
    ANCHOR_FILE,
    read_anchors,
    write_anchor,
)
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
    CachedReply,
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
    REDIS_TIMEOUT,
    RedisCache,
    redis_client,
)
from eligate.eligibility._shared_bucket import (
    RedisTokenBucket,
    Take,
)
from eligate.eligibility._spool import (
    SPOOL_FILE,
    AuditSpool,
    DurableAuditStore,
    spooled_ids,
)
from eligate.eligibility.errors import (
    BadAnchorError,
    BadDatabaseUrlError,
    BadKeyError,
    CacheUsageError,
    DecryptionError,
    EligibilityError,
    EligibilityUsageError,
    GuideRefusedError,
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
    "ANCHOR_FILE",
    "BATCH_TTL",
    "REALTIME_TTL",
    "REDIS_TIMEOUT",
    "SPOOL_FILE",
    "STABLE_MEMBER_TTL",
    "AuditKey",
    "AuditRecord",
    "AuditSource",
    "AuditSpool",
    "AuditStatus",
    "AuditStore",
    "AuditVerifyReport",
    "BadAnchorError",
    "BadDatabaseUrlError",
    "BadKeyError",
    "CacheKey",
    "CacheUsageError",
    "CachedAnswer",
    "CachedReply",
    "ChainAnchor",
    "Context",
    "Core",
    "DecryptionError",
    "DurableAuditStore",
    "EligibilityCore",
    "EligibilityError",
    "EligibilityOutcome",
    "EligibilityRequest",
    "EligibilityUsageError",
    "GuideRefusedError",
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
    "read_anchors",
    "redis_client",
    "spooled_ids",
    "ttl_for",
    "upgrade",
    "write_anchor",
]
