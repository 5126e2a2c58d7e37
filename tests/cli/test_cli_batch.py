"""``eligate batch submit|status|export``, ``worker``, ``scheduler`` on the embedded default."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eligate.batch import EXPORT_COLUMNS
from eligate.cli import app
from tests.conftest import SAMPLES


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("ELIGATE_")},
        "ELIGATE_DATA_DIR": str(tmp_path / "data"),
        "ELIGATE_BATCH_TICK_SECONDS": "0.2",
    }


@pytest.fixture(scope="module")
def submitted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """The sample appointments submitted once with --wait (no Redis: the in-memory queue)."""
    tmp = tmp_path_factory.mktemp("night")
    done = subprocess.run(
        [sys.executable, "-m", "eligate", "batch", "submit", str(SAMPLES / "appointments.csv"),
         "--wait"],
        capture_output=True, text=True, timeout=300, check=False, env=_env(tmp),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return tmp, done.stdout, done.stderr


def test_submit_prints_the_batch_id_last_and_progress_on_stderr(
    submitted: tuple[Path, str, str],
) -> None:
    """Stdout ends with the id; stderr has plain per-payer lines and the refused rows."""
    _, stdout, stderr = submitted
    batch_id = stdout.strip().splitlines()[-1]
    assert len(batch_id) == 16
    assert f"batch {batch_id}: " in stderr
    assert "eligate: refused row 43: bad_birth_date (birth_date)" in stderr
    assert "eligate: refused row 44: unknown_payer (payer_id)" in stderr
    assert "SYN" not in stderr  # no member id reaches the terminal or the logs


def test_status_reports_every_item_final(submitted: tuple[Path, str, str]) -> None:
    """The report: 45 rows, 3 refused, one duplicate row, all final."""
    tmp, stdout, _ = submitted
    batch_id = stdout.strip().splitlines()[-1]
    result = CliRunner().invoke(app, ["batch", "status", batch_id], env=_env(tmp))
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    overall = report["overall"]
    assert report["done"] is True
    assert overall["total"] == 45
    assert overall["refused"] == 3
    assert overall["final"] == 45
    assert overall["verified"] + overall["not_verified"] + overall["cache_hits"] == 42
    assert overall["duplicate_rate"] == round(1 / 45, 4)


def test_export_has_exactly_the_contract_columns(submitted: tuple[Path, str, str]) -> None:
    """outcomes.jsonl: one line per item, the issue's columns in order; CSV the same header."""
    tmp, stdout, _ = submitted
    batch_id = stdout.strip().splitlines()[-1]
    out = tmp / "outcomes.jsonl"
    result = CliRunner().invoke(
        app, ["batch", "export", batch_id, "--format", "jsonl", "--out", str(out)], env=_env(tmp)
    )
    assert result.exit_code == 0, result.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 45
    assert all(tuple(line) == EXPORT_COLUMNS for line in lines)
    answered = [line for line in lines if line["state"] == "verified"]
    assert answered[0]["results"][0]["coverage_status"] == "active"
    assert answered[0]["x12_271"].startswith("ISA*")
    refused = [line for line in lines if line["state"] == "refused"]
    assert {line["reason"] for line in refused} == {
        "bad_birth_date", "unknown_payer", "missing_member_id"
    }  # fmt: skip
    as_csv = CliRunner().invoke(app, ["batch", "export", batch_id, "--format", "csv"],
                                env=_env(tmp))  # fmt: skip
    header = next(csv.reader(io.StringIO(as_csv.stdout)))
    assert tuple(header) == EXPORT_COLUMNS


def test_parquet_export_reads_back(submitted: tuple[Path, str, str]) -> None:
    """The Parquet export has one row per item and the same columns."""
    import pyarrow.parquet as pq

    tmp, stdout, _ = submitted
    batch_id = stdout.strip().splitlines()[-1]
    out = tmp / "outcomes.parquet"
    result = CliRunner().invoke(
        app, ["batch", "export", batch_id, "--format", "parquet", "--out", str(out)],
        env=_env(tmp),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    table = pq.read_table(out)
    assert table.num_rows == 45
    assert tuple(table.column_names) == EXPORT_COLUMNS


def test_resubmitting_is_answered_from_the_first_run(submitted: tuple[Path, str, str]) -> None:
    """The same file again: the same id, said on stderr, nothing run again."""
    tmp, stdout, _ = submitted
    batch_id = stdout.strip().splitlines()[-1]
    done = subprocess.run(
        [sys.executable, "-m", "eligate", "batch", "submit", str(SAMPLES / "appointments.csv")],
        capture_output=True, text=True, timeout=300, check=False, env=_env(tmp),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == batch_id
    assert "was submitted before" in done.stderr


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """A file with no member_id column, an unknown run, a worker without Redis: status 2."""
    bad = tmp_path / "list.csv"
    bad.write_text("appointment_id,payer_id\nA,alpha\n")
    cases = (
        (["batch", "submit", str(bad)], "missing_columns"),
        (["batch", "status", "nosuchrun"], "unknown_batch"),
        (["batch", "export", "nosuchrun", "--format", "xml"], "bad_format"),
        (["worker"], "no_queue"),
        (["scheduler"], "no_scheduler_dir"),
    )
    for args, code in cases:
        result = CliRunner().invoke(app, args, env=_env(tmp_path))
        assert result.exit_code == 2, (args, result.stderr)
        assert result.stderr.startswith(f"eligate: error[{code}]: ")
        assert len(result.stderr.strip().splitlines()) == 1
