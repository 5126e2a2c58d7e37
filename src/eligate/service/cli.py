"""The ``eligate`` command line.

Bad input is one line on stderr (``eligate: error[CODE]: FILE: message``) and exit
status 2; never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import TypeAdapter, ValidationError

from eligate.evals import load_gold, render, rules_proposer, run
from eligate.normalizer import EligibilityResult, normalize
from eligate.service._cli_input import InputFileError, read_input
from eligate.validators import gate, index_segments, schema_reasons, validate_result
from eligate.x12 import X12InputError

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 70

app = typer.Typer(
    name="eligate",
    help="US healthcare eligibility: normalize X12 271 responses into typed, validated results.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

_RESULTS = TypeAdapter(list[EligibilityResult])


@app.command("normalize")
def normalize_command(
    files: Annotated[
        list[str], typer.Argument(help="271 files to normalize; '-' reads standard input.")
    ],
) -> None:
    """Normalize 271 files by the rules, run the gate, and print a JSON array of results.

    Results of the files that could be read are printed even when another file
    could not; the exit status is then 2.
    """
    results: list[EligibilityResult] = []
    problems: list[InputFileError] = []
    for name in files:
        try:
            data = read_input(name)
            results.extend(gate(normalize(data), data))
        except InputFileError as unusable:
            problems.append(unusable)
        except X12InputError as error:
            problems.append(InputFileError(error.code, name, str(error)))
    sys.stdout.write(_RESULTS.dump_json(results, indent=2).decode())
    sys.stdout.write("\n")
    for problem in problems:
        typer.echo(problem.line(), err=True)
    if problems:
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command("validate")
def validate_command(
    results_file: Annotated[
        str, typer.Argument(metavar="RESULTS.json", help="A JSON array of results ('-' = stdin).")
    ],
    x12: Annotated[str, typer.Option("--x12", help="The raw 271 the results claim to come from.")],
) -> None:
    """Run the gate on results given as JSON against the raw 271 and print the verdicts.

    Exit status: 0 when every result is accepted, 1 when any is not, 2 on unusable input.
    """
    try:
        document = json.loads(read_input(results_file))
        raw = read_input(x12)
        segments = index_segments(raw)
    except InputFileError as unusable:
        _fail(unusable)
    except json.JSONDecodeError as error:
        _fail(
            InputFileError(
                "not_json", results_file, f"not JSON: {error.msg} at line {error.lineno}"
            )
        )
    except X12InputError as error:
        _fail(InputFileError(error.code, x12, str(error)))
    if not isinstance(document, list):
        _fail(InputFileError("not_a_result_list", results_file, "expected a JSON array of results"))
    verdicts: list[dict[str, object]] = []
    for position, item in enumerate(document):
        problems = schema_reasons(item)
        if problems:
            verdicts.append(
                {
                    "index": position,
                    "verdict": "rejected",
                    "reasons": [r.model_dump() for r in problems],
                }
            )
            continue
        try:
            result = EligibilityResult.model_validate(item)
        except ValidationError as error:
            reasons = [
                {"severity": "reject", "code": "schema_violation", "field": None,
                 "message": f"{error.error_count()} field(s) do not fit the result model"}
            ]  # fmt: skip
            verdicts.append({"index": position, "verdict": "rejected", "reasons": reasons})
            continue
        validation = validate_result(result, segments)
        verdicts.append({"index": position, **validation.model_dump()})
    sys.stdout.write(json.dumps(verdicts, indent=2) + "\n")
    if any(v["verdict"] != "accepted" for v in verdicts):
        raise typer.Exit(1)


_GOLD = Path(__file__).resolve().parent.parent / "evals" / "gold"


@app.command("eval")
def eval_command(  # noqa: PLR0917 - typer passes options by name
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
    """Measure a proposer plus the gate on the gold sets; print a table, write a JSON report."""
    if proposer not in ("rules", "llm"):
        _fail(InputFileError("unknown_proposer", proposer, "the proposers are rules and llm"))
    try:
        cases = load_gold(gold)
    except ValueError as error:
        _fail(InputFileError("bad_gold_case", str(gold), str(error)))
    if not cases:
        _fail(InputFileError("no_gold_cases", str(gold), "no *.jsonl gold cases found"))
    if proposer == "llm":
        try:
            outcome = _cli_llm.llm_eval(cases, corpus=corpus, project=Path.cwd())
        except _cli_llm.LLMSetupError as error:
            _fail(error)
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


def _fail(problem: InputFileError) -> NoReturn:
    typer.echo(problem.line(), err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


@app.callback()
def _root() -> None:
    """US healthcare eligibility: X12 271 normalization, validation and real-time checks."""


# Command groups of the other areas register after the app and its commands exist.
from eligate.service import (  # noqa: E402
    _cli_audit,
    _cli_batch,
    _cli_llm,
    _cli_service,
    _cli_simulate,
)

for _area in (_cli_llm, _cli_service, _cli_audit, _cli_simulate, _cli_batch):
    _area.register(app)


def main() -> None:
    """Console entry point: run the app; an unexpected failure is one line, not a traceback."""
    try:
        app()
    except Exception as error:
        typer.echo(f"eligate: error[internal_error]: {type(error).__name__}: {error}", err=True)
        sys.exit(EXIT_INTERNAL)
