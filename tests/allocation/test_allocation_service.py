"""Propose, accept, override, screen out and re-allocate in a real store, on SQLite and
PostgreSQL; two supervisors accepting at once produce one allocation."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select

from forcesight.allocation.service import (
    accept_proposal,
    apply_batch,
    investigator_workload,
    override_proposal,
    propose,
    skills_gap,
)
from forcesight.errors import AlreadyDecidedError, OverrideReasonRequiredError
from forcesight.store.engine import open_engine
from forcesight.store.entities import (
    availability_spells,
    clock_events,
    clock_records,
    crime_allocations,
    crimes,
)

AT = datetime(2024, 3, 1, 12, 0)
SOLVABLE = {"sf_named_suspect": True, "sf_cctv": True, "sf_witness": True}


def by_ref(batch: Any) -> dict[str, dict[str, Any]]:
    return {p["crime_ref"]: p for p in batch.proposals}


def test_propose_routes_assigns_and_explains(small_force: Callable[..., Engine]) -> None:
    engine = small_force(
        ("CR-RAPE", "19C", {"victim_id": "V1", **SOLVABLE}),
        ("CR-CHILD", "8N", {"child_victim": True, **SOLVABLE}),
        ("CR-SHOP", "46", {}),
        ("CR-DESK", "46", SOLVABLE),
        ("CR-UNKNOWN", "ZZ1", SOLVABLE),
        ("CR-SLAVE", "106", SOLVABLE),
    )
    batch = propose(engine, AT, "sgt")
    proposals = by_ref(batch)
    assert proposals["CR-RAPE"]["staff_id"] == "DC3"  # the only sexual-offences investigator
    assert proposals["CR-CHILD"]["staff_id"] == "DC3"
    assert (
        "child_abuse_investigation valid on 2024-03-01 (expires 2026-01-01)"
        in (proposals["CR-CHILD"]["reasons"])
    )
    assert proposals["CR-SHOP"]["kind"] == "screen_out"
    assert proposals["CR-DESK"]["route"] == "desk" and proposals["CR-DESK"]["staff_id"] == "CM1"
    assert proposals["CR-UNKNOWN"]["route"] == "team"
    assert proposals["CR-UNKNOWN"]["staff_id"] in {"DC1", "DC2"}
    slave = proposals["CR-SLAVE"]
    assert slave["kind"] == "queued" and slave["staff_id"] is None
    assert slave["reasons"][-1] == (
        "skills gap: no PIP2+ investigator holds modern_slavery_investigation valid on 2024-03-01"
    )
    summary = batch.summary
    assert summary["rule_breaches"] == 0
    assert summary["bound"] <= summary["objective"] + 1e-9
    assert summary["warnings"] == [
        "offence code 'ZZ1' is not in allocation_offences.yaml: default route 'team', PIP1"
    ]
    assert skills_gap(batch).to_dicts() == [{"reason": slave["reasons"][-1], "crimes": 1}]


def test_accept_records_history_and_override_flags_breaches(
    small_force: Callable[..., Engine],
) -> None:
    engine = small_force(
        ("CR-A", "8N", SOLVABLE),
        ("CR-B", "19C", SOLVABLE),
    )
    proposals = by_ref(propose(engine, AT, "sgt"))
    decision = accept_proposal(engine, proposals["CR-A"]["proposal_id"], "sgt", AT)
    assert decision.outcome == "accepted"
    with pytest.raises(OverrideReasonRequiredError):
        override_proposal(engine, proposals["CR-B"]["proposal_id"], "DC2", "insp", AT, " ")
    override = override_proposal(
        engine, proposals["CR-B"]["proposal_id"], "DC2", "insp", AT, "DC3 is in court all week"
    )
    assert override.breaches == ["accreditation:PIP2", "skill:sexual_offences_investigation"]
    with engine.connect() as conn:
        rows = conn.execute(select(crime_allocations).order_by(crime_allocations.c.id)).all()
        status = dict(conn.execute(select(crimes.c.crime_ref, crimes.c.allocated_to)).all())
    assert [(r.kind, r.allocated_by, r.breaches) for r in rows] == [
        ("proposal", "sgt", []),
        ("override", "insp", ["accreditation:PIP2", "skill:sexual_offences_investigation"]),
    ]
    assert rows[1].reason == "DC3 is in court all week"
    assert status["CR-B"] == "DC2"


def test_screen_out_starts_the_victims_notification_clock(
    small_force: Callable[..., Engine],
) -> None:
    engine = small_force(("CR-SHOP", "46", {"victim_id": "V9"}))
    decisions = apply_batch(engine, "sgt", AT, propose(engine, AT, "sgt").batch_id)
    assert [d.outcome for d in decisions] == ["screened_out"]
    with engine.connect() as conn:
        record = conn.execute(select(clock_records)).one()
        event = conn.execute(select(clock_events)).one()
        status = conn.execute(select(crimes.c.status)).scalar()
    assert (record.kind, record.ref, record.person_id, record.started_at) == (
        "victim_care",
        "CR-SHOP",
        "V9",
        AT,
    )
    assert (event.event, event.occurred_at, event.actor_id) == ("screened_out", AT, "sgt")
    assert status == "screened_out"


def test_sick_investigators_cases_are_reallocated_keeping_the_victim(
    small_force: Callable[..., Engine],
) -> None:
    engine = small_force(
        ("CR-1", "5D", {"victim_id": "V1", **SOLVABLE}),
        ("CR-2", "5D", {"victim_id": "V1", **SOLVABLE, "area": "SOUTH"}),
    )
    first = by_ref(propose(engine, AT, "sgt"))
    # a supervisor gives CR-1 to DC1 and the same victim's CR-2 to DC3
    override_proposal(engine, first["CR-1"]["proposal_id"], "DC1", "sgt", AT, "DC1 is local")
    override_proposal(engine, first["CR-2"]["proposal_id"], "DC3", "sgt", AT, "victim knows DC3")
    later = AT + timedelta(days=2)
    with engine.begin() as conn:
        conn.execute(
            insert(availability_spells).values(
                staff_id="DC1",
                kind="sickness",
                starts_on=date(2024, 3, 2),
                ends_on=None,
                row_key="sick-DC1",
                origin="app",
            )
        )
    batch = propose(engine, later, "sgt")
    moves = [p for p in batch.proposals if p["kind"] == "reallocation"]
    assert [(p["crime_ref"], p["previous_staff_id"], p["staff_id"]) for p in moves] == [
        ("CR-1", "DC1", "DC3")
    ]
    assert (
        "continuity: already holds the victim's or the linked crime's case" in moves[0]["reasons"]
    )
    accept_proposal(engine, moves[0]["proposal_id"], "sgt", later)
    with engine.connect() as conn:
        holder = conn.execute(select(crimes.c.allocated_to).where(crimes.c.crime_ref == "CR-1"))
        history = conn.execute(
            select(crime_allocations.c.kind, crime_allocations.c.ended_at)
            .join(crimes, crimes.c.id == crime_allocations.c.crime_id)
            .where(crimes.c.crime_ref == "CR-1")
            .order_by(crime_allocations.c.id)
        ).all()
        assert holder.scalar() == "DC3"
    assert [h.kind for h in history][-1] == "reallocation"
    assert history[-2].ended_at == later


def race(store_url: str, proposal_id: int) -> list[str]:
    """Two supervisors, each on their own connection, decide the same proposal at once: one
    accepts it, the other overrides it to DC1."""
    engines = [open_engine(store_url) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(eng: Engine, who: str) -> None:
        barrier.wait()
        try:
            if who == "a":
                accept_proposal(eng, proposal_id, who, AT)
            else:
                override_proposal(eng, proposal_id, "DC1", who, AT, "I know this victim")
            outcomes.append("won")
        except AlreadyDecidedError:
            outcomes.append("lost")

    threads = [
        threading.Thread(target=decide, args=(e, w)) for e, w in zip(engines, "ab", strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e in engines:
        e.dispose()
    return outcomes


def test_two_supervisors_accepting_at_once_make_exactly_one_allocation(
    small_force: Callable[..., Engine], store_url: str
) -> None:
    refs = [f"CR-{n}" for n in range(6)]
    engine = small_force(*[(ref, "46", SOLVABLE) for ref in refs])
    proposals = propose(engine, AT, "sgt").proposals
    for proposal in proposals:
        assert sorted(race(store_url, proposal["proposal_id"])) == ["lost", "won"]
    with engine.connect() as conn:
        counts = conn.execute(
            select(crime_allocations.c.crime_id, func.count()).group_by(
                crime_allocations.c.crime_id
            )
        ).all()
        allocated = conn.execute(
            select(func.count()).select_from(crimes).where(crimes.c.status == "allocated")
        ).scalar()
    assert len(counts) == len(refs) and all(n == 1 for _, n in counts)
    assert allocated == len(refs)


def test_a_batch_never_fails_on_bad_input(small_force: Callable[..., Engine]) -> None:
    engine = small_force(
        ("CR-X", "??", {}),
        ("CR-Y", "19C", {"child_victim": True, "modern_slavery": True}),
    )
    batch = propose(engine, AT, "sgt")
    assert {p["crime_ref"] for p in batch.proposals} == {"CR-X", "CR-Y"}
    assert by_ref(batch)["CR-Y"]["kind"] == "queued"
    decisions = apply_batch(engine, "sgt", AT)
    assert {d.outcome for d in decisions} == {"accepted", "skipped"}


def test_workload_counts_open_hours_against_capacity(small_force: Callable[..., Engine]) -> None:
    engine = small_force(("CR-A", "19C", {"status": "allocated", "allocated_to": "DC3"}))
    frame = investigator_workload(engine, AT)
    dc3 = frame.filter(frame["staff_id"] == "DC3").row(0, named=True)
    assert (dc3["open_cases"], dc3["open_hours"], dc3["capacity_hours"]) == (1, 80.0, 96.0)


def test_propose_on_an_empty_store_makes_an_empty_batch(engine: Engine) -> None:
    batch = propose(engine, AT, "sgt")
    assert batch.proposals == [] and batch.summary["cases"] == 0
