"""Build a 005010X279A1 270 (eligibility inquiry) from a typed inquiry.

The eligibility core calls :func:`build_270` to ask a payer. It is pure and checks
what it is given first, so that no payer receives an envelope it must reject.
Refusals are :class:`X12UsageError` with one sentence that names the field, never
its value: member names, IDs and birth dates are PHI.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from eligate.x12._codes import code_set
from eligate.x12._segments import DEFAULT_DELIMITERS, Delimiters
from eligate.x12.errors import X12UsageError

VERSION = "005010X279A1"
_MAX_CONTROL = 999_999_999
_MAX_EQ = 99  # 2110C/2110D repeat at most 99 times
_WHITESPACE = frozenset(" \t\r\n\x0b\x0c")  # what readers strip around segments


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class InquiryPerson(_Frozen):
    """The subscriber, or the dependent, an inquiry is about."""

    member_id: str | None = None
    """NM109 (qualifier MI): required for the subscriber; 5010 has none for a dependent."""
    last_name: str
    """NM103."""
    first_name: str | None = None
    """NM104."""
    middle_name: str | None = None
    """NM105."""
    birth_date: date | None = None
    """DMG02: sent for the patient only (the dependent when there is one)."""
    gender_code: Literal["F", "M", "U"] | None = None
    """DMG03: sent with the birth date, which it needs."""


class Inquiry270(_Frozen):
    """What the core wants to know: who, at which payer, for which services and dates."""

    payer_id: str
    """NM109 of 2100A (qualifier PI)."""
    payer_name: str
    """NM103 of 2100A."""
    provider_npi: str
    """NM109 of 2100B (qualifier XX): 10 digits with a valid check digit."""
    provider_name: str
    """NM103 of 2100B: organization name, or last name of a person."""
    provider_first_name: str | None = None
    """NM104 of 2100B: makes the provider a person (NM102 ``1``) rather than an organization."""
    subscriber: InquiryPerson
    """2100C: the member who holds the coverage."""
    dependent: InquiryPerson | None = None
    """2100D: the patient, when the patient is not the subscriber."""
    service_type_codes: tuple[str, ...] = ("30",)
    """EQ01, one EQ segment per code; each must be an X12 service type (EB03 code set)."""
    date_of_service: date | None = None
    """DTP*291: the date asked about (D8), or the start of a range (RD8)."""
    date_of_service_end: date | None = None
    """The end of the RD8 range, on or after ``date_of_service``."""
    trace_number: str
    """BHT03 and TRN02: echoed back by the payer in its 271."""
    trace_originator: str = "9999999999"
    """TRN03: ``9`` and nine more characters, or a 10-digit identifier (``1`` + EIN)."""


class Envelope270(_Frozen):
    """Interchange and group envelope values for one 270."""

    sender_id: str
    """ISA06 (padded to 15) and GS02."""
    receiver_id: str
    """ISA08 (padded to 15) and GS03."""
    sender_qualifier: str = "ZZ"
    """ISA05."""
    receiver_qualifier: str = "ZZ"
    """ISA07."""
    interchange_control_number: int
    """ISA13 and IEA02, 1 to 999999999 (written with 9 digits)."""
    group_control_number: int
    """GS06 and GE02, 1 to 999999999."""
    transaction_control_number: str = "0001"
    """ST02 and SE02, 4 to 9 characters."""
    usage: Literal["P", "T"] = "P"
    """ISA15: production or test."""
    created_at: datetime
    """ISA09/10, GS04/05 and BHT04/05, written as given (no time-zone conversion)."""
    delimiters: Delimiters = DEFAULT_DELIMITERS
    """Separators to write with; all four must differ."""


def build_270(inquiry: Inquiry270, *, envelope: Envelope270, line_breaks: bool = False) -> str:
    """Render ``inquiry`` as a complete 270 interchange (ISA to IEA).

    One transaction set in one functional group. When ``inquiry.dependent`` is set,
    the trace, dates, demographics and EQ segments go in the dependent loop (2000D)
    and the subscriber loop carries only the subscriber's name and member ID, as
    the implementation guide shows it.

    Args:
        inquiry: who and what to ask about.
        envelope: control numbers, parties and separators of the interchange.
        line_breaks: put a newline after every segment terminator, for people to read.

    Returns:
        The interchange text.

    Raises:
        X12UsageError: a value cannot be sent (a delimiter inside, an invalid NPI,
            an unknown service type, dates out of order, a missing member ID...).
    """
    _check_envelope(envelope)
    _check_inquiry(inquiry, _forbidden(envelope.delimiters))
    d = envelope.delimiters
    write = _Writer(d, "\n" if line_breaks else "")
    when = envelope.created_at
    ymd, hm = when.strftime("%Y%m%d"), when.strftime("%H%M")
    interchange = f"{envelope.interchange_control_number:09d}"
    group = str(envelope.group_control_number)
    control = envelope.transaction_control_number
    transaction = [write("ST", "270", control, VERSION), *_body(inquiry, write, ymd, hm)]
    transaction.append(write("SE", str(len(transaction) + 1), control))
    return "".join(
        [
            write(
                "ISA",
                "00",
                " " * 10,
                "00",
                " " * 10,
                envelope.sender_qualifier,
                f"{envelope.sender_id:<15}",
                envelope.receiver_qualifier,
                f"{envelope.receiver_id:<15}",
                when.strftime("%y%m%d"),
                hm,
                d.repetition or "",
                "00501",
                interchange,
                "0",
                envelope.usage,
                d.component,
            ),
            write(
                "GS", "HS", envelope.sender_id, envelope.receiver_id, ymd, hm, group, "X", VERSION
            ),
            *transaction,
            write("GE", "1", group),
            write("IEA", "1", interchange),
        ]
    )


def npi_is_valid(npi: str) -> bool:
    """Whether ``npi`` is 10 digits whose last is the Luhn check digit over ``80840`` + NPI."""
    if len(npi) != 10 or not npi.isascii() or not npi.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed("80840" + npi)):
        digit = int(char) * (2 if position % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


@dataclass(frozen=True, slots=True)
class _Writer:
    """Joins elements into one terminated segment, trailing empty elements dropped."""

    delimiters: Delimiters
    line_end: str

    def __call__(self, *elements: str) -> str:
        d = self.delimiters
        return d.element.join(elements).rstrip(d.element) + d.segment + self.line_end


def _body(inquiry: Inquiry270, write: _Writer, ymd: str, hm: str) -> list[str]:
    """BHT through the last EQ: the segments between ST and SE."""
    subscriber, dependent = inquiry.subscriber, inquiry.dependent
    provider_type = "1" if inquiry.provider_first_name else "2"
    trace = write("TRN", "1", inquiry.trace_number, inquiry.trace_originator)
    segments = [
        write("BHT", "0022", "13", inquiry.trace_number, ymd, hm),
        write("HL", "1", "", "20", "1"),
        write("NM1", "PR", "2", inquiry.payer_name, "", "", "", "", "PI", inquiry.payer_id),
        write("HL", "2", "1", "21", "1"),
        write(
            "NM1",
            "1P",
            provider_type,
            inquiry.provider_name,
            inquiry.provider_first_name or "",
            *("", "", "", "XX", inquiry.provider_npi),
        ),
        write("HL", "3", "2", "22", "0" if dependent is None else "1"),
    ]
    subscriber_name = write(
        "NM1", "IL", "1", *_names(subscriber), "", "", "MI", subscriber.member_id or ""
    )
    if dependent is None:
        segments += [trace, subscriber_name, *_patient(write, subscriber, inquiry)]
    else:
        segments += [
            subscriber_name,
            write("HL", "4", "3", "23", "0"),
            trace,
            write("NM1", "03", "1", *_names(dependent)),
            *_patient(write, dependent, inquiry),
        ]
    return segments


def _names(person: InquiryPerson) -> tuple[str, str, str]:
    return person.last_name, person.first_name or "", person.middle_name or ""


def _patient(write: _Writer, person: InquiryPerson, inquiry: Inquiry270) -> list[str]:
    """DMG, DTP and the EQ segments of the patient's loop."""
    segments: list[str] = []
    if person.birth_date is not None:
        birth = person.birth_date.strftime("%Y%m%d")
        segments.append(write("DMG", "D8", birth, person.gender_code or ""))
    start, end = inquiry.date_of_service, inquiry.date_of_service_end
    if start is not None:
        if end is None or end == start:
            segments.append(write("DTP", "291", "D8", start.strftime("%Y%m%d")))
        else:
            span = f"{start.strftime('%Y%m%d')}-{end.strftime('%Y%m%d')}"
            segments.append(write("DTP", "291", "RD8", span))
    segments.extend(write("EQ", code) for code in inquiry.service_type_codes)
    return segments


