"""service: the composition root: settings, the HTTP API and the ``eligate`` commands.

Names are imported on first use (PEP 562), so the ``eligate`` command, which lives in
this package, does not load the HTTP stack to normalize a file.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from eligate.service._app import (
        create_app,
    )
    from eligate.service._cli_service import (
        CoreFactory,
        build_core,
        build_idempotency,
        build_limiter,
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
        ApiKey,
        Environment,
        Scope,
        Settings,
        hash_api_key,
        load_settings,
    )
    from eligate.service._state import (
        ReadyCheck,
    )
    from eligate.service.errors import (
        ApiError,
        ServiceError,
        SettingsError,
    )
_WHERE = {
    "create_app": "_app",
    "CoreFactory": "_cli_service",
    "build_core": "_cli_service",
    "build_idempotency": "_cli_service",
    "build_limiter": "_cli_service",
    "Begin": "_idempotency",
    "IdempotencyStore": "_idempotency",
    "InMemoryIdempotencyStore": "_idempotency",
    "RedisIdempotencyStore": "_idempotency",
    "StoredResponse": "_idempotency",
    "configure_logging": "_logging",
    "DependentCreate": "_models",
    "EligibilityPublic": "_models",
    "ErrorDetailPublic": "_models",
    "ErrorPublic": "_models",
    "FieldErrorPublic": "_models",
    "InquiryCreate": "_models",
    "NormalizeCreate": "_models",
    "NormalizePublic": "_models",
    "PayersPublic": "_models",
    "StatusPublic": "_models",
    "SubscriberCreate": "_models",
    "Decision": "_ratelimit",
    "RateLimiter": "_ratelimit",
    "RedisTokenBucketLimiter": "_ratelimit",
    "TokenBucketLimiter": "_ratelimit",
    "ApiKey": "_settings",
    "Environment": "_settings",
    "Scope": "_settings",
    "Settings": "_settings",
    "hash_api_key": "_settings",
    "load_settings": "_settings",
    "ReadyCheck": "_state",
    "ApiError": "errors",
    "ServiceError": "errors",
    "SettingsError": "errors",
}

__all__ = [
    "ApiError",
    "ApiKey",
    "Begin",
    "CoreFactory",
    "Decision",
    "DependentCreate",
    "EligibilityPublic",
    "Environment",
    "ErrorDetailPublic",
    "ErrorPublic",
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
    "build_core",
    "build_idempotency",
    "build_limiter",
    "configure_logging",
    "create_app",
    "hash_api_key",
    "load_settings",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'eligate.service' has no attribute {name!r}")
    value = getattr(import_module(f"eligate.service.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
