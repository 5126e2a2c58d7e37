"""Measuring the list: kind accuracy, precision at 20, calibration, recheck coverage, per kind.

"Needs a person" is the label: still a problem at appointment time (or a kind
a recheck cannot settle). Precision at 20 is measured per night against two
baselines on the same exceptions: sorted by appointment time, and the rules
alone (each kind's fixed prior). Pure: cases in, figures out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from eligate.triage._kinds import SELF_RESOLVING, Kind
from eligate.triage._output import TriageItem
from eligate.triage._rank import RULE_SCORES

TOP = 20


@dataclass(frozen=True, slots=True)
class Expected:
    """What an exception really was: its kind, whether it needed a person, when it cleared."""

    kind: Kind
    needs_person: bool
    cleared_at: datetime | None = None
    """When a recheck first came back verified (exceptions that cleared by themselves)."""


@dataclass(frozen=True, slots=True)
class NightCase:
    """One night's ranked list (learned and rules alone) beside what really happened."""

    learned: list[TriageItem]
    rules: list[TriageItem]
    expected: dict[str, Expected]
    """Item id -> truth, for every exception of the night."""


@dataclass(slots=True)
class Report:
    """The figures of one evaluation, overall and per kind."""

    name: str
    items: int = 0
    nights: int = 0
    kind_accuracy: float = 0.0
    kind_accuracy_by_kind: dict[str, float] = field(default_factory=dict)
    missed: int = 0
    """Exceptions the list did not show (counted as wrong kinds)."""
    spurious: int = 0
    """Items the list showed that were no exception."""
    precision_at_20: dict[str, float] = field(default_factory=dict)
    """Method (``learned``, ``appointment_time``, ``rules_alone``) -> mean over nights."""
    precision_at_20_by_kind: dict[str, dict[str, float]] = field(default_factory=dict)
    brier: dict[str, float] = field(default_factory=dict)
    """Method -> Brier score of the scores against "needs a person"."""
    brier_by_kind: dict[str, float] = field(default_factory=dict)
    reliability: list[dict[str, float]] = field(default_factory=list)
    """Ten bins of the learned score: mean score, observed rate, count."""
    recheck_coverage: float | None = None
    """Share of exceptions that cleared by themselves whose recheck time came after they did."""
    recheck_coverage_by_kind: dict[str, float] = field(default_factory=dict)
    counts_by_kind: dict[str, int] = field(default_factory=dict)
    needs_person_rate_by_kind: dict[str, float] = field(default_factory=dict)


def evaluate(name: str, cases: Sequence[NightCase]) -> Report:
    """Every figure of :class:`Report` over ``cases``."""
    report = Report(name=name, nights=len(cases))
    right: dict[str, list[bool]] = defaultdict(list)
    scored: dict[str, list[tuple[float, float, bool]]] = defaultdict(list)  # learned, rules, y
    precision: dict[str, list[float]] = defaultdict(list)
    by_kind_precision: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    covered: dict[str, list[bool]] = defaultdict(list)
    for case in cases:
        shown = {item.item_id: item for item in case.learned}
        rules = {item.item_id: item for item in case.rules}
        for item_id, truth in case.expected.items():
            item = shown.get(item_id)
            right[truth.kind].append(item is not None and item.kind == truth.kind)
            if item is None:
                report.missed += 1
                continue
            rule_score = rules[item_id].score if item_id in rules else RULE_SCORES[item.kind]
            scored[truth.kind].append((item.score, rule_score, truth.needs_person))
            if truth.cleared_at is not None and item.recheck_at is not None:
                covered[truth.kind].append(item.recheck_at >= truth.cleared_at)
        report.spurious += sum(1 for item_id in shown if item_id not in case.expected)
        needs = {i: t.needs_person for i, t in case.expected.items()}
        orders = {
            "learned": case.learned,
            "rules_alone": case.rules,
            "appointment_time": sorted(case.learned, key=lambda i: i.appointment_at),
        }
        for method, order in orders.items():
            precision[method].append(_precision(order, needs))
            for kind in {i.kind for i in order}:
                within = [i for i in order if i.kind == kind]
                by_kind_precision[kind][method].append(_precision(within, needs))
    report.items = sum(len(v) for v in right.values())
    everything = [ok for values in right.values() for ok in values]
    report.kind_accuracy = _mean(everything)
    report.kind_accuracy_by_kind = {k: _mean(v) for k, v in sorted(right.items())}
    report.counts_by_kind = {k: len(v) for k, v in sorted(right.items())}
    report.precision_at_20 = {m: _mean(v) for m, v in precision.items()}
    report.precision_at_20_by_kind = {
        kind: {m: _mean(v) for m, v in methods.items()}
        for kind, methods in sorted(by_kind_precision.items())
    }
    flat = [row for rows in scored.values() for row in rows]
    if flat:
        learned, rule, observed = (
            np.array(column, dtype=np.float64) for column in zip(*flat, strict=True)
        )
        report.brier = {
            "learned": float(np.mean((learned - observed) ** 2)),
            "rules_alone": float(np.mean((rule - observed) ** 2)),
        }
        report.reliability = reliability(learned, observed)
    report.brier_by_kind = {
        kind: float(np.mean([(s - float(y)) ** 2 for s, _, y in rows]))
        for kind, rows in sorted(scored.items())
    }
    report.needs_person_rate_by_kind = {
        kind: _mean([y for _, _, y in rows]) for kind, rows in sorted(scored.items())
    }
    flat_covered = [ok for values in covered.values() for ok in values]
    report.recheck_coverage = _mean(flat_covered) if flat_covered else None
    report.recheck_coverage_by_kind = {
        k: _mean(v) for k, v in sorted(covered.items()) if k in SELF_RESOLVING
    }
    return report


