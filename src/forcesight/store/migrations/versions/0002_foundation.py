"""Foundation: indexes on foreign keys that deletes walk, and where an LSOA's force came from.

Revision ID: 0002_foundation
Revises: 0001_foundation
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_foundation"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("lsoas") as batch:
        batch.add_column(sa.Column("police_force_from", sa.String(length=12), nullable=True))
    op.create_index("ix_crimes_incident_id", "crimes", ["incident_id"])
    op.create_index("ix_crimes_suspect_id", "crimes", ["suspect_id"])
    op.create_index("ix_staff_tutor_id", "staff", ["tutor_id"])


def downgrade() -> None:
    op.drop_index("ix_staff_tutor_id", table_name="staff")
    op.drop_index("ix_crimes_suspect_id", table_name="crimes")
    op.drop_index("ix_crimes_incident_id", table_name="crimes")
    with op.batch_alter_table("lsoas") as batch:
        batch.drop_column("police_force_from")
