"""The ``eligate`` command: JSON on stdout, one-line errors and exit 2 on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLES
from tests.x12.test_tokenizer import _SAMPLE


def _run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "eligate", *args],
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )


def test_normalize_prints_a_json_array(tmp_path: Path) -> None:
    """A good file gives exit 0 and a JSON array of results."""
    path = tmp_path / "one.271"
    path.write_bytes(_SAMPLE)
    done = _run("normalize", str(path))
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert [r["member_id"] for r in results] == ["SYN1"]
    assert results[0]["coverage_status"] == "active"
    assert done.stderr == b""


def test_normalize_reads_standard_input() -> None:
    """``-`` reads the 271 from stdin."""
    done = _run("normalize", "-", stdin=_SAMPLE)
    assert done.returncode == 0
    assert json.loads(done.stdout)[0]["benefits"][0]["code"] == "1"


def test_bundled_samples_normalize() -> None:
    """Every bundled sample normalizes (the README's first command)."""
    samples = sorted(str(p) for p in SAMPLES.glob("*.271"))
    assert samples, "samples/ holds the README's demo input"
    done = _run("normalize", *samples)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) >= len(samples)


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty_input"),
        (b"this is not x12 at all", "not_x12"),
        (_SAMPLE[: _SAMPLE.index(b"SE*")], "truncated"),
        (_SAMPLE.replace(b"ST*271", b"ST*270"), "not_271"),
        (b"\x00\xff\xfe garbage", "not_x12"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, content: bytes, code: str) -> None:
    """Bad input: exit 2, one line on stderr with a stable code, no traceback."""
    path = tmp_path / "bad.271"
    path.write_bytes(content)
    done = _run("normalize", str(path))
    assert done.returncode == 2
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"eligate: error[{code}]: {path}: ")
    assert b"Traceback" not in done.stderr


def test_missing_file_is_exit_2() -> None:
    """A file that does not exist is a clear one-line error."""
    done = _run("normalize", "/nonexistent/x.271")
    assert done.returncode == 2
    assert done.stderr.decode().strip() == (
        "eligate: error[file_not_found]: /nonexistent/x.271: no such file"
    )


def test_good_results_are_kept_when_another_file_is_bad(tmp_path: Path) -> None:
    """One bad file does not lose the results of the good ones."""
    good, bad = tmp_path / "good.271", tmp_path / "bad.271"
    good.write_bytes(_SAMPLE)
    bad.write_bytes(b"nope")
    done = _run("normalize", str(good), str(bad))
    assert done.returncode == 2
    assert [r["member_id"] for r in json.loads(done.stdout)] == ["SYN1"]
    assert len(done.stderr.decode().splitlines()) == 1


def test_usage_error_is_exit_2_without_traceback() -> None:
    """An unknown option is a usage error, exit 2, no traceback."""
    done = _run("normalize", "--bogus")
    assert done.returncode == 2
    assert b"Traceback" not in done.stderr


def test_normalize_runs_the_gate(tmp_path: Path) -> None:
    """Every printed result carries the gate's verdict."""
    path = tmp_path / "one.271"
    path.write_bytes(_SAMPLE)
    [result] = json.loads(_run("normalize", str(path)).stdout)
    assert result["validation"]["verdict"] == "accepted"


def test_validate_exit_codes(tmp_path: Path) -> None:
    """validate: 0 when all accepted, 1 when one is not, 2 on unusable input."""
    raw = tmp_path / "one.271"
    raw.write_bytes(_SAMPLE)
    results = tmp_path / "results.json"
    results.write_bytes(_run("normalize", str(raw)).stdout)
    done = _run("validate", str(results), "--x12", str(raw))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["verdict"] == "accepted"

    edited = json.loads(results.read_text())
    edited[0]["member_id"] = "SOMEONE_ELSE"
    results.write_text(json.dumps(edited))
    done = _run("validate", str(results), "--x12", str(raw))
    assert done.returncode == 1
    [verdict] = json.loads(done.stdout)
    assert verdict["verdict"] == "rejected"
    assert "value_not_in_source" in {r["code"] for r in verdict["reasons"]}

    edited[0]["coverage_status"] = 7
    results.write_text(json.dumps(edited))
    done = _run("validate", str(results), "--x12", str(raw))
    assert done.returncode == 1
    assert json.loads(done.stdout)[0]["reasons"][0]["code"] == "schema_violation"

    results.write_text("{not json")
    done = _run("validate", str(results), "--x12", str(raw))
    assert done.returncode == 2
    assert done.stderr.decode().startswith("eligate: error[not_json]: ")
    results.write_text("[]")
    done = _run("validate", str(results), "--x12", str(tmp_path / "missing.271"))
    assert done.returncode == 2
    assert "error[file_not_found]" in done.stderr.decode()
