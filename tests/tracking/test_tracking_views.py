"""Views over clocks (me, team, force; compliance; overdue by supervisor), export, report."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine
from tracking_helpers import clocks_of

from forcesight.errors import ClockRefusedError
from forcesight.reporting.section import Step
from forcesight.tracking import service, views
from forcesight.tracking.events import open_record, record_event
from forcesight.tracking.report import report_section
from forcesight.tracking.rules import ClocksPolicy

NOW = datetime(2023, 4, 1, 9)


def _victims(policy: ClocksPolicy) -> pl.DataFrame:
    """Three victims with no suspect: updated on time, late, and never."""
    start = datetime(2023, 1, 10, 9)
    records = [
        {
            "kind": "victim_care",
            "ref": f"V{i}",
            "crime_id": i,
            "owner_id": owner,
            "team_id": team,
            "started_at": start,
        }
        for i, (owner, team) in enumerate([("C1", "T1"), ("C1", "T1"), ("C2", "T2")], start=1)
    ]
    events = [
        {"record_id": 1, "event": "victim_updated", "occurred_at": datetime(2023, 2, 9)},
        {"record_id": 1, "event": "victim_updated", "occurred_at": datetime(2023, 3, 8)},
        {"record_id": 2, "event": "victim_updated", "occurred_at": datetime(2023, 2, 15)},
    ]
    return clocks_of(policy, records, events, NOW)


def test_compliance_share_of_victims_updated_in_time(policy: ClocksPolicy) -> None:
    table = views.compliance(_victims(policy), NOW, by=("clock",)).filter(
        pl.col("clock") == "monthly_update"
    )
    assert table.select("period", "due", "on_time", "late", "missed", "rate").rows() == [
        (datetime(2023, 2, 1), 3, 1, 1, 1, 0.3333),
        (datetime(2023, 3, 1), 2, 1, 0, 1, 0.5),
    ]


def test_scopes(policy: ClocksPolicy) -> None:
    clocks = _victims(policy)
    mine = views.due(clocks, "me", staff_id="C2")
    assert set(mine["ref"]) == {"V3"} and set(mine["status"]) == {"overdue"}
    team = views.due(clocks, "team", team_id="T1", overdue_only=True)
    assert set(team["ref"]) == {"V1", "V2"}
    assert (
        views.due(clocks, "force").height
        == mine.height + views.due(clocks, "team", team_id="T1").height
    )
    with pytest.raises(ClockRefusedError, match="needs a staff id"):
        views.due(clocks, "me")


def test_overdue_reviews_by_supervisor(policy: ClocksPolicy) -> None:
    records = [
        {
            "kind": "investigation",
            "ref": f"I{i}",
            "crime_id": i,
            "owner_id": owner,
            "started_at": NOW - timedelta(days=days),
        }
        for i, (owner, days) in enumerate([("S1", 10), ("S1", 20), ("S2", 8), ("S2", 3)], 1)
    ]
    table = views.overdue_by_owner(clocks_of(policy, records, [], NOW))
    assert table.select("owner_id", "overdue", "most_overdue_hours", "refs").rows() == [
        ("S1", 2, 13 * 24.0, "I1, I2"),
        ("S2", 1, 24.0, "I3"),
    ]


def test_export_csv_and_excel(policy: ClocksPolicy, tmp_path: Path) -> None:
    table = views.due(_victims(policy), "force")
    csv = views.export(table, tmp_path / "due.csv")
    xlsx = views.export(table, tmp_path / "due.xlsx")
    assert pl.read_csv(csv)["ref"].to_list() == table["ref"].to_list()
    assert pl.read_excel(xlsx)["clock"].to_list() == table["clock"].to_list()
    with pytest.raises(ClockRefusedError, match=r"\.csv or \.xlsx"):
        views.export(table, tmp_path / "due.pdf")


def test_report_section_without_and_with_clocks(seeded_sqlite: Engine) -> None:
    empty = report_section(seeded_sqlite, NOW)
    assert empty[0].missing and empty[0].step is Step.UNMET
    open_record(
        seeded_sqlite,
        kind="investigation",
        ref="I1",
        crime_id=1,
        owner_id="S1",
        started_at=datetime(2023, 1, 2, 9),
        now=NOW,
    )
    record_event(
        seeded_sqlite,
        ref="I1",
        event="supervisory_review",
        occurred_at=datetime(2023, 1, 8, 9),
        now=datetime(2023, 1, 8, 9),
        actor_id="S1",
    )
    [section] = report_section(seeded_sqlite, NOW)
    figures = {f.label: f.value for f in section.figures}
    assert figures["Overdue now"] == 1  # the 28-day review due 5 Feb
    assert figures["Met on time, last 12 months"] == 0.5
    assert section.charts[0].svg.lstrip().startswith("<svg")
    assert not section.missing
    queue = service.queue(seeded_sqlite, NOW, "me", staff_id="S1")
    assert queue["ref"].to_list() == ["I1"]
