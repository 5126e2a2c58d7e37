"""Raw 271 in, one :class:`EligibilityResult` per patient out: the rule-based mapper."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from eligate.normalizer._benefits import read_benefit
from eligate.normalizer._entities import read_entity
from eligate.normalizer._models import (
    Benefit,
    DateValue,
    EligibilityResult,
    Entity,
    Envelope,
    EnvelopeWarning,
    Reference,
    RequestError,
    Summary,
    Trace,
    UnknownCode,
    Unmapped,
)
from eligate.normalizer._status import (
    active_service_types,
    coverage_status,
    partial_coverage,
    read_aaa,
)
from eligate.normalizer._summary import summarize
from eligate.normalizer._values import lookup, optional, parse_d8, read_dtp, read_ref
from eligate.x12 import (
    NotA271Error,
    Party,
    Segment,
    Transaction271,
    TransactionSet,
    X12InputError,
    X12Warning,
    code_set,
    iter_document,
    read_271,
)

_PATIENT_LEVELS = ("22", "23")


def normalize(data: bytes | str) -> list[EligibilityResult]:
    """Normalize every 271 transaction set in ``data`` by the rules.

    Transaction sets that are not 271s are skipped with a warning on the results.

    Raises:
        X12InputError: the input is empty, not X12, truncated, or holds no 271.
    """
    return [result for part in iter_normalize(data) for result in part.results]


@dataclass(frozen=True, slots=True)
class Normalized:
    """The results of one 271 transaction set, as :func:`iter_normalize` yields them."""

    transaction: TransactionSet
    results: list[EligibilityResult]


def iter_normalize(data: bytes | str) -> Iterator[Normalized]:
    """What :func:`normalize` returns, one transaction set at a time, as the input is read.

    A warning about the document rather than one transaction set (a stray
    segment, a trailer that does not match, a skipped non-271 set...) is put on
    the results of the 271 before it, or of the first 271 after it when none
    comes before: each is reported once, so the output stays linear in the input.
    One transaction set is held back until the next one starts, for the
    warnings that follow it.

    Raises:
        X12InputError: the input is empty, not X12, truncated, or holds no 271
            (when the reader gets there; the results before it were yielded).
    """
    pending: TransactionSet | None = None
    noted: list[X12Warning] = []
    kinds: set[str] = set()
    items = iter_document(data)
    while True:
        try:
            item = next(items)
        except StopIteration:
            break
        except X12InputError:
            if pending is not None:  # what was read whole before the input breaks off
                yield _normalized(pending, noted)
            raise
        if isinstance(item, X12Warning):
            noted.append(item)
            continue
        kinds.add(item.transaction_type or "?")
        if item.transaction_type != "271":
            noted.append(
                X12Warning(
                    "skipped_transaction",
                    f"transaction set {item.control_number!r} is a "
                    f"{item.transaction_type or 'blank'}, not a 271",
                    item.header.index,
                )
            )
            continue
        if pending is not None:
            yield _normalized(pending, noted)
            noted = []
        pending = item
    if pending is None:
        found = ", ".join(sorted(kinds)) if kinds else "no transaction set"
        raise NotA271Error(f"not a 271: the input holds {found}")
    yield _normalized(pending, noted)


def _normalized(transaction: TransactionSet, noted: list[X12Warning]) -> Normalized:
    # Header warnings of the tokenizer first, then the envelope's, then skipped sets.
    noted.sort(key=_warning_rank)
    tree = read_271(transaction)
    return Normalized(transaction=transaction, results=list(_normalize_transaction(tree, noted)))


def _warning_rank(warning: X12Warning) -> int:
    if warning.segment_index is None:
        return 0
    return 2 if warning.code == "skipped_transaction" else 1


def _normalize_transaction(
    tree: Transaction271, document_warnings: list[X12Warning]
) -> Iterator[EligibilityResult]:
    transaction = tree.transaction
    shared = [_envelope_warning(w) for w in (*document_warnings, *transaction.warnings)]
    stray = [
        _unmapped(segment, "unexpected_segment", "segment outside any HL loop", None)
        for segment in tree.unexpected
    ]
    patients = list(_patients(tree.parties))
    anchors: list[Party | None] = list(patients)
    if not patients:
        anchors = [tree.parties[-1] if tree.parties else None]
    lineage = _Lineage(tree, anchors)
    for anchor in anchors:
        yield _result(
            tree,
            anchor,
            anchor if patients else None,
            shared=shared,
            stray=stray,
            lineage=lineage,
        )


def _envelope_warning(warning: X12Warning) -> EnvelopeWarning:
    return EnvelopeWarning(
        code=warning.code, message=warning.message, segment_index=warning.segment_index
    )


def _patients(parties: tuple[Party, ...]) -> Iterator[Party]:
    """Subscribers without dependents, dependents, and subscribers with their own EBs."""
    for party in parties:
        if party.level == "23":
            yield party
        elif party.level == "22":
            has_dependents = any(child.level == "23" for child in party.children)
            if not has_dependents or party.benefits:
                yield party


@dataclass(frozen=True, slots=True)
class _Inherited:
    """What a result takes from the HL levels above its patient, root first."""

    errors: tuple[RequestError, ...]
    traces: tuple[Trace, ...]
    unmapped: tuple[Unmapped, ...]
    warnings: tuple[X12Warning, ...]
    payer: Party | None
    provider: Party | None


_NOTHING = _Inherited((), (), (), (), None, None)


class _Lineage:
    """The HL levels of one transaction set, each read once for all results below it.

    A level's own part (AAA errors, traces, misplaced EBs, unexpected segments,
    warnings) is built once and shared by every level below it, so a long chain
    of HLs costs what it holds, not its depth per result. Warnings of a level no
    result stands under go on every result, so that none is lost.
    """

    def __init__(self, tree: Transaction271, anchors: list[Party | None]) -> None:
        self._for_children: dict[int, _Inherited] = {}
        covered: set[int] = set()
        for anchor in anchors:
            party = anchor
            while party is not None and id(party) not in covered:
                covered.add(id(party))
                party = party.parent
        self.orphan_warnings = tuple(
            warning
            for party in tree.parties
            if id(party) not in covered
            for warning in party.warnings
        )
        self._rank = {id(warning): number for number, warning in enumerate(tree.warnings)}

    def above(self, party: Party) -> _Inherited:
        """What ``party`` takes from the levels above it (its own part excluded)."""
        return _NOTHING if party.parent is None else self._below(party.parent)

    def _below(self, party: Party) -> _Inherited:
        """What the levels under ``party`` take from it and from the levels above it."""
        line: list[Party] = []
        node: Party | None = party
        while node is not None and id(node) not in self._for_children:
            line.append(node)
            node = node.parent
        for level in reversed(line):
            base = _NOTHING if level.parent is None else self._for_children[id(level.parent)]
            self._for_children[id(level)] = _extend(base, level, own=False)
        return self._for_children[id(party)]

    def warnings(self, inherited: _Inherited) -> list[X12Warning]:
        """The tree warnings of a result: its levels' and the orphans', in input order."""
        found = [*inherited.warnings, *self.orphan_warnings]
        found.sort(key=lambda warning: self._rank[id(warning)])
        return found


def _extend(inherited: _Inherited, party: Party, *, own: bool) -> _Inherited:
    """``inherited`` followed by ``party``'s part (``own``: the party is the patient)."""
    errors: list[RequestError] = []
    traces: list[Trace] = []
    unmapped: list[Unmapped] = []
    loop = party.loop
    patient_level = party.level in _PATIENT_LEVELS
    for segment in party.header:
        if segment.elements[0] == "AAA":
            errors.append(_read_aaa(segment, f"2000{loop}", unmapped))
        elif patient_level:
            traces.append(_trace(segment))
    for segment in party.details:
        tag = segment.elements[0]
        if tag == "AAA":
            errors.append(_read_aaa(segment, f"2100{loop}", unmapped))
        elif tag == "TRN" and patient_level:
            traces.append(_trace(segment))
    if patient_level:
        for benefit_loop in party.benefits:
            errors.extend(
                _read_aaa(segment, f"2110{loop}", unmapped)
                for segment in benefit_loop.segments
                if segment.elements[0] == "AAA"
            )
    elif party.benefits:
        for benefit_loop in party.benefits:
            segment = benefit_loop.eb
            unmapped.append(
                _unmapped(segment, "misplaced_benefit", f"EB in loop 2000{loop}", f"2110{loop}")
            )
    if own or not patient_level:
        unmapped.extend(
            _unmapped(segment, "unexpected_segment", "not expected here", f"2100{loop}")
            for segment in party.unexpected
        )
    named = party.name is not None
    if party.name is not None and (own or not patient_level):
        unmapped.extend(_unknown_name_codes(party.name, party.details, f"2100{loop}"))
    payer = inherited.payer or (party if named and party.level == "20" else None)
    provider = inherited.provider or (party if named and party.level == "21" else None)
    if not (errors or traces or unmapped or party.warnings) and (
        payer is inherited.payer and provider is inherited.provider
    ):
        return inherited
    return _Inherited(
        errors=(*inherited.errors, *errors),
        traces=(*inherited.traces, *traces),
        unmapped=(*inherited.unmapped, *unmapped),
        warnings=(*inherited.warnings, *party.warnings),
        payer=payer,
        provider=provider,
    )


