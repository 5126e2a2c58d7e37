"""Real Redis and PostgreSQL for the store and cache tests, each isolated per test or session.

The servers run on this machine (CI starts them). A server that does not answer
fails the tests that need it with a clear message; nothing is skipped.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from eligate.eligibility import KeyRing, SqlAuditStore

REDIS_URL = os.environ.get("ELIGATE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
POSTGRES_URL = os.environ.get(
    "ELIGATE_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
"""The maintenance database: sessions create and drop their own databases through it."""


@pytest.fixture
async def redis_client() -> AsyncIterator[Redis]:
    """A client of the real Redis; fails (never skips) when Redis does not answer."""
    client: Redis = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await client.ping()
    except OSError as error:  # redis.ConnectionError is an OSError subclass here too
        await client.aclose()
        pytest.fail(f"Redis is not reachable at {REDIS_URL} ({error}); start it (CI does)")
    yield client
    await client.aclose()


@pytest.fixture
async def redis_prefix(redis_client: Redis) -> AsyncIterator[str]:
    """A key prefix no other test or engineer uses; its keys are deleted afterwards."""
    prefix = f"eligate-test:{uuid.uuid4().hex}:"
    yield prefix
    keys = [key async for key in redis_client.scan_iter(match=f"{prefix}*")]
    if keys:
        await redis_client.delete(*keys)


def _database_url(database: str) -> str:
    base, _, _ = POSTGRES_URL.rpartition("/")
    return f"{base}/{database}"


def _admin(sql: str) -> None:
    """Run ``sql`` on the maintenance database, on a thread (a test's loop may be running)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _admin_async(sql)).result()


async def _admin_async(sql: str) -> None:
    engine = create_async_engine(
        POSTGRES_URL, isolation_level="AUTOCOMMIT", connect_args={"timeout": 5}
    )
    try:
        async with engine.connect() as connection:
            await connection.execute(text(sql))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end; its URL."""
    name = f"eligate_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        _admin(f'CREATE DATABASE "{name}"')
    except (OSError, exc.DBAPIError) as error:
        pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_URL} ({error}); start it (CI does)")
    yield _database_url(name)
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class AuditBackend:
    """One database for a test: stores on it (like replicas) and raw SQL for tampering."""

    name: str
    url: str
    schema: str | None
    admin: AsyncEngine
    """Plain SQLAlchemy engine on the same tables, for reading and tampering over SQL."""
    stores: list[SqlAuditStore]

    def store(self, keys: KeyRing | None = None, **options: Any) -> SqlAuditStore:
        """A new store (its own engine, as another replica would have) on this database."""
        made = SqlAuditStore.from_url(self.url, keys=keys, schema=self.schema, **options)
        self.stores.append(made)
        return made

    async def sql(self, *statements: str, tamper: bool = False) -> list[Any]:
        """Run statements in one transaction; rows of the last. ``tamper`` lifts the guards."""
        rows: list[Any] = []
        async with self.admin.begin() as connection:
            if tamper and self.name == "postgresql":
                await connection.execute(text("SET LOCAL session_replication_role = replica"))
            if tamper and self.name == "sqlite":
                for trigger in ("audit_events_no_update", "audit_events_no_delete"):
                    await connection.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
            for statement in statements:
                result = await connection.execute(text(statement))
                rows = list(result) if result.returns_rows else []
        return rows


@pytest.fixture(params=["sqlite", "postgresql"])
async def audit_backend(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[AuditBackend]:
    """A fresh audit database: a SQLite file, or a schema of the session's PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}"
        backend = AuditBackend("sqlite", url, None, create_async_engine(url), [])
    else:
        url = request.getfixturevalue("postgres_database")
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = create_async_engine(url, connect_args={"server_settings": {"search_path": schema}})
        backend = AuditBackend("postgresql", url, schema, admin, [])
    yield backend
    for store in backend.stores:
        await store.close()
    if backend.schema is not None:
        async with backend.admin.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA IF EXISTS "{backend.schema}" CASCADE'))
    await backend.admin.dispose()
