"""Every clock rule at its boundaries, on engine frames (no store needed)."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
from tracking_helpers import clocks_of, one

from forcesight.tracking.rules import ClocksPolicy

# --- pre-charge bail ------------------------------------------------------------------------------


def test_bail_switches_rules_on_28_october_2022(policy: ClocksPolicy) -> None:
    records = [
        {"kind": "bail", "ref": "OLD", "crime_id": 1, "started_at": datetime(2022, 10, 27, 23, 59)},
        {"kind": "bail", "ref": "NEW", "crime_id": 2, "started_at": datetime(2022, 10, 28, 0, 0)},
    ]
    clocks = clocks_of(policy, records, [], datetime(2022, 11, 1))
    old, new = one(clocks, ref="OLD"), one(clocks, ref="NEW")
    assert old["rule_id"] == "bail_pca_2017"
    assert old["due_at"] == datetime(2022, 11, 24, 23, 59)  # 28 days
    assert new["rule_id"] == "bail_pcsc_2022"
    assert new["due_at"] == datetime(2023, 1, 28, 0, 0)  # 3 months


def test_bail_before_the_2017_act_has_no_clock(policy: ClocksPolicy) -> None:
    records = [{"kind": "bail", "ref": "B", "crime_id": 1, "started_at": datetime(2017, 4, 2)}]
    assert clocks_of(policy, records, [], datetime(2017, 5, 1)).height == 0


def test_agency_cases_have_six_months(policy: ClocksPolicy) -> None:
    start = datetime(2023, 1, 10, 12)
    records = [
        {"kind": "bail", "ref": "SFO", "crime_id": 1, "started_at": start, "agency": "SFO"},
        {"kind": "bail", "ref": "POL", "crime_id": 2, "started_at": start, "agency": None},
    ]
    clocks = clocks_of(policy, records, [], start)
    assert one(clocks, ref="SFO")["due_at"] == datetime(2023, 7, 10, 12)
    assert one(clocks, ref="SFO")["rule_id"] == "bail_pcsc_2022_agency"
    assert one(clocks, ref="POL")["due_at"] == datetime(2023, 4, 10, 12)


def test_bail_extensions_climb_the_ladder_then_court_steps(policy: ClocksPolicy) -> None:
    start = datetime(2023, 1, 10, 12)
    records = [{"kind": "bail", "ref": "B", "crime_id": 1, "started_at": start}]
    expected = [(0, 4), (1, 7), (2, 10), (3, 13), (4, 16)]  # months after Jan: 3, 6, 9, 12, 15
    for n, month in expected:
        events = [
            {"record_id": 1, "event": "bail_extended", "occurred_at": start + timedelta(days=i)}
            for i in range(n)
        ]
        row = one(clocks_of(policy, records, events, start + timedelta(days=10)), ref="B")
        year, month_of = (2023, month) if month <= 12 else (2024, month - 12)
        assert row["extensions"] == n
        assert row["due_at"] == datetime(year, month_of, 10, 12)


def test_bail_status_at_its_boundaries(policy: ClocksPolicy) -> None:
    start = datetime(2023, 1, 10, 12)
    records = [{"kind": "bail", "ref": "B", "crime_id": 1, "started_at": start}]
    due = datetime(2023, 4, 10, 12)
    assert (
        one(clocks_of(policy, records, [], due - timedelta(days=14, seconds=1)), ref="B")["status"]
        == "running"
    )
    assert (
        one(clocks_of(policy, records, [], due - timedelta(days=14)), ref="B")["status"]
        == "due_soon"
    )
    assert one(clocks_of(policy, records, [], due), ref="B")["status"] == "due_soon"
    late = one(clocks_of(policy, records, [], due + timedelta(hours=1)), ref="B")
    assert late["status"] == "overdue"
    assert late["overdue_hours"] == 1.0
    assert late["escalate_to"] == "inspector"
    charged = [{"record_id": 1, "event": "charged", "occurred_at": due}]
    assert (
        one(clocks_of(policy, records, charged, due + timedelta(days=1)), ref="B")["status"]
        == "met"
    )
    charged_late = [{"record_id": 1, "event": "charged", "occurred_at": due + timedelta(hours=2)}]
    row = one(clocks_of(policy, records, charged_late, due + timedelta(days=1)), ref="B")
    assert row["status"] == "met_late"
    assert row["late_hours"] == 2.0


# --- released under investigation -----------------------------------------------------------------


def test_rui_review_every_30_days_and_conversion_stops_it(policy: ClocksPolicy) -> None:
    start = datetime(2023, 5, 1, 9)
    records = [{"kind": "rui", "ref": "R", "crime_id": 1, "started_at": start}]
    review = {"record_id": 1, "event": "rui_review", "occurred_at": datetime(2023, 5, 25, 9)}
    clocks = clocks_of(policy, records, [review], datetime(2023, 6, 1))
    assert clocks["status"].to_list() == ["met", "running"]
    assert clocks["due_at"].to_list() == [datetime(2023, 5, 31, 9), datetime(2023, 6, 24, 9)]
    assert clocks["age_days"][1] == 31 - 0.375
    converted = {"record_id": 1, "event": "converted_to_bail", "occurred_at": datetime(2023, 6, 2)}
    clocks = clocks_of(policy, records, [review, converted], datetime(2023, 8, 1))
    assert clocks.filter(pl.col("current"))["status"].to_list() == ["stopped"]


# --- victims' code --------------------------------------------------------------------------------


def test_enhanced_victim_told_within_one_working_day(policy: ClocksPolicy) -> None:
    friday = datetime(2022, 8, 26, 15, 0)  # the Friday before the August bank holiday
    records = [
        {
            "kind": "victim_care",
            "ref": "VE",
            "crime_id": 1,
            "enhanced": True,
            "started_at": datetime(2022, 8, 20),
        },
        {
            "kind": "victim_care",
            "ref": "VS",
            "crime_id": 1,
            "enhanced": False,
            "started_at": datetime(2022, 8, 20),
        },
        {"kind": "investigation", "ref": "I", "crime_id": 1, "started_at": datetime(2022, 8, 20)},
    ]
    events = [{"record_id": 3, "event": "arrested", "occurred_at": friday}]
    clocks = clocks_of(policy, records, events, datetime(2022, 8, 31, 9))
    enhanced = one(clocks, ref="VE", clock="outcome_notification")
    standard = one(clocks, ref="VS", clock="outcome_notification")
    assert enhanced["trigger"] == "arrested"
    assert enhanced["due_at"] == datetime(2022, 8, 30, 23, 59, 59)
    assert enhanced["status"] == "overdue"
    assert standard["due_at"] == datetime(2022, 9, 5, 23, 59, 59)
    assert standard["status"] == "running"
    told = [
        *events,
        {
            "record_id": 1,
            "event": "victim_notified",
            "about": "arrested",
            "occurred_at": datetime(2022, 8, 30, 17, 0),
        },
    ]
    assert (
        one(
            clocks_of(policy, records, told, datetime(2022, 8, 31, 9)),
            ref="VE",
            clock="outcome_notification",
        )["status"]
        == "met"
    )


def test_notification_for_a_bail_record_on_the_same_crime(policy: ClocksPolicy) -> None:
    records = [
        {
            "kind": "victim_care",
            "ref": "V",
            "crime_id": 7,
            "enhanced": False,
            "started_at": datetime(2023, 3, 1),
        },
        {"kind": "bail", "ref": "B", "crime_id": 7, "started_at": datetime(2023, 3, 6, 10)},
        {"kind": "bail", "ref": "OTHER", "crime_id": 8, "started_at": datetime(2023, 3, 6, 10)},
    ]
    clocks = clocks_of(policy, records, [], datetime(2023, 3, 7))
    row = one(clocks, ref="V", clock="outcome_notification")
    assert row["trigger"] == "bail_started"
    assert row["due_at"] == datetime(2023, 3, 13, 23, 59, 59)


def test_first_contact_clocks(policy: ClocksPolicy) -> None:
    start = datetime(2024, 3, 27, 10, 0)  # Wednesday before Easter 2024
    records = [{"kind": "victim_care", "ref": "V", "crime_id": 1, "started_at": start}]
    clocks = clocks_of(policy, records, [], start)
    # Five working days skip Good Friday and Easter Monday: Thu 28, Tue 2, Wed 3, Thu 4, Fri 5.
    for clock in ("written_information", "needs_assessment", "vps_offered"):
        assert one(clocks, clock=clock)["due_at"] == datetime(2024, 4, 5, 23, 59, 59)
    assert one(clocks, clock="support_referral")["due_at"] == datetime(2024, 3, 29, 10, 0)


def test_monthly_updates_while_there_is_no_suspect(policy: ClocksPolicy) -> None:
    start = datetime(2023, 1, 31, 10)
    records = [{"kind": "victim_care", "ref": "V", "crime_id": 1, "started_at": start}]
    updated = {"record_id": 1, "event": "victim_updated", "occurred_at": datetime(2023, 2, 27)}
    clocks = clocks_of(policy, records, [updated], datetime(2023, 3, 1))
    monthly = clocks.filter(pl.col("clock") == "monthly_update")
    assert monthly["due_at"].to_list() == [datetime(2023, 2, 28, 10), datetime(2023, 3, 27)]
    assert monthly["status"].to_list() == ["met", "running"]
    suspect = {"record_id": 1, "event": "suspect_identified", "occurred_at": datetime(2023, 3, 2)}
    later = clocks_of(policy, records, [updated, suspect], datetime(2023, 6, 1))
    assert one(later, clock="monthly_update", current=True)["status"] == "stopped"


def test_screened_out_victim_is_told_within_five_working_days(policy: ClocksPolicy) -> None:
    records = [
        {
            "kind": "victim_care",
            "ref": "V",
            "crime_id": 1,
            "enhanced": True,
            "started_at": datetime(2023, 6, 1, 9),
        }
    ]
    events = [{"record_id": 1, "event": "screened_out", "occurred_at": datetime(2023, 6, 2, 9)}]
    clocks = clocks_of(policy, records, events, datetime(2023, 6, 3))
    row = one(clocks, clock="screened_out_notification")
    assert row["due_at"] == datetime(2023, 6, 9, 23, 59, 59)
    # Screening out also ends the monthly updates and the VPS offer.
    assert one(clocks, clock="monthly_update")["status"] == "stopped"
    assert one(clocks, clock="vps_offered")["status"] == "stopped"


# --- missing persons ------------------------------------------------------------------------------


def test_review_interval_follows_the_risk_level(policy: ClocksPolicy) -> None:
    start = datetime(2023, 9, 1, 20, 0)
    records = [
        {
            "kind": "missing_episode",
            "ref": level,
            "person_id": level,
            "risk_level": level,
            "started_at": start,
        }
        for level in ("high", "medium", "low", "no_apparent_risk")
    ]
    clocks = clocks_of(policy, records, [], start)
    hours = {
        r["ref"]: (r["due_at"] - start).total_seconds() / 3600 for r in clocks.iter_rows(named=True)
    }
    assert hours == {"high": 2, "medium": 6, "low": 24, "no_apparent_risk": 24}


def test_a_regrade_restarts_the_interval_and_overdue_reviews_escalate(
    policy: ClocksPolicy,
) -> None:
    start = datetime(2023, 9, 1, 20, 0)
    records = [
        {
            "kind": "missing_episode",
            "ref": "M",
            "person_id": "P",
            "risk_level": "low",
            "started_at": start,
        }
    ]
    regrade = {
        "record_id": 1,
        "event": "risk_changed",
        "risk_level": "high",
        "occurred_at": datetime(2023, 9, 1, 22, 0),
    }
    at_due = clocks_of(policy, records, [regrade], datetime(2023, 9, 2, 0, 0))
    current = one(at_due, current=True)
    assert current["risk_level"] == "high"
    assert current["due_at"] == datetime(2023, 9, 2, 0, 0)
    assert current["status"] == "due_soon"
    assert (
        one(clocks_of(policy, records, [regrade], datetime(2023, 9, 2, 1, 59)), current=True)[
            "escalate_to"
        ]
        == "inspector"
    )
    assert (
        one(clocks_of(policy, records, [regrade], datetime(2023, 9, 2, 2, 0)), current=True)[
            "escalate_to"
        ]
        == "superintendent"
    )
    found = {"record_id": 1, "event": "found", "occurred_at": datetime(2023, 9, 2, 3)}
    assert (
        one(clocks_of(policy, records, [regrade, found], datetime(2023, 9, 3)), current=True)[
            "status"
        ]
        == "stopped"
    )


def test_a_childs_third_episode_in_90_days_is_flagged(policy: ClocksPolicy) -> None:
    first = datetime(2023, 1, 1, 18)
    third = first + timedelta(days=89)

    def episodes(child: bool, gap_days: int) -> list[dict[str, object]]:
        return [
            {
                "kind": "missing_episode",
                "ref": f"E{i}",
                "person_id": "P",
                "risk_level": "medium",
                "is_child": child,
                "started_at": at,
                "closed_at": at + timedelta(hours=5) if i < 3 else None,
            }
            for i, at in enumerate(
                [first, first + timedelta(days=30), first + timedelta(days=gap_days)], start=1
            )
        ]

    clocks = clocks_of(policy, episodes(True, 89), [], third + timedelta(hours=1))
    assert one(clocks, ref="E3")["episodes_in_window"] == 3
    assert one(clocks, ref="E3")["repeat_missing"] is True
    assert one(clocks, ref="E2")["repeat_missing"] is False
    outside = clocks_of(policy, episodes(True, 90), [], third + timedelta(days=2))
    assert one(outside, ref="E3")["episodes_in_window"] == 2
    assert one(outside, ref="E3")["repeat_missing"] is False
    adult = clocks_of(policy, episodes(False, 89), [], third + timedelta(hours=1))
    assert one(adult, ref="E3")["repeat_missing"] is False


# --- wanted, forensics, supervisory reviews -------------------------------------------------------


def test_wanted_circulation_and_review(policy: ClocksPolicy) -> None:
    start = datetime(2023, 4, 3, 8)
    records = [{"kind": "wanted", "ref": "W", "person_id": "P", "started_at": start}]
    events = [
        {"record_id": 1, "event": "pnc_circulated", "occurred_at": start + timedelta(hours=30)}
    ]
    clocks = clocks_of(policy, records, events, start + timedelta(days=29))
    circulation = one(clocks, clock="pnc_circulation")
    assert circulation["status"] == "met_late"
    assert circulation["elapsed_hours"] == 30.0
    review = one(clocks, clock="wanted_review")
    assert review["due_at"] == start + timedelta(days=28)
    assert review["status"] == "overdue"


def test_forensic_queue_forecasts_from_lab_capacity(policy: ClocksPolicy) -> None:
    now = datetime(2023, 10, 2, 9)
    records = [
        {
            "kind": "forensic_submission",
            "ref": f"F{i}",
            "crime_id": i,
            "devices": devices,
            "started_at": now - timedelta(days=100 - i),
        }
        for i, devices in enumerate([30, 50, 20, 4], start=1)
    ]
    started = [{"record_id": 1, "event": "examination_started", "occurred_at": now}]
    clocks = clocks_of(policy, records, started, now)
    queue = clocks.filter(pl.col("queue_position").is_not_null()).sort("queue_position")
    assert queue["ref"].to_list() == ["F2", "F3", "F4"]
    assert queue["devices_ahead"].to_list() == [0, 50, 70]
    # 40 devices a week: 50 ahead is 1.25 weeks, 70 ahead is 1.75 weeks.
    assert queue["forecast_start"].to_list() == [
        now,
        now + timedelta(days=8, hours=18),
        now + timedelta(days=12, hours=6),
    ]
    assert one(clocks, ref="F1")["status"] == "met_late"  # 99 days > 90-day target
    assert queue["forecast_late"].to_list() == [True, True, True]


def test_supervisory_review_first_at_7_days_then_every_28(policy: ClocksPolicy) -> None:
    start = datetime(2023, 2, 1, 9)
    records = [
        {"kind": "investigation", "ref": "I", "crime_id": 1, "owner_id": "S1", "started_at": start}
    ]
    events = [
        {"record_id": 1, "event": "supervisory_review", "occurred_at": datetime(2023, 2, 8, 9)}
    ]
    clocks = clocks_of(policy, records, events, datetime(2023, 3, 9, 9))
    assert clocks["due_at"].to_list() == [datetime(2023, 2, 8, 9), datetime(2023, 3, 8, 9)]
    assert clocks["status"].to_list() == ["met", "overdue"]


def test_records_and_events_after_now_are_ignored(policy: ClocksPolicy) -> None:
    start = datetime(2023, 2, 1, 9)
    records = [
        {"kind": "investigation", "ref": "I", "crime_id": 1, "started_at": start},
        {
            "kind": "investigation",
            "ref": "FUTURE",
            "crime_id": 2,
            "started_at": datetime(2023, 3, 1),
        },
    ]
    events = [{"record_id": 1, "event": "supervisory_review", "occurred_at": datetime(2023, 2, 20)}]
    clocks = clocks_of(policy, records, events, datetime(2023, 2, 10))
    assert clocks["ref"].to_list() == ["I"]
    assert clocks["status"].to_list() == ["overdue"]