def _result(
    tree: Transaction271,
    anchor: Party | None,
    patient: Party | None,
    *,
    shared: list[EnvelopeWarning],
    stray: list[Unmapped],
    lineage: _Lineage,
) -> EligibilityResult:
    inherited = _NOTHING
    if anchor is not None:
        inherited = _extend(lineage.above(anchor), anchor, own=anchor is patient)
    unmapped = [*stray, *inherited.unmapped]
    errors = list(inherited.errors)
    traces = list(inherited.traces)
    warnings = [*shared, *(_envelope_warning(w) for w in lineage.warnings(inherited))]
    errors.sort(key=lambda error: error.provenance.segments[0])

    benefits: list[Benefit] = []
    if patient is not None:
        for number, benefit_loop in enumerate(patient.benefits):
            mapped = read_benefit(benefit_loop, loop_id=f"2110{patient.loop}", benefit_index=number)
            benefits.append(mapped.benefit)
            unmapped.extend(mapped.unmapped)

    payer = _entity(inherited.payer)
    provider = _entity(inherited.provider)
    details = patient.details if patient is not None else []
    loop_id = f"2100{patient.loop if patient else '?'}"
    dates, references, extra = _patient_details(details, loop_id)
    unmapped.extend(extra)
    unmapped.sort(key=lambda item: item.segment_index)
    name = patient.name if patient is not None else None
    subscriber = patient.parent if patient is not None and patient.level == "23" else None
    # A dependent's plan facts (group, plan number, plan dates) are often sent
    # only once, at the subscriber level: they hold for the dependent too.
    inherited_dates, inherited_refs = (
        _inherited(subscriber.details) if subscriber is not None else ([], [])
    )
    dmg = _first(details, "DMG")
    ins = _first(details, "INS")
    transaction = tree.transaction
    isa = transaction.interchange_header
    gs = transaction.group_header
    bht = tree.bht
    return EligibilityResult(
        patient_role=None
        if patient is None
        else "dependent"
        if patient.level == "23"
        else "subscriber",
        member_id=optional(name.get(9)) if name else None,
        subscriber_member_id=(
            optional(subscriber.name.get(9)) if subscriber and subscriber.name else None
        ),
        last_name=optional(name.get(3)) if name else None,
        first_name=optional(name.get(4)) if name else None,
        middle_name=optional(name.get(5)) if name else None,
        name_suffix=optional(name.get(7)) if name else None,
        birth_date=parse_d8(dmg.get(2)) if dmg and dmg.get(1) == "D8" else None,
        gender_code=optional(dmg.get(3)) if dmg else None,
        relationship_code=optional(ins.get(2)) if ins else None,
        address=read_entity(name, details).address if name else None,
        coverage_status=coverage_status(benefits, errors),
        partial_coverage=partial_coverage(benefits),
        active_service_type_codes=active_service_types(benefits),
        plan_name=next(
            (b.plan_coverage for b in benefits if b.code in ("1", "2", "3", "4", "5")),
            None,
        ),
        group_number=_reference(references or inherited_refs, "6P", description=False),
        group_name=_reference(references or inherited_refs, "6P", description=True),
        plan_number=_reference(references or inherited_refs, "18", description=False),
        plan_begin_date=_plan_date(dates, "346", start=True)
        or _plan_date(inherited_dates, "346", start=True),
        plan_end_date=_plan_date(dates, "347", start=False)
        or _plan_date(inherited_dates, "347", start=False),
        dates=dates,
        references=references,
        benefits=benefits,
        errors=errors,
        summary=summarize(benefits) if benefits else Summary(deductible=[], out_of_pocket=[]),
        unmapped=unmapped,
        validation=None,
        payer=payer,
        provider=provider,
        envelope=Envelope(
            interchange_control_number=optional(isa.get(13).strip()) if isa else None,
            group_control_number=optional(gs.get(6)) if gs else None,
            transaction_control_number=transaction.control_number,
            version=transaction.version,
            reference=optional(bht.get(3)) if bht else None,
            created=optional(f"{bht.get(4)} {bht.get(5)}".strip()) if bht else None,
            traces=traces,
            warnings=warnings,
        ),
    )


