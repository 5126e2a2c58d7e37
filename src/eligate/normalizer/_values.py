"""Reading X12 values: decimals, dates and coded elements, without inventing any."""

from __future__ import annotations

import re
from datetime import date

from eligate.normalizer._models import DateValue, Provenance, Reference, UnknownCode
from eligate.x12 import Segment, code_set

_DECIMAL = re.compile(r"-?(?:\d+\.?\d*|\.\d+)")


def decimal_string(text: str) -> str | None:
    """An X12 ``R`` value as a canonical decimal string, or ``None`` if it is not one.

    Only the leading zero of a fraction is added (``.2`` -> ``0.2``); the scale the
    payer sent is kept (``2500.00`` stays ``2500.00``) so the value can be traced.
    """
    if not _DECIMAL.fullmatch(text):
        return None
    negative = text.startswith("-")
    digits = text[1:] if negative else text
    if digits.startswith("."):
        digits = "0" + digits
    elif digits.endswith("."):
        digits = digits[:-1]
    return "-" + digits if negative else digits


def parse_d8(text: str) -> date | None:
    """A ``CCYYMMDD`` date, or ``None`` when ``text`` is not a real date."""
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def read_dtp(segment: Segment) -> DateValue:
    """Map a DTP segment; an unreadable DTP03 keeps ``start``/``end`` at ``None``."""
    qualifier = segment.get(1)
    fmt = segment.get(2)
    value = segment.get(3)
    start: date | None
    end: date | None
    if fmt == "RD8" and "-" in value:
        first, _, last = value.partition("-")
        start, end = parse_d8(first), parse_d8(last)
    elif fmt == "DT":
        start = end = parse_d8(value[:8]) if len(value) == 12 else None
    else:
        start = end = parse_d8(value)
    if start is None or end is None or end < start:
        start = end = None
    return DateValue(
        qualifier_code=qualifier,
        qualifier=code_set("dtp01").name(qualifier),
        format=fmt,
        value=value,
        start=start,
        end=end,
    )


def optional(text: str) -> str | None:
    """``None`` for an empty element, else the element."""
    return text or None


def lookup(
    key: str, code: str, element: str, segment: Segment, unknown: list[UnknownCode]
) -> str | None:
    """Readable name of ``code`` in code set ``key``; flags it in ``unknown`` if absent."""
    if not code:
        return None
    name = code_set(key).name(code)
    if name is None:
        unknown.append(UnknownCode(element=element, code=code, segment_index=segment.index))
    return name


def provenance(segments: list[Segment]) -> Provenance:
    """Provenance pointing at ``segments``."""
    return Provenance(
        segments=[segment.index for segment in segments], raw=[segment.raw for segment in segments]
    )


def read_ref(segment: Segment, unknown: list[UnknownCode]) -> Reference:
    """Map a REF segment; an unknown REF01 is flagged in ``unknown``."""
    code = segment.get(1)
    return Reference(
        qualifier_code=code,
        qualifier=lookup("ref01", code, "REF01", segment, unknown),
        value=segment.get(2),
        description=optional(segment.get(3)),
    )
