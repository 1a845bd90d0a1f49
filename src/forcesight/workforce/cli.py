"""`forcesight workforce`: the skills register, expiry, single points of failure, tutoring,
absence, gaps against demand and where new posts should go."""

from __future__ import annotations

import getpass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer
from rich.table import Table

from forcesight.cli_common import console, print_json, run_or_exit, store_engine
from forcesight.workforce import register, service

workforce_app = typer.Typer(
    name="workforce",
    help="Skills register, expiring accreditations, gaps against demand, where new posts go.",
    no_args_is_help=True,
)
skill_app = typer.Typer(
    name="skill",
    help="Add, renew, revoke and list skills and accreditations.",
    no_args_is_help=True,
)
workforce_app.add_typer(skill_app, name="skill")

DATE_FORMATS = ["%Y-%m-%d"]
AT_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M"]
AtOption = Annotated[
    datetime | None,
    typer.Option("--at", formats=AT_FORMATS, help="As at this local time (default: now)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")]
ByOption = Annotated[
    str | None, typer.Option("--by", help="Who makes the change (default: your login name).")
]
ReasonOption = Annotated[str | None, typer.Option("--reason", help="Why (kept in the history).")]
ExpiresOption = Annotated[
    datetime | None,
    typer.Option(
        "--expires", formats=DATE_FORMATS, help="Expiry date (default: award + validity)."
    ),
]


def _now(at: datetime | None) -> datetime:
    # The one place workforce reads the wall clock: the CLI's default for --at.
    return at if at is not None else datetime.now().replace(microsecond=0)


def _actor(by: str | None) -> register.Actor:
    """Who makes a change from the command line: as the audit log names it (``cli:<user>``)."""
    if by:
        return register.Actor(by, "local")
    try:
        return register.Actor(f"cli:{getpass.getuser()}", "local")
    except (KeyError, OSError):
        return register.Actor("cli:unknown", "local")


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def show(frame: pl.DataFrame, title: str, limit: int = 200) -> None:
    table = Table(title=f"{title} ({frame.height})")
    for name in frame.columns:
        table.add_column(name)
    for row in frame.head(limit).iter_rows():
        table.add_row(*[_cell(v) for v in row])
    console.print(table)
    if frame.height > limit:
        console.print(f"... {frame.height - limit} more rows (use --json)")


def _emit(json_output: bool, payload: dict[str, Any], tables: dict[str, pl.DataFrame]) -> None:
    if json_output:
        print_json({**payload, **{k: v.to_dicts() for k, v in tables.items()}})
        return
    for key, value in payload.items():
        console.print(f"{key}: {value}")
    for name, frame in tables.items():
        show(frame, name.replace("_", " "))


@skill_app.command("add")
def skill_add(
    staff_id: Annotated[str, typer.Argument(help="Pseudonymous staff id.")],
    skill: Annotated[str, typer.Argument(help="Skill name (workforce.yaml).")],
    awarded: Annotated[
        datetime, typer.Option("--awarded", formats=DATE_FORMATS, help="Award date.")
    ],
    expires: ExpiresOption = None,
    by: ByOption = None,
    reason: ReasonOption = None,
    at: AtOption = None,
    json_output: JsonOption = False,
) -> None:
    """Record a new skill or accreditation."""
    engine = store_engine()
    change = run_or_exit(
        lambda: register.add_skill(
            engine, staff_id, skill, awarded.date(), expires_on=_day(expires),
            actor=_actor(by), reason=reason, now=_now(at),
        )
    )  # fmt: skip
    _emit(json_output, change.to_dict(), {})


@skill_app.command("renew")
def skill_renew(
    staff_id: Annotated[str, typer.Argument(help="Pseudonymous staff id.")],
    skill: Annotated[str, typer.Argument(help="Skill name (workforce.yaml).")],
    awarded: Annotated[
        datetime, typer.Option("--awarded", formats=DATE_FORMATS, help="Renewal date.")
    ],
    expires: ExpiresOption = None,
    by: ByOption = None,
    reason: ReasonOption = None,
    at: AtOption = None,
    json_output: JsonOption = False,
) -> None:
    """Record a renewal of a held skill or accreditation."""
    engine = store_engine()
    change = run_or_exit(
        lambda: register.renew_skill(
            engine, staff_id, skill, awarded.date(), expires_on=_day(expires),
            actor=_actor(by), reason=reason, now=_now(at),
        )
    )  # fmt: skip
    _emit(json_output, change.to_dict(), {})


