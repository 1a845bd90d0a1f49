"""The benefits register: each investment with its baseline metric, expected benefit and date,
and the actual measured from the store (a named metric, finance/metrics.py).

Status, as at ``now``:
- before the expected date: "on track" when the actual is at least as good as the straight line
  from the baseline (at its date) to the expected value (at its date), else "off track";
- from the expected date: "achieved" when the actual is at least as good as expected, else
  "not achieved";
- "no data" when the metric cannot be measured from the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Engine

from forcesight.errors import InvestmentRefusedError
from forcesight.finance import metrics, queries


@dataclass(frozen=True)
class Investment:
    name: str
    function: str
    metric: str
    baseline_value: float
    baseline_on: date
    expected_value: float
    expected_by: date
    cost_gbp: float | None = None
    owner: str | None = None
    notes: str | None = None


def check_metric_known(metric: str) -> str | None:
    return (
        None
        if metric in metrics.METRICS
        else f"unknown metric; known: {', '.join(sorted(metrics.METRICS))}"
    )


def check_dates(item: Investment) -> str | None:
    if item.expected_by > item.baseline_on:
        return None
    return f"expected_by {item.expected_by} must be after baseline_on {item.baseline_on}"


def check_direction(item: Investment) -> str | None:
    """The expected value must be better than the baseline in the metric's direction."""
    known = metrics.METRICS.get(item.metric)
    if known is None:
        return None
    better = item.expected_value > item.baseline_value
    if known.better == "lower":
        better = item.expected_value < item.baseline_value
    return (
        None
        if better
        else (
            f"{item.metric} is better {known.better}: expected {item.expected_value} is no "
            f"improvement on the baseline {item.baseline_value}"
        )
    )


def check_cost(item: Investment) -> str | None:
    return None if item.cost_gbp is None or item.cost_gbp >= 0 else "cost_gbp must not be negative"


def register_investment(engine: Engine, item: Investment, *, created_by: str, now: datetime) -> int:
    """Add an investment to the register; returns its id."""
    with engine.begin() as conn:
        problems = [
            "an investment of that name is already registered"
            if queries.investment_by_name(conn, item.name) else None,
            check_metric_known(item.metric),
            check_dates(item),
            check_direction(item),
            check_cost(item),
        ]  # fmt: skip
        found = [p for p in problems if p]
        if found:
            raise InvestmentRefusedError(item.name, found)
        return queries.insert_investment(
            conn, {**item.__dict__, "created_at": now, "created_by": created_by}
        )


def status(row: dict[str, Any], actual: float | None, now: datetime) -> tuple[str, float | None]:
    """The status of one investment and the value its trajectory expects by ``now``."""
    if actual is None:
        return "no data", None
    better = metrics.METRICS[row["metric"]].better
    start, end = row["baseline_on"], row["expected_by"]
    today = now.date()
    if today >= end:
        target = float(row["expected_value"])
        good = actual >= target if better == "higher" else actual <= target
        return ("achieved" if good else "not achieved"), target
    share = max(0.0, (today - start).days / (end - start).days)
    target = row["baseline_value"] + (row["expected_value"] - row["baseline_value"]) * share
    good = actual >= target if better == "higher" else actual <= target
    return ("on track" if good else "off track"), round(target, 4)


def register_view(engine: Engine, now: datetime, *, record: str | None = None) -> pl.DataFrame:
    """Every investment with its actual measured now and its status. With ``record`` (who is
    measuring), each measurement is also stored in ``benefit_measurements``."""
    rows = []
    measured: dict[str, float | None] = {}
    for item in queries.load_investments(engine):
        name = item["metric"]
        if name not in measured:
            measured[name] = metrics.metric(name).measure(engine, now)
        actual = measured[name]
        state, trajectory = status(item, actual, now)
        rows.append(
            {
                "id": item["id"], "investment": item["name"], "function": item["function"],
                "metric": name, "baseline": item["baseline_value"],
                "baseline_on": item["baseline_on"], "expected": item["expected_value"],
                "expected_by": item["expected_by"], "expected_now": trajectory,
                "actual": actual, "status": state, "cost_gbp": item["cost_gbp"],
            }
        )  # fmt: skip
    if record is not None and rows:
        with engine.begin() as conn:
            for row in rows:
                queries.insert_measurement(
                    conn, {"investment_id": row["id"], "measured_at": now, "value": row["actual"],
                           "recorded_by": record},
                )  # fmt: skip
    schema = {"id": pl.Int64, "investment": pl.String, "function": pl.String, "metric": pl.String,
              "baseline": pl.Float64, "baseline_on": pl.Date, "expected": pl.Float64,
              "expected_by": pl.Date, "expected_now": pl.Float64, "actual": pl.Float64,
              "status": pl.String, "cost_gbp": pl.Float64}  # fmt: skip
    return pl.DataFrame(rows, schema=schema)
