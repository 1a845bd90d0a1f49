"""Every figure the demand, response, allocation and clocks sections put in the statement equals
the same figure counted here straight from the store, with plain SQL and Python, on both
backends. (Workforce and finance: test_report_figures.py; shift patterns: the rostering tests.)

The fixture force is the hand-counted one of the workforce tests, plus what these sections need
and it lacks: an incident and crimes a year earlier, a repeat victim and a repeat location,
allocation histories with a hand-off and an override that broke a rule, and digital forensic
submissions whose 90-day clocks are met, met late, open and overdue."""

from __future__ import annotations

import csv
import statistics
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, insert
from tests.reporting.test_report_figures import _figures, _rows
from tests.workforce.force_fixture import NOW, TODAY, seed

from forcesight.allocation import report as allocation_report
from forcesight.allocation.policy import load_allocation_policy
from forcesight.demand import report as demand_report
from forcesight.demand.policy import load_hours_policy
from forcesight.demand.queries import BUNDLED_OFFENCE_CODES
from forcesight.policy.grades import load_grades
from forcesight.response import report as response_report
from forcesight.store.entities import (
    clock_events,
    clock_records,
    crime_allocations,
    crimes,
    deployments,
    incidents,
)
from forcesight.tracking import report as tracking_report
from forcesight.tracking.rules import load_clocks_policy

YEAR = timedelta(days=365)
LSOA = "E01000001"
# (ref, offence code, days before NOW, victim, lsoa): two crimes a year earlier, and a victim
# (V1, already victim of C1) and a location (LSOA, three crimes) that repeat within the year.
EXTRA_CRIMES = [
    ("C7", "8N", 380, "V2", None),
    ("C8", "46", 400, None, None),
    ("C9", "30C", 30, "V1", LSOA),
    ("C10", "46", 20, None, LSOA),
    ("C11", "46", 3, None, LSOA),
]
# (crime ref, staff, team, days after recording, by, kind, breaches)
ALLOCATIONS = [
    ("C1", "D1", "T_CID", 1.0, "sgt", "proposal", []),
    ("C2", "P1", "T_PP", 0.5, "sgt", "proposal", []),
    ("C2", "D2", "T_CID", 3.0, "sgt", "reallocation", []),  # a hand-off between teams
    ("C4", "P1", "T_PP", 0.5, "sgt", "override", ["accreditation:PIP2"]),
    ("C6", "D1", "T_CID", 2.0, "sgt", "proposal", []),  # outside the 12 weeks
]
# (ref, days before NOW submitted, days to examination start or None, devices)
FORENSIC = [
    ("F1", 200, 30, 2),  # met
    ("F2", 150, 120, 1),  # met late
    ("F3", 100, None, 3),  # open, overdue
    ("F4", 20, None, 1),  # open, running
    ("F5", 85, None, 1),  # open, due soon (90 - 85 <= 14 days)
]


