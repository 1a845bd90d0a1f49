"""workforce: skills register history

Revision ID: 0002_workforce
Revises: 0001_foundation
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_workforce"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("workforce",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "skill_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_skill_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.String(length=40), nullable=False),
        sa.Column("skill", sa.String(length=60), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_skill_id"],
            ["staff_skills.id"],
            name=op.f("fk_skill_events_staff_skill_id_staff_skills"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_skill_events_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skill_events")),
    )
    op.create_index(
        op.f("ix_skill_events_staff_skill_id"), "skill_events", ["staff_skill_id"], unique=False
    )
    op.create_index(op.f("ix_skill_events_staff_id"), "skill_events", ["staff_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_skill_events_staff_id"), table_name="skill_events")
    op.drop_index(op.f("ix_skill_events_staff_skill_id"), table_name="skill_events")
    op.drop_table("skill_events")
