"""finance: cost rates and the benefits register

Revision ID: 0002_finance
Revises: 0001_foundation
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_finance"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("finance",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cost_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rate_set", sa.String(length=80), nullable=False),
        sa.Column("rank", sa.String(length=40), nullable=False),
        sa.Column("hourly_cost", sa.Float(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("file_name", sa.Text(), nullable=True),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.Column("loaded_by", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cost_rates")),
        sa.UniqueConstraint("rate_set", "rank", name=op.f("uq_cost_rates_rate_set_rank")),
    )
    op.create_table(
        "investments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("function", sa.String(length=40), nullable=False),
        sa.Column("metric", sa.String(length=60), nullable=False),
        sa.Column("baseline_value", sa.Float(), nullable=False),
        sa.Column("baseline_on", sa.Date(), nullable=False),
        sa.Column("expected_value", sa.Float(), nullable=False),
        sa.Column("expected_by", sa.Date(), nullable=False),
        sa.Column("cost_gbp", sa.Float(), nullable=True),
        sa.Column("owner", sa.String(length=80), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_investments")),
        sa.UniqueConstraint("name", name=op.f("uq_investments_name")),
    )
    op.create_table(
        "benefit_measurements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("investment_id", sa.Integer(), nullable=False),
        sa.Column("measured_at", sa.DateTime(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["investment_id"],
            ["investments.id"],
            name=op.f("fk_benefit_measurements_investment_id_investments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefit_measurements")),
    )
    op.create_index(
        op.f("ix_benefit_measurements_investment_id"),
        "benefit_measurements",
        ["investment_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_benefit_measurements_investment_id"), table_name="benefit_measurements")
    op.drop_table("benefit_measurements")
    op.drop_table("investments")
    op.drop_table("cost_rates")
