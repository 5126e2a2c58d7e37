"""Evaluators: small typed classes that turn case outcomes into figures.

An outcome compares one case's results with its gold facts. Field facts are
sets of hashable tuples, so precision and recall are plain set arithmetic.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Protocol

from eligate.evals._cases import BenefitFact, ExpectedResult, GoldCase
from eligate.normalizer import Benefit, EligibilityResult

FIELDS = (
    "member_id",
    "coverage_status",
    "partial_coverage",
    "error_codes",
    "actions",
    "benefit_codes",
    "benefit_amounts",
    "benefit_count",
    "benefit_at",
    "benefits",
    "summary",
)


def _amount(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return str(Decimal(text).normalize())
    except InvalidOperation:
        return text


def benefit_fact(benefit: Benefit) -> BenefitFact:
    """The gold tuple of a produced benefit."""
    return (
        benefit.code,
        benefit.coverage_level_code,
        "^".join(benefit.service_type_codes),
        benefit.time_qualifier_code,
        _amount(benefit.amount),
        _amount(benefit.percent),
        benefit.in_plan_network_code,
    )


def _facts(index: int, name: str, result: EligibilityResult) -> Counter[tuple[object, ...]]:
    if name == "member_id":
        return Counter([(index, result.member_id)])
    if name == "coverage_status":
        return Counter([(index, result.coverage_status)])
    if name == "partial_coverage":
        return Counter([(index, result.partial_coverage)])
    if name == "error_codes":
        return Counter([(index, tuple(e.code for e in result.errors))])
    if name == "actions":
        return Counter([(index, tuple(e.action for e in result.errors))])
    if name == "benefit_codes":
        return Counter([(index, tuple(b.code for b in result.benefits))])
    if name == "benefit_amounts":
        return Counter([(index, tuple(_amount(b.amount) for b in result.benefits))])
    if name == "benefit_count":
        return Counter([(index, len(result.benefits))])
    if name == "benefit_at":
        return Counter(
            (index, position, key, value)
            for position, benefit in enumerate(result.benefits)
            for key, value in _spot_facts(benefit).items()
        )
    if name == "benefits":
        return Counter((index, *benefit_fact(b)) for b in result.benefits)
    entries = [*result.summary.deductible, *result.summary.out_of_pocket]
    return Counter(
        (index, a.kind, a.coverage_level_code, a.in_plan_network_code, _amount(a.limit),
         _amount(a.remaining), _amount(a.met))
        for a in entries
    )  # fmt: skip


_AMOUNTS = frozenset({"amount", "percent"})
SPOT_FIELDS = frozenset({"benefit_at"})
"""Fields scored only on the facts a source asserts (other facts are not counted)."""


def _spot(key: str, value: str | bool | None) -> str | bool | None:
    return _amount(value) if isinstance(value, str) and key in _AMOUNTS else value


def _spot_facts(benefit: Benefit) -> dict[str, str | bool | None]:
    return {
        "code": benefit.code,
        "coverage_level_code": benefit.coverage_level_code,
        "service_type_codes": "^".join(benefit.service_type_codes),
        "insurance_type_code": benefit.insurance_type_code,
        "plan_coverage": benefit.plan_coverage,
        "time_qualifier_code": benefit.time_qualifier_code,
        "amount": _amount(benefit.amount),
        "percent": _amount(benefit.percent),
        "in_network": benefit.in_plan_network_code == "Y",
        "messages": " | ".join(benefit.messages),
    }


def _expected(
    index: int, name: str, expected: ExpectedResult
) -> Counter[tuple[object, ...]] | None:
    if name == "member_id":
        return Counter([(index, expected.member_id)])
    if name == "coverage_status":
        return Counter([(index, expected.coverage_status)])
    if name == "partial_coverage":
        if expected.partial_coverage is None:
            return None
        return Counter([(index, expected.partial_coverage)])
    if name == "error_codes":
        return Counter([(index, tuple(expected.error_codes))])
    if name == "actions":
        if expected.actions is None:
            return None
        return Counter([(index, tuple(expected.actions))])
    if name == "benefit_codes":
        if expected.benefit_codes is None:
            return None
        return Counter([(index, tuple(expected.benefit_codes))])
    if name == "benefit_amounts":
        if expected.benefit_amounts is None:
            return None
        return Counter([(index, tuple(_amount(a) for a in expected.benefit_amounts))])
    if name == "benefit_count":
        if expected.benefit_count is None:
            return None
        return Counter([(index, expected.benefit_count)])
    if name == "benefit_at":
        if expected.benefit_at is None:
            return None
        return Counter(
            (
                index,
                position,
                key,
                _amount(value) if isinstance(value, str) and key in _AMOUNTS else value,
            )
            for position, facts in expected.benefit_at.items()
            for key, value in facts.items()
        )
    if name == "benefits":
        if expected.benefits is None:
            return None
        return Counter(
            (index, b[0], b[1], b[2], b[3], _amount(b[4]), _amount(b[5]), b[6])
            for b in expected.benefits
        )
    if expected.summary is None:
        return None
    return Counter(
        (index, s[0], s[1], s[2], _amount(s[3]), _amount(s[4]), _amount(s[5]))
        for s in expected.summary
    )


@dataclass(frozen=True, slots=True)
class FieldCount:
    """True positives, false positives and false negatives of one field in one case."""

    tp: int
    fp: int
    fn: int


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one case went."""

    case: GoldCase
    produced: int
    counts: dict[str, FieldCount]
    accepted: int
    """Results the gate accepted."""
    wrong_accepted: int
    """Accepted results with any labelled fact wrong (or any result of a must-not-accept case)."""
    correct: int
    """Results with every labelled fact right."""
    correct_not_accepted: int
    unmapped: int
    latency_seconds: float
    tokens: int = 0
    error: str | None = None
    """The refusal code when the proposer refused the input."""
    proposals_accepted: int = 0
    """Model proposals the gate accepted, over the case's results."""
    proposals_rejected: int = 0
    """Model proposals the gate rejected, over the case's results."""
    model_outcome: str | None = None
    """``proposed``, ``model_unavailable`` or ``budget_spent`` when a model was asked."""


