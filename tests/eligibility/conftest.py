"""The audit store's test databases: a SQLite file, or a schema of the session's PostgreSQL DB."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from eligate.eligibility import KeyRing, SqlAuditStore


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
