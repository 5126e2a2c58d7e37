"""The import-linter contract holds the arrows of DESIGN.md, and fails on a wrong one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

_LINT = Path(sys.executable).parent / "lint-imports"


def _lint(source: Path) -> subprocess.CompletedProcess[str]:
    """Run the project's contracts over the ``eligate`` package found under ``source``."""
    return subprocess.run(
        [str(_LINT), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=source,
        env={**os.environ, "PYTHONPATH": str(source)},
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of ``src/`` to plant bad imports in."""
    shutil.copytree(ROOT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path / "src"


def test_the_real_tree_keeps_every_contract(tree: Path) -> None:
    """The unchanged copy passes: a failure below is the planted import, nothing else."""
    done = _lint(tree)
    assert done.returncode == 0, done.stdout
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("x12/_upward.py", "import eligate.eligibility\n", "Layers"),
        ("normalizer/_upward.py", "from eligate import validators\n", "Layers"),
        ("eligibility/_upward.py", "import eligate.batch\n", "Layers"),
        ("triage/_sideways.py", "import eligate.eligibility\n", "Layers"),
        ("simulator/_sideways.py", "import eligate.onboarding\n", "Layers"),
        ("payers/_upward.py", "import eligate.llm\n", "Layers"),
        ("triage/_below.py", "import eligate.llm\n", "triage imports only"),
        ("onboarding/_below.py", "import eligate.normalizer\n", "onboarding imports only"),
        ("x12/_io.py", "import httpx\n", "Pure packages do no I/O"),
    ],
)
def test_a_wrong_import_breaks_the_contract(
    tree: Path, module: str, line: str, contract: str
) -> None:
    """An upward, sideways or forbidden import makes lint-imports fail, naming the contract."""
    (tree / "eligate" / module).write_text(f'"""A planted import."""\n\n{line}')
    done = _lint(tree)
    assert done.returncode == 1, done.stdout
    broken = [row for row in done.stdout.splitlines() if row.endswith("BROKEN")]
    assert len(broken) == 1, done.stdout
    assert broken[0].startswith(contract)
