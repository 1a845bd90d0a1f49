"""Clock records and their events for the demo force, and the shared pieces they are built from.

Every record kind and event name is the tracking engine's (``policy/rules/clocks.yaml``:
``record_kinds.<kind>.events``), so ``forcesight.tracking`` recomputes the demo's clocks as it
would a force's own. Kinds (``clock_records.kind``) and the events each uses
(``clock_events.event``):

- bail: starts when bail is granted (``bail_started``); ``bail_extended`` before each limit
  lapses (actor_rank the authority of the rules in force: superintendent then court under the
  2017 Act; inspector, superintendent, then court under the 2022 Act; ``detail.until`` the new
  limit); ends ``charged``, ``nfa`` or ``bail_cancelled`` (with the crime's outcome) or
  ``converted_to_rui`` (also when bail lapsed unextended).
- rui: starts on release under investigation (``rui_started``); ``rui_review`` (sergeant);
  ends ``charged`` or ``nfa`` (with the crime's outcome) or ``converted_to_bail``.
- victim_care: starts when the crime is recorded; ``written_information_given``,
  ``needs_assessment_done``, ``vps_offered`` (5 working days), ``referred_to_support``
  (2 days), ``victim_updated`` (monthly while no suspect), the crime's own steps
  (``suspect_identified``, ``arrested``, ``voluntary_interview``, ``charged``, ``cautioned``,
  ``nfa``, ``screened_out``) unless a bail or RUI record carries them, ``victim_notified``
  (``detail.about`` the step the victim was told of) after every step of the crime that the
  victims' code names; ends ``case_closed`` after the last of them.
- missing_episode: starts when reported; ``review`` (sergeant; inspector for high risk),
  ``risk_changed`` (a supervisor's re-grade, ``detail.risk_level``); ends ``found``.
- wanted: starts at the decision to circulate; ``pnc_circulated``, ``wanted_review``
  (sergeant or inspector); ends ``located`` or ``wanted_cancelled``.
- forensic_submission: starts when devices are submitted; ``examination_started``; ends
  ``examination_completed`` or ``submission_withdrawn``.
- investigation: starts when the crime is allocated to a team; ``supervisory_review`` (first,
  then repeat cadence; sergeant or inspector); ends ``finalised``.

Recurring duties are due again an interval after each time they were done, as the engine
counts them. A share of every duty is done late (``params.ClockParams``), so the clock views
show due, overdue, met and met late. Events are never after as_of, and none follows the event
that closed its record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl

from forcesight.synthetic.params import DemoParams
from forcesight.synthetic.sampling import MINUTE, Bools, Ints, as_datetime, seconds, where
from forcesight.synthetic.workforce import Workforce, supervisors


@dataclass(frozen=True)
class ClockPart:
    """Records of one kind (row i is local record i) and their events."""

    records: pl.DataFrame
    events: pl.DataFrame


def event_frame(
    record: Ints,
    event: str | np.ndarray,
    occurred: Ints,
    actor_id: np.ndarray | None = None,
    actor_rank: str | np.ndarray | None = None,
    detail: pl.Series | None = None,
) -> pl.DataFrame:
    n = len(record)
    return pl.DataFrame(
        {
            "record": record,
            "event": np.broadcast_to(np.asarray(event), (n,)).astype(str),
            "occurred": occurred.astype(np.int64),
            "actor_id": pl.Series(actor_id if actor_id is not None else [None] * n,
                                  dtype=pl.String).replace("", None),
            "actor_rank": pl.Series(
                np.broadcast_to(np.asarray(actor_rank), (n,)).astype(str)
                if actor_rank is not None else [None] * n,
                dtype=pl.String,
            ),
            "detail": detail if detail is not None else pl.Series([None] * n, dtype=pl.String),
        }
    )  # fmt: skip


def record_frame(
    kind: str,
    ref_prefix: str,
    started: Ints,
    *,
    crime_id: Ints | None = None,
    person_id: pl.Series | None = None,
    owner_id: np.ndarray | None = None,
    team_id: np.ndarray | None = None,
    closed: Ints | None = None,
    is_closed: Bools | None = None,
    close_reason: np.ndarray | None = None,
    extra: dict[str, object] | None = None,
) -> pl.DataFrame:
    n = len(started)
    nulls = pl.Series([None] * n, dtype=pl.String)
    refs = pl.select(
        pl.lit(ref_prefix) + pl.Series(np.arange(1, n + 1)).cast(pl.String).str.zfill(6)
    ).to_series()
    closed_mask = is_closed if is_closed is not None else np.zeros(n, dtype=bool)

    def ids(values: np.ndarray | pl.Series | None) -> pl.Series:
        """Pseudonymous ids, with '' (none) as NULL."""
        if values is None:
            return nulls
        series = pl.Series(values, dtype=pl.String)
        return series.set(series == "", None)

    return pl.DataFrame(
        {
            "kind": kind,
            "ref": refs,
            "crime_id": pl.Series(crime_id if crime_id is not None else [None] * n,
                                  dtype=pl.Int64),
            "person_id": ids(person_id),
            "owner_id": ids(owner_id),
            "team_id": ids(team_id),
            "started_at": as_datetime(started),
            "closed_at": as_datetime(closed if closed is not None else started, closed_mask),
            "close_reason": where(closed_mask, close_reason)
            if close_reason is not None else nulls,
            **(extra or {}),
        }
    )  # fmt: skip


def on_time_or_late(
    rng: np.random.Generator, start: Ints, due: Ints, late_share: float, late_max: int
) -> tuple[Ints, Bools]:
    """When a duty due at ``due`` was done: between ``start`` and ``due``, or for a share
    ``late_share`` up to ``late_max`` seconds after it."""
    n = len(due)
    late = rng.random(n) < late_share
    on_time = start + np.round((due - start) * rng.uniform(0.15, 1.0, n)).astype(np.int64)
    after = due + rng.integers(MINUTE * 30, max(late_max, MINUTE * 31), n)
    return np.where(late, after, on_time), late


def recurring(
    rng: np.random.Generator,
    start: Ints,
    stop: Ints,
    first: Ints | int,
    every: Ints | int,
    late_share: float,
    late_max: Ints | int,
    *,
    slack: int = 0,
    cap: int = 40,
) -> tuple[Ints, Ints]:
    """A duty due ``first`` seconds after ``start`` and then ``every`` seconds after each time
    it was done, until ``stop``: (record index, time done) of each time it was done. Most are
    done in the last quarter of the interval; a share ``late_share`` after the interval plus
    ``slack`` (a calendar month is 28 days plus up to 3) by up to ``late_max`` seconds."""
    n = len(start)
    first_s = np.broadcast_to(np.asarray(first, dtype=np.int64), (n,))
    every_s = np.broadcast_to(np.asarray(every, dtype=np.int64), (n,))
    longest = np.broadcast_to(np.asarray(late_max, dtype=np.int64), (n,))
    interval = np.where(np.arange(cap)[None, :] == 0, first_s[:, None], every_s[:, None])
    late = rng.random((n, cap)) < late_share
    on_time = np.round(interval * rng.uniform(0.75, 1.0, (n, cap))).astype(np.int64)
    over = np.round(rng.uniform(0.0, 1.0, (n, cap)) * np.maximum(longest, MINUTE * 31)[:, None])
    after = interval + slack + MINUTE * 30 + over.astype(np.int64)
    times = start[:, None] + np.cumsum(np.where(late, after, on_time), axis=1)
    keep = times < stop[:, None]
    record, _ = np.nonzero(keep)
    return record.astype(np.int64), times[keep]


def neglect(rng: np.random.Generator, start: Ints, stop: Ints, share: float) -> Ints:
    """``stop`` moved earlier, to a random point after ``start``, for a share of records: where
    a recurring duty stops being done before the record ends."""
    cut = start + np.round((stop - start) * rng.random(len(start))).astype(np.int64)
    return np.where(rng.random(len(start)) < share, cut, stop)


def json_detail(key: str, values: np.ndarray) -> pl.Series:
    """An event detail column: ``{key: value}`` as JSON text per row."""
    return pl.Series([json.dumps({key: str(v)}) for v in values], dtype=pl.String)


def pick_by_team(
    rng: np.random.Generator, workforce: Workforce, team_id: np.ndarray, ranks: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """A serving supervisor (id, rank) from each row's team, or from any team if it has none."""
    pool = supervisors(workforce.staff).filter(pl.col("rank").is_in(ranks))
    ids = pool["id"].to_numpy().astype(str)
    rank = pool["rank"].to_numpy().astype(str)
    pick = rng.integers(0, len(ids), len(team_id))
    out_id, out_rank = ids[pick], rank[pick]
    for (team,), group in pool.group_by("team_id", maintain_order=True):
        rows = np.flatnonzero(team_id == team)
        k = rng.integers(0, group.height, len(rows))
        out_id[rows] = group["id"].to_numpy().astype(str)[k]
        out_rank[rows] = group["rank"].to_numpy().astype(str)[k]
    return out_id, out_rank


def officers_of_rank(workforce: Workforce, rank: str) -> np.ndarray:
    staff = workforce.staff
    return staff.filter(pl.col("active") & (pl.col("rank") == rank))["id"].to_numpy().astype(str)


def finish_events(
    rng: np.random.Generator, params: DemoParams, events: pl.DataFrame, as_of: datetime
) -> pl.DataFrame:
    """Keep events up to as_of and give each its recorded time (a few back-dated)."""
    end = seconds(as_of)
    events = events.filter(pl.col("occurred") <= end)
    n = events.height
    occurred = events["occurred"].to_numpy()
    backdated = rng.random(n) < params.clocks.backdated
    delay = np.where(
        backdated, rng.integers(86_400, 5 * 86_400, n), rng.integers(0, 30 * MINUTE, n)
    )
    recorded = np.minimum(occurred + delay, end)
    late_entry = where(backdated, np.full(n, "entered after the event (back-dated)"))
    given = (
        events["reason"] if "reason" in events.columns else pl.Series([None] * n, dtype=pl.String)
    )
    return events.with_columns(
        occurred_at=as_datetime(occurred),
        recorded_at=as_datetime(recorded),
        reason=given.fill_null(late_entry),
    ).drop("occurred")