def _patient_details(
    details: list[Segment], loop: str
) -> tuple[list[DateValue], list[Reference], list[Unmapped]]:
    dates: list[DateValue] = []
    references: list[Reference] = []
    unmapped: list[Unmapped] = []
    unknown: list[UnknownCode] = []
    for segment in details:
        tag = segment.elements[0]
        if tag == "DTP":
            value = read_dtp(segment)
            lookup("dtp01", value.qualifier_code, "DTP01", segment, unknown)
            if value.start is None:
                unmapped.append(
                    _unmapped(segment, "invalid_date", f"DTP03 {value.value!r} is not a date", loop)
                )
            dates.append(value)
        elif tag == "REF":
            references.append(read_ref(segment, unknown))
        elif tag == "DMG":
            if segment.get(2) and parse_d8(segment.get(2)) is None:
                unmapped.append(
                    _unmapped(segment, "invalid_date", "DMG02 is not a valid D8 date", loop)
                )
            lookup("dmg03", segment.get(3), "DMG03", segment, unknown)
        elif tag == "INS":
            lookup("ins02", segment.get(2), "INS02", segment, unknown)
    by_index = {segment.index: segment for segment in details}
    unmapped.extend(
        _unmapped(
            by_index[code.segment_index],
            "unknown_code",
            f"{code.element} {code.code!r} is not in the X12 code list",
            loop,
        )
        for code in unknown
    )
    return dates, references, unmapped


