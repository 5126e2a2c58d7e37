"""``eligate eval``: paths resolve from the project, and a run that measured nothing fails."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eligate.cli import app

CASE = {
    "id": "bom",
    "input": "project:tests/fixtures/x12/bom_indented_crlf.271",
    "tags": {"payer_kind": "synthetic", "quirk": "bom"},
    "expected": [{"member_id": "SYNBOM01", "coverage_status": "active", "error_codes": []}],
}


def _gold(folder: Path, *cases: Mapping[str, object]) -> Path:
    folder.mkdir()
    (folder / "cases.jsonl").write_text("".join(json.dumps(c) + "\n" for c in cases))
    return folder


def test_defect10_eval_from_another_folder_reads_project_cases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run from an unrelated folder, project: cases still resolve and are measured."""
    gold = _gold(tmp_path / "gold", CASE)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    done = CliRunner().invoke(app, ["eval", "--gold", str(gold)])
    assert done.exit_code == 0, done.output
    assert "skipped" not in done.stdout
    assert done.stdout.splitlines()[2].split()[:2] == ["rules", "1"]


def test_defect10_a_gated_run_that_evaluated_no_case_fails(tmp_path: Path) -> None:
    """Every case skipped (corpus absent): exit 1 with a reason, never a silent pass."""
    missing = {**CASE, "id": "gone", "input": "corpus:not/here.271"}
    gold = _gold(tmp_path / "gold", missing)
    done = CliRunner().invoke(app, ["eval", "--gold", str(gold), "--corpus", str(tmp_path)])
    assert done.exit_code == 1
    assert "no case was evaluated (1 skipped" in done.stderr
