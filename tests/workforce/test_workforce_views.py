"""Register views, gaps and absence on the hand-counted fixture force (see force_fixture.py)."""

from __future__ import annotations

import sys
from datetime import date, timedelta

import polars as pl
import pytest
from sqlalchemy import Engine
from tests.workforce.force_fixture import NOW, TODAY

from forcesight.workforce import gaps, queries, service, views
from forcesight.workforce.policy import WorkforcePolicy


def test_holdings_drop_revoked_expired_and_leavers_and_add_pip(force_sqlite: Engine) -> None:
    held = service.holdings(force_sqlite, NOW)
    pairs = set(zip(held["staff_id"], held["skill"], strict=True))
    assert ("R1", "advanced_driver") not in pairs  # revoked
    assert ("R4", "taser") not in pairs  # expired on 2026-01-01
    assert ("D3", "abe_interviewing") not in pairs  # left on 2026-02-01
    assert ("P1", "abe_interviewing") in pairs  # stored under its alias abe_interview
    assert ("P2", "PIP3") in pairs and ("P2", "PIP1") in pairs  # from pip_level 3
    assert ("R1", "PIP1") not in pairs


def test_expiring_within_90_days(force_sqlite: Engine) -> None:
    soon, summary = service.expiring(force_sqlite, NOW, 90)
    assert soon.select("staff_id", "skill", "days_left").rows() == [
        ("P1", "abe_interviewing", 16),
        ("R1", "taser", 77),
    ]
    assert summary.select("function", "team_name", "skill", "expiring").rows() == [
        ("public_protection", "Public Protection", "abe_interviewing", 1),
        ("response", "Response North", "taser", 1),
    ]
    narrow, _ = service.expiring(force_sqlite, NOW, 16)
    assert narrow["staff_id"].to_list() == ["P1"]


def test_single_points_of_failure(force_sqlite: Engine) -> None:
    spof = service.single_points_of_failure(force_sqlite, NOW)
    rows = {(r["function"], r["skill"]): r for r in spof.iter_rows(named=True)}
    assert rows[("response", "taser")]["holders"] == 2
    on_leave = rows[("public_protection", "child_abuse_investigation")]
    assert on_leave["available_today"] == 0  # P1 is on leave
    assert ("investigation", "PIP1") not in rows  # three holders: D1, D2, S1
    assert all(r["holders"] <= 2 for r in spof.iter_rows(named=True))


def test_tutoring_load(force_sqlite: Engine) -> None:
    load = service.tutoring(force_sqlite, NOW)
    assert load.select(
        "tutor_id", "students", "weeks_left", "over_limit", "tutor_accredited"
    ).rows() == [("R3", 1, 3.0, False, True)]


def test_absence_rates_count_serving_person_days(force_sqlite: Engine) -> None:
    rates = service.absence(force_sqlite, NOW, months=3, by=("function",))
    sick = {(r["month"], r["function"]): r for r in rates.sickness.iter_rows(named=True)}
    # February 2026, response: R1 off 1-10 Feb; R1, R2, R3, R4 serve all 28 days.
    feb = sick[(date(2026, 2, 1), "response")]
    assert (feb["days_away"], feb["person_days"]) == (10, 112)
    # January 2026, investigation: D2 off 1-2 Jan (spell from 30 Dec); D1, D2, D3, S1 serve 31.
    jan = sick[(date(2026, 1, 1), "investigation")]
    assert (jan["days_away"], jan["person_days"]) == (2, 124)
    # February, investigation: D3 left on 1 Feb, so 3 x 28 person-days.
    assert sick[(date(2026, 2, 1), "investigation")]["person_days"] == 84
    restricted = {(r["month"], r["function"]): r for r in rates.restricted.iter_rows(named=True)}
    # D1 restricted from 15 Jan, open-ended: 17 days in January, all 28 in February.
    assert restricted[(date(2026, 1, 1), "investigation")]["days_away"] == 17
    assert restricted[(date(2026, 2, 1), "investigation")]["days_away"] == 28


def test_overlapping_spells_count_a_day_once(policy: WorkforcePolicy) -> None:
    staff = pl.DataFrame(
        {"id": ["A"], "function": ["response"], "rank": ["constable"],
         "joined_on": [None], "left_on": [None]},
        schema_overrides={"joined_on": pl.Date, "left_on": pl.Date},
    )  # fmt: skip
    spells = pl.DataFrame(
        {"staff_id": ["A", "A"], "kind": ["sickness", "sickness"],
         "starts_on": [date(2026, 1, 1), date(2026, 1, 5)],
         "ends_on": [date(2026, 1, 10), date(2026, 1, 12)]},
    )  # fmt: skip
    rates = views.absence_rates(staff, spells, ["sickness"], [date(2026, 1, 1)], ("function",))
    assert rates.row(0, named=True)["days_away"] == 12


