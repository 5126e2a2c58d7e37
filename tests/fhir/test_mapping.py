"""The mapping, element by element, on small synthetic 271s (see the README table)."""

from __future__ import annotations

from typing import Any

from eligate.fhir import to_bundle
from eligate.normalizer import normalize
from eligate.validators import gate
from tests.factories import SOURCE_AND_RECEIVER, make_271

X12 = "https://eligate.dev/fhir/CodeSystem/x12-"
HL7 = "http://terminology.hl7.org/CodeSystem/"


def _response(*body: str, head: tuple[str, ...] | None = None) -> dict[str, Any]:
    raw = make_271(*body) if head is None else make_271(*body, head=head)
    bundle = to_bundle(gate(normalize(raw), raw))
    responses = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "CoverageEligibilityResponse"
    ]
    assert len(responses) == 1
    response: dict[str, Any] = responses[0]
    return response


def _codes(concept: dict[str, Any]) -> set[tuple[str, str]]:
    return {(c["system"], c["code"]) for c in concept["coding"]}


def _items(response: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = response["insurance"][0]["item"]
    return items


def test_paired_deductible_is_allowed_used_and_remaining() -> None:
    """Limit and remaining become allowedMoney, usedMoney (met) and the remaining extension."""
    response = _response("EB*1*IND*30*PR*GOLD PPO", "EB*C*IND*30***23*2500*****Y",
                         "EB*C*IND*30***29*847.23*****Y")  # fmt: skip
    assert response["insurance"][0]["inforce"] is True
    assert response["outcome"] == "complete"
    (item,) = [i for i in _items(response) if "term" in i]
    assert _codes(item["category"]) == {("https://x12.org/codes/service-type-codes", "30")}
    assert (f"{HL7}benefit-network", "in") in _codes(item["network"])
    assert (f"{HL7}benefit-unit", "individual") in _codes(item["unit"])
    assert (f"{HL7}benefit-term", "annual") in _codes(item["term"])
    (benefit,) = item["benefit"]
    assert (f"{HL7}benefit-type", "deductible") in _codes(benefit["type"])
    assert benefit["allowedMoney"]["value"].endswith("2500")
    assert benefit["usedMoney"]["value"].endswith("1652.77")
    remaining = [e for e in benefit["extension"] if e["url"].endswith("/remaining")]
    assert remaining[0]["valueMoney"]["value"].endswith("847.23")


def test_w_network_gives_an_in_and_an_out_item() -> None:
    """EB12 W (applies to both) is one item per network, each keeping the X12 code."""
    response = _response("EB*F*IND*33***23***VS*20**W")
    networks = [_codes(item["network"]) for item in _items(response)]
    assert networks == [
        {(f"{HL7}benefit-network", "in"), (f"{X12}eb12", "W")},
        {(f"{HL7}benefit-network", "out"), (f"{X12}eb12", "W")},
    ]
    benefit = _items(response)[0]["benefit"][0]
    assert benefit["allowedUnsignedInt"] == 20


def test_copay_visit_and_coinsurance_percent() -> None:
    """A copay per visit has term visit; 20% co-insurance is allowedUnsignedInt 20."""
    response = _response("EB*B*IND*98***27*25*****Y", "EB*A*FAM*98*****0.2****N")
    copay, coinsurance = _items(response)
    assert copay["term"]["text"] == "visit"
    assert copay["benefit"][0]["type"]["text"] == "copay"
    assert copay["benefit"][0]["allowedMoney"]["value"].endswith("25")
    assert coinsurance["benefit"][0]["type"]["text"] == "coinsurance"
    assert coinsurance["benefit"][0]["allowedUnsignedInt"] == 20
    assert (f"{HL7}benefit-unit", "family") in _codes(coinsurance["unit"])
    assert (f"{HL7}benefit-network", "out") in _codes(coinsurance["network"])


def test_authorization_required_and_out_of_pocket() -> None:
    """EB11 Y is authorizationRequired; EB01 G reads as out-of-pocket."""
    response = _response("EB*G*IND*30***23*6000*****Y", "EB*1*IND*33********Y")
    oop, chiropractic = _items(response)
    assert oop["benefit"][0]["type"]["text"] == "out-of-pocket"
    assert chiropractic["authorizationRequired"] is True


def test_aaa_is_an_error_with_its_follow_up_and_outcome_error() -> None:
    """A subscriber AAA keeps its code and follow-up action; no answer means outcome error."""
    response = _response("AAA*Y**72*C")
    assert response["outcome"] == "error"
    assert "inforce" not in response["insurance"][0]
    (error,) = response["error"]
    assert _codes(error["code"]) == {(f"{X12}aaa03", "72")}
    parts = {p["url"]: p for p in error["extension"][0]["extension"]}
    assert parts["followUpAction"]["valueCoding"]["code"] == "C"
    assert parts["action"]["valueCode"] == "fix_member_id"
    assert parts["segment"]["extension"][2]["valueString"] == "AAA*Y**72*C"


def test_msg_with_an_amount_is_kept_raw_and_makes_the_outcome_partial() -> None:
    """MSG text has no FHIR home: it is kept with its path; unmapped content means partial."""
    response = _response("EB*C*IND*30***29*847.23*****Y", "MSG*Ded $2500 remaining $847.23")
    assert response["outcome"] == "partial"
    kept = [
        part["extension"]
        for e in response["extension"]
        if e["url"].endswith("/x12-benefit")
        for part in e["extension"]
        if part["url"] == "segment"
    ]
    assert ["2110C/MSG", "MSG*Ded $2500 remaining $847.23"] in [
        [segment[0]["valueString"], segment[2]["valueString"]] for segment in kept
    ]
    gate_parts = next(e for e in response["extension"] if e["url"].endswith("/gate-verdict"))
    assert gate_parts["extension"][0] == {"url": "verdict", "valueCode": "needs_review"}


def test_a_271_without_a_patient_still_gives_a_valid_shape() -> None:
    """A provider-level AAA (no patient) gives a Patient without identifiers and outcome error."""
    raw = make_271("AAA*N**50*N", head=(*SOURCE_AND_RECEIVER[:4], "NM1*1P*2*SAMPLE CLINIC"))
    bundle = to_bundle(gate(normalize(raw), raw))
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    expected = ["Organization", "Patient", "Coverage", "CoverageEligibilityRequest",
                "CoverageEligibilityResponse"]  # fmt: skip
    assert sorted(kinds) == sorted(expected)
    patient = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    assert "identifier" not in patient
