"""``eligate onboard`` and ``onboard verify``: files out, changes on re-ingest, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from eligate.payers import load_registry

GUIDES = Path(__file__).resolve().parents[1] / "fixtures" / "guides"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "eligate", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_onboard_writes_payer_file_review_and_cases(tmp_path: Path) -> None:
    """One command: ID.yaml (loads), ID.review.json, ID.tests/ with cases."""
    done = _run(
        "onboard", str(GUIDES / "summitcrest.pdf"), "--payer-id", "summit", "--out", str(tmp_path)
    )
    assert done.returncode == 0, done.stderr
    assert "accepted" in done.stdout
    config = load_registry(tmp_path)["summit"]
    assert config.guide is not None
    assert config.guide.member_id_pattern == "SC-[0-9]{7}"
    review = json.loads((tmp_path / "summit.review.json").read_text(encoding="utf-8"))
    assert review["fields"]["x12.payer_id"]["citation"]["page"] == 2
    assert sorted(p.name for p in (tmp_path / "summit.tests").iterdir())[0].startswith("01_")


def test_reingest_prints_what_changed(tmp_path: Path) -> None:
    """A second run against an older payer file lists the changed values."""
    args = ("onboard", str(GUIDES / "pinemeadow.pdf"), "--payer-id", "pmh", "--out", str(tmp_path))
    assert _run(*args).returncode == 0
    path = tmp_path / "pmh.yaml"
    older = yaml.safe_load(path.read_text(encoding="utf-8"))
    older["guide"]["max_eq_per_request"] = 3
    older["guide"]["version"] = "2.0"
    path.write_text(yaml.safe_dump(older), encoding="utf-8")
    done = _run(*args)
    assert done.returncode == 0, done.stderr
    assert "changes against" in done.stdout
    assert "guide.max_eq_per_request: 3 -> 1" in done.stdout
    assert "guide.version: '2.0' -> '2.1'" in done.stdout


def test_bad_input_is_one_line_and_status_2(tmp_path: Path) -> None:
    """A missing guide, a non-PDF and a missing --payer-id: one line each, exit 2."""
    missing = _run("onboard", str(tmp_path / "none.pdf"), "--payer-id", "x", "--out", str(tmp_path))
    assert missing.returncode == 2
    assert missing.stderr.strip().startswith("eligate: error[guide_unreadable]")
    assert len(missing.stderr.strip().splitlines()) == 1
    text = tmp_path / "guide.pdf"
    text.write_text("not a pdf", encoding="utf-8")
    not_pdf = _run("onboard", str(text), "--payer-id", "x", "--out", str(tmp_path))
    assert not_pdf.returncode == 2
    assert "not a PDF" in not_pdf.stderr
    no_id = _run("onboard", str(GUIDES / "riverbend.pdf"))
    assert no_id.returncode == 2
    assert "--payer-id" in no_id.stderr


def test_verify_runs_the_cases_against_the_simulator(tmp_path: Path) -> None:
    """Every generated case passes; a case whose expectation is wrong fails with status 1."""
    assert (
        _run(
            "onboard", str(GUIDES / "lakeshore.pdf"), "--payer-id", "lake", "--out", str(tmp_path)
        ).returncode
        == 0
    )
    done = _run("onboard", "verify", str(tmp_path / "lake.yaml"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "FAIL" not in done.stdout
    passed = done.stdout.strip().splitlines()[-1]
    assert passed.endswith("cases passed against the simulator")
    case = next((tmp_path / "lake.tests").glob("*card_suffix_stripped.json"))
    data = json.loads(case.read_text(encoding="utf-8"))
    data["expect"]["sent_member_id"] = "000000000"
    case.write_text(json.dumps(data), encoding="utf-8")
    failed = _run("onboard", "verify", str(tmp_path / "lake.yaml"))
    assert failed.returncode == 1
    assert "FAIL card_suffix_stripped" in failed.stdout


def test_llm_step_through_the_real_client_on_a_loopback_model(tmp_path: Path) -> None:
    """--llm asks the configured endpoint (loopback) for what the rules left; the gate decides."""
    from tests.normalizer.llm_server import JSON, LoopbackLLM, Reply, completion

    def script(request: JSON, number: int) -> Reply:
        proposals = {
            "proposals": [
                {
                    "field": "pacing.rate_per_second",
                    "value": 40,
                    "page": 2,
                    "quote": "Riverbend accepts 40 requests per second.",
                }
            ]
        }
        return completion(request, proposals)

    with LoopbackLLM(script) as server:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "eligate",
                "onboard",
                str(GUIDES / "riverbend.pdf"),
                "--payer-id",
                "riverbend",
                "--out",
                str(tmp_path),
                "--llm",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={
                **os.environ,
                "ELIGATE_LLM_BASE_URL": server.base_url,
                "ELIGATE_LLM_MODEL": "scripted",
            },
        )
        asked = json.loads(server.bodies[0])
    assert done.returncode == 0, done.stderr
    assert "model: proposed (1 proposals)" in done.stdout
    user = next(m for m in asked["messages"] if m["role"] == "user")["content"]
    assert "pacing.rate_per_second" in user
    review = json.loads((tmp_path / "riverbend.review.json").read_text(encoding="utf-8"))
    entry = review["fields"]["pacing.rate_per_second"]
    assert (entry["proposed_by"], entry["verdict"]) == ("llm", "rejected")
    assert load_registry(tmp_path)["riverbend"].pacing.rate_per_second == 50


def test_llm_without_an_endpoint_is_status_2(tmp_path: Path) -> None:
    """--llm with no ELIGATE_LLM_* set is one line and status 2, nothing written."""
    done = _run(
        "onboard", str(GUIDES / "riverbend.pdf"), "--payer-id", "r", "--out", str(tmp_path), "--llm"
    )
    assert done.returncode == 2
    assert "llm_not_configured" in done.stderr
    assert not list(tmp_path.iterdir())
