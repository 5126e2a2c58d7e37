"""``eligate normalize --format fhir``: one canonical Bundle per file, one per line."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from typing import Any

import pytest

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


def test_a_bundle_the_models_refuse_is_one_line_and_the_others_print(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A conversion the R4B check refuses is reported per file (exit 2); other files still print."""
    import eligate.fhir
    from eligate.cli import app
    from eligate.fhir import BundleValidationError

    real = eligate.fhir.render_bundle
    calls: list[int] = []

    def refuse_first(results: Any, **options: Any) -> str:
        calls.append(1)
        if len(calls) == 1:
            raise BundleValidationError("entry.0.resource.id: string_pattern_mismatch")
        return real(results, **options)

    monkeypatch.setattr(eligate.fhir, "render_bundle", refuse_first)
    samples = [str(p) for p in sorted(SAMPLES.glob("*.271"))[:2]]
    with pytest.raises(SystemExit) as exited:
        app(["normalize", "--format", "fhir", *samples], standalone_mode=True)
    assert exited.value.code == 2
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 1
    refused = f"{samples[0]}: entry.0.resource.id: string_pattern_mismatch"
    assert err.strip().splitlines() == [f"eligate: error[invalid_bundle]: {refused}"]
