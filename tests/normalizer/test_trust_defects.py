"""Issue 10: what the payer said must be what the result says (one test per defect).

Each test reads a synthetic fixture written for the defect (tests/fixtures/x12,
``_make_fixtures.py``) and failed before the fix.
"""

from __future__ import annotations

from datetime import date

from eligate.normalizer import EligibilityResult, normalize, template_summary
from eligate.validators import gate
from tests.conftest import FIXTURES
from tests.factories import make_271


def _gated(name: str) -> list[EligibilityResult]:
    data = (FIXTURES / name).read_bytes()
    return gate(normalize(data), data)


def test_defect1_aaa_n_above_the_patient_makes_the_status_error() -> None:
    """AAA01 N at 2100C, 2100B or 2000A followed by EB*1**30 is an error, not active."""
    results = _gated("aaa_invalid_request_with_eb.271")
    assert [r.coverage_status for r in results] == ["error"] * 4
    assert [r.errors[0].loop for r in results] == ["2100C", "2100B", "2000A", "2100C"]


def test_defect1_front_desk_line_leads_with_the_error() -> None:
    """The summary starts with the payer's error, never with "Coverage: active"."""
    for result in _gated("aaa_invalid_request_with_eb.271"):
        text = template_summary(result)
        assert text.startswith("The payer rejected the request: ")
        assert "Coverage: active" not in text


def test_defect2_status_follows_the_health_benefit_plan() -> None:
    """EB*6**30 beside EB*1**88 is inactive with partial coverage for pharmacy."""
    lapsed, pharmacy_only, both = normalize((FIXTURES / "pharmacy_only_active.271").read_bytes())
    assert (lapsed.coverage_status, lapsed.partial_coverage) == ("inactive", True)
    assert lapsed.active_service_type_codes == ["88"]
    assert (pharmacy_only.coverage_status, pharmacy_only.partial_coverage) == ("active", True)
    assert (both.coverage_status, both.partial_coverage) == ("active", False)
    assert both.active_service_type_codes == ["30", "88"]


def test_defect2_partial_coverage_is_never_worded_as_active_alone() -> None:
    """The summary names the service types that are active when coverage is partial."""
    lapsed, pharmacy_only, both = _gated("pharmacy_only_active.271")
    assert template_summary(lapsed) == "Coverage: inactive; still active for Pharmacy."
    assert template_summary(pharmacy_only) == "Coverage: partial, active only for Pharmacy."
    assert template_summary(both) == "Coverage: active."


def test_defect3_unknown_dmg03_and_aaa_codes_are_flagged() -> None:
    """DMG03 ``Gender`` / ``Q``, AAA03 ``RC`` and AAA04 ``Z`` become unknown_code items."""
    word, letter, aaa = normalize((FIXTURES / "unknown_codes_aaa_dmg.271").read_bytes())
    assert [u.message for u in word.unmapped] == ["DMG03 'Gender' is not in the X12 code list"]
    assert [u.message for u in letter.unmapped] == ["DMG03 'Q' is not in the X12 code list"]
    assert [u.message for u in aaa.unmapped] == [
        "AAA03 'RC' is not in the X12 code list",
        "AAA04 'Z' is not in the X12 code list",
    ]
    assert {u.reason for r in (word, letter, aaa) for u in r.unmapped} == {"unknown_code"}


def test_defect4_ambiguous_tiers_leave_the_whole_group_unpaired() -> None:
    """Two OOP tiers told apart only by MSG: no limit, no remaining and no ``met: 0`` either."""
    [result] = normalize((FIXTURES / "ambiguous_oop_tiers.271").read_bytes())
    assert result.summary.out_of_pocket == []
    assert len([b for b in result.benefits if b.code == "G"]) == 6


def test_defect5_dependent_keeps_the_subscribers_group_and_plan_dates() -> None:
    """REF*6P and DTP*291 sent at the subscriber level hold for the dependent."""
    [dependent] = normalize((FIXTURES / "dependent_inherits_group.271").read_bytes())
    assert dependent.patient_role == "dependent"
    assert (dependent.group_number, dependent.group_name) == (
        "SYNGRP77",
        "SYNTHETIC EMPLOYER GROUP",
    )
    assert (dependent.plan_begin_date, dependent.plan_end_date) == (
        date(2024, 1, 1),
        date(2024, 12, 31),
    )


