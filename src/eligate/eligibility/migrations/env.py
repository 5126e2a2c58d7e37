"""Alembic environment: runs on the connection the audit store hands over (no alembic.ini)."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError(
        "eligate's migrations run through SqlAuditStore.migrate() or "
        "eligate.eligibility.upgrade(url), which pass a connection"
    )
context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
