"""Fixtures for the real Redis and PostgreSQL on this machine, shared by every test package.

The servers run on this machine (CI starts them). A server that does not answer
fails the tests that need it with a clear message; nothing is skipped. Each
test session gets its own PostgreSQL database (dropped at the end) and each
test its own Redis key prefix (keys deleted afterwards), so engineers and CI
runs sharing the servers never see each other's data.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from redis.asyncio import Redis
from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import create_async_engine

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


@pytest.fixture
def own_postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for one test (no other test's chain in it), dropped after."""
    name = f"eligate_own_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        _admin(f'CREATE DATABASE "{name}"')
    except (OSError, exc.DBAPIError) as error:
        pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_URL} ({error}); start it (CI does)")
    yield _database_url(name)
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
