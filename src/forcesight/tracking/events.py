"""Opening clock records and recording events on them, with every check the rules demand.

An event is refused, with the reason, when its record is unknown or closed, it is not an event of
that kind of record, it happens in the future or before the record started, its prerequisite has
not happened (a charge before any arrest), its actor's rank may not authorise it (a bail
extension by the wrong rank, or after the bail lapsed), or it is back-dated without a reason.
A refused event leaves the store exactly as it was (one transaction, nothing written).

A back-dated event (recorded more than ``backdating.tolerance_hours`` after it happened, or
earlier than the record's latest event) is accepted only with a reason; it is stored with
``detail.backdated = true`` and the lag, and the optional ``audit`` callback is called with the
stored event so the web app's audit log can record it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine

from forcesight.errors import ClockRefusedError, UnknownClockSubjectError
from forcesight.tracking import queries
from forcesight.tracking.clocks import RECORD_SCHEMA, extension_ladder, governed, recompute
from forcesight.tracking.rules import RECORD_KINDS, ClockRule, ClocksPolicy, load_clocks_policy

AuditHook = Callable[[dict[str, Any]], None]
# Called inside the event's transaction with its connection, for every accepted event (the web
# app writes its audit record here, so the event and the audit row are stored or neither).
WriteHook = Callable[[Connection, dict[str, Any]], None]
DATA_QUALITY_EVENT = "data_quality_warning"


@dataclass(frozen=True)
class RecordedEvent:
    """An accepted event and the record's clocks just after it."""

    event_id: int
    record_id: int
    ref: str
    kind: str
    event: str
    occurred_at: datetime
    recorded_at: datetime
    backdated: bool
    closed_record: bool
    clocks: pl.DataFrame = field(repr=False)


