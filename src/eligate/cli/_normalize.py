"""``eligate normalize`` and ``eligate validate``: the rules and the gate, no I/O beyond files.

Each command imports what it needs when it runs (the rules, the gate): nothing of
the service, the store, the cache, HTTP clients or the model stack.
"""

from __future__ import annotations

import gc
import json
import sys
from enum import StrEnum
from typing import Annotated

import typer

from eligate.cli._input import InputFileError, fail, read_input

EXIT_BAD_INPUT = 2
_GC_YOUNG = 50_000


def register(app: typer.Typer) -> None:
    """Add ``normalize`` and ``validate`` to ``app``."""
    app.command("normalize")(normalize_command)
    app.command("validate")(validate_command)


class OutputFormat(StrEnum):
    """What ``normalize`` prints."""

    json = "json"
    fhir = "fhir"


def normalize_command(
    files: Annotated[
        list[str], typer.Argument(help="271 files to normalize; '-' reads standard input.")
    ],
    output_format: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            help="json: one array of results; fhir: one FHIR R4 Bundle per file, one per line.",
        ),
    ] = OutputFormat.json,
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help="One compact JSON result per line, not an array.")
    ] = False,
) -> None:
    """Normalize 271 files by the rules, run the gate, and print a JSON array of results.

    Results are written as each transaction set is read, so a big batch file
    runs in flat memory. With ``--format fhir`` each file gives one FHIR R4
    Bundle (canonical JSON, one per line). Results of the files that could be
    read are printed even when another file could not (and those of a file cut
    short, up to where it is cut); the exit status is then 2.
    """
    from pydantic import TypeAdapter

    from eligate.normalizer import EligibilityResult
    from eligate.validators import iter_normalize_and_gate
    from eligate.x12 import X12InputError

    _tune_collector()
    problems: list[InputFileError] = []
    if output_format is OutputFormat.fhir:
        from eligate.fhir import FhirError, render_bundle  # FHIR loads only when asked for

        for name in files:
            try:
                data = read_input(name)
                gated = list(iter_normalize_and_gate(data))
                text = render_bundle(gated)
            except InputFileError as unusable:
                problems.append(unusable)
                continue
            except X12InputError as error:
                problems.append(InputFileError(error.code, name, str(error)))
                continue
            except FhirError as error:  # a Bundle the R4B models refuse: say so, go on
                problems.append(InputFileError(error.code, name, str(error)))
                continue
            sys.stdout.write(text)
            sys.stdout.write("\n")
        sys.stdout.flush()
    else:
        adapter = TypeAdapter(EligibilityResult)
        out = sys.stdout.buffer
        written = 0
        for name in files:
            try:
                data = read_input(name)
                for result in iter_normalize_and_gate(data):
                    if jsonl:
                        out.write(adapter.dump_json(result) + b"\n")
                    else:
                        # The items of a two-space indented array, as one dump of the list writes.
                        body = adapter.dump_json(result, indent=2).replace(b"\n", b"\n  ")
                        out.write((b",\n  " if written else b"[\n  ") + body)
                    written += 1
            except InputFileError as unusable:
                problems.append(unusable)
            except X12InputError as error:
                problems.append(InputFileError(error.code, name, str(error)))
        if not jsonl:
            out.write(b"\n]\n" if written else b"[]\n")
        out.flush()
    for problem in problems:
        typer.echo(problem.line(), err=True)
    if problems:
        raise typer.Exit(EXIT_BAD_INPUT)


def _tune_collector() -> None:
    """Collect young objects less often: a result is thousands of short-lived objects.

    The cyclic collector otherwise runs every 700 allocations over them; the loop
    tree's parent links are the only cycles, freed once per transaction set.
    """
    gc.freeze()
    gc.set_threshold(_GC_YOUNG, 20, 100)


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
