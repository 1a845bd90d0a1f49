"""Loading a scenario file and refusing one that cannot run, with every problem listed.

Structural problems (types, ranges, missing fields) come from pydantic; the checks below look
at meaning (grades, areas, skills, shifts) on the raw YAML, so both kinds are reported together
even when the structure is broken.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import yaml
from pydantic import TypeAdapter, ValidationError

from forcesight.errors import PolicyError, ScenarioError
from forcesight.policy.grades import GradesPolicy, load_grades
from forcesight.policy.loader import _line_of, parse_yaml_model
from forcesight.response.policy import ResponsePolicy, load_response_policy
from forcesight.response.roster import (
    constant_roster,
    pattern_roster,
    read_roster_csv,
    reference_problems,
    shift_problems,
)
from forcesight.response.scenario import RosterSpec, Scenario

Problem = tuple[str, str]


@dataclass(frozen=True)
class ScenarioInput:
    """A validated scenario with its roster expanded and the policies it runs under."""

    scenario: Scenario
    path: str
    roster: pl.DataFrame
    grades: GradesPolicy
    policy: ResponsePolicy

    @property
    def run_end(self) -> datetime:
        """End of the arrivals window plus the drain period."""
        return self.scenario.start + timedelta(
            days=self.scenario.horizon_days, hours=self.drain_hours
        )

    @property
    def drain_hours(self) -> float:
        d = self.scenario.drain_hours
        return self.policy.run.drain_hours if d is None else d


def load_scenario(
    path: str | Path,
    *,
    text: str | None = None,
    grades: GradesPolicy | None = None,
    policy: ResponsePolicy | None = None,
    roster: pl.DataFrame | None = None,
) -> ScenarioInput:
    """Read, validate and expand a scenario file; raise ScenarioError listing every problem.

    ``roster`` (interchange frame) replaces the file's own roster section, e.g. a roster that
    rostering proposes.
    """
    path = Path(path)
    grades = grades or load_grades()
    policy = policy or load_response_policy()
    try:
        raw_text = path.read_text(encoding="utf-8") if text is None else text
    except OSError as exc:
        raise ScenarioError(str(path), [("(file)", f"cannot be read: {exc.strerror}")]) from None
    try:
        node = yaml.compose(raw_text)
        raw = yaml.safe_load(raw_text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark else ""
        raise ScenarioError(str(path), [(f"(syntax){line}", "not valid YAML")]) from None
    if not isinstance(raw, dict) or node is None:
        raise ScenarioError(str(path), [("(file)", "is empty or not a mapping")])

    def at(loc: tuple[int | str, ...]) -> str:
        name = ".".join(str(p) for p in loc) or "(top level)"
        line = _line_of(node, loc)
        return f"{name} (line {line})" if line else name

    problems: list[Problem] = []
    grades_file = raw.get("grades_file")
    if isinstance(grades_file, str):
        try:
            grades = parse_yaml_model(path.parent / grades_file, GradesPolicy)
        except PolicyError as exc:
            problems.append((at(("grades_file",)), str(exc)))
    scenario: Scenario | None = None
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            problems.append((at(tuple(err["loc"])), err["msg"]))

    expanded = roster
    if expanded is None:
        expanded, roster_problems = _roster_from_raw(
            raw, scenario, path.parent, policy.run.drain_hours
        )
        problems += roster_problems
    else:
        problems += [(f"roster {field}", why) for field, why in shift_problems(expanded)]
    problems += semantic_problems(raw, grades, policy, expanded, at)
    if problems:
        raise ScenarioError(str(path), _dedupe(problems))
    assert scenario is not None and expanded is not None
    return ScenarioInput(scenario, str(path), expanded, grades, policy)


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[Problem] = set()
    out = []
    for p in problems:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def _roster_from_raw(
    raw: dict[str, Any], scenario: Scenario | None, base: Path, default_drain_hours: float
) -> tuple[pl.DataFrame | None, list[Problem]]:
    """The roster the file describes, expanded over the run (and a day either side)."""
    if scenario is None:
        # The file has other problems; still expand its roster if that part is sound, so that
        # roster problems (and skills nobody holds) are listed with the rest.
        try:
            spec = RosterSpec.model_validate(raw.get("roster"))
            start = TypeAdapter(datetime).validate_python(raw.get("start", "2026-01-05"))
        except ValidationError:
            return None, []
        days = raw.get("horizon_days")
        horizon = float(days) if isinstance(days, int | float) and days > 0 else 28.0
        end = start + timedelta(days=horizon, hours=default_drain_hours + 48)
        return _expand(spec, start, end, base)
    spec = scenario.roster
    start = scenario.start
    drain = default_drain_hours if scenario.drain_hours is None else scenario.drain_hours
    end = start + timedelta(days=scenario.horizon_days, hours=drain + 48)
    return _expand(spec, start, end, base)


def _expand(
    spec: RosterSpec, start: datetime, end: datetime, base: Path
) -> tuple[pl.DataFrame | None, list[Problem]]:
    frames: list[pl.DataFrame] = []
    problems: list[Problem] = []
    if spec.csv:
        frame, csv_problems = read_roster_csv(base / spec.csv)
        frames.append(frame)
        problems += csv_problems
    if spec.pattern:
        frames.append(pattern_roster(spec.pattern, start, end))
    if spec.constant:
        frames.append(constant_roster(spec.constant, start, end))
    if not frames:
        return None, [("roster", "gives no units: set csv, pattern or constant")]
    return pl.concat(frames), problems


def semantic_problems(
    raw: dict[str, Any],
    grades: GradesPolicy,
    policy: ResponsePolicy,
    roster: pl.DataFrame | None,
    at: Any,
) -> list[Problem]:
    """Problems of meaning: unknown grades, areas and skills, skills nobody holds, bad shapes."""
    problems: list[Problem] = []
    by_code = grades.by_code()
    known_grades = ", ".join(by_code)
    known_skills = policy.skills.known

    def grade_ok(code: Any, loc: tuple[int | str, ...], attended: bool = False) -> None:
        if str(code) not in by_code:
            problems.append((at(loc), f"grade {code!r} is not in grades.yaml ({known_grades})"))
        elif attended and not by_code[str(code)].attend:
            problems.append(
                (at(loc), f"grade {code!r} is not attended (attend: false in grades.yaml)")
            )

    def as_dict(value: Any) -> dict[str, Any]:
        return value if isinstance(value, dict) else {}

    def as_list(value: Any) -> list[Any]:
        return value if isinstance(value, list) else []

    areas = [str(a.get("name")) for a in as_list(raw.get("areas")) if isinstance(a, dict)]
    if len(set(areas)) != len(areas):
        problems.append((at(("areas",)), "area names repeat"))
    demand = as_dict(raw.get("demand"))
    source = demand.get("source", "profile")
    demand_grades = as_list(demand.get("grades"))
    if source == "profile" and not demand_grades:
        problems.append(
            (at(("demand",)), "no demand: give demand.grades with incidents_per_day per grade")
        )
    seen_grades: set[str] = set()
    needed_skills: dict[str, set[str]] = {}
    for i, g in enumerate(demand_grades):
        if not isinstance(g, dict):
            continue
        code = g.get("grade")
        grade_ok(code, ("demand", "grades", i, "grade"), attended=True)
        if str(code) in seen_grades:
            problems.append((at(("demand", "grades", i, "grade")), f"grade {code!r} repeats"))
        seen_grades.add(str(code))
        shares = as_dict(g.get("skill_shares"))
        for skill, share in shares.items():
            if skill not in known_skills:
                problems.append(
                    (
                        at(("demand", "grades", i, "skill_shares", skill)),
                        f"{skill!r} is not a known skill ({', '.join(known_skills)})",
                    )
                )
            elif isinstance(share, int | float) and share > 0:
                needed_skills.setdefault(policy.skills.canonical(skill), set()).add(str(code))
            if isinstance(share, int | float) and not 0 <= share <= 1:
                problems.append(
                    (at(("demand", "grades", i, "skill_shares", skill)), "must be in [0, 1]")
                )
        numeric = [v for v in shares.values() if isinstance(v, int | float)]
        if sum(numeric) > 1 + 1e-9:
            problems.append(
                (at(("demand", "grades", i, "skill_shares")), "shares add up to more than 1")
            )
        on_scene = as_dict(g.get("on_scene"))
        if on_scene.get("distribution") == "exponential" and on_scene.get("mean_min") is None:
            problems.append(
                (at(("demand", "grades", i, "on_scene")), "exponential needs mean_min [min]")
            )
    shape = demand.get("weekly_shape")
    if isinstance(shape, list):
        if len(shape) != 168:
            problems.append(
                (at(("demand", "weekly_shape")), f"has {len(shape)} weights; expected 168")
            )
        if any(isinstance(w, int | float) and w < 0 for w in shape):
            problems.append((at(("demand", "weekly_shape")), "weights must not be negative"))
        if shape and all(isinstance(w, int | float) and w == 0 for w in shape):
            problems.append((at(("demand", "weekly_shape")), "weights are all zero"))
    shares = as_dict(demand.get("area_shares"))
    for area in shares:
        if area not in areas:
            problems.append(
                (at(("demand", "area_shares", area)), f"{area!r} is not one of the areas")
            )
    numeric_shares = [v for v in shares.values() if isinstance(v, int | float)]
    if numeric_shares and any(v < 0 for v in numeric_shares):
        problems.append((at(("demand", "area_shares")), "shares must not be negative"))
    if numeric_shares and abs(sum(numeric_shares) - 1) > 1e-6:
        problems.append(
            (at(("demand", "area_shares")), f"shares add up to {sum(numeric_shares):g}, not 1")
        )
    travel = as_dict(raw.get("travel"))
    for origin, row in as_dict(travel.get("median_min")).items():
        if origin not in areas:
            problems.append(
                (at(("travel", "median_min", origin)), f"{origin!r} is not one of the areas")
            )
        for dest, minutes in as_dict(row).items():
            if dest not in areas:
                problems.append(
                    (at(("travel", "median_min", origin, dest)), f"{dest!r} is not an area")
                )
            if isinstance(minutes, int | float) and minutes < 0:
                problems.append(
                    (at(("travel", "median_min", origin, dest)), "travel time is negative")
                )
    for i, t in enumerate(as_list(raw.get("targets"))):
        if isinstance(t, dict):
            grade_ok(t.get("grade"), ("targets", i, "grade"))
    policies = as_dict(raw.get("policies"))
    for name in ("preempt", "reserve"):
        section = as_dict(policies.get(name))
        for key in ("for_grades", "from_grades"):
            for j, code in enumerate(as_list(section.get(key))):
                grade_ok(code, ("policies", name, key, j))
    for name in ("stack_limit", "max_wait_min"):
        for code in as_dict(policies.get(name)):
            grade_ok(code, ("policies", name, code))
    for function, codes in as_dict(policies.get("function_grades")).items():
        for j, code in enumerate(as_list(codes)):
            grade_ok(code, ("policies", "function_grades", function, j))
    roster_section = as_dict(raw.get("roster"))
    for i, p in enumerate(as_list(roster_section.get("pattern"))):
        if not isinstance(p, dict):
            continue
        codes = set(as_dict(p.get("shifts"))) | {"R"}
        for j, code in enumerate(as_list(p.get("cycle"))):
            if code not in codes:
                problems.append(
                    (
                        at(("roster", "pattern", i, "cycle", j)),
                        f"{code!r} is neither a shift code ({', '.join(sorted(codes))}) nor R",
                    )
                )
        for skill in as_dict(p.get("skills")):
            if skill not in known_skills:
                problems.append(
                    (at(("roster", "pattern", i, "skills", skill)), f"{skill!r} is not a skill")
                )
    for i, c in enumerate(as_list(roster_section.get("constant"))):
        if isinstance(c, dict):
            for j, skill in enumerate(as_list(c.get("skills"))):
                if skill not in known_skills:
                    problems.append(
                        (at(("roster", "constant", i, "skills", j)), f"{skill!r} is not a skill")
                    )
    if roster is not None:
        problems += reference_problems(roster, known_areas=areas or None, known_skills=known_skills)
        if roster.is_empty():
            problems.append((at(("roster",)), "has no shifts inside the run"))
        function_grades = as_dict(policies.get("function_grades"))
        for skill, codes in sorted(needed_skills.items()):
            canonical = policy.skills.canonical(skill)
            holders = roster.filter(
                pl.col("skills").str.split(";")
                .list.eval(pl.element().str.strip_chars().replace(policy.skills.aliases))
                .list.contains(canonical)
            )  # fmt: skip
            functions = set(holders["function"].unique().to_list())
            for code in sorted(codes):
                attending = [
                    f
                    for f in functions
                    if f not in function_grades or code in map(str, function_grades[f])
                ]
                if not attending:
                    problems.append(
                        (
                            at(("demand", "grades")),
                            f"grade {code} incidents need {skill!r} but no unit in the roster "
                            f"that attends grade {code} holds it",
                        )
                    )
    return problems
