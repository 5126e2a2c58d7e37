"""``eligate webhooks dlq|replay``: the dead-letter queue from the command line.

``dlq`` prints the dead deliveries as JSON lines (no payloads: ids, types, codes);
``replay ID`` puts one back in line. Bad input: one line on stderr, exit 2.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from eligate.eligibility import SqlAuditStore
    from eligate.service import Settings
    from eligate.webhooks import DeliveryPublic, WebhookStore

EXIT_BAD_INPUT = 2

webhooks_app = typer.Typer(
    help="Webhook deliveries: the dead-letter queue and replay.", no_args_is_help=True
)


def _fail(code: str, message: str) -> NoReturn:
    typer.echo(f"eligate: error[{code}]: {message}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _settings() -> Settings:
    from eligate.service import ServiceError, load_settings

    try:
        return load_settings()
    except ServiceError as error:
        _fail(error.code, error.message)


async def _open(settings: Settings) -> tuple[SqlAuditStore, WebhookStore]:
    from eligate.eligibility import KeyRing, SqlAuditStore
    from eligate.webhooks import WebhookStore

    keys = KeyRing.parse(settings.encryption_keys())
    audit = SqlAuditStore.from_url(settings.database_url, keys=keys)
    await audit.migrate()
    return audit, WebhookStore(audit.engine, keys=keys)


async def _dead(settings: Settings, limit: int) -> list[DeliveryPublic]:
    audit, store = await _open(settings)
    try:
        return await store.deliveries(state="dead", limit=limit)
    finally:
        await audit.close()


async def _replay(settings: Settings, delivery_id: int) -> DeliveryPublic:
    from eligate.webhooks import WebhookUsageError

    audit, store = await _open(settings)
    try:
        return await store.replay(delivery_id)
    except WebhookUsageError as error:
        _fail(error.code, str(error))
    finally:
        await audit.close()


@webhooks_app.command("dlq")
def dlq_command(
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Most deliveries listed.")] = 100,
) -> None:
    """List dead-lettered deliveries (newest first), one JSON object a line."""
    for delivery in asyncio.run(_dead(_settings(), limit)):
        typer.echo(delivery.model_dump_json())


@webhooks_app.command("replay")
def replay_command(
    delivery_id: Annotated[int, typer.Argument(help="The dead delivery's id.")],
) -> None:
    """Put a dead-lettered delivery back in line, due now."""
    replayed = asyncio.run(_replay(_settings(), delivery_id))
    typer.echo(replayed.model_dump_json())


def register(app: typer.Typer) -> None:
    """Add ``webhooks dlq`` and ``webhooks replay`` to ``app``."""
    app.add_typer(webhooks_app, name="webhooks")
