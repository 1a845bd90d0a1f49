"""Calibration: fit travel and time on scene from the imported log, replay the log's own
arrivals through the engine, and set simulated response-time percentiles beside observed ones.

The roster comes from a scenario when one is given; otherwise it is inferred from the log's
deployments: each unit's spells of work (deployments less than ``spell_gap_hours`` apart, 8 h
by default: shorter than the 11 h rest between shifts, longer than most idle spells within one)
become shifts, widened by the briefing at the start and rounded out to whole hours. An inferred
roster misses the idle time before a unit's first and after its last deployment of a shift, so it
understates cover: a simulated wait longer than the observed one is the first thing to check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Engine

from forcesight.errors import ScenarioError
from forcesight.policy.grades import GradesPolicy, load_grades
from forcesight.response.factory import (
    attended_grades,
    log_arrays,
    roster_arrays,
    targets,
    travel_matrix,
)
from forcesight.response.fitting import (
    fit_on_scene,
    fit_travel,
    stage_exclusions,
    usable,
    with_stages,
)
from forcesight.response.model import LOGNORMAL, Model, ReplayDemand
from forcesight.response.policy import ResponsePolicy, load_response_policy
from forcesight.response.queries import load_deployments, load_incident_log
from forcesight.response.replicate import execute
from forcesight.response.roster import ROSTER_SCHEMA
from forcesight.response.validate import ScenarioInput

PERCENTILES = (50, 80, 90)


@dataclass(frozen=True)
class Calibration:
    """What calibration found: fits, the rows it used and left out, and the comparison."""

    incidents: int
    rows_used: int
    exclusions: pl.DataFrame  # stage, reason, rows
    on_scene: pl.DataFrame  # category, rows, median_min, sigma, mean_min, pooled
    travel: pl.DataFrame  # area, rows, median_min
    travel_sigma: float
    roster_source: str  # "scenario" | "inferred from deployments"
    units: int
    comparison: pl.DataFrame  # grade, percentile, observed_min, simulated_min, difference_min

    def to_dict(self) -> dict[str, Any]:
        return {
            "incidents": self.incidents,
            "rows_used_for_response": self.rows_used,
            "rows_left_out": self.exclusions.to_dicts(),
            "on_scene_fits": self.on_scene.to_dicts(),
            "travel_fits": self.travel.to_dicts(),
            "travel_sigma": self.travel_sigma,
            "roster": {"source": self.roster_source, "units": self.units},
            "response_percentiles": self.comparison.to_dicts(),
        }


def infer_roster(
    deployments: pl.DataFrame,
    log: pl.DataFrame,
    *,
    briefing_min: float,
    spell_gap_hours: float = 8.0,
) -> pl.DataFrame:
    """Shifts in the interchange form, inferred from each unit's deployments."""
    if deployments.is_empty():
        return pl.DataFrame(schema=ROSTER_SCHEMA)
    areas = log.select(pl.col("id").alias("incident_id"), "area", "skill_required")
    work = (
        deployments.join(areas, on="incident_id", how="left")
        .with_columns(
            pl.coalesce("dispatched_at", "arrived_at").alias("from"),
            pl.coalesce("cleared_at", "arrived_at", "dispatched_at").alias("to"),
        )
        .filter(pl.col("from").is_not_null() & pl.col("to").is_not_null())
        .sort("unit_ref", "from")
    )
    gap = timedelta(hours=spell_gap_hours)
    work = work.with_columns(
        ((pl.col("from") - pl.col("to").shift(1).over("unit_ref")).fill_null(gap * 2) > gap)
        .cum_sum()
        .over("unit_ref")
        .alias("spell")
    )
    spells = work.group_by("unit_ref", "spell").agg(
        pl.col("from").min().alias("start"), pl.col("to").max().alias("end")
    )
    units = work.group_by("unit_ref").agg(
        pl.col("area").drop_nulls().mode().first().alias("area"),
        pl.col("skill_required").drop_nulls().unique().sort().str.join(";").alias("skills"),
    )
    return (
        spells.join(units, on="unit_ref")
        .select(
            pl.col("unit_ref").alias("unit_id"),
            pl.lit("response").alias("function"),
            pl.col("area"),
            pl.col("skills").fill_null(""),
            (pl.col("start") - timedelta(minutes=briefing_min)).dt.truncate("1h").alias("start"),
            (pl.col("end").dt.truncate("1h") + timedelta(hours=1)).alias("end"),
        )
        .filter(pl.col("area").is_not_null())
        .sort("unit_id", "start")
        .cast(ROSTER_SCHEMA)  # type: ignore[arg-type]
    )


