"""Validating imported clock records: a clean file and a damaged one."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
from sqlalchemy import Engine

from forcesight.tracking import queries, service
from forcesight.tracking.imports import store_clock_records, validate_clock_records
from forcesight.tracking.rules import ClocksPolicy

DATA = Path(__file__).parent / "data"
NOW = datetime(2023, 3, 1, 9)


def _read(name: str) -> pl.DataFrame:
    return pl.read_csv(DATA / name, infer_schema=False)


def test_clean_file_is_accepted_whole(policy: ClocksPolicy, seeded: Engine) -> None:
    check = validate_clock_records(
        _read("clock_records.csv"),
        NOW,
        policy,
        known_crime_ids={1, 2, 3, 4},
        known_person_ids={"P1", "P2", "P3"},
    )
    assert check.quarantined.height == 0
    assert check.warnings.height == 0
    assert check.accepted["line"].to_list() == list(range(2, 9))
    assert store_clock_records(seeded, check, NOW) == 7
    records, _ = queries.load_frames(seeded)
    missing = records.filter(pl.col("kind") == "missing_episode").row(0, named=True)
    assert missing["risk_level"] == "high"
    assert missing["closed_at"] == datetime(2023, 2, 2, 6)
    assert missing["is_child"] is True
    clocks = service.evaluate(seeded, NOW, open_only=False)
    assert set(clocks["kind"].unique()) == {
        "bail",
        "rui",
        "victim_care",
        "missing_episode",
        "wanted",
        "forensic_submission",
        "investigation",
    }


def test_damaged_file_quarantines_exactly_the_bad_rows(
    policy: ClocksPolicy, seeded: Engine
) -> None:
    check = validate_clock_records(
        _read("clock_records_with_problems.csv"), NOW, policy, known_crime_ids={1, 2, 3, 4}
    )
    assert check.accepted["ref"].to_list() == ["B-2001", "M-2002"]
    reasons = {
        (row["line"], row["column_name"], row["reason"].split(" (")[0].split(":")[0])
        for row in check.quarantined.iter_rows(named=True)
    }
    assert reasons == {
        (4, "started_at", "in the future"),
        (5, "started_at", "impossible date"),
        (6, "started_at", "not a date and time"),
        (7, "closed_at", "closed before it started"),
        (8, "risk_level", "not a risk level"),
        (9, "devices", "a forensic submission needs at least one device"),
        (10, "started_at", "no rule in clocks.yaml governs a bail record started then"),
        (11, "kind", "not a kind of clock record"),
        (11, "person_id", "a person record needs a person"),
        (12, "ref", "repeats an earlier row's kind and reference"),
        (13, "crime_id", "unknown crime"),
    }
    raw = check.quarantined.filter(pl.col("line") == 6)["raw"][0]
    assert '"ref":"R-2005"' in raw and '"started_at":"2023-02-30 11:00:00"' in raw
    assert check.warnings.select("line", "ref", "value").rows() == [(3, "M-2002", "Absent")]
    assert store_clock_records(seeded, check, NOW, import_run_id=None) == 2
    records, events = queries.load_frames(seeded)
    assert records.filter(pl.col("ref") == "M-2002")["risk_level"].to_list() == ["no_apparent_risk"]
    warning = events.filter(pl.col("event") == "data_quality_warning")
    assert warning.height == 1
    assert "removed January 2017" in warning["reason"][0]
