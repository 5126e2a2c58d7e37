"""The 834 benefit enrollment: one member record per INS, with name, dates and coverages.

An employer's 834 says who it enrolled, changed or cancelled, and from when.
Loops are recognised by the segments that open them, as for the 271: INS opens
the member loop (2000), HD opens a health coverage loop (2300); everything
before the first INS is the header (BGN, the sponsor and insurer N1 loops).
Real files carry the quirks of real 271s (the tokenizer and envelope reader
handle those) plus their own: RD8 ranges where a D8 belongs, blank INS
elements, an HD without dates, unknown REF qualifiers. An unreadable date is a
warning and ``None``, never a guess; a segment that fits no loop is kept in
``unexpected`` with its position.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from eligate.x12._envelope import TransactionSet, read_document
from eligate.x12._segments import Segment
from eligate.x12._warnings import X12Warning
from eligate.x12.errors import NotAn834Error

_HEADER_TAGS = frozenset({"BGN", "REF", "DTP", "QTY", "N1", "N2", "N3", "N4", "PER", "ACT"})


@dataclass(frozen=True, slots=True)
class Coverage834:
    """A 2300 loop: one coverage line (HD) with its dates and policy number."""

    hd: Segment
    maintenance_type_code: str
    """HD01: ``021`` addition, ``024`` cancellation or termination, ``030`` audit..."""
    insurance_line_code: str
    """HD03: ``HLT`` health, ``DEN`` dental, ``VIS`` vision..."""
    plan_description: str
    """HD04."""
    coverage_level_code: str
    """HD05: ``EMP``, ``ESP``, ``FAM``, ``IND``..."""
    begin: date | None
    """DTP*348 benefit begin (or the start of an RD8 range)."""
    end: date | None
    """DTP*349 benefit end (or the end of a 348 RD8 range)."""
    maintenance_effective: date | None
    """DTP*303 maintenance effective date of this coverage line."""
    policy_number: str
    """REF*1L (or REF*CE class of contract when no 1L) inside the 2300 loop."""
    segments: tuple[Segment, ...]
    """HD and every segment after it that belongs to this coverage, in order."""


@dataclass(frozen=True, slots=True)
class Member834:
    """A 2000 loop: one member's maintenance record (INS) with name, dates and coverages."""

    ins: Segment
    subscriber: bool
    """INS01 is ``Y``: the member is the subscriber (employee)."""
    relationship_code: str
    """INS02: ``18`` self, ``01`` spouse, ``19`` child..."""
    maintenance_type_code: str
    """INS03: ``001`` change, ``021`` addition, ``024`` cancellation, ``025`` reinstatement,
    ``030`` audit or compare."""
    maintenance_reason_code: str
    """INS04: ``28`` initial enrollment, ``07`` termination of benefits, ``AI`` no reason..."""
    benefit_status_code: str
    """INS05: ``A`` active, ``C`` COBRA, ``S`` surviving insured, ``T`` tax equity act."""
    employment_status_code: str
    """INS08: ``FT`` full time, ``TE`` terminated, ``RT`` retired..."""
    subscriber_id: str
    """REF*0F: the subscriber identifier (the ID the payer knows the family by)."""
    group_number: str
    """REF*1L of the member loop: group or policy number."""
    client_number: str
    """REF*23: the client (member) number, often the payer's member ID."""
    last_name: str
    """NM103 of NM1*IL."""
    first_name: str
    """NM104."""
    middle_name: str
    """NM105."""
    id_qualifier: str
    """NM108 of NM1*IL (``34`` SSN, ``ZZ`` mutually defined)."""
    id: str
    """NM109 of NM1*IL."""
    birth_date: date | None
    """DMG02 when it is a valid D8 date."""
    gender_code: str
    """DMG03."""
    eligibility_begin: date | None
    """DTP*356 of the member loop."""
    eligibility_end: date | None
    """DTP*357 of the member loop."""
    maintenance_effective: date | None
    """DTP*303 of the member loop."""
    coverages: tuple[Coverage834, ...]
    segments: tuple[Segment, ...]
    """INS and every segment of the member loop before the first HD, in order."""

    @property
    def cancelled(self) -> bool:
        """INS03 or every HD01 says cancellation or termination (``024``)."""
        if self.maintenance_type_code == "024":
            return True
        return bool(self.coverages) and all(
            c.maintenance_type_code == "024" for c in self.coverages
        )

    @property
    def identifiers(self) -> tuple[str, ...]:
        """Every ID the record gives the member by, without blanks or repeats."""
        found = (self.client_number, self.subscriber_id, self.id)
        return tuple(dict.fromkeys(v for v in found if v))


