"""The 271 loop tree: HL hierarchy, 2100 names, 2110 benefits, 2120 related entities.

Loops are recognised by the segments that open them, as the implementation
guide defines them (HL opens 2000, NM1 opens 2100, EB opens 2110, LS..LE wraps
2120), and tolerant of what real payers send: AAA at every level, TRN after the
name, NM1 with no ID qualifier, a 2120 NM1 without LS, a missing LE. Whatever
does not fit is kept in ``unexpected`` with its position, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from eligate.codes import X12WarningCode
from eligate.x12._envelope import TransactionSet
from eligate.x12._segments import Segment
from eligate.x12._warnings import X12Warning

LEVEL_LOOPS = {"20": "A", "21": "B", "22": "C", "23": "D"}
"""HL03 level code -> the loop letter the implementation guide uses (2000A...)."""

_BENEFIT_TAGS = frozenset({"HSD", "REF", "DTP", "AAA", "MSG", "III"})
_ENTITY_TAGS = frozenset({"N3", "N4", "PER", "PRV"})
_NAME_TAGS = frozenset(
    {"REF", "N3", "N4", "PER", "AAA", "PRV", "DMG", "INS", "HI", "DTP", "MPI", "TRN"}
)


@dataclass(frozen=True, slots=True)
class RelatedEntity:
    """A 2120 loop: an entity named inside LS..LE after a benefit (PCP, other payer...)."""

    name: Segment
    segments: list[Segment] = field(default_factory=list)
    """N3, N4, PER and PRV that follow the NM1, in order."""


@dataclass(frozen=True, slots=True)
class BenefitLoop:
    """A 2110 loop: one EB and everything attached to it until the next EB or HL."""

    eb: Segment
    segments: list[Segment] = field(default_factory=list)
    """Every segment after the EB that belongs to this loop, in input order."""
    entities: list[RelatedEntity] = field(default_factory=list)
    unexpected: list[Segment] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class Party:
    """An HL level (2000A/B/C/D) with its name loop (2100) and benefit loops (2110).

    Built once by :func:`read_271` and not changed afterwards; mutable only so
    the builder can set the name when the NM1 arrives.
    """

    hl: Segment
    parent: Party | None = field(repr=False)
    header: list[Segment] = field(default_factory=list)
    """Segments of the 2000 loop before the NM1 (TRN, AAA)."""
    name: Segment | None = None
    details: list[Segment] = field(default_factory=list)
    """Segments of the 2100 loop after the NM1 (REF, N3, N4, DMG, INS, DTP, AAA...)."""
    benefits: list[BenefitLoop] = field(default_factory=list)
    children: list[Party] = field(default_factory=list)
    unexpected: list[Segment] = field(default_factory=list)

    @property
    def level(self) -> str:
        """HL03: ``20`` source, ``21`` receiver, ``22`` subscriber, ``23`` dependent."""
        return self.hl.get(3)

    @property
    def loop(self) -> str:
        """The loop letter of this level (``A``..``D``), ``?`` for an unknown level."""
        return LEVEL_LOOPS.get(self.level, "?")


@dataclass(frozen=True, slots=True)
class Transaction271:
    """A 271 transaction set read into its loop tree."""

    transaction: TransactionSet
    bht: Segment | None
    parties: tuple[Party, ...]
    """Every HL level in input order."""
    unexpected: tuple[Segment, ...]
    warnings: tuple[X12Warning, ...]


def read_271(transaction: TransactionSet) -> Transaction271:
    """Build the loop tree of one 271 transaction set."""
    parties: list[Party] = []
    by_id: dict[str, Party] = {}
    last_by_level: dict[str, Party] = {}
    unexpected: list[Segment] = []
    warnings: list[X12Warning] = []
    bht: Segment | None = None
    party: Party | None = None
    benefit: BenefitLoop | None = None
    entity: RelatedEntity | None = None
    in_ls = False

    for segment in transaction.body:
        tag = segment.elements[0]
        if tag == "HL":
            if in_ls:
                warnings.append(_warn("missing_le", "LS loop not closed before HL", segment))
            party = _new_party(segment, by_id, last_by_level, warnings)
            parties.append(party)
            benefit, entity, in_ls = None, None, False
        elif party is None:
            if tag == "BHT" and bht is None:
                bht = segment
            else:
                unexpected.append(segment)
        elif benefit is not None:
            if tag == "EB":
                if in_ls:
                    warnings.append(_warn("missing_le", "LS loop not closed before EB", segment))
                benefit = BenefitLoop(eb=segment)
                party.benefits.append(benefit)
                entity, in_ls = None, False
                continue
            benefit.segments.append(segment)
            if tag == "LS":
                in_ls, entity = True, None
            elif tag == "LE":
                if not in_ls:
                    warnings.append(_warn("unexpected_le", "LE without LS", segment))
                in_ls, entity = False, None
            elif tag == "NM1":
                if not in_ls:
                    warnings.append(_warn("missing_ls", "2120 NM1 without LS", segment))
                entity = RelatedEntity(name=segment)
                benefit.entities.append(entity)
            elif entity is not None and tag in _ENTITY_TAGS:
                entity.segments.append(segment)
            elif tag not in _BENEFIT_TAGS or in_ls:
                benefit.unexpected.append(segment)
        elif tag == "EB":
            benefit = BenefitLoop(eb=segment)
            party.benefits.append(benefit)
        elif party.name is None:
            if tag == "NM1":
                party.name = segment
            elif tag in ("TRN", "AAA"):
                party.header.append(segment)
            elif tag in _NAME_TAGS:
                party.details.append(segment)
            else:
                party.unexpected.append(segment)
        elif tag in _NAME_TAGS:
            party.details.append(segment)
        else:
            party.unexpected.append(segment)
    if in_ls and benefit is not None:
        warnings.append(_warn("missing_le", "LS loop not closed at SE", benefit.eb))
    return Transaction271(
        transaction=transaction,
        bht=bht,
        parties=tuple(parties),
        unexpected=tuple(unexpected),
        warnings=tuple(warnings),
    )


def _new_party(
    hl: Segment,
    by_id: dict[str, Party],
    last_by_level: dict[str, Party],
    warnings: list[X12Warning],
) -> Party:
    """Create the party an HL opens and hang it under its parent."""
    level = hl.get(3)
    if level not in LEVEL_LOOPS:
        warnings.append(_warn("unknown_hl_level", f"HL03 {level!r} is not 20-23", hl))
    parent_id = hl.get(2)
    parent = by_id.get(parent_id) if parent_id else None
    if parent is None and level in ("21", "22", "23"):
        expected = str(int(level) - 1)
        parent = last_by_level.get(expected)
        if parent_id or parent is None:
            warnings.append(
                _warn("hl_parent_missing", f"HL02 {parent_id!r} names no earlier HL", hl)
            )
    party = Party(hl=hl, parent=parent)
    if parent is not None:
        parent.children.append(party)
    by_id[hl.get(1)] = party
    last_by_level[level] = party
    return party


def _warn(code: X12WarningCode, message: str, segment: Segment) -> X12Warning:
    return X12Warning(code, message, segment.index)
