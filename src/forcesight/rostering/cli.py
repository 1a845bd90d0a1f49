"""`forcesight roster ...`: design, check, compare, re-roster and export shift patterns."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer

from forcesight.cli_common import console, print_json, progress_bar, run_or_exit, store_engine
from forcesight.errors import ScenarioError
from forcesight.response.validate import load_scenario
from forcesight.rostering import queries
from forcesight.rostering.check import check_roster
from forcesight.rostering.compare import compare_rosters
from forcesight.rostering.design import Design, design
from forcesight.rostering.export import to_shifts
from forcesight.rostering.policy import load_rostering_policy
from forcesight.rostering.rerostering import Absence, reroster
from forcesight.rostering.roster import (
    Roster,
    instantiate,
    read_roster_csv,
    roster_from_dict,
    roster_to_dict,
    write_roster_csv,
    write_roster_excel,
)
from forcesight.rostering.simulation import (
    comparison_record,
    needs_store,
    scenario_source,
    simulate_rosters,
)
from forcesight.rostering.spec import load_spec, read_cover

roster_app = typer.Typer(
    help="Shift patterns: design against demand, check the rules, compare, re-roster.",
    no_args_is_help=True,
)

REF_HELP = (
    "A roster grid CSV file, or a stored object: pattern:NAME (a designed pattern) or "
    "roster:NAME (a dated roster)."
)


def _load(ref: str, weeks: int | None = None) -> Roster | Design:
    kind, _, name = ref.partition(":")
    if name and kind in {"pattern", "roster"} and not Path(ref).exists():
        engine = store_engine()
        if kind == "pattern":
            return Design.from_dict(queries.load_named(engine, queries.KIND_PATTERN, name))
        return roster_from_dict(queries.load_named(engine, queries.KIND_ROSTER, name), name)
    return read_roster_csv(ref)


def _write_outputs(roster: Roster, csv_out: Path | None, xlsx_out: Path | None) -> None:
    if csv_out is not None:
        write_roster_csv(roster, csv_out)
        console.print(f"roster grid written to {csv_out}")
    if xlsx_out is not None:
        write_roster_excel(roster, xlsx_out)
        console.print(f"roster grid written to {xlsx_out}")


@roster_app.command("design")
def design_command(
    spec_path: Annotated[Path, typer.Argument(metavar="SPEC", help="Specification YAML.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    cover_path: Annotated[
        Path | None, typer.Option("--cover", help="Cover CSV/YAML (overrides the spec's).")
    ] = None,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", min=0.1, help="Seconds per function.")
    ] = None,
    save: Annotated[
        str | None, typer.Option("--save", help="Store the pattern and roster under this name.")
    ] = None,
    weeks: Annotated[
        int | None, typer.Option("--weeks", min=1, help="Weeks of dated roster to export.")
    ] = None,
    csv_out: Annotated[
        Path | None, typer.Option("--csv", help="Write the roster grid CSV.")
    ] = None,
    xlsx_out: Annotated[
        Path | None, typer.Option("--xlsx", help="Write the grid as Excel.")
    ] = None,
) -> None:
    """Design a rotating roster for each function of SPEC against its required cover."""

    def action() -> dict[str, Any]:
        spec, cover = load_spec(spec_path)
        if cover_path is not None:
            cover = read_cover(cover_path)
        if cover is None:
            raise ScenarioError(
                str(spec_path), [("cover", "no cover file given (spec or --cover)")]
            )
        if time_limit is not None:
            spec = spec.model_copy(
                update={"solver": spec.solver.model_copy(update={"time_limit_seconds": time_limit})}
            )
        policy = load_rostering_policy(spec.policy_dir)
        today = datetime.now().date()
        with progress_bar("designing", total=len(spec.functions)) as advance:
            result = design(
                spec,
                cover,
                policy,
                today,
                progress=lambda name: advance(0, description=f"designing {name}"),
            )
            advance(len(spec.functions))
        cycle = max(f.cycle_weeks for f in result.functions)
        roster = instantiate(result, result.start_date, weeks or cycle)
        _write_outputs(roster, csv_out, xlsx_out)
        if save:
            engine = store_engine()
            now = datetime.now()
            queries.save_named(engine, queries.KIND_PATTERN, save, result.to_dict(), now)
            queries.save_named(engine, queries.KIND_ROSTER, save, roster_to_dict(roster), now)
            queries.save_named(engine, queries.KIND_SPEC, save, spec.model_dump(mode="json"), now)
        return result.to_dict()

    payload = run_or_exit(action)
    if as_json:
        print_json(payload)
        return
    for f in payload["functions"]:
        stage = f["stages"][0] if f["stages"] else {}
        console.print(
            f"[bold]{f['function']}[/]: {f['shortfall_officer_hours']:g} officer-hours a week "
            f"below cover; weighted objective {stage.get('objective')} with proven bound "
            f"{stage.get('bound')} (gap {stage.get('gap')})"
        )
        if f["conflict"]:
            console.print(f"  rules in conflict: {', '.join(f['conflict'])}")
        binding = [r["rule"] for r in f["rules"] if r["binds"]]
        console.print(f"  rules that bind: {', '.join(binding) or 'none shown'}")
        console.print(f"  hours under-covered: {len(f['under_covered_hours'])}")


@roster_app.command("check")
def check_command(
    roster_ref: Annotated[str, typer.Argument(metavar="ROSTER", help=REF_HELP)],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    baseline: Annotated[
        str | None, typer.Option("--baseline", help="The published roster this one changes.")
    ] = None,
    now: Annotated[
        datetime | None, typer.Option("--now", help="When the changes are made (notice).")
    ] = None,
    policy_dir: Annotated[
        Path | None, typer.Option("--policy-dir", help="Force rule overrides.")
    ] = None,
) -> None:
    """List every rule breach in ROSTER: officer, dates and rule. Exit code 3 if any."""

    def action() -> pl.DataFrame:
        roster = _load(roster_ref)
        if isinstance(roster, Design):
            roster = instantiate(
                roster, roster.start_date, max(f.cycle_weeks for f in roster.functions)
            )
        base = _load(baseline) if baseline else None
        if isinstance(base, Design):
            raise ScenarioError(baseline or "", [("baseline", "must be a dated roster")])
        return check_roster(
            roster,
            load_rostering_policy(policy_dir),
            base,
            now or (datetime.now() if base is not None else None),
        )

    breaches = run_or_exit(action)
    if as_json:
        print_json({"breaches": breaches.to_dicts(), "count": breaches.height})
    else:
        for row in breaches.iter_rows(named=True):
            print(f"{row['officer']}\t{row['from']}..{row['to']}\t{row['rule']}\t{row['detail']}")
        console.print(f"{breaches.height} breach(es)")
    if breaches.height:
        raise typer.Exit(3)


@roster_app.command("compare")
def compare_command(
    a: Annotated[str, typer.Argument(metavar="A", help=REF_HELP)],
    b: Annotated[str, typer.Argument(metavar="B", help=REF_HELP)],
    cover_path: Annotated[
        Path | None, typer.Option("--cover", help="Required cover CSV/YAML: the cover gap.")
    ] = None,
    scenario: Annotated[
        str | None,
        typer.Option(
            "--simulate",
            metavar="SCENARIO",
            help="Run both rosters through this response scenario (a YAML file, or "
            "example:STEM / stored:NAME): share reached within target by grade.",
        ),
    ] = None,
    replications: Annotated[
        int | None,
        typer.Option("--replications", "-n", min=2, help="Replications (default: scenario's)."),
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", min=0, help="First seed.")] = None,
    horizon_days: Annotated[
        float | None,
        typer.Option("--horizon-days", min=0.5, help="Shorten the scenario's run [days]."),
    ] = None,
    function: Annotated[
        str, typer.Option("--function", help="Function whose officers become units.")
    ] = "response",
    executor: Annotated[
        str | None, typer.Option("--executor", help="processes | serial | dask.")
    ] = None,
    save: Annotated[
        str | None,
        typer.Option("--save", help="Store the comparison (the FMS reports the newest)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Compare roster A (current) with B (proposed): the cover gap by function and hour of the
    week (--cover) and, run through a response scenario (--simulate), the change in the share
    of emergencies reached within target, with intervals, on common random numbers."""
    if cover_path is None and scenario is None:
        console.print("[red]give --cover FILE, --simulate SCENARIO or both[/]")
        raise typer.Exit(2)
    if executor is not None and executor not in {"processes", "serial", "dask"}:
        console.print(f"[red]--executor must be processes, serial or dask, not {executor!r}[/]")
        raise typer.Exit(2)

    def action() -> dict[str, Any]:
        current, proposed = _load(a), _load(b)
        payload: dict[str, Any] = {"a": a, "b": b}
        if cover_path is not None:
            payload |= compare_rosters(current, proposed, read_cover(cover_path)).to_dict()
        if scenario is not None:
            path, text = scenario_source(scenario, horizon_days, store_engine)
            engine = store_engine() if needs_store(text) else None
            total = 2 * (replications or load_scenario(path, text=text).scenario.replications)
            with progress_bar("simulating A and B", total=total) as advance:
                result = simulate_rosters(
                    current, proposed, path, text=text, engine=engine, function=function,
                    replications=replications, seed=seed, executor=executor, on_done=advance,
                )  # fmt: skip
            payload["simulation"] = result.to_dict()
        if save:
            now = datetime.now()
            record = comparison_record(a, b, scenario, payload, now)
            queries.save_named(store_engine(), queries.KIND_COMPARISON, save, record, now)
        return payload

    payload = run_or_exit(action)
    if as_json:
        print_json(payload)
        return
    for row in payload.get("summary", []):
        console.print(
            f"[bold]{row['function']}[/]: shortfall {row['a_shortfall_officer_hours']:.1f} -> "
            f"{row['b_shortfall_officer_hours']:.1f} officer-h/week; hours short "
            f"{row['a_hours_short']} -> {row['b_hours_short']}"
        )
    if "simulation" in payload:
        _print_simulation(payload["simulation"])


