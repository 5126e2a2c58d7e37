"""Run a proposer (plus the gate) over gold cases and report the figures."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from eligate.evals._cases import GoldCase
from eligate.evals._evaluators import EVALUATORS, Metric, Outcome, compare
from eligate.normalizer import EligibilityResult, normalize
from eligate.normalizer import Proposer as ModelProposer
from eligate.validators import gate, propose_and_gate
from eligate.x12 import X12InputError

PROJECT_ROOT = Path(__file__).resolve().parents[3]
"""The checkout eligate runs from (``src/eligate/evals`` -> repository root).

``project:`` cases resolve here, whatever the working directory is."""
DEFAULT_CORPUS = PROJECT_ROOT.parent / "shared" / "corpus" / "x12" / "real"
"""``../shared/corpus/x12/real`` next to the checkout, as CI and the worktrees lay it out."""

Proposer = Callable[[bytes], list[EligibilityResult]]
"""Raw 271 in, gated results out."""


def rules_proposer(data: bytes) -> list[EligibilityResult]:
    """The rules alone, then the gate."""
    return gate(normalize(data), data)


def gated(proposer: ModelProposer, *, settle: bool = False) -> Proposer:
    """The rules, ``proposer``'s proposals for what they left, then the gate."""

    def run_one(data: bytes) -> list[EligibilityResult]:
        return propose_and_gate(data, proposer=proposer, settle=settle)

    return run_one


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
    done: dict[Path, tuple[list[EligibilityResult], float]] = {}
    for case in cases:
        path = resolve_input(case, corpus=corpus, project=project)
        if path is None:
            skipped.append(case.id)
            continue
        if path not in done:  # a batch file's transactions are cases of their own
            data = path.read_bytes()
            started = time.perf_counter()
            try:
                produced = proposer(data)
            except X12InputError:
                produced = []
            done[path] = (produced, time.perf_counter() - started)
        results, latency = done[path]
        if case.transaction is not None:
            results = [
                r for r in results if r.envelope.transaction_control_number == case.transaction
            ]
        runs = [r.proposals for r in results if r.proposals is not None]
        outcome = compare(
            case, results, latency_seconds=latency, tokens=runs[0].tokens if runs else 0
        )
        if runs:
            outcome = dataclasses.replace(
                outcome,
                proposals_accepted=sum(run.accepted for run in runs),
                proposals_rejected=sum(run.rejected for run in runs),
                model_outcome=runs[0].outcome,
            )
        outcomes.append(outcome)
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


def render_cases(baseline: Report, candidate: Report) -> str:
    """Per case: the baseline's and the candidate's facts right, accepted, tokens and latency."""
    before = {o.case.id: o for o in baseline.outcomes}
    header = (
        f"{'case':<44}{'base ok/acc':>12}{'cand ok/acc':>12}{'prop +/-':>10}"
        f"{'tokens':>8}{'ms':>7}{'false acc':>10}  model"
    )
    rows = [f"per case: {baseline.proposer} (base) vs {candidate.proposer} (cand)", header]
    rows.append("-" * len(header))
    for outcome in candidate.outcomes:
        base = before.get(outcome.case.id)
        base_text = f"{base.correct}/{base.accepted}" if base else "-"
        rows.append(
            f"{outcome.case.id[:43]:<44}{base_text:>12}"
            f"{f'{outcome.correct}/{outcome.accepted}':>12}"
            f"{f'{outcome.proposals_accepted}/{outcome.proposals_rejected}':>10}"
            f"{outcome.tokens:>8}{1000 * outcome.latency_seconds:>7.0f}"
            f"{outcome.wrong_accepted:>10}  {outcome.model_outcome or '-'}"
        )
    return "\n".join(rows)