def _forbidden(delimiters: Delimiters) -> frozenset[str]:
    d = delimiters
    return frozenset(c for c in (d.element, d.component, d.repetition, d.segment) if c)


def _check_envelope(envelope: Envelope270) -> None:
    d = envelope.delimiters
    chars = (d.element, d.component, d.repetition, d.segment)
    if len(set(chars)) != 4 or any(
        c is None or len(c) != 1 or c.isalnum() or c == " " or (c in _WHITESPACE and c != d.segment)
        for c in chars
    ):
        raise X12UsageError(
            "envelope.delimiters must be four different single characters, none a letter, "
            "digit or space, and only the segment terminator may be a line break"
        )
    forbidden = _forbidden(d)
    for field, value, low, high in (
        ("sender_qualifier", envelope.sender_qualifier, 2, 2),
        ("sender_id", envelope.sender_id, 2, 15),
        ("receiver_qualifier", envelope.receiver_qualifier, 2, 2),
        ("receiver_id", envelope.receiver_id, 2, 15),
        ("transaction_control_number", envelope.transaction_control_number, 4, 9),
    ):
        _check_text(f"envelope.{field}", value, low, high, forbidden)
    for field, number in (
        ("interchange_control_number", envelope.interchange_control_number),
        ("group_control_number", envelope.group_control_number),
    ):
        if not 1 <= number <= _MAX_CONTROL:
            raise X12UsageError(f"envelope.{field} must be between 1 and {_MAX_CONTROL}")


