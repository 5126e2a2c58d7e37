"""``eligate serve`` and ``eligate check``: the service and one inquiry from the shell.

Both get their eligibility core from a :data:`CoreFactory`: :func:`build_core`
(the composition root in ``_compose``) unless a test passes another.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import secrets
import sys
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from pydantic import ValidationError

from eligate.eligibility import EligibilityCore, EligibilityError, EligibilityOutcome
from eligate.service._models import EligibilityPublic, InquiryCreate
from eligate.service._settings import SCOPES, Settings, hash_api_key, load_settings
from eligate.service.errors import INQUIRY_ERRORS, ServiceError

if TYPE_CHECKING:
    import uvicorn

    from eligate.batch import BatchRuntime
    from eligate.normalizer import Proposer
    from eligate.service._idempotency import IdempotencyStore
    from eligate.service._ratelimit import RateLimiter

# The HTTP stack (fastapi, uvicorn, redis, structlog) is imported by the commands
# that need it, so `eligate normalize` starts as fast as before.

CoreFactory = Callable[[Settings], Awaitable[EligibilityCore]]
"""Builds the eligibility core from the settings, inside the event loop that will use it."""

EXIT_UNABLE_TO_VERIFY = 1
EXIT_BAD_INPUT = 2


async def build_core(settings: Settings) -> EligibilityCore:
    """The eligibility core ``serve`` and ``check`` run on (see :mod:`._compose`)."""
    from eligate.service._compose import build_core as compose  # noqa: PLC0415 - lazy: fast CLI

    return await compose(settings)


def build_idempotency(settings: Settings) -> IdempotencyStore:
    """Redis when ``redis_url`` is set (shared by replicas, bodies sealed), else in-process."""
    from eligate.service._idempotency import (  # noqa: PLC0415 - lazy: the CLI starts fast
        InMemoryIdempotencyStore,
        RedisIdempotencyStore,
        sealing_key,
    )

    if settings.redis_url:
        return RedisIdempotencyStore.from_url(
            settings.redis_url, seal_key=sealing_key(settings.primary_key())
        )
    return InMemoryIdempotencyStore()


def build_limiter(settings: Settings) -> RateLimiter:
    """Buckets in Redis when ``redis_url`` is set (one limit across replicas), else in-process."""
    from eligate.service._ratelimit import (  # noqa: PLC0415 - lazy: the CLI starts fast
        RedisTokenBucketLimiter,
        TokenBucketLimiter,
    )

    per_minute, burst = settings.rate_limit_per_minute, settings.rate_limit_burst
    if settings.redis_url:
        return RedisTokenBucketLimiter.from_url(
            settings.redis_url, per_minute=per_minute, burst=burst
        )
    return TokenBucketLimiter(per_minute=per_minute, burst=burst)


class _CommandError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _fail(code: str, message: str) -> NoReturn:
    typer.echo(f"eligate: error[{code}]: {message}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _settings(**overrides: Any) -> Settings:
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except ServiceError as error:
        _fail(error.code, error.message)


def build_proposer(settings: Settings) -> Proposer | None:
    """The model proposer when ``ELIGATE_LLM_BASE_URL`` and ``_MODEL`` are set, else None."""
    config = settings.llm_config()
    if config is None:
        return None
    from eligate.normalizer import LLMProposer  # noqa: PLC0415 - lazy: loads the model client

    return LLMProposer(config)


async def _batches(settings: Settings, core: EligibilityCore) -> BatchRuntime | None:
    """The night run over the composed core (``/v1/batches``); none for another core."""
    from eligate.service._compose import ComposedCore  # noqa: PLC0415 - lazy: fast CLI

    if not isinstance(core, ComposedCore):
        return None
    from eligate.service._compose_batch import build_batch  # noqa: PLC0415 - lazy: fast CLI

    return await build_batch(settings, core)


def build_server(
    settings: Settings, core: EligibilityCore, *, batches: BatchRuntime | None = None
) -> uvicorn.Server:
    """A uvicorn server for the app on ``core``, bound where the settings say."""
    import uvicorn  # noqa: PLC0415 - lazy: the CLI starts fast

    from eligate.service._app import create_app  # noqa: PLC0415 - lazy: the CLI starts fast

    app = create_app(
        settings,
        core=core,
        idempotency=build_idempotency(settings),
        limiter=build_limiter(settings),
        proposer=build_proposer(settings),
        batches=batches,
    )
    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, access_log=False, lifespan="on"
    )
    return uvicorn.Server(config)


async def _serve(settings: Settings, factory: CoreFactory) -> None:
    core = await factory(settings)
    server = build_server(settings, core, batches=await _batches(settings, core))
    gc.freeze()  # start-up objects leave the collector's sight: shorter full-GC pauses
    await server.serve()


async def _check(
    settings: Settings, factory: CoreFactory, inquiry: InquiryCreate
) -> EligibilityOutcome:
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
        return core_factory or build_core

    @app.command("serve")
    def serve_command(
        host: Annotated[str | None, typer.Option(help="Interface to bind (ELIGATE_HOST).")] = None,
        port: Annotated[int | None, typer.Option(help="Port to bind (ELIGATE_PORT).")] = None,
    ) -> None:
        """Run the HTTP API (settings from ELIGATE_* variables; embedded defaults otherwise)."""
        from eligate.service._logging import configure_logging  # noqa: PLC0415 - lazy: the CLI starts fast

        settings = _settings(host=host, port=port)
        configure_logging(level=settings.log_level)
        try:
            asyncio.run(_serve(settings, factory()))
        except EligibilityError as error:
            _fail(error.code, error.message)

    @app.command("api-key")
    def api_key_command(
        name: Annotated[str, typer.Option(help="The client's name (logs, rate limits).")],
        scope: Annotated[
            list[str], typer.Option(help="normalize, eligibility or admin; repeat for more.")
        ],
    ) -> None:
        """Make a new API key: the key (give it to the client) and its ELIGATE_API_KEYS entry."""
        from eligate.service._settings import ApiKey  # noqa: PLC0415 - lazy: the CLI starts fast

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

        Exit status: 0 verified, 1 unable to verify, 2 bad input.
        """
        from eligate.service._logging import configure_logging  # noqa: PLC0415 - lazy: the CLI starts fast

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
        except EligibilityError as error:
            _fail(error.code, error.message)
        except _CommandError as error:
            _fail(error.code, error.message)
        sys.stdout.write(EligibilityPublic.from_outcome(outcome).model_dump_json(indent=2) + "\n")
        if outcome.status != "verified":
            raise typer.Exit(EXIT_UNABLE_TO_VERIFY)
