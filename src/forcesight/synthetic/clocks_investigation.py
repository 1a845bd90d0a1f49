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
    neglect,
    officers_of_rank,
    pick_by_team,
    record_frame,
    recurring,
)
from forcesight.synthetic.params import DemoParams
from forcesight.synthetic.sampling import (
    DAY,
    HOUR,
    MINUTE,
    Bools,
    Ints,
    as_datetime,
    lognormal,
    seconds,
)
from forcesight.synthetic.workforce import Workforce

AGENCIES = np.array(["HMRC", "NCA", "SFO", "FCA"])
NONE = np.iinfo(np.int64).max


CHARGED = "Suspect charged"
CAUTIONED = "Offender given a caution"


@dataclass(frozen=True)
class CrimeView:
    """The columns of the generated crimes the clocks need, as arrays (times in seconds)."""

    id: Ints
    recorded: Ints
    allocated: Ints  # NONE when not allocated
    closed: Ints  # NONE when open (finalised or screened out)
    route: np.ndarray
    team_id: np.ndarray
    owner: np.ndarray
    suspect: np.ndarray
    victim: np.ndarray
    outcome: np.ndarray  # '' while open
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
        outcome=text("outcome"),
        named=crimes["sf_named_suspect"].to_numpy(),
        serious=serious,
    )


def after(started: Ints, amount: int, unit: str) -> Ints:
    """``started`` plus ``amount`` days or calendar months (as the tracking engine adds them:
    a month from 31 January is the end of February)."""
    if unit == "days":
        return started + amount * DAY
    moved = as_datetime(started).dt.offset_by(f"{amount}mo")
    return moved.dt.epoch("s").to_numpy().astype(np.int64)


