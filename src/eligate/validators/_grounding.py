"""Grounding: every value of a result must be traceable to the raw segments it cites.

Rules-produced benefits cite an EB segment, so each element is compared with the
element it came from. A model's proposal may cite a MSG line instead; then every
amount, percent and quantity must appear in that text after number
normalization (``2500`` = ``2500.00``, ``.2`` = ``0.20`` = ``20%``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal, InvalidOperation

from eligate.normalizer import Benefit, EligibilityResult, Reason
from eligate.x12 import Segment

_NUMBER = re.compile(r"(?<![\w.])-?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?![\w])")
_AUTH = {"Y": True, "N": False, "U": None, "": None}


def number(text: str | None) -> Decimal | None:
    """``text`` as a Decimal, or ``None`` when it is not a plain number."""
    if not text:
        return None
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def numbers_in(text: str) -> set[Decimal]:
    """Every number written in ``text``; percentages also as fractions (20% -> 0.2)."""
    found: set[Decimal] = set()
    for match in _NUMBER.finditer(text):
        value = number(match.group(0))
        if value is None:
            continue
        found.add(value)
        if text[match.end() : match.end() + 1] == "%" or value > 1:
            found.add(value / 100)
    return found


def _reject(code: str, field: str, message: str) -> Reason:
    return Reason(severity="reject", code=code, field=field, message=message)


def check_benefit(
    benefit: Benefit, index: int, segments: Mapping[int, Segment]
) -> Iterator[Reason]:
    """Reasons why ``benefit`` is not grounded in the segments its provenance names."""
    where = f"benefits[{index}]"
    cited: list[Segment] = []
    for position, raw in zip(benefit.provenance.segments, benefit.provenance.raw, strict=False):
        segment = segments.get(position)
        if segment is None or segment.raw != raw:
            yield _reject(
                "provenance_mismatch",
                f"{where}.provenance",
                f"segment {position} of the input is not the text the provenance quotes",
            )
            return
        cited.append(segment)
    if len(benefit.provenance.segments) != len(benefit.provenance.raw) or not cited:
        yield _reject("provenance_mismatch", f"{where}.provenance", "provenance cites no segment")
        return
    eb = cited[0] if cited[0].elements[0] == "EB" else None
    if eb is not None:
        yield from _check_against_eb(benefit, eb, where)
    else:
        yield from _check_against_text(benefit, cited, where)
    texts = [s.get(1) for s in cited if s.elements[0] == "MSG"]
    if eb is not None and benefit.messages != texts:
        yield _reject(
            "value_not_in_source", f"{where}.messages", "messages differ from the MSG segments"
        )
    dates = {(s.get(1), s.get(3)) for s in cited if s.elements[0] == "DTP"}
    for number_, value in enumerate(benefit.dates):
        if (value.qualifier_code, value.value) not in dates:
            yield _reject(
                "value_not_in_source",
                f"{where}.dates[{number_}]",
                "date is not in a cited DTP segment",
            )


def _check_against_eb(benefit: Benefit, eb: Segment, where: str) -> Iterator[Reason]:
    expected_text = {
        "code": eb.get(1),
        "coverage_level_code": eb.get(2) or None,
        "insurance_type_code": eb.get(4) or None,
        "plan_coverage": eb.get(5) or None,
        "time_qualifier_code": eb.get(6) or None,
        "quantity_qualifier_code": eb.get(9) or None,
        "in_plan_network_code": eb.get(12) or None,
    }
    for field, expected in expected_text.items():
        if getattr(benefit, field) != expected:
            yield _reject("value_not_in_source", f"{where}.{field}", f"{field} differs from the EB")
    if list(eb.repeats(3)) != benefit.service_type_codes:
        yield _reject(
            "value_not_in_source", f"{where}.service_type_codes", "EB03 says other service types"
        )
    for field, position in (("amount", 7), ("percent", 8), ("quantity", 10)):
        proposed = getattr(benefit, field)
        if proposed is None:
            continue
        if number(proposed) is None or number(proposed) != number(eb.get(position)):
            yield _reject(
                "value_not_in_source", f"{where}.{field}", f"{field} is not EB{position:02d}"
            )
    if benefit.auth_required != _AUTH.get(eb.get(11), "invalid"):
        yield _reject("value_not_in_source", f"{where}.auth_required", "auth differs from EB11")
    if benefit.procedure is not None:
        parts = eb.components(13)
        if parts[:2] != (benefit.procedure.qualifier, benefit.procedure.code):
            yield _reject("value_not_in_source", f"{where}.procedure", "EB13 says otherwise")


def _check_against_text(benefit: Benefit, cited: list[Segment], where: str) -> Iterator[Reason]:
    available: set[Decimal] = set()
    for segment in cited:
        available |= numbers_in(segment.raw)
    for field in ("amount", "percent", "quantity"):
        proposed = getattr(benefit, field)
        if proposed is None:
            continue
        value = number(proposed)
        if value is None or value not in available:
            yield _reject(
                "value_not_in_source",
                f"{where}.{field}",
                f"{field} {proposed} does not appear in the cited text",
            )


class SegmentIndex(dict[int, Segment]):
    """Segments by position, with the sets :func:`check_patient` looks values up in.

    The sets are built on first use and kept, so judging every result of a big
    input reads its segments once, not once per result. Not to be changed after
    the first check.
    """

    __slots__ = ("_dtps", "_members")

    def __init__(self, *args: Iterable[tuple[int, Segment]]) -> None:
        super().__init__(*args)
        self._members: set[str] | None = None
        self._dtps: set[tuple[str, str]] | None = None

    def members(self) -> set[str]:
        """NM109 of every NM1."""
        if self._members is None:
            self._members = _members(self)
        return self._members

    def dtps(self) -> set[tuple[str, str]]:
        """(DTP01, DTP03) of every DTP."""
        if self._dtps is None:
            self._dtps = _dtps(self)
        return self._dtps


def _members(segments: Mapping[int, Segment]) -> set[str]:
    return {s.get(9) for s in segments.values() if s.elements[0] == "NM1"}


def _dtps(segments: Mapping[int, Segment]) -> set[tuple[str, str]]:
    return {(s.get(1), s.get(3)) for s in segments.values() if s.elements[0] == "DTP"}


def check_patient(result: EligibilityResult, segments: Mapping[int, Segment]) -> Iterator[Reason]:
    """The member IDs and AAA codes must appear in the input."""
    indexed = segments if isinstance(segments, SegmentIndex) else None
    members = indexed.members() if indexed is not None else _members(segments)
    for field in ("member_id", "subscriber_member_id"):
        value = getattr(result, field)
        if value is not None and value not in members:
            yield _reject("value_not_in_source", field, f"{field} is not an NM109 of the input")
    dtps = indexed.dtps() if indexed is not None else _dtps(segments)
    for index, value in enumerate(result.dates):
        if (value.qualifier_code, value.value) not in dtps:
            yield _reject(
                "value_not_in_source", f"dates[{index}]", "date is not a DTP of the input"
            )
    for index, error in enumerate(result.errors):
        [position] = error.provenance.segments[:1] or [-1]
        segment = segments.get(position)
        if segment is None or segment.elements[0] != "AAA" or segment.get(3) != error.code:
            yield _reject(
                "value_not_in_source", f"errors[{index}].code", "AAA03 is not in the cited segment"
            )
