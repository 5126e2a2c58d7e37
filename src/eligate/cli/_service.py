"""``eligate serve`` and ``eligate check``: the service and one inquiry from the shell.

Both get their eligibility core from a :data:`~eligate.service.CoreFactory`:
:func:`~eligate.service.build_core` (the composition root) unless a test passes
another. The service (FastAPI, SQLAlchemy, Redis) loads when a command runs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import secrets
import sys
import uuid
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    from eligate.eligibility import EligibilityOutcome
    from eligate.service import CoreFactory, InquiryCreate, Settings

EXIT_NOT_COVERED = 1
EXIT_BAD_INPUT = 2
EXIT_COULD_NOT_VERIFY = 3
_EXIT_BY_COVERAGE = {"covered": 0, "not_covered": EXIT_NOT_COVERED}


class _CommandError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _fail(code: str, message: str) -> NoReturn:
    typer.echo(f"eligate: error[{code}]: {message}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _settings(**overrides: Any) -> Settings:
    from eligate.service import ServiceError, load_settings

    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except ServiceError as error:
        _fail(error.code, error.message)


async def _serve(settings: Settings, factory: CoreFactory) -> None:
    from eligate.service import ComposedCore, build_batch, build_server, build_webhooks

    core = await factory(settings)
    # The night run (/v1/batches) and the webhooks ride on the composed core; a test's has none.
    webhooks = build_webhooks(settings, core) if isinstance(core, ComposedCore) else None
    batches = (
        await build_batch(settings, core, webhooks=webhooks)
        if isinstance(core, ComposedCore)
        else None
    )
    server = build_server(
        settings, core, batches=batches, webhooks=webhooks.state if webhooks else None
    )
    gc.freeze()  # start-up objects leave the collector's sight: shorter full-GC pauses
    try:
        await server.serve()
    finally:
        if webhooks is not None:
            await webhooks.close()


async def _check(
    settings: Settings, factory: CoreFactory, inquiry: InquiryCreate
) -> EligibilityOutcome:
    from eligate.service import INQUIRY_ERRORS

    core = await factory(settings)
    try:
        if inquiry.payer_id not in {payer.payer_id for payer in core.payers()}:
            raise _CommandError("unknown_payer", f"no payer {inquiry.payer_id!r} in the registry")
        asked = inquiry.to_request(correlation_id=uuid.uuid4().hex, today=dt.date.today())
        try:
            return await core.check(asked)
        except INQUIRY_ERRORS as error:
            raise _CommandError("invalid_inquiry", str(error)) from None
    finally:
        await core.close()


def _inquiry(fields: dict[str, Any]) -> InquiryCreate:
    from pydantic import ValidationError

    from eligate.service import InquiryCreate

    try:
        return InquiryCreate.model_validate(fields)
    except ValidationError as error:
        first = error.errors(include_input=False, include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        _fail("invalid_request", f"{where}: {message}")


def register(app: typer.Typer, *, core_factory: CoreFactory | None = None) -> None:
    """Add ``serve`` and ``check`` to ``app``; ``core_factory`` defaults to :func:`build_core`."""

    def factory() -> CoreFactory:
        if core_factory is not None:
            return core_factory
        from eligate.service import build_core

        return build_core

    @app.command("serve")
    def serve_command(
        host: Annotated[str | None, typer.Option(help="Interface to bind (ELIGATE_HOST).")] = None,
        port: Annotated[int | None, typer.Option(help="Port to bind (ELIGATE_PORT).")] = None,
    ) -> None:
        """Run the HTTP API (settings from ELIGATE_* variables; embedded defaults otherwise)."""
        from eligate.codes import EligateError
        from eligate.service import configure_logging

        settings = _settings(host=host, port=port)
        configure_logging(level=settings.log_level)
        try:
            asyncio.run(_serve(settings, factory()))
        except EligateError as error:
            _fail(error.code, str(error))

    @app.command("api-key")
    def api_key_command(
        name: Annotated[str, typer.Option(help="The client's name (logs, rate limits).")],
        scope: Annotated[
            list[str], typer.Option(help="normalize, eligibility or admin; repeat for more.")
        ],
    ) -> None:
        """Make a new API key: the key (give it to the client) and its ELIGATE_API_KEYS entry."""
        from pydantic import ValidationError

        from eligate.service import SCOPES, ApiKey, hash_api_key

        key = secrets.token_urlsafe(32)
        try:
            entry = ApiKey.model_validate(
                {"name": name, "scopes": scope, "sha256": hash_api_key(key)}
            )
        except ValidationError:
            _fail(
                "invalid_api_key_spec",
                f"name is 1-64 of A-Za-z0-9._- and each scope one of {', '.join(SCOPES)}",
            )
        scopes = ",".join(sorted(entry.scopes))
        sys.stdout.write(f"key: {key}\nELIGATE_API_KEYS entry: {name}:{scopes}:{entry.sha256}\n")

    @app.command("check")
    def check_command(  # noqa: PLR0917 - typer passes options by name
        payer: Annotated[str, typer.Option(help="The payer's registry id.")],
        member: Annotated[str, typer.Option(help="The subscriber's member ID.")],
        last_name: Annotated[str, typer.Option(help="The subscriber's last name.")],
        first_name: Annotated[str | None, typer.Option(help="The subscriber's first name.")] = None,
        dob: Annotated[str | None, typer.Option(help="Birth date, YYYY-MM-DD.")] = None,
        service_type: Annotated[
            list[str] | None, typer.Option(help="X12 service type code; repeat for more.")
        ] = None,
        date: Annotated[str | None, typer.Option(help="Date of service (today).")] = None,
        context: Annotated[str, typer.Option(help="realtime or batch.")] = "realtime",
        dependent_last_name: Annotated[
            str | None, typer.Option(help="The patient's last name, when not the subscriber.")
        ] = None,
        dependent_first_name: Annotated[
            str | None, typer.Option(help="The dependent's first name.")
        ] = None,
        dependent_dob: Annotated[
            str | None, typer.Option(help="The dependent's birth date, YYYY-MM-DD.")
        ] = None,
    ) -> None:
        """Run one inquiry through the core and print the outcome as JSON.

        Exit status: 0 covered, 1 not covered (the payer says the plan is inactive),
        2 bad input, 3 could not verify (no answer, a payer error such as member not
        found, or a result that needs review).
        """
        from eligate.codes import EligateError
        from eligate.service import EligibilityPublic, configure_logging

        settings = _settings()
        configure_logging(level="warning")
        fields: dict[str, Any] = {
            "payer_id": payer,
            "subscriber": {
                "member_id": member,
                "last_name": last_name,
                "first_name": first_name,
                "birth_date": dob,
            },
            "service_type_codes": service_type or ["30"],
            "date_of_service": date,
            "context": context,
        }
        if dependent_last_name or dependent_first_name or dependent_dob:
            fields["dependent"] = {
                "last_name": dependent_last_name,
                "first_name": dependent_first_name,
                "birth_date": dependent_dob,
            }
        inquiry = _inquiry(fields)
        try:
            outcome = asyncio.run(_check(settings, factory(), inquiry))
        except EligateError as error:
            _fail(error.code, str(error))
        except _CommandError as error:
            _fail(error.code, error.message)
        public = EligibilityPublic.from_outcome(outcome)
        sys.stdout.write(public.model_dump_json(indent=2) + "\n")
        code = _EXIT_BY_COVERAGE.get(public.coverage, EXIT_COULD_NOT_VERIFY)
        if code:
            raise typer.Exit(code)
