"""`forcesight track`: due and overdue clocks, recording events, compliance and digests."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer
from rich.table import Table

from forcesight.cli_common import console, print_json, progress_bar, run_or_exit, store_engine
from forcesight.tracking import digest, service, views
from forcesight.tracking.events import open_record, record_event
from forcesight.tracking.rules import RECORD_KINDS

track_app = typer.Typer(
    name="track",
    help="Statutory and policy clocks: bail, RUI, victims' code, missing, wanted, forensics.",
    no_args_is_help=True,
)

FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
AtOption = Annotated[
    datetime | None,
    typer.Option("--at", formats=FORMATS, help="Evaluate as at this local time (default: now)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")]
MeOption = Annotated[str | None, typer.Option("--me", help="Only clocks this staff id owns.")]
TeamOption = Annotated[str | None, typer.Option("--team", help="Only this team's clocks.")]
KindOption = Annotated[
    list[str] | None, typer.Option("--kind", help=f"Only these kinds: {', '.join(RECORD_KINDS)}.")
]
ExportOption = Annotated[
    Path | None, typer.Option("--export", help="Also write the rows to a .csv or .xlsx file.")
]


def _now(at: datetime | None) -> datetime:
    # The one place tracking reads the wall clock: the CLI's default for --at.
    return at if at is not None else datetime.now().replace(microsecond=0)


def _rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dicts()


def _show(frame: pl.DataFrame, title: str, columns: list[str] | None = None) -> None:
    shown = frame.select(columns) if columns else frame
    table = Table(title=f"{title} ({frame.height})")
    for name in shown.columns:
        table.add_column(name)
    for row in shown.head(200).iter_rows():
        table.add_row(
            *[
                v.strftime("%Y-%m-%d %H:%M")
                if isinstance(v, datetime)
                else ""
                if v is None
                else f"{v:.1f}"
                if isinstance(v, float)
                else str(v)
                for v in row
            ]
        )
    console.print(table)
    if frame.height > 200:
        console.print(f"... {frame.height - 200} more rows (use --json or --export)")


def _scope(me: str | None, team: str | None) -> views.Scope:
    return "me" if me else "team" if team else "force"


def _queue(
    overdue_only: bool,
    me: str | None,
    team: str | None,
    kind: list[str] | None,
    at: datetime | None,
    as_json: bool,
    export: Path | None,
) -> None:
    now = _now(at)
    for k in kind or []:
        if k not in RECORD_KINDS:
            raise typer.BadParameter(
                f"{k!r} is not one of {', '.join(RECORD_KINDS)}", param_hint="--kind"
            )

    def action() -> pl.DataFrame:
        with progress_bar("Computing clocks", total=1) as advance:
            rows = service.queue(
                store_engine(),
                now,
                _scope(me, team),
                staff_id=me,
                team_id=team,
                overdue_only=overdue_only,
                kinds=kind,
            )
            advance()
        if export is not None:
            views.export(rows, export)
        return rows

    rows = run_or_exit(action)
    name = "overdue" if overdue_only else "due"
    if as_json:
        print_json({"at": now, "scope": _scope(me, team), "count": rows.height, name: _rows(rows)})
        return
    _show(
        rows,
        f"Clocks {name} at {now:%Y-%m-%d %H:%M}",
        ["ref", "kind", "label", "status", "due_at", "overdue_hours", "escalate_to", "owner_id"],
    )


@track_app.command("due")
def due_command(
    me: MeOption = None,
    team: TeamOption = None,
    kind: KindOption = None,
    at: AtOption = None,
    as_json: JsonOption = False,
    export: ExportOption = None,
) -> None:
    """Clocks due soon or overdue, for you (--me), a team (--team) or the force."""
    _queue(False, me, team, kind, at, as_json, export)


@track_app.command("overdue")
def overdue_command(
    me: MeOption = None,
    team: TeamOption = None,
    kind: KindOption = None,
    at: AtOption = None,
    as_json: JsonOption = False,
    export: ExportOption = None,
) -> None:
    """Overdue clocks only, most overdue first, with whom to escalate to."""
    _queue(True, me, team, kind, at, as_json, export)


def _detail(pairs: list[str] | None) -> dict[str, str]:
    detail = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--detail")
        detail[key.strip()] = value.strip()
    return detail


@track_app.command("record")
def record_command(
    ref: Annotated[str, typer.Argument(help="Reference of the clock record.")],
    event: Annotated[str, typer.Argument(help="Event name, e.g. bail_extended, review.")],
    occurred_at: Annotated[
        datetime | None,
        typer.Option("--occurred-at", formats=FORMATS, help="When it happened (default: --at)."),
    ] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="Record kind, if refs clash.")] = None,
    actor: Annotated[str | None, typer.Option("--actor", help="Staff id of who did it.")] = None,
    rank: Annotated[
        str | None,
        typer.Option("--rank", help="Rank, when the actor is not in the store (e.g. court)."),
    ] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Needed when back-dated.")] = None,
    detail: Annotated[
        list[str] | None,
        typer.Option("--detail", help="KEY=VALUE, e.g. risk_level=high or about=charged."),
    ] = None,
    at: AtOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record an event on a clock record; refused events exit 2 with the reason."""
    now = _now(at)
    extra = _detail(detail)

    def action() -> Any:
        return record_event(
            store_engine(),
            ref=ref,
            kind=kind,
            event=event,
            occurred_at=occurred_at or now,
            now=now,
            actor_id=actor,
            actor_rank=rank,
            reason=reason,
            detail=extra,
        )

    done = run_or_exit(action)
    if as_json:
        print_json(
            {
                "event_id": done.event_id,
                "ref": done.ref,
                "kind": done.kind,
                "event": done.event,
                "occurred_at": done.occurred_at,
                "backdated": done.backdated,
                "closed_record": done.closed_record,
                "clocks": _rows(done.clocks.filter(pl.col("current")).select(views.VIEW_COLUMNS)),
            }
        )
        return
    console.print(
        f"Recorded {done.event} on {done.ref} ({done.kind}) at "
        f"{done.occurred_at:%Y-%m-%d %H:%M}"
        + (" [back-dated]" if done.backdated else "")
        + (" and closed the record" if done.closed_record else "")
    )
    _show(
        done.clocks.filter(pl.col("current")),
        "Clocks now",
        ["clock", "trigger", "status", "due_at", "satisfied_at"],
    )


