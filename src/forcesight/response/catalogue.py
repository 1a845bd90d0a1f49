"""Scenarios the web pages and API can run: the example files shipped in ``examples/`` and
scenarios stored in the ``scenarios`` table (kind ``response_scenario``), each named by a
reference ``example:<file stem>`` or ``stored:<name>``, with bounds for interactive runs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
import yaml
from sqlalchemy import Engine, select

from forcesight.errors import ScenarioError
from forcesight.response.replicate import Comparison
from forcesight.response.service import (
    Simulation,
    compare_scenarios,
    required_cover_chart_svg,
    simulate_scenario,
)
from forcesight.response.staffing import METHODS, erlang_table, hourly_demand_from_log
from forcesight.response.validate import load_scenario
from forcesight.store.entities import scenarios
from forcesight.store.named import replace_named

KIND = "response_scenario"
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
# Interactive runs are bounded so that a page answers in seconds.
MAX_REPLICATIONS = 5
MAX_HORIZON_DAYS = 28.0
DEFAULT_REPLICATIONS = 2
DEFAULT_HORIZON_DAYS = 7.0


@dataclass(frozen=True)
class ScenarioRef:
    ref: str  # example:<stem> or stored:<name>
    name: str
    origin: str  # example | stored


def _example_files() -> list[Path]:
    if not EXAMPLES.is_dir():
        return []
    files = sorted(EXAMPLES.glob("response_*.yaml")) + sorted(EXAMPLES.glob("mmc.yaml"))
    return [f for f in files if not f.stem.endswith("_grades")]


def list_scenarios(engine: Engine) -> list[ScenarioRef]:
    """Every runnable scenario: examples first, then stored ones by name."""
    out = [ScenarioRef(f"example:{f.stem}", f.stem, "example") for f in _example_files()]
    with engine.connect() as connection:
        names = connection.execute(
            select(scenarios.c.name).where(scenarios.c.kind == KIND).order_by(scenarios.c.name)
        ).scalars()
        out += [ScenarioRef(f"stored:{n}", n, "stored") for n in names]
    return out


SCENARIO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,79}$")


def store_scenario(
    engine: Engine,
    name: str,
    text: str,
    *,
    now: datetime,
    user: str,
    source: Path | None = None,
) -> ScenarioRef:
    """Check a scenario's YAML (every problem listed, with its line) and store it under
    ``name`` (replacing one of that name), so the pages, the API and the roster comparison can
    run it as ``stored:<name>``. A stored scenario cannot name files beside it (grades_file).
    Problems name ``source`` (the file it came from) when given."""
    name = name.strip()
    if not SCENARIO_NAME.match(name):
        raise ScenarioError(
            f"stored:{name}",
            [("name", "1 to 80 letters, digits, spaces, '.', '-' or '_', starting with a letter "
                      "or digit")],
        )  # fmt: skip
    load_scenario(source or Path(f"stored-{name}.yaml"), text=text)  # raises with every problem
    replace_named(engine, KIND, name, text, now, user)
    return ScenarioRef(f"stored:{name}", name, "stored")


def scenario_source(
    engine: Engine, ref: str, *, horizon_days: float | None = None
) -> tuple[Path, str]:
    """(path, YAML text) of a scenario reference, its horizon shortened to ``horizon_days``
    if given. The path resolves files the scenario names (grades_file) for examples."""
    origin, _, name = ref.partition(":")
    known = [s.ref for s in list_scenarios(engine)]
    if ref not in known:
        raise ScenarioError(ref, [("scenario", f"unknown; expected one of {', '.join(known)}")])
    if origin == "example":
        path = EXAMPLES / f"{name}.yaml"
        text = path.read_text(encoding="utf-8")
    else:
        path = Path(f"stored-{name}.yaml")
        with engine.connect() as connection:
            text = connection.execute(
                select(scenarios.c.body).where(scenarios.c.kind == KIND, scenarios.c.name == name)
            ).scalar_one()
    load_scenario(path, text=text)  # refuse a bad scenario with its own line numbers
    if horizon_days is not None:
        data: dict[str, Any] = yaml.safe_load(text)
        data["horizon_days"] = min(float(data.get("horizon_days", horizon_days)), horizon_days)
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return path, text


def bounded(replications: int | None, horizon_days: float | None) -> tuple[int, float]:
    """Replications and horizon for an interactive run, within the bounds above."""
    reps = DEFAULT_REPLICATIONS if replications is None else replications
    days = DEFAULT_HORIZON_DAYS if horizon_days is None else horizon_days
    if not 1 <= reps <= MAX_REPLICATIONS:
        raise ScenarioError("run", [("replications", f"must be 1 to {MAX_REPLICATIONS}")])
    if not 0 < days <= MAX_HORIZON_DAYS:
        raise ScenarioError(
            "run", [("horizon_days", f"must be above 0, at most {MAX_HORIZON_DAYS:g}")]
        )
    return reps, days


def simulate_ref(
    engine: Engine,
    ref: str,
    *,
    replications: int | None = None,
    horizon_days: float | None = None,
    seed: int | None = None,
) -> Simulation:
    """Run a stored or example scenario, bounded for an interactive answer, in this process."""
    reps, days = bounded(replications, horizon_days)
    path, text = scenario_source(engine, ref, horizon_days=days)
    return simulate_scenario(
        path, engine=engine, text=text, replications=reps, seed=seed, executor="serial"
    )


def compare_refs(
    engine: Engine,
    ref_a: str,
    ref_b: str,
    *,
    replications: int | None = None,
    horizon_days: float | None = None,
    seed: int | None = None,
) -> Comparison:
    """B against A (common random numbers), bounded for an interactive answer."""
    reps, days = bounded(replications, horizon_days)
    path_a, text_a = scenario_source(engine, ref_a, horizon_days=days)
    path_b, text_b = scenario_source(engine, ref_b, horizon_days=days)
    return compare_scenarios(
        path_a, path_b, engine=engine, replications=reps, seed=seed, executor="serial",
        text_a=text_a, text_b=text_b,
    )  # fmt: skip


def staffing_from_log(engine: Engine, method: str = "priority") -> pl.DataFrame:
    """The Erlang table by hour of week for the store's incident log, with day and hour
    columns; empty when the log holds no incidents."""
    if method not in METHODS:
        raise ScenarioError("staffing", [("method", f"must be one of {', '.join(METHODS)}")])
    demand = hourly_demand_from_log(engine)
    if demand.is_empty() or demand["arrivals_per_hour"].sum() == 0:
        return pl.DataFrame()
    table = erlang_table(demand, method=method)  # type: ignore[arg-type]
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    return table.select(
        pl.col("hour_of_week").floordiv(24).map_elements(lambda d: days[d], pl.Utf8).alias("day"),
        pl.format("{}:00", (pl.col("hour_of_week") % 24).cast(pl.Utf8).str.zfill(2)).alias("hour"),
        pl.all(),
    ).with_columns(pl.col(pl.Float64).fill_nan(None))


def staffing_chart_svg(table: pl.DataFrame, function: str = "response") -> str:
    """Officers needed on duty by hour of week from ``staffing_from_log``; "" when empty."""
    if table.is_empty():
        return ""
    cover = table.select(
        pl.lit(function).alias("function"), "hour_of_week", pl.col("officers").alias("required")
    )
    return required_cover_chart_svg(cover)