def _fmt(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M")


def governing_rules(policy: ClocksPolicy, record: Mapping[str, Any]) -> list[ClockRule]:
    """The rules that govern one record (its kind, its start date, its filters)."""
    row = {name: record.get(name) for name in RECORD_SCHEMA}
    frame = pl.DataFrame([row], schema=RECORD_SCHEMA)
    return [r for r in policy.rules_for(str(record["kind"])) if governed(frame, r).height]


def _actor_rank(
    conn: Connection, policy: ClocksPolicy, actor_id: str | None, actor_rank: str | None
) -> str | None:
    """The actor's normalised rank: the store's rank for a known staff id, else the rank
    given (the court, or an officer of another force)."""
    if actor_id:
        stored = queries.staff_rank(conn, actor_id)
        if stored is not None:
            return policy.normalise_rank(stored)
    return policy.normalise_rank(actor_rank)


def _find_record(conn: Connection, ref: str, kind: str | None) -> dict[str, Any]:
    if kind is not None:
        if kind not in RECORD_KINDS:
            raise ClockRefusedError(
                ref,
                "event",
                f"{kind!r} is not a kind of clock record (one of {', '.join(RECORD_KINDS)})",
            )
        record = queries.record_by_ref(conn, kind, ref)
        if record is None:
            raise UnknownClockSubjectError(ref, "event", f"there is no {kind} record {ref!r}")
        return record
    found = queries.records_by_ref(conn, ref)
    if not found:
        raise UnknownClockSubjectError(ref, "event", f"there is no clock record {ref!r}")
    if len(found) > 1:
        kinds = ", ".join(sorted(r["kind"] for r in found))
        raise ClockRefusedError(
            ref, "event", f"{ref!r} names records of several kinds ({kinds}); say which kind"
        )
    return found[0]


def _check_prerequisites(
    conn: Connection,
    policy: ClocksPolicy,
    record: dict[str, Any],
    event: str,
    occurred_at: datetime,
) -> None:
    for need in policy.prerequisites:
        if need.event != event:
            continue
        if need.scope == "crime" and record["crime_id"] is not None:
            siblings = queries.crime_records(conn, record["crime_id"])
            times = queries.crime_event_times(conn, record["crime_id"])
        else:
            siblings = [record]
            times = [(e["event"], e["occurred_at"]) for e in queries.events_of(conn, record["id"])]
        starts = policy.record_kinds
        times += [(starts[r["kind"]].start_event, r["started_at"]) for r in siblings]
        if not any(name in need.any_of and at <= occurred_at for name, at in times):
            where = f"crime {record['crime_id']}" if need.scope == "crime" else record["ref"]
            raise ClockRefusedError(
                record["ref"],
                event,
                f"{event} at {_fmt(occurred_at)} needs an earlier {' or '.join(need.any_of)} "
                f"on {where}, and none is recorded by then ({need.source.strip()})",
            )


def _check_extension(
    conn: Connection,
    policy: ClocksPolicy,
    record: dict[str, Any],
    rule: ClockRule,
    occurred_at: datetime,
    rank: str | None,
) -> None:
    records, events = queries.load_record_frames(conn, [record["id"]])
    clocks = recompute(records, events, occurred_at, policy).filter(
        (pl.col("record_id") == record["id"]) & (pl.col("rule_id") == rule.id)
    )
    if clocks.height == 0:
        raise ClockRefusedError(
            record["ref"], rule.extension_event or "extension", "no running clock to extend"
        )
    done = int(clocks["extensions"][0] or 0)
    due = clocks["due_at"][0]
    what = rule.extension_event or "extension"
    if isinstance(due, datetime) and occurred_at > due:
        raise ClockRefusedError(
            record["ref"],
            what,
            f"the {rule.clock} lapsed at {_fmt(due)}; an extension must be authorised before "
            f"it lapses ({rule.id})",
        )
    ladder = extension_ladder(rule, done + 1)
    if done < len(rule.extensions):
        authority = rule.extensions[done].authority
    elif rule.court_step is not None:
        authority = policy.ranks.authorities[0] if policy.ranks.authorities else "court"
        if rule.limit is not None and ladder[done].amount >= rule.limit.amount:
            raise ClockRefusedError(
                record["ref"],
                what,
                f"the {rule.clock} is already at its overall limit of {rule.limit.describe()} "
                f"({rule.id})",
            )
    else:
        raise ClockRefusedError(record["ref"], what, f"{rule.id} allows no further extension")
    if not policy.may_authorise(rank, authority):
        who = "a court" if authority in policy.ranks.authorities else f"a {authority} or above"
        raise ClockRefusedError(
            record["ref"],
            what,
            f"extending to {ladder[done + 1].describe()} must be authorised by {who} under "
            f"{rule.id}; the actor's rank is {rank or 'unknown'} ({rule.source.strip()})",
        )


def _check_detail(
    policy: ClocksPolicy, record: dict[str, Any], event: str, detail: dict[str, Any]
) -> None:
    if event == "risk_changed":
        level, warning = policy.normalise_risk(str(detail.get("risk_level") or ""))
        if level is None or warning is not None:
            raise ClockRefusedError(
                record["ref"],
                event,
                f"detail risk_level must be one of {', '.join(policy.risk_levels.levels)}, "
                f"got {detail.get('risk_level')!r}",
            )
        detail["risk_level"] = level
    notify = {r.notify_event for r in policy.rules_for(record["kind"]) if r.notify_event}
    if event in notify:
        triggers = sorted({t for r in policy.rules_for(record["kind"]) for t in r.triggers})
        if detail.get("about") not in triggers:
            raise ClockRefusedError(
                record["ref"],
                event,
                f"detail about must name what the victim was told of, one of "
                f"{', '.join(triggers)}; got {detail.get('about')!r}",
            )


def record_event(
    engine: Engine,
    *,
    ref: str,
    event: str,
    occurred_at: datetime,
    now: datetime,
    kind: str | None = None,
    actor_id: str | None = None,
    actor_rank: str | None = None,
    reason: str | None = None,
    detail: Mapping[str, Any] | None = None,
    policy: ClocksPolicy | None = None,
    audit: AuditHook | None = None,
    on_write: WriteHook | None = None,
) -> RecordedEvent:
    """Check and store one event on the clock record ``ref``; raise ClockRefusedError (and
    write nothing) if any rule refuses it. Closes the record on a terminal event."""
    policy = policy or load_clocks_policy()
    details: dict[str, Any] = dict(detail or {})
    reason = reason.strip() if reason and reason.strip() else None
    with engine.begin() as conn:
        record = _find_record(conn, ref, kind)
        ref = record["ref"]
        spec = policy.record_kinds[record["kind"]]
        if record["closed_at"] is not None:
            raise ClockRefusedError(
                ref,
                event,
                f"the record closed at {_fmt(record['closed_at'])} "
                f"({record['close_reason'] or 'no reason given'}); reopen it by a new record",
            )
        if event not in spec.events:
            raise ClockRefusedError(
                ref,
                event,
                f"{event!r} is not an event of a {record['kind']} record; expected "
                f"one of {', '.join(spec.events)}",
            )
        if occurred_at > now:
            raise ClockRefusedError(
                ref, event, f"it is dated {_fmt(occurred_at)}, in the future (now {_fmt(now)})"
            )
        if occurred_at < record["started_at"]:
            raise ClockRefusedError(
                ref,
                event,
                f"it is dated {_fmt(occurred_at)}, before the record started at "
                f"{_fmt(record['started_at'])}",
            )
        _check_prerequisites(conn, policy, record, event, occurred_at)
        rank = _actor_rank(conn, policy, actor_id, actor_rank)
        required = spec.authorisation.get(event)
        if required is not None and not policy.may_authorise(rank, required):
            raise ClockRefusedError(
                ref,
                event,
                f"{event} must be recorded by a {required} or above; the actor's "
                f"rank is {rank or 'unknown'}",
            )
        for rule in governing_rules(policy, record):
            if rule.extension_event == event:
                _check_extension(conn, policy, record, rule, occurred_at, rank)
        _check_detail(policy, record, event, details)
        previous = queries.events_of(conn, record["id"])
        latest = max((e["occurred_at"] for e in previous), default=record["started_at"])
        lag = now - occurred_at
        backdated = lag > timedelta(hours=policy.backdating.tolerance_hours) or (
            occurred_at < latest
        )
        if backdated:
            if reason is None:
                raise ClockRefusedError(
                    ref,
                    event,
                    f"it is back-dated to {_fmt(occurred_at)} (recorded "
                    f"{_fmt(now)}, latest event {_fmt(latest)}); a back-dated event needs a "
                    "reason",
                )
            details["backdated"] = True
            details["recorded_lag_hours"] = round(lag.total_seconds() / 3600, 2)
        values = {
            "record_id": record["id"],
            "event": event,
            "occurred_at": occurred_at,
            "recorded_at": now,
            "actor_id": actor_id,
            "actor_rank": rank,
            "reason": reason,
            "detail": details or None,
            "origin": "app",
        }
        event_id = queries.insert_event(conn, values)
        closes = event in spec.terminal
        if closes:
            queries.close_record(conn, record["id"], occurred_at, event)
        if backdated and audit is not None:
            audit({"action": "clock_event_backdated", "event_id": event_id, "ref": ref, **values})
        if on_write is not None:
            on_write(conn, {"event_id": event_id, "ref": ref, "kind": record["kind"], **values})
        records, events = queries.load_record_frames(conn, [record["id"]])
    clocks = recompute(records, events, now, policy).filter(pl.col("record_id") == record["id"])
    return RecordedEvent(
        event_id=event_id,
        record_id=record["id"],
        ref=ref,
        kind=record["kind"],
        event=event,
        occurred_at=occurred_at,
        recorded_at=now,
        backdated=backdated,
        closed_record=closes,
        clocks=clocks,
    )


@dataclass(frozen=True)
class OpenedRecord:
    record_id: int
    ref: str
    kind: str
    warnings: list[str]


def open_record(
    engine: Engine | Connection,
    *,
    kind: str,
    ref: str,
    started_at: datetime,
    now: datetime,
    crime_id: int | None = None,
    person_id: str | None = None,
    owner_id: str | None = None,
    team_id: str | None = None,
    risk_level: str | None = None,
    enhanced: bool | None = None,
    agency: str | None = None,
    devices: int | None = None,
    is_child: bool | None = None,
    policy: ClocksPolicy | None = None,
    origin: str = "app",
) -> OpenedRecord:
    """Check and store a new clock record; raise ClockRefusedError (writing nothing) when the
    subject is unknown, the dates are impossible or no rule governs it."""
    policy = policy or load_clocks_policy()
    if isinstance(engine, Connection):
        return _open(engine, policy, locals_for_open(locals()))
    with engine.begin() as conn:
        return _open(conn, policy, locals_for_open(locals()))


def locals_for_open(values: Mapping[str, Any]) -> dict[str, Any]:
    keep = (
        "kind",
        "ref",
        "started_at",
        "now",
        "crime_id",
        "person_id",
        "owner_id",
        "team_id",
        "risk_level",
        "enhanced",
        "agency",
        "devices",
        "is_child",
        "origin",
    )
    return {k: values[k] for k in keep}


def _open(conn: Connection, policy: ClocksPolicy, v: dict[str, Any]) -> OpenedRecord:
    kind, ref, now = v["kind"], str(v["ref"] or "").strip(), v["now"]
    what = f"opening a {kind} record"
    if kind not in RECORD_KINDS:
        raise ClockRefusedError(
            ref, "opening a record", f"{kind!r} is not one of {', '.join(RECORD_KINDS)}"
        )
    if not ref:
        raise ClockRefusedError("(no ref)", what, "a record needs a reference")
    if queries.record_by_ref(conn, kind, ref) is not None:
        raise ClockRefusedError(ref, what, f"a {kind} record {ref!r} already exists")
    if v["started_at"] > now:
        raise ClockRefusedError(ref, what, f"it starts {_fmt(v['started_at'])}, in the future")
    spec = policy.record_kinds[kind]
    checks = [
        ("crime", v["crime_id"]),
        ("person", v["person_id"]),
        ("staff", v["owner_id"]),
        ("team", v["team_id"]),
    ]
    for what_kind, key in checks:
        if key is not None and not queries.exists(conn, what_kind, key):
            raise UnknownClockSubjectError(ref, what, f"there is no {what_kind} {key!r}")
    subject_key = v["crime_id"] if spec.subject == "crime" else v["person_id"]
    if subject_key is None:
        raise UnknownClockSubjectError(ref, what, f"a {kind} record needs a {spec.subject}")
    warnings: list[str] = []
    if kind == "missing_episode":
        level, warning = policy.normalise_risk(v["risk_level"])
        if level is None:
            raise ClockRefusedError(
                ref,
                what,
                f"risk level {v['risk_level']!r} is not one of "
                f"{', '.join(policy.risk_levels.levels)}",
            )
        v["risk_level"] = level
        if warning:
            warnings.append(warning)
    if kind == "forensic_submission" and (v["devices"] is None or v["devices"] < 1):
        raise ClockRefusedError(ref, what, "a forensic submission needs at least one device")
    if kind == "bail":
        agencies = {a for r in policy.rules_for("bail") for a in (r.when.agency or [])}
        if v["agency"] is not None and agencies and v["agency"] not in agencies:
            raise ClockRefusedError(
                ref, what, f"agency {v['agency']!r} is not one of {', '.join(sorted(agencies))}"
            )
    if v["team_id"] is None and v["owner_id"] is not None:
        v["team_id"] = queries.staff_team(conn, v["owner_id"])
    values = {k: v[k] for k in RECORD_SCHEMA if k in v}
    if not governing_rules(policy, values):
        raise ClockRefusedError(
            ref,
            what,
            f"no rule in clocks.yaml governs a {kind} record started {_fmt(v['started_at'])}",
        )
    values["origin"] = v["origin"]
    record_id = queries.insert_record(conn, values)
    for warning in warnings:
        queries.insert_event(
            conn,
            {
                "record_id": record_id,
                "event": DATA_QUALITY_EVENT,
                "occurred_at": v["started_at"],
                "recorded_at": now,
                "reason": warning,
                "detail": {"field": "risk_level"},
                "origin": v["origin"],
            },
        )
    return OpenedRecord(record_id=record_id, ref=ref, kind=kind, warnings=warnings)