def reliability(
    scores: NDArray[np.float64], truth: NDArray[np.float64], bins: int = 10
) -> list[dict[str, float]]:
    """Per bin of predicted probability: mean prediction, observed rate, count (empty bins out)."""
    rows: list[dict[str, float]] = []
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(scores, edges[1:-1]), 0, bins - 1)
    for index in range(bins):
        mask = which == index
        if mask.any():
            rows.append(
                {
                    "bin": float(edges[index]),
                    "mean_score": float(scores[mask].mean()),
                    "observed": float(truth[mask].mean()),
                    "count": float(mask.sum()),
                }
            )
    return rows


def _precision(order: Sequence[TriageItem], needs: dict[str, bool]) -> float:
    top = [item for item in order if item.item_id in needs][:TOP]
    return _mean([needs[item.item_id] for item in top]) if top else 0.0


def _mean(values: Sequence[bool] | Sequence[float]) -> float:
    return float(np.mean(np.asarray(values, dtype=float))) if len(values) else 0.0


def render_report(report: Report) -> str:
    """The report as a plain-text table for the terminal."""
    lines = [
        f"== {report.name}: {report.items} exceptions over {report.nights} night(s)",
        f"kind accuracy {report.kind_accuracy:.4f} (missed {report.missed}, "
        f"spurious {report.spurious})",
        "precision@20  "
        + "  ".join(f"{m} {v:.3f}" for m, v in sorted(report.precision_at_20.items())),
        "brier         " + "  ".join(f"{m} {v:.4f}" for m, v in sorted(report.brier.items())),
        "recheck coverage "
        + (f"{report.recheck_coverage:.3f}" if report.recheck_coverage is not None else "n/a"),
        "",
        f"{'kind':26} {'n':>5} {'acc':>6} {'need':>6} {'brier':>6} {'p@20 L/A/R':>17} "
        f"{'recheck':>7}",
    ]
    for kind, count in report.counts_by_kind.items():
        p = report.precision_at_20_by_kind.get(kind, {})
        cover = report.recheck_coverage_by_kind.get(kind)
        lines.append(
            f"{kind:26} {count:5d} {report.kind_accuracy_by_kind[kind]:6.3f} "
            f"{report.needs_person_rate_by_kind.get(kind, 0.0):6.3f} "
            f"{report.brier_by_kind.get(kind, 0.0):6.3f} "
            f"{p.get('learned', 0):5.2f}/{p.get('appointment_time', 0):5.2f}/"
            f"{p.get('rules_alone', 0):5.2f} "
            f"{'' if cover is None else f'{cover:7.3f}'}"
        )
    lines.append("")
    lines.append("reliability (learned): bin  mean_score  observed  count")
    for row in report.reliability:
        lines.append(
            f"  {row['bin']:.1f}  {row['mean_score']:.3f}  {row['observed']:.3f}  "
            f"{int(row['count'])}"
        )
    return "\n".join(lines)
