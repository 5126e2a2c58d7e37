"""The proposer seam: who may propose benefits for what the rules left unmapped.

The rules always run first (:func:`~eligate.normalizer.normalize`). A proposer
then looks only at the ``unmapped`` items it is allowed to interpret and
proposes benefits for them; it never re-decides what the rules mapped. The gate
(:mod:`eligate.validators`) judges every proposal. Pure: no I/O here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from eligate.normalizer._models import Benefit, EligibilityResult, ProposalRun
from eligate.x12 import Segment

PROPOSABLE_REASONS = frozenset({"msg_with_amount", "unknown_code", "misplaced_benefit"})
"""Unmapped reasons a proposer may interpret."""
CONTEXT_TAGS = frozenset({"EB", "MSG"})
"""The only segments a proposer ever sees: never NM1, N3, N4, DMG, REF or PER."""


@dataclass(frozen=True, slots=True)
class ProposalItem:
    """One unmapped segment offered to a proposer, with the neighbours it may read."""

    segment: Segment
    """The segment to interpret: a MSG with an amount, or an EB the rules could not place."""
    reason: str
    """The rules' unmapped reason (``msg_with_amount``, ``unknown_code``, ``misplaced_benefit``)."""
    context: tuple[Segment, ...]
    """The EB the segment belongs to and that EB's MSG lines (EB/MSG only), in input order."""


@dataclass(frozen=True, slots=True)
class Proposal:
    """A benefit proposed for one item; its provenance cites the item's segment."""

    segment_index: int
    benefit: Benefit


@dataclass(frozen=True, slots=True)
class ProposalBatch:
    """What a proposer returned for one 271.

    ``run`` is ``None`` when no model was asked (rules only, or nothing to ask);
    its ``accepted``/``rejected`` counts are filled in by the gate per result.
    """

    proposals: tuple[Proposal, ...]
    run: ProposalRun | None


NO_PROPOSALS = ProposalBatch(proposals=(), run=None)


class Proposer(Protocol):
    """Proposes benefits for the unmapped content of one 271's rule-based results.

    Implementations never raise for a backend failure: they return a batch whose
    ``run.outcome`` says the model was unavailable, and the rules' result stands.
    """

    @property
    def name(self) -> str:
        """Short name used in reports (``rules``, ``llm``)."""
        ...

    def propose(
        self, results: Sequence[EligibilityResult], segments: Mapping[int, Segment]
    ) -> ProposalBatch:
        """Proposals for ``results`` (normalized by the rules) of the 271 ``segments`` index."""
        ...


class RulesProposer:
    """The default: the rules have spoken, nothing more is proposed."""

    @property
    def name(self) -> str:
        """``rules``."""
        return "rules"

    def propose(
        self, results: Sequence[EligibilityResult], segments: Mapping[int, Segment]
    ) -> ProposalBatch:
        """No proposals."""
        del results, segments
        return NO_PROPOSALS


def proposal_items(
    results: Sequence[EligibilityResult], segments: Mapping[int, Segment]
) -> list[ProposalItem]:
    """The unmapped items of ``results`` a proposer may interpret, once per segment.

    Only MSG lines with amounts and EB segments qualify (an unknown code in a
    DTP, REF or NM1 is left to a human), with the EB/MSG segments of the benefit
    they belong to as context.
    """
    items: dict[int, ProposalItem] = {}
    for result in results:
        for item in result.unmapped:
            if item.reason not in PROPOSABLE_REASONS or item.segment_index in items:
                continue
            segment = segments.get(item.segment_index)
            if segment is None or segment.raw != item.raw:
                continue
            if item.reason == "msg_with_amount" and segment.tag != "MSG":
                continue
            if item.reason != "msg_with_amount" and segment.tag != "EB":
                continue
            context: tuple[Segment, ...] = ()
            if item.benefit_index is not None and item.benefit_index < len(result.benefits):
                owner = result.benefits[item.benefit_index]
                context = tuple(
                    segments[position]
                    for position in owner.provenance.segments
                    if position in segments and segments[position].tag in CONTEXT_TAGS
                )
            items[item.segment_index] = ProposalItem(
                segment=segment, reason=item.reason, context=context
            )
    return [items[index] for index in sorted(items)]
