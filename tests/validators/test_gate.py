"""The gate: schema, grounding, code sets and cross-field rules decide every verdict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eligate.normalizer import (
    Benefit,
    EligibilityResult,
    Provenance,
    normalize,
)
from eligate.validators import (
    SCHEMA_FILE,
    export_schema,
    gate,
    index_segments,
    schema_reasons,
    validate_result,
)
from tests.conftest import ROOT, SAMPLES
from tests.factories import make_271

RAW = make_271(
    "DTP*346*D8*20240101",
    "EB*1*IND*30*PR*GOLD PPO",
    "EB*C*IND*30***23*2500*****Y",
    "EB*C*IND*30***29*847.23*****Y",
    "EB*A*IND*30*****.2****Y",
    "EB*B*IND*98",
    "MSG*COPAY SPECIALIST $60 PER VISIT",
)


def _result() -> EligibilityResult:
    [result] = normalize(RAW)
    return result


def _verdict(result: EligibilityResult) -> tuple[str, set[str]]:
    validation = validate_result(result, index_segments(RAW))
    return validation.verdict, {r.code for r in validation.reasons if r.severity != "info"}


def _with_benefit(result: EligibilityResult, index: int, **changes: object) -> EligibilityResult:
    benefits = list(result.benefits)
    benefits[index] = benefits[index].model_copy(update=changes)
    return result.model_copy(update={"benefits": benefits})


def test_committed_schema_matches_the_models() -> None:
    """The schema file under validators/ is what the models export (no drift)."""
    path = ROOT / "src" / "eligate" / "validators" / SCHEMA_FILE
    assert json.loads(path.read_text()) == export_schema()


def test_every_normalized_sample_fits_the_schema() -> None:
    """Jsonschema accepts what the normalizer prints, and rejects a broken copy."""
    for sample in SAMPLES.glob("*.271"):
        for result in gate(normalize(sample.read_bytes()), sample.read_bytes()):
            assert schema_reasons(json.loads(result.model_dump_json())) == []
    broken = json.loads(_result().model_dump_json())
    broken["coverage_status"] = "probably"
    del broken["benefits"]
    codes = {(r.code, r.field) for r in schema_reasons(broken)}
    assert ("schema_violation", "coverage_status") in codes
    assert any(field is None for _, field in codes)


def test_rules_output_is_accepted_or_flagged_never_rejected() -> None:
    """The rules' own result is grounded: only the MSG amount asks for review."""
    verdict, codes = _verdict(_result())
    assert verdict == "needs_review"
    assert codes == {"unmapped"}


@pytest.mark.parametrize(
    ("index", "changes", "code"),
    [
        (2, {"amount": "0"}, "value_not_in_source"),
        (2, {"amount": "847.230"}, None),
        (1, {"service_type_codes": ["30", "62"]}, "value_not_in_source"),
        (2, {"time_qualifier_code": "23"}, "value_not_in_source"),
        (0, {"code": "6"}, "value_not_in_source"),
        (4, {"auth_required": True}, "value_not_in_source"),
        (4, {"messages": ["COPAY SPECIALIST $0"]}, "value_not_in_source"),
        (
            2,
            {"provenance": Provenance(segments=[13], raw=["EB*C*IND*30***29*0*****Y"])},
            "provenance_mismatch",
        ),
    ],
)
def test_values_not_in_the_cited_segment_are_rejected(
    index: int, changes: dict[str, object], code: str | None
) -> None:
    """An edited value that the raw EB does not carry is rejected; 847.230 = 847.23 is fine."""
    verdict, codes = _verdict(_with_benefit(_result(), index, **changes))
    if code is None:
        assert verdict == "needs_review"
        assert codes == {"unmapped"}
    else:
        assert verdict == "rejected"
        assert code in codes


