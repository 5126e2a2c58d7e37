"""``eligate normalize --format fhir``: one canonical Bundle per file, one per line."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

from eligate.fhir import read_bundle, validate_bundle
from tests.conftest import FIXTURES, SAMPLES


def _run(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "eligate", *args], capture_output=True, check=False, timeout=120
    )


def test_one_bundle_per_file_and_bad_files_reported() -> None:
    """Two 271s give two valid Bundle lines; an unreadable file is one line on stderr, exit 2."""
    samples = sorted(SAMPLES.glob("*.271"))[:2]
    done = _run("normalize", "--format", "fhir", *map(str, samples), str(FIXTURES / "not_x12.txt"))
    assert done.returncode == 2
    lines = done.stdout.decode().splitlines()
    assert len(lines) == 2
    for line in lines:
        bundle = json.loads(line, parse_float=Decimal)
        validate_bundle(bundle)
        assert read_bundle(bundle)
    assert done.stderr.decode().count("\n") == 1
    assert "error[not_x12]" in done.stderr.decode()
    assert "Traceback" not in done.stderr.decode()


def test_same_file_same_bytes() -> None:
    """Running the command twice prints the very same bytes."""
    sample = str(sorted(SAMPLES.glob("*.271"))[0])
    first = _run("normalize", "--format", "fhir", sample)
    second = _run("normalize", "--format", "fhir", sample)
    assert first.returncode == 0
    assert first.stdout == second.stdout


def test_plain_normalize_does_not_load_fhir() -> None:
    """The JSON path never imports eligate.fhir or fhir.resources (the import stays lazy)."""
    code = (
        "import sys; from eligate.cli import app; "
        "print(any(m.startswith(('eligate.fhir', 'fhir.resources')) for m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True)
    assert done.stdout.decode().strip() == "False"
