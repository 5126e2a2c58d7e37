"""Rule mapping on synthetic 271s: benefits, status, actions, summary, unmapped."""

from __future__ import annotations

from datetime import date

import pytest

from eligate.normalizer import Benefit, EligibilityResult, normalize
from tests.factories import SOURCE_AND_RECEIVER, make_271

CONTRACT_FIELDS = [
    "code", "name", "coverage_level_code", "coverage_level", "service_type_codes",
    "service_types", "insurance_type_code", "plan_coverage", "time_qualifier_code",
    "time_qualifier", "amount", "percent", "quantity_qualifier_code", "quantity",
    "auth_required", "in_plan_network_code", "in_network", "procedure", "messages", "dates",
    "related_entities", "source", "provenance",
]  # fmt: skip


def _one(*body: str) -> EligibilityResult:
    results = normalize(make_271(*body))
    assert len(results) == 1
    return results[0]


def test_benefit_contract_field_names_are_present() -> None:
    """The benefit fields DESIGN.md fixes as a contract exist under those names."""
    assert set(CONTRACT_FIELDS) <= set(Benefit.model_fields)


def test_eb_maps_every_element_with_names() -> None:
    """A full EB maps each element to its field, with readable names beside codes."""
    result = _one("EB*C*IND*30^1*PR*GOLD PPO*29*847.23*.2*VS*20*Y*W*HC:74177:26:59")
    benefit = result.benefits[0]
    assert (benefit.code, benefit.name) == ("C", "deductible")
    assert (benefit.coverage_level_code, benefit.coverage_level) == ("IND", "individual")
    assert benefit.service_type_codes == ["30", "1"]
    assert benefit.service_types == ["health_benefit_plan_coverage", "medical_care"]
    assert benefit.insurance_type_code == "PR"
    assert benefit.plan_coverage == "GOLD PPO"
    assert (benefit.time_qualifier_code, benefit.time_qualifier) == ("29", "remaining")
    assert (benefit.amount, benefit.percent) == ("847.23", "0.2")
    assert (benefit.quantity_qualifier_code, benefit.quantity) == ("VS", "20")
    assert benefit.auth_required is True
    assert (benefit.in_plan_network_code, benefit.in_network) == ("W", "both")
    assert benefit.procedure is not None
    assert benefit.procedure.model_dump() == {
        "qualifier": "HC",
        "code": "74177",
        "modifiers": ["26", "59"],
        "description": None,
    }
    assert benefit.source == "rules"
    assert benefit.provenance.raw == [
        "EB*C*IND*30^1*PR*GOLD PPO*29*847.23*.2*VS*20*Y*W*HC:74177:26:59"
    ]


@pytest.mark.parametrize(
    ("codes", "status"),
    [
        (["EB*1*IND*30"], "active"),
        (["EB*6*IND*30", "EB*1*IND*30"], "active"),
        (["EB*6*IND*30"], "inactive"),
        (["EB*8"], "inactive"),
        (["EB*P"], "undetermined"),
        (["EB*V"], "undetermined"),
        ([], "undetermined"),
        (["AAA*N**72*C"], "error"),
        (["EB*6", "AAA*Y**42*R"], "inactive"),
    ],
)
def test_coverage_status(codes: list[str], status: str) -> None:
    """Active wins, then AAA outside benefits, then inactive, else undetermined."""
    assert _one(*codes).coverage_status == status


@pytest.mark.parametrize(
    ("aaa", "action"),
    [
        ("AAA*N**72*C", "fix_member_id"),
        ("AAA*N**75*C", "verify_member"),
        ("AAA*Y**42*R", "retry_later"),
        ("AAA*N**58*C", "fix_birth_date"),
        ("AAA*N**RC*C", "contact_payer"),
    ],
)
def test_aaa_codes_map_to_stable_actions(aaa: str, action: str) -> None:
    """AAA03 reject reasons become stable next steps; unknown codes go to the payer."""
    data = make_271(
        head=(*SOURCE_AND_RECEIVER, "HL*3*2*22*0", "NM1*IL*1*TESTPATIENT*ALEX****MI*SYN1", aaa)
    )
    error = normalize(data)[0].errors[0]
    assert error.action == action
    assert error.loop == "2100C"
    assert error.provenance.raw == [aaa]


def test_aaa_at_the_receiver_applies_to_the_patient_and_a_result_without_patient() -> None:
    """AAA in 2100B with no subscriber loop still gives one result with the error."""
    data = make_271(head=(*SOURCE_AND_RECEIVER, "AAA*Y**50*N"))
    [result] = normalize(data)
    assert result.patient_role is None
    assert result.coverage_status == "error"
    assert [(e.code, e.loop, e.action) for e in result.errors] == [
        ("50", "2100B", "enroll_provider")
    ]


def test_accumulators_pair_limit_remaining_and_met() -> None:
    """EB06 23/29/24 of the same level and network pair into one accumulator."""
    result = _one(
        "EB*1*IND*30",
        "EB*C*IND*30***23*2500*****Y",
        "EB*C*IND*30***29*847.23*****Y",
        "EB*C*IND*30***24*1652.77*****Y",
        "EB*C*FAM*30***23*5000*****Y",
        "EB*C*FAM*30***29*4000*****Y",
        "EB*G*IND*30***23*6000*****N",
        "EB*C*IND*30*****500*****N",
    )
    deductibles = {
        (a.coverage_level_code, a.in_plan_network_code): a for a in result.summary.deductible
    }
    assert set(deductibles) == {("IND", "Y"), ("FAM", "Y")}
    individual = deductibles["IND", "Y"]
    assert (individual.limit, individual.remaining, individual.met) == ("2500", "847.23", "1652.77")
    assert individual.met_derived is False
    assert individual.period == "calendar_year"
    family = deductibles["FAM", "Y"]
    assert (family.met, family.met_derived) == ("1000", True)
    [oop] = result.summary.out_of_pocket
    assert (oop.limit, oop.remaining, oop.in_network) == ("6000", None, "out_of_network")


