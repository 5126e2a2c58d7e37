"""``eligate onboard``: a companion guide PDF in, a draft payer file, its review and tests out.

``eligate onboard GUIDE.pdf --payer-id ID --out DIR`` writes ``DIR/ID.yaml``,
``DIR/ID.review.json`` and ``DIR/ID.tests/``; when ``DIR/ID.yaml`` exists already
(a newer guide version), it prints what changed against it before replacing it.
``eligate onboard verify DIR/ID.yaml`` runs the generated cases against the
simulator configured as that payer.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from eligate.cli._input import InputFileError, fail

if TYPE_CHECKING:
    from eligate.llm import ModelClient


def register(app: typer.Typer) -> None:
    """Add ``onboard`` to ``app``."""
    app.command("onboard")(onboard_command)


def onboard_command(
    target: Annotated[
        str,
        typer.Argument(
            metavar="GUIDE.pdf | verify",
            help="The companion guide PDF, or 'verify' followed by a drafted payer file.",
        ),
    ],
    payer_file: Annotated[
        Path | None, typer.Argument(metavar="[DIR/ID.yaml]", help="With verify: the payer file.")
    ] = None,
    payer_id: Annotated[
        str | None, typer.Option("--payer-id", help="Registry id of the payer (lower case).")
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for the draft.")] = Path("."),
    llm: Annotated[
        bool, typer.Option("--llm", help="Ask the model (ELIGATE_LLM_*) for what the rules left.")
    ] = False,
) -> None:
    """Draft a payer file from a companion guide, or verify a draft against the simulator.

    Exit status: 0 done (verify: every case passed), 1 a verify case failed, 2 bad input.
    """
    if target == "verify":
        if payer_file is None:
            fail(InputFileError("missing_argument", "verify", "name the payer file to verify"))
        _verify(payer_file)
        return
    if payer_id is None:
        fail(InputFileError("missing_option", target, "--payer-id is required"))
    _onboard(Path(target), payer_id, out, llm=llm)


def _onboard(guide: Path, payer_id: str, out: Path, *, llm: bool) -> None:
    from eligate.onboarding import (
        OnboardingError,
        changes,
        onboard,
        write_cases,
        write_outputs,
    )
    from eligate.payers import RegistryError, load_payer

    model = _model() if llm else None
    try:
        made = onboard(guide, payer_id, model=model)
    except OnboardingError as error:
        fail(InputFileError(error.code, str(guide), str(error).removeprefix(f"{guide}: ")))
    finally:
        if model is not None:
            model.close()
    existing = out / f"{payer_id}.yaml"
    if existing.is_file():
        try:
            before = load_payer(existing)
        except RegistryError as error:
            typer.echo(f"existing {existing} does not load ({error}); replacing it", err=True)
        else:
            found = changes(before, made.draft.config)
            typer.echo(f"changes against {existing}: {len(found) or 'none'}")
            for change in found:
                typer.echo(f"  {change.line()}")
    paths = write_outputs(made.draft, out)
    cases = write_cases(made.draft.config, out / f"{payer_id}.tests")
    summary = made.draft.review_document()["summary"]
    seconds = made.read_seconds + made.extract_seconds
    typer.echo(
        f"{guide.name}: {made.draft.pages} pages in {seconds:.2f} s"
        f" ({made.pages_per_second:.1f} pages/s); accepted {summary['accepted']}, needs_review "
        f"{summary['needs_review']}, rejected {summary['rejected']}, missing {summary['missing']}"
    )
    if made.model is not None:
        typer.echo(f"model: {made.model.outcome} ({len(made.model.findings)} proposals)")
    for path in paths:
        typer.echo(f"wrote {path}")
    typer.echo(f"wrote {len(cases)} cases in {out / f'{payer_id}.tests'}")


def _model() -> ModelClient:
    from eligate.llm import connect
    from eligate.service import SettingsError, configure_logging, load_settings

    try:
        config = load_settings().llm_config()
    except SettingsError as error:
        setting, _, detail = error.message.partition(": ")
        code = "llm_config_invalid" if setting.startswith("ELIGATE_LLM_") else error.code
        fail(InputFileError(code, setting, detail))
    configure_logging(level="warning")
    if config is None:
        fail(
            InputFileError(
                "llm_not_configured", "ELIGATE_LLM_BASE_URL", "--llm needs a model endpoint"
            )
        )
    return connect(config)


def _verify(payer_file: Path) -> None:
    import asyncio

    from eligate.cli._onboard_verify import load_cases, verify
    from eligate.payers import RegistryError, load_payer
    from eligate.service import configure_logging

    configure_logging(level="warning")

    try:
        config = load_payer(payer_file)
    except RegistryError as error:
        fail(InputFileError(error.code, str(payer_file), str(error)))
    folder = payer_file.with_suffix(".tests")
    cases = load_cases(folder) if folder.is_dir() else []
    if not cases:
        fail(InputFileError("no_cases", str(folder), "no generated cases (run eligate onboard)"))
    results = asyncio.run(verify(config, cases))
    for result in results:
        status = "PASS" if result.passed else "FAIL"
        detail = "" if result.passed else ": " + "; ".join(result.problems)
        typer.echo(f"{status} {result.name}{detail}")
    failed = sum(not result.passed for result in results)
    typer.echo(f"{len(results) - failed}/{len(results)} cases passed against the simulator")
    if failed:
        raise typer.Exit(1)