def _seed_engines(engine: Engine) -> None:
    seed(engine)
    ids = {r.crime_ref: r.id for r in _rows(engine, "SELECT id, crime_ref FROM crimes")}
    recorded = {r.id: r.recorded_at for r in _rows(engine, "SELECT id, recorded_at FROM crimes")}
    with engine.begin() as conn:
        for n, (ref, code, ago, victim, lsoa) in enumerate(EXTRA_CRIMES, 100):
            at = NOW - timedelta(days=ago)
            conn.execute(
                insert(crimes).values(
                    id=n, crime_ref=ref, reported_at=at, recorded_at=at, offence_code=code,
                    status="unallocated" if ago < 365 else "closed", victim_id=victim,
                    lsoa_code=lsoa, origin="demo",
                )
            )  # fmt: skip
            ids[ref] = n
            recorded[n] = at
        # a crime still allocated to D3, who left on 2026-02-01
        at = NOW - timedelta(days=100)
        conn.execute(
            insert(crimes).values(
                id=99, crime_ref="C12", reported_at=at, recorded_at=at, offence_code="46",
                status="allocated", team_id="T_CID", allocated_to="D3",
                allocated_at=at + timedelta(days=1), origin="demo",
            )
        )  # fmt: skip
        # an incident a year before the first of the fixture's, attended by one unit
        received = NOW - YEAR - timedelta(days=10)
        conn.execute(
            insert(incidents).values(
                id=50, incident_ref="I0", received_at=received, grade="1", category="violence",
                first_dispatched_at=received + timedelta(minutes=2),
                first_arrived_at=received + timedelta(minutes=9),
                cleared_at=received + timedelta(minutes=99), units_required=1, origin="demo",
            )
        )  # fmt: skip
        conn.execute(
            insert(deployments).values(
                incident_id=50, unit_ref="U1", dispatched_at=received + timedelta(minutes=2),
                cleared_at=received + timedelta(minutes=99), origin="demo",
            )
        )  # fmt: skip
        for ref, who, team, after, by, kind, breaches in ALLOCATIONS:
            crime = ids[ref]
            conn.execute(
                insert(crime_allocations).values(
                    crime_id=crime, staff_id=who, team_id=team,
                    allocated_at=recorded[crime] + timedelta(days=after), allocated_by=by,
                    kind=kind, breaches=breaches, origin="demo",
                )
            )  # fmt: skip
        for n, (ref, ago, started, devices) in enumerate(FORENSIC, 10):
            submitted = NOW - timedelta(days=ago)
            conn.execute(
                insert(clock_records).values(
                    id=n, kind="forensic_submission", ref=ref, team_id="T_CID",
                    started_at=submitted, devices=devices, origin="demo",
                )
            )  # fmt: skip
            events = [("submitted", submitted)]
            if started is not None:
                events.append(("examination_started", submitted + timedelta(days=started)))
            conn.execute(
                insert(clock_events),
                [{"record_id": n, "event": e, "occurred_at": t, "recorded_at": t,
                  "origin": "demo"} for e, t in events],
            )  # fmt: skip


@pytest.fixture
def store(engine: Engine) -> Engine:
    _seed_engines(engine)
    return engine


def _offence_groups() -> dict[str, tuple[str, str]]:
    with BUNDLED_OFFENCE_CODES.open(newline="", encoding="utf-8") as handle:
        return {r["Offence_Code"]: (r["Offence_Group"], r["Offence_Subgroup"])
                for r in csv.DictReader(handle)}  # fmt: skip


def _crime_hours(crime: Any, groups: dict[str, tuple[str, str]]) -> float:
    """The investigative-hours table applied by hand: code, then subgroup, then group."""
    policy = load_hours_policy()
    complex_ = any(getattr(crime, flag, None) for flag in policy.complexity.complex_if_any)
    group, subgroup = groups.get(crime.offence_code, (None, None))
    for wanted in ("offence_code", "offence_subgroup", "offence_group"):
        value = {"offence_code": crime.offence_code, "offence_subgroup": subgroup,
                 "offence_group": group}[wanted]  # fmt: skip
        for rule in policy.investigative_hours:
            if value is not None and getattr(rule, wanted) == value:
                return rule.complex if complex_ else rule.standard
    return policy.default.complex if complex_ else policy.default.standard


