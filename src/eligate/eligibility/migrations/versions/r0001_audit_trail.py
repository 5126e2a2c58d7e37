"""The audit trail: transactions with encrypted raw messages, and the hash-chained event log.

On PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE on the event log;
on SQLite triggers refuse UPDATE and DELETE. Either way an attacker with DDL
rights can drop them: the hash chain is what detects that.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: tuple[str, ...] | None = None
depends_on: tuple[str, ...] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

_PG_REFUSE = """
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$
"""


def upgrade() -> None:
    """Create both tables and the append-only triggers."""
    op.create_table(
        "audit_events",
        sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )
    op.create_table(
        "audit_transactions",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column(
            "event_seq",
            sa.BigInteger(),
            sa.ForeignKey("audit_events.seq"),
            nullable=False,
            unique=True,
        ),
        sa.Column("correlation_id", sa.String(128), nullable=False),
        sa.Column("payer_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("response_ms", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_270", sa.LargeBinary(), nullable=True),
        sa.Column("response_271", sa.LargeBinary(), nullable=True),
        sa.Column("key_id", sa.String(64), nullable=True),
        sa.Column("detail", sa.String(256), nullable=True),
    )
    for column in ("correlation_id", "payer_id", "created_at"):
        op.create_index(f"ix_audit_transactions_{column}", "audit_transactions", [column])
    if op.get_context().dialect.name == "postgresql":
        op.execute(_PG_REFUSE)
        op.execute(
            "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"
        )
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{operation.lower()} BEFORE {operation} "
                "ON audit_events BEGIN "
                f"SELECT RAISE(ABORT, 'audit_events is append-only: {operation} refused'); END"
            )


def downgrade() -> None:
    """Drop everything (destroys the trail: for development databases only)."""
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    op.drop_table("audit_transactions")
    op.drop_table("audit_events")
