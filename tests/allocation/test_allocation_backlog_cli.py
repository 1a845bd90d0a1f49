"""The backlog view, the report sections and the `forcesight allocate` commands."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine, insert
from typer.testing import CliRunner

from forcesight.allocation.backlog import backlog
from forcesight.allocation.report import report_section
from forcesight.allocation.service import accept_proposal, override_proposal, propose
from forcesight.cli import app
from forcesight.reporting.section import Step
from forcesight.store.entities import availability_spells

AT = datetime(2024, 3, 1, 12, 0)
SOLVABLE = {"sf_named_suspect": True, "sf_cctv": True, "sf_witness": True}


def test_backlog_counts_ages_times_breaches_and_handoffs(
    small_force: Callable[..., Engine],
) -> None:
    engine = small_force(
        ("CR-OLD", "5D", {"recorded_at": datetime(2023, 12, 1), **SOLVABLE}),
        ("CR-NEW", "5D", {"recorded_at": datetime(2024, 3, 1, 6), **SOLVABLE}),
        ("CR-WAIT", "106", {"recorded_at": datetime(2024, 2, 20)}),
        ("CR-SEX", "19C", {"recorded_at": datetime(2024, 2, 27, 12), **SOLVABLE}),
    )
    proposals = {p["crime_ref"]: p for p in propose(engine, AT, "sgt").proposals}
    accept_proposal(engine, proposals["CR-OLD"]["proposal_id"], "sgt", AT)
    override_proposal(engine, proposals["CR-SEX"]["proposal_id"], "DC2", "sgt", AT, "only one")
    override_proposal(engine, proposals["CR-NEW"]["proposal_id"], "DC2", "sgt", AT, "south")
    # DC2 (team CID-S) falls sick: both cases are handed to another team
    with engine.begin() as conn:
        conn.execute(
            insert(availability_spells).values(
                staff_id="DC2",
                kind="sickness",
                starts_on=date(2024, 3, 2),
                row_key="s",
                origin="app",
            )
        )
    later = AT + timedelta(days=1)
    moves = [p for p in propose(engine, later, "sgt").proposals if p["kind"] == "reallocation"]
    assert sorted(p["crime_ref"] for p in moves) == ["CR-NEW", "CR-SEX"]
    for move in moves:
        accept_proposal(engine, move["proposal_id"], "sgt", later)
    view = backlog(engine, later)
    assert view.unallocated == 1
    ages = {r["band"]: r["crimes"] for r in view.age_distribution.to_dicts()}
    assert ages["7-28 days"] == 1 and sum(ages.values()) == 1
    # days to first allocation: 0.25 (CR-NEW), 3.0 (CR-SEX), 91.5 (CR-OLD); linear quantiles
    assert view.time_to_allocation_p50_days == pytest.approx(3.0)
    assert view.time_to_allocation_p90_days == pytest.approx(3.0 + 0.8 * 88.5)
    kinds = {
        r["kind"]: (r["allocations"], r["breaking_rules"]) for r in view.breaches_by_kind.to_dicts()
    }
    assert kinds["proposal"] == (1, 0)
    assert kinds["override"] == (2, 2)
    assert kinds["reallocation"] == (2, 0)
    assert sorted(view.flagged.get_column("crime_ref").to_list()) == ["CR-NEW", "CR-SEX"]
    assert view.handoffs_per_crime_mean == pytest.approx(2 / 3)


def test_report_sections_say_what_is_missing_on_an_empty_store(engine: Engine) -> None:
    unmet, capacity = report_section(engine, AT)
    assert unmet.step is Step.UNMET and capacity.step is Step.CAPACITY
    assert unmet.missing and capacity.missing
    assert unmet.figures[0].value == 0


def test_report_section_with_data_has_a_chart(small_force: Callable[..., Engine]) -> None:
    engine = small_force(("CR-1", "5D", SOLVABLE))
    unmet, capacity = report_section(engine, AT)
    assert unmet.figures[0].value == 1
    assert unmet.charts and unmet.charts[0].svg.lstrip().startswith("<svg")
    assert not capacity.missing and capacity.figures[0].value == 5


def test_cli_triage_propose_apply_backlog(
    small_force: Callable[..., Engine], store_url: str
) -> None:
    small_force(
        ("CR-1", "5D", SOLVABLE),
        ("CR-2", "46", {}),
        ("CR-3", "QQ", SOLVABLE),
    )
    runner = CliRunner()
    base = ["--db", store_url, "allocate"]
    out = runner.invoke(app, [*base, "triage", "--at", "2024-03-01", "--json"])
    assert out.exit_code == 0, out.output
    triaged = json.loads(out.stdout)
    assert triaged["summary"]["routes"] == {"team": 2, "screen_out": 1}
    assert triaged["summary"]["data_quality_warnings"]

    out = runner.invoke(app, [*base, "propose", "--at", "2024-03-01", "--by", "sgt", "--json"])
    assert out.exit_code == 0, out.output
    proposed = json.loads(out.stdout)
    assert set(proposed["summary"]) >= {"objective", "bound", "gap", "rule_breaches"}
    assert proposed["summary"]["rule_breaches"] == 0
    first = next(p for p in proposed["proposals"] if p["crime_ref"] == "CR-1")
    assert first["staff_id"] in {"DC1", "DC3"} and first["reasons"]

    bad = runner.invoke(app, [*base, "apply", "--override", "CR-1:DC2"])
    assert bad.exit_code == 2
    out = runner.invoke(
        app,
        [
            *base,
            "apply",
            "--by",
            "insp",
            "--at",
            "2024-03-01",
            "--json",
            "--override",
            "CR-1=DC2:victim asked for DC2",
        ],
    )
    assert out.exit_code == 0, out.output
    applied = json.loads(out.stdout)
    assert applied["summary"]["overridden"] == 1 and applied["summary"]["flagged"] == 1

    out = runner.invoke(app, [*base, "backlog", "--at", "2024-03-02", "--json"])
    assert out.exit_code == 0, out.output
    view = json.loads(out.stdout)
    assert view["unallocated"] == 0
    assert len(view["rule_breaches"]["flagged"]) == 1

    again = runner.invoke(app, [*base, "apply", "--batch", "999"])
    assert again.exit_code == 2 and "No proposal batch '999'" in again.output