def test_demand_figures_equal_the_store(store: Engine) -> None:
    sections = demand_report.report_section(store, NOW)
    figures = _figures(sections)
    now_title, hidden_title = sections[0].title, sections[2].title
    start = NOW - YEAR

    def incidents_in(a: datetime, b: datetime) -> list[Any]:
        return _rows(store, "SELECT id, first_dispatched_at AS d, cleared_at AS c FROM incidents "
                            "WHERE received_at >= :a AND received_at < :b", a=a, b=b)  # fmt: skip

    def committed_hours(incident: Any) -> float:
        deps = _rows(store, "SELECT dispatched_at AS d, cleared_at AS c FROM deployments WHERE "
                            "incident_id = :i", i=incident.id)  # fmt: skip
        spans = deps or [incident]
        return float(sum((s.c - s.d).total_seconds() / 3600 for s in spans if s.c and s.d))

    this_year = incidents_in(start, NOW)
    last_year = incidents_in(start - YEAR, NOW - YEAR)
    assert len(this_year) == 6 and len(last_year) == 1
    assert figures[(now_title, "incidents in the last 12 months", "")] == len(this_year)
    assert figures[(now_title, "officer-hours on incidents", "h")] == round(
        sum(committed_hours(i) for i in this_year)
    )
    assert figures[(now_title, "incidents: change on the year before", "%")] == round(
        (len(this_year) / len(last_year) - 1) * 100, 1
    )
    groups = _offence_groups()
    crime_sql = (
        "SELECT offence_code, domestic_abuse, cse, modern_slavery, child_victim, "
        "vulnerable_victim FROM crimes WHERE reported_at >= :a AND reported_at < :b"
    )
    this_year_crimes = _rows(store, crime_sql, a=start, b=NOW)
    last_year_crimes = _rows(store, crime_sql, a=start - YEAR, b=NOW - YEAR)
    assert figures[(now_title, "crimes in the last 12 months", "")] == len(this_year_crimes) == 10
    assert figures[(now_title, "officer-hours on crimes", "h")] == round(
        sum(_crime_hours(c, groups) for c in this_year_crimes)
    )
    assert figures[(now_title, "crimes: change on the year before", "%")] == round(
        (len(this_year_crimes) / len(last_year_crimes) - 1) * 100, 1
    )
    # Repeats over the 365 days before now: victims with 2+ crimes, LSOAs with 3+.
    victims = _rows(store, "SELECT victim_id, count(*) AS n FROM crimes WHERE victim_id IS NOT "
                           "NULL AND reported_at >= :a AND reported_at < :b GROUP BY victim_id "
                           "HAVING count(*) >= 2", a=start, b=NOW)  # fmt: skip
    places = _rows(store, "SELECT lsoa_code, count(*) AS n FROM crimes WHERE lsoa_code IS NOT "
                          "NULL AND reported_at >= :a AND reported_at < :b GROUP BY lsoa_code "
                          "HAVING count(*) >= 3", a=start, b=NOW)  # fmt: skip
    assert figures[(hidden_title, "repeat victims in the window", "")] == len(victims) == 1
    assert figures[(hidden_title, "repeat locations (LSOAs)", "")] == len(places) == 1


def test_response_figures_equal_the_store(store: Engine) -> None:
    sections = response_report.report_section(store, NOW)
    figures = _figures(sections)
    title = sections[0].title
    year = _rows(store, "SELECT grade, received_at AS r, first_arrived_at AS a FROM incidents "
                        "WHERE received_at >= :a AND received_at < :b",
                 a=NOW - YEAR, b=NOW)  # fmt: skip
    assert figures[(title, "incidents", "incidents")] == len(year)
    target = timedelta(minutes=load_grades().by_code()["1"].target_minutes_urban or 0)
    timed = [i for i in year if i.grade == "1" and i.a is not None]
    share = sum(i.a - i.r <= target for i in timed) / len(timed)
    assert figures[(title, "grade 1 within target", "share")] == round(share, 3) == 0.667
    # The peak is the largest row of the Erlang table printed beside it in the same section.
    table = next(t.frame for t in sections[0].tables if t.title.startswith("Officers needed"))
    assert figures[(title, "officers needed on duty, peak hour", "officers")] == int(
        table["required"].max()  # type: ignore[arg-type]
    )
    missed = next(t.frame for t in sections[1].tables if t.title == "Missed targets by grade")
    late_grade_1 = sum(i.a - i.r > target for i in timed)
    assert missed.filter(missed["grade"] == "1")["missed_target"].item() == late_grade_1
    never = sum(i.grade == "1" and i.a is None for i in year)
    assert missed.filter(missed["grade"] == "1")["never_attended"].item() == never == 1


