"""A simulated payer with a guide answers as the guide says: rejects, members, benefits."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from eligate.payers import Guide
from eligate.simulator import Asked270, AskedPerson, guide_reject, synthetic_271

GUIDE = Guide(
    member_id_pattern="PMH[0-9]{9}",
    required_fields=("member_id", "birth_date", "first_name", "gender"),
    max_eq_per_request=1,
)


def _asked(member_id: str = "PMH123456781", **person: str) -> Asked270:
    fields = {"last_name": "TESTPATIENT", "first_name": "ALEX", "birth": "19800101", "gender": "F"}
    fields.update(person)
    return Asked270(
        sender_id="ELIGATE",
        receiver_id="PINEMEADOW",
        reference="REF1",
        payer_name="PINE MEADOW HEALTH",
        payer_pi="PMH01",
        provider_name="SAMPLE CLINIC",
        provider_npi="1999999984",
        subscriber=AskedPerson(member_id=member_id, **fields),
        dependent=None,
        trace="T1",
        trace_originator="9ELIGATE",
        service_types=("30",),
        date_of_service="20261123",
    )


@pytest.mark.parametrize(
    ("asked", "code"),
    [
        (_asked(), None),
        (_asked("SYN000123"), "72"),
        (_asked(birth=""), "58"),
        (_asked(first_name=""), "73"),
        (_asked(gender=""), "66"),
    ],
)
def test_guide_reject_reasons(asked: Asked270, code: str | None) -> None:
    """Each guide rule the 270 breaks has its AAA03 reason; a good 270 has none."""
    assert guide_reject(asked, GUIDE) == code


def test_too_many_eq_is_rejected() -> None:
    """Two EQ where the guide allows one: AAA 15."""
    two = replace(_asked(), service_types=("30", "98"))
    assert guide_reject(two, GUIDE) == "15"


def test_no_guide_rejects_nothing() -> None:
    """Without a guide the simulator keeps its SYN members and answers the rest with 75."""
    assert guide_reject(_asked("anything"), None) is None


def test_member_in_the_guides_format_gets_benefits() -> None:
    """A PMH member is known to a payer whose guide uses that format; 2100C has benefits."""
    answer = synthetic_271(_asked(), control=1, now=datetime(2026, 11, 23, tzinfo=UTC), guide=GUIDE)
    assert b"EB*1*IND*30" in answer
    rejected = synthetic_271(
        _asked("SYN000123"), control=2, now=datetime(2026, 11, 23, tzinfo=UTC), guide=GUIDE
    )
    assert b"AAA*N**72*C" in rejected