def test_productive_hours_by_hand(force_sqlite: Engine, policy: WorkforcePolicy) -> None:
    start = (NOW - timedelta(weeks=12)).date()
    staff = queries.load_staff(force_sqlite)
    spells = queries.load_spells(force_sqlite, start, TODAY)
    hours = gaps.productive_hours(staff, spells, policy, start, TODAY)
    by_id = {r["id"]: r for r in hours.iter_rows(named=True)}
    share = policy.availability.productive_share
    half = policy.availability.restricted_productive_share
    # D1: 84 days in the window, restricted from 15 Jan to the end (60 days).
    assert by_id["D1"]["days_restricted"] == 60
    assert by_id["D1"]["productive_hours"] == pytest.approx((84 - 60 * (1 - half)) * 40 / 7 * share)
    # D3 left on 1 Feb: serves 22 Dec to 31 Jan = 41 days.
    assert by_id["D3"]["serving_days"] == 41
    # P1 on leave 10-20 Mar: 6 days fall in the window (10-15 Mar).
    assert by_id["P1"]["days_away"] == 6


def test_gaps_with_the_allocation_policy(force_sqlite: Engine, policy: WorkforcePolicy) -> None:
    from forcesight.allocation.policy import load_allocation_policy

    result = gaps.analyse_gaps(force_sqlite, NOW, policy)
    assert result.crime_hours_from.startswith("allocation policy")
    alloc = load_allocation_policy()
    demand = {
        (r["function"], r["skill"], r["stream"]): r for r in result.demand.iter_rows(named=True)
    }
    # C1, C2 (8N, T_CID), C3, C5 (46, unallocated -> investigation); C4 (28E, T_PP); C6 is old.
    expected = (
        2 * alloc.requirement("8N").expected_hours + 2 * alloc.requirement("46").expected_hours
    )
    assert demand[("investigation", gaps.ALL_DEMAND, "crimes")]["demand_hours"] == pytest.approx(
        expected
    )
    assert demand[("investigation", gaps.ALL_DEMAND, "crimes")]["items"] == 4
    # C2 is domestic abuse on a violence offence: needs domestic_abuse_investigation.
    da = demand[("investigation", "domestic_abuse_investigation", "crimes")]
    assert da["demand_hours"] == pytest.approx(alloc.requirement("8N").expected_hours)
    # Incidents: unit-hours from deployments (I1 68 min, I2 82 + 60, I5 120), I3 has none so its
    # own dispatch-to-clear (100 min x 1 unit); I6 never cleared. I4 needs firearms.
    response = demand[("response", gaps.ALL_DEMAND, "incidents")]
    assert response["demand_hours"] == pytest.approx((68 + 142 + 100 + 120) / 60)
    assert response["items"] == 5
    firearms = demand[("firearms", "firearms_afo", "incidents")]
    assert firearms["demand_hours"] == pytest.approx((131 + 120) / 60)
    table = {(r["function"], r["skill"]): r for r in result.gaps.iter_rows(named=True)}
    assert table[("investigation", "domestic_abuse_investigation")]["status"] == "deficit"
    assert table[("firearms", "firearms_afo")]["holders"] == 0
    assert table[("response", gaps.ALL_DEMAND)]["status"] == "surplus"


def test_gaps_fall_back_when_allocation_is_absent(
    force_sqlite: Engine, policy: WorkforcePolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "forcesight.allocation.policy", None)  # import fails
    result = gaps.analyse_gaps(force_sqlite, NOW, policy)
    assert "fallback" in result.crime_hours_from
    assert any("allocation module not installed" in n for n in result.notes)
    demand = {(r["function"], r["skill"]): r for r in result.demand.iter_rows(named=True)}
    fb = policy.fallback_crime_demand
    assert demand[("investigation", gaps.ALL_DEMAND)]["demand_hours"] == pytest.approx(
        3 * fb.hours_per_crime + fb.flag_hours["domestic_abuse"]
    )
    assert demand[("public_protection", "child_abuse_investigation")]["demand_hours"] == (
        pytest.approx(fb.flag_hours["child_victim"])
    )


def test_months_before() -> None:
    assert views.months_before(date(2026, 1, 15), 2) == [date(2025, 11, 1), date(2025, 12, 1)]
