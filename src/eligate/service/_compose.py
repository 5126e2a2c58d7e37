"""The composition root: settings in; the core, the stores, the proposer and the server out.

Embedded defaults (no other setup): the SQLite audit file under ``data_dir``, the
in-process cache and loopback payers from the simulator. Production: PostgreSQL
by ``ELIGATE_DATABASE_URL``, Redis by ``ELIGATE_REDIS_URL`` and payer YAML files
in ``ELIGATE_PAYERS_DIR``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import uvicorn

from eligate.batch import BatchRuntime
from eligate.eligibility import (
    ANCHOR_FILE,
    SPOOL_FILE,
    AuditSpool,
    CachedReply,
    Core,
    DurableAuditStore,
    EligibilityCore,
    EligibilityOutcome,
    EligibilityRequest,
    KeyRing,
    MemoryCache,
    PayerHealth,
    PayerSummary,
    RedisCache,
    ResultCache,
    SqlAuditStore,
    StoreUnavailableError,
    Submitter,
)
from eligate.events import Announcer, EventStream, MemoryEventStream, RedisEventStream
from eligate.normalizer import LLMProposer, Proposer
from eligate.payers import load_registry
from eligate.service._app import create_app
from eligate.service._idempotency import (
    IdempotencyStore,
    InMemoryIdempotencyStore,
    RedisIdempotencyStore,
)
from eligate.service._logging import get_logger
from eligate.service._ratelimit import RateLimiter, RedisTokenBucketLimiter, TokenBucketLimiter
from eligate.service._settings import Settings
from eligate.service._state import WebhookState
from eligate.simulator import Simulator, start_simulator

CoreFactory = Callable[[Settings], Awaitable[EligibilityCore]]
"""Builds the eligibility core from the settings, inside the event loop that will use it."""


class ComposedCore:
    """The core plus, by default, the simulator it talks to.

    The core owns its audit store and cache and closes them (once); this closes the
    core, then stops the simulator.
    """

    def __init__(
        self,
        core: Core,
        *,
        audit: DurableAuditStore,
        chain: SqlAuditStore,
        cache: ResultCache,
        simulator: Simulator | None,
        keys: KeyRing | None = None,
        events: EventStream | None = None,
    ) -> None:
        self.core = core
        self.events = events
        """The stream the core announces on (closed with the core)."""
        self.keys = keys
        self.audit = audit
        self.chain = chain
        """The database behind ``audit`` (the batch keeps its tables there)."""
        self.cache = cache
        self.simulator = simulator

    async def check(self, request: EligibilityRequest) -> EligibilityOutcome:
        """Answer one inquiry (see :meth:`Core.check`)."""
        return await self.core.check(request)

    async def check_cached(self, request: EligibilityRequest) -> CachedReply | None:
        """A fresh cached answer as JSON (see :meth:`Core.check_cached`)."""
        return await self.core.check_cached(request)

    def payers(self) -> list[PayerSummary]:
        """The payers in the registry."""
        return self.core.payers()

    def health(self, payer_id: str) -> PayerHealth:
        """One payer's health."""
        return self.core.health(payer_id)

    async def ready(self) -> bool:
        """Whether the core can answer (see :meth:`Core.ready`)."""
        return await self.core.ready()

    async def close(self) -> None:
        """Close the core (its lanes, cache and store), then stop the simulator."""
        await self.core.close()
        if self.core.announcer is not None:
            await self.core.announcer.drain()
        if self.events is not None:
            await self.events.close()
        if self.simulator is not None:
            await self.simulator.stop()


