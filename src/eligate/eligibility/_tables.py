"""The audit store's tables as SQLAlchemy Core sees them (the migrations create them)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

events = sa.Table(
    "audit_events",
    metadata,
    sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("payload", sa.JSON(), nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False, unique=True),
    sa.Column("chain_key_id", sa.String(64), nullable=True),
)
"""The append-only, hash-chained event log; ``payload`` never holds PHI."""

transactions = sa.Table(
    "audit_transactions",
    metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "event_seq", sa.BigInteger(), sa.ForeignKey("audit_events.seq"), nullable=False, unique=True
    ),
    sa.Column("correlation_id", sa.String(128), nullable=False, index=True),
    sa.Column("payer_id", sa.String(64), nullable=False, index=True),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("response_ms", sa.Float(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("request_270", sa.LargeBinary(), nullable=True),
    sa.Column("response_271", sa.LargeBinary(), nullable=True),
    sa.Column("key_id", sa.String(64), nullable=True),
    sa.Column("detail", sa.String(256), nullable=True),
    sa.Column("record_id", sa.String(64), nullable=True, index=True, unique=True),
)
"""One row per eligibility transaction; the raw 270/271 are AES-GCM ciphertexts."""
