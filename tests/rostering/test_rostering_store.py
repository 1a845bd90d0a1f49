"""Stored rosters and patterns (both backends), the service functions and the report section."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import Engine

from forcesight.errors import UnknownRosterError
from forcesight.reporting.section import Step
from forcesight.rostering import queries, service
from forcesight.rostering.design import Design, FunctionDesign
from forcesight.rostering.roster import instantiate, roster_to_dict
from forcesight.rostering.rules import REST
from forcesight.rostering.shifts import Shift

NOW = datetime(2026, 1, 20, 9, 0)


def small_design() -> Design:
    early = Shift.parse("07:00-17:00")
    line = (0, 0, 0, 0, REST, REST, REST)
    return Design(
        name="days",
        start_date=date(2026, 3, 2),
        published_on=date(2026, 1, 20),
        functions=(
            FunctionDesign(
                function="neighbourhood",
                area="south",
                skills=(),
                cycle_weeks=1,
                team_sizes=(3,),
                spare_officers=1,
                shifts=(early,),
                pattern=(line,),
                required=tuple(2 if 8 <= h % 24 < 18 else 0 for h in range(168)),
            ),
        ),
    )


def test_named_objects_round_trip_and_replace(engine: Engine) -> None:
    design = small_design()
    queries.save_named(engine, queries.KIND_PATTERN, "days", design.to_dict(), NOW)
    queries.save_named(engine, queries.KIND_PATTERN, "days", design.to_dict(), NOW)  # replaces
    assert [n for n, _ in queries.list_named(engine, queries.KIND_PATTERN)] == ["days"]
    again = service.load_design(engine, "days")
    assert again.functions[0].cover().tolist() == design.functions[0].cover().tolist()
    roster = instantiate(design, design.start_date, 2)
    queries.save_named(engine, queries.KIND_ROSTER, "days", roster_to_dict(roster), NOW)
    grid = service.roster_grid(engine, "days")
    assert grid.height == 3 and grid["2026-03-02"].to_list() == ["07:00-17:00"] * 3
    assert service.roster_breaches(engine, "days").height == 0
    with pytest.raises(UnknownRosterError, match="Stored: days"):
        queries.load_named(engine, queries.KIND_ROSTER, "nights")


def test_report_section_says_what_is_missing_then_reports_the_pattern(engine: Engine) -> None:
    empty = service.report_section(engine, NOW)
    assert len(empty) == 2 and empty[0].missing and "roster design" in empty[0].missing[0]
    assert "roster compare" in empty[1].missing[0]  # no stored comparison either
    queries.save_named(engine, queries.KIND_PATTERN, "days", small_design().to_dict(), NOW)
    capacity, unmet, plans = service.report_section(engine, NOW)
    assert plans.step == Step.PLANS and plans.missing
    assert capacity.step == Step.CAPACITY and unmet.step == Step.UNMET
    # Fri-Sun: two short 08:00-18:00; Mon-Thu: two short 17:00-18:00 (the shift ends at 17:00)
    assert capacity.figures[0].value == pytest.approx(3 * 10 * 2 + 4 * 1 * 2)
    assert capacity.charts[0].svg.lstrip().startswith("<svg")
    assert unmet.tables[0].frame.height == 3 * 10 + 4


def test_cover_chart_is_a_complete_svg() -> None:
    svg = service.cover_chart_svg(small_design().cover_frame())
    assert svg.lstrip().startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "neighbourhood" in svg
