"""The model side of the command line: ``propose``, ``summarize``, ``eval --proposer llm``.

The endpoint comes from ``ELIGATE_LLM_*`` variables (see :class:`LLMConfig`); without
``ELIGATE_LLM_BASE_URL`` and ``ELIGATE_LLM_MODEL`` nothing is sent anywhere.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from eligate.cli._input import InputFileError, read_inputs

if TYPE_CHECKING:
    from eligate.evals import GoldCase, Report
    from eligate.normalizer import EligibilityResult, LLMProposer

EXIT_BAD_INPUT = 2


class LLMSetupError(InputFileError):
    """The model settings are missing or unusable: one line naming the setting, with a code."""

    def __init__(self, code: str, setting: str, message: str) -> None:
        super().__init__(code, setting, message)
        self.setting = setting


def proposer_from_settings() -> LLMProposer | None:
    """An LLM proposer from the one :class:`~eligate.service.Settings` (``ELIGATE_LLM_*``).

    ``None`` when no endpoint is configured. Model events then go to stderr as JSON
    lines, never into the JSON the command prints.

    Raises:
        LLMSetupError: a setting is unusable (one line naming it).
    """
    from eligate.normalizer import LLMProposer
    from eligate.service import SettingsError, configure_logging, load_settings

    try:
        config = load_settings().llm_config()
    except SettingsError as error:
        setting, _, detail = error.message.partition(": ")
        code = "llm_config_invalid" if setting.startswith("ELIGATE_LLM_") else error.code
        raise LLMSetupError(code, setting, detail) from None
    if config is None:
        return None
    configure_logging(level="warning")
    return LLMProposer(config)


def llm_eval(cases: Sequence[GoldCase], *, corpus: Path, project: Path) -> Report:
    """Rules baseline and rules + configured model on the same cases; print both and per case.

    Raises:
        LLMSetupError: no model endpoint is configured, or its settings are unusable.
    """
    from eligate.evals import gated, render, render_cases, rules_proposer, run

    proposer = proposer_from_settings()
    if proposer is None:
        raise LLMSetupError(
            "llm_not_configured",
            "ELIGATE_LLM_BASE_URL",
            "set ELIGATE_LLM_BASE_URL and ELIGATE_LLM_MODEL to measure a model",
        )
    settle = proposer.config.settle
    name = f"llm:{proposer.config.model}{'+settle' if settle else ''}"
    baseline = run(
        cases, proposer_name="rules", proposer=rules_proposer, corpus=corpus, project=project
    )
    try:
        candidate = run(
            cases,
            proposer_name=name,
            proposer=gated(proposer, settle=settle),
            corpus=corpus,
            project=project,
        )
    finally:
        proposer.close()
    typer.echo(render(baseline))
    typer.echo("")
    typer.echo(render(candidate))
    typer.echo("")
    typer.echo(render_cases(baseline, candidate))
    tokens = sum(o.tokens for o in candidate.outcomes)
    outcomes = [o.model_outcome for o in candidate.outcomes if o.model_outcome]
    typer.echo(
        f"model calls {len(outcomes)}, unavailable {outcomes.count('model_unavailable')}, "
        f"budget spent {outcomes.count('budget_spent')}, tokens {tokens}, "
        f"proposals accepted {sum(o.proposals_accepted for o in candidate.outcomes)}, "
        f"rejected {sum(o.proposals_rejected for o in candidate.outcomes)}"
    )
    return candidate


def register(app: typer.Typer) -> None:
    """Add ``eligate propose`` and ``eligate summarize`` to ``app``."""

    @app.command("summarize")
    def summarize_command(
        files: Annotated[list[str], typer.Argument(help="271 files; '-' reads standard input.")],
    ) -> None:
        """Front-desk summaries, one per result: the template, or the model's checked wording.

        With ELIGATE_LLM_* set, the model also proposes for what the rules left, and
        rewords the template; a wording with a number or claim not in the result is
        refused and the template printed instead (``refused`` says why).
        """
        from eligate.normalizer import LLMSummaryWriter
        from eligate.validators import front_desk_summary, propose_and_gate
        from eligate.x12 import X12InputError

        try:
            proposer = proposer_from_settings()
        except LLMSetupError as error:
            typer.echo(error.line(), err=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        writer = LLMSummaryWriter(proposer.config, client=proposer.client) if proposer else None
        settle = proposer is not None and proposer.config.settle
        problems: list[str] = []
        summaries: list[dict[str, object]] = []
        try:
            for name, data in read_inputs(files, problems):
                try:
                    results = propose_and_gate(data, proposer=proposer, settle=settle)
                except X12InputError as error:
                    problems.append(f"eligate: error[{error.code}]: {name}: {error}")
                    continue
                for number, result in enumerate(results):
                    summary = front_desk_summary(result, writer=writer)
                    summaries.append({"file": name, "result": number, **summary.model_dump()})
        finally:
            if proposer is not None:
                proposer.close()
        sys.stdout.write(json.dumps(summaries, indent=2) + "\n")
        for problem in problems:
            typer.echo(problem, err=True)
        if problems:
            raise typer.Exit(EXIT_BAD_INPUT)

    @app.command("propose")
    def propose_command(
        files: Annotated[list[str], typer.Argument(help="271 files; '-' reads standard input.")],
    ) -> None:
        """Normalize by the rules, let the configured model propose for what they left, gate all.

        Without ELIGATE_LLM_BASE_URL / ELIGATE_LLM_MODEL this is ``eligate normalize``.
        A model failure never fails the command: the rules' result is printed with a note.
        """
        from pydantic import TypeAdapter

        from eligate.normalizer import EligibilityResult
        from eligate.validators import propose_and_gate
        from eligate.x12 import X12InputError

        try:
            proposer = proposer_from_settings()
        except LLMSetupError as error:
            typer.echo(error.line(), err=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        settle = proposer is not None and proposer.config.settle
        results: list[EligibilityResult] = []
        problems: list[str] = []
        try:
            for name, data in read_inputs(files, problems):
                try:
                    results.extend(propose_and_gate(data, proposer=proposer, settle=settle))
                except X12InputError as error:
                    problems.append(f"eligate: error[{error.code}]: {name}: {error}")
        finally:
            if proposer is not None:
                proposer.close()
        sys.stdout.write(
            TypeAdapter(list[EligibilityResult]).dump_json(results, indent=2).decode() + "\n"
        )
        for problem in problems:
            typer.echo(problem, err=True)
        if problems:
            raise typer.Exit(EXIT_BAD_INPUT)
