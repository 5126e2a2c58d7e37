"""Shared fixtures: where the corpus and the project's own samples live."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import structlog

from eligate.llm import allow_model_requests
from eligate.simulator import Simulator, start_simulator
from tests.own_servers import (  # noqa: F401 - fixtures
    own_postgres,
    own_postgres_up,
    own_redis,
    own_redis_up,
)
from tests.servers import own_postgres_database, postgres_database, redis_client, redis_prefix  # noqa: F401 - fixtures

allow_model_requests(False)
"""No test reaches a real model by accident: real clients are built for loopback endpoints only."""

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
FIXTURES = ROOT / "tests" / "fixtures" / "x12"
CORPUS = ROOT.parent / "shared" / "corpus" / "x12" / "real"


@pytest.fixture
def corpus() -> Path:
    """The real-world corpus folder; skips the test where ../shared is not checked out."""
    if not CORPUS.is_dir():
        pytest.skip(
            f"real-world corpus not found at {CORPUS}: it lives in ../shared, outside the repo"
        )
    return CORPUS


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts without ELIGATE_* settings leaking in from the shell."""
    import os

    for name in list(os.environ):
        if name.startswith("ELIGATE_"):
            monkeypatch.delenv(name)


@pytest.fixture
async def simulator() -> AsyncIterator[Simulator]:
    """Four healthy loopback payers."""
    sim = await start_simulator(("alpha", "bravo", "charlie", "delta"))
    try:
        yield sim
    finally:
        await sim.stop()


@pytest.fixture(autouse=True)
def _reset_structlog() -> Iterator[None]:
    """Commands configure structlog for the process; each test starts from the defaults."""
    yield
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()
