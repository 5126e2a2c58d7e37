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
            help="gold: the 271 gold sets; triage: the exception list "
            "(options --train-nights, --test-nights, --seed, --drift-runs, --scale, --models)."
        ),
    ] = "gold",
    proposer: Annotated[
        str, typer.Option(help="Which proposer to measure: rules, or llm (ELIGATE_LLM_*).")
    ] = "rules",
    gold: Annotated[Path, typer.Option(help="Folder of gold *.jsonl files.")] = _GOLD,
    corpus: Annotated[
        Path, typer.Option(help="The real-world corpus the corpus: cases read.")
    ] = Path("../shared/corpus/x12/real"),
    report: Annotated[Path | None, typer.Option(help="Write the JSON report here.")] = None,
    min_precision: Annotated[float, typer.Option(help="Exit 1 below this precision.")] = 1.0,
    max_false_accepts: Annotated[int, typer.Option(help="Exit 1 above this count.")] = 0,
) -> None:
    """Measure a proposer plus the gate on the gold sets; print a table, write a JSON report.

    ``eligate eval triage`` measures the exception list instead (see :mod:`eligate.cli._triage`).
    """
    from eligate.cli import _llm, _triage

    if suite == "triage":
        _triage.eval_main(ctx.args, report=report)
        return
    if suite != "gold" or ctx.args:
        what = suite if suite != "gold" else " ".join(ctx.args)
        fail(InputFileError("unknown_eval", what, "the suites are gold and triage"))
    from eligate.evals import load_gold, render, rules_proposer, run

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
            outcome = _llm.llm_eval(cases, corpus=corpus, project=Path.cwd())
        except _llm.LLMSetupError as error:
            fail(error)
    else:
        outcome = run(
            cases,
            proposer_name=proposer,
            proposer=rules_proposer,
            corpus=corpus,
            project=Path.cwd(),
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
    if figures["all.precision"] < min_precision or figures["false_accepts"] > max_false_accepts:
        typer.echo(
            f"eligate: eval failed: precision {figures['all.precision']:.4f} "
            f"(min {min_precision}), false accepts {figures['false_accepts']:.0f} "
            f"(max {max_false_accepts})",
            err=True,
        )
        raise typer.Exit(1)
