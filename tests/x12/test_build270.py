"""The 270 builder: valid interchanges that read back cleanly, refusals without PHI."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from eligate.x12._build270 import (
    Envelope270,
    Inquiry270,
    InquiryPerson,
    build_270,
    npi_is_valid,
)
from eligate.x12._envelope import TransactionSet, read_document
from eligate.x12._segments import Delimiters, Segment
from eligate.x12.errors import X12UsageError
from tests.strategies import DELIMITER_POOL

# Synthetic member data only; distinctive so a leak into a message is easy to spot.
MEMBER_ID = "SYNQ7X4410"
LAST, FIRST, MIDDLE = "TESTPATIENTZED", "ALEXQUINN", "JOVI"
DEPENDENT_LAST, DEPENDENT_FIRST = "TESTCHILDYOL", "SAMWISEK"
PHI = (MEMBER_ID, LAST, FIRST, MIDDLE, DEPENDENT_LAST, DEPENDENT_FIRST, "19800217", "20120905")

ENVELOPE = Envelope270(
    sender_id="SYNCLINIC",
    receiver_id="SYNPAYER",
    interchange_control_number=42,
    group_control_number=7,
    created_at=datetime(2024, 3, 15, 9, 5),
)
SUBSCRIBER = InquiryPerson(
    member_id=MEMBER_ID,
    last_name=LAST,
    first_name=FIRST,
    middle_name=MIDDLE,
    birth_date=date(1980, 2, 17),
    gender_code="F",
)
DEPENDENT = InquiryPerson(
    last_name=DEPENDENT_LAST,
    first_name=DEPENDENT_FIRST,
    birth_date=date(2012, 9, 5),
    gender_code="M",
)
INQUIRY = Inquiry270(
    payer_id="SYN01",
    payer_name="SYNTHETIC HEALTH PLAN",
    provider_npi="1999999984",
    provider_name="SAMPLE CLINIC",
    subscriber=SUBSCRIBER,
    service_type_codes=("30", "98", "AL"),
    date_of_service=date(2024, 3, 15),
    trace_number="TRACE0001",
)
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _read(text: str) -> TransactionSet:
    """Read ``text`` back, insisting on exactly one 270 and no warnings at all."""
    document = read_document(text)
    assert document.warnings == ()
    [transaction] = document.transactions
    assert transaction.warnings == ()
    assert transaction.transaction_type == "270"
    assert transaction.version == "005010X279A1"
    return transaction


def _elements(segments: tuple[Segment, ...], tag: str) -> list[tuple[str, ...]]:
    return [s.elements[1:] for s in segments if s.tag == tag]


def test_subscriber_inquiry_is_the_expected_text() -> None:
    """The subscriber 270 is pinned segment by segment (line breaks on for reading)."""
    text = build_270(INQUIRY, envelope=ENVELOPE, line_breaks=True)
    assert text.splitlines() == [
        "ISA*00*          *00*          *ZZ*SYNCLINIC      *ZZ*SYNPAYER       *240315*0905*^*"
        "00501*000000042*0*P*:~",
        "GS*HS*SYNCLINIC*SYNPAYER*20240315*0905*7*X*005010X279A1~",
        "ST*270*0001*005010X279A1~",
        "BHT*0022*13*TRACE0001*20240315*0905~",
        "HL*1**20*1~",
        "NM1*PR*2*SYNTHETIC HEALTH PLAN*****PI*SYN01~",
        "HL*2*1*21*1~",
        "NM1*1P*2*SAMPLE CLINIC*****XX*1999999984~",
        "HL*3*2*22*0~",
        "TRN*1*TRACE0001*9999999999~",
        f"NM1*IL*1*{LAST}*{FIRST}*{MIDDLE}***MI*{MEMBER_ID}~",
        "DMG*D8*19800217*F~",
        "DTP*291*D8*20240315~",
        "EQ*30~",
        "EQ*98~",
        "EQ*AL~",
        "SE*15*0001~",
        "GE*1*7~",
        "IEA*1*000000042~",
    ]


def test_subscriber_inquiry_reads_back_without_warnings() -> None:
    """ISA is 106 characters, SE01 counts ST..SE, HL 20/21/22 and one EQ per service type."""
    text = build_270(INQUIRY, envelope=ENVELOPE)
    assert "\n" not in text
    assert text.index("~") + 1 == 106
    transaction = _read(text)
    assert transaction.trailer is not None
    assert transaction.trailer.get(1) == str(len(transaction.body) + 2)
    body = transaction.body
    assert _elements(body, "HL") == [
        ("1", "", "20", "1"),
        ("2", "1", "21", "1"),
        ("3", "2", "22", "0"),
    ]
    assert [s.get(1) for s in body if s.tag == "EQ"] == ["30", "98", "AL"]
    assert _elements(body, "DMG") == [("D8", "19800217", "F")]
    assert _elements(body, "DTP") == [("291", "D8", "20240315")]
    [member] = [s for s in body if s.tag == "NM1" and s.get(1) == "IL"]
    assert member.get(9) == MEMBER_ID


def test_dependent_inquiry_puts_the_patient_in_hl_23() -> None:
    """With a dependent, HL 22 has a child and TRN/DMG/DTP RD8/EQ move to HL 23."""
    inquiry = INQUIRY.model_copy(
        update={"dependent": DEPENDENT, "date_of_service_end": date(2024, 3, 31)}
    )
    body = _read(build_270(inquiry, envelope=ENVELOPE)).body
    assert _elements(body, "HL") == [
        ("1", "", "20", "1"),
        ("2", "1", "21", "1"),
        ("3", "2", "22", "1"),
        ("4", "3", "23", "0"),
    ]
    tags = [s.tag for s in body]
    subscriber_loop = body[tags.index("HL", 5) : tags.index("HL", 6)]
    assert [s.elements[:2] for s in subscriber_loop] == [("HL", "3"), ("NM1", "IL")]
    dependent_loop = body[tags.index("HL", 6) :]
    assert [s.tag for s in dependent_loop] == ["HL", "TRN", "NM1", "DMG", "DTP", "EQ", "EQ", "EQ"]
    assert _elements(dependent_loop, "NM1") == [("03", "1", DEPENDENT_LAST, DEPENDENT_FIRST)]
    assert _elements(dependent_loop, "DMG") == [("D8", "20120905", "M")]
    assert _elements(dependent_loop, "DTP") == [("291", "RD8", "20240315-20240331")]


def test_provider_person_and_single_day_range() -> None:
    """A provider first name makes NM102 ``1``; a range of one day is written as D8."""
    inquiry = INQUIRY.model_copy(
        update={"provider_first_name": "PAT", "date_of_service_end": date(2024, 3, 15)}
    )
    body = _read(build_270(inquiry, envelope=ENVELOPE)).body
    [provider] = [s for s in body if s.tag == "NM1" and s.get(1) == "1P"]
    assert provider.elements[1:] == (
        "1P",
        "1",
        "SAMPLE CLINIC",
        "PAT",
        "",
        "",
        "",
        "XX",
        "1999999984",
    )
    assert _elements(body, "DTP") == [("291", "D8", "20240315")]


def test_line_breaks_only_follow_terminators() -> None:
    """``line_breaks`` adds one newline per segment and nothing else."""
    plain = build_270(INQUIRY, envelope=ENVELOPE)
    broken = build_270(INQUIRY, envelope=ENVELOPE, line_breaks=True)
    assert broken.replace("~\n", "~") == plain
    assert broken.count("\n") == plain.count("~")


def test_custom_delimiters_round_trip() -> None:
    """Other separators go into ISA and read back to the same segments."""
    delimiters = Delimiters(element="|", component=">", repetition="^", segment="!")
    envelope = ENVELOPE.model_copy(update={"delimiters": delimiters})
    text = build_270(INQUIRY, envelope=envelope)
    assert text.startswith("ISA|00|")
    assert text.index("!") + 1 == 106
    assert text[text.index("!") - 1] == ">"
    transaction = _read(text)
    assert transaction.header.delimiters == delimiters
    assert transaction.interchange_header is not None
    assert transaction.interchange_header.get(11) == "^"
    default = _read(build_270(INQUIRY, envelope=ENVELOPE))
    assert [s.elements for s in transaction.body] == [s.elements for s in default.body]


def test_json_inquiry_builds() -> None:
    """A JSON inquiry, as the API receives it, validates and builds; unknown keys are refused."""
    payload = {
        "payer_id": "SYN01",
        "payer_name": "SYNTHETIC HEALTH PLAN",
        "provider_npi": "1999999984",
        "provider_name": "SAMPLE CLINIC",
        "subscriber": {"member_id": MEMBER_ID, "last_name": LAST, "birth_date": "1980-02-17"},
        "service_type_codes": ["30", "1"],
        "date_of_service": "2024-03-01",
        "date_of_service_end": "2024-03-31",
        "trace_number": "TRACE0002",
    }
    inquiry = Inquiry270.model_validate_json(json.dumps(payload))
    body = _read(build_270(inquiry, envelope=ENVELOPE)).body
    assert _elements(body, "DTP") == [("291", "RD8", "20240301-20240331")]
    assert _elements(body, "DMG") == [("D8", "19800217")]
    assert [s.get(1) for s in body if s.tag == "EQ"] == ["30", "1"]
    with pytest.raises(ValidationError):
        Inquiry270.model_validate({**payload, "ssn": "000000000"})


def _person(**changes: object) -> InquiryPerson:
    return SUBSCRIBER.model_copy(update=changes)


REFUSED_INQUIRIES: dict[str, dict[str, object]] = {
    "npi_luhn": {"provider_npi": "1999999985"},
    "npi_length": {"provider_npi": "199999998"},
    "npi_digits": {"provider_npi": "19999999AB"},
    "unknown_service_type": {"service_type_codes": ("ZZZ",)},
    "no_service_type": {"service_type_codes": ()},
    "too_many_service_types": {"service_type_codes": ("30",) * 100},
    "end_before_start": {"date_of_service_end": date(2024, 3, 14)},
    "end_without_start": {"date_of_service": None, "date_of_service_end": date(2024, 3, 14)},
    "member_id_missing": {"subscriber": _person(member_id=None)},
    "member_id_empty": {"subscriber": _person(member_id="")},
    "member_id_delimiter": {"subscriber": _person(member_id=f"{MEMBER_ID}*9")},
    "member_id_terminator": {"subscriber": _person(member_id=f"{MEMBER_ID}~")},
    "member_id_repetition": {"subscriber": _person(member_id=f"{MEMBER_ID}^")},
    "member_id_too_long": {"subscriber": _person(member_id=MEMBER_ID * 9)},
    "member_id_one_char": {"subscriber": _person(member_id="Z")},
    "last_name_component": {"subscriber": _person(last_name=f"{LAST}:X")},
    "last_name_too_long": {"subscriber": _person(last_name=LAST * 5)},
    "last_name_blank": {"subscriber": _person(last_name="   ")},
    "first_name_newline": {"subscriber": _person(first_name=f"{FIRST}\n")},
    "first_name_not_ascii": {"subscriber": _person(first_name=f"{FIRST}É")},
    "middle_name_too_long": {"subscriber": _person(middle_name=MIDDLE * 7)},
    "gender_without_birth_date": {"subscriber": _person(birth_date=None)},
    "dependent_member_id": {"dependent": DEPENDENT.model_copy(update={"member_id": MEMBER_ID})},
    "dependent_last_name_delimiter": {
        "dependent": DEPENDENT.model_copy(update={"last_name": f"{DEPENDENT_LAST}*"})
    },
    "payer_name_too_long": {"payer_name": "X" * 61},
    "payer_id_delimiter": {"payer_id": "SYN~01"},
    "provider_name_empty": {"provider_name": ""},
    "trace_number_too_long": {"trace_number": "T" * 51},
    "trace_originator_short": {"trace_originator": "999999999"},
    "trace_originator_prefix": {"trace_originator": "1ABCDEFGHI"},
}

REFUSED_ENVELOPES: dict[str, dict[str, object]] = {
    "sender_id_too_long": {"sender_id": "S" * 16},
    "receiver_id_too_long": {"receiver_id": "R" * 16},
    "sender_qualifier_length": {"sender_qualifier": "ZZZ"},
    "receiver_id_delimiter": {"receiver_id": "SYN*PAYER"},
    "interchange_zero": {"interchange_control_number": 0},
    "interchange_too_big": {"interchange_control_number": 1_000_000_000},
    "group_zero": {"group_control_number": 0},
    "group_too_big": {"group_control_number": 1_000_000_000},
    "transaction_control_short": {"transaction_control_number": "01"},
    "delimiters_repeat": {"delimiters": Delimiters("*", ":", "^", "*")},
    "delimiters_alphanumeric": {"delimiters": Delimiters("*", "A", "^", "~")},
    "delimiters_no_repetition": {"delimiters": Delimiters("*", ":", None, "~")},
    "delimiters_space": {"delimiters": Delimiters(" ", ":", "^", "~")},
    "delimiters_newline_element": {"delimiters": Delimiters("\n", ":", "^", "~")},
}


@pytest.mark.parametrize("changes", REFUSED_INQUIRIES.values(), ids=REFUSED_INQUIRIES.keys())
def test_impossible_inquiries_are_refused_without_phi(changes: dict[str, object]) -> None:
    """Each impossible inquiry raises X12UsageError with one sentence that names no member data."""
    inquiry = INQUIRY.model_copy(update={"dependent": None, **changes})
    with pytest.raises(X12UsageError) as caught:
        build_270(inquiry, envelope=ENVELOPE)
    message = str(caught.value)
    assert message.count(". ") == 0
    assert "\n" not in message
    for secret in PHI:
        assert secret.lower() not in message.lower()


@pytest.mark.parametrize("changes", REFUSED_ENVELOPES.values(), ids=REFUSED_ENVELOPES.keys())
def test_impossible_envelopes_are_refused(changes: dict[str, object]) -> None:
    """Envelope values that break ISA/GS/ST rules raise X12UsageError naming the field."""
    envelope = ENVELOPE.model_copy(update=changes)
    with pytest.raises(X12UsageError, match=r"^envelope\."):
        build_270(INQUIRY, envelope=envelope)


def test_npi_luhn_check() -> None:
    """The NPI check digit is the Luhn digit over ``80840`` and the first nine digits."""
    assert npi_is_valid("1999999984")
    assert npi_is_valid("1234567893")
    assert not npi_is_valid("1999999985")
    assert not npi_is_valid("19999999")
    assert not npi_is_valid("\uff11" + "\uff19" * 7 + "\uff18\uff14")  # fullwidth digits


_NAME = st.text(alphabet=ALNUM + " ", min_size=1, max_size=35).filter(str.strip)


@given(
    member_id=st.text(alphabet=ALNUM, min_size=2, max_size=80),
    last=st.text(alphabet=ALNUM + " ", min_size=1, max_size=60).filter(str.strip),
    first=st.none() | _NAME,
    dependent=st.none() | _NAME,
)
def test_any_plain_member_reads_back(
    member_id: str, last: str, first: str | None, dependent: str | None
) -> None:
    """Any alphanumeric member ID and names give a 270 that reads back clean and unchanged."""
    person = _person(member_id=member_id, last_name=last, first_name=first)
    changes: dict[str, object] = {"subscriber": person}
    if dependent is not None:
        changes["dependent"] = DEPENDENT.model_copy(update={"last_name": dependent})
    body = _read(build_270(INQUIRY.model_copy(update=changes), envelope=ENVELOPE)).body
    [member] = [s for s in body if s.tag == "NM1" and s.get(1) == "IL"]
    assert (member.get(3), member.get(4), member.get(9)) == (last, first or "", member_id)
    if dependent is not None:
        [patient] = [s for s in body if s.tag == "NM1" and s.get(1) == "03"]
        assert patient.get(3) == dependent


@given(
    chosen=st.lists(st.sampled_from(DELIMITER_POOL), min_size=4, max_size=4, unique=True),
    newline_terminator=st.booleans(),
)
def test_any_valid_delimiters_round_trip(chosen: list[str], newline_terminator: bool) -> None:
    """Any four distinct delimiters a payer may use give the same segments back."""
    element, component, repetition, segment = chosen
    delimiters = Delimiters(element, component, repetition, "\n" if newline_terminator else segment)
    envelope = ENVELOPE.model_copy(update={"delimiters": delimiters})
    transaction = _read(build_270(INQUIRY, envelope=envelope))
    assert transaction.header.delimiters == delimiters
    default = _read(build_270(INQUIRY, envelope=ENVELOPE))
    assert [s.elements for s in transaction.body] == [s.elements for s in default.body]