def _llm_benefit(**changes: object) -> Benefit:
    base = _result().benefits[4]
    proposal = base.model_copy(
        update={
            "source": "llm",
            "service_type_codes": ["98"],
            "amount": "60",
            "time_qualifier_code": "27",
            "messages": [],
            "provenance": Provenance(segments=[16], raw=["MSG*COPAY SPECIALIST $60 PER VISIT"]),
        }
    )
    return proposal.model_copy(update=changes)


@pytest.mark.parametrize(
    ("changes", "verdict", "code"),
    [
        ({}, "needs_review", None),
        ({"amount": "0"}, "rejected", "value_not_in_source"),
        ({"amount": "60.00"}, "needs_review", None),
        ({"service_type_codes": ["Z9"]}, "rejected", "unknown_service_type"),
        ({"percent": "20", "code": "A"}, "rejected", "percent_out_of_range"),
        ({"percent": "0.6"}, "rejected", "percent_not_applicable"),
    ],
)
def test_model_proposals_from_msg_text(
    changes: dict[str, object], verdict: str, code: str | None
) -> None:
    """A model's benefit read from a MSG line passes only with numbers found in that text."""
    result = _result()
    proposed = result.model_copy(update={"benefits": [*result.benefits, _llm_benefit(**changes)]})
    found, codes = _verdict(proposed)
    assert found == verdict
    if code is not None:
        assert code in codes


def test_cross_field_rules() -> None:
    """Inconsistent status, plan dates out of order and bad arithmetic are rejected."""
    result = _result()
    assert (
        "status_inconsistent"
        in _verdict(result.model_copy(update={"coverage_status": "inactive"}))[1]
    )
    assert result.plan_begin_date is not None
    backwards = result.model_copy(
        update={"plan_end_date": result.plan_begin_date.replace(year=2023)}
    )
    assert "plan_dates_out_of_order" in _verdict(backwards)[1]
    [entry] = result.summary.deductible
    bad = entry.model_copy(update={"met": "1"})
    summary = result.summary.model_copy(update={"deductible": [bad]})
    assert "summary_arithmetic" in _verdict(result.model_copy(update={"summary": summary}))[1]
    swollen = entry.model_copy(update={"remaining": "9999", "met_derived": False, "met": None})
    summary = result.summary.model_copy(update={"deductible": [swollen]})
    verdict, codes = _verdict(result.model_copy(update={"summary": summary}))
    assert {"remaining_exceeds_limit", "value_not_in_source"} <= codes
    assert verdict == "rejected"


def test_member_id_must_be_in_the_input() -> None:
    """A member ID no NM1 carries is rejected."""
    verdict, codes = _verdict(_result().model_copy(update={"member_id": "SYN999999"}))
    assert (verdict, "value_not_in_source" in codes) == ("rejected", True)


def test_envelope_warnings_are_carried() -> None:
    """A wrong SE count makes the verdict needs_review with the warning as a reason."""
    raw = RAW.replace(b"SE*", b"SE*9")
    [result] = gate(normalize(raw), raw)
    assert result.validation is not None
    assert "envelope_se_count_mismatch" in {r.code for r in result.validation.reasons}


def test_corpus_rules_results_are_never_rejected(corpus: Path) -> None:
    """Over the real corpus the rules' results are accepted or flagged, never rejected."""
    verdicts: dict[str, int] = {}
    for path in sorted(p for p in corpus.rglob("*") if p.is_file() and p.name != "SOURCES.md"):
        data = path.read_bytes()
        if b"ST*270" in data or b"ST|270" in data:
            continue
        for result in gate(normalize(data), data):
            assert result.validation is not None
            verdicts[result.validation.verdict] = verdicts.get(result.validation.verdict, 0) + 1
    assert "rejected" not in verdicts
    assert verdicts["accepted"] > verdicts["needs_review"] > 0


def test_patient_dates_must_be_in_the_input() -> None:
    """A plan date no DTP carries is rejected."""
    result = _result()
    moved = [result.dates[0].model_copy(update={"value": "20250101"})]
    verdict, codes = _verdict(result.model_copy(update={"dates": moved}))
    assert verdict == "rejected"
    assert "value_not_in_source" in codes
