"""``eligate normalize`` and ``eligate validate``: the rules and the gate, no I/O beyond files.

Each command imports what it needs when it runs (the rules, the gate): nothing of
the service, the store, the cache, HTTP clients or the model stack.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from eligate.cli._input import InputFileError, fail, read_input

EXIT_BAD_INPUT = 2


def register(app: typer.Typer) -> None:
    """Add ``normalize`` and ``validate`` to ``app``."""
    app.command("normalize")(normalize_command)
    app.command("validate")(validate_command)


def normalize_command(
    files: Annotated[
        list[str], typer.Argument(help="271 files to normalize; '-' reads standard input.")
    ],
) -> None:
    """Normalize 271 files by the rules, run the gate, and print a JSON array of results.

    Results of the files that could be read are printed even when another file
    could not; the exit status is then 2.
    """
    from pydantic import TypeAdapter

    from eligate.normalizer import EligibilityResult, normalize
    from eligate.validators import gate
    from eligate.x12 import X12InputError

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
    sys.stdout.write(TypeAdapter(list[EligibilityResult]).dump_json(results, indent=2).decode())
    sys.stdout.write("\n")
    for problem in problems:
        typer.echo(problem.line(), err=True)
    if problems:
        raise typer.Exit(EXIT_BAD_INPUT)


def validate_command(
    results_file: Annotated[
        str, typer.Argument(metavar="RESULTS.json", help="A JSON array of results ('-' = stdin).")
    ],
    x12: Annotated[str, typer.Option("--x12", help="The raw 271 the results claim to come from.")],
) -> None:
    """Run the gate on results given as JSON against the raw 271 and print the verdicts.

    Exit status: 0 when every result is accepted, 1 when any is not, 2 on unusable input.
    """
    from pydantic import ValidationError

    from eligate.normalizer import EligibilityResult
    from eligate.validators import index_segments, schema_reasons, validate_result
    from eligate.x12 import X12InputError

    try:
        document = json.loads(read_input(results_file))
        raw = read_input(x12)
        segments = index_segments(raw)
    except InputFileError as unusable:
        fail(unusable)
    except json.JSONDecodeError as error:
        fail(
            InputFileError(
                "not_json", results_file, f"not JSON: {error.msg} at line {error.lineno}"
            )
        )
    except X12InputError as error:
        fail(InputFileError(error.code, x12, str(error)))
    if not isinstance(document, list):
        fail(InputFileError("not_a_result_list", results_file, "expected a JSON array of results"))
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
