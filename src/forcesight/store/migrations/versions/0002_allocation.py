"""allocation: propose runs (batches) and proposals

Revision ID: 0002_allocation
Revises: 0001_foundation
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_allocation"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("allocation",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "allocation_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("at_day", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=60), nullable=False),
        sa.Column("policy_version", sa.String(length=40), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("proposed", sa.Integer(), nullable=False),
        sa.Column("queued", sa.Integer(), nullable=False),
        sa.Column("screened_out", sa.Integer(), nullable=False),
        sa.Column("objective", sa.Float(), nullable=True),
        sa.Column("bound", sa.Float(), nullable=True),
        sa.Column("gap", sa.Float(), nullable=True),
        sa.Column("rule_breaches", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("warnings", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation_batches")),
    )
    op.create_table(
        "allocation_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("crime_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("route", sa.String(length=30), nullable=False),
        sa.Column("staff_id", sa.String(length=40), nullable=True),
        sa.Column("team_id", sa.String(length=40), nullable=True),
        sa.Column("previous_staff_id", sa.String(length=40), nullable=True),
        sa.Column("priority", sa.Float(), nullable=False),
        sa.Column("solvability", sa.Float(), nullable=False),
        sa.Column("pip_level", sa.Integer(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("expected_hours", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("allocation_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["allocation_batches.id"],
            name=op.f("fk_allocation_proposals_batch_id_allocation_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["crime_id"], ["crimes.id"], name=op.f("fk_allocation_proposals_crime_id_crimes")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_allocation_proposals_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_allocation_proposals_team_id_teams")
        ),
        sa.ForeignKeyConstraint(
            ["previous_staff_id"],
            ["staff.id"],
            name=op.f("fk_allocation_proposals_previous_staff_id_staff"),
        ),
        sa.ForeignKeyConstraint(
            ["allocation_id"],
            ["crime_allocations.id"],
            name=op.f("fk_allocation_proposals_allocation_id_crime_allocations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation_proposals")),
    )
    with op.batch_alter_table("allocation_proposals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_allocation_proposals_batch_id"), ["batch_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_allocation_proposals_crime_id"), ["crime_id"], unique=False
        )
        batch_op.create_index(
            "ix_allocation_proposals_status_kind", ["status", "kind"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("allocation_proposals", schema=None) as batch_op:
        batch_op.drop_index("ix_allocation_proposals_status_kind")
        batch_op.drop_index(batch_op.f("ix_allocation_proposals_crime_id"))
        batch_op.drop_index(batch_op.f("ix_allocation_proposals_batch_id"))
    op.drop_table("allocation_proposals")
    op.drop_table("allocation_batches")
