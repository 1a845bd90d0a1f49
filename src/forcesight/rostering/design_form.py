"""The web design form: a planner's choices for one function, checked field by field, turned
into a specification, required cover and rule options, designed and stored under a name.

Nothing here imports the web layer: the page (``rostering.web_design``) hands in the submitted
fields and shows the errors this module names, keyed by field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl
from pydantic import ValidationError
from sqlalchemy import Engine

from forcesight.errors import CoverSourceError, UnknownRosterError
from forcesight.rostering import queries
from forcesight.rostering.design import Design, design
from forcesight.rostering.pattern import FunctionDesign
from forcesight.rostering.policy import RosteringPolicy, load_rostering_policy
from forcesight.rostering.roster import instantiate, roster_to_dict
from forcesight.rostering.shifts import HOURS_PER_WEEK
from forcesight.rostering.spec import COVER_SCHEMA, FunctionSpec, RosterSpec, SolverOptions

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,79}$")
WORD = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _-]{0,39}$")
MAX_HEADCOUNT = 2000
MAX_TIME_LIMIT = 120.0
LOG = "log"  # cover source: Erlang staffing from the store's incident log


@dataclass(frozen=True)
class CoverChoice:
    value: str  # log | pattern:NAME | scenario:REF
    label: str


def cover_choices(engine: Engine) -> list[CoverChoice]:
    """Where required cover can come from: the store's incident log, a stored pattern's
    required cover, or a response scenario's demand (examples and stored scenarios)."""
    from forcesight.response.catalogue import list_scenarios

    out = [CoverChoice(LOG, "Incident log in the store (Erlang staffing)")]
    out += [
        CoverChoice(f"pattern:{name}", f"Required cover stored with pattern {name}")
        for name, _ in queries.list_named(engine, queries.KIND_PATTERN)
    ]
    out += [
        CoverChoice(f"scenario:{s.ref}", f"Response scenario {s.name} ({s.origin}, Erlang)")
        for s in list_scenarios(engine)
    ]
    return out


def form_defaults(policy: RosteringPolicy) -> dict[str, str]:
    """The form as first shown: a five-team response roster under the force's rules."""
    return {
        "name": "",
        "function": "response",
        "headcount": "25",
        "teams": "5",
        "cycle_weeks": "5",
        "shift_lengths": "8, 10, 12",
        "start_hours": "6, 7, 14, 15, 22",
        "area": "force",
        "skills": "",
        "rest_days_in_pairs": "on" if policy.rest_days_in_pairs.required else "",
        "max_consecutive_shifts": str(policy.consecutive_shifts.maximum),
        "max_consecutive_nights": str(policy.consecutive_nights.maximum),
        "cover": LOG,
        "time_limit": "10",
    }


@dataclass(frozen=True)
class DesignRequest:
    """A checked form: what to design, against which cover, under which rule options."""

    name: str
    function: FunctionSpec
    cover_source: str
    rest_days_in_pairs: bool
    max_consecutive_shifts: int
    max_consecutive_nights: int
    time_limit_seconds: float

    def options_text(self) -> str:
        return (
            f"rest days in pairs: {'yes' if self.rest_days_in_pairs else 'no'}; at most "
            f"{self.max_consecutive_shifts} consecutive shifts and "
            f"{self.max_consecutive_nights} consecutive nights; cover from {self.cover_source}; "
            f"time limit {self.time_limit_seconds:g} s"
        )


def _whole(fields: Mapping[str, str], key: str, low: int, high: int, errors: dict[str, str]) -> int:
    raw = fields.get(key, "").strip()
    try:
        value = int(raw)
    except ValueError:
        errors[key] = f"{raw!r} is not a whole number" if raw else "is required"
        return low
    if not low <= value <= high:
        errors[key] = f"must be {low} to {high}; got {value}"
    return value


