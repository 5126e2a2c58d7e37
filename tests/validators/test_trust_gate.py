"""Issue 10: the gate never accepts what the payer rejected (one test per defect)."""

from __future__ import annotations

from eligate.normalizer import EligibilityResult, normalize, template_summary
from eligate.validators import coverage_answer, gate, summary_problems
from tests.conftest import FIXTURES


def _gated(data: bytes) -> list[EligibilityResult]:
    return gate(normalize(data), data)


def _verdicts(results: list[EligibilityResult]) -> list[str]:
    return [r.validation.verdict if r.validation else "none" for r in results]


def test_defect1_benefits_after_a_rejected_request_are_not_accepted() -> None:
    """AAA01 N above the patient, then EB*1**30: needs review, with the reason named."""
    results = _gated((FIXTURES / "aaa_invalid_request_with_eb.271").read_bytes())
    assert _verdicts(results) == ["needs_review"] * 4
    for result in results:
        assert result.validation is not None
        codes = {reason.code for reason in result.validation.reasons}
        assert "benefits_beside_request_error" in codes


def test_defect3_unknown_codes_are_not_accepted() -> None:
    """An unknown DMG03 or AAA03 makes the result need review."""
    results = _gated((FIXTURES / "unknown_codes_aaa_dmg.271").read_bytes())
    assert _verdicts(results) == ["needs_review"] * 3


def test_defect9_an_empty_transaction_is_rejected() -> None:
    """ST*271 then SE with nothing between: no patient, no error, rejected as no answer."""
    for data in (
        (FIXTURES / "empty_transaction.271").read_bytes(),
        b"ST*271*0001~SE*2*0001~",
    ):
        [result] = _gated(data)
        assert result.validation is not None
        assert result.validation.verdict == "rejected"
        assert "no_answer" in {reason.code for reason in result.validation.reasons}


def test_defect9_a_transaction_without_a_version_needs_review() -> None:
    """Neither ST03 nor GS08: the result says it cannot tell which version it read."""
    [result] = _gated(b"ST*271*0001~SE*2*0001~")
    assert result.validation is not None
    assert "missing_version" in {reason.code for reason in result.validation.reasons}


def test_a_pure_payer_error_is_still_accepted_as_an_answer() -> None:
    """AAA 75 with no benefits is an accurate answer: accepted, status error."""
    _lapsed, unknown = _gated((FIXTURES / "lapsed_with_end_date.271").read_bytes())
    assert (unknown.coverage_status, _verdicts([unknown])) == ("error", ["accepted"])


def test_defect8_coverage_answer_tells_answered_from_covered() -> None:
    """Lapsed is not_covered, an unknown member could_not_verify, an active plan covered."""
    lapsed, unknown = _gated((FIXTURES / "lapsed_with_end_date.271").read_bytes())
    [active] = _gated((FIXTURES / "bom_indented_crlf.271").read_bytes())
    errors = _gated((FIXTURES / "aaa_invalid_request_with_eb.271").read_bytes())
    assert coverage_answer([lapsed]) == "not_covered"
    assert coverage_answer([unknown]) == "could_not_verify"
    assert coverage_answer([active]) == "covered"
    assert coverage_answer(errors[:1]) == "could_not_verify"
    assert coverage_answer([]) == "could_not_verify"


def test_defect8_the_end_date_passes_the_summary_check_and_a_made_up_one_does_not() -> None:
    """The lapsed line's date is the result's own; a model writing another date is refused."""
    for name in ("lapsed_with_end_date.271", "lapsed_eb_dates.271"):
        lapsed = _gated((FIXTURES / name).read_bytes())[0]
        assert list(summary_problems(template_summary(lapsed), lapsed)) == []
        assert list(summary_problems("Coverage ended 2025-01-31.", lapsed)) == [
            "date_not_in_result: 2025-01-31"
        ]
