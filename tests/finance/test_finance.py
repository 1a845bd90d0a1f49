"""Cost rates, the cost of demand with a rank missing from the table, and the benefits register."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine
from tests.workforce.force_fixture import NOW
from typer.testing import CliRunner

from forcesight.cli import app
from forcesight.errors import InvestmentRefusedError, MappingError, MissingColumnsError
from forcesight.finance import benefits, costs, rates, report

AT = NOW.strftime("%Y-%m-%dT%H:%M:%S")
FULL = "rank,hourly_cost,source\nconstable,30,pay\nsergeant,40,pay\nchief inspector,55,pay\n"


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rates.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "error", "where"),
    [
        ("grade,cost\nconstable,30\n", MissingColumnsError, "missing column(s) rank, hourly_cost"),
        (
            "rank,hourly_cost\nconstable,30\nsergeant,lots\n",
            MappingError,
            "line 3: field 'hourly_cost'",
        ),
        ("rank,hourly_cost\nconstable,30\nconstable,31\n", MappingError, "already given on line 2"),
        ("rank,hourly_cost\nconstable,0\n", MappingError, "must be more than 0"),
        ("rank,hourly_cost\n,30\n", MappingError, "field 'rank': is empty"),
    ],
)
def test_bad_rate_files_are_refused_with_line_and_field(
    tmp_path: Path, text: str, error: type[Exception], where: str
) -> None:
    with pytest.raises(error) as refused:
        rates.read_rates_csv(_csv(tmp_path, text))
    assert where in str(refused.value)


def test_a_rank_missing_from_the_cost_table_is_reported_not_priced_at_zero(
    force: Engine, tmp_path: Path
) -> None:
    rates.load_rates_file(force, _csv(tmp_path, FULL), name="2026/27", loaded_by="fin", now=NOW)
    result = costs.cost_of_demand(force, NOW)
    assert result.rates.name == "2026/27" and not result.rates.assumption
    unpriced = result.unpriced()
    # S1 (scale 4) shares the investigation crimes; ARV incidents have no firearms staff.
    assert set(unpriced["rank"]) == {"scale 4", costs.NO_STAFF}
    scale4 = result.lines.filter(pl.col("rank") == "scale 4")
    assert scale4["cost"].null_count() == scale4.height  # no zeros
    assert result.unpriced_hours == pytest.approx(float(unpriced["hours"].sum()), abs=0.1)
    priced = result.lines.filter(pl.col("cost").is_not_null())
    assert result.total_cost == pytest.approx(
        float((priced["hours"] * priced["hourly_cost"]).sum())
    )
    by_rank = {r["rank"]: r for r in result.by("rank").iter_rows(named=True)}
    assert by_rank["scale 4"]["cost"] is None and by_rank["scale 4"]["fully_priced"] is False
    section = report.cost_section(result)
    assert any("no rate for 'scale 4'" in why for why in section.missing)
    assert any("have no serving staff" in why for why in section.missing)


def test_the_demo_defaults_are_marked_as_assumptions(force_sqlite: Engine) -> None:
    result = costs.cost_of_demand(force_sqlite, NOW)
    assert result.rates.assumption
    assert any("assumption" in note for note in result.notes)


def _investment(**change: object) -> benefits.Investment:
    base = {
        "name": "Desk triage team", "function": "investigation",
        "metric": "crimes_allocated_in_time", "baseline_value": 0.5,
        "baseline_on": date(2025, 9, 16), "expected_value": 0.9, "expected_by": date(2026, 9, 16),
    }  # fmt: skip
    return benefits.Investment(**{**base, **change})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"metric": "happiness"}, "unknown metric"),
        ({"expected_by": date(2025, 1, 1)}, "must be after baseline_on"),
        ({"expected_value": 0.4}, "no improvement"),
        ({"metric": "unallocated_crimes", "baseline_value": 10, "expected_value": 12},
         "no improvement"),
        ({"cost_gbp": -5.0}, "must not be negative"),
    ],
)  # fmt: skip
def test_investment_refusals(force_sqlite: Engine, change: dict[str, object], problem: str) -> None:
    with pytest.raises(InvestmentRefusedError, match=problem):
        benefits.register_investment(force_sqlite, _investment(**change), created_by="x", now=NOW)


def test_benefit_status_and_measurements(force: Engine) -> None:
    benefits.register_investment(force, _investment(), created_by="fin", now=NOW)
    benefits.register_investment(
        force,
        _investment(name="Extra detectives", metric="unallocated_crimes", baseline_value=10,
                    baseline_on=date(2025, 3, 1), expected_value=1, expected_by=date(2026, 3, 1)),
        created_by="fin", now=NOW,
    )  # fmt: skip
    benefits.register_investment(
        force, _investment(name="Victim contact", metric="victims_updated_in_time"),
        created_by="fin", now=NOW,
    )  # fmt: skip
    with pytest.raises(InvestmentRefusedError, match="already registered"):
        benefits.register_investment(force, _investment(), created_by="fin", now=NOW)
    view = benefits.register_view(force, NOW, record="fin")
    rows = {r["investment"]: r for r in view.iter_rows(named=True)}
    # Crimes recorded in the 90 days before NOW, 7 days or more ago: C1..C4 (C5 is 6 days old).
    # Allocated within 7 days: C1 (1 day), C2 (3), C4 (0.5); C3 still waits -> 3 of 4.
    desk = rows["Desk triage team"]
    assert desk["actual"] == 0.75
    elapsed = (NOW.date() - date(2025, 9, 16)).days / (date(2026, 9, 16) - date(2025, 9, 16)).days
    assert desk["expected_now"] == pytest.approx(0.5 + 0.4 * elapsed, abs=1e-4)
    assert desk["status"] == "on track"
    extra = rows["Extra detectives"]
    assert (extra["actual"], extra["status"]) == (2.0, "not achieved")  # past its date: 2 > 1
    assert rows["Victim contact"]["status"] == "no data"
    later = benefits.register_view(force, NOW + timedelta(days=1))
    assert later.height == 3
    from forcesight.finance import queries

    stored = queries.load_measurements(force)
    assert stored.height == 3 and set(stored["recorded_by"]) == {"fin"}


def test_finance_cli(force_sqlite: Engine, tmp_path: Path) -> None:
    url = force_sqlite.url.render_as_string(hide_password=False)

    def run(*args: str) -> dict[str, object]:
        result = CliRunner().invoke(app, ["--db", url, "finance", *args, "--json"])
        assert result.exit_code == 0, result.output
        return dict(json.loads(result.stdout))

    shown = run("rates", "show")
    assert shown["assumption"] is True and shown["rate_set"] == "demo defaults"
    run("rates", "load", str(_csv(tmp_path, FULL)), "--name", "own", "--at", AT)
    assert run("rates", "show")["rate_set"] == "own"
    cost = run("costs", "--by", "rank", "--at", AT)
    assert {r["rank"] for r in cost["unpriced"]} == {"scale 4", costs.NO_STAFF}  # type: ignore[union-attr]
    assert run("outcomes", "--at", AT)["outcomes"]
    run("benefits", "add", "Desk triage", "--function", "investigation", "--metric",
        "crimes_allocated_in_time", "--baseline", "0.5", "--baseline-on", "2025-09-16",
        "--expected", "0.9", "--expected-by", "2026-09-16", "--at", AT)  # fmt: skip
    listed = run("benefits", "list", "--at", AT)
    assert listed["register"][0]["status"] == "on track"  # type: ignore[index]
    bad = CliRunner().invoke(app, ["--db", url, "finance", "rates", "load",
                                   str(_csv(tmp_path, "rank\nx\n")), "--name", "bad"])  # fmt: skip
    assert bad.exit_code == 1 and "missing column(s) hourly_cost" in bad.output