def _share(value: dict[str, float | None]) -> str:
    mean, low, high = value["mean"], value["low"], value["high"]
    if mean is None:
        return "-"
    interval = f" [{low:.1%}, {high:.1%}]" if low is not None and high is not None else ""
    return f"{mean:.1%}{interval}"


def _points(value: dict[str, float | None]) -> str:
    mean, low, high = value["mean"], value["low"], value["high"]
    if mean is None:
        return "-"
    interval = (
        f" [{100 * low:+.1f}, {100 * high:+.1f}]" if low is not None and high is not None else ""
    )
    return f"{100 * mean:+.1f} points{interval}"


def _print_simulation(sim: dict[str, Any]) -> None:
    console.print(
        f"[bold]{sim['scenario']}[/]: {sim['replications']} replications on common random "
        f"numbers; {sim['a']['units']} units (A) and {sim['b']['units']} units (B) of "
        f"{sim['function']}"
    )
    for row in sim["shares"]:
        who = "vulnerable, " if row["metric"].startswith("vulnerable") else ""
        console.print(
            f"  grade {row['grade']} ({who}within target): A {_share(row['a'])}, "
            f"B {_share(row['b'])}; B - A {_points(row['difference'])}"
        )
    for side in ("a", "b"):
        if sim[side]["skills_not_simulated"]:
            console.print(
                f"  {side.upper()}: skills not used by the simulation: "
                f"{', '.join(sim[side]['skills_not_simulated'])}"
            )