async def build_core(
    settings: Settings, *, store_timeout: float = 1.0, pool_size: int = 5
) -> ComposedCore:
    """Build the eligibility core ``serve``, ``check`` and the batch run on, from ``settings``.

    ``store_timeout`` is the most one check waits on the cache or the audit store;
    batch workers wait longer (an answer must not lose its audit record).

    Raises:
        StoreUnavailableError: the audit database cannot be reached.
        BadDatabaseUrlError: ``database_url`` is not a database we can use.
        RegistryError: a payer file in ``payers_dir`` does not validate.
    """
    keys = KeyRing.parse(settings.encryption_keys())
    salt = settings.cache_salt.get_secret_value().encode()
    if settings.database_url.startswith("sqlite"):
        Path(settings.database_url.partition(":///")[2]).parent.mkdir(parents=True, exist_ok=True)
    chain = SqlAuditStore.from_url(settings.database_url, keys=keys, pool_size=pool_size)
    spool = AuditSpool(settings.data_dir / SPOOL_FILE, keys=keys)
    try:
        await chain.migrate()
    except StoreUnavailableError:
        if not spool.path.exists():
            raise  # a first start needs the database; a restart mid-outage spools
        migrated = False
    else:
        migrated = True
    audit = DurableAuditStore(
        chain,
        spool,
        migrated=migrated,
        anchors=settings.audit_anchor_file or settings.data_dir / ANCHOR_FILE,
        keys=keys,
    )
    audit.start()
    cache: ResultCache = (
        RedisCache.from_url(settings.redis_url, salt=salt, keys=keys)
        if settings.redis_url
        else MemoryCache()
    )
    simulator: Simulator | None = None
    if settings.payers_dir is not None:
        registry = load_registry(settings.payers_dir)
    else:
        simulator = await start_simulator()
        registry = simulator.registry()
    if simulator is not None:
        get_logger().info(
            "service.simulator_started", admin=simulator.admin_url, payers=sorted(registry)
        )
    events = build_events(settings)
    core = Core(
        announcer=Announcer(events),
        registry=registry,
        environ=settings.payer_secrets(registry),
        cache=cache,
        audit=audit,
        salt=salt,
        submitter=Submitter(
            sender_id=settings.submitter_id,
            provider_npi=settings.provider_npi,
            provider_name=settings.provider_name,
        ),
        store_timeout=store_timeout,
    )
    return ComposedCore(
        core,
        audit=audit,
        chain=chain,
        cache=cache,
        simulator=simulator,
        keys=keys,
        events=events,
    )


def build_events(settings: Settings) -> EventStream:
    """A Redis stream with ``redis_url`` (every replica sees every event), else in-process."""
    if settings.redis_url:
        return RedisEventStream.from_url(
            settings.redis_url, key=settings.events_stream, retain=settings.events_retain
        )
    return MemoryEventStream(retain=settings.events_retain)


def build_idempotency(settings: Settings) -> IdempotencyStore:
    """Redis when ``redis_url`` is set (shared by replicas, bodies sealed), else in-process."""
    if settings.redis_url:
        return RedisIdempotencyStore.from_url(
            settings.redis_url, keys=KeyRing.parse(settings.encryption_keys())
        )
    return InMemoryIdempotencyStore()


def build_limiter(settings: Settings) -> RateLimiter:
    """Buckets in Redis when ``redis_url`` is set (one limit across replicas), else in-process."""
    per_minute, burst = settings.rate_limit_per_minute, settings.rate_limit_burst
    if settings.redis_url:
        return RedisTokenBucketLimiter.from_url(
            settings.redis_url, per_minute=per_minute, burst=burst
        )
    return TokenBucketLimiter(per_minute=per_minute, burst=burst)


def build_proposer(settings: Settings) -> Proposer | None:
    """The model proposer when ``ELIGATE_LLM_BASE_URL`` and ``_MODEL`` are set, else None."""
    config = settings.llm_config()
    if config is None:
        return None
    return LLMProposer(config)


def build_server(
    settings: Settings,
    core: EligibilityCore,
    *,
    batches: BatchRuntime | None = None,
    webhooks: WebhookState | None = None,
) -> uvicorn.Server:
    """A uvicorn server for the app on ``core`` (and the night run), bound where settings say."""
    app = create_app(
        settings,
        core=core,
        events=core.events if isinstance(core, ComposedCore) else None,
        idempotency=build_idempotency(settings),
        limiter=build_limiter(settings),
        proposer=build_proposer(settings),
        batches=batches,
        webhooks=webhooks,
    )
    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, access_log=False, lifespan="on",
        log_config=None,  # configure_logging renders uvicorn's lines as JSON
    )  # fmt: skip
    return uvicorn.Server(config)
