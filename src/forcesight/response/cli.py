"""`forcesight response ...`: simulate, compare, staffing, calibrate, schema."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer
from rich.table import Table
from sqlalchemy import Engine

from forcesight.cli_common import console, print_json, progress_bar, run_or_exit, store_engine

app = typer.Typer(
    help="Response capacity: Erlang staffing, simulation, calibration to the incident log.",
    no_args_is_help=True,
)

ScenarioPath = Annotated[
    Path, typer.Argument(exists=True, dir_okay=False, help="Scenario file (YAML).")
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
Replications = Annotated[
    int | None, typer.Option("--replications", "-n", min=1, help="Replications (default: file).")
]
Seed = Annotated[int | None, typer.Option("--seed", min=0, help="First seed (default: file).")]
Executor = Annotated[
    str | None,
    typer.Option("--executor", help="processes | serial | dask (default: the executor setting)."),
]


@contextmanager
def _store(needed: bool = True) -> Iterator[Engine | None]:
    """The store's engine when needed, disposed afterwards (its connections closed)."""
    engine = store_engine() if needed else None
    try:
        yield engine
    finally:
        if engine is not None:
            engine.dispose()


def _needs_store(path: Path) -> bool:
    import yaml

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False
    demand = raw.get("demand") if isinstance(raw, dict) else None
    return isinstance(demand, dict) and demand.get("source") in {"store", "replay"}


def _check_executor(value: str | None) -> None:
    if value is not None and value not in {"processes", "serial", "dask"}:
        console.print(f"[red]--executor must be processes, serial or dask, not {value!r}[/]")
        raise typer.Exit(2)


@app.command()
def simulate(
    scenario: ScenarioPath,
    as_json: JsonFlag = False,
    replications: Replications = None,
    seed: Seed = None,
    executor: Executor = None,
) -> None:
    """Run a scenario's replications; results with 95% intervals."""
    from forcesight.response.service import simulate_scenario
    from forcesight.response.validate import load_scenario

    _check_executor(executor)

    def action() -> dict[str, Any]:
        inp = load_scenario(scenario)  # refuse a bad scenario before anything runs
        total = replications or inp.scenario.replications
        with (
            _store(_needs_store(scenario)) as engine,
            progress_bar(f"simulating {inp.scenario.name}", total=total) as advance,
        ):
            result = simulate_scenario(
                scenario,
                engine=engine,
                replications=replications,
                seed=seed,
                executor=executor,
                on_done=advance,
            )
        return result.to_dict()

    payload = run_or_exit(action)
    if as_json:
        print_json(payload)
        return
    table = Table(title=f"{payload['scenario']} ({payload['replications']} replications)")
    for column in ("grade", "within target", "95% interval", "mean wait [min]", "p90 [min]"):
        table.add_column(column)
    for code, metrics in payload["grades"].items():
        share = metrics.get("within_target_share", {})
        table.add_row(
            code,
            _fmt(share.get("mean"), "{:.1%}"),
            f"{_fmt(share.get('low'), '{:.1%}')} - {_fmt(share.get('high'), '{:.1%}')}",
            _fmt(metrics.get("mean_wait_min", {}).get("mean"), "{:.1f}"),
            _fmt(metrics.get("p90_response_min", {}).get("mean"), "{:.1f}"),
        )
    console.print(table)
    if "erlang_c_mean_wait" in payload:
        theory = payload["erlang_c_mean_wait"]
        console.print(f"mean wait {payload['mean_wait']:.3f} min; Erlang C {theory:.3f} min")
    if payload["unstable"]:
        console.print(
            f"[bold red]unstable:[/] demand exceeds capacity; {payload['stacked_at_end']:.0f} "
            "incidents still stacked at the end of the run"
        )


def _fmt(value: Any, pattern: str) -> str:
    return "-" if value is None else pattern.format(value)


@app.command("compare")
def compare_command(
    a: ScenarioPath,
    b: ScenarioPath,
    as_json: JsonFlag = False,
    replications: Replications = None,
    seed: Seed = None,
    executor: Executor = None,
) -> None:
    """B against A on the same seeds: differences with paired 95% intervals."""
    from forcesight.response.service import compare_scenarios, comparison_dict
    from forcesight.response.validate import load_scenario

    _check_executor(executor)

    def action() -> dict[str, Any]:
        first = load_scenario(a)
        load_scenario(b)
        total = 2 * (replications or first.scenario.replications)
        with (
            _store(_needs_store(a) or _needs_store(b)) as engine,
            progress_bar("comparing", total=total) as advance,
        ):
            result = compare_scenarios(
                a, b, engine=engine, replications=replications, seed=seed,
                executor=executor, on_done=advance,
            )  # fmt: skip
        return comparison_dict(result)

    payload = run_or_exit(action)
    if as_json:
        print_json(payload)
        return
    table = Table(title=f"{payload['b']} minus {payload['a']}")
    for column in ("metric", "grade", "A", "B", "B - A", "95% interval"):
        table.add_column(column)
    shown = {"within_target_share", "mean_wait_min", "p90_response_min", "unmet", "utilisation"}
    for row in payload["differences"]:
        if row["metric"] in shown:
            table.add_row(
                row["metric"], row["grade"], _fmt(row["a_mean"], "{:.3f}"),
                _fmt(row["b_mean"], "{:.3f}"), _fmt(row["difference"], "{:+.3f}"),
                f"{_fmt(row['low'], '{:+.3f}')} .. {_fmt(row['high'], '{:+.3f}')}",
            )  # fmt: skip
    console.print(table)