def _read_absences(path: Path) -> list[Absence]:
    problems: list[tuple[str, str]] = []
    out = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        for number, row in enumerate(reader, start=2):
            try:
                out.append(
                    Absence(
                        row["officer"].strip(),
                        date.fromisoformat(row["first"]),
                        date.fromisoformat(row["last"]),
                        (row.get("kind") or "sick").strip(),
                    )
                )
            except (KeyError, ValueError, AttributeError):
                problems.append(
                    (
                        f"line {number}",
                        "needs officer, first and last (YYYY-MM-DD) and optionally kind",
                    )
                )
    if problems:
        raise ScenarioError(str(path), problems)
    return out


@roster_app.command("reroster")
def reroster_command(
    roster_ref: Annotated[str, typer.Argument(metavar="ROSTER", help=REF_HELP)],
    absences_path: Annotated[
        Path, typer.Option("--absences", help="CSV: officer,first,last,kind.")
    ],
    minimum_path: Annotated[
        Path, typer.Option("--minimum", help="Minimum cover CSV/YAML (as the cover file).")
    ],
    now: Annotated[datetime | None, typer.Option("--now", help="When the change is made.")] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", min=0.1)] = 20.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write the new grid CSV.")] = None,
) -> None:
    """Propose the fewest changes that restore minimum cover through absences."""

    def action() -> dict[str, Any]:
        roster = _load(roster_ref)
        if isinstance(roster, Design):
            raise ScenarioError(roster_ref, [("ROSTER", "must be a dated roster")])
        result = reroster(
            roster,
            _read_absences(absences_path),
            read_cover(minimum_path),
            load_rostering_policy(),
            now or datetime.now(),
            seconds=time_limit,
        )
        _write_outputs(result.roster, csv_out, None)
        return result.to_dict()

    payload = run_or_exit(action)
    if as_json:
        print_json(payload)
        return
    for change in payload["changes"]:
        console.print(
            f"{change['officer']} {change['date']}: {change['before']} -> "
            f"{change['after']} ({change['kind']}; notice {change['notice_hours']} h)"
        )
    console.print(f"{len(payload['uncovered_hours'])} hour(s) still below minimum cover")


@roster_app.command("export")
def export_command(
    ref: Annotated[str, typer.Argument(metavar="PATTERN", help=REF_HELP)],
    start: Annotated[datetime, typer.Option("--start", help="First day (YYYY-MM-DD).")],
    weeks: Annotated[int, typer.Option("--weeks", min=1)],
    out: Annotated[Path, typer.Option("--out", help=".csv grid, .xlsx grid, or .shifts.csv")],
) -> None:
    """Write a dated roster as an officer x day grid (CSV or Excel), or as one row per shift
    for the response simulation (a file name ending .shifts.csv)."""

    def action() -> None:
        source = _load(ref)
        if out.name.endswith(".shifts.csv"):
            to_shifts(source, start.date(), weeks).write_csv(out)
            return
        roster = instantiate(source, start.date(), weeks) if isinstance(source, Design) else source
        if out.suffix.lower() == ".xlsx":
            write_roster_excel(roster, out)
        else:
            write_roster_csv(roster, out)

    run_or_exit(action)
    console.print(f"written {out}")


@roster_app.command("list")
def list_command() -> None:
    """Stored specifications, patterns and rosters (JSON)."""
    engine = run_or_exit(store_engine)
    print_json(
        {
            kind: [{"name": n, "created_at": c} for n, c in queries.list_named(engine, kind)]
            for kind in queries.KINDS
        }
    )
