"""The finance policy file (``policy/rules/finance.yaml``): demo cost rates (each marked an
assumption), how demand streams become hours, and the outcome definitions."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator

from forcesight.policy.loader import PolicyFile, SourcedRule, load_policy


class CostRate(SourcedRule):
    rank: str = Field(min_length=1, description="Rank (officers) or grade (staff).")
    hourly_cost: float = Field(gt=0, description="Fully loaded cost of a productive hour [GBP/h].")
    assumption: bool = Field(description="True when the rate is not the force's own figure.")


class DemandRule(SourcedRule):
    period_days: int = Field(gt=0)
    incident_function: str
    attending_staff_types: list[str] = Field(min_length=1)
    investigating_staff_types: list[str] = Field(min_length=1)
    unallocated_crime_function: str
    missing_person_hours: float = Field(gt=0)
    missing_person_function: str
    fallback_hours_per_crime: float = Field(gt=0)


class OutcomesRule(SourcedRule):
    grade1_codes: list[str] = Field(min_length=1)
    allocation_target_days: float = Field(gt=0)


class FinancePolicy(PolicyFile):
    rate_set: str
    cost_rates: list[CostRate] = Field(min_length=1)
    demand: DemandRule
    outcomes: OutcomesRule

    @model_validator(mode="after")
    def _ranks_once(self) -> FinancePolicy:
        seen: set[str] = set()
        for i, rate in enumerate(self.cost_rates):
            if rate.rank in seen:
                raise ValueError(f"cost_rates[{i}]: rank {rate.rank!r} appears twice")
            seen.add(rate.rank)
        return self


def load_finance_policy(policy_dir: str | Path | None = None) -> FinancePolicy:
    return load_policy("finance", FinancePolicy, policy_dir)
