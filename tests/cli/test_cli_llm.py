"""``eligate propose``, ``summarize`` and ``eval --proposer llm`` against the loopback model.

Most run in-process (typer's runner, so coverage sees them); one runs the real entry point.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eligate.cli import app
from tests.conftest import ROOT, SAMPLES
from tests.normalizer.llm_server import LoopbackLLM, down, oracle
from tests.normalizer.test_llm import FREE_TEXT


@dataclass(frozen=True, slots=True)
class Done:
    """What a command run left behind."""

    returncode: int
    stdout: str
    stderr: str


def _run(*args: str, env: dict[str, str], stdin: bytes | None = None) -> Done:
    """Run ``eligate`` in-process with ``env`` added to the environment."""
    runner = CliRunner()
    result = runner.invoke(app, list(args), input=stdin, env=env, catch_exceptions=False)
    return Done(result.exit_code, result.stdout, result.stderr)


def _subprocess(
    *args: str, env: dict[str, str], stdin: bytes | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "eligate", *args],
        input=stdin.decode() if stdin else None,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
        env={**os.environ, **env},
    )


def _env(server: LoopbackLLM) -> dict[str, str]:
    return {"ELIGATE_LLM_BASE_URL": server.base_url, "ELIGATE_LLM_MODEL": "scripted-oracle"}


def test_propose_adds_gated_model_benefits() -> None:
    """The configured model's accepted readings appear with source llm and the run recorded."""
    with LoopbackLLM(oracle) as server:
        done = _subprocess("propose", "-", env=_env(server), stdin=FREE_TEXT)
    assert done.returncode == 0, done.stderr
    [result] = json.loads(done.stdout)
    assert [b["amount"] for b in result["benefits"] if b["source"] == "llm"] == [
        "2500", "847.23", "30",
    ]  # fmt: skip
    assert result["proposals"]["prompt_version"] == "propose_benefits.v1"
    assert result["proposals"]["model"] == "scripted-oracle"


def test_propose_with_a_failing_model_still_prints_the_rules_result() -> None:
    """A 500ing endpoint: exit 0, the rules' result, the reason on the result."""
    with LoopbackLLM(down) as server:
        done = _run("propose", "-", env=_env(server), stdin=FREE_TEXT)
    assert done.returncode == 0, done.stderr
    [result] = json.loads(done.stdout)
    assert {b["source"] for b in result["benefits"]} == {"rules"}
    assert result["proposals"]["detail"] == "http_500"
    assert "model_unavailable" in {r["code"] for r in result["validation"]["reasons"]}


def test_propose_without_a_model_is_normalize_and_bad_settings_exit_2() -> None:
    """No endpoint: rules only. A bad setting: one line with the variable and exit 2."""
    plain = _run("propose", str(SAMPLES / "commercial_ppo_active.271"), env={})
    assert plain.returncode == 0
    assert json.loads(plain.stdout)[0]["proposals"] is None
    bad = _run(
        "propose",
        "-",
        env={"ELIGATE_LLM_BASE_URL": "http://h/v1", "ELIGATE_LLM_MODEL": "m",
             "ELIGATE_LLM_MODE": "telepathy"},
        stdin=FREE_TEXT,
    )  # fmt: skip
    assert bad.returncode == 2
    assert bad.stderr.startswith("eligate: error[llm_config_invalid]: ELIGATE_LLM_MODE:")
    assert "Traceback" not in bad.stderr


def test_propose_and_summarize_report_unusable_files_as_normalize_does(tmp_path: Path) -> None:
    """A missing file and a directory: the same one-line codes and messages in each command."""
    sample = str(SAMPLES / "commercial_ppo_active.271")
    missing, folder = str(tmp_path / "missing.271"), str(tmp_path)
    lines = {
        command: _run(command, sample, missing, folder, env={}).stderr.splitlines()
        for command in ("normalize", "propose", "summarize")
    }
    assert lines["normalize"] == [
        f"eligate: error[file_not_found]: {missing}: no such file",
        f"eligate: error[not_a_file]: {folder}: is a directory",
    ]
    assert lines["propose"] == lines["summarize"] == lines["normalize"]


def test_eval_llm_reports_beside_the_rules_baseline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both tables, a per-case table with tokens and latency, and the JSON report."""
    monkeypatch.chdir(ROOT)
    report = tmp_path / "llm.json"
    with LoopbackLLM(oracle) as server:
        done = _run(
            "eval", "--proposer", "llm", "--report", str(report), "--min-precision", "0",
            "--max-false-accepts", "0", env=_env(server),
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[2].startswith("rules ")
    assert any(line.startswith("llm:scripted-oracle ") for line in lines)
    [row] = [line for line in lines if line.startswith("adversarial-ppo-msg-amounts")]
    cells = row.split()
    assert (cells[1:5], cells[-2:]) == (["1/0", "1/0", "2/0", "360"], ["0", "proposed"])
    assert "model calls 7, unavailable 0" in done.stdout
    assert json.loads(report.read_text())["proposer"] == "llm:scripted-oracle"


def test_eval_llm_without_an_endpoint_exits_2() -> None:
    """Measuring a model needs one configured."""
    done = _run("eval", "--proposer", "llm", env={})
    assert done.returncode == 2
    assert done.stderr.startswith("eligate: error[llm_not_configured]")


def test_summarize_prints_the_template_without_a_model() -> None:
    """One summary per result, from the template; a missing file is exit 2 after the rest."""
    done = _run("summarize", str(SAMPLES / "medicare_part_ab.271"), "missing.271", env={})
    assert done.returncode == 2
    [summary] = json.loads(done.stdout)
    assert summary["source"] == "template"
    assert summary["text"].startswith("Coverage: active. Deductible: $1,632, $1,632 remaining.")
    assert done.stderr.strip() == "eligate: error[file_not_found]: missing.271: no such file"


def test_summarize_falls_back_when_the_model_gives_no_summary() -> None:
    """The oracle answers proposals, never a summary: the template, with the reason."""
    with LoopbackLLM(oracle) as server:
        done = _run("summarize", "-", env=_env(server), stdin=FREE_TEXT)
    assert done.returncode == 0, done.stderr
    [summary] = json.loads(done.stdout)
    assert summary["source"] == "template"
    assert summary["model"] == "scripted-oracle"
    assert summary["refused"] == "model_unavailable: malformed_output"
    assert summary["text"].startswith("Needs review: ")
