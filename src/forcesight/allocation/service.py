"""Service functions the CLI, the web pages and the API call: the queue, triage, proposals
with reasons, accept and override, re-allocation and investigator workload.

Each takes an Engine and the time ``at`` (injected, never read from the clock here) and
returns plain data (dataclasses, dicts, Polars frames).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine

from forcesight.allocation import queries
from forcesight.allocation.assign import FlowAllocator
from forcesight.allocation.eligibility import (
    Case,
    Investigator,
    breaches,
    capacity_hours,
    rule_available,
)
from forcesight.allocation.explain import explain_assignment, why_queued
from forcesight.allocation.model import AllocationProblem
from forcesight.allocation.policy import AllocationPolicy, load_allocation_policy
from forcesight.allocation.triage import Triage
from forcesight.errors import (
    AllocationError,
    AlreadyDecidedError,
    OverrideReasonRequiredError,
    UnknownRecordError,
)


@dataclass(frozen=True)
class Prepared:
    """Everything a propose run starts from."""

    at: datetime
    policy: AllocationPolicy
    triaged: pl.DataFrame  # the unallocated queue, triaged
    reallocation: pl.DataFrame  # open cases whose holder cannot keep them, triaged
    cases: tuple[Case, ...]
    case_kinds: tuple[str, ...]  # allocation | reallocation
    investigators: tuple[Investigator, ...]
    warnings: tuple[str, ...]

    @property
    def problem(self) -> AllocationProblem:
        rules = self.policy.rules
        return AllocationProblem(
            self.at.date(), self.cases, self.investigators, rules.capacity, rules.objective
        )


@dataclass
class ProposalBatch:
    batch_id: int | None
    at: datetime
    proposals: list[dict[str, Any]]
    summary: dict[str, Any]


@dataclass(frozen=True)
class Decision:
    proposal_id: int
    crime_ref: str
    outcome: str  # accepted | overridden | screened_out | skipped
    staff_id: str | None
    allocation_id: int | None
    breaches: list[str] = field(default_factory=list)
    detail: str = ""


# Called inside a decision's transaction once it is made (e.g. to write the audit record, so
# both are stored or neither): the connection and what was decided.
OnDecided = Callable[[Connection, dict[str, Any]], None]


def _policy(policy: AllocationPolicy | None) -> AllocationPolicy:
    return policy if policy is not None else load_allocation_policy()


def triage_queue(
    engine: Engine,
    at: datetime,
    harm_weights: Mapping[str, float] | None = None,
    policy: AllocationPolicy | None = None,
) -> pl.DataFrame:
    """The unallocated queue (recorded by ``at``), triaged: solvability, priority, complexity,
    route, each with its explanation, and data-quality warnings."""
    with engine.connect() as conn:
        waiting = queries.load_crimes(conn, ["unallocated"], recorded_before=at)
    return Triage(_policy(policy), harm_weights).fit().transform(waiting, at)


def _open_hours(policy: AllocationPolicy, caseload: pl.DataFrame) -> dict[str, tuple[float, int]]:
    totals: dict[str, tuple[float, int]] = {}
    for code, holder in zip(
        caseload.get_column("offence_code").to_list(),
        caseload.get_column("allocated_to").to_list(),
        strict=True,
    ):
        hours, cases = totals.get(holder, (0.0, 0))
        totals[holder] = (hours + policy.requirement(code).expected_hours, cases + 1)
    return totals


def _continuity(caseload: pl.DataFrame) -> tuple[dict[str, set[str]], dict[str, str]]:
    by_victim: dict[str, set[str]] = {}
    by_ref: dict[str, str] = {}
    for row in caseload.iter_rows(named=True):
        if row["victim_id"]:
            by_victim.setdefault(row["victim_id"], set()).add(row["allocated_to"])
        by_ref[row["crime_ref"]] = row["allocated_to"]
    return by_victim, by_ref


def prepare(
    engine: Engine,
    at: datetime,
    harm_weights: Mapping[str, float] | None = None,
    policy: AllocationPolicy | None = None,
) -> Prepared:
    """Triage the queue, find open cases whose investigator cannot keep them (sick, on leave,
    restricted, left), and build the allocation problem for the day of ``at``."""
    policy = _policy(policy)
    rules = policy.rules
    day = at.date()
    functions = sorted({f for r in rules.routes for f in r.functions})
    with engine.connect() as conn:
        waiting = queries.load_crimes(conn, ["unallocated"], recorded_before=at)
        allocated = queries.load_crimes(conn, ["allocated"])
        caseload = queries.load_open_caseload(conn)
        investigators = queries.load_investigators(conn, functions, _open_hours(policy, caseload))
    triage = Triage(policy, harm_weights).fit()
    triaged = triage.transform(waiting, at)
    unavailable = {
        i.staff_id
        for i in investigators
        if rule_available(i, day, rules.capacity.blocking_spell_kinds) is not None
    }
    moving = allocated.filter(pl.col("allocated_to").is_in(sorted(unavailable))).rename(
        {"route": "recorded_route"}
    )
    reallocation = triage.transform(moving, at)
    by_victim, by_ref = _continuity(caseload)
    last_route = rules.routes[-1].name
    cases: list[Case] = []
    kinds: list[str] = []
    for frame, kind in ((triaged, "allocation"), (reallocation, "reallocation")):
        for row in frame.iter_rows(named=True):
            route = row["route"]
            if kind == "reallocation":
                route = row["recorded_route"] or route
                if route == "screen_out":
                    route = last_route
            elif route == "screen_out":
                continue
            holder = row["allocated_to"] if kind == "reallocation" else None
            continuity = set(by_victim.get(row["victim_id"], set())) if row["victim_id"] else set()
            if row["linked_crime_ref"] and row["linked_crime_ref"] in by_ref:
                continuity.add(by_ref[row["linked_crime_ref"]])
            continuity -= unavailable
            continuity.discard(holder or "")
            cases.append(
                Case(
                    crime_id=int(row["id"]),
                    crime_ref=row["crime_ref"],
                    route=route,
                    functions=frozenset(policy.route(route).functions),
                    pip_level=int(row["pip_level"]),
                    skills=frozenset(row["skills"]),
                    hours=float(row["expected_hours"]),
                    priority=float(row["priority"]),
                    age_days=float(row["age_days"]),
                    area=row["area"],
                    continuity=frozenset(continuity),
                    current_holder=holder,
                )
            )
            kinds.append(kind)
    warnings = sorted({w for ws in triaged.get_column("data_quality").to_list() for w in ws})
    return Prepared(
        at,
        policy,
        triaged,
        reallocation,
        tuple(cases),
        tuple(kinds),
        tuple(investigators),
        tuple(warnings),
    )


def propose(
    engine: Engine,
    at: datetime,
    by: str,
    harm_weights: Mapping[str, float] | None = None,
    policy: AllocationPolicy | None = None,
    persist: bool = True,
    allocator: FlowAllocator | None = None,
) -> ProposalBatch:
    """Triage, optimise and (with ``persist``) store a batch of proposals: one per crime in the
    queue (allocation, screen-out, or queued with the reason) and one per open case to move
    (re-allocation). Open proposals for the same crimes are superseded."""
    prepared = prepare(engine, at, harm_weights, policy)
    problem = prepared.problem
    fitted = (allocator or FlowAllocator()).fit(problem)
    result = fitted.result_
    model = fitted.model_
    day = at.date()
    rules = prepared.policy.rules
    investigators = prepared.investigators
    plan = result.assignment
    load = {inv.staff_id: 0.0 for inv in investigators}
    proposals: list[dict[str, Any]] = []
    by_crime = {
        row["id"]: row
        for frame in (prepared.triaged, prepared.reallocation)
        for row in frame.iter_rows(named=True)
    }
    for row in prepared.triaged.filter(pl.col("route") == "screen_out").iter_rows(named=True):
        proposals.append(
            _proposal(
                row,
                "screen_out",
                "screen_out",
                None,
                None,
                None,
                row["route_reasons"] + row["solvability_explained"],
            )
        )
    for index, (case, kind) in enumerate(zip(prepared.cases, prepared.case_kinds, strict=True)):
        row = by_crime[case.crime_id]
        j = int(plan[index])
        if j < 0:
            reasons = why_queued(
                case, investigators, day, rules.capacity, bool(model.assignable[index])
            )
            proposals.append(
                _proposal(
                    row,
                    "queued",
                    case.route,
                    None,
                    None,
                    case.current_holder,
                    row["route_reasons"] + reasons,
                )
            )
            continue
        inv = investigators[j]
        reasons = explain_assignment(case, inv, day, rules.capacity, load[inv.staff_id])
        load[inv.staff_id] += case.hours
        proposals.append(
            _proposal(
                row,
                kind,
                case.route,
                inv.staff_id,
                inv.team_id,
                case.current_holder,
                row["route_reasons"] + reasons,
            )
        )
    summary = {
        "method": result.method,
        "objective": round(result.objective, 6),
        "bound": round(result.bound, 6) if result.bound is not None else None,
        "gap": round(result.gap, 6) if result.gap is not None else None,
        "rule_breaches": result.evaluation.rule_breaches,
        "cases": len(prepared.cases),
        "proposed": int((plan >= 0).sum()),
        "queued": int((plan < 0).sum()),
        "screened_out": sum(1 for p in proposals if p["kind"] == "screen_out"),
        "reallocations": sum(1 for k in prepared.case_kinds if k == "reallocation"),
        "handoffs": int(prepared.triaged.get_column("handoff").sum()),
        "weighted_waiting": round(result.evaluation.weighted_waiting, 3),
        "seconds": round(result.seconds, 3),
        "warnings": list(prepared.warnings),
        "at": at.isoformat(),
    }
    batch_id = None
    if persist:
        batch_id = _store_batch(engine, at, by, prepared.policy, summary, proposals)
    return ProposalBatch(batch_id, at, proposals, summary)


def _proposal(
    row: Mapping[str, Any],
    kind: str,
    route: str,
    staff_id: str | None,
    team_id: str | None,
    previous: str | None,
    reasons: list[str],
) -> dict[str, Any]:
    return {
        "crime_id": int(row["id"]),
        "crime_ref": row["crime_ref"],
        "offence_code": row["offence_code"],
        "kind": kind,
        "route": route,
        "staff_id": staff_id,
        "team_id": team_id,
        "previous_staff_id": previous,
        "priority": float(row["priority"]),
        "solvability": float(row["solvability"]),
        "pip_level": int(row["pip_level"]),
        "skills": list(row["skills"]),
        "expected_hours": float(row["expected_hours"]),
        "age_days": round(float(row["age_days"]), 2),
        "reasons": list(reasons),
    }


def _store_batch(
    engine: Engine,
    at: datetime,
    by: str,
    policy: AllocationPolicy,
    summary: dict[str, Any],
    proposals: list[dict[str, Any]],
) -> int:
    with engine.begin() as conn:
        batch_id = queries.insert_batch(
            conn,
            {
                "created_at": at,
                "created_by": by,
                "at_day": at.date(),
                "method": summary["method"],
                "policy_version": policy.rules.version,
                "cases": summary["cases"],
                "proposed": summary["proposed"],
                "queued": summary["queued"],
                "screened_out": summary["screened_out"],
                "objective": summary["objective"],
                "bound": summary["bound"],
                "gap": summary["gap"],
                "rule_breaches": summary["rule_breaches"],
                "seconds": summary["seconds"],
                "warnings": summary["warnings"],
            },
        )
        queries.supersede_open_proposals(conn, [p["crime_id"] for p in proposals])
        stored = [
            {
                "batch_id": batch_id,
                "crime_id": p["crime_id"],
                "kind": p["kind"],
                "route": p["route"],
                "staff_id": p["staff_id"],
                "team_id": p["team_id"],
                "previous_staff_id": p["previous_staff_id"],
                "priority": p["priority"],
                "solvability": p["solvability"],
                "pip_level": p["pip_level"],
                "skills": p["skills"],
                "expected_hours": p["expected_hours"],
                "reasons": p["reasons"],
                "status": "open",
            }
            for p in proposals
        ]
        queries.insert_proposals(conn, stored)
    with engine.connect() as conn:
        ids = {p["crime_id"]: p["id"] for p in queries.load_proposals(conn, batch_id)}
    for p in proposals:
        p["proposal_id"] = ids[p["crime_id"]]
    return batch_id


def list_proposals(
    engine: Engine, batch_id: int | None = None, statuses: tuple[str, ...] = ("open",)
) -> list[dict[str, Any]]:
    """Proposals of a batch (default: the latest) in ``statuses``, with their reasons."""
    with engine.connect() as conn:
        batch = batch_id if batch_id is not None else queries.latest_batch_id(conn)
        if batch is None:
            return []
        return queries.load_proposals(conn, batch, list(statuses))


def _load_open_proposal(engine: Engine, proposal_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        proposal = queries.load_proposal(conn, proposal_id)
    if proposal is None:
        raise UnknownRecordError("proposal", str(proposal_id), "List them with `allocate propose`.")
    if proposal["status"] != "open":
        raise AlreadyDecidedError(proposal["crime_ref"], f"proposal {proposal['status']}")
    return proposal


def _crime_state(engine: Engine, crime_id: int) -> str:
    with engine.connect() as conn:
        crime = queries.load_crime(conn, crime_id)
    if crime is None:
        return "deleted"
    holder = f" to {crime['allocated_to']}" if crime["allocated_to"] else ""
    return f"{crime['status']}{holder}"


def accept_proposal(
    engine: Engine,
    proposal_id: int,
    by: str,
    at: datetime,
    reason: str | None = None,
    on_decided: OnDecided | None = None,
) -> Decision:
    """Accept a proposal. Exactly one of several supervisors accepting the same crime at once
    succeeds; the others get ``AlreadyDecidedError`` and nothing changes for them."""
    proposal = _load_open_proposal(engine, proposal_id)
    kind = proposal["kind"]
    crime_id = proposal["crime_id"]
    if kind == "queued":
        raise AllocationError(
            f"Proposal {proposal_id} leaves crime {proposal['crime_ref']!r} queued: there is "
            "nothing to accept. Override it with an investigator and a reason instead."
        )
    if kind == "screen_out":
        return _screen_out(engine, proposal, by, at, reason, on_decided)
    with engine.begin() as conn:
        if kind == "reallocation":
            done = queries.transfer_allocated(
                conn,
                crime_id,
                proposal["previous_staff_id"],
                proposal["staff_id"],
                proposal["team_id"],
                at,
            )
        else:
            done = queries.claim_unallocated(
                conn, crime_id, proposal["staff_id"], proposal["team_id"], proposal["route"], at
            )
        if done:
            if kind == "reallocation":
                queries.end_open_allocations(conn, crime_id, at)
            allocation_id = queries.insert_allocation(
                conn,
                {
                    "crime_id": crime_id,
                    "staff_id": proposal["staff_id"],
                    "team_id": proposal["team_id"],
                    "allocated_at": at,
                    "allocated_by": by,
                    "kind": "reallocation" if kind == "reallocation" else "proposal",
                    "reason": reason or "; ".join(proposal["reasons"]),
                    "breaches": [],
                },
            )
            queries.close_proposal(conn, proposal_id, "accepted", by, at, reason, allocation_id)
            if on_decided is not None:
                on_decided(conn, _decided(proposal, "accepted", proposal["staff_id"], reason))
    if not done:
        raise AlreadyDecidedError(proposal["crime_ref"], _crime_state(engine, crime_id))
    return Decision(
        proposal_id, proposal["crime_ref"], "accepted", proposal["staff_id"], allocation_id
    )


def _decided(
    proposal: Mapping[str, Any],
    outcome: str,
    staff_id: str | None,
    reason: str | None,
    broken: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "proposal_id": proposal["id"],
        "crime_ref": proposal["crime_ref"],
        "kind": proposal["kind"],
        "outcome": outcome,
        "proposed_staff_id": proposal["staff_id"],
        "staff_id": staff_id,
        "reason": reason,
        "breaches": list(broken or []),
    }


def _screen_out(
    engine: Engine,
    proposal: dict[str, Any],
    by: str,
    at: datetime,
    reason: str | None,
    on_decided: OnDecided | None = None,
) -> Decision:
    policy = load_allocation_policy()
    crime_id = proposal["crime_id"]
    with engine.begin() as conn:
        done = queries.screen_out(conn, crime_id)
        if done:
            crime = queries.load_crime(conn, crime_id)
            assert crime is not None
            enhanced_flags = policy.rules.enhanced_victim_flags.flags
            enhanced = any(bool(crime.get(f)) for f in enhanced_flags)
            why = reason or "; ".join(proposal["reasons"])
            allocation_id = queries.insert_allocation(
                conn,
                {
                    "crime_id": crime_id,
                    "staff_id": None,
                    "team_id": None,
                    "allocated_at": at,
                    "allocated_by": by,
                    "kind": "screen_out",
                    "reason": why,
                    "breaches": [],
                },
            )
            queries.start_victim_notification_clock(conn, crime, at, by, enhanced, why)
            queries.close_proposal(conn, proposal["id"], "accepted", by, at, reason, allocation_id)
            if on_decided is not None:
                on_decided(conn, _decided(proposal, "screened_out", None, reason))
    if not done:
        raise AlreadyDecidedError(proposal["crime_ref"], _crime_state(engine, crime_id))
    return Decision(proposal["id"], proposal["crime_ref"], "screened_out", None, allocation_id)


def override_proposal(
    engine: Engine,
    proposal_id: int,
    staff_id: str,
    by: str,
    at: datetime,
    reason: str,
    policy: AllocationPolicy | None = None,
    on_decided: OnDecided | None = None,
) -> Decision:
    """Allocate the proposal's crime to ``staff_id`` instead, with a stated reason. Rules the
    choice breaks (PIP level, skills, availability, capacity, route) are recorded in
    ``crime_allocations.breaches`` and flagged in the backlog."""
    policy = _policy(policy)
    proposal = _load_open_proposal(engine, proposal_id)
    if not reason or not reason.strip():
        raise OverrideReasonRequiredError(proposal["crime_ref"], [])
    with engine.connect() as conn:
        if not queries.staff_exists(conn, staff_id):
            raise UnknownRecordError("member of staff", staff_id)
        caseload = queries.load_open_caseload(conn)
        chosen = queries.load_investigators(
            conn, _all_functions(conn, staff_id), _open_hours(policy, caseload)
        )
    investigator = next(i for i in chosen if i.staff_id == staff_id)
    route = proposal["route"] if proposal["route"] != "screen_out" else policy.rules.routes[-1].name
    case = Case(
        crime_id=proposal["crime_id"],
        crime_ref=proposal["crime_ref"],
        route=route,
        functions=frozenset(policy.route(route).functions),
        pip_level=int(proposal["pip_level"]),
        skills=frozenset(proposal["skills"]),
        hours=float(proposal["expected_hours"]),
        priority=float(proposal["priority"]),
    )
    broken = [b.rule for b in breaches(case, investigator, at.date(), policy.rules.capacity)]
    crime_id = proposal["crime_id"]
    with engine.begin() as conn:
        if proposal["kind"] == "reallocation":
            done = queries.transfer_allocated(
                conn, crime_id, proposal["previous_staff_id"], staff_id, investigator.team_id, at
            )
        else:
            done = queries.claim_unallocated(
                conn, crime_id, staff_id, investigator.team_id, route, at
            )
        if done:
            if proposal["kind"] == "reallocation":
                queries.end_open_allocations(conn, crime_id, at)
            allocation_id = queries.insert_allocation(
                conn,
                {
                    "crime_id": crime_id,
                    "staff_id": staff_id,
                    "team_id": investigator.team_id,
                    "allocated_at": at,
                    "allocated_by": by,
                    "kind": "override",
                    "reason": reason.strip(),
                    "breaches": broken,
                },
            )
            queries.close_proposal(
                conn, proposal_id, "overridden", by, at, reason.strip(), allocation_id
            )
            if on_decided is not None:
                on_decided(conn, _decided(proposal, "overridden", staff_id, reason.strip(), broken))
    if not done:
        raise AlreadyDecidedError(proposal["crime_ref"], _crime_state(engine, crime_id))
    return Decision(
        proposal_id, proposal["crime_ref"], "overridden", staff_id, allocation_id, broken
    )


def _all_functions(conn: Any, staff_id: str) -> list[str]:
    frame = queries.load_staff_frame(conn).filter(pl.col("staff_id") == staff_id)
    return frame.get_column("function").to_list()


def apply_batch(
    engine: Engine,
    by: str,
    at: datetime,
    batch_id: int | None = None,
    overrides: Mapping[str, tuple[str, str]] | None = None,
) -> list[Decision]:
    """Accept every open proposal of a batch (default: the latest), except crimes named in
    ``overrides`` (crime_ref -> (staff_id, reason)), which are overridden. Proposals that
    leave a crime queued are skipped; a crime someone decided first is skipped, not an error."""
    overrides = dict(overrides or {})
    with engine.connect() as conn:
        batch = batch_id if batch_id is not None else queries.latest_batch_id(conn)
        if batch is None:
            raise UnknownRecordError("proposal batch", "latest", "Run `allocate propose` first.")
        if queries.load_batch(conn, batch) is None:
            raise UnknownRecordError("proposal batch", str(batch))
        proposals = queries.load_proposals(conn, batch, ["open"])
    known = {p["crime_ref"] for p in proposals}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise UnknownRecordError(
            "open proposal for crime", ", ".join(unknown), f"Batch {batch} has no open proposal."
        )
    decisions: list[Decision] = []
    for proposal in proposals:
        ref = proposal["crime_ref"]
        try:
            if ref in overrides:
                staff_id, reason = overrides[ref]
                decisions.append(
                    override_proposal(engine, proposal["id"], staff_id, by, at, reason)
                )
            elif proposal["kind"] == "queued":
                decisions.append(
                    Decision(
                        proposal["id"], ref, "skipped", None, None, [], "queued: no one may take it"
                    )
                )
            else:
                decisions.append(accept_proposal(engine, proposal["id"], by, at))
        except AlreadyDecidedError as error:
            decisions.append(Decision(proposal["id"], ref, "skipped", None, None, [], str(error)))
    return decisions


def investigator_workload(
    engine: Engine, at: datetime, policy: AllocationPolicy | None = None
) -> pl.DataFrame:
    """Open caseload per investigator: cases, expected hours, capacity and whether available.

    People not in post at ``at`` (left, or not yet joined) are listed only while they still
    hold open cases, which then need reallocating; ``in_post`` tells them apart."""
    policy = _policy(policy)
    rules = policy.rules
    functions = sorted({f for r in rules.routes for f in r.functions})
    with engine.connect() as conn:
        caseload = queries.load_open_caseload(conn)
        investigators = queries.load_investigators(conn, functions, _open_hours(policy, caseload))
    rows = []
    for inv in investigators:
        limit = capacity_hours(inv, rules.capacity)
        absent = rule_available(inv, at.date(), rules.capacity.blocking_spell_kinds)
        in_post = not (absent and absent.rule in ("availability:left", "availability:not_joined"))
        if not in_post and inv.open_cases == 0:
            continue
        rows.append(
            {
                "staff_id": inv.staff_id,
                "team_id": inv.team_id,
                "function": inv.function,
                "pip_level": inv.pip_level,
                "open_cases": inv.open_cases,
                "open_hours": round(inv.open_hours, 2),
                "capacity_hours": round(limit, 2),
                "utilisation": round(inv.open_hours / limit, 4) if limit > 0 else None,
                "in_post": in_post,
                "available": absent is None,
                "unavailable_reason": str(absent) if absent else None,
            }
        )
    schema = {
        "staff_id": pl.Utf8,
        "team_id": pl.Utf8,
        "function": pl.Utf8,
        "pip_level": pl.Int64,
        "open_cases": pl.Int64,
        "open_hours": pl.Float64,
        "capacity_hours": pl.Float64,
        "utilisation": pl.Float64,
        "in_post": pl.Boolean,
        "available": pl.Boolean,
        "unavailable_reason": pl.Utf8,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def skills_gap(batch: ProposalBatch) -> pl.DataFrame:
    """Crimes left queued, counted by the reason (feeds the workforce skills-gap view)."""
    queued = [p for p in batch.proposals if p["kind"] == "queued"]
    reasons = [p["reasons"][-1] for p in queued]
    frame = pl.DataFrame({"reason": reasons}, schema={"reason": pl.Utf8})
    return frame.group_by("reason").len("crimes").sort("crimes", descending=True)
