"""Rules, then a proposer's proposals, then the gate: the one place they are composed.

The gate's verdict on each proposal is final. An accepted proposal is added to
``benefits`` (``source: "llm"``; one equal to a benefit already there is not added
twice). A rejected proposal is kept in ``unmapped`` as a ``proposal_rejected``
item with the gate's reason, so the result needs review. Whether an item whose
proposals were all accepted leaves ``unmapped`` is the caller's policy
(``settle``). The accumulator ``summary`` stays the rules' own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from eligate.normalizer import (
    PROPOSABLE_REASONS,
    Benefit,
    EligibilityResult,
    Proposal,
    ProposalBatch,
    ProposalRun,
    Proposer,
    Reason,
    Unmapped,
    Validation,
    coverage_status,
    normalize,
    proposal_items,
)
from eligate.validators._claims import check_claims
from eligate.validators._gate import index_segments, validate_result, verdict_of
from eligate.validators._grounding import check_benefit, number
from eligate.validators._rules import check_benefit_fields, check_codes
from eligate.x12 import Segment


@dataclass(frozen=True, slots=True)
class _Judged:
    proposal: Proposal
    rejects: list[Reason]


def propose_and_gate(
    data: bytes | str, *, proposer: Proposer | None = None, settle: bool = False
) -> list[EligibilityResult]:
    """Normalize ``data`` by the rules, let ``proposer`` propose, gate everything.

    Without a proposer (or with the rules proposer) this is ``gate(normalize(data), data)``.
    A proposer that fails leaves the rules' result with a ``model_unavailable`` review note.
    ``settle``: see :func:`apply_proposals`; off by default, so a model's reading is
    added but still confirmed by a human.

    Raises:
        X12InputError: the input is not a usable 271 (the proposer is never asked).
    """
    results = normalize(data)
    segments = index_segments(data)
    batch = ProposalBatch(proposals=(), run=None)
    if proposer is not None:
        try:
            batch = proposer.propose(results, segments)
        except Exception as error:  # a proposer never fails the request
            batch = ProposalBatch(
                proposals=(),
                run=ProposalRun(
                    outcome="model_unavailable",
                    prompt_version="unknown",
                    model="unknown",
                    tokens=0,
                    latency_ms=0,
                    accepted=0,
                    rejected=0,
                    detail=f"error_{type(error).__name__}",
                ),
            )
    return [apply_proposals(result, batch, segments, settle=settle) for result in results]


async def propose_and_gate_async(
    data: bytes | str, *, proposer: Proposer | None = None, settle: bool = False
) -> list[EligibilityResult]:
    """:func:`propose_and_gate` in a worker thread, for an event loop (the API).

    The model call blocks for at most the proposer's deadline; its concurrency
    limit and breaker are shared by every thread, so a dead endpoint costs nothing.
    """
    return await asyncio.to_thread(propose_and_gate, data, proposer=proposer, settle=settle)


def apply_proposals(
    result: EligibilityResult,
    batch: ProposalBatch,
    segments: Mapping[int, Segment],
    *,
    settle: bool = False,
) -> EligibilityResult:
    """``result`` with the proposals for its unmapped items judged, applied and gated.

    With ``settle`` an item all of whose proposals the gate accepted leaves
    ``unmapped`` (the result may then be accepted); without it the item stays,
    its message pointing at the accepted benefits, so a human confirms them.
    """
    offered = {item.segment.index for item in proposal_items([result], segments)}
    asked = {
        item.segment_index: item
        for item in result.unmapped
        if item.reason in PROPOSABLE_REASONS and item.segment_index in offered
    }
    if batch.run is None or not asked:
        return _gated(result, segments, note=None)
    mine = [p for p in batch.proposals if p.segment_index in asked]
    judged = [
        _judge(p, len(result.benefits) + n, result, asked[p.segment_index], segments)
        for n, p in enumerate(mine)
    ]
    judged = _disagreements(judged)
    known = {benefit_fact(b) for b in result.benefits}
    added: list[Benefit] = []
    rejected: list[Unmapped] = []
    settled: dict[int, bool] = {}
    placed: dict[int, list[int]] = {}
    for verdict in judged:
        index = verdict.proposal.segment_index
        item = asked[index]
        if verdict.rejects:
            why = "; ".join(f"{r.code}: {r.message}" for r in verdict.rejects)
            rejected.append(
                Unmapped(
                    reason="proposal_rejected",
                    message=f"a model proposal was rejected: {why}",
                    segment_index=index,
                    raw=item.raw,
                    loop=item.loop,
                    benefit_index=item.benefit_index,
                )
            )
            settled[index] = False
            continue
        settled.setdefault(index, True)
        fact = benefit_fact(verdict.proposal.benefit)
        if fact not in known:
            known.add(fact)
            added.append(verdict.proposal.benefit)
            placed.setdefault(index, []).append(len(result.benefits) + len(added) - 1)
    unmapped = []
    for item in result.unmapped:
        if not (item.reason in PROPOSABLE_REASONS and settled.get(item.segment_index)):
            unmapped.append(item)
        elif not settle:
            unmapped.append(_pending(item, placed.get(item.segment_index, [])))
    unmapped.extend(rejected)
    unmapped.sort(key=lambda item: item.segment_index)
    benefits = [*result.benefits, *added]
    run = batch.run.model_copy(
        update={"accepted": len(judged) - len(rejected), "rejected": len(rejected)}
    )
    updated = result.model_copy(
        update={
            "benefits": benefits,
            "unmapped": unmapped,
            "coverage_status": coverage_status(benefits, result.errors),
            "proposals": run,
        }
    )
    note = None
    if run.outcome != "proposed":
        note = Reason(
            severity="review",
            code=run.outcome,
            field="proposals",
            message=f"the model was not usable ({run.detail}); the rules' result stands",
        )
    return _gated(updated, segments, note=note)


def _disagreements(judged: list[_Judged]) -> list[_Judged]:
    """Accepted proposals that give one benefit two different values are all rejected."""
    values: dict[Hashable, set[Hashable]] = {}
    for verdict in judged:
        if not verdict.rejects:
            benefit = verdict.proposal.benefit
            value = (number(benefit.amount), number(benefit.percent), number(benefit.quantity))
            values.setdefault(_role(benefit), set()).add(value)
    split = {role for role, seen in values.items() if len(seen) > 1}
    if not split:
        return judged
    reason = Reason(
        severity="reject",
        code="proposals_disagree",
        field=None,
        message="the model gave this benefit more than one value",
    )
    return [
        _Judged(v.proposal, [reason]) if not v.rejects and _role(v.proposal.benefit) in split else v
        for v in judged
    ]


def _role(benefit: Benefit) -> Hashable:
    return (
        benefit.code,
        benefit.coverage_level_code,
        tuple(sorted(benefit.service_type_codes)),
        benefit.insurance_type_code,
        benefit.time_qualifier_code,
        benefit.in_plan_network_code,
    )


def _conflicts(benefit: Benefit, index: int, result: EligibilityResult) -> list[Reason]:
    """A reading may add to the payer's coded benefits, never contradict one."""
    role = _role(benefit)
    found: list[Reason] = []
    for position, sent in enumerate(result.benefits):
        if sent.source != "rules" or _role(sent) != role:
            continue
        for field in ("amount", "percent"):
            mine, theirs = number(getattr(benefit, field)), number(getattr(sent, field))
            if mine is not None and theirs is not None and mine != theirs:
                found.append(
                    Reason(
                        severity="reject",
                        code="conflicts_with_payer_code",
                        field=f"benefits[{index}].{field}",
                        message=f"benefits[{position}] (an EB) says {getattr(sent, field)} "
                        "for the same benefit",
                    )
                )
    return found


