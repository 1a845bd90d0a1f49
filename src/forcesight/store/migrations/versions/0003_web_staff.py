"""web app: an account may be linked to its holder's staff record ("my clocks")

Revision ID: 0003_web_staff
Revises: 0002_web
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_web_staff"
down_revision: str | Sequence[str] | None = "0002_web"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("staff_id", sa.String(40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("staff_id")