def _until(due: Ints) -> pl.Series:
    day = (due // DAY).astype("datetime64[D]").astype(str)
    return pl.Series([json.dumps({"until": d}) for d in day], dtype=pl.String)


def build_bail_and_rui(
    rng: np.random.Generator,
    params: DemoParams,
    crimes: CrimeView,
    workforce: Workforce,
    end: int,
) -> tuple[ClockPart, ClockPart]:
    """Pre-charge bail and release under investigation of named suspects. A suspect later
    cautioned was neither (a caution is given at the first interview)."""
    cp = params.clocks
    candidates = np.flatnonzero(
        crimes.named & (crimes.allocated != NONE) & (crimes.route != "")
        & (crimes.outcome != CAUTIONED)
    )  # fmt: skip
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
    """Start of bail or RUI, a day or two after the crime was recorded: kept when before as_of
    and at least a day before the crime was finalised."""
    started = crimes.recorded[rows] + np.round(lognormal(rng, (2.0, 0.8), len(rows)) * DAY)
    closed = crimes.closed[rows]
    return started.astype(np.int64), (started <= end) & (
        (closed == NONE) | (closed > started + DAY)
    )


def _outcome(crimes: CrimeView, rows: Ints) -> np.ndarray:
    """The event that records a finalised crime's outcome for its suspect."""
    return np.where(crimes.outcome[rows] == CHARGED, "charged", "nfa")


def _ladder(
    rules: tuple[tuple[int, str, str], ...], started: Ints, steps: int
) -> list[tuple[Ints, str]]:
    """Each bail limit (time) and who may extend beyond it; after the listed ones, the court
    in steps of 3 months."""
    out = [(after(started, amount, unit), who) for amount, unit, who in rules]
    last_amount, last_unit, _ = rules[-1]
    for k in range(steps - len(rules)):
        months = last_amount + 3 * (k + 1) if last_unit == "months" else 3 * (k + 1)
        out.append((after(started, months, "months"), "court"))
    return out


def _bail(
    rng: np.random.Generator,
    params: DemoParams,
    crimes: CrimeView,
    workforce: Workforce,
    rows: Ints,
    end: int,
) -> ClockPart:
    """Bail ends with the crime's outcome when the crime is finalised, else (for some) in a
    release under investigation; it is extended before each limit it outlives, except that a
    share lapses unextended and the suspect is recorded as released under investigation."""
    cp = params.clocks
    started, ok = _started(rng, crimes, rows, end)
    rows, started = rows[ok], started[ok]
    n = len(rows)
    agency = np.where(
        rng.random(n) < cp.agency_share, AGENCIES[rng.integers(0, len(AGENCIES), n)], "police"
    )
    switch = seconds(datetime.combine(date.fromisoformat(cp.bail_2022_from), datetime.min.time()))
    regime = np.where(
        started >= switch, np.where(agency == "police", "2022", "2022_agency"), "2017"
    )
    finished = crimes.closed[rows] != NONE
    drawn = started + np.round(lognormal(rng, cp.bail_days, n) * DAY).astype(np.int64)
    end_at = np.where(finished, crimes.closed[rows], drawn)
    end_event = np.where(finished, _outcome(crimes, rows), "converted_to_rui").astype(object)
    events = []
    steps = 8
    for regime_name, rules in cp.bail_rules.items():
        in_regime = np.flatnonzero(regime == regime_name)
        if not len(in_regime):
            continue
        ladder = _ladder(rules, started[in_regime], steps)
        alive = np.ones(len(in_regime), dtype=bool)
        previous = started[in_regime]
        for k, (due, authority) in enumerate(ladder):
            need = alive & (end_at[in_regime] > due)
            lapse = need & ((rng.random(len(in_regime)) < cp.lapsed_bail) | (k == steps - 1))
            lapsed = in_regime[lapse]
            noticed = lognormal(rng, cp.lapse_noticed_days, len(lapsed)) * DAY
            end_at[lapsed] = due[lapse] + MINUTE * 30 + np.round(noticed).astype(np.int64)
            end_event[lapsed] = "converted_to_rui"
            extend = need & ~lapse
            idx = in_regime[extend]
            if len(idx) and k + 1 < len(ladder):
                lead = rng.integers(HOUR, 5 * DAY, len(idx))
                when = np.maximum(due[extend] - lead, previous[extend] + HOUR)
                if authority == "court":
                    actor = np.full(len(idx), "", dtype=object)
                else:
                    pool = officers_of_rank(workforce, authority)
                    actor = pool[rng.integers(0, len(pool), len(idx))]
                until = _until(ladder[k + 1][0][extend])
                events.append(event_frame(idx, "bail_extended", when, actor, authority, until))
            previous = due
            alive = extend
    done = end_at <= end
    end_event = end_event.astype(str)
    events.append(event_frame(np.flatnonzero(done), end_event[done], end_at[done]))
    records = record_frame(
        "bail", "DB-", started, crime_id=crimes.id[rows],
        person_id=pl.Series(crimes.suspect[rows]), owner_id=crimes.owner[rows],
        team_id=crimes.team_id[rows], closed=end_at, is_closed=done, close_reason=end_event,
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
    """RUI ends with the crime's outcome when it is finalised; a few suspects are bailed
    instead; the rest stay released under investigation, reviewed by a sergeant."""
    cp = params.clocks
    started, ok = _started(rng, crimes, rows, end)
    rows, started = rows[ok], started[ok]
    n = len(rows)
    finished = crimes.closed[rows] != NONE
    drawn = started + np.round(lognormal(rng, cp.rui_days, n) * DAY).astype(np.int64)
    bailed = ~finished & (rng.random(n) < 0.1)
    end_at = np.where(finished, crimes.closed[rows], np.where(bailed, drawn, NONE))
    outcome = np.where(finished, _outcome(crimes, rows), "converted_to_bail")
    rui_days = cp.rui_review_days * DAY
    stop = neglect(rng, started, np.minimum(end_at, end), cp.neglected_reviews["rui"])
    reviews = recurring(rng, started, stop, rui_days, rui_days, cp.late_review, 14 * DAY)
    team = crimes.team_id[rows]
    actor, rank = pick_by_team(rng, workforce, team[reviews[0]], ("sergeant", "inspector"))
    done = end_at <= end
    events = pl.concat(
        [
            event_frame(reviews[0], "rui_review", reviews[1], actor, rank),
            event_frame(np.flatnonzero(done), outcome[done], end_at[done]),
        ]
    )
    records = record_frame(
        "rui", "DR-", started, crime_id=crimes.id[rows],
        person_id=pl.Series(crimes.suspect[rows]), owner_id=crimes.owner[rows], team_id=team,
        closed=end_at, is_closed=done, close_reason=outcome,
    )  # fmt: skip
    return ClockPart(records, events)


def build_wanted(
    rng: np.random.Generator,
    params: DemoParams,
    crimes: CrimeView,
    workforce: Workforce,
    end: int,
) -> ClockPart:
    """Named suspects circulated as wanted: circulated on the PNC (some late, a few never),
    reviewed by a supervisor every few weeks, then located or the circulation cancelled."""
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
    every = cp.wanted_review_days * DAY
    stop = neglect(rng, started, np.minimum(outcome_at, end), cp.neglected_reviews["wanted"])
    reviews = recurring(rng, started, stop, every, every, cp.late_review, 14 * DAY)
    team = crimes.team_id[rows]
    reviewer, rank = pick_by_team(rng, workforce, team[reviews[0]], ("sergeant", "inspector"))
    outcome = np.where(rng.random(n) < 0.8, "located", "wanted_cancelled")
    done = outcome_at <= end
    c_idx = np.flatnonzero(circulated_ok)
    events = pl.concat(
        [
            event_frame(c_idx, "pnc_circulated", circulated[c_idx], crimes.owner[rows][c_idx]),
            event_frame(reviews[0], "wanted_review", reviews[1], reviewer, rank),
            event_frame(np.flatnonzero(done), outcome[done], outcome_at[done]),
        ]
    )
    records = record_frame(
        "wanted", "DW-", started, crime_id=crimes.id[rows],
        person_id=pl.Series(crimes.suspect[rows]), owner_id=crimes.owner[rows],
        team_id=team, closed=outcome_at, is_closed=done, close_reason=outcome,
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
    # devices per second; the lab is scaled with the force so a small demo keeps its backlog
    rate = cp.lab_devices_per_week * params.volume_scale / 7 / DAY
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
            event_frame(
                w_idx, "submission_withdrawn", withdrawn_at[w_idx], crimes.owner[rows][w_idx]
            ),
        ]
    )
    closed_at = np.where(withdrawn, withdrawn_at, completed)
    done = closed_at <= end
    dfu = workforce.teams.filter(pl.col("team_key") == "digital_forensics")["id"][0]
    records = record_frame(
        "forensic_submission", "DF-", submitted, crime_id=crimes.id[rows],
        owner_id=crimes.owner[rows], team_id=np.full(n, dfu), closed=closed_at, is_closed=done,
        close_reason=np.where(withdrawn, "submission_withdrawn", "examination_completed"),
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
    stop = neglect(
        rng, started, np.minimum(crimes.closed[rows], end), cp.neglected_reviews["investigation"]
    )
    reviews = recurring(
        rng, started, stop, cp.review_first_days * DAY, cp.review_repeat_days * DAY,
        cp.late_review, 14 * DAY,
    )  # fmt: skip
    team = crimes.team_id[rows]
    supervisor, rank = pick_by_team(rng, workforce, team, ("sergeant", "inspector"))
    done = crimes.closed[rows] <= end
    finished = np.flatnonzero(done)
    events = pl.concat(
        [
            event_frame(
                reviews[0], "supervisory_review", reviews[1], supervisor[reviews[0]],
                rank[reviews[0]],
            ),
            event_frame(finished, "finalised", crimes.closed[rows][finished]),
        ]
    )  # fmt: skip
    records = record_frame(
        "investigation", "DIR-", started, crime_id=crimes.id[rows], owner_id=supervisor,
        team_id=team, closed=np.where(done, crimes.closed[rows], started), is_closed=done,
        close_reason=np.full(len(rows), "finalised"),
    )  # fmt: skip
    return ClockPart(records, events)
