"""The 270 builder: valid envelopes that read back cleanly, refusals without PHI."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eligate.x12 import (
    Delimiters,
    Envelope270,
    Inquiry270,
    InquiryPerson,
    X12UsageError,
    build_270,
    npi_is_valid,
    read_document,
)

ENVELOPE = Envelope270(
    sender_id="SYNCLINIC",
    receiver_id="SYNPAYER",
    interchange_control_number=42,
    group_control_number=7,
    created_at=datetime(2024, 3, 15, 9, 30),
)
SUBSCRIBER = InquiryPerson(
    member_id="SYN000123",
    last_name="TESTPATIENT",
    first_name="ALEX",
    birth_date=date(1980, 1, 1),
    gender_code="F",
)


def _inquiry(**changes: object) -> Inquiry270:
    base: dict[str, object] = {
        "payer_id": "SYN01",
        "payer_name": "SYNTHETIC PLAN",
        "provider_npi": "1999999984",
        "provider_name": "SAMPLE CLINIC",
        "subscriber": SUBSCRIBER,
        "service_type_codes": ("30", "62"),
        "date_of_service": date(2024, 3, 15),
        "trace_number": "TRACE1",
    }
    base.update(changes)
    return Inquiry270.model_validate(base)


def test_subscriber_inquiry_reads_back_without_warnings() -> None:
    """A subscriber 270: correct counts, HL 20/21/22, EQ per service type."""
    text = build_270(_inquiry(), envelope=ENVELOPE)
    assert text.index("GS*") == 106
    document = read_document(text)
    assert document.warnings == ()
    [transaction] = document.transactions
    assert transaction.transaction_type == "270"
    assert transaction.warnings == ()
    tags = [s.tag for s in transaction.body]
    assert tags == ["BHT", "HL", "NM1", "HL", "NM1", "HL", "TRN", "NM1", "DMG", "DTP", "EQ", "EQ"]
    assert [s.get(1) for s in transaction.body if s.tag == "EQ"] == ["30", "62"]
    nm1 = next(s for s in transaction.body if s.tag == "NM1" and s.get(1) == "IL")
    assert nm1.get(9) == "SYN000123"


def test_dependent_inquiry_and_rd8_range() -> None:
    """A dependent goes in HL 23 with the DTP range and EQ; the subscriber HL has a child."""
    inquiry = _inquiry(
        dependent=InquiryPerson(last_name="TESTPATIENT", first_name="SAM"),
        date_of_service_end=date(2024, 3, 31),
    )
    [transaction] = read_document(build_270(inquiry, envelope=ENVELOPE)).transactions
    assert transaction.warnings == ()
    hls = [s.elements[1:] for s in transaction.body if s.tag == "HL"]
    assert hls == [
        ("1", "", "20", "1"),
        ("2", "1", "21", "1"),
        ("3", "2", "22", "1"),
        ("4", "3", "23", "0"),
    ]
    dtp = next(s for s in transaction.body if s.tag == "DTP")
    assert dtp.elements[1:] == ("291", "RD8", "20240315-20240331")


def test_custom_delimiters_round_trip() -> None:
    """Other separators are written into ISA and read back the same."""
    envelope = ENVELOPE.model_copy(update={"delimiters": Delimiters("|", ">", "^", "!")})
    text = build_270(_inquiry(), envelope=envelope, line_breaks=True)
    document = read_document(text)
    assert document.warnings == ()
    assert document.transactions[0].header.delimiters == Delimiters("|", ">", "^", "!")


@pytest.mark.parametrize(
    "changes",
    [
        {"provider_npi": "1234567890"},
        {"service_type_codes": ("ZZZ",)},
        {"service_type_codes": ()},
        {"date_of_service_end": date(2024, 1, 1)},
        {"subscriber": SUBSCRIBER.model_copy(update={"member_id": None})},
        {"subscriber": SUBSCRIBER.model_copy(update={"member_id": "SYN*999"})},
        {"subscriber": SUBSCRIBER.model_copy(update={"last_name": "O~NEIL"})},
        {"payer_name": "X" * 61},
    ],
)
def test_impossible_inquiries_are_refused_without_phi(changes: dict[str, object]) -> None:
    """Each impossible inquiry raises X12UsageError that names no member data."""
    with pytest.raises(X12UsageError) as caught:
        build_270(_inquiry(**changes), envelope=ENVELOPE)
    message = str(caught.value)
    for secret in ("SYN000123", "SYN*999", "TESTPATIENT", "O~NEIL", "19800101"):
        assert secret not in message


def test_npi_luhn_check() -> None:
    """The NPI check digit uses the 80840 prefix."""
    assert npi_is_valid("1999999984")
    assert not npi_is_valid("1999999985")
    assert not npi_is_valid("19999999")


@given(
    member=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=30),
    last=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ ", min_size=1, max_size=35)
    .map(str.strip)
    .filter(bool),
)
def test_any_plain_member_reads_back(member: str, last: str) -> None:
    """Any alphanumeric member and name give a 270 that reads back with no warnings."""
    person = SUBSCRIBER.model_copy(update={"member_id": member, "last_name": last})
    document = read_document(build_270(_inquiry(subscriber=person), envelope=ENVELOPE))
    [transaction] = document.transactions
    assert transaction.warnings == ()
    nm1 = next(s for s in transaction.body if s.tag == "NM1" and s.get(1) == "IL")
    assert (nm1.get(3), nm1.get(9)) == (last, member)
