"""The onboarding evaluation: per-field figures, rules alone and with the scripted model."""

from __future__ import annotations

from dataclasses import replace

from eligate.onboarding import GuideTruth, evaluate, load_truths, render
from tests.onboarding.conftest import GUIDES, read_once


def _truths(*payers: str) -> list[GuideTruth]:
    return [truth for truth in load_truths(GUIDES) if truth.payer_id in payers]


def test_rules_alone_figures() -> None:
    """Three guides: every drafted value cited, none falsely accepted, recall counted."""
    truths = _truths("pinemeadow", "ironwood", "riverbend")
    report = evaluate(truths, with_model=False, read=read_once, clock=iter(range(100)).__next__)
    overall = report["overall"]
    assert report["guides"] == 3
    assert overall["share_cited"] == 1.0
    assert overall["false_accepts"] == 0
    assert overall["precision"] == 1.0
    assert overall["truths"] == sum(len(t.fields) for t in truths)
    assert report["fields"]["guide.aaa"]["truths"] == 11
    assert "OVERALL" in render(report)


def test_scripted_model_inventions_are_all_rejected() -> None:
    """The scripted model invents a value for each field a guide omits; none gets through."""
    truths = _truths("riverbend")
    rules = evaluate(truths, with_model=False, read=read_once)
    with_model = evaluate(truths, with_model=True, read=read_once)
    assert with_model["per_guide"][0]["model"] == "proposed"
    assert with_model["overall"]["false_accepts"] == 0
    assert with_model["overall"]["drafted"] == rules["overall"]["drafted"]


def test_missing_guide_is_skipped_with_its_path() -> None:
    """A truth file whose PDF is absent is reported as skipped, not scored."""
    (truth,) = _truths("lakeshore")
    moved = [replace(truth, pdf=GUIDES / "absent.pdf")]
    report = evaluate(moved, with_model=False, read=read_once)
    assert report["guides"] == 0
    assert "absent.pdf" in report["skipped"][0]
