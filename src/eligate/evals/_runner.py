"""Run a proposer (plus the gate) over gold cases and report the figures."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from eligate.evals._cases import GoldCase
from eligate.evals._evaluators import EVALUATORS, Metric, Outcome, compare
from eligate.normalizer import EligibilityResult, normalize
from eligate.validators import gate
from eligate.x12 import X12InputError

Proposer = Callable[[bytes], list[EligibilityResult]]
"""Raw 271 in, gated results out."""


def rules_proposer(data: bytes) -> list[EligibilityResult]:
    """The rules alone, then the gate."""
    return gate(normalize(data), data)


@dataclass(frozen=True, slots=True)
class Report:
    """Figures overall and per tag value, plus the cases that could not run."""

    proposer: str
    cases: int
    skipped: list[str]
    overall: list[Metric]
    by_tag: dict[str, list[Metric]]
    outcomes: list[Outcome]


def resolve_input(case: GoldCase, *, corpus: Path, project: Path) -> Path | None:
    """The file a case names, or ``None`` when it is in a corpus that is not here."""
    scheme, _, name = case.input.partition(":")
    folder = corpus if scheme == "corpus" else project
    path = folder / name
    return path if path.is_file() else None


def run(
    cases: Sequence[GoldCase],
    *,
    proposer_name: str,
    proposer: Proposer,
    corpus: Path,
    project: Path,
) -> Report:
    """Run every case whose input is present; figures per tag value as well."""
    outcomes: list[Outcome] = []
    skipped: list[str] = []
    for case in cases:
        path = resolve_input(case, corpus=corpus, project=project)
        if path is None:
            skipped.append(case.id)
            continue
        data = path.read_bytes()
        started = time.perf_counter()
        try:
            results = proposer(data)
        except X12InputError:
            results = []
        outcomes.append(compare(case, results, latency_seconds=time.perf_counter() - started))
    by_tag: dict[str, list[Metric]] = {}
    values = sorted({f"{k}={v}" for o in outcomes for k, v in o.case.tags.items()})
    for value in values:
        key, _, wanted = value.partition("=")
        subset = [o for o in outcomes if o.case.tags.get(key) == wanted]
        by_tag[value] = _evaluate(subset)
    return Report(
        proposer=proposer_name,
        cases=len(outcomes),
        skipped=skipped,
        overall=_evaluate(outcomes),
        by_tag=by_tag,
        outcomes=outcomes,
    )


def _evaluate(outcomes: Sequence[Outcome]) -> list[Metric]:
    return [metric for evaluator in EVALUATORS for metric in evaluator(outcomes)]


HEADLINE = (
    "all.precision",
    "all.recall",
    "all.f1",
    "record_exact_match",
    "coverage",
    "false_accepts",
    "false_reject_rate",
    "unmapped_per_result",
    "latency_p50_ms",
)


def render(report: Report) -> str:
    """A plain-text table: one row overall, one per tag value."""
    header = f"{'proposer / tag':<34}{'cases':>6}" + "".join(f"{h:>20}" for h in HEADLINE)
    rows = [header, "-" * len(header)]

    def row(label: str, metrics: list[Metric], count: int) -> str:
        found = {m.name: m.value for m in metrics}
        return f"{label:<34}{count:>6}" + "".join(
            f"{found.get(h, float('nan')):>20.4f}" for h in HEADLINE
        )

    rows.append(row(report.proposer, report.overall, report.cases))
    for tag, metrics in report.by_tag.items():
        key, _, wanted = tag.partition("=")
        count = sum(1 for o in report.outcomes if o.case.tags.get(key) == wanted)
        rows.append(row(f"  {tag}", metrics, count))
    fa = next(m for m in report.overall if m.name == "false_accept_rate")
    rows.append(f"false-accept rate {fa.value:.4f} {fa.detail}".rstrip())
    if report.skipped:
        rows.append(f"skipped {len(report.skipped)} case(s): input not present (corpus absent?)")
    return "\n".join(rows)