def compare(
    case: GoldCase,
    results: Sequence[EligibilityResult],
    *,
    latency_seconds: float,
    tokens: int = 0,
) -> Outcome:
    """Compare ``results`` with the case's gold facts."""
    counts: dict[str, FieldCount] = {}
    right = [True] * len(results)
    for name in FIELDS:
        tp = fp = fn = 0
        for index in range(max(len(results), len(case.expected))):
            expected = (
                _expected(index, name, case.expected[index])
                if index < len(case.expected)
                else Counter()
            )
            if expected is None:
                continue
            got = _facts(index, name, results[index]) if index < len(results) else Counter()
            if name in SPOT_FIELDS:  # a spot check scores the asserted facts only
                asked = {fact[:3] for fact in expected}
                got = Counter({fact: n for fact, n in got.items() if fact[:3] in asked})
            hits = sum((got & expected).values())
            tp, fp, fn = (
                tp + hits,
                fp + sum(got.values()) - hits,
                fn + sum(expected.values()) - hits,
            )
            if index < len(results) and got != expected:
                right[index] = False
        counts[name] = FieldCount(tp, fp, fn)
    if len(results) != len(case.expected):
        right = [False] * len(results)
    accepted = [r.validation is not None and r.validation.verdict == "accepted" for r in results]
    wrong_accepted = sum(
        1
        for ok, acc in zip(right, accepted, strict=True)
        if acc and (not ok or case.must_not_accept)
    )
    return Outcome(
        case=case,
        produced=len(results),
        counts=counts,
        accepted=sum(accepted),
        wrong_accepted=wrong_accepted,
        correct=sum(right),
        correct_not_accepted=0
        if case.must_not_accept
        else sum(1 for ok, acc in zip(right, accepted, strict=True) if ok and not acc),
        unmapped=sum(len(r.unmapped) for r in results),
        latency_seconds=latency_seconds,
        tokens=tokens,
    )


@dataclass(frozen=True, slots=True)
class Metric:
    """One figure with how it was computed."""

    name: str
    value: float
    detail: str = ""


