"""Clock records of the demo force, and determinism of the whole generator."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import polars as pl

from forcesight.synthetic import DEFAULT_PARAMS, DemoFrames, generate_demo_force

SMALL = replace(DEFAULT_PARAMS, volume_scale=0.05)
KINDS = {"bail", "rui", "victim_care", "missing_episode", "wanted", "forensic_submission",
         "investigation"}  # fmt: skip


def _with_record(demo: DemoFrames) -> pl.DataFrame:
    records = demo.tables["clock_records"].rename({"id": "record_id"})
    return demo.tables["clock_events"].join(records, on="record_id", suffix="_record")


def test_every_kind_has_open_and_closed_records(demo: DemoFrames) -> None:
    records = demo.tables["clock_records"]
    assert set(records["kind"]) == KINDS
    for kind, group in records.group_by("kind"):
        assert group["closed_at"].null_count() > 0, kind
        assert group["closed_at"].is_not_null().sum() > 0, kind
    assert records.select("kind", "ref").is_duplicated().sum() == 0


def test_events_fall_between_start_and_as_of(demo: DemoFrames) -> None:
    events = _with_record(demo)
    assert (events["occurred_at"] >= events["started_at"]).all()
    assert (events["occurred_at"] <= demo.as_of).all()
    assert (events["recorded_at"] >= events["occurred_at"]).all()
    assert events["reason"].drop_nulls().len() > 0  # some back-dated entries


def test_bail_follows_the_rules_in_force(demo: DemoFrames) -> None:
    """A 2018-19 force: every bail started before 28 Oct 2022 follows the 2017 rules, so its
    first extension (beyond 28 days) is by a superintendent, then the court."""
    bail = _with_record(demo).filter(pl.col("kind") == "bail")
    extended = bail.filter(pl.col("event") == "bail_extended")
    assert set(extended["actor_rank"]) == {"superintendent", "court"}
    first = extended.sort("occurred_at").group_by("record_id").first()
    assert set(first["actor_rank"]) == {"superintendent"}
    # always before the limit lapses; some bail lapsed unextended and became RUI days later
    assert (first["occurred_at"] < first["started_at"] + timedelta(days=28)).all()
    records = demo.tables["clock_records"].filter(pl.col("kind") == "bail")
    lapsed = records.filter(pl.col("close_reason") == "converted_to_rui")
    assert 0 < lapsed.height < records.height / 4
    assert set(records["agency"]) >= {"police"}


def test_bail_after_the_2022_act_uses_the_new_limits() -> None:
    demo = generate_demo_force(seed=1, as_of=datetime(2023, 6, 30, 23, 59), params=SMALL)
    bail = _with_record(demo).filter(
        (pl.col("kind") == "bail") & (pl.col("event") == "bail_extended")
    )
    new = bail.filter(pl.col("started_at") >= datetime(2022, 10, 28))
    old = bail.filter(pl.col("started_at") < datetime(2022, 10, 28))
    assert set(new["actor_rank"]) <= {"inspector", "superintendent", "court"}
    assert "inspector" in set(new["actor_rank"])
    assert "inspector" not in set(old["actor_rank"])


def test_victims_code_duties_met_and_late(demo: DemoFrames) -> None:
    victims = _with_record(demo).filter(pl.col("kind") == "victim_care")
    told = victims.filter(pl.col("event") == "victim_notified")
    assert (told["occurred_at"] <= told["closed_at"]).fill_null(True).all()
    closing = victims.filter(pl.col("event") == "case_closed")
    assert (closing["occurred_at"] == closing["closed_at"]).all()  # the last step closes it
    records = demo.tables["clock_records"].filter(pl.col("kind") == "victim_care")
    assert 0.2 < records["enhanced"].mean() < 0.8  # type: ignore[operator]
    updates = victims.filter(pl.col("event") == "victim_updated").sort("record_id", "occurred_at")
    assert updates.height > 1000
    gaps = updates.select(
        gap=(
            pl.col("occurred_at") - pl.col("occurred_at").shift(1).over("record_id")
        ).dt.total_days()
    )["gap"]
    assert (gaps > 31).sum() > 0  # some monthly updates late
    assert (gaps <= 28).sum() > 10 * (gaps > 31).sum()  # most on time


def test_missing_episodes(demo: DemoFrames) -> None:
    missing = demo.tables["clock_records"].filter(pl.col("kind") == "missing_episode")
    assert 2_500 < missing.height < 4_500  # FACTS: 150 a week in Avon and Somerset, scaled
    levels = dict(missing.group_by("risk_level").agg(pl.len()).iter_rows())
    assert set(levels) == {"no_apparent_risk", "low", "medium", "high"}
    # a legacy 'absent' is stored as no apparent risk with a data-quality warning
    warned = _with_record(demo).filter(pl.col("event") == "data_quality_warning")
    assert 0 < warned.height < 0.05 * missing.height
    assert set(warned["kind"]) == {"missing_episode"}
    children = missing.filter(pl.col("is_child")).sort("started_at")
    third = children.with_columns(earlier=pl.col("started_at").shift(2).over("person_id")).filter(
        pl.col("started_at") - pl.col("earlier") <= timedelta(days=90)
    )
    assert third["person_id"].n_unique() >= 5  # repeat missing children: 3 in 90 days
    persons = set(demo.tables["persons"]["id"])
    assert set(missing["person_id"]) <= persons


def test_forensic_queue_and_wanted_circulation(demo: DemoFrames) -> None:
    events = _with_record(demo)
    started = events.filter(pl.col("event") == "examination_started")
    waits = (started["occurred_at"] - started["started_at"]).dt.total_days()
    assert waits.median() > 30  # type: ignore[operator]  # a lab backlog
    records = demo.tables["clock_records"].filter(pl.col("kind") == "forensic_submission")
    assert records["devices"].min() >= 1  # type: ignore[operator]
    circulated = events.filter(pl.col("event") == "pnc_circulated")
    hours = (circulated["occurred_at"] - circulated["started_at"]).dt.total_hours()
    assert hours.median() < 24 < hours.max()  # type: ignore[operator]


def test_same_seed_same_data_and_another_seed_differs() -> None:
    a = generate_demo_force(seed=99, params=SMALL)
    b = generate_demo_force(seed=99, params=SMALL)
    for name, frame in a.tables.items():
        assert frame.equals(b.tables[name]), name
    assert a.fingerprint() == b.fingerprint()
    c = generate_demo_force(seed=100, params=SMALL)
    assert c.fingerprint() != a.fingerprint()
    assert not c.tables["incidents"].equals(a.tables["incidents"])
