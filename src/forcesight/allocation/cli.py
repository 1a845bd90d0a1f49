"""`forcesight allocate triage|propose|apply|backlog`."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import Engine

from forcesight.cli_common import console, print_json, progress_bar, run_or_exit, store_engine

app = typer.Typer(
    name="allocate",
    help="Crime triage and allocation: the queue, proposals, decisions and the backlog.",
    no_args_is_help=True,
)

AtOption = Annotated[
    datetime | None,
    typer.Option(
        "--at",
        formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"],
        help="Evaluate as at this date/time (default: now). A date means the end of that day.",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
HarmOption = Annotated[
    Path | None,
    typer.Option(
        "--harm-weights",
        exists=True,
        dir_okay=False,
        help="CSV offence_code,weight of harm weights (none is shipped).",
    ),
]


def _at(value: datetime | None) -> datetime:
    if value is None:
        return datetime.now().replace(microsecond=0)
    if value.time() == time(0, 0) and value == datetime.combine(value.date(), time(0, 0)):
        return datetime.combine(value.date(), time(23, 59, 59))
    return value


@contextmanager
def _store() -> Iterator[Engine]:
    engine = store_engine()
    try:
        yield engine
    finally:
        engine.dispose()


def _harm(path: Path | None) -> dict[str, float] | None:
    from forcesight.allocation.triage import read_harm_weights

    return read_harm_weights(path) if path is not None else None


def _user(by: str | None) -> str:
    if by:
        return by
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@app.command()
def triage(
    at: AtOption = None,
    harm_weights: HarmOption = None,
    json_output: JsonOption = False,
) -> None:
    """Triage the unallocated queue: solvability, priority, complexity and route, explained."""
    from forcesight.allocation.service import triage_queue

    when = _at(at)

    def action() -> Any:
        with _store() as engine:
            return triage_queue(engine, when, _harm(harm_weights))

    frame = run_or_exit(action)
    columns = [
        "crime_ref",
        "offence_code",
        "route",
        "priority",
        "solvability",
        "pip_level",
        "skills",
        "expected_hours",
        "age_days",
        "enhanced_victim",
        "handoff",
        "route_reasons",
        "priority_explained",
        "solvability_explained",
        "complexity_explained",
        "data_quality",
    ]
    rows = frame.select(columns).to_dicts() if frame.height else []
    routes = frame.group_by("route").len().to_dicts() if frame.height else []
    summary = {
        "at": when.isoformat(),
        "crimes": frame.height,
        "routes": {r["route"]: r["len"] for r in routes},
        "handoffs": int(frame.get_column("handoff").sum()) if frame.height else 0,
        "data_quality_warnings": sorted({w for r in rows for w in r["data_quality"]}),
    }
    if json_output:
        print_json({"crimes": rows, "summary": summary})
        return
    for r in rows:
        console.print(
            f"{r['crime_ref']}  {r['offence_code']:>6}  {r['route']:<11} priority "
            f"{r['priority']:.2f}  solvability {r['solvability']:.2f}  PIP{r['pip_level']} "
            f"{', '.join(r['skills'])}",
            highlight=False,
        )
    console.print(summary, highlight=False)


@app.command()
def propose(
    at: AtOption = None,
    harm_weights: HarmOption = None,
    by: Annotated[str | None, typer.Option("--by", help="Who asked (default: login).")] = None,
    json_output: JsonOption = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Do not store.")] = False,
) -> None:
    """Propose an investigator for every unallocated crime (and every open case whose
    investigator is absent), with the reasons; summary gives objective, bound, gap, breaches."""
    from forcesight.allocation.service import propose as run_propose

    when = _at(at)

    def action() -> Any:
        with progress_bar("Triage and optimise", total=1) as advance:
            with _store() as engine:
                batch = run_propose(
                    engine, when, _user(by), _harm(harm_weights), persist=not dry_run
                )
            advance()
        return batch

    batch = run_or_exit(action)
    if json_output:
        print_json(
            {"batch_id": batch.batch_id, "proposals": batch.proposals, "summary": batch.summary}
        )
        return
    for p in batch.proposals:
        who = p["staff_id"] or "-"
        console.print(
            f"{p.get('proposal_id', '-')!s:>6}  {p['crime_ref']}  {p['kind']:<12} {p['route']:<11}"
            f" {who:<10} {p['reasons'][-1]}",
            highlight=False,
        )
    console.print(batch.summary, highlight=False)


@app.command()
def apply(
    by: Annotated[str | None, typer.Option("--by", help="Supervisor (default: login).")] = None,
    batch: Annotated[
        int | None, typer.Option("--batch", help="Batch id (default: latest).")
    ] = None,
    override: Annotated[
        list[str] | None,
        typer.Option(
            "--override",
            help="CRIME_REF=STAFF_ID:REASON to allocate a crime to someone else, with a reason.",
        ),
    ] = None,
    at: AtOption = None,
    json_output: JsonOption = False,
) -> None:
    """Accept the open proposals of a batch (screen-outs start the victim's clock), overriding
    the crimes named with --override."""
    from forcesight.allocation.service import apply_batch

    parsed: dict[str, tuple[str, str]] = {}
    for item in override or []:
        ref, sep, rest = item.partition("=")
        staff_id, sep2, reason = rest.partition(":")
        if not sep or not sep2 or not ref or not staff_id:
            raise typer.BadParameter(
                f"{item!r} is not CRIME_REF=STAFF_ID:REASON", param_hint="--override"
            )
        parsed[ref.strip()] = (staff_id.strip(), reason.strip())
    when = _at(at)

    def action() -> Any:
        with _store() as engine:
            return apply_batch(engine, _user(by), when, batch, parsed)

    decisions = run_or_exit(action)
    counts: dict[str, int] = {}
    for d in decisions:
        counts[d.outcome] = counts.get(d.outcome, 0) + 1
    payload = {
        "decisions": [d.__dict__ for d in decisions],
        "summary": {
            "at": when.isoformat(),
            **counts,
            "flagged": sum(1 for d in decisions if d.breaches),
        },
    }
    if json_output:
        print_json(payload)
        return
    for d in decisions:
        flag = f"  BREACHES {', '.join(d.breaches)}" if d.breaches else ""
        console.print(f"{d.crime_ref}  {d.outcome:<12} {d.staff_id or '-'}{flag}", highlight=False)
    console.print(payload["summary"], highlight=False)


@app.command("backlog")
def backlog_command(
    at: AtOption = None,
    weeks: Annotated[int, typer.Option("--weeks", min=1, help="Weeks in the series.")] = 12,
    json_output: JsonOption = False,
) -> None:
    """Unallocated count and age, time to allocation, rule breaches, caseloads, hand-offs."""
    from forcesight.allocation.backlog import backlog, backlog_json

    when = _at(at)

    def action() -> Any:
        with _store() as engine:
            return backlog(engine, when, weeks)

    view = run_or_exit(action)
    payload = backlog_json(view)
    if json_output:
        print_json(payload)
        return
    console.print(f"Unallocated crimes: {view.unallocated}")
    console.print(view.age_distribution)
    console.print(
        f"Time to allocation p50 {view.time_to_allocation_p50_days} days, "
        f"p90 {view.time_to_allocation_p90_days} days"
    )
    console.print(view.breaches_by_kind)
    console.print(view.caseload)
