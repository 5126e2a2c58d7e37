"""The eligibility core: payer registry, isolation, cache and audit trail.

:class:`Core` answers :class:`EligibilityRequest` s from the cache, the payer's
isolated lane (own HTTP client, breaker, bulkhead, pacing, retries, deadline) or
the payer's fallback policy. :class:`MemoryCache` and :class:`RedisCache` keep full
results; :class:`SqlAuditStore` keeps the encrypted, hash-chained audit trail.
:func:`start_simulator` runs loopback payers for the demo, the tests and the
isolation benchmark.
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
from eligate.eligibility._guards import (
    TokenBucket,
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
from eligate.eligibility._redis_cache import (
    RedisCache,
)
from eligate.eligibility._registry import (
    BasicAuth,
    BearerAuth,
    BreakerPolicy,
    FallbackPolicy,
    HeaderKeyAuth,
    NoAuth,
    Pacing,
    PayerConfig,
    PayerRegistry,
    RetryPolicy,
    Timeouts,
    X12Ids,
    dump_payer,
    load_payer,
    load_registry,
    write_registry,
)
from eligate.eligibility._shared_bucket import (
    RedisTokenBucket,
    Take,
)
from eligate.eligibility._simulator import (
    Behavior,
    Simulator,
    simulator_registry,
    start_simulator,
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
    RegistryError,
    SchemaMissingError,
    StoreDataError,
    StoreUnavailableError,
    StoreUsageError,
    UnknownPayerError,
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
    "BasicAuth",
    "BearerAuth",
    "Behavior",
    "BreakerPolicy",
    "BreakerState",
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
    "FallbackPolicy",
    "HeaderKeyAuth",
    "InquiryError",
    "KeyRing",
    "MemoryCache",
    "NoAuth",
    "Origin",
    "Pacing",
    "PayerCallError",
    "PayerConfig",
    "PayerError",
    "PayerHealth",
    "PayerRefusedError",
    "PayerRegistry",
    "PayerSummary",
    "RedisCache",
    "RedisTokenBucket",
    "RegistryError",
    "ResultCache",
    "RetryPolicy",
    "SchemaMissingError",
    "Simulator",
    "SqlAuditStore",
    "StoreDataError",
    "StoreUnavailableError",
    "StoreUsageError",
    "StoredTransaction",
    "Submitter",
    "Take",
    "Timeouts",
    "TokenBucket",
    "UnknownPayerError",
    "VerifyReport",
    "X12Ids",
    "asks_retry_later",
    "cache_key",
    "dump_payer",
    "load_payer",
    "load_registry",
    "simulator_registry",
    "start_simulator",
    "ttl_for",
    "upgrade",
    "write_registry",
]