def _check_inquiry(inquiry: Inquiry270, forbidden: frozenset[str]) -> None:
    for field, value, low, high in (
        ("payer_id", inquiry.payer_id, 2, 80),
        ("payer_name", inquiry.payer_name, 1, 60),
        ("provider_name", inquiry.provider_name, 1, 60),
        ("trace_number", inquiry.trace_number, 1, 50),
        ("trace_originator", inquiry.trace_originator, 10, 10),
    ):
        _check_text(field, value, low, high, forbidden)
    _check_text("provider_first_name", inquiry.provider_first_name, 1, 35, forbidden, optional=True)
    if not npi_is_valid(inquiry.provider_npi):
        raise X12UsageError("provider_npi is not a valid NPI (10 digits with a Luhn check digit)")
    originator = inquiry.trace_originator
    if not (originator.startswith("9") or originator.isdigit()):
        raise X12UsageError("trace_originator must start with '9' or be a 10-digit identifier")
    subscriber, dependent = inquiry.subscriber, inquiry.dependent
    _check_person("subscriber", subscriber, forbidden, patient=dependent is None)
    if not subscriber.member_id:
        raise X12UsageError("subscriber.member_id is required: payers find the member by it")
    if dependent is not None:
        _check_person("dependent", dependent, forbidden, patient=True)
        if dependent.member_id:
            raise X12UsageError(
                "dependent.member_id cannot be sent in 005010X279A1: a dependent with their "
                "own member ID is sent as the subscriber"
            )
    codes = inquiry.service_type_codes
    if not 1 <= len(codes) <= _MAX_EQ:
        raise X12UsageError(f"service_type_codes must hold 1 to {_MAX_EQ} codes")
    known = code_set("eb03")
    for code in codes:
        if code not in known:
            raise X12UsageError(f"service type code {code!r} is not an X12 service type code")
    start, end = inquiry.date_of_service, inquiry.date_of_service_end
    if end is not None and start is None:
        raise X12UsageError("date_of_service_end needs a date_of_service to start the range")
    if end is not None and start is not None and end < start:
        raise X12UsageError("date_of_service_end is before date_of_service")


def _check_person(
    role: str, person: InquiryPerson, forbidden: frozenset[str], *, patient: bool
) -> None:
    _check_text(f"{role}.last_name", person.last_name, 1, 60, forbidden)
    for field, value, low, high in (
        ("member_id", person.member_id, 2, 80),
        ("first_name", person.first_name, 1, 35),
        ("middle_name", person.middle_name, 1, 25),
    ):
        _check_text(f"{role}.{field}", value, low, high, forbidden, optional=True)
    if patient and person.gender_code is not None and person.birth_date is None:
        raise X12UsageError(f"{role}.gender_code is sent only with {role}.birth_date")


def _check_text(
    field: str,
    value: str | None,
    low: int,
    high: int,
    forbidden: frozenset[str],
    *,
    optional: bool = False,
) -> None:
    """Refuse ``value`` when it is missing, the wrong length or holds what X12 cannot carry.

    An ``optional`` value may be ``None`` or ``""``: it is then left out of the segment.
    """
    if not value:
        if not optional:
            raise X12UsageError(f"{field} is required")
        return
    if not value.strip():
        raise X12UsageError(f"{field} is blank")
    if not low <= len(value) <= high:
        size = f"{high}" if low == high else f"{low} to {high}"
        raise X12UsageError(f"{field} must be {size} characters long")
    if not forbidden.isdisjoint(value):
        raise X12UsageError(f"{field} contains a delimiter character, which X12 cannot carry")
    if not value.isascii() or not value.isprintable():
        raise X12UsageError(f"{field} must hold printable ASCII characters only")
