"""Service functions the CLI, the web pages and the API call: plain functions of an Engine and
arguments, returning dataclasses, frames and dicts (no web imports)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import altair as alt
import polars as pl
import vl_convert
from sqlalchemy import Engine

from forcesight.response.erlang import erlang_c_mean_wait
from forcesight.response.factory import build_model
from forcesight.response.model import EXPONENTIAL, Model, ProfileDemand
from forcesight.response.replicate import Comparison, Replications, compare, run_replications
from forcesight.response.validate import ScenarioInput, load_scenario


@dataclass(frozen=True)
class Simulation:
    """A scenario's replications and what the planner reads from them."""

    scenario: ScenarioInput
    model: Model
    replications: Replications

    def to_dict(self) -> dict[str, Any]:
        intervals = self.replications.intervals()
        out: dict[str, Any] = {
            "scenario": self.model.name,
            "path": self.scenario.path,
            "replications": len(self.replications.seeds),
            "seeds": list(self.replications.seeds),
            "incidents": _clean(self.replications.value("incidents")),
            "mean_wait": _clean(self.replications.value("mean_wait_min")),
            "mean_wait_unit": "min",
            "unstable": bool(self.replications.value("unstable") > 0),
            "stacked_at_end": _clean(self.replications.value("stacked_at_end")),
            "unmet": _clean(self.replications.value("unmet")),
            "grades": _by_grade(intervals, self.model.grade_codes),
            "metrics": [{k: _clean(v) for k, v in row.items()} for row in intervals.to_dicts()],
        }
        theory = erlang_c_answer(self.model)
        if theory is not None:
            out["erlang_c_mean_wait"] = theory
        return out


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _by_grade(intervals: pl.DataFrame, codes: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for code in codes:
        rows = intervals.filter(pl.col("grade") == code)
        out[code] = {
            r["metric"]: {
                "mean": _clean(r["mean"]),
                "low": _clean(r["low"]),
                "high": _clean(r["high"]),
            }
            for r in rows.to_dicts()
        }
    return out


def erlang_c_answer(model: Model) -> float | None:
    """Erlang C mean wait [min] when queueing theory answers the scenario exactly: one grade
    with demand, a flat rate, constant staffing with no breaks, exponential time on scene, one
    unit per incident, no skills, no travel and no policies; otherwise None."""
    demand = model.demand
    if not isinstance(demand, ProfileDemand):
        return None
    active = [g for g in range(len(model.grade_codes)) if demand.rate_per_hour[:, g].sum() > 0]
    if len(active) != 1:
        return None
    g = active[0]
    rates = demand.rate_per_hour[:, g]
    category = int(demand.category_of_grade[g])
    constant = bool(
        len(model.shift_start)
        and (model.shift_start <= 0).all()
        and (model.shift_end >= model.end_min).all()
        and len(set(model.shift_unit.tolist())) == len(model.shift_unit)
    )
    simple = (
        constant
        and (rates == rates[0]).all()
        and model.category_distribution[category] == EXPONENTIAL
        and demand.two_unit_share[g] == 0
        and not demand.skill_share.any()
        and not model.travel_median.any()
        and all((mask >> g) & 1 for mask in model.unit_grades.tolist())
        and model.preempt_for == 0
        and model.reserve_units == 0
        and (len(model.stack_limit) == 0 or (model.stack_limit < 0).all())
        and not math.isfinite(float(model.max_wait_min.min(initial=math.inf)))
    )
    if not simple:
        return None
    arrival_rate = float(rates[0]) * model.multiplier / 60.0
    return erlang_c_mean_wait(
        len(model.unit_ids), arrival_rate, float(model.category_location[category])
    )


def simulate_scenario(
    path: str | Path,
    *,
    engine: Engine | None = None,
    text: str | None = None,
    replications: int | None = None,
    seed: int | None = None,
    executor: str | None = None,
    client: Any = None,
    roster: pl.DataFrame | None = None,
    on_done: Callable[[], None] | None = None,
) -> Simulation:
    """Validate, compile and run a scenario (its own replications and seed unless given)."""
    inp = load_scenario(path, text=text, roster=roster)
    model = build_model(inp, engine)
    reps = run_replications(
        model,
        replications or inp.scenario.replications,
        inp.scenario.seed if seed is None else seed,
        executor=executor,
        client=client,
        on_done=on_done,
    )
    return Simulation(inp, model, reps)


def compare_scenarios(
    path_a: str | Path,
    path_b: str | Path,
    *,
    engine: Engine | None = None,
    replications: int | None = None,
    seed: int | None = None,
    executor: str | None = None,
    client: Any = None,
    on_done: Callable[[], None] | None = None,
    text_a: str | None = None,
    text_b: str | None = None,
) -> Comparison:
    """B against A on the same seeds (common random numbers), with paired intervals. The
    texts, if given, are the scenarios' YAML (the paths then only resolve files they name)."""
    a = load_scenario(path_a, text=text_a)
    b = load_scenario(path_b, text=text_b)
    return compare(
        build_model(a, engine),
        build_model(b, engine),
        replications or a.scenario.replications,
        a.scenario.seed if seed is None else seed,
        executor=executor,
        client=client,
        on_done=on_done,
    )


def comparison_dict(comparison: Comparison) -> dict[str, Any]:
    return {
        "a": comparison.a.name,
        "b": comparison.b.name,
        "replications": len(comparison.a.seeds),
        "seeds": list(comparison.a.seeds),
        "common_random_numbers": True,
        "differences": [
            {k: _clean(v) for k, v in row.items()}
            for row in comparison.differences.rename({"mean": "difference"}).to_dicts()
        ],
    }


def analytic_beside_simulated(sim: Simulation, method: str = "priority") -> pl.DataFrame:
    """Share within target by grade: the Erlang answer for the roster's units on duty (less
    briefing and meals) hour by hour, weighted by arrivals, beside the simulation's answer."""
    from forcesight.response.roster import on_duty_by_hour_of_week
    from forcesight.response.staffing import availability, erlang_table, hourly_demand_from_model

    demand = hourly_demand_from_model(sim.model)
    on_duty = on_duty_by_hour_of_week(sim.scenario.roster)
    share_available = availability(sim.scenario.policy)
    units = {
        int(h): float(u) * share_available
        for h, u in on_duty.group_by("hour_of_week").agg(pl.col("units").sum()).iter_rows()
    }
    table = erlang_table(demand, method=method, units_on_duty=units)  # type: ignore[arg-type]
    rows = []
    for code in sim.model.grade_codes:
        weights = demand.filter(pl.col("grade") == code).sort("hour_of_week")["arrivals_per_hour"]
        column = f"within_target_share_{code}"
        shares = table.sort("hour_of_week")[column].fill_nan(None)
        total = float(weights.sum())
        weighted = float((shares.fill_null(0.0) * weights).to_numpy().sum())
        analytic = weighted / total if total > 0 else math.nan
        rows.append(
            {
                "grade": code,
                "erlang_within_target_share": _clean(analytic),
                "simulated_within_target_share": _clean(
                    sim.replications.value("within_target_share", code)
                ),
            }
        )
    return pl.DataFrame(rows)


def attendance_by_grade_and_hour(replications: Replications) -> pl.DataFrame:
    """Share reached within target by grade and hour of week (mean over replications)."""
    return replications.mean_table("by_hour")


def utilisation_by_hour(replications: Replications) -> pl.DataFrame:
    """Units on duty and utilisation by function and hour of week (mean over replications)."""
    return replications.mean_table("utilisation")


def _svg(chart: alt.TopLevelMixin) -> str:
    return str(vl_convert.vegalite_to_svg(chart.to_json()))


def _day_hour(frame: pl.DataFrame) -> pl.DataFrame:
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    return frame.with_columns(
        pl.col("hour_of_week")
        .floordiv(24)
        .map_elements(lambda d: days[d], return_dtype=pl.Utf8)
        .alias("day"),
        (pl.col("hour_of_week") % 24).alias("hour"),
    )


def utilisation_heatmap_svg(utilisation: pl.DataFrame, function: str = "response") -> str:
    """Heat map of utilisation by day and hour for one function, as an SVG document."""
    frame = _day_hour(utilisation.filter(pl.col("function") == function)).to_pandas()
    chart = (
        alt.Chart(frame, title=f"Utilisation of {function} units by hour of week")
        .mark_rect()
        .encode(
            x=alt.X("hour:O", title="hour"),
            y=alt.Y("day:O", sort=["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], title=None),
            color=alt.Color("utilisation:Q", scale=alt.Scale(domain=[0, 1]), title="busy share"),
            tooltip=["day", "hour", "utilisation", "units_on_duty"],
        )
    )
    return _svg(chart)


def attendance_chart_svg(by_hour: pl.DataFrame, grade: str) -> str:
    """Share within target by hour of week for one grade, as an SVG line chart."""
    frame = by_hour.filter(pl.col("grade") == grade).to_pandas()
    chart = (
        alt.Chart(frame, title=f"Grade {grade}: share reached within target by hour of week")
        .mark_line()
        .encode(
            x=alt.X("hour_of_week:Q", title="hour of week (0 = Monday 00:00)"),
            y=alt.Y("within_target_share:Q", scale=alt.Scale(domain=[0, 1]), title="share"),
        )
    )
    return _svg(chart)


def required_cover_chart_svg(cover: pl.DataFrame) -> str:
    """Officers needed on duty by hour of week, as an SVG step chart."""
    chart = (
        alt.Chart(cover.to_pandas(), title="Officers needed on duty by hour of week (Erlang)")
        .mark_line(interpolate="step-after")
        .encode(
            x=alt.X("hour_of_week:Q", title="hour of week (0 = Monday 00:00)"),
            y=alt.Y("required:Q", title="officers"),
            color="function:N",
        )
    )
    return _svg(chart)
