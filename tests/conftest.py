"""Shared fixtures: where the corpus and the project's own samples live."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.servers import postgres_database, redis_client, redis_prefix  # noqa: F401 - fixtures

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