def test_allocation_figures_equal_the_store(store: Engine) -> None:
    sections = allocation_report.report_section(store, NOW)
    figures = _figures(sections)
    backlog_title, caseload_title = sections[0].title, sections[1].title
    waiting = _rows(store, "SELECT id FROM crimes WHERE status = 'unallocated' AND recorded_at "
                           "<= :n", n=NOW)  # fmt: skip
    assert figures[(backlog_title, "Unallocated crimes", "crimes")] == len(waiting) == 5
    history = _rows(store, "SELECT a.crime_id, a.staff_id, a.team_id, a.allocated_at, a.kind, "
                           "a.breaches, c.recorded_at FROM crime_allocations a JOIN crimes c ON "
                           "c.id = a.crime_id WHERE a.allocated_at <= :n ORDER BY a.allocated_at",
                    n=NOW)  # fmt: skip
    first: dict[int, Any] = {}
    for row in history:
        first.setdefault(row.crime_id, row)
    since = NOW - timedelta(weeks=12)
    days = sorted((r.allocated_at - r.recorded_at).total_seconds() / 86400
                  for r in first.values() if r.allocated_at >= since)  # fmt: skip
    assert len(days) == 3
    assert figures[(backlog_title, "Time to allocation, median", "days")] == pytest.approx(
        statistics.median(days)
    )
    # 90th percentile, linear between order statistics
    rank = 0.9 * (len(days) - 1)
    low = int(rank)
    p90 = days[low] + (days[min(low + 1, len(days) - 1)] - days[low]) * (rank - low)
    assert figures[(backlog_title, "Time to allocation, 90th percentile", "days")] == (
        pytest.approx(p90)
    )
    broke = [r for r in history if r.breaches and r.breaches not in ("[]", [])]
    assert (
        figures[
            (backlog_title, "Allocations breaking an accreditation or skill rule", "allocations")
        ]
        == len(broke)
        == 1
    )
    moves: dict[int, int] = {}
    last_team: dict[int, str] = {}
    for row in history:
        changed = row.crime_id in last_team and last_team[row.crime_id] != row.team_id
        moves[row.crime_id] = moves.get(row.crime_id, 0) + int(changed or row.kind == "handover")
        last_team[row.crime_id] = row.team_id
    assert figures[(backlog_title, "Hand-offs per crime", "hand-offs")] == pytest.approx(
        sum(moves.values()) / len(moves)
    )
    # Investigators: staff in post in the functions the routes send crimes to.
    policy = load_allocation_policy()
    functions = sorted({f for r in policy.rules.routes for f in r.functions})
    staff = _rows(store, "SELECT id, function, hours_per_week, joined_on, left_on FROM staff")
    serving = [
        r
        for r in staff
        if r.function in functions
        and (r.joined_on is None or r.joined_on <= TODAY)
        and (r.left_on is None or r.left_on > TODAY)
    ]
    assert figures[(caseload_title, "Investigators", "people")] == len(serving)
    stranded = _rows(store, "SELECT count(*) AS n FROM crimes c JOIN staff s ON s.id = "
                            "c.allocated_to WHERE c.status = 'allocated' AND s.left_on <= :d",
                     d=TODAY)[0].n  # fmt: skip
    assert (
        figures[(caseload_title, "Open cases held by people no longer in post", "crimes")]
        == stranded
        == 1
    )
    capacity = policy.rules.capacity
    hours = {r.id: 0.0 for r in serving}
    for crime in _rows(store, "SELECT allocated_to, offence_code FROM crimes WHERE status = "
                              "'allocated' AND allocated_to IS NOT NULL"):  # fmt: skip
        if crime.allocated_to in hours:
            hours[crime.allocated_to] += policy.requirement(crime.offence_code).expected_hours
    limits = {r.id: r.hours_per_week * capacity.investigative_share * capacity.caseload_weeks
              for r in serving}  # fmt: skip
    over = sum(hours[s] > limits[s] for s in hours)
    assert figures[(caseload_title, "Investigators above caseload capacity", "people")] == over


def test_clock_figures_equal_the_store(store: Engine) -> None:
    sections = tracking_report.report_section(store, NOW)
    figures = _figures(sections)
    title = sections[0].title
    rule = next(r for r in load_clocks_policy().rules if r.id == "forensic_start")
    assert rule.due is not None and rule.due.unit == "days"
    due_after = timedelta(days=rule.due.amount)
    rows = _rows(store, "SELECT r.id, r.started_at, min(e.occurred_at) AS examined FROM "
                        "clock_records r LEFT JOIN clock_events e ON e.record_id = r.id AND "
                        "e.event = 'examination_started' GROUP BY r.id, r.started_at")  # fmt: skip
    open_ = [r for r in rows if r.examined is None]
    overdue = [r for r in open_ if r.started_at + due_after < NOW]
    assert figures[(title, "Open clocks", "clocks")] == len(open_) == 3
    assert figures[(title, "Overdue now", "clocks")] == len(overdue) == 1
    since = (NOW - YEAR).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    due = [r for r in rows if since <= r.started_at + due_after <= NOW]
    met = [r for r in due if r.examined is not None and r.examined <= r.started_at + due_after]
    assert (len(due), len(met)) == (3, 1)
    assert figures[(title, "Met on time, last 12 months", "share")] == round(len(met) / len(due), 3)