@dataclass(frozen=True, slots=True)
class Transaction834:
    """An 834 transaction set read into member loops."""

    transaction: TransactionSet
    bgn: Segment | None
    reference: str
    """BGN02, the sponsor's reference for this file."""
    created: date | None
    """BGN03."""
    action_code: str
    """BGN08: ``2`` change (update), ``4`` verify (full file), ``RX`` replace."""
    sponsor: str
    """N1*P5 name (the employer)."""
    insurer: str
    """N1*IN name (the payer)."""
    header: tuple[Segment, ...]
    """Segments before the first INS."""
    members: tuple[Member834, ...]
    unexpected: tuple[Segment, ...]
    warnings: tuple[X12Warning, ...]
    """What the reader noticed (invalid dates); :func:`read_enrollment` adds the
    document's and the envelope's warnings in front."""


def read_834(transaction: TransactionSet) -> Transaction834:
    """Read one 834 transaction set into its member loops."""
    header: list[Segment] = []
    unexpected: list[Segment] = []
    warnings: list[X12Warning] = []
    loops: list[list[Segment]] = []
    for segment in transaction.body:
        if segment.tag == "INS":
            loops.append([segment])
        elif loops:
            loops[-1].append(segment)
        elif segment.tag in _HEADER_TAGS:
            header.append(segment)
        else:
            unexpected.append(segment)
    bgn = next((s for s in header if s.tag == "BGN"), None)
    names = {s.get(1): s.get(2) for s in header if s.tag == "N1"}
    return Transaction834(
        transaction=transaction,
        bgn=bgn,
        reference=bgn.get(2) if bgn is not None else "",
        created=_date(bgn, 3, warnings) if bgn is not None else None,
        action_code=bgn.get(8) if bgn is not None else "",
        sponsor=names.get("P5", ""),
        insurer=names.get("IN", ""),
        header=tuple(header),
        members=tuple(_member(loop, warnings) for loop in loops),
        unexpected=tuple(unexpected),
        warnings=tuple(warnings),
    )


def read_enrollment(data: bytes | str) -> list[Transaction834]:
    """Read every 834 transaction set in ``data``; other transaction sets are skipped.

    Raises:
        X12InputError: the input is empty, not X12, truncated, or holds no 834.
    """
    document = read_document(data)
    found = [read_834(t) for t in document.transactions if t.transaction_type == "834"]
    if not found:
        kinds = sorted({t.transaction_type or "?" for t in document.transactions})
        holds = ", ".join(kinds) if kinds else "no transaction set"
        raise NotAn834Error(f"not an 834: the input holds {holds}")
    return [
        replace(t, warnings=(*document.warnings, *t.transaction.warnings, *t.warnings))
        for t in found
    ]


