"""Clocks on suspects and investigations: bail, RUI, wanted, digital forensics, reviews."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import polars as pl

from forcesight.synthetic.clocks import (
    ClockPart,
    event_frame,
    officers_of_rank,
    on_time_or_late,
    pick_by_team,
    record_frame,
)
from forcesight.synthetic.params import DemoParams
from forcesight.synthetic.sampling import DAY, HOUR, Bools, Ints, lognormal, seconds
from forcesight.synthetic.workforce import Workforce

AGENCIES = np.array(["HMRC", "NCA", "SFO", "FCA"])
NONE = np.iinfo(np.int64).max


@dataclass(frozen=True)
class CrimeView:
    """The columns of the generated crimes the clocks need, as arrays (times in seconds)."""

    id: Ints
    recorded: Ints
    allocated: Ints  # NONE when not allocated
    closed: Ints  # NONE when open
    route: np.ndarray
    team_id: np.ndarray
    owner: np.ndarray
    suspect: np.ndarray
    victim: np.ndarray
    named: Bools
    serious: Bools


def crime_view(crimes: pl.DataFrame, serious: Bools) -> CrimeView:
    def secs(name: str) -> Ints:
        s = crimes[name].dt.epoch("s")
        return s.fill_null(NONE).to_numpy().astype(np.int64)

    def text(name: str) -> np.ndarray:
        return crimes[name].fill_null("").to_numpy().astype(str)

    return CrimeView(
        id=crimes["id"].to_numpy(),
        recorded=secs("recorded_at"),
        allocated=secs("allocated_at"),
        closed=secs("closed_at"),
        route=text("route"),
        team_id=text("team_id"),
        owner=text("allocated_to"),
        suspect=text("suspect_id"),
        victim=text("victim_id"),
        named=crimes["sf_named_suspect"].to_numpy(),
        serious=serious,
    )


def _until(started: Ints, limit_days: int) -> pl.Series:
    day = (started // DAY + limit_days).astype("datetime64[D]").astype(str)
    return pl.Series([json.dumps({"until": d}) for d in day], dtype=pl.String)


def build_bail_and_rui(
    rng: np.random.Generator,
    params: DemoParams,
    crimes: CrimeView,
    workforce: Workforce,
    end: int,
) -> tuple[ClockPart, ClockPart]:
    cp = params.clocks
    candidates = np.flatnonzero(crimes.named & (crimes.allocated != NONE) & (crimes.route != ""))
    draw = rng.random(len(candidates))
    bail_rows = candidates[draw < cp.bail_share]
    rui_rows = candidates[(draw >= cp.bail_share) & (draw < cp.bail_share + cp.rui_share)]
    return (
        _bail(rng, params, crimes, workforce, bail_rows, end),
        _rui(rng, params, crimes, workforce, rui_rows, end),
    )


def _started(
    rng: np.random.Generator, crimes: CrimeView, rows: Ints, end: int
) -> tuple[Ints, Bools]:
    started = crimes.recorded[rows] + np.round(lognormal(rng, (2.0, 0.8), len(rows)) * DAY)
    return started.astype(np.int64), started <= end


def _bail(
    rng: np.random.Generator,
    params: DemoParams,
    crimes: CrimeView,
    workforce: Workforce,
    rows: Ints,
    end: int,
) -> ClockPart:
    cp = params.clocks
    started, ok = _started(rng, crimes, rows, end)
    rows, started = rows[ok], started[ok]
    n = len(rows)
    switch = seconds(datetime.combine(date.fromisoformat(cp.bail_2022_from), datetime.min.time()))
    regime = np.where(started >= switch, "2022", "2017")
    length = lognormal(rng, cp.bail_days, n) * DAY
    outcome_at = started + np.round(length).astype(np.int64)
    events = []
    for regime_name, rules in cp.bail_rules.items():
        in_regime = regime == regime_name
        for k, (limit, rank) in enumerate(rules):
            need = in_regime & (length > limit * DAY)
            idx = np.flatnonzero(need)
            if not len(idx):
                continue
            due = started[idx] + limit * DAY
            when, _ = on_time_or_late(
                rng, due - 5 * DAY, due, params.clocks.late_extension, 4 * DAY
            )
            next_limit = rules[k + 1][0] if k + 1 < len(rules) else limit + 91
            if rank == "court":
                actor = np.full(len(idx), None, dtype=object)
            else:
                pool = officers_of_rank(workforce, rank)
                actor = pool[rng.integers(0, len(pool), len(idx))]
            events.append(
                event_frame(idx, "extended", when, actor, rank, _until(started[idx], next_limit))
            )
    outcome = np.array(["charged", "nfa", "rui"])[rng.choice(3, n, p=[0.45, 0.35, 0.2])]
    done = outcome_at <= end
    events.append(event_frame(np.flatnonzero(done), outcome[done], outcome_at[done]))
    agency = np.where(
        rng.random(n) < cp.agency_share, AGENCIES[rng.integers(0, len(AGENCIES), n)], "police"
    )
    records = record_frame(
        "bail", "DB-", started, crime_id=crimes.id[rows],
        person_id=pl.Series(crimes.suspect[rows]), owner_id=crimes.owner[rows],
        team_id=crimes.team_id[rows], closed=outcome_at, is_closed=done, close_reason=outcome,
        extra={"agency": agency},
    )  # fmt: skip
    return ClockPart(records, pl.concat(events))


def _rui(
    rng: np.random.Generator,
    params: DemoParams,
    crimes: CrimeView,
    workforce: Workforce,
    rows: Ints,
    end: int,
) -> ClockPart:
    cp = params.clocks
    started, ok = _started(rng, crimes, rows, end)
    rows, started = rows[ok], started[ok]
    n = len(rows)
    outcome_at = started + np.round(lognormal(rng, cp.rui_days, n) * DAY).astype(np.int64)
    reviews = _cadence(
        rng, started, np.minimum(outcome_at, end), cp.rui_review_days, cp.rui_review_days,
        cp.late_review,
    )  # fmt: skip
    team = crimes.team_id[rows]
    actor, rank = pick_by_team(rng, workforce, team[reviews[0]], ("sergeant",))
    outcome = np.array(["charged", "nfa", "bailed"])[rng.choice(3, n, p=[0.3, 0.6, 0.1])]
    done = outcome_at <= end
    events = pl.concat(
        [
            event_frame(reviews[0], "review", reviews[1], actor, rank),
            event_frame(np.flatnonzero(done), outcome[done], outcome_at[done]),
        ]
    )
    records = record_frame(
        "rui", "DR-", started, crime_id=crimes.id[rows],
        person_id=pl.Series(crimes.suspect[rows]), owner_id=crimes.owner[rows], team_id=team,
        closed=outcome_at, is_closed=done, close_reason=outcome,
    )  # fmt: skip
    return ClockPart(records, events)


def _cadence(
    rng: np.random.Generator,
    started: Ints,
    stop: Ints,
    first_days: int,
    every_days: int,
    late_share: float,
    cap: int = 40,
) -> tuple[Ints, Ints]:
    """Reviews due ``first_days`` after the start and then every ``every_days`` while before
    ``stop``: (record index, time done) for each, some done late."""
    span = np.maximum(stop - started, 0)
    count = np.where(span >= first_days * DAY, (span - first_days * DAY) // (every_days * DAY) + 1,
                     0)  # fmt: skip
    count = np.minimum(count, cap)
    record = np.repeat(np.arange(len(started)), count)
    k = np.arange(len(record)) - np.repeat(np.cumsum(count) - count, count)
    due = started[record] + (first_days + k * every_days) * DAY
    when, _ = on_time_or_late(rng, due - 3 * DAY, due, late_share, 14 * DAY)
    keep = when < stop[record]
    return record[keep], when[keep]


def build_wanted(
    rng: np.random.Generator, params: DemoParams, crimes: CrimeView, end: int
) -> ClockPart:
    cp = params.clocks
    candidates = np.flatnonzero(crimes.named & (crimes.route != ""))
    n = min(len(candidates), round(cp.wanted_per_year * params.volume_scale))
    rows = np.sort(rng.choice(candidates, n, replace=False))
    started = crimes.recorded[rows] + np.round(lognormal(rng, (5.0, 1.0), n) * DAY)
    ok = started <= end
    rows, started = rows[ok], started[ok].astype(np.int64)
    n = len(rows)
    circulated = started + np.round(lognormal(rng, cp.circulation_hours, n) * HOUR).astype(np.int64)
    outcome_at = started + np.round(lognormal(rng, cp.wanted_days, n) * DAY).astype(np.int64)
    circulated_ok = (rng.random(n) >= cp.never_circulated) & (circulated < outcome_at)
    reviews = _cadence(
        rng, started, np.minimum(outcome_at, end), cp.wanted_review_days, cp.wanted_review_days,
        cp.late_review,
    )  # fmt: skip
    outcome = np.where(rng.random(n) < 0.8, "arrested", "cancelled")
    done = outcome_at <= end
    c_idx = np.flatnonzero(circulated_ok)
    events = pl.concat(
        [
            event_frame(c_idx, "circulated", circulated[c_idx], crimes.owner[rows][c_idx]),
            event_frame(reviews[0], "review", reviews[1], crimes.owner[rows][reviews[0]]),
            event_frame(np.flatnonzero(done), outcome[done], outcome_at[done]),
        ]
    )
    records = record_frame(
        "wanted", "DW-", started, crime_id=crimes.id[rows],
        person_id=pl.Series(crimes.suspect[rows]), owner_id=crimes.owner[rows],
        team_id=crimes.team_id[rows], closed=outcome_at, is_closed=done, close_reason=outcome,
    )  # fmt: skip
    return ClockPart(records, events)


def build_forensics(
    rng: np.random.Generator,
    params: DemoParams,
    crimes: CrimeView,
    workforce: Workforce,
    end: int,
) -> ClockPart:
    """Submissions to the digital forensics lab, examined first in, first out at the lab's
    capacity, behind the queue the lab already had at the start of the year."""
    cp = params.clocks
    candidates = np.flatnonzero(crimes.allocated != NONE)
    weight = np.where(crimes.serious[candidates], 10.0, 1.0)
    n = min(len(candidates), round(cp.forensic_per_year * params.volume_scale))
    rows = rng.choice(candidates, n, replace=False, p=weight / weight.sum())
    submitted = crimes.allocated[rows] + np.round(lognormal(rng, (7.0, 0.8), n) * DAY)
    ok = submitted <= end
    rows, submitted = rows[ok], submitted[ok].astype(np.int64)
    order = np.argsort(submitted, kind="stable")
    rows, submitted = rows[order], submitted[order]
    n = len(rows)
    devices = 1 + rng.poisson(cp.forensic_extra_devices, n)
    withdrawn = rng.random(n) < cp.forensic_cancelled
    rate = cp.lab_devices_per_week / 7 / DAY  # devices per second
    work = np.where(withdrawn, 0, devices)
    before = np.cumsum(work) - work + cp.lab_backlog_devices * params.volume_scale
    year_start = end - 365 * DAY
    ready = np.maximum(submitted, year_start)
    # FIFO at a constant rate: start = work ahead / rate + latest (arrival - its work / rate);
    # the queue already waiting at the start of the year counts as work that arrived then
    latest = np.maximum(np.maximum.accumulate(ready - before / rate), year_start)
    started = np.round(before / rate + latest).astype(np.int64)
    completed = started + np.round(devices / rate).astype(np.int64)
    withdrawn_at = submitted + rng.integers(10 * DAY, 60 * DAY, n)
    withdrawn &= withdrawn_at < started
    examiners = (
        workforce.staff.filter(pl.col("active") & (pl.col("team_key") == "digital_forensics"))["id"]
        .to_numpy()
        .astype(str)
    )
    examiner = examiners[rng.integers(0, len(examiners), n)]
    s_idx = np.flatnonzero(~withdrawn)
    w_idx = np.flatnonzero(withdrawn)
    events = pl.concat(
        [
            event_frame(s_idx, "examination_started", started[s_idx], examiner[s_idx]),
            event_frame(s_idx, "examination_completed", completed[s_idx], examiner[s_idx]),
            event_frame(w_idx, "withdrawn", withdrawn_at[w_idx], crimes.owner[rows][w_idx]),
        ]
    )
    closed_at = np.where(withdrawn, withdrawn_at, completed)
    done = closed_at <= end
    dfu = workforce.teams.filter(pl.col("team_key") == "digital_forensics")["id"][0]
    records = record_frame(
        "forensic_submission", "DF-", submitted, crime_id=crimes.id[rows],
        owner_id=crimes.owner[rows], team_id=np.full(n, dfu), closed=closed_at, is_closed=done,
        close_reason=np.where(withdrawn, "withdrawn", "examination_completed"),
        extra={"devices": devices},
    )  # fmt: skip
    return ClockPart(records, events)


def build_reviews(
    rng: np.random.Generator,
    params: DemoParams,
    crimes: CrimeView,
    workforce: Workforce,
    end: int,
) -> ClockPart:
    """Supervisory reviews of crimes allocated to an investigating team."""
    cp = params.clocks
    rows = np.flatnonzero((crimes.route == "team") & (crimes.allocated != NONE))
    started = crimes.allocated[rows]
    stop = np.minimum(crimes.closed[rows], end)
    reviews = _cadence(
        rng, started, stop, cp.review_first_days, cp.review_repeat_days, cp.late_review
    )
    team = crimes.team_id[rows]
    supervisor, rank = pick_by_team(rng, workforce, team, ("sergeant", "inspector"))
    done = crimes.closed[rows] <= end
    finished = np.flatnonzero(done)
    events = pl.concat(
        [
            event_frame(reviews[0], "review", reviews[1], supervisor[reviews[0]], rank[reviews[0]]),
            event_frame(finished, "finalised", crimes.closed[rows][finished]),
        ]
    )
    records = record_frame(
        "investigation", "DIR-", started, crime_id=crimes.id[rows], owner_id=supervisor,
        team_id=team, closed=np.where(done, crimes.closed[rows], started), is_closed=done,
        close_reason=np.full(len(rows), "finalised"),
    )  # fmt: skip
    return ClockPart(records, events)