@app.command()
def staffing(
    scenario: Annotated[
        Path | None,
        typer.Option("--scenario", exists=True, dir_okay=False, help="Demand from a scenario."),
    ] = None,
    method: Annotated[
        str, typer.Option("--method", help="priority | erlang_c | erlang_a")
    ] = "priority",
    function: Annotated[str, typer.Option("--function", help="Function named in the cover.")] = (
        "response"
    ),
    as_json: JsonFlag = False,
) -> None:
    """The Erlang table by hour of week (from the store's incident log, or a scenario)."""
    from forcesight.response.factory import build_model
    from forcesight.response.staffing import (
        METHODS,
        erlang_table,
        hourly_demand_from_log,
        hourly_demand_from_model,
    )
    from forcesight.response.validate import load_scenario

    if method not in METHODS:
        console.print(f"[red]--method must be one of {', '.join(METHODS)}, not {method!r}[/]")
        raise typer.Exit(2)

    def action() -> pl.DataFrame:
        if scenario is not None:
            inp = load_scenario(scenario)
            with _store(_needs_store(scenario)) as engine:
                demand = hourly_demand_from_model(build_model(inp, engine))
            per_unit = inp.scenario.officers_per_unit
        else:
            with _store() as engine:
                assert engine is not None
                demand = hourly_demand_from_log(engine)
            per_unit = None
        if demand.is_empty() or demand["arrivals_per_hour"].sum() == 0:
            from forcesight.errors import ScenarioError

            raise ScenarioError(
                str(scenario or "incident log"), [("demand", "no incidents to staff for")]
            )
        return erlang_table(demand, method=method, officers_per_unit=per_unit)  # type: ignore[arg-type]

    table = run_or_exit(action)
    if as_json:
        print_json(
            {
                "method": method,
                "function": function,
                "hours": [
                    {k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
                    for r in table.to_dicts()
                ],
            }
        )
        return
    out = Table(title=f"Officers needed on duty by hour of week ({method})")
    for column in ("day", "hour", "load [Erlangs]", "units", "officers", "grade 1 within"):
        out.add_column(column)
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    first_grade = next((c for c in table.columns if c.startswith("within_target_share_")), None)
    for row in table.to_dicts():
        h = row["hour_of_week"]
        share = row.get(first_grade) if first_grade else None
        out.add_row(
            days[h // 24], f"{h % 24:02d}:00", f"{row['offered_load']:.1f}", str(row["units"]),
            str(row["officers"]), _fmt(share if share == share else None, "{:.1%}"),
        )  # fmt: skip
    console.print(out)


@app.command()
def calibrate(
    scenario: Annotated[
        Path | None,
        typer.Option("--scenario", exists=True, dir_okay=False, help="Roster and areas to use."),
    ] = None,
    date_from: Annotated[
        datetime | None, typer.Option("--from", help="First received time used.")
    ] = None,
    date_to: Annotated[
        datetime | None, typer.Option("--to", help="Received times before this.")
    ] = None,
    replications: Annotated[int, typer.Option("--replications", "-n", min=1)] = 3,
    seed: Annotated[int, typer.Option("--seed", min=0)] = 1,
    as_json: JsonFlag = False,
) -> None:
    """Fit travel and time on scene from the log; replay it; simulated vs observed percentiles."""
    from forcesight.response.calibrate import calibrate as run_calibration
    from forcesight.response.validate import load_scenario

    def action() -> dict[str, Any]:
        inp = load_scenario(scenario) if scenario else None
        with _store() as engine, progress_bar("calibrating", total=None):
            assert engine is not None
            result = run_calibration(
                engine, scenario=inp, start=date_from, end=date_to,
                replications=replications, seed=seed,
            )  # fmt: skip
        return result.to_dict()

    payload = run_or_exit(action)
    if as_json:
        print_json(payload)
        return
    console.print(
        f"{payload['incidents']} incidents; {payload['rows_used_for_response']} used for "
        f"response times; roster {payload['roster']['source']} ({payload['roster']['units']} units)"
    )
    for row in payload["rows_left_out"]:
        console.print(f"  left out of {row['stage']}: {row['rows']} rows ({row['reason']})")
    out = Table(title="Response time [min]: observed vs simulated")
    for column in ("grade", "percentile", "observed", "simulated"):
        out.add_column(column)
    for row in payload["response_percentiles"]:
        out.add_row(
            row["grade"], str(row["percentile"]), _fmt(row["observed_min"], "{:.1f}"),
            _fmt(row["simulated_min"], "{:.1f}"),
        )  # fmt: skip
    console.print(out)


@app.command()
def save(
    scenario: ScenarioPath,
    name: Annotated[str, typer.Option("--name", help="Store it under this name.")],
    as_json: JsonFlag = False,
) -> None:
    """Check a scenario file and store it in the store, for the web pages and the API (as
    stored:NAME) and for `roster compare --simulate stored:NAME`."""
    from forcesight.response.catalogue import store_scenario

    text = scenario.read_text(encoding="utf-8")
    ref = run_or_exit(
        lambda: store_scenario(
            store_engine(), name, text, now=datetime.now(), user="cli", source=scenario
        )
    )
    if as_json:
        print_json({"ref": ref.ref, "name": ref.name})
        return
    console.print(f"Stored {scenario.name} as {ref.ref}.")


@app.command()
def schema() -> None:
    """Print the scenario file's fields, units and meaning as a Markdown table."""
    from forcesight.response.docs import scenario_schema_markdown

    print(scenario_schema_markdown())


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="response")
