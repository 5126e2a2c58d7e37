"""The rules: each kind and action from the evidence of a 271, an 834 and history."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from eligate.triage import (
    Context,
    EnrollmentIndex,
    Finding,
    History,
    classify,
    outcome_of,
    parse_record,
    triage_records,
)
from eligate.x12 import read_enrollment
from tests.triage.factories import enrollment_834, member, record, reply

AS_OF = datetime.fromisoformat("2026-11-30T06:00:00-05:00")
HAND = Path(__file__).resolve().parents[2] / "src" / "eligate" / "evals" / "gold" / "triage"


def _classify(
    data: dict[str, Any], enrollment: str | None = None, history: tuple[dict[str, Any], ...] = ()
) -> Finding | None:
    index = EnrollmentIndex(read_enrollment(enrollment) if enrollment else [])
    earlier = History([parse_record(r, line=1) for r in history])
    context = Context(enrollment=index, history=earlier, as_of=AS_OF)
    return classify(outcome_of(parse_record(data, line=1)), context)


def _kind(*args: Any, **kwargs: Any) -> tuple[str, str] | None:
    finding = _classify(*args, **kwargs)
    return None if finding is None else (finding.kind, finding.action)


def test_verified_and_accepted_is_no_exception() -> None:
    """An active, accepted answer with nothing to authorize does not appear."""
    data = record(reply("EB*1*IND*30**GOLD PPO"), state="verified", status="verified")
    assert _classify(data) is None


def test_inactive_against_834_active_is_a_conflict() -> None:
    """EB*6 while the 834 has enrolled the member for months, no cancellation: conflict."""
    data = record(reply("EB*6*IND*30"))
    finding = _classify(data, enrollment_834(member("030", "20240101")))
    assert finding is not None
    assert (finding.kind, finding.action) == ("coverage_conflict", "call_employer_or_payer")
    assert [e.source for e in finding.evidence] == ["271", "834"]
    assert "no cancellation" in finding.evidence[1].text


def test_inactive_with_834_cancellation_or_no_834_is_terminated() -> None:
    """EB*6 consistent with an 834 cancellation, or without any 834: terminated."""
    data = record(reply("DTP*347*D8*20261031", "EB*6*IND*30"))
    cancelled = enrollment_834(member("024", "20240101", end="20261031"))
    assert _kind(data, cancelled) == ("coverage_terminated", "contact_patient")
    finding = _classify(data)
    assert finding is not None
    assert finding.kind == "coverage_terminated"
    assert any("2026-10-31" in e.text for e in finding.evidence)


@pytest.mark.parametrize("details", [("AAA*N**75*C",), ("EB*6*IND*30",)], ids=["aaa75", "inactive"])
def test_recent_834_addition_is_enrollment_lag(details: tuple[str, ...]) -> None:
    """Not found or inactive for a member the 834 added three days ago: enrollment lag."""
    data = record(reply(*details))
    finding = _classify(data, enrollment_834(member("021", "20261127")))
    assert finding is not None
    assert (finding.kind, finding.action) == ("enrollment_lag", "recheck_later")
    assert finding.facts["days_since_834_begin"] == 3


def test_eb01_7_is_enrollment_lag_without_834() -> None:
    """EB*7 (inactive, pending eligibility update) is an enrollment lag on its own."""
    assert _kind(record(reply("EB*7*IND*30"))) == ("enrollment_lag", "recheck_later")


def test_aaa72_with_new_id_in_834_suggests_it() -> None:
    """AAA 72 and an 834 listing the person under REF*23: ID format changed, new ID suggested."""
    data = record(reply("AAA*N**72*C"))
    enrolled = enrollment_834(member("001", member_id="XBL000123", client="XBL000123"))
    finding = _classify(data, enrolled)
    assert finding is not None
    assert (finding.kind, finding.action) == ("member_id_format_changed", "fix_member_id")
    assert finding.suggested_member_id == "XBL000123"


def test_aaa72_on_an_id_that_worked_before() -> None:
    """AAA 72 on an ID verified in an earlier run: ID format changed, history as evidence."""
    earlier = record(
        state="verified", status="verified", item_id="old1", appointment_id="OLD1",
        checked_at="2026-10-01T03:00:00-05:00", appointment_at="2026-10-01T09:00:00-05:00",
    )  # fmt: skip
    finding = _classify(record(reply("AAA*N**72*C")), history=(earlier,))
    assert finding is not None
    assert finding.kind == "member_id_format_changed"
    assert finding.suggested_member_id is None
    assert any(e.source == "history" and "2026-10-01" in e.text for e in finding.evidence)


def test_aaa72_without_evidence_is_a_demographic_fix() -> None:
    """AAA 72 with nothing saying the ID changed: fix the member ID (a typo)."""
    assert _kind(record(reply("AAA*N**72*C"))) == ("demographic_mismatch", "fix_member_id")


@pytest.mark.parametrize("code", ["58", "71", "73"])
def test_demographic_rejects(code: str) -> None:
    """AAA 58/71/73 are demographic mismatches."""
    assert _kind(record(reply(f"AAA*N**{code}*C"))) == ("demographic_mismatch", "fix_demographics")


def test_aaa75_without_enrollment_is_member_not_found() -> None:
    """AAA 75 with no 834 context: member not found, verify the member."""
    assert _kind(record(reply("AAA*N**75*C"))) == ("member_not_found", "verify_member")


@pytest.mark.parametrize("code", ["41", "43", "50", "51", "79"])
def test_provider_rejects_route_to_credentialing(code: str) -> None:
    """AAA 41/43/50/51/79 at the receiver level: provider not eligible."""
    data = record(reply(receiver=(f"AAA*N**{code}*N",)))
    assert _kind(data) == ("provider_not_eligible", "route_to_credentialing")


def test_payer_unavailable_from_batch_state_and_aaa42() -> None:
    """A gave-up item without a 271, and AAA 42 at the source: payer unavailable, recheck."""
    gave_up = record(None, state="gave_up", reason="timeout", attempts=3)
    finding = _classify(gave_up)
    assert finding is not None
    assert (finding.kind, finding.action) == ("payer_unavailable", "recheck_later")
    assert finding.evidence[0].source == "batch"
    assert "timeout" in finding.evidence[0].text
    assert _kind(record(reply(source=("AAA*Y**42*R",)))) == ("payer_unavailable", "recheck_later")


def test_prior_auth_only_for_the_scheduled_service() -> None:
    """EB11 Y on the scheduled service type (or procedure) is prior auth; on another, nothing."""
    x12 = reply("EB*1*IND*30**GOLD PPO", "EB*1*IND*73********Y")
    asked = record(x12, state="verified", status="verified", service_type_codes="73")
    assert _kind(asked) == ("prior_auth_required", "request_prior_auth")
    other = record(x12, state="verified", status="verified", service_type_codes="30")
    assert _classify(other) is None
    by_code = reply("EB*1*IND*30**GOLD PPO", "EB*1*IND*********Y*Y*HC:74177")
    procedure = record(by_code, state="verified", status="verified", procedure_code="74177")
    assert _kind(procedure) == ("prior_auth_required", "request_prior_auth")


def test_other_payer_and_review() -> None:
    """EB*R names another payer; an MSG amount the rules left unmapped needs a review."""
    cob = reply(
        "EB*1*IND*30**GOLD PPO", "EB*R*IND*30", "LS*2120", "NM1*PRP*2*OTHER PLAN", "LE*2120"
    )
    assert _kind(record(cob, state="verified", status="verified")) == (
        "other_payer_primary",
        "update_coordination_of_benefits",
    )
    msg = reply("EB*1*IND*30**GOLD PPO", "EB*C*IND*30***23*500", "MSG*DED REMAINING $200")
    assert _kind(record(msg, state="verified", status="verified")) == (
        "needs_review",
        "review_result",
    )


def test_unreadable_271_needs_review() -> None:
    """A cut-off 271 is a review item naming the X12 error code."""
    cut = reply("EB*1*IND*30").split("SE*")[0]
    finding = _classify(record(cut))
    assert finding is not None
    assert finding.kind == "needs_review"
    assert "truncated" in finding.evidence[0].text


def test_refused_rows_are_left_to_the_batch_report() -> None:
    """A row the batch refused never reached a payer: it is not triage's exception."""
    assert _classify(record(None, state="refused")) is None


def test_hand_labelled_set_kinds() -> None:
    """Every hand-labelled case gets the kind written by hand; verified ones do not appear."""
    manifest = json.loads((HAND / "manifest.json").read_text())
    cases = [json.loads(line) for line in (HAND / "cases.jsonl").read_text().splitlines()]
    items = triage_records(
        [c["record"] for c in cases],
        as_of=datetime.fromisoformat(manifest["as_of"]),
        enrollment=[(HAND / "enrollment.834").read_bytes()],
        history=manifest["history"],
    )
    got = {item.item_id: item.kind for item in items}
    expected = {
        c["record"]["item_id"]: c["expected"]["kind"] for c in cases if c["expected"] is not None
    }
    assert len(expected) >= 60
    assert got == expected