def _merge_overlaps(roster: pl.DataFrame) -> pl.DataFrame:
    """Join a unit's shifts that overlap once rounded out (the engine needs them apart)."""
    return (
        roster.sort("unit_id", "start")
        .with_columns(
            (pl.col("start") > pl.col("end").shift(1).over("unit_id").fill_null(datetime.min))
            .cum_sum()
            .over("unit_id")
            .alias("block")
        )
        .group_by("unit_id", "block", maintain_order=True)
        .agg(
            pl.col("function").first(),
            pl.col("area").first(),
            pl.col("skills").first(),
            pl.col("start").min(),
            pl.col("end").max(),
        )
        .drop("block")
        .select(list(ROSTER_SCHEMA))
    )


@dataclass(frozen=True)
class Replay:
    """The log's own arrivals compiled for the engine, with what was fitted to get there."""

    model: Model
    log: pl.DataFrame
    staged: pl.DataFrame
    exclusions: pl.DataFrame
    on_scene: pl.DataFrame
    travel: pl.DataFrame
    travel_sigma: float
    roster_source: str


def replay_model(
    engine: Engine,
    *,
    scenario: ScenarioInput | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    grades: GradesPolicy | None = None,
    policy: ResponsePolicy | None = None,
) -> Replay:
    """Fit travel and time on scene from the log received in [start, end) and compile its
    arrivals, with the scenario's roster or one inferred from deployments."""
    grades = scenario.grades if scenario else (grades or load_grades())
    policy = scenario.policy if scenario else (policy or load_response_policy())
    log = load_incident_log(engine, start, end)
    if log.is_empty():
        raise ScenarioError(
            "incident log", [("incidents", "the store has no incidents to calibrate on")]
        )
    staged = with_stages(log)
    exclusions = stage_exclusions(staged)
    on_scene = fit_on_scene(staged)
    travel, travel_sigma = fit_travel(staged)
    codes = attended_grades(grades)

    first = log["received_at"].min()
    last = log["received_at"].max()
    assert isinstance(first, datetime) and isinstance(last, datetime)
    run_start = datetime(first.year, first.month, first.day)
    run_end = datetime(last.year, last.month, last.day) + timedelta(days=1)

    area_names = sorted(set(log["area"].drop_nulls().unique().to_list()))
    kinds: dict[str, str] = {}
    if scenario:
        kinds = {a.name: a.kind or policy.area.default_kind for a in scenario.scenario.areas}
        area_names = sorted(set(area_names) | set(kinds))
    if scenario is not None:
        roster = scenario.roster
        roster_source = "scenario"
    else:
        roster = _merge_overlaps(
            infer_roster(
                load_deployments(engine, start, end), log, briefing_min=policy.shift.briefing_min
            )
        )
        roster_source = "inferred from deployments"
        if roster.is_empty():
            raise ScenarioError(
                "incident log",
                [
                    (
                        "deployments",
                        "the log has no deployments to infer a roster from; give a scenario "
                        "with a roster (--scenario)",
                    )
                ],
            )
    area_names = sorted(set(area_names) | set(roster["area"].unique().to_list()))
    skill_names = list(policy.skills.names)
    medians = dict(zip(travel["area"].to_list(), travel["median_min"].to_list(), strict=True))
    known = [m for m in medians.values() if m == m]
    default_median = float(np.median(known)) if known else policy.travel.same_area_median_min
    # The log says where the first unit arrived, not where it came from: the fitted travel of an
    # area already mixes local and cross-area journeys, so it is used for any unit sent there.
    matrix = travel_matrix(area_names, 0.0, 0.0)
    for j, dest in enumerate(area_names):
        local = medians.get(dest, default_median)
        matrix[:, j] = default_median if local != local else local
    categories = on_scene["category"].to_list()
    aliases = policy.skills.aliases
    arrays = log_arrays(log, run_start, codes, area_names, skill_names, categories, aliases)
    target_min, target_share = targets(grades, codes, scenario.scenario if scenario else None)
    function_grades = scenario.scenario.policies.function_grades if scenario else {}
    horizon = (run_end - run_start).total_seconds() / 60.0
    medians_scene = on_scene["median_min"].fill_nan(policy.on_scene.median_min).to_list()
    sigmas_scene = on_scene["sigma"].fill_nan(policy.on_scene.sigma).to_list()
    model = Model(
        name="calibration replay",
        start=run_start,
        horizon_min=horizon,
        end_min=horizon + policy.run.drain_hours * 60.0,
        grade_codes=tuple(codes),
        target_min=target_min,
        target_share=target_share,
        area_names=tuple(area_names),
        area_rural=np.array(
            [kinds.get(a, policy.area.default_kind) == "rural" for a in area_names], dtype=bool
        ),
        travel_median=matrix,
        travel_sigma=travel_sigma,
        category_names=tuple(categories),
        category_distribution=np.full(len(categories), LOGNORMAL, dtype=np.int64),
        category_location=np.log(np.maximum(np.asarray(medians_scene, dtype=np.float64), 1e-9)),
        category_sigma=np.asarray(sigmas_scene, dtype=np.float64),
        briefing_min=policy.shift.briefing_min,
        meal_min=policy.shift.meal_min if scenario else 0.0,
        meal_after_min=policy.shift.meal_after_hours * 60.0,
        demand=ReplayDemand(**arrays),
        skill_names=tuple(skill_names),
        officers_per_unit=policy.unit.officers_per_unit,
        unstable_queue_per_day=policy.run.unstable_queue_per_day,
        **roster_arrays(  # type: ignore[arg-type]
            roster, run_start, area_names, skill_names, function_grades, codes, aliases
        ),
    )
    return Replay(model, log, staged, exclusions, on_scene, travel, travel_sigma, roster_source)


