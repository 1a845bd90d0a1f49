"""Current roster against proposed in the response simulation: the share of emergencies (every
grade, and incidents with a vulnerable victim) reached within target under each, run on the
same seeds (common random numbers), each with its interval and the paired difference.

How a roster becomes the simulation's units: every officer of one function (response by
default) is one single-crewed unit, based in the officer's area and holding the skills the
response policy knows (after its aliases; other skills do not affect dispatch and are listed as
not simulated). A shift belongs to the day it starts; a night runs into the next morning. The
roster is laid out over the scenario's run, from the Monday on or before the day before it
starts (so a night that began the evening before is on duty at the start) to the end of the
drain period: a pattern by its own cycle, a dated roster on its own dates or, where those do not
span the run, repeated by its own length, which must then be whole weeks.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import yaml
from sqlalchemy import Engine

from forcesight.errors import RosterSimulationError, ScenarioError
from forcesight.response.factory import build_model
from forcesight.response.model import Model
from forcesight.response.replicate import Comparison, compare
from forcesight.response.validate import ScenarioInput, load_scenario
from forcesight.rostering.design import Design
from forcesight.rostering.export import to_shifts
from forcesight.rostering.roster import Roster

SHARE_METRICS = ("within_target_share", "vulnerable_within_target_share")
SHARE_LABELS = {
    "within_target_share": "all incidents",
    "vulnerable_within_target_share": "vulnerable victims",
}


def layout_window(start: datetime, end: datetime) -> tuple[date, int]:
    """First day (the Monday on or before the day before ``start``) and whole weeks reaching
    past ``end``: the days a roster is laid out over for a run from ``start`` to ``end``."""
    first = start.date() - timedelta(days=1)
    first -= timedelta(days=first.weekday())
    return first, math.ceil(((end.date() - first).days + 1) / 7)


def lay_out(roster: Roster | Design, first: date, weeks: int) -> Roster | Design:
    """The roster over ``weeks`` weeks from ``first``: a pattern as it is (its cycle lays it
    out); a dated roster on its own dates if they span the window, else repeated by its length."""
    if isinstance(roster, Design):
        return roster
    days = weeks * 7
    if roster.start_date <= first and roster.date_of(roster.days) >= first + timedelta(days):
        return roster
    if roster.days % 7:
        last = roster.date_of(roster.days - 1)
        raise RosterSimulationError(
            f"roster {roster.name}",
            [
                (
                    "dates",
                    f"the roster runs {roster.start_date}..{last}, not over the simulated days "
                    f"{first}..{first + timedelta(days - 1)}, and it is {roster.days} days long: "
                    "only a roster of whole weeks can be repeated onto the run",
                )
            ],
        )
    offset = (first - roster.start_date).days
    duties = tuple(
        tuple(row[(offset + day) % roster.days] for day in range(days)) for row in roster.duties
    )
    return replace(roster, start_date=first, days=days, duties=duties)


@dataclass(frozen=True)
class Units:
    """A roster's officers as units of a scenario's run (the response interchange frame)."""

    shifts: pl.DataFrame  # unit_id, function, area, skills, start, end
    officers: int
    first_day: date
    weeks: int
    skills_not_simulated: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "units": self.officers,
            "shifts": self.shifts.height,
            "laid_out_from": self.first_day.isoformat(),
            "weeks": self.weeks,
            "skills_not_simulated": list(self.skills_not_simulated),
        }


def roster_units(
    roster: Roster | Design, scenario: ScenarioInput, function: str = "response"
) -> Units:
    """The officers of ``function`` in ``roster`` as single-crewed units over the scenario's
    run. Refused (RosterSimulationError) when no officer has the function or an officer's area
    is not one of the scenario's areas."""
    name = f"roster {roster.name}"
    first, weeks = layout_window(scenario.scenario.start, scenario.run_end)
    shifts = to_shifts(lay_out(roster, first, weeks), first, weeks)
    functions = sorted(set(shifts["function"].to_list()))
    shifts = shifts.filter(pl.col("function") == function)
    if shifts.is_empty():
        raise RosterSimulationError(
            name,
            [
                (
                    "function",
                    f"no {function!r} shifts over the simulated days "
                    f"{first}..{first + timedelta(weeks * 7 - 1)}; "
                    f"functions rostered: {', '.join(functions) or 'none'}",
                )
            ],
        )
    areas = [a.name for a in scenario.scenario.areas]
    by_area = shifts.group_by("area").agg(pl.col("unit_id").n_unique().alias("n")).sort("area")
    problems = [
        (
            "area",
            f"{n} officer(s) of {function} are based in {area!r}, which is not one of the "
            f"scenario's areas ({', '.join(areas)}); set the area of the pattern's function "
            "(or the roster's area column) to one of them",
        )
        for area, n in by_area.iter_rows()
        if area not in areas
    ]
    if problems:
        raise RosterSimulationError(name, problems)
    skills = scenario.policy.skills
    known = set(skills.names)
    dropped: set[str] = set()

    def simulated(cell: str) -> str:
        kept = []
        for raw in (s.strip() for s in cell.split(";")):
            if not raw:
                continue
            canonical = skills.aliases.get(raw, raw)
            if canonical in known:
                kept.append(canonical)
            else:
                dropped.add(raw)
        return ";".join(dict.fromkeys(kept))

    cells = {cell: simulated(cell) for cell in shifts["skills"].unique().to_list()}
    shifts = shifts.with_columns(pl.col("skills").replace_strict(cells, return_dtype=pl.String))
    return Units(shifts, shifts["unit_id"].n_unique(), first, weeks, tuple(sorted(dropped)))


