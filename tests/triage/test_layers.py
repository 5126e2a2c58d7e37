"""Triage sits at the core's level: it imports only validators, normalizer and x12 below it."""

from __future__ import annotations

import ast
from pathlib import Path

import eligate.triage

_ALLOWED = ("eligate.triage", "eligate.validators", "eligate.normalizer", "eligate.x12")
_NO_IO = ("httpx", "sqlalchemy", "redis", "openai", "instructor", "asyncpg", "aiosqlite")


def test_triage_imports_only_below_and_does_no_io() -> None:
    """No module of triage imports batch, eligibility, service, or an I/O client."""
    folder = Path(eligate.triage.__file__).parent
    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.startswith("eligate"):
                    assert name.startswith(_ALLOWED), (path.name, name)
                assert not name.startswith(_NO_IO), (path.name, name)