def _pending(item: Unmapped, placed: list[int]) -> Unmapped:
    """The item, still for review, saying where the model's accepted reading went."""
    where = ", ".join(f"benefits[{n}]" for n in placed)
    said = where or "a repeat of the rules' own benefits"
    message = f"{item.message}; the model's reading, accepted by the gate, is {said}: confirm"
    return item.model_copy(update={"message": message})


def _judge(
    proposal: Proposal,
    index: int,
    result: EligibilityResult,
    item: Unmapped,
    segments: Mapping[int, Segment],
) -> _Judged:
    benefit = proposal.benefit
    owner = (
        result.benefits[item.benefit_index]
        if item.benefit_index is not None and item.benefit_index < len(result.benefits)
        else None
    )
    reasons = [
        *check_benefit(benefit, index, segments),
        *check_codes(benefit, index),
        *check_benefit_fields(benefit, index),
        *check_claims(benefit, index, segments[proposal.segment_index], owner),
    ]
    reasons.extend(_conflicts(benefit, index, result))
    if benefit.source != "llm":
        reasons.append(
            Reason(
                severity="reject",
                code="proposal_source",
                field=f"benefits[{index}].source",
                message="a proposal must say it came from the model",
            )
        )
    return _Judged(proposal, [r for r in reasons if r.severity != "info"])


def _gated(
    result: EligibilityResult, segments: Mapping[int, Segment], *, note: Reason | None
) -> EligibilityResult:
    validation = validate_result(result, segments)
    if note is not None:
        reasons = [*validation.reasons, note]
        validation = Validation(verdict=verdict_of(reasons), reasons=reasons)
    return result.model_copy(update={"validation": validation})


def benefit_fact(benefit: Benefit) -> Hashable:
    """What a benefit says, whoever said it: equal facts are one benefit."""
    return (
        benefit.code,
        benefit.coverage_level_code,
        tuple(benefit.service_type_codes),
        benefit.insurance_type_code,
        benefit.time_qualifier_code,
        number(benefit.amount),
        number(benefit.percent),
        benefit.quantity_qualifier_code,
        number(benefit.quantity),
        benefit.auth_required,
        benefit.in_plan_network_code,
    )