def test_defect6_the_follow_up_code_decides_the_action() -> None:
    """42+Y waits for the payer, 72+N contacts the payer, 42+W retries, 72+C fixes the ID."""
    results = normalize((FIXTURES / "aaa_follow_up_codes.271").read_bytes())
    assert [(r.errors[0].code, r.errors[0].action) for r in results] == [
        ("42", "wait_for_payer"),
        ("72", "contact_payer"),
        ("42", "retry_later"),
        ("75", "wait_for_payer"),
        ("72", "fix_member_id"),
    ]


def test_defect7_iii_keeps_its_category_and_text() -> None:
    """III***44*text keeps III03 and III04; nothing of it is lost or unmapped."""
    [result] = normalize((FIXTURES / "iii_category_and_ls_ref.271").read_bytes())
    [code] = result.benefits[1].industry_codes
    assert (code.qualifier_code, code.code, code.category_code, code.text) == (
        "",
        "",
        "44",
        "BROKEN BONES AND SPRAINS",
    )
    assert not any(u.raw.startswith("III") for u in result.unmapped)


def test_defect7_ref_inside_ls_le_without_nm1_is_reported_once() -> None:
    """A REF in LS..LE with no NM1 is one unmapped item naming the 2120 loop, not a 2110 REF."""
    [result] = normalize((FIXTURES / "iii_category_and_ls_ref.271").read_bytes())
    [item] = [u for u in result.unmapped if u.raw.startswith("REF")]
    assert item.message == "REF is not expected in a 2120 loop (LS..LE)"
    assert result.benefits[2].references == []


def test_defect8_lapsed_line_gives_the_end_date() -> None:
    """An inactive plan's summary says when it ended."""
    lapsed, _unknown = _gated("lapsed_with_end_date.271")
    assert template_summary(lapsed) == "Coverage: inactive, ended 2024-01-31."
    [only_eb_dates] = _gated("lapsed_eb_dates.271")
    assert only_eb_dates.plan_end_date is None
    assert template_summary(only_eb_dates) == "Coverage: inactive, ended 2024-06-30."


def test_defect11_part_a_and_part_b_deductibles_are_told_apart() -> None:
    """Two deductibles name their insurance type; a per-day copay says a day and for how long."""
    [result] = _gated("medicare_context_lines.271")
    text = template_summary(result)
    assert "Deductible (Medicare Part A): $1,632, $0 remaining." in text
    assert "Deductible (Medicare Part B): $240, $0 remaining." in text
    assert "Copay: $248 a day for 30 days for Skilled Nursing Care (Medicare Part A)." in text
    assert "Copay: $248 a day for 30 remaining days for Hospital (Medicare Part A)." in text


def test_defect3_entity_qualifiers_are_checked_too() -> None:
    """NM108 and PER03 of the payer and of a 2120 entity outside their lists are flagged."""
    head = (
        "BHT*0022*11*SYNREQ*20240315*0930",
        "HL*1**20*1",
        "NM1*PR*2*SYNTHETIC PLAN*****QQ*SYN01",
        "PER*IC**XY*8005550100",
        "HL*2*1*21*1",
        "NM1*1P*2*SAMPLE CLINIC*****XX*1999999984",
        "HL*3*2*22*0",
        "NM1*IL*1*TESTPATIENT*ALEX****MI*SYN000123",
    )
    data = make_271("EB*1**30", "EB*L", "LS*2120", "NM1*P3*1*SAMPLE*****ZQ*1", "LE*2120", head=head)
    [result] = normalize(data)
    assert [u.message for u in result.unmapped if u.reason == "unknown_code"] == [
        "NM108 'QQ' is not in the X12 code list",
        "PER03 'XY' is not in the X12 code list",
        "NM108 'ZQ' is not in the X12 code list",
    ]