def _numbers(
    fields: Mapping[str, str], key: str, low: int, high: int, most: int, errors: dict[str, str]
) -> list[int]:
    raw = fields.get(key, "")
    parts = [p.strip() for p in re.split(r"[,;\s]+", raw) if p.strip()]
    if not parts:
        errors[key] = "give at least one number, separated by commas"
        return []
    bad = [p for p in parts if not p.isdigit() or not low <= int(p) <= high]
    if bad:
        errors[key] = f"{', '.join(bad)}: each must be a whole number {low} to {high}"
        return []
    values = sorted({int(p) for p in parts})
    if len(values) > most:
        errors[key] = f"at most {most} values; got {len(values)}"
    return values


def parse_design_form(
    fields: Mapping[str, str], choices: list[CoverChoice]
) -> tuple[DesignRequest | None, dict[str, str]]:
    """The checked request, or None and an error message for each field that is wrong."""
    errors: dict[str, str] = {}
    name = fields.get("name", "").strip()
    if not NAME.match(name):
        errors["name"] = (
            "is required: 1 to 80 letters, digits, spaces, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    function = fields.get("function", "").strip()
    if not WORD.match(function):
        errors["function"] = "lower-case letters, digits, '_' or '-' (for example response)"
    headcount = _whole(fields, "headcount", 1, MAX_HEADCOUNT, errors)
    cycle = _whole(fields, "cycle_weeks", 1, 17, errors)
    teams = _whole(fields, "teams", 1, MAX_HEADCOUNT, errors)
    if "teams" not in errors and "cycle_weeks" not in errors and teams % cycle:
        errors["teams"] = f"must be a multiple of the cycle's {cycle} weeks; got {teams}"
    if "teams" not in errors and "headcount" not in errors and teams > headcount:
        errors["teams"] = f"{teams} teams need at least {teams} officers; headcount is {headcount}"
    lengths = _numbers(fields, "shift_lengths", 1, 24, 6, errors)
    starts = _numbers(fields, "start_hours", 0, 23, 12, errors)
    area = fields.get("area", "").strip() or "force"
    if not LABEL.match(area):
        errors["area"] = "letters, digits, spaces, '_' or '-', at most 40"
    skills = [s.strip() for s in re.split(r"[,;]", fields.get("skills", "")) if s.strip()]
    bad_skills = [s for s in skills if not LABEL.match(s)]
    if bad_skills:
        errors["skills"] = f"{', '.join(bad_skills)}: letters, digits, '_' or '-' only"
    shifts_run = _whole(fields, "max_consecutive_shifts", 1, 14, errors)
    nights_run = _whole(fields, "max_consecutive_nights", 0, 14, errors)
    cover = fields.get("cover", "")
    if cover not in {c.value for c in choices}:
        errors["cover"] = "choose one of the listed sources of required cover"
    raw_limit = fields.get("time_limit", "").strip()
    try:
        limit = float(raw_limit)
        if not 1 <= limit <= MAX_TIME_LIMIT:
            errors["time_limit"] = f"must be 1 to {MAX_TIME_LIMIT:g} seconds; got {limit:g}"
    except ValueError:
        errors["time_limit"] = (
            f"{raw_limit!r} is not a number of seconds" if raw_limit else ("is required")
        )
        limit = 0.0
    if errors:
        return None, errors
    try:
        spec = FunctionSpec(
            name=function, headcount=headcount, teams=teams, cycle_weeks=cycle,
            shift_lengths_hours=lengths, start_hours=starts, area=area, skills=skills,
        )  # fmt: skip
    except ValidationError as exc:  # the checks above mirror the model; this is the backstop
        return None, {str(e["loc"][0]) if e["loc"] else "function": e["msg"] for e in exc.errors()}
    return DesignRequest(
        name, spec, cover, fields.get("rest_days_in_pairs") == "on", shifts_run, nights_run, limit
    ), {}


def required_cover_for(engine: Engine, source: str, function: str) -> pl.DataFrame:
    """Cover (function, hour_of_week, required) of ``function`` from a chosen source; raises
    a ForcesightError naming the source when it gives none for that function."""
    kind, _, ref = source.partition(":")
    if kind == "pattern":
        data = queries.load_named(engine, queries.KIND_PATTERN, ref)
        stored = Design.from_dict(data)
        found = [f for f in stored.functions if f.function == function]
        if not found:
            raise CoverSourceError(
                source, f"pattern {ref!r} has no {function!r} (it has "
                f"{', '.join(f.function for f in stored.functions)})",
            )  # fmt: skip
        return _cover_frame(function, found[0])
    from forcesight.response.staffing import required_cover

    if kind == LOG:
        cover = required_cover(engine, function=function)
        if cover.is_empty():
            raise CoverSourceError(
                source, "the store holds no incident log: import one or choose another source"
            )
        return cover
    if kind == "scenario":
        from forcesight.response.catalogue import scenario_source
        from forcesight.response.validate import load_scenario

        path, text = scenario_source(engine, ref)
        return required_cover(load_scenario(path, text=text), function=function)
    raise CoverSourceError(source, "is not a source of required cover")


def _cover_frame(function: str, f: FunctionDesign) -> pl.DataFrame:
    return pl.DataFrame(
        {"function": [function] * HOURS_PER_WEEK, "hour_of_week": list(range(HOURS_PER_WEEK)),
         "required": list(f.required)},
        schema=COVER_SCHEMA,
    )  # fmt: skip


def policy_with(request: DesignRequest, policy: RosteringPolicy) -> RosteringPolicy:
    """The force's rules with the form's choices for the rules that are the force's own."""
    return policy.model_copy(
        update={
            "version": f"{policy.version} (web form: {request.options_text()})",
            "rest_days_in_pairs": policy.rest_days_in_pairs.model_copy(
                update={"required": request.rest_days_in_pairs}
            ),
            "consecutive_shifts": policy.consecutive_shifts.model_copy(
                update={"maximum": request.max_consecutive_shifts}
            ),
            "consecutive_nights": policy.consecutive_nights.model_copy(
                update={"maximum": request.max_consecutive_nights}
            ),
        }
    )


def run_design_request(
    engine: Engine,
    request: DesignRequest,
    now: datetime,
    user: str,
    progress: Callable[[str], Any] | None = None,
    policy: RosteringPolicy | None = None,
) -> Design:
    """Design the request's function against its cover, then store the pattern, its dated
    roster (one cycle) and the specification under the request's name."""
    cover = required_cover_for(engine, request.cover_source, request.function.name)
    rules = policy_with(request, policy or load_rostering_policy())
    spec = RosterSpec(
        name=request.name,
        description=f"Designed in the web form by {user}: {request.options_text()}.",
        functions=[request.function],
        published_on=now.date(),
        solver=SolverOptions(
            time_limit_seconds=request.time_limit_seconds,
            explain_seconds=min(1.0, request.time_limit_seconds / 10),
        ),
    )
    result = design(spec, cover, rules, now.date(), progress=progress)
    roster = instantiate(result, result.start_date, request.function.cycle_weeks)
    queries.save_named(engine, queries.KIND_PATTERN, request.name, result.to_dict(), now, user)
    queries.save_named(engine, queries.KIND_ROSTER, request.name, roster_to_dict(roster), now, user)
    queries.save_named(
        engine, queries.KIND_SPEC, request.name, spec.model_dump(mode="json"), now, user
    )
    return result


def name_taken(engine: Engine, name: str) -> bool:
    try:
        queries.load_named(engine, queries.KIND_PATTERN, name)
    except UnknownRosterError:
        return False
    return True


__all__ = [
    "LOG",
    "CoverChoice",
    "CoverSourceError",
    "DesignRequest",
    "cover_choices",
    "form_defaults",
    "name_taken",
    "parse_design_form",
    "policy_with",
    "required_cover_for",
    "run_design_request",
]
