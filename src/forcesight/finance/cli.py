"""`forcesight finance`: cost rates, the cost of demand, spend against outcomes, and the
benefits register."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from forcesight.cli_common import print_json, run_or_exit, store_engine
from forcesight.finance import benefits, costs, metrics, outcomes, rates
from forcesight.finance.policy import load_finance_policy
from forcesight.workforce.cli import AtOption, ByOption, JsonOption, _actor, _emit, _now

finance_app = typer.Typer(
    name="finance",
    help="Cost of demand, spend against outcomes, and the benefits register.",
    no_args_is_help=True,
)
rates_app = typer.Typer(name="rates", help="Cost rates by rank or grade.", no_args_is_help=True)
benefits_app = typer.Typer(name="benefits", help="The benefits register.", no_args_is_help=True)
finance_app.add_typer(rates_app, name="rates")
finance_app.add_typer(benefits_app, name="benefits")
DATE = ["%Y-%m-%d"]


@rates_app.command("load")
def rates_load(
    path: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="CSV rank,hourly_cost[,source].")
    ],
    name: Annotated[str, typer.Option("--name", help="Name of the rate set, e.g. '2026/27'.")],
    by: ByOption = None,
    at: AtOption = None,
    json_output: JsonOption = False,
) -> None:
    """Load the force's cost rates; the newest loaded set is the one used."""
    engine = store_engine()
    loaded = run_or_exit(
        lambda: rates.load_rates_file(
            engine, path, name=name, loaded_by=_actor(by).name, now=_now(at)
        )
    )
    _emit(
        json_output,
        {"rate_set": loaded.name, "ranks": loaded.rates.height},
        {"rates": loaded.rates},
    )


@rates_app.command("show")
def rates_show(json_output: JsonOption = False) -> None:
    """The cost rates in use (the newest loaded set, else the demo defaults)."""
    engine = store_engine()
    current = run_or_exit(lambda: rates.current_rates(engine))
    _emit(
        json_output,
        {"rate_set": current.name, "assumption": current.assumption, "from": current.origin},
        {"rates": current.rates},
    )


@finance_app.command("costs")
def costs_command(
    by: Annotated[
        str, typer.Option("--by", help="Comma-separated: function, stream, category, rank.")
    ] = "function,stream",
    at: AtOption = None,
    json_output: JsonOption = False,
) -> None:
    """Cost of demand over the year before --at."""
    keys = [k.strip() for k in by.split(",") if k.strip()]
    if not keys or set(keys) - {"function", "stream", "category", "rank"}:
        raise typer.BadParameter(f"--by takes function, stream, category, rank; got {by!r}")
    engine = store_engine()
    result = run_or_exit(lambda: costs.cost_of_demand(engine, _now(at)))
    payload = {
        "from": result.start, "to": result.end, "rate_set": result.rates.name,
        "rates_are_assumptions": result.rates.assumption, "hours": round(result.total_hours, 1),
        "cost": round(result.total_cost), "unpriced_hours": round(result.unpriced_hours, 1),
        "notes": result.notes,
    }  # fmt: skip
    _emit(json_output, payload, {"costs": result.by(*keys), "unpriced": result.unpriced()})


@finance_app.command("outcomes")
def outcomes_command(at: AtOption = None, json_output: JsonOption = False) -> None:
    """Spend against outcomes by function (outcome-based budgeting)."""
    engine = store_engine()
    policy = load_finance_policy()
    result = run_or_exit(lambda: costs.cost_of_demand(engine, _now(at), policy))
    view, notes = run_or_exit(lambda: outcomes.budgeting_view(engine, result, policy))
    _emit(json_output, {"notes": notes}, {"outcomes": view})


@benefits_app.command("add")
def benefits_add(
    name: Annotated[str, typer.Argument(help="Name of the investment.")],
    function: Annotated[str, typer.Option("--function", help="Function it is for.")],
    metric: Annotated[str, typer.Option("--metric", help=f"One of: {', '.join(metrics.METRICS)}.")],
    baseline: Annotated[float, typer.Option("--baseline", help="Baseline value of the metric.")],
    baseline_on: Annotated[
        datetime, typer.Option("--baseline-on", formats=DATE, help="Date of the baseline.")
    ],
    expected: Annotated[float, typer.Option("--expected", help="Expected value of the metric.")],
    expected_by: Annotated[
        datetime, typer.Option("--expected-by", formats=DATE, help="Date it is expected by.")
    ],
    cost: Annotated[
        float | None, typer.Option("--cost", help="Cost of the investment [GBP].")
    ] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Who owns the benefit.")] = None,
    notes: Annotated[str | None, typer.Option("--notes")] = None,
    by: ByOption = None,
    at: AtOption = None,
    json_output: JsonOption = False,
) -> None:
    """Register an investment and the benefit it should deliver."""
    engine = store_engine()
    item = benefits.Investment(
        name, function, metric, baseline, baseline_on.date(), expected, expected_by.date(),
        cost, owner, notes,
    )  # fmt: skip
    new_id = run_or_exit(
        lambda: benefits.register_investment(engine, item, created_by=_actor(by).name, now=_now(at))
    )
    _emit(json_output, {"id": new_id, "investment": name}, {})


@benefits_app.command("list")
def benefits_list(
    measure: Annotated[
        bool, typer.Option("--record", help="Also store today's measurements.")
    ] = False,
    by: ByOption = None,
    at: AtOption = None,
    json_output: JsonOption = False,
) -> None:
    """Every investment with its actual measured from the store and its status."""
    engine = store_engine()
    who = _actor(by).name if measure else None
    view = run_or_exit(lambda: benefits.register_view(engine, _now(at), record=who))
    _emit(json_output, {"investments": view.height}, {"register": view})


@finance_app.command("metrics")
def metrics_command(at: AtOption = None) -> None:
    """The named metrics a benefit can be measured by, with their value now."""
    engine = store_engine()
    now = _now(at)
    print_json(
        {
            m.name: {"description": m.description, "unit": m.unit, "better": m.better,
                     "value": run_or_exit(lambda m=m: m.measure(engine, now))}  # type: ignore[misc]
            for m in metrics.METRICS.values()
        }
    )  # fmt: skip
