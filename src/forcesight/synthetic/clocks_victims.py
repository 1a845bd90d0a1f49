"""Clocks on people: victims' code entitlements and missing-person episodes."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import holidays
import numpy as np
import polars as pl

from forcesight.synthetic.clocks import (
    ClockPart,
    event_frame,
    json_detail,
    pick_by_team,
    record_frame,
    recurring,
)
from forcesight.synthetic.clocks_investigation import CAUTIONED, CHARGED, NONE, CrimeView
from forcesight.synthetic.incidents import hourly_intensity
from forcesight.synthetic.params import DemoParams
from forcesight.synthetic.sampling import (
    DAY,
    HOUR,
    MINUTE,
    Bools,
    Ints,
    assign_people,
    business_days_after,
    choose_from,
    lognormal,
    prefixed,
    seconds,
    times_by_intensity,
    where,
)
from forcesight.synthetic.workforce import Workforce
from forcesight.tracking.events import DATA_QUALITY_EVENT
from forcesight.tracking.rules import load_clocks_policy


def bank_holidays(as_of: datetime) -> list[date]:
    """England and Wales bank holidays around the demo year (from the ``holidays`` package)."""
    years = range(as_of.year - 2, as_of.year + 2)
    return sorted(holidays.country_holidays("GB", subdiv="ENG", years=years))


def _working_day_due(start: Ints, count: int, hols: list[date]) -> Ints:
    """End of the day ``count`` working days after each start (seconds)."""
    day = business_days_after(start // DAY, count, hols)
    return day * DAY + DAY - 1


def _duty(
    rng: np.random.Generator, start: Ints, due: Ints, late_share: float
) -> tuple[Ints, Bools]:
    n = len(due)
    late = rng.random(n) < late_share
    on_time = start + np.round((due - start) * rng.uniform(0.05, 1.0, n)).astype(np.int64)
    after = due + rng.integers(HOUR, 6 * DAY, n)
    return np.where(late, after, on_time), late


# steps of a crime the victims' code says the victim is told of (clocks.yaml: the triggers of
# the outcome_notification rules), and those that end the monthly updates while no suspect
TOLD_OF = frozenset(
    {"arrested", "charged", "cautioned", "nfa", "bail_started", "bail_extended",
     "bail_conditions_varied", "bail_cancelled", "rui_started", "converted_to_rui",
     "converted_to_bail"}
)  # fmt: skip
SUSPECT_STEPS = frozenset(
    {"suspect_identified", "arrested", "voluntary_interview", "charged", "bail_started",
     "rui_started", "screened_out"}
)  # fmt: skip
STARTS = {"bail": "bail_started", "rui": "rui_started"}


def crime_steps(parts: list[ClockPart]) -> pl.DataFrame:
    """(crime_id, event, at) of every event on the crime records of ``parts`` (bail, RUI),
    with each record's start as its kind's start event."""
    frames = []
    for part in parts:
        records = part.records.with_row_index("record").select(
            pl.col("record").cast(pl.Int64), "crime_id", "kind", "started_at"
        )
        frames.append(
            records.select(
                "crime_id",
                pl.col("kind").replace_strict(STARTS).alias("event"),
                pl.col("started_at").dt.epoch("s").alias("at"),
            )
        )
        frames.append(
            part.events.with_columns(pl.col("record").cast(pl.Int64))
            .join(records, on="record")
            .select("crime_id", "event", pl.col("occurred").alias("at"))
        )
    return pl.concat(frames)


def _between(rng: np.random.Generator, start: Ints, stop: Ints, lo: float, hi: float) -> Ints:
    """A time a share ``lo`` to ``hi`` of the way from ``start`` to ``stop`` (at least a minute
    after ``start``)."""
    span = np.maximum(stop - start, 2 * MINUTE)
    offset = np.maximum(np.round(span * rng.uniform(lo, hi, len(start))), MINUTE)
    out: Ints = start + offset.astype(np.int64)
    return out


def build_victim_care(
    rng: np.random.Generator,
    params: DemoParams,
    crimes: CrimeView,
    enhanced: Bools,
    as_of: datetime,
    suspect_parts: list[ClockPart],
) -> ClockPart:
    """Victims' code entitlements of every crime with a victim: the duties due from the
    start, the crime's own steps (unless its bail or RUI record carries them), a notification
    after every step the victim is told of, monthly updates while there is no suspect, and
    ``case_closed`` once the crime is finalised and the victim told."""
    cp = params.clocks
    end = seconds(as_of)
    hols = bank_holidays(as_of)
    rows = np.flatnonzero(crimes.victim != "")
    n = len(rows)
    start = crimes.recorded[rows]
    closed = crimes.closed[rows]
    finished = closed != NONE
    until = np.where(finished, closed, end)  # finalised, or as far as as_of
    owner = crimes.owner[rows]
    outcome = crimes.outcome[rows]
    screened = finished & (crimes.route[rows] == "screen_out")
    is_enhanced = enhanced[rows]

    steps: list[tuple[Ints, np.ndarray, Ints]] = []  # (local row, event, time)

    def step(mask: Bools, name: str | np.ndarray, at: Ints) -> None:
        idx = np.flatnonzero(mask)
        names = np.broadcast_to(np.asarray(name), (n,))[idx].astype(str)
        steps.append((idx, names, at[idx]))

    # the duties due from the start
    five_days = _working_day_due(start, cp.victim_needs_days, hols)
    events = []
    for duty, due, share in (
        ("written_information_given", five_days, 1.0),
        ("needs_assessment_done", five_days, 1.0),
        ("vps_offered", five_days, cp.vps_offered),
        ("referred_to_support", start + cp.referral_days * DAY, cp.referred),
    ):
        at, _ = _duty(rng, start, due, cp.victim_late)
        done = np.flatnonzero(rng.random(n) < share)
        events.append(event_frame(done, duty, at[done], owner[done]))
        steps.append((done, np.full(len(done), duty), at[done]))

    # steps recorded on the crime's bail or RUI records
    other = crime_steps(suspect_parts).filter(pl.col("crime_id").is_in(crimes.id[rows]))
    other_row = np.searchsorted(crimes.id[rows], other["crime_id"].to_numpy())
    other_event = other["event"].to_numpy().astype(str)
    other_at = other["at"].to_numpy()
    custody = np.full(n, NONE, dtype=np.int64)  # first bail or RUI
    first = np.isin(other_event, list(STARTS.values()))
    np.minimum.at(custody, other_row[first], other_at[first])
    carried = np.zeros(n, dtype=bool)
    carried[other_row[np.isin(other_event, ["charged", "nfa"])]] = True
    in_custody = custody != NONE

    # the crime's own steps: a suspect named, arrested or interviewed, then the outcome
    charged = finished & ~screened & (outcome == CHARGED)
    cautioned = finished & ~screened & (outcome == CAUTIONED)
    named = crimes.named[rows] | charged | cautioned
    soon = np.minimum(rng.integers(0, DAY, n), (until - start) // 4)
    found_at = np.where(crimes.named[rows], start + soon, _between(rng, start, until, 0.05, 0.3))
    found_at = np.where(in_custody, np.maximum(np.minimum(found_at, custody - 3 * HOUR), start),
                        found_at)  # fmt: skip
    step(named, "suspect_identified", found_at)
    before_custody = np.maximum(custody - rng.integers(2 * HOUR, 20 * HOUR, n), found_at)
    step(in_custody & named, "arrested", np.minimum(before_custody, custody))
    disposed = charged | cautioned
    questioned = (
        ~in_custody & ~screened & (disposed | (named & (rng.random(n) < cp.arrested_other)))
    )
    questioned_at = np.where(
        finished,
        _between(rng, found_at, until, 0.2, 0.7),
        found_at + np.round(lognormal(rng, (5.0, 1.0), n) * DAY).astype(np.int64),
    )
    arrest = rng.random(n) < np.where(disposed, cp.arrested_charged, 0.5)
    step(questioned, np.where(arrest, "arrested", "voluntary_interview"), questioned_at)
    result = np.where(charged, "charged", np.where(cautioned, "cautioned", "nfa"))
    step(finished & ~screened & named & ~carried, result, closed)
    step(screened, "screened_out", closed)

    idx = np.concatenate([s[0] for s in steps])
    name = np.concatenate([s[1] for s in steps])
    at = np.concatenate([s[2] for s in steps])
    own = ~np.isin(name, ["written_information_given", "needs_assessment_done", "vps_offered",
                           "referred_to_support"])  # fmt: skip
    events.append(event_frame(idx[own], name[own], at[own], owner[idx[own]]))

    # the victim is told of each step the code names
    all_row = np.concatenate([idx, other_row])
    all_name = np.concatenate([name, other_event])
    all_at = np.concatenate([at, other_at])
    tell = np.isin(all_name, list(TOLD_OF)) | (all_name == "screened_out")
    t_row, t_name, t_at = all_row[tell], all_name[tell], all_at[tell]
    days = np.where(is_enhanced[t_row] & (t_name != "screened_out"), cp.victim_enhanced_days,
                    cp.victim_standard_days)  # fmt: skip
    due = np.where(
        days == cp.victim_enhanced_days,
        _working_day_due(t_at, cp.victim_enhanced_days, hols),
        _working_day_due(t_at, cp.victim_standard_days, hols),
    )
    told, _ = _duty(rng, t_at, due, cp.victim_late)
    events.append(
        event_frame(
            t_row, "victim_notified", told, owner[t_row], detail=json_detail("about", t_name)
        )
    )

    # monthly updates while there is no suspect, until the crime is finalised
    suspect_at = np.full(n, NONE, dtype=np.int64)
    stops = np.isin(all_name, list(SUSPECT_STEPS))
    np.minimum.at(suspect_at, all_row[stops], all_at[stops])
    stop = np.minimum(np.minimum(suspect_at, closed), end)
    month = 28 * DAY  # the shortest calendar month; the engine allows up to 31 days
    updates = recurring(
        rng, start, stop, month, month, cp.victim_late, 6 * DAY, slack=3 * DAY, cap=14
    )
    events.append(event_frame(updates[0], "victim_updated", updates[1], owner[updates[0]]))

    # the case closes once the crime is finalised and the victim has been told
    latest = start.copy()
    for frame_rows, frame_at in ((all_row, all_at), (t_row, told), updates):
        np.maximum.at(latest, frame_rows, frame_at)
    case_closed = np.where(finished, np.maximum(latest, until) + rng.integers(HOUR, 2 * DAY, n),
                           NONE)  # fmt: skip
    close = finished & (case_closed <= end)
    c_idx = np.flatnonzero(finished)
    events.append(event_frame(c_idx, "case_closed", case_closed[c_idx], owner[c_idx]))
    records = record_frame(
        "victim_care", "DVC-", start, crime_id=crimes.id[rows],
        person_id=pl.Series(crimes.victim[rows]), owner_id=owner, team_id=crimes.team_id[rows],
        closed=case_closed, is_closed=close, close_reason=np.full(n, "case_closed"),
        extra={"enhanced": is_enhanced},
    )  # fmt: skip
    return ClockPart(records, pl.concat(events))


def build_missing(
    rng: np.random.Generator,
    params: DemoParams,
    workforce: Workforce,
    population: int,
    comparator_population: int,
    as_of: datetime,
) -> tuple[ClockPart, pl.DataFrame]:
    """Missing-person episodes (and the missing persons): children and adults, repeat
    episodes concentrated on a few people, risk levels with a few legacy 'absent'."""
    cp = params.clocks
    end = seconds(as_of)
    start_year = seconds(as_of - timedelta(days=365))
    n = round(
        cp.comparator_missing_per_week * 365 / 7 * population / comparator_population
        * params.volume_scale
    )  # fmt: skip
    intensity, _ = hourly_intensity(params.incidents, start_year, (end - start_year) // HOUR)
    started = times_by_intensity(rng, start_year, intensity, n)
    child = rng.random(n) < cp.missing_child_share
    repeat = rng.random(n) < np.where(child, cp.missing_repeat + 0.1, cp.missing_repeat)
    person = assign_people(rng, repeat, child.astype(np.int64))
    levels = list(cp.missing_risk)
    risk = np.array(levels)[choose_from(rng, list(cp.missing_risk.values()), n)]
    hours_missing = lognormal(rng, cp.missing_hours, n)
    hours_missing = np.where(risk == "high", hours_missing * 0.6, hours_missing)
    found_at = started + np.round(hours_missing * HOUR).astype(np.int64)
    found_at = np.where(rng.random(n) < cp.missing_never_found, NONE, found_at)
    stop = np.minimum(found_at, end)

    # a legacy level is stored as the tracking engine stores an imported one: mapped, with a
    # data-quality warning event
    legacy = risk == "absent"
    mapped, warning = load_clocks_policy().normalise_risk("absent")
    risk = np.where(legacy, mapped or "no_apparent_risk", risk)
    interval = np.round(np.array([cp.missing_review_hours[r] for r in risk]) * HOUR).astype(
        np.int64
    )
    record, when = recurring(
        rng, started, stop, interval, interval, cp.late_review, interval, cap=40
    )
    response_teams = workforce.teams.filter(pl.col("team_key") == "response")["id"].to_numpy()
    team_of = response_teams[rng.integers(0, len(response_teams), n)].astype(str)
    actor, actor_rank = pick_by_team(rng, workforce, team_of[record], ("sergeant",))
    high = risk[record] == "high"
    insp, insp_rank = pick_by_team(rng, workforce, team_of[record], ("inspector",))
    actor = np.where(high, insp, actor)
    actor_rank = np.where(high, insp_rank, actor_rank)

    # a supervisor re-grades the risk at the last review of some episodes that end found
    found = found_at <= end
    last = np.r_[record[1:] != record[:-1], True] if len(record) else np.zeros(0, dtype=bool)
    regrade = last & found[record] & (rng.random(len(record)) < cp.risk_regraded)
    name = np.where(regrade, "risk_changed", "review")
    lower = {"high": "medium", "medium": "low", "low": "no_apparent_risk",
             "no_apparent_risk": "low"}  # fmt: skip
    new_level = np.array([lower[r] for r in risk[record]], dtype=object)
    detail = pl.Series(
        [json.dumps({"risk_level": v}) if g else None for v, g in zip(new_level, regrade,
                                                                      strict=True)],
        dtype=pl.String,
    )  # fmt: skip

    f_idx = np.flatnonzero(found)
    owners = workforce.staff.filter(
        pl.col("active") & (pl.col("team_key") == "exploitation") & (pl.col("staff_type") ==
                                                                      "officer")
    )["id"].to_numpy().astype(str)  # fmt: skip
    owner = owners[rng.integers(0, len(owners), n)]
    l_idx = np.flatnonzero(legacy)
    events = pl.concat(
        [
            event_frame(record, name, when, actor, actor_rank, detail),
            event_frame(f_idx, "found", found_at[f_idx], owner[f_idx]),
            # as the tracking engine stores an imported 'absent' risk level
            event_frame(
                l_idx,
                DATA_QUALITY_EVENT,
                started[l_idx],
                detail=pl.Series(
                    [json.dumps({"field": "risk_level", "imported": "absent"})] * len(l_idx),
                    dtype=pl.String,
                ),
            ),
        ]
    ).with_columns(reason=pl.when(pl.col("event") == DATA_QUALITY_EVENT).then(pl.lit(warning)))
    person_ids = prefixed("DM", person + 1, 7)
    team = workforce.teams.filter(pl.col("team_key") == "exploitation")["id"][0]
    records = record_frame(
        "missing_episode", "DMP-", started, person_id=person_ids, owner_id=owner,
        team_id=np.full(n, team), closed=np.where(found, found_at, started), is_closed=found,
        close_reason=np.full(n, "found"), extra={"risk_level": risk, "is_child": child},
    )  # fmt: skip
    persons = _missing_persons(rng, person, child, started)
    return ClockPart(records, events), persons


def _missing_persons(
    rng: np.random.Generator, person: Ints, child: Bools, started: Ints
) -> pl.DataFrame:
    _, first = np.unique(person, return_index=True)
    m = len(first)
    is_child = child[first]
    age = np.where(
        is_child, rng.integers(11, 18, m), np.clip(rng.gamma(3.0, 12.0, m) + 18, 18, 95)
    ).astype(np.int64)
    year = started[first].astype("datetime64[s]").astype("datetime64[Y]").astype(np.int64)
    vulnerable_adult = ~is_child & (rng.random(m) < 0.4)
    return pl.DataFrame(
        {
            "id": prefixed("DM", np.arange(1, m + 1), 7),
            "year_of_birth": year + 1970 - age,
            "vulnerable": is_child | vulnerable_adult,
            "vulnerability": where(
                is_child | vulnerable_adult, np.where(is_child, "child", "mental health")
            ),
        }
    )
