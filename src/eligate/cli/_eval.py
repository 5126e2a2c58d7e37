"""``eligate eval``: a proposer plus the gate measured on the gold sets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from eligate.cli._input import InputFileError, fail

_GOLD = Path(__file__).resolve().parent.parent / "evals" / "gold"


def register(app: typer.Typer) -> None:
    """Add ``eval`` to ``app``."""
    app.command(
        "eval", context_settings={"allow_extra_args": True, "ignore_unknown_options": True}
    )(eval_command)


def eval_command(  # noqa: PLR0917 - typer passes options by name
    ctx: typer.Context,
    suite: Annotated[
        str,
        typer.Argument(
            help="gold (or normalize): the 271 gold sets; onboarding: companion guides with truth "
            "files; triage: the exception list "
            "(options --train-nights, --test-nights, --seed, --drift-runs, --scale, --models)."
        ),
    ] = "gold",
    proposer: Annotated[
        str, typer.Option(help="Which proposer to measure: rules, or llm (ELIGATE_LLM_*).")
    ] = "rules",
    gold: Annotated[Path, typer.Option(help="Folder of gold *.jsonl files.")] = _GOLD,
    corpus: Annotated[
        Path | None,
        typer.Option(
            help="The real-world corpus the corpus: cases read "
            "(default: ../shared/corpus/x12/real next to the checkout)."
        ),
    ] = None,
    report: Annotated[Path | None, typer.Option(help="Write the JSON report here.")] = None,
    min_precision: Annotated[float, typer.Option(help="Exit 1 below this precision.")] = 1.0,
    max_false_accepts: Annotated[int, typer.Option(help="Exit 1 above this count.")] = 0,
) -> None:
    """Measure a proposer plus the gate on the gold sets; print a table, write a JSON report.

    ``eligate eval triage`` measures the exception list instead (see :mod:`eligate.cli._triage`);
    ``eligate eval onboarding`` measures onboarding: per field precision, recall, share cited
    and false accepts, rules alone and with a scripted model.
    """
    from eligate.cli import _llm, _triage

    if suite == "triage":
        _triage.eval_main(ctx.args, report=report)
        return
    if suite == "onboarding" and not ctx.args:
        _onboarding_eval(report, max_false_accepts)
        return
    if suite not in ("gold", "normalize") or ctx.args:
        what = " ".join(ctx.args) if suite in ("gold", "normalize") else suite
        fail(InputFileError("unknown_eval", what, "the suites are gold, triage and onboarding"))
    from eligate.evals import DEFAULT_CORPUS, PROJECT_ROOT, load_gold, render, rules_proposer, run

    corpus = corpus or DEFAULT_CORPUS

    if proposer not in ("rules", "llm"):
        fail(InputFileError("unknown_proposer", proposer, "the proposers are rules and llm"))
    try:
        cases = load_gold(gold)
    except ValueError as error:
        fail(InputFileError("bad_gold_case", str(gold), str(error)))
    if not cases:
        fail(InputFileError("no_gold_cases", str(gold), "no *.jsonl gold cases found"))
    if proposer == "llm":
        try:
            outcome = _llm.llm_eval(cases, corpus=corpus, project=PROJECT_ROOT)
        except _llm.LLMSetupError as error:
            fail(error)
    else:
        outcome = run(
            cases,
            proposer_name=proposer,
            proposer=rules_proposer,
            corpus=corpus,
            project=PROJECT_ROOT,
        )
        typer.echo(render(outcome))
    figures = {m.name: m.value for m in outcome.overall}
    if report is not None:
        report.write_text(
            json.dumps(
                {
                    "proposer": outcome.proposer,
                    "cases": outcome.cases,
                    "skipped": outcome.skipped,
                    "overall": {
                        m.name: {"value": m.value, "detail": m.detail} for m in outcome.overall
                    },
                    "by_tag": {
                        tag: {m.name: m.value for m in metrics}
                        for tag, metrics in outcome.by_tag.items()
                    },
                },
                indent=2,
            )
            + "\n"
        )
    if outcome.cases == 0:
        typer.echo(
            f"eligate: eval failed: no case was evaluated ({len(outcome.skipped)} skipped: "
            "inputs not found); a gated run must measure something",
            err=True,
        )
        raise typer.Exit(1)
    if figures["all.precision"] < min_precision or figures["false_accepts"] > max_false_accepts:
        typer.echo(
            f"eligate: eval failed: precision {figures['all.precision']:.4f} "
            f"(min {min_precision}), false accepts {figures['false_accepts']:.0f} "
            f"(max {max_false_accepts})",
            err=True,
        )
        raise typer.Exit(1)


_GUIDES = Path("tests/fixtures/guides")


def _onboarding_eval(report: Path | None, max_false_accepts: int) -> None:
    """Rules alone, then rules with a scripted model, over every guide with a truth file."""
    from eligate.onboarding import evaluate, load_truths
    from eligate.onboarding import render as render_onboarding

    truths = load_truths(_GUIDES)
    if not truths:
        fail(InputFileError("no_guides", str(_GUIDES), "no *.truth.yaml guides found"))
    runs = [evaluate(truths, with_model=False), evaluate(truths, with_model=True)]
    for outcome in runs:
        typer.echo(render_onboarding(outcome))
    if report is not None:
        report.write_text(json.dumps(runs, indent=2) + "\n", encoding="utf-8")
    false_accepts = max(outcome["overall"]["false_accepts"] for outcome in runs)
    if false_accepts > max_false_accepts:
        typer.echo(
            f"eligate: eval failed: onboarding false accepts {false_accepts} "
            f"(max {max_false_accepts})",
            err=True,
        )
        raise typer.Exit(1)
