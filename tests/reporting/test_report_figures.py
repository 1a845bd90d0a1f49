"""Every figure the workforce and finance sections put in the statement equals the same figure
computed here straight from the store, with plain SQL and Python, on both backends."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import Engine, text
from tests.workforce.force_fixture import NOW, TODAY

from forcesight.allocation.policy import load_allocation_policy
from forcesight.finance import report as finance_report
from forcesight.finance.policy import load_finance_policy
from forcesight.reporting.section import ReportSection
from forcesight.workforce import report as workforce_report
from forcesight.workforce.policy import WorkforcePolicy

ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?$")


def _typed(value: Any) -> Any:
    """SQLite hands back dates and times as text through plain SQL: read them."""
    if isinstance(value, str) and ISO_DAY.match(value):
        return date.fromisoformat(value)
    if isinstance(value, str) and ISO_TIME.match(value):
        return datetime.fromisoformat(value)
    return value


def _rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        result = conn.execute(text(sql), params)
        keys = list(result.keys())
        return [SimpleNamespace(**{k: _typed(v) for k, v in zip(keys, row, strict=True)})
                for row in result.all()]  # fmt: skip


def _figures(sections: list[ReportSection]) -> dict[tuple[str, str, str], Any]:
    return {(s.title, f.label, f.unit): f.value for s in sections for f in s.figures}


def _serving(engine: Engine, day: date) -> list[Any]:
    return _rows(
        engine,
        "SELECT id, staff_type, rank, function, fte FROM staff WHERE (joined_on IS NULL OR "
        "joined_on <= :d) AND (left_on IS NULL OR left_on > :d)",
        d=day,
    )


def _held_awards(engine: Engine, policy: WorkforcePolicy, day: date) -> dict[tuple[str, str], Any]:
    """(staff, canonical skill) -> (awarded_on, expires_on) of each serving person's latest
    award, when it is neither revoked nor expired, plus PIP levels from the staff record."""
    canonical = policy.canonical()
    serving = {r.id for r in _serving(engine, day)}
    latest: dict[tuple[str, str], Any] = {}
    for r in _rows(engine, "SELECT id, staff_id, skill, awarded_on, expires_on, revoked_on "
                           "FROM staff_skills ORDER BY awarded_on, id"):  # fmt: skip
        latest[(r.staff_id, canonical.get(r.skill, r.skill))] = r
    held = {
        key: r for key, r in latest.items()
        if key[0] in serving and r.revoked_on is None
        and (r.expires_on is None or r.expires_on > day)
    }  # fmt: skip
    for r in _rows(engine, "SELECT id, pip_level FROM staff"):
        for level in range(1, (r.pip_level or 0) + 1):
            if r.id in serving:
                held.setdefault((r.id, f"PIP{level}"), None)
    return held


def test_workforce_figures_equal_the_store(force: Engine, policy: WorkforcePolicy) -> None:
    sections = workforce_report.report_section(force, NOW)
    figures = _figures(sections)
    capability = sections[0].title
    serving = _serving(force, TODAY)
    assert figures[(capability, "Serving workforce", "people")] == len(serving)
    assert figures[(capability, "Serving workforce", "FTE")] == pytest.approx(
        sum(r.fte for r in serving), abs=0.05
    )
    held = _held_awards(force, policy, TODAY)
    expiring = [k for k, r in held.items()
                if r is not None and r.expires_on is not None
                and r.expires_on <= TODAY + timedelta(days=90)]  # fmt: skip
    assert figures[(capability, "Awards expiring in 90 days", "awards")] == len(expiring) == 2
    function = {r.id: r.function for r in serving}
    holders: dict[tuple[str, str], set[str]] = {}
    for staff_id, skill in held:
        holders.setdefault((function[staff_id], skill), set()).add(staff_id)
    spof = [
        k for k, who in holders.items() if len(who) <= policy.single_point_of_failure.max_holders
    ]
    assert figures[(capability, "Single points of failure", "skill x function")] == len(spof)
    students = _rows(
        force,
        "SELECT count(*) AS n FROM staff WHERE is_student = :t AND tutor_id IS NOT NULL AND "
        "(tutoring_ends_on IS NULL OR tutoring_ends_on >= :d)",
        t=True, d=TODAY,
    )[0].n  # fmt: skip
    assert figures[(capability, "Students being tutored", "people")] == students == 1
    # Sickness, February 2026: count each serving person-day and each day off sick.
    first, last = date(2026, 2, 1), date(2026, 2, 28)
    staff = _rows(force, "SELECT id, joined_on, left_on FROM staff")
    spells = _rows(force, "SELECT staff_id, kind, starts_on, ends_on FROM availability_spells")
    person_days = sick_days = restricted_days = 0
    day = first
    while day <= last:
        for person in staff:
            if (person.joined_on and person.joined_on > day) or (
                person.left_on and person.left_on <= day
            ):
                continue
            person_days += 1
            kinds = {s.kind for s in spells if s.staff_id == person.id and s.starts_on <= day
                     and (s.ends_on is None or s.ends_on >= day)}  # fmt: skip
            sick_days += "sickness" in kinds
            restricted_days += bool(kinds & {"restricted", "recuperative"})
        day += timedelta(days=1)
    assert figures[(capability, "Sickness rate, last month", "share")] == pytest.approx(
        round(sick_days / person_days, 4)
    )
    assert figures[
        (capability, "Restricted and recuperative duty rate, last month", "share")
    ] == pytest.approx(round(restricted_days / person_days, 4))
    # Gaps: deficits are the DA investigation skill in CID (nobody holds it) and the ARV
    # incident (no firearms staff): its skill row and its function's (all demand) row.
    gaps = sections[1].title
    da_hours = load_allocation_policy().requirement("8N").expected_hours
    arv_hours = sum(
        (r.c - r.d).total_seconds() / 3600
        for r in _rows(force, "SELECT d.dispatched_at AS d, d.cleared_at AS c FROM deployments d "
                              "JOIN incidents i ON i.id = d.incident_id WHERE i.skill_required = "
                              "'firearms_afo'")
    )  # fmt: skip
    assert figures[(gaps, "Skill and function pairs in deficit", "pairs")] == 3
    assert figures[(gaps, "Hours short across deficits", "hours")] == pytest.approx(
        round(da_hours + 2 * arv_hours, 1)
    )


def _spread_cost(engine: Engine, day: date) -> tuple[float, float, float]:
    """Total hours, priced cost and unpriced hours of the year's demand, by plain Python."""
    policy = load_finance_policy()
    rates = {r.rank: r.hourly_cost for r in policy.cost_rates}
    alloc = load_allocation_policy()
    start = NOW - timedelta(days=policy.demand.period_days)
    serving = _serving(engine, day)

    def mix(function: str, types: list[str]) -> dict[str, float]:
        fte: dict[str, float] = {}
        for r in serving:
            if r.function == function and r.staff_type in types:
                fte[r.rank] = fte.get(r.rank, 0.0) + r.fte
        total = sum(fte.values())
        return {rank: v / total for rank, v in fte.items()}

    lines: list[tuple[str, float]] = []  # (rank or '', hours)
    incidents = _rows(engine, "SELECT id, skill_required, first_dispatched_at AS d, "
                              "cleared_at AS c, units_required AS u FROM incidents WHERE "
                              "received_at >= :s AND received_at < :n", s=start, n=NOW)  # fmt: skip
    for inc in incidents:
        deps = _rows(engine, "SELECT dispatched_at AS d, cleared_at AS c FROM deployments WHERE "
                             "incident_id = :i", i=inc.id)  # fmt: skip
        if deps:
            hours = sum(max((d.c - d.d).total_seconds() / 3600, 0) for d in deps if d.c and d.d)
        else:
            hours = max((inc.c - inc.d).total_seconds() / 3600, 0) * inc.u if inc.c else 0.0
        function = "firearms" if inc.skill_required == "firearms_afo" else "response"
        shares = mix(function, policy.demand.attending_staff_types)
        lines += [(rank, hours * share) for rank, share in shares.items()] or [("", hours)]
    crimes = _rows(engine, "SELECT c.offence_code, t.function AS tf, s.function AS sf, s.rank "
                           "FROM crimes c LEFT JOIN teams t ON t.id = c.team_id LEFT JOIN staff s "
                           "ON s.id = c.allocated_to WHERE c.reported_at >= :s AND c.reported_at "
                           "< :n", s=start, n=NOW)  # fmt: skip
    for crime in crimes:
        hours = alloc.requirement(crime.offence_code).expected_hours
        if crime.rank:
            lines.append((crime.rank, hours))
            continue
        function = crime.tf or crime.sf or "investigation"
        for rank, share in mix(function, policy.demand.investigating_staff_types).items():
            lines.append((rank, hours * share))
    total = sum(h for _, h in lines)
    cost = sum(h * rates[r] for r, h in lines if r in rates)
    unpriced = sum(h for r, h in lines if r not in rates)
    return total, cost, unpriced


