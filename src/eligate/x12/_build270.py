"""Build a 005010X279A1 270 (eligibility inquiry) from a typed inquiry.

The eligibility core uses this to ask a payer; it is pure and checks what it is
given so that a payer never receives an envelope it must reject. Refusals are
:class:`X12UsageError` with a sentence that names the field, never its value
(member data is PHI).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from eligate.x12._codes import code_set
from eligate.x12._segments import DEFAULT_DELIMITERS, Delimiters
from eligate.x12.errors import X12UsageError

VERSION = "005010X279A1"
_Seg = Callable[..., str]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class InquiryPerson(_Frozen):
    """The subscriber or dependent the inquiry is about."""

    member_id: str | None = None
    """NM109: required for the subscriber, usually absent for a dependent."""
    last_name: str
    """NM103."""
    first_name: str | None = None
    """NM104."""
    middle_name: str | None = None
    """NM105."""
    birth_date: date | None = None
    """DMG02."""
    gender_code: Literal["F", "M", "U"] | None = None
    """DMG03."""


class Inquiry270(_Frozen):
    """What the core wants to know: who, at which payer, for which services and date."""

    payer_id: str
    """NM109 of 2100A (payer ID, qualifier PI)."""
    payer_name: str
    """NM103 of 2100A."""
    provider_npi: str
    """NM109 of 2100B: a 10-digit NPI (qualifier XX)."""
    provider_name: str
    """NM103 of 2100B: organization or last name."""
    provider_first_name: str | None = None
    """NM104 of 2100B: given for a person (entity type 1)."""
    subscriber: InquiryPerson
    """2100C."""
    dependent: InquiryPerson | None = None
    """2100D, when the patient is a dependent."""
    service_type_codes: tuple[str, ...] = ("30",)
    """EQ01, one EQ segment per code."""
    date_of_service: date | None = None
    """DTP*291 (D8), or the start of an RD8 range."""
    date_of_service_end: date | None = None
    """End of the RD8 range."""
    trace_number: str
    """TRN02 of the patient loop: echoed back in the 271."""
    trace_originator: str = "9999999999"
    """TRN03: ``9`` followed by the originator's identifier."""


class Envelope270(_Frozen):
    """Interchange and group envelope values for one 270."""

    sender_id: str
    """ISA06 and GS02."""
    receiver_id: str
    """ISA08 and GS03."""
    sender_qualifier: str = "ZZ"
    """ISA05."""
    receiver_qualifier: str = "ZZ"
    """ISA07."""
    interchange_control_number: int
    """ISA13/IEA02, 1..999999999."""
    group_control_number: int
    """GS06/GE02, 1..999999999."""
    transaction_control_number: str = "0001"
    """ST02/SE02."""
    usage: Literal["P", "T"] = "P"
    """ISA15: production or test."""
    created_at: datetime
    """ISA09/10, GS04/05, BHT04/05."""
    delimiters: Delimiters = DEFAULT_DELIMITERS
    """Separators to write with."""


def build_270(inquiry: Inquiry270, *, envelope: Envelope270, line_breaks: bool = False) -> str:
    """Render ``inquiry`` as a complete 270 interchange.

    Raises:
        X12UsageError: a value cannot be sent (delimiter inside, invalid NPI,
            unknown service type, dates out of order, missing member ID...).
    """
    _check(inquiry, envelope)
    d = envelope.delimiters
    when = envelope.created_at
    ymd, hm = when.strftime("%Y%m%d"), when.strftime("%H%M")

    def seg(*elements: str) -> str:
        return (
            d.element.join(elements).rstrip(d.element) + d.segment + ("\n" if line_breaks else "")
        )

    isa = d.element.join(
        [
            "ISA",
            "00",
            " " * 10,
            "00",
            " " * 10,
            f"{envelope.sender_qualifier:<2}",
            f"{envelope.sender_id:<15}",
            f"{envelope.receiver_qualifier:<2}",
            f"{envelope.receiver_id:<15}",
            when.strftime("%y%m%d"),
            hm,
            d.repetition or "^",
            "00501",
            f"{envelope.interchange_control_number:09d}",
            "0",
            envelope.usage,
            d.component,
        ]
    )
    control = envelope.transaction_control_number
    body = [
        seg("BHT", "0022", "13", inquiry.trace_number, ymd, hm),
        seg("HL", "1", "", "20", "1"),
        seg("NM1", "PR", "2", inquiry.payer_name, "", "", "", "", "PI", inquiry.payer_id),
        seg("HL", "2", "1", "21", "1"),
        seg(
            "NM1",
            "1P",
            "1" if inquiry.provider_first_name else "2",
            inquiry.provider_name,
            inquiry.provider_first_name or "",
            "",
            "",
            "",
            "XX",
            inquiry.provider_npi,
        ),
        seg("HL", "3", "2", "22", "1" if inquiry.dependent else "0"),
    ]
    patient = inquiry.dependent or inquiry.subscriber
    subscriber = inquiry.subscriber
    if inquiry.dependent is None:
        body.append(seg("TRN", "1", inquiry.trace_number, inquiry.trace_originator))
    body.append(
        seg(
            "NM1",
            "IL",
            "1",
            subscriber.last_name,
            subscriber.first_name or "",
            subscriber.middle_name or "",
            "",
            "",
            "MI",
            subscriber.member_id or "",
        )
    )
    if inquiry.dependent is None:
        body.extend(_patient_segments(seg, subscriber, inquiry))
    else:
        body.append(seg("HL", "4", "3", "23", "0"))
        body.append(seg("TRN", "1", inquiry.trace_number, inquiry.trace_originator))
        body.append(
            seg(
                "NM1",
                "03",
                "1",
                patient.last_name,
                patient.first_name or "",
                patient.middle_name or "",
            )
        )
        body.extend(_patient_segments(seg, patient, inquiry))
    transaction = [seg("ST", "270", control, VERSION), *body]
    transaction.append(seg("SE", str(len(transaction) + 1), control))
    group = envelope.group_control_number
    return "".join(
        [
            isa + d.segment + ("\n" if line_breaks else ""),
            seg(
                "GS",
                "HS",
                envelope.sender_id,
                envelope.receiver_id,
                ymd,
                hm,
                str(group),
                "X",
                VERSION,
            ),
            *transaction,
            seg("GE", "1", str(group)),
            seg("IEA", "1", f"{envelope.interchange_control_number:09d}"),
        ]
    )


