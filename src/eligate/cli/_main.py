"""The ``eligate`` command line.

Bad input is one line on stderr (``eligate: error[CODE]: FILE: message``) and exit
status 2; never a traceback. Each command's module imports only typer and the
standard library at start-up; a command imports what it needs when it runs, so
``eligate normalize`` loads neither the service, the store nor the model stack.
"""

from __future__ import annotations

import sys

import typer

from eligate.cli import (
    _audit,
    _batch,
    _eval,
    _llm,
    _normalize,
    _onboard,
    _service,
    _simulate,
    _triage,
    _webhooks,
)

EXIT_INTERNAL = 70

app = typer.Typer(
    name="eligate",
    help="US healthcare eligibility: normalize X12 271 responses into typed, validated results.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,  # plain click help: rich's formatter alone costs ~0.6 s to import
)


@app.callback()
def _root() -> None:
    """US healthcare eligibility: X12 271 normalization, validation and real-time checks."""


for _area in (
    _normalize,
    _eval,
    _llm,
    _service,
    _audit,
    _simulate,
    _batch,
    _triage,
    _onboard,
    _webhooks,
):
    _area.register(app)


def main() -> None:
    """Console entry point: run the app; an unexpected failure is one line, not a traceback."""
    try:
        app()
    except Exception as error:
        typer.echo(f"eligate: error[internal_error]: {type(error).__name__}: {error}", err=True)
        sys.exit(EXIT_INTERNAL)
