"""The composition root of the HTTP API: :func:`create_app` wires given dependencies in.

No globals: the app receives its settings, core and idempotency store, keeps them
on ``app.state`` for ``deps``, and its lifespan closes them on shutdown.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

import stamina.instrumentation
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from eligate.batch import BatchRuntime
from eligate.eligibility import EligibilityCore
from eligate.events import EventStream, MemoryEventStream
from eligate.normalizer import Proposer
from eligate.service import (
    _routes_batches,
    _routes_dashboard,
    _routes_eligibility,
    _routes_events,
    _routes_normalize,
    _routes_ops,
    _routes_payers,
    _routes_webhooks,
)
from eligate.service._docs import mount_docs
from eligate.service._handlers import exception_handlers
from eligate.service._idempotency import IdempotencyStore, InMemoryIdempotencyStore
from eligate.service._logging import get_logger
from eligate.service._metrics import Metrics
from eligate.service._middleware import RequestContextMiddleware
from eligate.service._ratelimit import RateLimiter, TokenBucketLimiter
from eligate.service._settings import Settings
from eligate.service._state import EventConfig, ReadyCheck, ServiceState, WebhookState


def _version() -> str:
    try:
        return version("eligate")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0"


def _settle(settings: Settings) -> bool:
    config = settings.llm_config()
    return config.settle if config is not None else False


def create_app(
    settings: Settings,
    *,
    core: EligibilityCore,
    idempotency: IdempotencyStore | None = None,
    ready: ReadyCheck | None = None,
    limiter: RateLimiter | None = None,
    proposer: Proposer | None = None,
    batches: BatchRuntime | None = None,
    events: EventStream | None = None,
    event_config: EventConfig | None = None,
    webhooks: WebhookState | None = None,
) -> FastAPI:
    """The eligate HTTP API around ``core``.

    Args:
        settings: built at start-up by ``load_settings``.
        core: answers inquiries; closed when the app shuts down.
        idempotency: where ``Idempotency-Key`` responses live; in-process when None.
        ready: what ``/readyz`` asks; the core's ``ready()`` by default.
        limiter: per-client rate limits; in-process from ``settings`` when None
            (``build_limiter`` gives the Redis one; tests pass one with a fake clock).
        proposer: the model proposer ``POST /v1/normalize`` asks about what the rules
            leave unmapped; rules only when None (``build_proposer`` makes one from settings).
        batches: the night run (``/v1/batches``); closed with the app. None: 503 there.
        events: the stream ``/v1/events`` serves (the one the core announces on);
            an empty in-process one when None. Its owner (the composed core) closes it.
        event_config: heartbeat and poll intervals of ``/v1/events``.
        webhooks: subscriptions and deliveries (``/v1/webhooks``); None: 503 there.

    Returns:
        The app; serve it with uvicorn or call it through ``httpx.ASGITransport``.
    """
    metrics = Metrics()
    # stamina's hooks are per process: the app that serves /metrics counts every retry
    # (payer calls included) and logs it through structlog.
    stamina.instrumentation.set_on_retry_hooks(
        [stamina.instrumentation.StructlogOnRetryHook, metrics.on_retry]
    )
    state = ServiceState(
        settings=settings,
        core=core,
        idempotency=idempotency if idempotency is not None else InMemoryIdempotencyStore(),
        limiter=limiter
        or TokenBucketLimiter(
            per_minute=settings.rate_limit_per_minute, burst=settings.rate_limit_burst
        ),
        metrics=metrics,
        keys_by_hash={key.sha256: key for key in settings.api_keys},
        ready=ready or core.ready,
        proposer=proposer,
        settle=_settle(settings),
        batches=batches,
        events=events if events is not None else MemoryEventStream(),
        event_config=event_config or EventConfig(),
        webhooks=webhooks,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        log = get_logger()
        if not settings.auth_enabled:
            log.warning(
                "service.auth_disabled",
                reason="development with no ELIGATE_API_KEYS: every caller has every scope",
            )
        log.info("service.started", environment=settings.environment)
        try:
            yield
        finally:
            if state.batches is not None:
                await state.batches.close()
            try:
                await state.core.close()
            finally:
                try:
                    await state.idempotency.close()
                finally:
                    await state.limiter.close()
                    close_proposer = getattr(state.proposer, "close", None)
                    if close_proposer is not None:
                        close_proposer()
            log.info("service.stopped")

    app = FastAPI(
        title="eligate",
        summary="US healthcare eligibility: X12 271 normalization and real-time checks.",
        version=_version(),
        lifespan=lifespan,
        exception_handlers=exception_handlers(),
        # Production publishes no map of the API: /docs and /openapi.json are 404 there.
        docs_url=None,
        openapi_url=None if settings.environment == "production" else "/openapi.json",
        redoc_url=None,
    )
    if app.openapi_url is not None:
        mount_docs(app, openapi_url=app.openapi_url)
    app.state.service = state
    app.add_middleware(
        RequestContextMiddleware, metrics=metrics, max_request_bytes=settings.max_request_bytes
    )
    for module in (
        _routes_normalize,
        _routes_eligibility,
        _routes_payers,
        _routes_batches,
        _routes_events,
        _routes_ops,
        _routes_webhooks,
        _routes_dashboard,
    ):
        app.include_router(module.router)
    app.mount(
        "/dashboard/static",
        StaticFiles(directory=_routes_dashboard.STATIC),
        name="dashboard-static",
    )
    return app