@skill_app.command("revoke")
def skill_revoke(
    staff_id: Annotated[str, typer.Argument(help="Pseudonymous staff id.")],
    skill: Annotated[str, typer.Argument(help="Skill name (workforce.yaml).")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is revoked (required).")],
    on: Annotated[
        datetime | None,
        typer.Option("--on", formats=DATE_FORMATS, help="Revocation date (default: today)."),
    ] = None,
    by: ByOption = None,
    at: AtOption = None,
    json_output: JsonOption = False,
) -> None:
    """Revoke a held skill or accreditation."""
    engine = store_engine()
    now = _now(at)
    change = run_or_exit(
        lambda: register.revoke_skill(
            engine, staff_id, skill, _day(on) or now.date(), reason=reason, actor=_actor(by),
            now=now,
        )
    )  # fmt: skip
    _emit(json_output, change.to_dict(), {})


@skill_app.command("list")
def skill_list(
    staff_id: Annotated[str | None, typer.Option("--staff", help="Only this person.")] = None,
    skill: Annotated[str | None, typer.Option("--skill", help="Only this skill.")] = None,
    function: Annotated[str | None, typer.Option("--function", help="Only this function.")] = None,
    at: AtOption = None,
    json_output: JsonOption = False,
) -> None:
    """Who holds which skill (current awards only)."""
    engine = store_engine()
    held = run_or_exit(
        lambda: service.holdings(
            engine, _now(at), skill=skill, function=function, staff_id=staff_id
        )
    )
    _emit(json_output, {"holdings": held.height}, {"held": held})


@workforce_app.command()
def expiring(
    days: Annotated[int, typer.Option("--days", min=1, help="Window [days].")] = 90,
    at: AtOption = None,
    json_output: JsonOption = False,
) -> None:
    """Awards expiring within the window, and counts by function and team."""
    engine = store_engine()
    soon, summary = run_or_exit(lambda: service.expiring(engine, _now(at), days))
    _emit(
        json_output, {"days": days, "expiring": soon.height}, {"by_team": summary, "awards": soon}
    )


@workforce_app.command()
def spof(at: AtOption = None, json_output: JsonOption = False) -> None:
    """Single points of failure: skills held by few people in a function."""
    engine = store_engine()
    frame = run_or_exit(lambda: service.single_points_of_failure(engine, _now(at)))
    _emit(json_output, {"single_points_of_failure": frame.height}, {"skills": frame})


@workforce_app.command()
def tutoring(at: AtOption = None, json_output: JsonOption = False) -> None:
    """Students per tutor and weeks of tutoring left."""
    engine = store_engine()
    frame = run_or_exit(lambda: service.tutoring(engine, _now(at)))
    students = int(frame["students"].sum()) if frame.height else 0
    _emit(json_output, {"tutors": frame.height, "students": students}, {"tutors": frame})


@workforce_app.command()
def sickness(
    months: Annotated[int, typer.Option("--months", min=1, max=60, help="Whole months.")] = 12,
    by: Annotated[
        str, typer.Option("--by", help="Comma-separated: function, rank, team_name.")
    ] = "function,rank",
    at: AtOption = None,
    json_output: JsonOption = False,
) -> None:
    """Sickness and restricted-duty rates by month."""
    keys = tuple(k.strip() for k in by.split(",") if k.strip())
    allowed = {"function", "rank", "team_name", "staff_type"}
    if not keys or set(keys) - allowed:
        raise typer.BadParameter(f"--by takes {', '.join(sorted(allowed))}; got {by!r}")
    engine = store_engine()
    rates = run_or_exit(lambda: service.absence(engine, _now(at), months=months, by=keys))
    _emit(
        json_output,
        {"months": months},
        {"sickness": rates.sickness, "restricted": rates.restricted},
    )


@workforce_app.command()
def gaps(at: AtOption = None, json_output: JsonOption = False) -> None:
    """Demand-hours needing each skill against productive hours available with it."""
    engine = store_engine()
    result = run_or_exit(lambda: service.analyse_gaps(engine, _now(at)))
    payload = {
        "from": result.start,
        "to": result.end,
        "crime_hours_from": result.crime_hours_from,
        "notes": result.notes,
        "deficits": int((result.gaps["status"] == "deficit").sum()),
    }
    _emit(json_output, payload, {"gaps": result.gaps})


@workforce_app.command()
def posts(
    n: Annotated[int, typer.Argument(min=1, max=5000, help="Extra posts to place.")],
    at: AtOption = None,
    json_output: JsonOption = False,
) -> None:
    """Where N new officers would add most (marginal benefit by function)."""
    engine = store_engine()
    plan = run_or_exit(lambda: service.plan_posts(engine, _now(at), n))
    payload = {"posts": n, "unassigned": plan.unassigned, "not_assessed": plan.not_assessed}
    _emit(json_output, payload, {"allocation": plan.allocation, "steps": plan.steps})


@workforce_app.command()
def reminders(
    recipients: Annotated[
        Path,
        typer.Option(
            "--recipients",
            exists=True,
            dir_okay=False,
            help="CSV with email and staff_id and/or team_id (as for track digest).",
        ),
    ],
    send: Annotated[bool, typer.Option("--send/--dry-run", help="Send, or only show.")] = False,
    at: AtOption = None,
    json_output: JsonOption = False,
) -> None:
    """Reminders of awards about to expire, by email (and webhook if set)."""
    from forcesight.tracking.digest import read_recipients

    engine = store_engine()
    people = run_or_exit(lambda: read_recipients(recipients))
    digests = run_or_exit(
        lambda: service.send_expiry_reminders(engine, _now(at), people, send=send)
    )
    if json_output:
        print_json({"sent": send, "digests": [d.to_dict() for d in digests]})
        return
    for digest in digests:
        console.print(f"[bold]{digest.recipient.email}[/]")
        console.print(digest.text(), markup=False)
    console.print(f"{len(digests)} digest(s) {'sent' if send else 'built (dry run)'}")