class Evaluator(Protocol):
    """Turns the outcomes of a set of cases into figures."""

    def __call__(self, outcomes: Sequence[Outcome]) -> list[Metric]: ...


@dataclass(frozen=True, slots=True)
class FieldScores:
    """Precision, recall and F1 per field, micro-averaged over cases."""

    fields: Sequence[str] = field(default=FIELDS)

    def __call__(self, outcomes: Sequence[Outcome]) -> list[Metric]:
        """Per-field and overall precision / recall / F1."""
        metrics: list[Metric] = []
        total = FieldCount(0, 0, 0)
        for name in self.fields:
            tp = sum(o.counts[name].tp for o in outcomes if name in o.counts)
            fp = sum(o.counts[name].fp for o in outcomes if name in o.counts)
            fn = sum(o.counts[name].fn for o in outcomes if name in o.counts)
            total = FieldCount(total.tp + tp, total.fp + fp, total.fn + fn)
            metrics.extend(_prf(name, FieldCount(tp, fp, fn)))
        metrics[:0] = _prf("all", total)
        return metrics


def _prf(name: str, count: FieldCount) -> list[Metric]:
    precision = count.tp / (count.tp + count.fp) if count.tp + count.fp else 1.0
    recall = count.tp / (count.tp + count.fn) if count.tp + count.fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    detail = f"tp={count.tp} fp={count.fp} fn={count.fn}"
    return [
        Metric(f"{name}.precision", precision, detail),
        Metric(f"{name}.recall", recall, detail),
        Metric(f"{name}.f1", f1, detail),
    ]


class Gate:
    """Exact match, coverage, false accepts (with the rule-of-three bound), false rejects."""

    def __call__(self, outcomes: Sequence[Outcome]) -> list[Metric]:
        """Figures about what the gate let through."""
        results = sum(o.produced for o in outcomes)
        accepted = sum(o.accepted for o in outcomes)
        wrong = sum(o.wrong_accepted for o in outcomes)
        correct = sum(o.correct for o in outcomes)
        rejected_right = sum(o.correct_not_accepted for o in outcomes)
        exact = sum(1 for o in outcomes if o.produced == len(o.case.expected) == o.correct)
        # Every result the gate judged was a chance to accept a wrong answer (an
        # adversarial case's results are wrong by construction), so the rate and
        # its rule-of-three bound are over every result, not only the accepted ones.
        rate = wrong / results if results else 0.0
        bound = 3 / results if results and wrong == 0 else math.nan
        bound_text = (
            f"95% upper bound {bound:.4f} (rule of three over {results} results judged)"
            if not math.isnan(bound)
            else ""
        )
        return [
            Metric("record_exact_match", exact / len(outcomes) if outcomes else 1.0,
                   f"{exact}/{len(outcomes)} cases"),
            Metric("coverage", accepted / results if results else 0.0,
                   f"{accepted}/{results} accepted"),
            Metric("false_accepts", float(wrong), f"{wrong} accepted but wrong"),
            Metric("false_accept_rate", rate, bound_text),
            Metric("false_accept_bound", bound, f"3 / {results} results judged, when none"),
            Metric("false_reject_rate", rejected_right / correct if correct else 0.0,
                   f"{rejected_right}/{correct} right but not accepted"),
        ]  # fmt: skip


class Cost:
    """Unmapped rate, tokens and latency per case."""

    def __call__(self, outcomes: Sequence[Outcome]) -> list[Metric]:
        """Figures about what the rules left and what the proposer spent."""
        results = sum(o.produced for o in outcomes) or 1
        latencies = sorted(o.latency_seconds for o in outcomes) or [0.0]
        return [
            Metric("unmapped_per_result", sum(o.unmapped for o in outcomes) / results),
            Metric("tokens_per_case", sum(o.tokens for o in outcomes) / max(len(outcomes), 1)),
            Metric("latency_p50_ms", 1000 * latencies[len(latencies) // 2]),
            Metric("latency_max_ms", 1000 * latencies[-1]),
        ]


EVALUATORS: tuple[Evaluator, ...] = (FieldScores(), Gate(), Cost())
