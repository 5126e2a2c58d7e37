"""The chain is keyed: each event names the key whose HMAC makes its hash.

Events written before this revision keep a NULL ``chain_key_id`` and verify as
plain SHA-256; every event after the first keyed one must be keyed.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: tuple[str, ...] | None = None
depends_on: tuple[str, ...] | None = None


def upgrade() -> None:
    """Add the nullable ``chain_key_id`` column (ADD COLUMN: no trigger fires, no row changes)."""
    op.add_column("audit_events", sa.Column("chain_key_id", sa.String(64), nullable=True))


def downgrade() -> None:
    """Drop the column (keyed events then no longer verify: development databases only)."""
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("chain_key_id")