def _patient_segments(seg: _Seg, person: InquiryPerson, inquiry: Inquiry270) -> list[str]:
    out: list[str] = []
    if person.birth_date is not None:
        out.append(seg("DMG", "D8", person.birth_date.strftime("%Y%m%d"), person.gender_code or ""))
    if inquiry.date_of_service is not None:
        start = inquiry.date_of_service.strftime("%Y%m%d")
        if inquiry.date_of_service_end is not None:
            end = inquiry.date_of_service_end.strftime("%Y%m%d")
            out.append(seg("DTP", "291", "RD8", f"{start}-{end}"))
        else:
            out.append(seg("DTP", "291", "D8", start))
    out.extend(seg("EQ", code) for code in inquiry.service_type_codes)
    return out


def npi_is_valid(npi: str) -> bool:
    """Whether ``npi`` is 10 digits with a valid Luhn check digit (prefix 80840)."""
    if len(npi) != 10 or not npi.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed("80840" + npi)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return total % 10 == 0


def _check(inquiry: Inquiry270, envelope: Envelope270) -> None:
    d = envelope.delimiters
    forbidden = {d.element, d.component, d.segment} | ({d.repetition} if d.repetition else set())
    texts: dict[str, str | None] = {
        "payer_id": inquiry.payer_id,
        "payer_name": inquiry.payer_name,
        "provider_name": inquiry.provider_name,
        "provider_first_name": inquiry.provider_first_name,
        "trace_number": inquiry.trace_number,
        "trace_originator": inquiry.trace_originator,
        "sender_id": envelope.sender_id,
        "receiver_id": envelope.receiver_id,
        "transaction_control_number": envelope.transaction_control_number,
    }
    for role, person in (("subscriber", inquiry.subscriber), ("dependent", inquiry.dependent)):
        if person is not None:
            for name in ("member_id", "last_name", "first_name", "middle_name"):
                texts[f"{role}.{name}"] = getattr(person, name)
    for field, value in texts.items():
        if value is not None and (set(value) & forbidden or "\n" in value or "\r" in value):
            raise X12UsageError(f"{field} contains a delimiter character and cannot be sent")
    limits = {"sender_id": 15, "receiver_id": 15, "payer_name": 60, "provider_name": 60}
    for field, limit in limits.items():
        value = texts[field]
        if value is not None and not 0 < len(value) <= limit:
            raise X12UsageError(f"{field} must be 1 to {limit} characters")
    if not inquiry.subscriber.member_id:
        raise X12UsageError("subscriber.member_id is required")
    for role, person in (("subscriber", inquiry.subscriber), ("dependent", inquiry.dependent)):
        if person is not None and (len(person.member_id or "") > 80 or not person.last_name):
            raise X12UsageError(
                f"{role} needs a last name and a member_id of at most 80 characters"
            )
    if not npi_is_valid(inquiry.provider_npi):
        raise X12UsageError("provider_npi is not a valid 10-digit NPI")
    if not inquiry.service_type_codes:
        raise X12UsageError("service_type_codes must name at least one service type")
    known = code_set("eb03")
    for code in inquiry.service_type_codes:
        if code not in known:
            raise X12UsageError(f"service type code {code!r} is not an X12 service type")
    start, end = inquiry.date_of_service, inquiry.date_of_service_end
    if end is not None and (start is None or end < start):
        raise X12UsageError("date_of_service_end needs a date_of_service on or before it")
    for field, number in (
        ("interchange_control_number", envelope.interchange_control_number),
        ("group_control_number", envelope.group_control_number),
    ):
        if not 0 < number <= 999_999_999:
            raise X12UsageError(f"{field} must be between 1 and 999999999")
    if not inquiry.trace_number:
        raise X12UsageError("trace_number is required")
