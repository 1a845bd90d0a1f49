"""Service functions for the CLI, the web pages and the API: plain functions over an Engine.

The web app (built separately) calls these: ``queue`` for the due/overdue pages, ``record_detail``
for one record, ``submit_event_form`` for the validated event form, ``compliance_table`` for
the compliance page, and ``send_digests`` for the daily job.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import Engine

from forcesight.errors import ClockRefusedError
from forcesight.settings import setting
from forcesight.tracking import digest, queries, views
from forcesight.tracking.clocks import recompute
from forcesight.tracking.events import (
    AuditHook,
    RecordedEvent,
    WriteHook,
    open_record,
    record_event,
)
from forcesight.tracking.rules import ClocksPolicy, load_clocks_policy


def evaluate(
    engine: Engine,
    now: datetime,
    *,
    kinds: Sequence[str] | None = None,
    open_only: bool = True,
    policy: ClocksPolicy | None = None,
) -> pl.DataFrame:
    """Every clock as at ``now``: the records open then (or all, without ``open_only``)."""
    policy = policy or load_clocks_policy()
    records, events = queries.load_frames(
        engine, as_of=now if open_only else None, kinds=list(kinds) if kinds else None
    )
    return recompute(records, events, now, policy)


def queue(
    engine: Engine,
    now: datetime,
    scope: views.Scope = "force",
    *,
    staff_id: str | None = None,
    team_id: str | None = None,
    overdue_only: bool = False,
    kinds: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Due-soon and overdue clocks for me, my team or the force."""
    clocks = evaluate(engine, now, kinds=kinds)
    return views.due(
        clocks,
        scope,
        staff_id,
        team_id,
        overdue_only=overdue_only,
        kinds=list(kinds) if kinds else None,
    )


def team_of(engine: Engine, staff_id: str) -> str | None:
    """The team of a staff member (for "my team's clocks"), or None."""
    with engine.connect() as conn:
        return queries.staff_team(conn, staff_id)


def overdue_by_supervisor(engine: Engine, now: datetime) -> pl.DataFrame:
    """Overdue supervisory reviews of investigations, per supervisor."""
    return views.overdue_by_owner(evaluate(engine, now, kinds=["investigation"]))


def forensic_queue(engine: Engine, now: datetime) -> pl.DataFrame:
    return views.forensic_queue(evaluate(engine, now, kinds=["forensic_submission"]))


def repeat_missing_children(engine: Engine, now: datetime) -> pl.DataFrame:
    return views.repeat_missing_children(evaluate(engine, now, kinds=["missing_episode"]))


def compliance_table(
    engine: Engine, now: datetime, *, since: datetime | None = None, every: str = "1mo"
) -> pl.DataFrame:
    """Compliance rates per month and clock, over every record (open and closed)."""
    clocks = evaluate(engine, now, open_only=False)
    return views.compliance(clocks, now, every=every, since=since)


def record_detail(
    engine: Engine, ref: str, now: datetime, kind: str | None = None
) -> dict[str, Any]:
    """One record, its events and its clocks as at ``now``."""
    policy = load_clocks_policy()
    with engine.connect() as conn:
        found = [r for r in queries.records_by_ref(conn, ref) if kind is None or r["kind"] == kind]
        if not found:
            from forcesight.errors import UnknownClockSubjectError

            raise UnknownClockSubjectError(ref, "showing a record", f"there is no record {ref!r}")
        if len(found) > 1:
            raise ClockRefusedError(ref, "showing a record", "several kinds share it; say which")
        record = found[0]
        events = queries.events_of(conn, record["id"])
        records, event_frame = queries.load_record_frames(conn, [record["id"]])
    clocks = recompute(records, event_frame, now, policy).filter(
        pl.col("record_id") == record["id"]
    )
    return {"record": record, "events": events, "clocks": clocks}