@track_app.command("open")
def open_command(
    kind: Annotated[str, typer.Argument(help=f"One of {', '.join(RECORD_KINDS)}.")],
    ref: Annotated[str, typer.Argument(help="Reference of the new record.")],
    started_at: Annotated[
        datetime | None,
        typer.Option(
            "--started-at", formats=FORMATS, help="When the clock starts (default: --at)."
        ),
    ] = None,
    crime_id: Annotated[int | None, typer.Option("--crime-id")] = None,
    person: Annotated[str | None, typer.Option("--person")] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Staff id of the owner.")] = None,
    team: Annotated[str | None, typer.Option("--team")] = None,
    risk: Annotated[str | None, typer.Option("--risk", help="Missing-person risk level.")] = None,
    enhanced: Annotated[bool, typer.Option("--enhanced", help="Enhanced victim.")] = False,
    agency: Annotated[str | None, typer.Option("--agency", help="FCA, HMRC, NCA or SFO.")] = None,
    devices: Annotated[int | None, typer.Option("--devices")] = None,
    child: Annotated[bool, typer.Option("--child", help="The person is under 18.")] = False,
    at: AtOption = None,
    as_json: JsonOption = False,
) -> None:
    """Open a clock record (bail, RUI, victim care, missing episode, wanted, ...)."""
    now = _now(at)

    def action() -> Any:
        return open_record(
            store_engine(),
            kind=kind,
            ref=ref,
            started_at=started_at or now,
            now=now,
            crime_id=crime_id,
            person_id=person,
            owner_id=owner,
            team_id=team,
            risk_level=risk,
            enhanced=enhanced,
            agency=agency,
            devices=devices,
            is_child=child,
        )

    opened = run_or_exit(action)
    if as_json:
        print_json(
            {
                "record_id": opened.record_id,
                "ref": opened.ref,
                "kind": opened.kind,
                "warnings": opened.warnings,
            }
        )
        return
    console.print(f"Opened {opened.kind} record {opened.ref} (id {opened.record_id})")
    for warning in opened.warnings:
        console.print(f"[yellow]warning:[/] {warning}")


@track_app.command("show")
def show_command(
    ref: Annotated[str, typer.Argument(help="Reference of the clock record.")],
    kind: Annotated[str | None, typer.Option("--kind")] = None,
    at: AtOption = None,
    as_json: JsonOption = False,
) -> None:
    """One record: its events and every clock on it."""
    now = _now(at)
    found = run_or_exit(lambda: service.record_detail(store_engine(), ref, now, kind))
    if as_json:
        print_json(
            {"record": found["record"], "events": found["events"], "clocks": _rows(found["clocks"])}
        )
        return
    record = found["record"]
    console.print(f"{record['kind']} {record['ref']} started {record['started_at']:%Y-%m-%d %H:%M}")
    _show(
        found["clocks"],
        "Clocks",
        ["clock", "cycle", "trigger", "status", "started_at", "due_at", "satisfied_at"],
    )


@track_app.command("compliance")
def compliance_command(
    since: Annotated[datetime | None, typer.Option("--since", formats=FORMATS)] = None,
    every: Annotated[str, typer.Option("--every", help="Period: 1w, 1mo, 1q, 1y.")] = "1mo",
    at: AtOption = None,
    as_json: JsonOption = False,
    export: ExportOption = None,
) -> None:
    """Share of clocks met on time, by period and clock (e.g. victims updated in time)."""
    now = _now(at)
    if every not in {"1d", "1w", "1mo", "1q", "1y"}:
        raise typer.BadParameter(
            f"{every!r} is not one of 1d, 1w, 1mo, 1q, 1y", param_hint="--every"
        )

    def action() -> pl.DataFrame:
        table = service.compliance_table(store_engine(), now, since=since, every=every)
        if export is not None:
            views.export(table, export)
        return table

    table = run_or_exit(action)
    if as_json:
        print_json({"at": now, "every": every, "compliance": _rows(table)})
        return
    _show(table, f"Compliance to {now:%Y-%m-%d}")


@track_app.command("digest")
def digest_command(
    recipients: Annotated[
        Path,
        typer.Option(
            "--recipients",
            exists=True,
            dir_okay=False,
            help="CSV with columns email and staff_id and/or team_id.",
        ),
    ],
    no_email: Annotated[bool, typer.Option("--no-email", help="Only the webhook.")] = False,
    at: AtOption = None,
    as_json: JsonOption = False,
) -> None:
    """Send each recipient their due and overdue clocks (SMTP settings, optional webhook)."""
    now = _now(at)

    def action() -> dict[str, int]:
        people = digest.read_recipients(recipients)
        return service.send_digests(store_engine(), people, now, email=not no_email)

    sent = run_or_exit(action)
    if as_json:
        print_json({"at": now, **sent})
        return
    console.print(
        f"{sent['digests']} digests: {sent['emails']} emails, {sent['webhooks']} webhook posts"
    )
