"""The night run: batch runs, their items (member data sealed) and the items' transitions.

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

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create batch_runs, batch_items and batch_transitions."""
    op.create_table(
        "batch_runs",
        sa.Column("batch_id", sa.String(32), primary_key=True),
        sa.Column("file_digest", sa.String(64), nullable=False, unique=True),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("deadline_at", _AT, nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("finished_at", _AT, nullable=True),
        sa.Column("tick", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("ticked_at", _AT, nullable=True),
    )
    op.create_table(
        "batch_items",
        sa.Column("item_id", sa.String(48), primary_key=True),
        sa.Column("batch_id", sa.String(32), sa.ForeignKey("batch_runs.batch_id"), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.String(64), nullable=True),
        sa.Column("payer_id", sa.String(64), nullable=True),
        sa.Column("idem_key", sa.String(64), nullable=True),
        sa.Column("duplicate_of", sa.String(48), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=True),
        sa.Column("reason", sa.String(64), nullable=True),
        sa.Column("origin", sa.String(16), nullable=True),
        sa.Column("accepted", sa.Boolean(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("retried", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("next_attempt_at", _AT, nullable=True),
        sa.Column("due_at", _AT, nullable=True),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_until", _AT, nullable=True),
        sa.Column("correlation_id", sa.String(128), nullable=True),
        sa.Column("started_at", _AT, nullable=True),
        sa.Column("checked_at", _AT, nullable=True),
        sa.Column("elapsed_ms", sa.Float(), nullable=True),
        sa.Column("key_id", sa.String(64), nullable=True),
        sa.Column("input_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("outcome_sealed", sa.LargeBinary(), nullable=True),
    )
    op.create_index("ix_batch_items_batch_state", "batch_items", ["batch_id", "state"])
    op.create_index("ix_batch_items_duplicate_of", "batch_items", ["duplicate_of"])
    op.create_table(
        "batch_transitions",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("item_id", sa.String(48), nullable=False),
        sa.Column("batch_id", sa.String(32), nullable=False),
        sa.Column("from_state", sa.String(16), nullable=True),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(64), nullable=True),
        sa.Column("at", _AT, nullable=False),
        sa.Column("worker", sa.String(64), nullable=True),
    )
    op.create_index("ix_batch_transitions_item", "batch_transitions", ["item_id"])


def downgrade() -> None:
    """Drop the batch tables (development databases only)."""
    op.drop_table("batch_transitions")
    op.drop_table("batch_items")
    op.drop_table("batch_runs")