def test_conflicting_amounts_are_not_paired() -> None:
    """Two different limits for the same key leave the whole group unpaired, not guessed."""
    result = _one(
        "EB*C*IND*30***23*2500*****Y",
        "EB*C*IND*30***23*3000*****Y",
        "EB*C*IND*30***29*100*****Y",
    )
    assert result.summary.deductible == []


def test_msg_is_attached_and_amounts_in_text_are_left_unmapped() -> None:
    """MSG text attaches to its EB; one that states an amount is also listed in unmapped."""
    result = _one(
        "EB*1*IND*30",
        "MSG*PLAN RENEWS JANUARY",
        "EB*B*IND*98",
        "MSG*COPAY OFFICE VISIT $30 SPECIALIST $60",
    )
    assert result.benefits[0].messages == ["PLAN RENEWS JANUARY"]
    assert result.benefits[1].messages == ["COPAY OFFICE VISIT $30 SPECIALIST $60"]
    assert result.benefits[1].amount is None
    [left] = result.unmapped
    assert (left.reason, left.benefit_index, left.loop) == ("msg_with_amount", 1, "2110C")
    assert left.raw == "MSG*COPAY OFFICE VISIT $30 SPECIALIST $60"


def test_unknown_codes_are_kept_and_flagged() -> None:
    """An EB01 outside the X12 list is kept, named None, and flagged."""
    result = _one("EB*Q9*IND*ZZZ")
    benefit = result.benefits[0]
    assert (benefit.code, benefit.name) == ("Q9", None)
    assert benefit.service_types == [None]
    assert {(u.element, u.code) for u in benefit.unknown_codes} == {("EB01", "Q9"), ("EB03", "ZZZ")}
    assert {u.reason for u in result.unmapped} == {"unknown_code"}


def test_invalid_amount_is_not_invented() -> None:
    """A non-numeric EB07 leaves amount None and says so in unmapped."""
    result = _one("EB*C*IND*30***29*N/A")
    assert result.benefits[0].amount is None
    assert [u.reason for u in result.unmapped] == ["invalid_number"]


def test_patient_details_dates_and_references() -> None:
    """DMG, INS, REF*6P, REF*18 and plan dates fill the patient fields."""
    result = _one(
        "REF*6P*GRP01*SYNTHETIC GROUP",
        "REF*18*PLAN9",
        "DMG*D8*19800101*F",
        "DTP*346*D8*20240101",
        "DTP*347*D8*20241231",
        "DTP*307*RD8*20240101-20241231",
        "DTP*356*D8*YYYYMMDD",
        "EB*1*IND*30**GOLD PPO",
    )
    assert (result.group_number, result.group_name, result.plan_number) == (
        "GRP01",
        "SYNTHETIC GROUP",
        "PLAN9",
    )
    assert result.birth_date == date(1980, 1, 1)
    assert (result.plan_begin_date, result.plan_end_date) == (date(2024, 1, 1), date(2024, 12, 31))
    assert result.plan_name == "GOLD PPO"
    eligibility = next(d for d in result.dates if d.qualifier_code == "307")
    assert (eligibility.start, eligibility.end) == (date(2024, 1, 1), date(2024, 12, 31))
    assert [u.reason for u in result.unmapped] == ["invalid_date"]


def test_dependent_gets_subscriber_id_and_inherited_errors() -> None:
    """A dependent result carries the subscriber's member ID and subscriber-level AAA."""
    data = make_271(
        "HL*4*3*23*0",
        "NM1*03*1*TESTPATIENT*SAM",
        "INS*N*19",
        "EB*1*IND*30",
        head=(
            *SOURCE_AND_RECEIVER,
            "HL*3*2*22*1",
            "NM1*IL*1*TESTPATIENT*ALEX****MI*SYN000123",
            "AAA*Y**42*R",
        ),
    )
    [dependent] = normalize(data)
    assert dependent.patient_role == "dependent"
    assert (dependent.member_id, dependent.subscriber_member_id) == (None, "SYN000123")
    assert dependent.relationship_code == "19"
    assert [(e.code, e.loop) for e in dependent.errors] == [("42", "2100C")]
    assert dependent.coverage_status == "active"


def test_related_entity_without_id_qualifier() -> None:
    """A 2120 NM1 without NM108/NM109 is still a related entity, with its PER."""
    result = _one(
        "EB*R**30*OT",
        "LS*2120",
        "NM1*PR*2*OTHER PAYER",
        "PER*IC**TE*8005551212*UR*WWW.EXAMPLE.COM",
        "LE*2120",
    )
    [entity] = result.benefits[0].related_entities
    assert (entity.name, entity.id_qualifier_code, entity.id) == ("OTHER PAYER", None, None)
    assert [(n.qualifier_code, n.value) for n in entity.contacts[0].numbers] == [
        ("TE", "8005551212"),
        ("UR", "WWW.EXAMPLE.COM"),
    ]
    assert result.benefits[0].provenance.segments == [10, 11, 12, 13, 14]
