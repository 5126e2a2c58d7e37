"""The webhooks' tables as SQLAlchemy Core sees them (migration 0003 creates them)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = sa.DateTime(timezone=True)

subscriptions = sa.Table(
    "webhook_subscriptions",
    metadata,
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
"""One row per endpoint; its signing secrets sealed with the audit key ring."""

deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
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
"""The outbox: one row per event and subscription, written with the cursor that read it.

``delivery_id`` orders a subscription's deliveries; only its oldest pending one
is attempted, so a receiver sees events in order. ``state`` is ``pending``,
``delivered`` or ``dead`` (the dead-letter queue, kept 30 days).
"""

cursors = sa.Table(
    "webhook_cursors",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("last_event_id", sa.String(48), nullable=False),
)
"""How far the fan-out has read the event stream."""
