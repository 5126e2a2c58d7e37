"""The composition root of the core: settings in, a running eligibility core out.

Embedded defaults (no other setup): the SQLite audit file under ``data_dir``, the
in-process cache and loopback payers from the simulator. Production: PostgreSQL
by ``ELIGATE_DATABASE_URL``, Redis by ``ELIGATE_REDIS_URL`` and payer YAML files
in ``ELIGATE_PAYERS_DIR``.
"""

from __future__ import annotations

from pathlib import Path

from eligate.eligibility import (
    Core,
    EligibilityOutcome,
    EligibilityRequest,
    KeyRing,
    MemoryCache,
    PayerHealth,
    PayerSummary,
    RedisCache,
    ResultCache,
    Simulator,
    SqlAuditStore,
    Submitter,
    load_registry,
    start_simulator,
)
from eligate.service._settings import Settings


class ComposedCore:
    """The core plus what it owns: the audit store, the cache and, by default, the simulator.

    Closing it closes all of them, in the order that lets in-flight calls finish.
    """

    def __init__(
        self,
        core: Core,
        *,
        audit: SqlAuditStore,
        cache: ResultCache,
        simulator: Simulator | None,
        keys: KeyRing | None = None,
    ) -> None:
        self.core = core
        self.keys = keys
        self.audit = audit
        self.cache = cache
        self.simulator = simulator

    async def check(self, request: EligibilityRequest) -> EligibilityOutcome:
        """Answer one inquiry (see :meth:`Core.check`)."""
        return await self.core.check(request)

    def payers(self) -> list[PayerSummary]:
        """The payers in the registry."""
        return self.core.payers()

    def health(self, payer_id: str) -> PayerHealth:
        """One payer's health."""
        return self.core.health(payer_id)

    async def close(self) -> None:
        """Close the core's lanes, then the cache and the store, then stop the simulator."""
        await self.core.close()
        await self.cache.close()
        await self.audit.close()
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
    keys = KeyRing.parse(settings.encryption_key.get_secret_value())
    salt = settings.cache_salt.get_secret_value().encode()
    if settings.database_url.startswith("sqlite"):
        Path(settings.database_url.partition(":///")[2]).parent.mkdir(parents=True, exist_ok=True)
    audit = SqlAuditStore.from_url(settings.database_url, keys=keys, pool_size=pool_size)
    await audit.migrate()
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
    core = Core(
        registry=registry,
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
    return ComposedCore(core, audit=audit, cache=cache, simulator=simulator, keys=keys)
