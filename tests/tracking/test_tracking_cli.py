"""`forcesight track ...` end to end on a SQLite store."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
from sqlalchemy import Engine
from typer.testing import CliRunner

from forcesight.cli import app
from forcesight.tracking.events import open_record

NOW = datetime(2023, 3, 1, 9, 0)
runner = CliRunner()


def _run(engine: Engine, *args: str) -> tuple[int, str, str]:
    url = engine.url.render_as_string(hide_password=False)
    result = runner.invoke(app, ["--db", url, "track", *args])
    return result.exit_code, result.stdout, result.stderr


def _seed_clocks(engine: Engine) -> None:
    open_record(
        engine,
        kind="investigation",
        ref="I1",
        crime_id=1,
        owner_id="S1",
        started_at=NOW - timedelta(days=9),
        now=NOW,
    )
    open_record(
        engine,
        kind="investigation",
        ref="I2",
        crime_id=2,
        owner_id="C1",
        started_at=NOW - timedelta(days=6),
        now=NOW,
    )
    open_record(
        engine,
        kind="bail",
        ref="B1",
        crime_id=3,
        owner_id="C1",
        started_at=datetime(2022, 11, 1, 10),
        now=NOW,
    )


def test_due_and_overdue(seeded_sqlite: Engine, tmp_path: Path) -> None:
    _seed_clocks(seeded_sqlite)
    code, out, _ = _run(seeded_sqlite, "due", "--json", "--at", "2023-03-01T09:00")
    assert code == 0
    payload = json.loads(out)
    assert payload["scope"] == "force"
    assert [(r["ref"], r["status"]) for r in payload["due"]] == [
        ("B1", "overdue"),
        ("I1", "overdue"),
        ("I2", "due_soon"),
    ]
    code, out, _ = _run(
        seeded_sqlite, "overdue", "--json", "--me", "S1", "--at", "2023-03-01 09:00"
    )
    assert [r["ref"] for r in json.loads(out)["overdue"]] == ["I1"]
    # Earlier, nothing was overdue yet.
    code, out, _ = _run(seeded_sqlite, "overdue", "--json", "--at", "2023-01-02")
    assert json.loads(out)["count"] == 0
    target = tmp_path / "due.xlsx"
    code, _, _ = _run(
        seeded_sqlite, "due", "--team", "T1", "--at", "2023-03-01T09:00", "--export", str(target)
    )
    assert code == 0
    assert pl.read_excel(target)["ref"].to_list() == ["B1", "I2"]


def test_record_refusal_and_success(seeded_sqlite: Engine) -> None:
    _seed_clocks(seeded_sqlite)
    code, _, err = _run(
        seeded_sqlite, "record", "B1", "bail_extended", "--actor", "S1", "--at", "2023-01-20T10:00"
    )
    assert code == 2
    assert "must be authorised by a inspector or above" in " ".join(err.split())
    code, out, _ = _run(
        seeded_sqlite,
        "record",
        "B1",
        "bail_extended",
        "--actor",
        "I1",
        "--at",
        "2023-01-20T10:00",
        "--json",
    )
    assert code == 0
    payload = json.loads(out)
    assert payload["clocks"][0]["due_at"] == "2023-05-01T10:00:00"
    code, _, err = _run(
        seeded_sqlite,
        "record",
        "I1",
        "supervisory_review",
        "--actor",
        "S1",
        "--occurred-at",
        "2023-02-25",
        "--at",
        "2023-03-01T09:00",
    )
    assert code == 2 and "needs a reason" in " ".join(err.split())
    code, _, err = _run(seeded_sqlite, "record", "I1", "supervisory_review", "--at", "nonsense")
    assert code == 2 and "nonsense" in err


def test_open_show_and_compliance(seeded_sqlite: Engine, tmp_path: Path) -> None:
    code, out, _ = _run(
        seeded_sqlite,
        "open",
        "missing_episode",
        "M1",
        "--person",
        "P1",
        "--risk",
        "absent",
        "--child",
        "--started-at",
        "2023-02-01T20:00",
        "--at",
        "2023-02-01T20:05",
        "--json",
    )
    assert code == 0
    assert "no longer an APP category" in json.loads(out)["warnings"][0]
    _run(
        seeded_sqlite,
        "record",
        "M1",
        "review",
        "--actor",
        "S1",
        "--occurred-at",
        "2023-02-02T22:00",
        "--at",
        "2023-02-02T22:00",
    )
    _run(
        seeded_sqlite,
        "record",
        "M1",
        "found",
        "--occurred-at",
        "2023-02-03T08:00",
        "--at",
        "2023-02-03T08:00",
    )
    code, out, _ = _run(seeded_sqlite, "show", "M1", "--json", "--at", "2023-03-01")
    shown = json.loads(out)
    assert [e["event"] for e in shown["events"]] == ["data_quality_warning", "review", "found"]
    assert [c["status"] for c in shown["clocks"]] == ["met_late", "stopped"]
    code, out, _ = _run(seeded_sqlite, "compliance", "--json", "--at", "2023-03-01")
    rows = json.loads(out)["compliance"]
    assert rows == [
        {
            "period": "2023-02-01T00:00:00",
            "kind": "missing_episode",
            "clock": "missing_review",
            "due": 1,
            "on_time": 0,
            "late": 1,
            "missed": 0,
            "rate": 0.0,
        }
    ]
    target = tmp_path / "compliance.csv"
    code, _, _ = _run(seeded_sqlite, "compliance", "--at", "2023-03-01", "--export", str(target))
    assert pl.read_csv(target)["late"].to_list() == [1]
    code, _, err = _run(seeded_sqlite, "compliance", "--every", "fortnight")
    assert code == 2 and "fortnight" in err
