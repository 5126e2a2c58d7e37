"""Database URLs and engines for the audit store: SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from eligate.eligibility.errors import BadDatabaseUrlError, StoreUsageError

_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}

READ_SNAPSHOT = "eligate_read_snapshot"
"""Execution option of a read-only transaction: on SQLite it begins DEFERRED, taking no lock."""

SQLITE_BUSY_TIMEOUT_S = 30.0
"""How long a SQLite writer waits for another process's write transaction to end."""


def database_url(text: str) -> URL:
    """Parse ``text`` into an async URL; ``sqlite:``/``postgresql:`` get their async driver."""
    try:
        url = make_url(text)
    except ArgumentError:
        raise BadDatabaseUrlError(
            "not a database URL (expected sqlite+aiosqlite:///PATH or "
            "postgresql+asyncpg://USER@HOST/DB)",
            url=_redact(text),
        ) from None
    driver = _DRIVERS.get(url.drivername)
    if driver is None:
        raise BadDatabaseUrlError(
            f"unsupported database {url.drivername!r} (use SQLite or PostgreSQL)",
            url=_redact(text),
        )
    url = url.set(drivername=driver)
    if driver.startswith("sqlite") and url.database in (None, "", ":memory:"):
        raise BadDatabaseUrlError(
            "an audit trail needs a file: sqlite+aiosqlite:///PATH", url=_redact(text)
        )
    if driver.startswith("postgresql") and not url.database:
        raise BadDatabaseUrlError("the PostgreSQL URL names no database", url=_redact(text))
    return url


def describe(url: URL) -> str:
    """The URL as logs and error messages may show it (no password)."""
    return url.render_as_string(hide_password=True)


def _redact(text: str) -> str:
    scheme, sep, rest = text.partition("://")
    if not sep or "@" not in rest:
        return text[:200]
    return f"{scheme}://***@{rest.rpartition('@')[2]}"[:200]


def is_sqlite(url: URL) -> bool:
    """Whether ``url`` names a SQLite file."""
    return url.get_backend_name() == "sqlite"


_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def check_schema(schema: str) -> str:
    """``schema`` when it is a plain PostgreSQL identifier (it is quoted into DDL)."""
    if not _SCHEMA.match(schema):
        raise StoreUsageError(
            f"not a plain schema name: {schema[:64]!r} (lower-case letters, digits, _)"
        )
    return schema


def create_engine(
    url: URL,
    *,
    connect_timeout_s: float = 5.0,
    command_timeout_s: float = 10.0,
    pool_size: int = 5,
    schema: str | None = None,
) -> AsyncEngine:
    """An engine for ``url``; SQLite transactions begin IMMEDIATE so writers queue, not fork.

    On PostgreSQL every statement (the chain lock included) gives up after
    ``command_timeout_s``, so one stuck replica cannot hang the others' requests.
    ``schema`` (PostgreSQL only) puts the audit tables in that schema instead of
    ``public``, through the connections' ``search_path``.
    """
    if is_sqlite(url):
        if schema is not None:
            raise BadDatabaseUrlError("a schema applies to PostgreSQL only", url=describe(url))
        engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
        _begin_immediate(engine)
        return engine
    connect_args: dict[str, Any] = {
        "timeout": connect_timeout_s,
        "command_timeout": command_timeout_s,
    }
    if schema is not None:
        connect_args["server_settings"] = {"search_path": check_schema(schema)}
    return create_async_engine(
        url, connect_args=connect_args, pool_size=pool_size, pool_pre_ping=True
    )


def _begin_immediate(engine: AsyncEngine) -> None:
    """Let SQLAlchemy, not the sqlite3 module, start transactions, and take the write lock first.

    sqlite3's own implicit transactions start DEFERRED: two writers could both
    read the chain head before either writes. ``BEGIN IMMEDIATE`` takes the
    database's write lock at the start, so appends from several processes are
    serialized by SQLite itself. Read-only transactions begin DEFERRED: in WAL
    mode they read one snapshot without blocking writers.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        reading = connection.get_execution_options().get(READ_SNAPSHOT, False)
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")
