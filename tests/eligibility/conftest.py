"""Fixtures of the eligibility tests: stamina without waits, a simulator, a core on fakes."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime

import pytest
import stamina

from eligate.eligibility import (
    Core,
    PayerRegistry,
    Simulator,
    Submitter,
    start_simulator,
)
from tests.eligibility.fakes import MemoryAudit, MemoryCache

SUBMITTER = Submitter(sender_id="ELIGATE", provider_npi="1999999984", provider_name="SAMPLE CLINIC")
SALT = b"eligate-tests-salt-0123456789abcdef"


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    """Retries keep their attempt counts but do not wait between attempts."""
    with stamina.set_testing(True, attempts=10, cap=True):
        yield


@pytest.fixture
async def simulator() -> AsyncIterator[Simulator]:
    """Four healthy loopback payers."""
    sim = await start_simulator(("alpha", "bravo", "charlie", "delta"))
    try:
        yield sim
    finally:
        await sim.stop()


CoreFactory = Callable[..., Core]


@pytest.fixture
async def make_core() -> AsyncIterator[CoreFactory]:
    """Builds cores on in-memory fakes and closes them after the test."""
    cores: list[Core] = []

    def build(
        registry: PayerRegistry,
        *,
        cache: MemoryCache | None = None,
        audit: MemoryAudit | None = None,
        clock: Callable[[], float] | None = None,
        now: Callable[[], datetime] | None = None,
        store_timeout: float = 1.0,
    ) -> Core:
        core = Core(
            registry=registry,
            cache=cache or MemoryCache(),
            audit=audit or MemoryAudit(),
            salt=SALT,
            submitter=SUBMITTER,
            clock=clock or time.monotonic,
            now=now or (lambda: datetime.now(UTC)),
            store_timeout=store_timeout,
        )
        cores.append(core)
        return core

    yield build
    for core in cores:
        await core.close()