def calibrate(
    engine: Engine,
    *,
    scenario: ScenarioInput | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    replications: int = 3,
    seed: int = 1,
    executor: str | None = None,
    grades: GradesPolicy | None = None,
    policy: ResponsePolicy | None = None,
) -> Calibration:
    """Fit, replay and compare; ``start``/``end`` select the log's incidents by received time."""
    replay = replay_model(
        engine, scenario=scenario, start=start, end=end, grades=grades, policy=policy
    )
    model, staged, log = replay.model, replay.staged, replay.log
    codes = list(model.grade_codes)
    simulated = execute(
        _response_percentiles,
        [(model, seed + k) for k in range(replications)],
        executor=executor,
    )
    sim = pl.concat(simulated).group_by("grade", "percentile").agg(pl.col("minutes").mean())
    ok = staged.filter(usable(staged, "response") & pl.col("grade").is_in(codes))
    observed = []
    for code in codes:
        values = ok.filter(pl.col("grade") == code)["response_min"].to_numpy()
        for p in PERCENTILES:
            observed.append((code, p, float(np.percentile(values, p)) if len(values) else math.nan))
    obs = pl.DataFrame(
        observed,
        schema={"grade": pl.Utf8, "percentile": pl.Int64, "observed_min": pl.Float64},
        orient="row",
    )
    comparison = (
        obs.join(sim.rename({"minutes": "simulated_min"}), on=["grade", "percentile"], how="left")
        .with_columns((pl.col("simulated_min") - pl.col("observed_min")).alias("difference_min"))
        .sort("grade", "percentile")
    )
    return Calibration(
        incidents=log.height,
        rows_used=ok.height,
        exclusions=replay.exclusions,
        on_scene=replay.on_scene,
        travel=replay.travel,
        travel_sigma=replay.travel_sigma,
        roster_source=replay.roster_source,
        units=len(model.unit_ids),
        comparison=comparison,
    )


def _response_percentiles(job: tuple[Model, int]) -> pl.DataFrame:
    from forcesight.response.engine import simulate
    from forcesight.response.model import sample_incidents

    model, seed = job
    records = simulate(model, sample_incidents(model, seed))
    response = records.response
    rows = []
    for g, code in enumerate(model.grade_codes):
        values = response[(records.grade == g) & ~np.isnan(response)]
        for p in PERCENTILES:
            rows.append((code, p, float(np.percentile(values, p)) if len(values) else math.nan))
    return pl.DataFrame(
        rows,
        schema={"grade": pl.Utf8, "percentile": pl.Int64, "minutes": pl.Float64},
        orient="row",
    )
