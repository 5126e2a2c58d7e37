"""``eligate audit ...``: migrate the audit store and verify its hash chain.

``verify`` exits 0 when the chain is intact, 1 when it was tampered with (and
prints the first bad sequence number) or when transactions the service knows
(waiting in its audit spool) are missing from the chain, 2 when the database cannot be used (one
line on stderr: ``eligate: error[CODE]: DATABASE: message``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from eligate.eligibility import AuditVerifyReport, ChainAnchor, SqlAuditStore

# The eligibility package (SQLAlchemy, Alembic, Redis) is imported by the audit
# commands only, so every other ``eligate`` command starts as fast as before.

EXIT_TAMPERED = 1
EXIT_BAD_INPUT = 2

_DatabaseUrl = Annotated[
    str,
    typer.Option(
        "--database-url",
        envvar="ELIGATE_DATABASE_URL",
        help="sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER@HOST/DB.",
        show_default=False,
    ),
]
_Schema = Annotated[
    str | None,
    typer.Option("--schema", help="PostgreSQL schema holding the audit tables (default: public)."),
]


def _shown(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest:
        return f"{scheme}://***@{rest.rpartition('@')[2]}"
    return url


def _fail(code: str, url: str, message: str) -> NoReturn:
    typer.echo(f"eligate: error[{code}]: {_shown(url)}: {message}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _open(
    url: str, schema: str | None, *, must_exist: bool, keys: str | None = None
) -> SqlAuditStore:
    from eligate.eligibility import EligibilityError, KeyRing, SqlAuditStore

    try:
        ring = None if keys is None else KeyRing.parse(keys)
        store = SqlAuditStore.from_url(url, schema=schema, keys=ring)
    except EligibilityError as error:
        _fail(error.code, url, error.message)
    database = store.sqlite_path
    if must_exist and database is not None and not Path(database).is_file():
        _fail("database_not_found", url, "no such SQLite file")
    return store


async def _verify(
    store: SqlAuditStore, anchor: ChainAnchor | None, spooled: list[str]
) -> tuple[AuditVerifyReport, list[str]]:
    try:
        return await store.verify(anchor=anchor), await store.missing(spooled)
    finally:
        await store.close()


async def _migrate(store: SqlAuditStore) -> None:
    try:
        await store.migrate()
    finally:
        await store.close()


def verify_command(  # noqa: PLR0917 - typer passes options by name
    database_url: _DatabaseUrl,
    schema: _Schema = None,
    anchor: Annotated[
        str | None,
        typer.Option(
            "--anchor",
            metavar="SEQ:HASH",
            help="A head printed by an earlier verify and kept elsewhere: "
            "also catches a log cut short after it.",
        ),
    ] = None,
    data_dir: Annotated[
        Path,
        typer.Option(
            "--data-dir",
            envvar="ELIGATE_DATA_DIR",
            help="The service's data directory: its audit spool lists transactions "
            "it has answered that may not be in the chain yet.",
        ),
    ] = Path(".eligate"),
    anchors: Annotated[
        Path | None,
        typer.Option(
            "--anchors",
            envvar="ELIGATE_AUDIT_ANCHOR_FILE",
            help="The signed anchor file the service writes: its signatures are checked, "
            "and the chain must still hold the newest anchor.",
            show_default=False,
        ),
    ] = None,
    keys: Annotated[
        str | None,
        typer.Option(
            "--keys",
            envvar=["ELIGATE_ENCRYPTION_KEY", "ELIGATE_AUDIT_KEYS"],
            help="The audit key ring ([id:]base64 entries): the chain is keyed by it "
            "(HMAC), so verify needs every key that keyed an entry.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Re-compute the audit event log's hash chain and report the first broken entry.

    Exit status: 0 intact, 1 tampered (the first bad sequence number is printed),
    2 unusable input (bad URL or anchor, unreachable database, no audit tables).
    """
    from eligate.eligibility import SPOOL_FILE, ChainAnchor, EligibilityError, spooled_ids

    expected: ChainAnchor | None = None
    if anchor is not None:
        try:
            expected = ChainAnchor.parse(anchor)
        except EligibilityError as error:
            typer.echo(f"eligate: error[bad_anchor]: {anchor[:80]}: {error.message}", err=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None
    store = _open(database_url, schema, must_exist=True, keys=keys)
    if anchors is not None:
        expected = _newest_anchor(anchors, keys, expected)
    try:
        report, missing = asyncio.run(_verify(store, expected, spooled_ids(data_dir / SPOOL_FILE)))
    except EligibilityError as error:
        _fail(error.code, database_url, error.message)
    if missing:
        typer.echo(
            f"audit chain MISSING {len(missing)} transactions known to the service "
            f"(waiting in {data_dir / SPOOL_FILE}; the service replays them when the "
            f"database answers); first record id {missing[0]}"
        )
    if report.ok:
        head = report.head or "none (empty log)"
        typer.echo(f"audit chain intact: {report.events} events, head {head}")
        if missing:
            raise typer.Exit(EXIT_TAMPERED)
        return
    typer.echo(
        f"audit chain BROKEN at seq {report.first_bad_event} ({report.reason}); "
        f"{report.events} events verified before it"
    )
    raise typer.Exit(EXIT_TAMPERED)


def _newest_anchor(path: Path, keys: str | None, given: ChainAnchor | None) -> ChainAnchor | None:
    """The newest signed anchor in ``path`` (or ``given`` if newer); exit 1 on a forged line."""
    from eligate.eligibility import EligibilityError, KeyRing, read_anchors

    if keys is None:
        typer.echo(
            f"eligate: error[bad_anchor]: {path}: --keys is needed to check anchors", err=True
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        found = read_anchors(path, keys=KeyRing.parse(keys))
    except FileNotFoundError:
        typer.echo(f"eligate: error[file_not_found]: {path}: no such anchor file", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except EligibilityError as error:
        typer.echo(f"audit anchors FORGED: {error.message}")
        raise typer.Exit(EXIT_TAMPERED) from None
    candidates = [a for a in (*found, given) if a is not None]
    return max(candidates, key=lambda anchor: anchor.seq, default=None)


def migrate_command(database_url: _DatabaseUrl, schema: _Schema = None) -> None:
    """Create or upgrade the audit tables (safe to run again, and from several replicas)."""
    from eligate.eligibility import EligibilityError

    store = _open(database_url, schema, must_exist=False)
    try:
        asyncio.run(_migrate(store))
    except EligibilityError as error:
        _fail(error.code, database_url, error.message)
    typer.echo("audit schema up to date")


def new_key_command(
    key_id: Annotated[str, typer.Option("--key-id", help="The id stored with each row.")],
) -> None:
    """Print a new random audit key as ``id:base64``; put it first in ELIGATE_AUDIT_KEYS."""
    from eligate.eligibility import EligibilityError, KeyRing

    try:
        typer.echo(KeyRing.generate(key_id))
    except EligibilityError as error:
        typer.echo(f"eligate: error[{error.code}]: {key_id[:64]}: {error.message}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def register(app: typer.Typer) -> None:
    """Add the ``audit`` command group to ``app``."""
    audit = typer.Typer(
        name="audit",
        help="The audit trail: migrate its schema, verify its hash chain.",
        no_args_is_help=True,
    )
    audit.command("verify")(verify_command)
    audit.command("migrate")(migrate_command)
    audit.command("new-key")(new_key_command)
    app.add_typer(audit)
