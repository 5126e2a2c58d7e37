"""Eligibility test fixtures: audit databases, no-wait retries, cores on fakes."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import stamina
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from eligate.eligibility import Core, KeyRing, SqlAuditStore, Submitter
from eligate.events import Announcer
from eligate.payers import PayerRegistry
from tests.eligibility.fakes import FakeAudit, FakeCache


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


SUBMITTER = Submitter(sender_id="ELIGATE", provider_npi="1999999984", provider_name="SAMPLE CLINIC")
SALT = b"eligate-tests-salt-0123456789abcdef"


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    """Retries keep their attempt counts but do not wait between attempts."""
    with stamina.set_testing(True, attempts=10, cap=True):
        yield


CoreFactory = Callable[..., Core]


@pytest.fixture
async def make_core() -> AsyncIterator[CoreFactory]:
    """Builds cores on in-memory fakes and closes them after the test."""
    cores: list[Core] = []

    def build(
        registry: PayerRegistry,
        *,
        cache: FakeCache | None = None,
        audit: FakeAudit | None = None,
        clock: Callable[[], float] | None = None,
        now: Callable[[], datetime] | None = None,
        store_timeout: float = 1.0,
        announcer: Announcer | None = None,
    ) -> Core:
        core = Core(
            registry=registry,
            cache=cache or FakeCache(),
            audit=audit or FakeAudit(),
            salt=SALT,
            submitter=SUBMITTER,
            clock=clock or time.monotonic,
            now=now or (lambda: datetime.now(UTC)),
            store_timeout=store_timeout,
            announcer=announcer,
        )
        cores.append(core)
        return core

    yield build
    for core in cores:
        await core.close()
