"""``Idempotency-Key`` on POST: run a request once, replay its response to retries.

The key is scoped to the caller and the route, so two clients cannot see each
other's responses. A retry with the same key and body gets the stored response
(header ``Idempotency-Replayed: true``); the same key with a different body is a
422 ``idempotency_key_reused``; a retry while the first is still running is a 409
``idempotency_request_in_flight``. Only successful (2xx) responses are kept: a
refused or failed request may be retried with the same key.

When the shared store (Redis) does not answer, a request carrying the key is
refused with 503 ``idempotency_unavailable`` and ``Retry-After`` (chosen over a
per-replica fallback, which could run a retry twice on another replica); requests
without the key are served as usual.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta

from fastapi import Request
from starlette.responses import Response

from eligate.service._auth import Principal
from eligate.service._idempotency import StoredResponse
from eligate.service._logging import get_logger
from eligate.service._state import ServiceState
from eligate.service.errors import ApiError, IdempotencyUnavailableError

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotency-Replayed"
LOCK_TTL = timedelta(seconds=60)
"""How long a claimed key stays in flight if its process dies before answering."""
RETRY_AFTER_S = "5"
"""Seconds a client is told to wait when the idempotency store is down."""
_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


async def respond_once(
    request: Request,
    *,
    caller: Principal,
    state: ServiceState,
    produce: Callable[[], Awaitable[Response]],
) -> Response:
    """``produce()``'s response, or the stored one when this request was answered before."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return await produce()
    if not _VALID_KEY.fullmatch(key):
        raise ApiError(
            status_code=400,
            code="invalid_idempotency_key",
            message="Idempotency-Key must be 1 to 255 printable ASCII characters without spaces",
        )
    scoped = hashlib.sha256(
        "\x1f".join([caller.name, request.method, request.url.path, key]).encode()
    ).hexdigest()
    # The representation asked for is part of the request: a key first used for JSON
    # must not replay that JSON to a caller who now asks for FHIR (or the reverse).
    accept = request.headers.get("accept", "").encode()
    fingerprint = hashlib.sha256(await request.body() + b"\x00" + accept).hexdigest()
    store = state.idempotency
    try:
        begin = await store.begin(scoped, fingerprint=fingerprint, lock_ttl=LOCK_TTL)
    except IdempotencyUnavailableError:
        # Refused, not run without the key: a retry must never run a request twice.
        raise ApiError(
            status_code=503,
            code="idempotency_unavailable",
            message="Idempotency-Key cannot be honoured now (its store did not answer); "
            "retry later, or send the request without the key",
            headers={"Retry-After": RETRY_AFTER_S},
        ) from None
    if begin.state == "mismatch":
        raise ApiError(
            status_code=422,
            code="idempotency_key_reused",
            message="this Idempotency-Key was used with a different request (body or Accept)",
        )
    if begin.state == "in_flight":
        raise ApiError(
            status_code=409,
            code="idempotency_request_in_flight",
            message="a request with this Idempotency-Key is still being answered",
            headers={"Retry-After": "1"},
        )
    if begin.response is not None:
        state.metrics.idempotent_replays.inc()
        return Response(
            content=begin.response.body,
            status_code=begin.response.status_code,
            media_type=begin.response.media_type,
            headers={REPLAYED_HEADER: "true"},
        )
    try:
        response = await produce()
    except BaseException:
        await _settle(store.abandon(scoped, fingerprint=fingerprint))
        raise
    if 200 <= response.status_code < 300:
        await _settle(store.complete(
            scoped,
            fingerprint=fingerprint,
            response=StoredResponse(
                status_code=response.status_code,
                body=bytes(response.body),
                media_type=response.media_type or "application/json",
            ),
            ttl=timedelta(seconds=state.settings.idempotency_ttl_seconds),
        ))  # fmt: skip
    else:
        await _settle(store.abandon(scoped, fingerprint=fingerprint))
    return response


async def _settle(step: Awaitable[None]) -> None:
    """Record the outcome under the key; an outage now only leaves the claim to expire.

    The answer is already produced: the caller gets it. A retry within ``LOCK_TTL``
    is told the request is in flight (409) rather than run twice.
    """
    try:
        await step
    except IdempotencyUnavailableError as error:
        get_logger().warning("service.idempotency_unavailable", error=error.message)
