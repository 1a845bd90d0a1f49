"""Properties of the clock engine: due is never before start, events are never lost, and
recomputing gives the same answer."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from sqlalchemy import Engine
from tracking_helpers import events_frame, records_frame

from forcesight.errors import ClockRefusedError
from forcesight.tracking import queries
from forcesight.tracking.clocks import recompute
from forcesight.tracking.events import open_record, record_event
from forcesight.tracking.rules import ClocksPolicy, load_clocks_policy

BASE = datetime(2022, 6, 1)
POLICY = load_clocks_policy()
EPISODES = itertools.count(1)
KIND_EVENTS = {kind: spec.events for kind, spec in POLICY.record_kinds.items()}


@st.composite
def force(draw: st.DrawFn) -> tuple[pl.DataFrame, pl.DataFrame, datetime]:
    n = draw(st.integers(1, 12))
    records, events = [], []
    for i in range(n):
        kind = draw(st.sampled_from(sorted(KIND_EVENTS)))
        start = BASE + timedelta(minutes=draw(st.integers(0, 60 * 24 * 400)))
        records.append(
            {
                "kind": kind,
                "ref": f"R{i}",
                "crime_id": draw(st.integers(1, 4)),
                "person_id": draw(st.sampled_from(["P1", "P2", "P3"])),
                "started_at": start,
                "risk_level": draw(st.sampled_from(POLICY.risk_levels.levels)),
                "enhanced": draw(st.booleans()),
                "is_child": draw(st.booleans()),
                "agency": draw(st.sampled_from([None, "police", "SFO", "HMRC"])),
                "devices": draw(st.integers(1, 20)),
            }
        )
        for _ in range(draw(st.integers(0, 5))):
            name = draw(st.sampled_from(KIND_EVENTS[kind]))
            events.append(
                {
                    "record_id": i + 1,
                    "event": name,
                    "occurred_at": start + timedelta(minutes=draw(st.integers(0, 60 * 24 * 200))),
                    "risk_level": draw(st.sampled_from(POLICY.risk_levels.levels))
                    if name == "risk_changed"
                    else None,
                    "about": draw(st.sampled_from(["arrested", "charged", "screened_out"]))
                    if name == "victim_notified"
                    else None,
                }
            )
    now = BASE + timedelta(minutes=draw(st.integers(0, 60 * 24 * 700)))
    return records_frame(records), events_frame(events), now


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(force())
def test_due_never_before_start_and_recompute_is_stable(
    case: tuple[pl.DataFrame, pl.DataFrame, datetime],
) -> None:
    records, events, now = case
    first = recompute(records, events, now, POLICY)
    assert (first["due_at"] >= first["started_at"]).all()
    assert (
        first["status"]
        .is_in(["running", "due_soon", "overdue", "met", "met_late", "stopped"])
        .all()
    )
    # Open clocks are never marked met; met clocks were satisfied by now.
    met = first.filter(pl.col("status").is_in(["met", "met_late"]))
    assert (met["satisfied_at"] <= now).all()
    again = recompute(
        records.sample(fraction=1.0, shuffle=True, seed=1),
        events.sample(fraction=1.0, shuffle=True, seed=2),
        now,
        POLICY,
    )
    assert_frame_equal(first, again)


@settings(max_examples=40, deadline=None)
@given(force())
def test_every_satisfying_event_closes_exactly_one_cycle(
    case: tuple[pl.DataFrame, pl.DataFrame, datetime],
) -> None:
    records, events, now = case
    clocks = recompute(records, events, now, POLICY)
    for rule in POLICY.rules:
        if rule.shape != "recurring":
            continue
        governed_ids = clocks.filter(pl.col("rule_id") == rule.id)["record_id"].unique()
        expected = events.filter(
            pl.col("record_id").is_in(governed_ids.implode())
            & pl.col("event").is_in(rule.satisfied_by)
            & (pl.col("occurred_at") <= now)
        ).height
        cycles = clocks.filter((pl.col("rule_id") == rule.id) & ~pl.col("current")).height
        assert cycles == expected, rule.id


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["review", "risk_changed", "escalated", "review", "found"]),
            st.integers(-600, 600),
            st.booleans(),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_an_accepted_event_is_never_lost(
    seeded_sqlite: Engine, steps: list[tuple[str, int, bool]]
) -> None:
    engine = seeded_sqlite
    ref = f"M{next(EPISODES)}"
    start = datetime(2023, 5, 1, 8)
    opened = open_record(
        engine,
        kind="missing_episode",
        ref=ref,
        person_id="P1",
        risk_level="medium",
        started_at=start,
        now=start,
        policy=POLICY,
    )
    accepted = []
    clock = start
    for event, offset, with_reason in steps:
        clock = clock + timedelta(minutes=30)
        occurred = max(start, clock + timedelta(minutes=offset))
        try:
            done = record_event(
                engine,
                ref=ref,
                event=event,
                occurred_at=occurred,
                now=clock,
                actor_id="S1",
                reason="late entry" if with_reason else None,
                detail={"risk_level": "high"},
                policy=POLICY,
            )
        except ClockRefusedError:
            continue
        accepted.append((done.event_id, event, occurred))
    with engine.connect() as conn:
        stored = [
            (e["id"], e["event"], e["occurred_at"])
            for e in queries.events_of(conn, opened.record_id)
        ]
    assert sorted(stored) == sorted(accepted)
    records, events = queries.load_frames(engine)
    clocks = recompute(records, events, clock, POLICY).filter(pl.col("ref") == ref)
    satisfied = sorted(clocks["satisfied_at"].drop_nulls().to_list())
    assert satisfied == sorted(at for _, e, at in accepted if e in ("review", "risk_changed"))


def test_policy_fixture_is_the_shipped_file(policy: ClocksPolicy) -> None:
    assert policy is POLICY or policy == POLICY