class EventForm(BaseModel):
    """The web form for recording an event; strings in, typed values out."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    ref: str = Field(min_length=1, max_length=60)
    kind: str | None = None
    event: str = Field(min_length=1, max_length=40)
    occurred_at: datetime
    reason: str | None = Field(default=None, max_length=2000)
    risk_level: str | None = None
    about: str | None = None
    actor_rank: str | None = Field(default=None, description="Only for the court or outsiders.")

    @field_validator("kind", "reason", "risk_level", "about", "actor_rank", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


def submit_event_form(
    engine: Engine,
    form: Mapping[str, str],
    *,
    actor_id: str,
    now: datetime,
    audit: AuditHook | None = None,
    on_write: WriteHook | None = None,
) -> RecordedEvent:
    """Validate a submitted event form and record the event as ``actor_id`` (the signed-in
    user's staff id, whose stored rank is checked). Raises ClockRefusedError with the reason.
    ``on_write`` runs in the event's transaction (the web app's audit record)."""
    try:
        parsed = EventForm.model_validate(dict(form))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "form"
        raise ClockRefusedError(
            str(form.get("ref", "(form)")), "event", f"field {field}: {first['msg']}"
        ) from None
    detail = {k: v for k, v in (("risk_level", parsed.risk_level), ("about", parsed.about)) if v}
    return record_event(
        engine,
        ref=parsed.ref,
        kind=parsed.kind,
        event=parsed.event,
        occurred_at=parsed.occurred_at,
        now=now,
        actor_id=actor_id,
        actor_rank=parsed.actor_rank,
        reason=parsed.reason,
        detail=detail,
        audit=audit,
        on_write=on_write,
    )


def convert_rui_to_bail(
    engine: Engine,
    *,
    rui_ref: str,
    bail_ref: str,
    at: datetime,
    now: datetime,
    actor_id: str | None = None,
    actor_rank: str | None = None,
    reason: str | None = None,
) -> tuple[RecordedEvent, int]:
    """Close an RUI record by ``converted_to_bail`` and open the bail record that follows it
    (same crime, person, owner and team); returns the event and the new record's id."""
    with engine.connect() as conn:
        rui = queries.record_by_ref(conn, "rui", rui_ref)
    if rui is None:
        from forcesight.errors import UnknownClockSubjectError

        raise UnknownClockSubjectError(rui_ref, "converting to bail", "there is no such RUI")
    event = record_event(
        engine,
        ref=rui_ref,
        kind="rui",
        event="converted_to_bail",
        occurred_at=at,
        now=now,
        actor_id=actor_id,
        actor_rank=actor_rank,
        reason=reason,
        detail={"bail_ref": bail_ref},
    )
    opened = open_record(
        engine,
        kind="bail",
        ref=bail_ref,
        started_at=at,
        now=now,
        crime_id=rui["crime_id"],
        person_id=rui["person_id"],
        owner_id=rui["owner_id"],
        team_id=rui["team_id"],
    )
    return event, opened.record_id


def send_digests(
    engine: Engine,
    recipients: Sequence[digest.Recipient],
    now: datetime,
    *,
    smtp_host: str | None = None,
    smtp_port: int | None = None,
    smtp_sender: str | None = None,
    webhook_url: str | None = None,
    email: bool = True,
) -> dict[str, int]:
    """Build and send the daily digests (email, and the webhook if one is configured)."""
    clocks = evaluate(engine, now)
    digests = digest.build_digests(clocks, recipients, now)
    sent = {"digests": len(digests), "emails": 0, "webhooks": 0}
    if email:
        sent["emails"] = digest.send_email(
            digests,
            smtp_host if smtp_host is not None else str(setting("smtp_host")),
            smtp_port if smtp_port is not None else int(setting("smtp_port")),
            smtp_sender if smtp_sender is not None else str(setting("smtp_sender")),
        )
    url = webhook_url if webhook_url is not None else str(setting("webhook_url"))
    if url:
        sent["webhooks"] = digest.post_webhook(digests, url)
    return sent
