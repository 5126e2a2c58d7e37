"""Pair deductible and out-of-pocket benefits into accumulators.

Benefits pair when they share coverage level, service types, insurance type,
plan coverage and network indicator. EB06 says which role an amount plays: a
period total (the limit), ``29`` remaining, ``24`` year to date. Lifetime
amounts (``32``/``33``) pair only with each other. An amount with no EB06 is not
paired, and a role sent twice with different amounts (tiers told apart only by
MSG text) leaves its whole group unpaired: the rules do not guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Literal

from eligate.normalizer._models import Accumulator, Benefit, Provenance, Summary

_KINDS: dict[str, Literal["deductible", "out_of_pocket"]] = {
    "C": "deductible",
    "G": "out_of_pocket",
}
_PERIOD_LIMITS = frozenset({"6", "7", "21", "22", "23", "25", "26", "27", "34", "35", "36"})
_Key = tuple[str, str | None, tuple[str, ...], str | None, str | None, str | None, bool]


def summarize(benefits: Sequence[Benefit]) -> Summary:
    """Build the accumulator summary of one patient's benefits."""
    groups: dict[_Key, list[Benefit]] = {}
    for benefit in benefits:
        kind = _KINDS.get(benefit.code)
        period = benefit.time_qualifier_code
        if kind is None or benefit.amount is None or period is None:
            continue
        lifetime = period in ("32", "33")
        if not (lifetime or period in _PERIOD_LIMITS or period in ("24", "29")):
            continue
        key: _Key = (
            kind,
            benefit.coverage_level_code,
            tuple(sorted(benefit.service_type_codes)),
            benefit.insurance_type_code,
            benefit.plan_coverage,
            benefit.in_plan_network_code,
            lifetime,
        )
        groups.setdefault(key, []).append(benefit)
    deductible: list[Accumulator] = []
    out_of_pocket: list[Accumulator] = []
    for key, members in groups.items():
        accumulator = _pair(key, members)
        if accumulator is not None:
            (deductible if accumulator.kind == "deductible" else out_of_pocket).append(accumulator)
    return Summary(deductible=deductible, out_of_pocket=out_of_pocket)


def _pair(key: _Key, members: list[Benefit]) -> Accumulator | None:
    limits = [b for b in members if b.time_qualifier_code not in ("24", "29", "33")]
    remaining = [b for b in members if b.time_qualifier_code in ("29", "33")]
    met = [b for b in members if b.time_qualifier_code == "24"]
    if any(_ambiguous(role) for role in (limits, remaining, met)):
        # Two tiers told apart only by free text: pairing any of their amounts
        # would pick one tier silently, so the whole group is left unpaired.
        return None
    roles = [_single(limits), _single(remaining), _single(met)]
    if all(role is None for role in roles):
        return None
    limit_benefit, remaining_benefit, met_benefit = roles
    used = [b for b in roles if b is not None]
    limit = limit_benefit.amount if limit_benefit else None
    left = remaining_benefit.amount if remaining_benefit else None
    met_amount = met_benefit.amount if met_benefit else None
    derived = False
    if met_amount is None and limit is not None and left is not None:
        met_amount = str(Decimal(limit) - Decimal(left))
        derived = True
    first = used[0]
    return Accumulator(
        kind=key[0],
        coverage_level_code=first.coverage_level_code,
        coverage_level=first.coverage_level,
        in_plan_network_code=first.in_plan_network_code,
        in_network=first.in_network,
        service_type_codes=first.service_type_codes,
        insurance_type_code=first.insurance_type_code,
        plan_coverage=first.plan_coverage,
        period_code=limit_benefit.time_qualifier_code if limit_benefit else None,
        period=limit_benefit.time_qualifier if limit_benefit else None,
        limit=limit,
        remaining=left,
        met=met_amount,
        met_derived=derived,
        provenance=Provenance(
            segments=[b.provenance.segments[0] for b in used],
            raw=[b.provenance.raw[0] for b in used],
        ),
    )


def _ambiguous(benefits: list[Benefit]) -> bool:
    """One role sent more than once with different amounts."""
    return len({Decimal(b.amount) for b in benefits if b.amount is not None}) > 1


def _single(benefits: list[Benefit]) -> Benefit | None:
    """The one benefit playing a role; ``None`` when absent or sent with different amounts."""
    if not benefits:
        return None
    amounts = {Decimal(b.amount) for b in benefits if b.amount is not None}
    return benefits[0] if len(amounts) == 1 else None
