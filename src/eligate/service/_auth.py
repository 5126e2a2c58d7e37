"""API keys with scopes, and the per-client rate limit that follows authentication.

A key comes in ``X-API-Key``, ``Authorization: Bearer`` or (the dashboard's browser,
whose EventSource cannot send headers) the ``eligate_key`` cookie; the service keeps
only SHA-256 hashes of keys. In development with no keys configured, auth is off and
each client address gets its own rate-limit bucket.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

import structlog
from fastapi import Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from eligate.service._logging import get_logger
from eligate.service._settings import SCOPES, Scope, hash_api_key
from eligate.service._state import ServiceState
from eligate.service.errors import ApiError


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the key's name (or ``anonymous@address``) and what it may do."""

    name: str
    scopes: frozenset[Scope]
    authenticated: bool


_API_KEY_HEADER = APIKeyHeader(name="X-API-Key", auto_error=False, scheme_name="ApiKey")
_BEARER = HTTPBearer(auto_error=False, scheme_name="Bearer")

DASHBOARD_COOKIE = "eligate_key"
"""The dashboard's browser keeps the same API key in this HttpOnly, SameSite=Strict cookie."""


def _presented_key(request: Request) -> str | None:
    key = request.headers.get("x-api-key") or request.cookies.get(DASHBOARD_COOKIE)
    if key:
        return key.strip()
    authorization = request.headers.get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def authenticate(state: ServiceState, request: Request) -> Principal:
    """The caller behind ``request``, or a 401 :class:`ApiError`."""
    if not state.settings.auth_enabled:
        address = request.client.host if request.client else "unknown"
        return Principal(f"anonymous@{address}", frozenset(SCOPES), authenticated=False)
    key = _presented_key(request)
    if key is None:
        raise ApiError(
            status_code=401,
            code="missing_api_key",
            message="send an API key in X-API-Key or Authorization: Bearer",
            headers={"WWW-Authenticate": "Bearer"},
        )
    digest = hash_api_key(key)
    found = state.keys_by_hash.get(digest)
    if found is None or not hmac.compare_digest(found.sha256, digest):
        raise ApiError(
            status_code=401,
            code="invalid_api_key",
            message="the API key is not valid",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Principal(found.name, found.scopes, authenticated=True)


async def authenticate_limited(state: ServiceState, request: Request) -> Principal:
    """:func:`authenticate`, with failed key attempts rate limited per client address.

    Wrong keys from one address draw from that address's own bucket (the same
    per-minute rate and burst as a client's): guessing keys ends in 429s.
    """
    try:
        return authenticate(state, request)
    except ApiError as refused:
        if refused.code == "invalid_api_key":
            address = request.client.host if request.client else "unknown"
            decision = await state.limiter.acquire(f"failed-key@{address}")
            if not decision.allowed:
                get_logger().warning("service.api_key_attempts_limited")
                raise ApiError(
                    status_code=429,
                    code="rate_limited",
                    message=f"too many failed API key attempts; retry in "
                    f"{decision.retry_after_seconds} s",
                    headers={"Retry-After": str(decision.retry_after_seconds)},
                ) from None
        raise


def authorize(scope: Scope) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency: the caller must hold ``scope`` (or ``admin``) and be within its rate."""

    async def dependency(
        request: Request,
        _key: Annotated[str | None, Security(_API_KEY_HEADER)] = None,
        _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_BEARER)] = None,
    ) -> Principal:
        # The two Security parameters only describe the schemes in the OpenAPI document
        # (the Authorize button); authenticate() reads the headers itself.
        state: ServiceState = request.app.state.service
        principal = await authenticate_limited(state, request)
        request.state.client = principal.name
        structlog.contextvars.bind_contextvars(client=principal.name)
        if scope not in principal.scopes and "admin" not in principal.scopes:
            raise ApiError(
                status_code=403,
                code="insufficient_scope",
                message=f"the API key lacks the {scope!r} scope",
            )
        decision = await state.limiter.acquire(principal.name)
        if not decision.allowed:
            raise ApiError(
                status_code=429,
                code="rate_limited",
                message=f"too many requests; retry in {decision.retry_after_seconds} s",
                headers={"Retry-After": str(decision.retry_after_seconds)},
            )
        return principal

    dependency.__name__ = f"authorize_{scope}"
    return dependency