def _clean(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class RosterSimulation:
    """Roster A (current) and B (proposed) run through one scenario on the same seeds."""

    scenario: str
    path: str
    function: str
    horizon_days: float
    level: float
    units_a: Units
    units_b: Units
    comparison: Comparison
    grade_codes: tuple[str, ...]

    def shares(self) -> pl.DataFrame:
        """One row per grade and share metric: A and B with their intervals, and B - A with
        its paired interval (metric, grade, n, a_mean, a_low, a_high, b_mean, b_low, b_high,
        difference, difference_low, difference_high)."""
        a = self.comparison.a.intervals(self.level)
        b = self.comparison.b.intervals(self.level)
        keys = ["metric", "grade"]
        sides = [
            frame.filter(pl.col("metric").is_in(SHARE_METRICS)).select(
                *keys,
                pl.col("n"),
                pl.col("mean").alias(f"{side}_mean"),
                pl.col("low").alias(f"{side}_low"),
                pl.col("high").alias(f"{side}_high"),
            )
            for side, frame in (("a", a), ("b", b))
        ]
        difference = self.comparison.differences.select(
            *keys,
            pl.col("mean").alias("difference"),
            pl.col("low").alias("difference_low"),
            pl.col("high").alias("difference_high"),
        )
        order = {code: i for i, code in enumerate(self.grade_codes)}
        joined = (
            sides[0]
            .join(sides[1].drop("n"), on=keys, how="full", coalesce=True)
            .join(difference, on=keys, how="left")
            .with_columns(
                pl.col("grade").replace_strict(order, default=len(order)).alias("_grade"),
                pl.col("metric")
                .replace_strict({m: i for i, m in enumerate(SHARE_METRICS)})
                .alias("_metric"),
            )
            .sort("_metric", "_grade")
            .drop("_grade", "_metric")
        )
        return joined

    @property
    def headline_grade(self) -> str:
        """The highest-priority attended grade (grade 1, emergencies)."""
        return self.grade_codes[0]

    def to_dict(self) -> dict[str, Any]:
        rows = []
        for row in self.shares().iter_rows(named=True):
            rows.append(
                {
                    "metric": row["metric"],
                    "grade": row["grade"],
                    "replications": row["n"],
                    "a": {k: _clean(row[f"a_{k}"]) for k in ("mean", "low", "high")},
                    "b": {k: _clean(row[f"b_{k}"]) for k in ("mean", "low", "high")},
                    "difference": {
                        "mean": _clean(row["difference"]),
                        "low": _clean(row["difference_low"]),
                        "high": _clean(row["difference_high"]),
                    },
                }
            )
        return {
            "scenario": self.scenario,
            "path": self.path,
            "function": self.function,
            "horizon_days": self.horizon_days,
            "replications": len(self.comparison.a.seeds),
            "seeds": list(self.comparison.a.seeds),
            "common_random_numbers": True,
            "confidence_level": self.level,
            "headline_grade": self.headline_grade,
            "a": self.units_a.to_dict(),
            "b": self.units_b.to_dict(),
            "shares": rows,
        }


def simulate_rosters(
    current: Roster | Design,
    proposed: Roster | Design,
    scenario_path: str | Path,
    *,
    text: str | None = None,
    engine: Engine | None = None,
    function: str = "response",
    replications: int | None = None,
    seed: int | None = None,
    executor: str | None = None,
    on_done: Callable[[], None] | None = None,
    level: float = 0.95,
) -> RosterSimulation:
    """Run the scenario at ``scenario_path`` (its YAML ``text`` if given) once with the current
    roster's officers as its units and once with the proposed roster's, on the same seeds.

    The scenario's own roster section is replaced; its demand (a profile, or the store's
    incident log with ``engine``), areas, travel, targets and policies are kept. Replications
    and seed default to the scenario's own."""
    base = load_scenario(scenario_path, text=text)
    crew = base.scenario.officers_per_unit or base.policy.unit.officers_per_unit
    if crew != 1:
        raise RosterSimulationError(
            base.path,
            [
                (
                    "officers_per_unit",
                    f"is {crew}: a rostered officer becomes one single-crewed unit, so the "
                    "scenario must be single-crewed (officers_per_unit: 1)",
                )
            ],
        )
    units_a = roster_units(current, base, function)
    units_b = roster_units(proposed, base, function)

    def model(label: str, roster: Roster | Design, units: Units) -> Model:
        try:
            inp = load_scenario(scenario_path, text=text, roster=units.shifts)
        except ScenarioError as exc:  # name the roster: the scenario alone is sound
            raise RosterSimulationError(
                f"roster {label} ({roster.name}) in scenario {base.path}", exc.problems
            ) from None
        return build_model(inp, engine)

    model_a = model("A", current, units_a)
    model_b = model("B", proposed, units_b)
    comparison = compare(
        model_a,
        model_b,
        replications or base.scenario.replications,
        base.scenario.seed if seed is None else seed,
        executor=executor,
        on_done=on_done,
        level=level,
    )
    return RosterSimulation(
        scenario=base.scenario.name,
        path=base.path,
        function=function,
        horizon_days=base.scenario.horizon_days,
        level=level,
        units_a=units_a,
        units_b=units_b,
        comparison=comparison,
        grade_codes=model_a.grade_codes,
    )


def scenario_source(
    ref: str, horizon_days: float | None, engine: Callable[[], Engine]
) -> tuple[Path, str]:
    """(path, YAML text) of a scenario given as a file or as ``example:STEM`` / ``stored:NAME``
    (the response catalogue; ``engine`` is called only then), its run shortened to
    ``horizon_days`` if that is shorter."""
    path = Path(ref)
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        load_scenario(path, text=text)  # refuse a bad file with its own line numbers
        if horizon_days is not None:
            data: dict[str, Any] = yaml.safe_load(text)
            data["horizon_days"] = min(float(data.get("horizon_days", horizon_days)), horizon_days)
            text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        return path, text
    if ref.startswith(("example:", "stored:")):
        from forcesight.response.catalogue import scenario_source as catalogued

        return catalogued(engine(), ref, horizon_days=horizon_days)
    raise ScenarioError(
        ref, [("SCENARIO", "is neither a scenario file nor example:STEM or stored:NAME")]
    )


def needs_store(text: str) -> bool:
    """Whether a scenario's demand comes from the store's incident log."""
    data = yaml.safe_load(text)
    demand = data.get("demand") if isinstance(data, dict) else None
    return isinstance(demand, dict) and demand.get("source") in {"store", "replay"}


def comparison_record(
    current: str, proposed: str, scenario: str | None, payload: dict[str, Any], run_at: datetime
) -> dict[str, Any]:
    """What is stored for a comparison: which rosters and scenario, when, and the results."""
    return {
        "current": current,
        "proposed": proposed,
        "scenario": scenario,
        "run_at": run_at.isoformat(timespec="seconds"),
        "cover": {k: payload[k] for k in ("summary", "hours_changed") if k in payload} or None,
        "simulation": payload.get("simulation"),
    }
