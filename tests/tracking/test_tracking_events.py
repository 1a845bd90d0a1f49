"""Recording events in the store: refusals with reasons, back-dating, closure; both backends."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import Engine, select

from forcesight.errors import ClockRefusedError, UnknownClockSubjectError
from forcesight.store.entities import clock_events, clock_records
from forcesight.tracking import queries, service
from forcesight.tracking.events import open_record, record_event

NOW = datetime(2023, 3, 1, 12, 0)


def _snapshot(engine: Engine) -> tuple[list[Any], list[Any]]:
    with engine.connect() as conn:
        records = conn.execute(select(clock_records).order_by(clock_records.c.id)).all()
        events = conn.execute(select(clock_events).order_by(clock_events.c.id)).all()
    return [tuple(r) for r in records], [tuple(e) for e in events]


def _refused(engine: Engine, match: str, **kwargs: Any) -> ClockRefusedError:
    before = _snapshot(engine)
    clocks_before = service.evaluate(engine, NOW)
    with pytest.raises(ClockRefusedError, match=match) as caught:
        record_event(engine, now=NOW, **kwargs)
    assert _snapshot(engine) == before
    assert_frame_equal(service.evaluate(engine, NOW), clocks_before)
    return caught.value


def test_store_round_trip(seeded: Engine) -> None:
    start = datetime(2023, 2, 1, 9)
    open_record(seeded, kind="bail", ref="B1", crime_id=1, owner_id="C1", started_at=start, now=NOW)
    opened = open_record(
        seeded,
        kind="missing_episode",
        ref="M1",
        person_id="P1",
        risk_level="Absent",
        is_child=True,
        started_at=start,
        now=NOW,
    )
    assert opened.warnings and "no longer an APP category" in opened.warnings[0]
    record_event(
        seeded,
        ref="M1",
        event="risk_changed",
        occurred_at=NOW,
        now=NOW,
        actor_id="S1",
        detail={"risk_level": "High"},
    )
    records, events = queries.load_frames(seeded)
    assert records["ref"].to_list() == ["B1", "M1"]
    assert records["started_at"].to_list() == [start, start]
    assert records["team_id"].to_list() == ["T1", None]  # the owner's team
    assert records["risk_level"].to_list() == [None, "no_apparent_risk"]
    assert records["is_child"].to_list() == [None, True]
    assert events["event"].to_list() == ["data_quality_warning", "risk_changed"]
    assert events["risk_level"].to_list() == [None, "high"]
    assert events["actor_rank"].to_list() == [None, "sergeant"]
    clocks = service.evaluate(seeded, NOW)
    assert clocks.filter(pl.col("ref") == "M1", pl.col("current"))["risk_level"].to_list() == [
        "high"
    ]


def test_charge_before_arrest_is_refused(seeded: Engine) -> None:
    start = datetime(2023, 2, 1, 9)
    open_record(seeded, kind="victim_care", ref="V1", crime_id=1, started_at=start, now=NOW)
    open_record(
        seeded, kind="investigation", ref="I1", crime_id=1, owner_id="S1", started_at=start, now=NOW
    )
    error = _refused(
        seeded,
        "needs an earlier arrested",
        ref="I1",
        event="charged",
        occurred_at=NOW - timedelta(hours=1),
    )
    assert error.code == "clock_refused"
    record_event(seeded, ref="I1", event="arrested", occurred_at=NOW - timedelta(hours=3), now=NOW)
    done = record_event(
        seeded, ref="I1", event="charged", occurred_at=NOW - timedelta(hours=1), now=NOW
    )
    assert done.event == "charged"
    # A charge dated before the arrest is still out of order.
    _refused(
        seeded,
        "needs an earlier",
        ref="V1",
        event="charged",
        occurred_at=NOW - timedelta(hours=4),
        reason="typed late",
    )


def test_a_bail_record_on_the_crime_counts_as_the_arrest(seeded: Engine) -> None:
    open_record(
        seeded, kind="bail", ref="B1", crime_id=2, started_at=NOW - timedelta(days=3), now=NOW
    )
    done = record_event(seeded, ref="B1", event="charged", occurred_at=NOW, now=NOW)
    assert done.closed_record
    assert done.clocks["status"].to_list() == ["met"]
    _refused(
        seeded, "the record closed", ref="B1", event="bail_extended", occurred_at=NOW, actor_id="U1"
    )


def test_unknown_subjects_are_refused(seeded: Engine) -> None:
    _refused(seeded, "there is no clock record 'NOPE'", ref="NOPE", event="review", occurred_at=NOW)
    with pytest.raises(UnknownClockSubjectError, match="there is no crime 99"):
        open_record(seeded, kind="bail", ref="B9", crime_id=99, started_at=NOW, now=NOW)
    with pytest.raises(UnknownClockSubjectError, match="needs a person"):
        open_record(seeded, kind="wanted", ref="W9", started_at=NOW, now=NOW)
    with pytest.raises(ClockRefusedError, match=r"no rule in clocks\.yaml"):
        open_record(
            seeded, kind="bail", ref="B0", crime_id=1, started_at=datetime(2016, 5, 1), now=NOW
        )
    assert _snapshot(seeded) == ([], [])


def test_bail_extension_by_the_wrong_rank_is_refused(seeded: Engine) -> None:
    start = datetime(2022, 11, 1, 10)  # PCSC rules: 3 months, inspector to 6, supt to 9
    open_record(
        seeded, kind="bail", ref="B1", crime_id=1, started_at=start, now=datetime(2023, 1, 1)
    )
    at = datetime(2023, 1, 20, 10)
    error = _refused(
        seeded,
        "must be authorised by a inspector or above",
        ref="B1",
        event="bail_extended",
        occurred_at=at,
        actor_id="S1",
    )
    assert "the actor's rank is sergeant" in error.reason
    first = record_event(
        seeded, ref="B1", event="bail_extended", occurred_at=at, now=at, actor_id="I2"
    )  # a DI is an inspector
    assert first.clocks["due_at"].to_list() == [datetime(2023, 5, 1, 10)]
    _refused(
        seeded,
        "must be authorised by a superintendent",
        ref="B1",
        event="bail_extended",
        occurred_at=NOW,
        actor_id="I1",
    )
    second = record_event(
        seeded, ref="B1", event="bail_extended", occurred_at=NOW, now=NOW, actor_id="U1"
    )
    assert second.clocks["due_at"].to_list() == [datetime(2023, 8, 1, 10)]
    later = datetime(2023, 7, 1)
    with pytest.raises(ClockRefusedError, match="must be authorised by a court"):
        record_event(
            seeded, ref="B1", event="bail_extended", occurred_at=later, now=later, actor_id="U1"
        )
    court = record_event(
        seeded,
        ref="B1",
        event="bail_extended",
        occurred_at=later,
        now=later,
        actor_rank="Magistrates' court",
    )
    assert court.clocks["due_at"].to_list() == [datetime(2023, 11, 1, 10)]


def test_extension_after_bail_lapsed_is_refused(seeded: Engine) -> None:
    start = datetime(2022, 11, 1, 10)
    open_record(seeded, kind="bail", ref="B1", crime_id=1, started_at=start, now=start)
    lapsed = datetime(2023, 2, 2)
    with pytest.raises(ClockRefusedError, match="lapsed at 2023-02-01 10:00"):
        record_event(
            seeded, ref="B1", event="bail_extended", occurred_at=lapsed, now=lapsed, actor_id="U1"
        )


def test_reviews_need_a_supervisor(seeded: Engine) -> None:
    open_record(seeded, kind="investigation", ref="I1", crime_id=1, started_at=NOW, now=NOW)
    _refused(
        seeded,
        "must be recorded by a sergeant or above; the actor's rank is constable",
        ref="I1",
        event="supervisory_review",
        occurred_at=NOW,
        actor_id="C1",
    )
    _refused(
        seeded,
        "rank is band_c",
        ref="I1",
        event="supervisory_review",
        occurred_at=NOW,
        actor_id="X1",
    )
    _refused(
        seeded,
        "is not an event of a investigation record",
        ref="I1",
        event="review",
        occurred_at=NOW,
        actor_id="S1",
    )
    _refused(
        seeded,
        "in the future",
        ref="I1",
        event="supervisory_review",
        occurred_at=NOW + timedelta(minutes=1),
        actor_id="S1",
    )
    _refused(
        seeded,
        "before the record started",
        ref="I1",
        event="supervisory_review",
        occurred_at=NOW - timedelta(minutes=1),
        actor_id="S1",
        reason="x",
    )


def test_back_dated_events_need_a_reason_and_are_audited(seeded: Engine) -> None:
    start = datetime(2023, 2, 1, 9)
    open_record(seeded, kind="rui", ref="R1", crime_id=1, started_at=start, now=NOW)
    two_days_ago = NOW - timedelta(days=2)
    _refused(
        seeded,
        "back-dated .* needs a reason",
        ref="R1",
        event="rui_review",
        occurred_at=two_days_ago,
        actor_id="S1",
    )
    audited: list[dict[str, Any]] = []
    done = record_event(
        seeded,
        ref="R1",
        event="rui_review",
        occurred_at=two_days_ago,
        now=NOW,
        actor_id="S1",
        reason="review done on paper during outage",
        audit=audited.append,
    )
    assert done.backdated
    assert [a["event_id"] for a in audited] == [done.event_id]
    assert audited[0]["action"] == "clock_event_backdated"
    with seeded.connect() as conn:
        stored = queries.events_of(conn, done.record_id)
    assert stored[0]["reason"] == "review done on paper during outage"
    assert stored[0]["detail"] == {"backdated": True, "recorded_lag_hours": 48.0}
    assert stored[0]["recorded_at"] == NOW
    # Recent and in order: no reason needed, not audited.
    fresh = record_event(
        seeded,
        ref="R1",
        event="rui_review",
        occurred_at=NOW,
        now=NOW,
        actor_id="S1",
        audit=audited.append,
    )
    assert not fresh.backdated and len(audited) == 1


def test_victim_notification_names_what_the_victim_was_told(seeded: Engine) -> None:
    open_record(
        seeded,
        kind="victim_care",
        ref="V1",
        crime_id=1,
        enhanced=True,
        started_at=NOW - timedelta(days=1),
        now=NOW,
    )
    _refused(seeded, "detail about must name", ref="V1", event="victim_notified", occurred_at=NOW)
    done = record_event(
        seeded,
        ref="V1",
        event="victim_notified",
        occurred_at=NOW,
        now=NOW,
        detail={"about": "arrested"},
    )
    assert done.event_id > 0


def test_rui_converts_to_bail(seeded: Engine) -> None:
    start = datetime(2023, 1, 2, 9)
    open_record(seeded, kind="rui", ref="R1", crime_id=3, owner_id="C1", started_at=start, now=NOW)
    event, bail_id = service.convert_rui_to_bail(
        seeded, rui_ref="R1", bail_ref="B1", at=NOW, now=NOW
    )
    assert event.closed_record
    detail = service.record_detail(seeded, "B1", NOW)
    assert detail["record"]["id"] == bail_id
    assert detail["record"]["owner_id"] == "C1"
    assert detail["clocks"]["due_at"].to_list() == [datetime(2023, 6, 1, 12)]


def test_web_form_is_validated_and_uses_the_signed_in_rank(seeded: Engine) -> None:
    open_record(
        seeded,
        kind="missing_episode",
        ref="M1",
        person_id="P2",
        risk_level="medium",
        started_at=NOW - timedelta(hours=3),
        now=NOW,
    )
    form = {
        "ref": "M1",
        "event": "risk_changed",
        "occurred_at": "2023-03-01T11:30",
        "risk_level": "high",
        "reason": "",
        "about": "",
    }
    with pytest.raises(ClockRefusedError, match="rank is constable"):
        service.submit_event_form(seeded, form, actor_id="C1", now=NOW)
    # A claimed rank does not override the store's rank for a known staff member.
    with pytest.raises(ClockRefusedError, match="rank is constable"):
        service.submit_event_form(
            seeded, {**form, "actor_rank": "superintendent"}, actor_id="C1", now=NOW
        )
    with pytest.raises(ClockRefusedError, match="field occurred_at"):
        service.submit_event_form(
            seeded, {**form, "occurred_at": "yesterday"}, actor_id="S1", now=NOW
        )
    done = service.submit_event_form(seeded, form, actor_id="S1", now=NOW)
    current = done.clocks.filter(pl.col("current")).row(0, named=True)
    assert current["risk_level"] == "high"
    assert current["due_at"] == datetime(2023, 3, 1, 13, 30)
