"""``eligate normalize`` starts light: no service, store, cache, HTTP client or model stack."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import SAMPLES

HEAVY = (
    "sqlalchemy",
    "alembic",
    "asyncpg",
    "aiosqlite",
    "redis",
    "httpx",
    "httpx2",
    "cryptography",
    "openai",
    "instructor",
    "fastapi",
    "uvicorn",
    "stamina",
    "structlog",
    "eligate.eligibility",
    "eligate.service",
    "eligate.simulator",
    "eligate.llm._openai",
)
_PROBE = """
import atexit, sys
heavy = sys.argv.pop(1).split(",")
atexit.register(lambda: sys.stderr.write(
    "LOADED:" + ",".join(m for m in heavy if m in sys.modules) + "\\n"))
from eligate.cli import main
main()
"""


def _loaded(*args: str) -> tuple[int, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, ",".join(HEAVY), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("LOADED:"), done.stderr
    return done.returncode, [name for name in last.removeprefix("LOADED:").split(",") if name]


@pytest.mark.parametrize(
    "args",
    [
        ("normalize", "--help"),
        ("normalize", str(SAMPLES / "commercial_ppo_active.271")),
        ("validate", "--help"),
        ("--help",),
    ],
)
def test_normalize_loads_nothing_heavy(args: tuple[str, ...]) -> None:
    """Normalizing a file (or asking for help) imports none of the heavy stacks."""
    status, loaded = _loaded(*args)
    assert status == 0
    assert loaded == []


def test_the_probe_sees_a_heavy_command() -> None:
    """The probe is not blind: ``audit new-key`` does load the store's stack."""
    status, loaded = _loaded("audit", "new-key", "--key-id", "k1")
    assert status == 0
    assert "eligate.eligibility" in loaded
    assert "cryptography" in loaded
