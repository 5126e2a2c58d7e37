"""Transactions get a unique ``record_id``: an append is idempotent by it.

A record the service could not confirm (a stalled database) is kept in the
local spool and replayed later; if the stalled writer committed it after all,
the replay finds its ``record_id`` and skips it. Rows written before this
revision keep a NULL ``record_id`` and verify as before (the transaction digest
includes ``record_id`` only when it is set).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: tuple[str, ...] | None = None
depends_on: tuple[str, ...] | None = None


def upgrade() -> None:
    """Add the nullable, unique ``record_id`` column."""
    op.add_column("audit_transactions", sa.Column("record_id", sa.String(64), nullable=True))
    op.create_index(
        "ix_audit_transactions_record_id", "audit_transactions", ["record_id"], unique=True
    )


def downgrade() -> None:
    """Drop the column (the idempotent append goes with it)."""
    op.drop_index("ix_audit_transactions_record_id", "audit_transactions")
    with op.batch_alter_table("audit_transactions") as batch:
        batch.drop_column("record_id")