def _member(loop: list[Segment], warnings: list[X12Warning]) -> Member834:
    ins = loop[0]
    own: list[Segment] = []
    coverage_loops: list[list[Segment]] = []
    for segment in loop:
        if segment.tag == "HD":
            coverage_loops.append([segment])
        elif coverage_loops:
            coverage_loops[-1].append(segment)
        else:
            own.append(segment)
    refs = _refs(own)
    name = next((s for s in own if s.tag == "NM1" and s.get(1) == "IL"), None)
    dmg = next((s for s in own if s.tag == "DMG"), None)
    dates = _dates(own, warnings)
    return Member834(
        ins=ins,
        subscriber=ins.get(1) == "Y",
        relationship_code=ins.get(2),
        maintenance_type_code=ins.get(3),
        maintenance_reason_code=ins.get(4),
        benefit_status_code=ins.get(5),
        employment_status_code=ins.get(8),
        subscriber_id=refs.get("0F", ""),
        group_number=refs.get("1L", ""),
        client_number=refs.get("23", ""),
        last_name=name.get(3) if name is not None else "",
        first_name=name.get(4) if name is not None else "",
        middle_name=name.get(5) if name is not None else "",
        id_qualifier=name.get(8) if name is not None else "",
        id=name.get(9) if name is not None else "",
        birth_date=_date(dmg, 2, warnings) if dmg is not None and dmg.get(2) else None,
        gender_code=dmg.get(3) if dmg is not None else "",
        eligibility_begin=dates.get("356", (None, None))[0],
        eligibility_end=dates.get("357", (None, None))[1],
        maintenance_effective=dates.get("303", (None, None))[0],
        coverages=tuple(_coverage(c, warnings) for c in coverage_loops),
        segments=tuple(own),
    )


def _coverage(loop: list[Segment], warnings: list[X12Warning]) -> Coverage834:
    hd = loop[0]
    # The 2310 provider loop (NM1 after HD) carries REFs of its own: stop there.
    upto = next((i for i, s in enumerate(loop) if s.tag in ("NM1", "LX", "COB")), len(loop))
    refs = _refs(loop[1:upto])
    dates = _dates(loop[1:upto], warnings)
    begin, range_end = dates.get("348", (None, None))
    return Coverage834(
        hd=hd,
        maintenance_type_code=hd.get(1),
        insurance_line_code=hd.get(3),
        plan_description=hd.get(4),
        coverage_level_code=hd.get(5),
        begin=begin,
        end=dates.get("349", (None, None))[1] or (range_end if range_end != begin else None),
        maintenance_effective=dates.get("303", (None, None))[0],
        policy_number=refs.get("1L", "") or refs.get("CE", ""),
        segments=tuple(loop),
    )


def _refs(segments: list[Segment]) -> dict[str, str]:
    """REF qualifier -> value; the first one of each qualifier wins."""
    refs: dict[str, str] = {}
    for segment in segments:
        if segment.tag == "REF" and segment.get(2):
            refs.setdefault(segment.get(1), segment.get(2))
    return refs


def _dates(
    segments: list[Segment], warnings: list[X12Warning]
) -> dict[str, tuple[date | None, date | None]]:
    """DTP qualifier -> (start, end); D8 gives start == end, RD8 a range."""
    found: dict[str, tuple[date | None, date | None]] = {}
    for segment in segments:
        if segment.tag != "DTP" or segment.get(1) in found:
            continue
        value = segment.get(3)
        if segment.get(2) == "RD8" or (len(value) == 17 and value[8] == "-"):
            first, _, last = value.partition("-")
            start, end = _parse_d8(first), _parse_d8(last)
        else:
            start = end = _parse_d8(value[:8] if segment.get(2) == "DT" else value)
        if start is None or end is None or end < start:
            warnings.append(
                X12Warning("invalid_date", f"DTP*{segment.get(1)} is not a date", segment.index)
            )
            continue
        found[segment.get(1)] = (start, end)
    return found


def _date(segment: Segment, position: int, warnings: list[X12Warning]) -> date | None:
    """Element ``position`` as a D8 date; the value stays out of the warning (a birth date)."""
    value = segment.get(position)
    parsed = _parse_d8(value)
    if parsed is None and value:
        warnings.append(
            X12Warning("invalid_date", f"{segment.tag}{position:02d} is not a date", segment.index)
        )
    return parsed


def _parse_d8(text: str) -> date | None:
    """A ``CCYYMMDD`` date or ``None``.

    The normalizer has the same reader for 271s, but it sits above x12 and x12
    cannot import it.
    """
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None