def _inherited(details: list[Segment]) -> tuple[list[DateValue], list[Reference]]:
    """The subscriber's DTP and REF, for a dependent that sent none of its own."""
    ignored: list[UnknownCode] = []  # flagged on the subscriber's own result
    dates = [read_dtp(s) for s in details if s.elements[0] == "DTP"]
    references = [read_ref(s, ignored) for s in details if s.elements[0] == "REF"]
    return dates, references


def _read_aaa(segment: Segment, loop: str, unmapped: list[Unmapped]) -> RequestError:
    """Map an AAA; AAA01, AAA03 and AAA04 values outside their code lists are left unmapped."""
    for position, key in ((1, "aaa01"), (3, "aaa03"), (4, "aaa04")):
        code = segment.get(position)
        if code and code not in code_set(key):
            message = f"AAA{position:02d} {code!r} is not in the X12 code list"
            unmapped.append(_unmapped(segment, "unknown_code", message, loop))
    return read_aaa(segment, loop)


def _unknown_name_codes(name: Segment, details: list[Segment], loop: str) -> Iterator[Unmapped]:
    """NM101, NM108 and PER03/05/07 of a named party outside their X12 code lists."""
    for segment in (name, *details):
        unknown: list[UnknownCode] = []
        if segment is name:
            lookup("nm101", name.get(1), "NM101", name, unknown)
            lookup("nm108", name.get(8), "NM108", name, unknown)
        elif segment.elements[0] == "PER":
            for position in (3, 5, 7):
                lookup("per03", segment.get(position), f"PER{position:02d}", segment, unknown)
        for code in unknown:
            message = f"{code.element} {code.code!r} is not in the X12 code list"
            yield _unmapped(segment, "unknown_code", message, loop)


def _plan_date(dates: list[DateValue], qualifier: str, *, start: bool) -> date | None:
    for wanted in (qualifier, "291", "307"):
        for value in dates:
            if value.qualifier_code != wanted:
                continue
            if wanted == qualifier:
                return value.start
            if value.format == "RD8":
                return value.start if start else value.end
    return None


def _reference(references: list[Reference], qualifier: str, *, description: bool) -> str | None:
    for reference in references:
        if reference.qualifier_code == qualifier:
            return reference.description if description else reference.value
    return None


def _entity(party: Party | None) -> Entity | None:
    if party is None or party.name is None:
        return None
    return read_entity(party.name, party.details)


def _first(segments: list[Segment], tag: str) -> Segment | None:
    return next((segment for segment in segments if segment.elements[0] == tag), None)


def _trace(segment: Segment) -> Trace:
    return Trace(
        type_code=segment.get(1),
        number=segment.get(2),
        originator=optional(segment.get(3)),
        supplemental=optional(segment.get(4)),
    )


def _unmapped(segment: Segment, reason: str, message: str, loop: str | None) -> Unmapped:
    return Unmapped(
        reason=reason, message=message, segment_index=segment.index, raw=segment.raw, loop=loop
    )
