"""Webhooks: subscriptions (secrets sealed), the delivery outbox and DLQ, the stream cursor.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: tuple[str, ...] | None = None
depends_on: tuple[str, ...] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create webhook_subscriptions, webhook_deliveries and webhook_cursors."""
    op.create_table(
        "webhook_subscriptions",
        sa.Column("subscription_id", sa.String(32), primary_key=True),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("event_types", sa.Text(), nullable=False),
        sa.Column("payer_id", sa.String(64), nullable=True),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("secret_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("previous_key_id", sa.String(64), nullable=True),
        sa.Column("previous_secret_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("previous_until", _AT, nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("disabled_at", _AT, nullable=True),
        sa.Column("disabled_reason", sa.String(64), nullable=True),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("delivery_id", _ID, primary_key=True, autoincrement=True),
        sa.Column("subscription_id", sa.String(32), nullable=False),
        sa.Column("event_id", sa.String(48), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", _AT, nullable=False),
        sa.Column("lease_until", _AT, nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(64), nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("delivered_at", _AT, nullable=True),
        sa.Column("dead_at", _AT, nullable=True),
        sa.UniqueConstraint("subscription_id", "event_id", name="uq_webhook_delivery_event"),
    )
    op.create_index(
        "ix_webhook_deliveries_pending", "webhook_deliveries", ["state", "subscription_id"]
    )
    op.create_table(
        "webhook_cursors",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("last_event_id", sa.String(48), nullable=False),
    )


def downgrade() -> None:
    """Drop the webhooks' tables."""
    op.drop_table("webhook_cursors")
    op.drop_index("ix_webhook_deliveries_pending", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_subscriptions")
