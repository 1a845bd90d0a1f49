"""Clocks on people: victims' code entitlements and missing-person episodes."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import holidays
import numpy as np
import polars as pl

from forcesight.synthetic.clocks import ClockPart, event_frame, pick_by_team, record_frame
from forcesight.synthetic.clocks_investigation import NONE, CrimeView
from forcesight.synthetic.incidents import hourly_intensity
from forcesight.synthetic.params import DemoParams
from forcesight.synthetic.sampling import (
    DAY,
    HOUR,
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


def build_victim_care(
    rng: np.random.Generator,
    params: DemoParams,
    crimes: CrimeView,
    enhanced: Bools,
    as_of: datetime,
) -> ClockPart:
    cp = params.clocks
    end = seconds(as_of)
    hols = bank_holidays(as_of)
    rows = np.flatnonzero(crimes.victim != "")
    n = len(rows)
    start = crimes.recorded[rows]
    closed = crimes.closed[rows]
    is_enhanced = enhanced[rows]
    needs_due = _working_day_due(start, cp.victim_needs_days, hols)
    needs_at, _ = _duty(rng, start, needs_due, cp.victim_late)
    info_at, _ = _duty(rng, start, needs_due, cp.victim_late)
    vps = rng.random(n) < cp.vps_offered
    owner = crimes.owner[rows]
    events = [
        event_frame(np.arange(n), "needs_assessment", needs_at, owner),
        event_frame(np.arange(n), "written_information", info_at, owner),
        event_frame(np.flatnonzero(vps), "vps_offered", needs_at[vps], owner[vps]),
    ]
    # monthly updates while there is no suspect and the crime is open
    no_suspect = ~crimes.named[rows] & (crimes.route[rows] != "screen_out")
    stop = np.minimum(closed, end)
    span = np.where(no_suspect, np.maximum(stop - start, 0), 0)
    count = np.minimum(span // (cp.victim_update_days * DAY), 12)
    record = np.repeat(np.arange(n), count)
    k = np.arange(len(record)) - np.repeat(np.cumsum(count) - count, count) + 1
    due = start[record] + k * cp.victim_update_days * DAY
    when, _ = _duty(rng, due - 5 * DAY, due, cp.victim_late)
    keep = when < stop[record]
    events.append(event_frame(record[keep], "update_sent", when[keep], owner[record[keep]]))
    # screened out: tell the victim within 5 working days; finalised: tell them the outcome
    finished = closed != NONE
    screened = finished & (crimes.route[rows] == "screen_out")
    outcome = finished & ~screened
    told_from = np.where(finished, closed, start)
    notice_due = np.where(
        is_enhanced,
        _working_day_due(told_from, cp.victim_enhanced_days, hols),
        _working_day_due(told_from, cp.victim_standard_days, hols),
    )
    notified, _ = _duty(rng, told_from, notice_due, cp.victim_late)
    s_idx, o_idx = np.flatnonzero(screened), np.flatnonzero(outcome)
    events.append(event_frame(s_idx, "notified_not_investigated", notified[s_idx], owner[s_idx]))
    events.append(event_frame(o_idx, "outcome_notified", notified[o_idx], owner[o_idx]))
    done = finished & (notified <= end)
    records = record_frame(
        "victim_care", "DVC-", start, crime_id=crimes.id[rows],
        person_id=pl.Series(crimes.victim[rows]), owner_id=owner, team_id=crimes.team_id[rows],
        closed=notified, is_closed=done,
        close_reason=np.where(screened, "notified_not_investigated", "outcome_notified"),
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

    interval = np.array([cp.missing_review_hours[r] for r in risk]) * HOUR
    count = np.minimum((np.maximum(stop - started, 0) // interval).astype(np.int64), 40)
    record = np.repeat(np.arange(n), count)
    k = np.arange(len(record)) - np.repeat(np.cumsum(count) - count, count) + 1
    due = started[record] + k * interval[record]
    late = rng.random(len(record)) < params.clocks.late_review
    when = np.where(
        late,
        due + np.round(interval[record] * rng.uniform(0.1, 1.0, len(record))),
        due - np.round(interval[record] * rng.uniform(0.0, 0.2, len(record))),
    ).astype(np.int64)
    keep = when < stop[record]
    record, when = record[keep], when[keep]
    response_teams = workforce.teams.filter(pl.col("team_key") == "response")["id"].to_numpy()
    team_of = response_teams[rng.integers(0, len(response_teams), n)].astype(str)
    actor, actor_rank = pick_by_team(rng, workforce, team_of[record], ("sergeant",))
    high = risk[record] == "high"
    insp, insp_rank = pick_by_team(rng, workforce, team_of[record], ("inspector",))
    actor = np.where(high, insp, actor)
    actor_rank = np.where(high, insp_rank, actor_rank)

    found = found_at <= end
    f_idx = np.flatnonzero(found)
    interview = found & child & (rng.random(n) < 0.85)
    i_due = found_at + round(cp.return_interview_hours * HOUR)
    i_at, _ = _duty(rng, np.where(interview, found_at, 0), np.where(interview, i_due, 0),
                    0.2)  # fmt: skip
    i_idx = np.flatnonzero(interview)
    owners = workforce.staff.filter(
        pl.col("active") & (pl.col("team_key") == "exploitation") & (pl.col("staff_type") ==
                                                                      "officer")
    )["id"].to_numpy().astype(str)  # fmt: skip
    owner = owners[rng.integers(0, len(owners), n)]
    events = pl.concat(
        [
            event_frame(record, "review", when, actor, actor_rank),
            event_frame(f_idx, "found", found_at[f_idx], owner[f_idx]),
            event_frame(i_idx, "return_interview", i_at[i_idx]),
        ]
    )
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