def test_finance_figures_equal_the_store(force: Engine) -> None:
    sections = finance_report.report_section(force, NOW)
    figures = _figures(sections)
    total, cost, unpriced = _spread_cost(force, TODAY)
    # (figures are rounded to 0.1 h: allow for the two sums rounding either side of a half)
    hours = figures[("Cost of demand", "Officer-hours of demand", "hours")]
    assert hours == pytest.approx(total, abs=0.051)
    assert figures[("Cost of demand", "Cost of priced hours", "GBP")] == round(cost)
    assert figures[("Cost of demand", "Unpriced hours", "hours")] == pytest.approx(
        round(unpriced, 1)
    )
    # Outcomes over the year: grade 1 incidents with an arrival, reached within 15 minutes.
    start = NOW - timedelta(days=365)
    grade1 = _rows(force, "SELECT received_at AS r, first_arrived_at AS a FROM incidents WHERE "
                          "grade = '1' AND received_at >= :s AND received_at < :n AND "
                          "first_arrived_at IS NOT NULL", s=start, n=NOW)  # fmt: skip
    in_time = sum((g.a - g.r) <= timedelta(minutes=15) for g in grade1)
    outcome = figures[("Spend against outcomes", "grade 1 attended in time (response)", "share")]
    assert outcome == pytest.approx(round(in_time / len(grade1), 4))
    # Crimes in the investigation function (CID team or unallocated) recorded 7+ days ago.
    crimes = _rows(force, "SELECT c.status, c.recorded_at AS r, c.allocated_at AS a, "
                          "t.function AS f FROM crimes c LEFT JOIN teams t ON "
                          "t.id = c.team_id WHERE c.recorded_at >= :s AND "
                          "c.recorded_at <= :u", s=start, u=NOW - timedelta(days=7))  # fmt: skip
    decided = [c for c in crimes if (c.f or "investigation") == "investigation"
               and (c.a is not None or c.status == "unallocated")]  # fmt: skip
    allocated = sum(c.a is not None and c.a - c.r <= timedelta(days=7) for c in decided)
    figure = figures[
        ("Spend against outcomes", "crimes allocated in time (investigation)", "share")
    ]
    assert figure == pytest.approx(round(allocated / len(decided), 4))
    assert isinstance(NOW, datetime)
