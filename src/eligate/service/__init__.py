"""service: the composition root and the HTTP API: settings, stores, core, FastAPI app.

:func:`build_core` and its siblings turn one :class:`Settings` into the running
parts; :func:`create_app` is the FastAPI application. The command line lives in
:mod:`eligate.cli`, which imports this package only for the commands that serve.
"""

from eligate.service._app import (
    create_app,
)
from eligate.service._compose import (
    ComposedCore,
    CoreFactory,
    build_core,
    build_events,
    build_idempotency,
    build_limiter,
    build_proposer,
    build_server,
)
from eligate.service._compose_batch import (
    batch_policy,
    build_batch,
    queue_config,
)
from eligate.service._compose_webhooks import (
    WebhookRuntime,
    build_webhooks,
    delivery_policy,
)
from eligate.service._idempotency import (
    Begin,
    IdempotencyStore,
    InMemoryIdempotencyStore,
    RedisIdempotencyStore,
    StoredResponse,
)
from eligate.service._logging import (
    configure_logging,
)
from eligate.service._models import (
    DependentCreate,
    EligibilityPublic,
    ErrorDetailPublic,
    ErrorPublic,
    FieldErrorPublic,
    InquiryCreate,
    NormalizeCreate,
    NormalizePublic,
    PayersPublic,
    StatusPublic,
    SubscriberCreate,
)
from eligate.service._ratelimit import (
    Decision,
    RateLimiter,
    RedisTokenBucketLimiter,
    TokenBucketLimiter,
)
from eligate.service._settings import (
    SCOPES,
    ApiKey,
    Environment,
    Scope,
    Settings,
    hash_api_key,
    load_settings,
)
from eligate.service._state import (
    EventConfig,
    ReadyCheck,
    WebhookState,
)
from eligate.service.errors import (
    INQUIRY_ERRORS,
    ApiError,
    ServiceError,
    SettingsError,
)

__all__ = [
    "INQUIRY_ERRORS",
    "SCOPES",
    "ApiError",
    "ApiKey",
    "Begin",
    "ComposedCore",
    "CoreFactory",
    "Decision",
    "DependentCreate",
    "EligibilityPublic",
    "Environment",
    "ErrorDetailPublic",
    "ErrorPublic",
    "EventConfig",
    "FieldErrorPublic",
    "IdempotencyStore",
    "InMemoryIdempotencyStore",
    "InquiryCreate",
    "NormalizeCreate",
    "NormalizePublic",
    "PayersPublic",
    "RateLimiter",
    "ReadyCheck",
    "RedisIdempotencyStore",
    "RedisTokenBucketLimiter",
    "Scope",
    "ServiceError",
    "Settings",
    "SettingsError",
    "StatusPublic",
    "StoredResponse",
    "SubscriberCreate",
    "TokenBucketLimiter",
    "WebhookRuntime",
    "WebhookState",
    "batch_policy",
    "build_batch",
    "build_core",
    "build_events",
    "build_idempotency",
    "build_limiter",
    "build_proposer",
    "build_server",
    "build_webhooks",
    "configure_logging",
    "create_app",
    "delivery_policy",
    "hash_api_key",
    "load_settings",
    "queue_config",
]
