"""A year of recorded crime, its victims and suspects, and its allocation history.

The offence mix is Northamptonshire's 2017/18 mix by Home Office offence code (a multinomial
draw, so totals vary a little by seed). Some crimes come from a call for service (same time and
place as the incident), the rest from online or front-desk reports. Victims are pseudonymous
persons; a share of crimes fall on a victim already seen that year (more so for domestic
abuse). Each crime is triaged to a route; the team queue builds the backlog of unallocated crime.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from forcesight.synthetic.incidents import Incidents, hourly_intensity
from forcesight.synthetic.params import CrimeParams, DemoParams
from forcesight.synthetic.sampling import (
    DAY,
    HOUR,
    Bools,
    Floats,
    Ints,
    as_datetime,
    assign_people,
    choose,
    lognormal,
    prefixed,
    seconds,
    times_by_intensity,
    where,
)
from forcesight.synthetic.sources import ForceGeography, offence_mix
from forcesight.synthetic.workforce import Workforce, investigators, supervisors

ROUTES = ("screen_out", "desk", "appointment", "team")
Strings = npt.NDArray[Any]  # str


@dataclass(frozen=True)
class Crimes:
    crimes: pl.DataFrame  # store columns; id is 1..n in order of report
    allocations: pl.DataFrame
    persons: pl.DataFrame  # victims and suspects


def _lookup(mapping: Mapping[str, float], keys: Strings, default: float = 0.0) -> Floats:
    return np.array([mapping.get(str(k), default) for k in keys], dtype=np.float64)


def _per_code(values: Mapping[str, float], codes: Strings, index: Ints, default: float) -> Floats:
    """Per-crime value from a per-offence-code mapping (evaluated once per code)."""
    return _lookup(values, codes, default)[index]


def build_crimes(
    rng: np.random.Generator,
    params: DemoParams,
    geography: ForceGeography,
    incidents: Incidents,
    workforce: Workforce,
    as_of: datetime,
) -> Crimes:
    cp = params.crimes
    mix = offence_mix(cp.offence_mix_force)
    codes: Strings = mix["offence_code"].to_numpy().astype(str)
    groups: Strings = mix["offence_group"].to_numpy().astype(str)
    categories: Strings = mix["police_uk_category"].to_numpy().astype(str)
    descriptions: Strings = mix["description"].to_numpy().astype(str)
    counts = rng.multinomial(
        round(cp.offences_per_year * params.volume_scale), mix["offences"].to_numpy() / mix[
            "offences"].sum()
    )  # fmt: skip
    offence = rng.permutation(np.repeat(np.arange(len(codes)), counts))
    n = len(offence)
    group = groups[offence]
    code = codes[offence]

    # who the victim is, before linking to incidents (domestic crimes come from domestic calls)
    victim_p = _lookup(cp.victim_share, groups)
    for c, p in cp.business_victim_codes.items():
        victim_p[codes == c] = p
    has_victim = rng.random(n) < victim_p[offence]
    child_code = np.isin(codes, cp.child_codes)[offence]
    child = has_victim & (child_code | (rng.random(n) < _lookup(cp.child_share, groups)[offence]))
    da_p = _lookup(cp.domestic_share, groups)
    for c, p in cp.domestic_codes.items():
        da_p[codes == c] = p
    domestic = has_victim & ~child & (rng.random(n) < da_p[offence])

    end = seconds(as_of)
    start = seconds(as_of - timedelta(days=365))
    reported, lsoa, incident_id = _times_and_places(
        rng, params, geography, incidents, domestic, start, end
    )
    order = np.argsort(reported, kind="stable")
    (offence, group, code, has_victim, child, domestic, reported, lsoa, incident_id) = (
        a[order] for a in (offence, group, code, has_victim, child, domestic, reported, lsoa,
                           incident_id)
    )  # fmt: skip
    category = categories[offence]
    recorded = np.minimum(
        reported + np.round(lognormal(rng, cp.recording_delay, n) * HOUR).astype(np.int64),
        end - 60,
    )
    recorded = np.maximum(recorded, reported)

    aggravated = np.char.startswith(descriptions, "Racially or religiously aggravated")[offence]
    hate = aggravated | (rng.random(n) < _lookup(cp.hate_share, groups)[offence])
    sexual = group == "Sexual offences"
    cse = (code == "71") | (child & sexual & (rng.random(n) < cp.cse_child_sexual))
    slavery = np.isin(code, cp.modern_slavery_codes)

    # victims: repeat victims are drawn from earlier victims of the same kind (DA or not, child)
    repeat_p = np.where(domestic, cp.repeat_victim_domestic, cp.repeat_victim)
    is_repeat = rng.random(n) < repeat_p
    v_rows = np.flatnonzero(has_victim)
    pool = (domestic.astype(np.int64) * 2 + child.astype(np.int64))[v_rows]
    victim_index = np.full(n, -1, dtype=np.int64)
    victim_index[v_rows] = assign_people(rng, is_repeat[v_rows], pool)
    first_seen = np.zeros(n, dtype=bool)
    _, first_rows = np.unique(victim_index[v_rows], return_index=True)
    first_seen[v_rows[first_rows]] = True
    repeat_victim = has_victim & ~first_seen
    victims = _victims(rng, cp, victim_index, reported, child, first_seen)

    # the eight solvability factors
    solv = np.array([cp.solvability[c] for c in categories])[offence]
    draws = rng.random((n, 7))
    sf = draws < solv
    sf[:, 0] &= has_victim
    sf[:, 6] = np.where(sexual, draws[:, 6] < cp.sexual_within_28_days, sf[:, 6])
    named = sf[:, 1]
    linked_ref = _linked(rng, cp, victim_index, n)
    sf_linked = linked_ref >= 0

    suspect_index = np.full(n, -1, dtype=np.int64)
    s_rows = np.flatnonzero(named)
    suspect_index[s_rows] = assign_people(
        rng, rng.random(len(s_rows)) < cp.repeat_suspect, np.zeros(len(s_rows), dtype=np.int64)
    )
    suspects = _suspects(rng, suspect_index, reported)

    serious = (
        np.isin(group, cp.serious_groups) | np.isin(code, cp.serious_codes)
        | (domestic & (group == "Violence against the person")) | cse | slavery | child
    )  # fmt: skip
    others = named.astype(int) + sf[:, 2] + sf[:, 3] + sf[:, 4] + sf[:, 5] + sf_linked
    low = others == 0
    route_p = np.where(
        serious[:, None], np.array(cp.routes_serious),
        np.where(low[:, None], np.array(cp.routes_low_solvability), np.array(cp.routes_other)),
    )  # fmt: skip
    route = choose(rng, route_p)

    la = geography.lsoas["la_code"].to_numpy()[lsoa]
    team_key = _team_for(cp, route, code, group, child, domestic, cse, slavery)
    state = _allocate(
        rng, params, workforce, route, team_key, la, recorded, serious & (route == 3), sexual,
        named, end,
    )  # fmt: skip

    crime_ref = pl.select(
        pl.lit("DC") + as_datetime(reported).dt.strftime("%y%m%d") + "-"
        + pl.Series(_day_sequence(reported)).cast(pl.String).str.zfill(4)
    ).to_series()  # fmt: skip
    ref_array = crime_ref.to_numpy()
    victim_ids = prefixed("DV", np.maximum(victim_index, 0) + 1, 7).to_numpy()
    suspect_ids = prefixed("DX", np.maximum(suspect_index, 0) + 1, 7).to_numpy()
    vulnerable_person = victims["vulnerable"].to_numpy()
    crimes = pl.DataFrame(
        {
            "id": np.arange(1, n + 1, dtype=np.int64),
            "crime_ref": crime_ref,
            "incident_id": where(incident_id > 0, incident_id),
            "reported_at": as_datetime(reported),
            "recorded_at": as_datetime(recorded),
            "offence_code": code,
            "police_uk_category": category,
            "lsoa_code": geography.lsoas["lsoa_code"].to_numpy()[lsoa],
            "area": la,
            "victim_id": where(has_victim, victim_ids),
            "suspect_id": where(named, suspect_ids),
            "linked_crime_ref": where(sf_linked, ref_array[np.maximum(linked_ref, 0)]),
            "domestic_abuse": domestic,
            "hate": hate,
            "cse": cse,
            "modern_slavery": slavery,
            "child_victim": child,
            "vulnerable_victim": has_victim & vulnerable_person[np.maximum(victim_index, 0)],
            "repeat_victim": repeat_victim,
            "sf_victim_supports": sf[:, 0],
            "sf_named_suspect": named,
            "sf_witness": sf[:, 2],
            "sf_cctv": sf[:, 3],
            "sf_police_witness": sf[:, 4],
            "sf_forensics": sf[:, 5],
            "sf_linked": sf_linked,
            "sf_reported_within_28d": sf[:, 6],
            **state.columns,
        }
    )
    persons = pl.concat(
        [
            victims.with_columns(id=prefixed("DV", np.arange(1, victims.height + 1), 7)),
            suspects.with_columns(id=prefixed("DX", np.arange(1, suspects.height + 1), 7)),
        ]
    ).select("id", "year_of_birth", "vulnerable", "vulnerability")
    return Crimes(crimes, state.allocations, persons)


def _day_sequence(times: Ints) -> Ints:
    day = times // DAY
    first = np.r_[True, day[1:] != day[:-1]]
    return np.arange(len(times)) - np.maximum.accumulate(np.where(first, np.arange(len(times)),
                                                                  0)) + 1  # fmt: skip


def _times_and_places(
    rng: np.random.Generator,
    params: DemoParams,
    geography: ForceGeography,
    incidents: Incidents,
    domestic: Bools,
    start: int,
    end: int,
) -> tuple[Ints, Ints, Ints]:
    """Report time, LSOA and incident id (0: none) of each crime."""
    n = len(domestic)
    cats = [c.name for c in params.incidents.categories]
    linked = rng.random(n) < params.crimes.from_incident
    incident_id = np.zeros(n, dtype=np.int64)
    for wanted, pool_names in ((domestic, ["domestic"]), (~domestic, ["crime"])):
        rows = np.flatnonzero(linked & wanted)
        pool = np.flatnonzero(np.isin(incidents.category, [cats.index(c) for c in pool_names]))
        take = min(len(rows), len(pool))
        incident_id[rows[:take]] = rng.choice(pool, size=take, replace=False) + 1
    has = incident_id > 0
    reported = np.zeros(n, dtype=np.int64)
    lsoa = np.zeros(n, dtype=np.int64)
    reported[has] = incidents.received[incident_id[has] - 1]
    lsoa[has] = incidents.lsoa[incident_id[has] - 1]
    hours = (end - start) // HOUR
    intensity, _ = hourly_intensity(params.incidents, start, hours)
    others = int((~has).sum())
    reported[~has] = rng.permutation(times_by_intensity(rng, start, intensity, others))
    population = geography.lsoas["population"].to_numpy().astype(np.float64)
    lsoa[~has] = rng.choice(len(population), size=others, p=population / population.sum())
    return reported, lsoa, incident_id


def _victims(
    rng: np.random.Generator,
    cp: CrimeParams,
    victim_index: Ints,
    reported: Ints,
    child: Bools,
    first_seen: Bools,
) -> pl.DataFrame:
    """One row per victim, from the crime where they first appear (in person order)."""
    rows = np.flatnonzero(first_seen)
    rows = rows[np.argsort(victim_index[rows])]
    m = len(rows)
    is_child = child[rows]
    age = np.where(
        is_child, rng.integers(4, 18, m), np.clip(rng.gamma(4.0, 9.0, m) + 16, 18, 95)
    ).astype(np.int64)
    year = reported[rows].astype("datetime64[s]").astype("datetime64[Y]").astype(np.int64) + 1970
    vulnerable_adult = ~is_child & (rng.random(m) < cp.vulnerable_adult)
    kinds = np.array(cp.vulnerabilities)[rng.integers(0, len(cp.vulnerabilities), m)]
    vulnerability = np.where(is_child, "child", np.where(vulnerable_adult, kinds, ""))
    return pl.DataFrame(
        {
            "year_of_birth": year - age,
            "vulnerable": is_child | vulnerable_adult,
            "vulnerability": where(vulnerability != "", vulnerability),
        }
    )


def _suspects(rng: np.random.Generator, suspect_index: Ints, reported: Ints) -> pl.DataFrame:
    rows = np.flatnonzero(suspect_index >= 0)
    _, first = np.unique(suspect_index[rows], return_index=True)
    rows = rows[first]
    m = len(rows)
    age = np.clip(np.round(lognormal(rng, (27.0, 0.35), m)), 12, 80).astype(np.int64)
    year = reported[rows].astype("datetime64[s]").astype("datetime64[Y]").astype(np.int64) + 1970
    return pl.DataFrame(
        {
            "year_of_birth": year - age,
            "vulnerable": rng.random(m) < 0.05,
            "vulnerability": pl.Series([None] * m, dtype=pl.String),
        }
    )


def _linked(rng: np.random.Generator, cp: CrimeParams, victim_index: Ints, n: int) -> Ints:
    """Row of the linked crime (-1: none): a repeat victim's previous crime, or now and then
    an earlier crime."""
    linked = np.full(n, -1, dtype=np.int64)
    rows = np.flatnonzero(victim_index >= 0)
    order = rows[np.lexsort((rows, victim_index[rows]))]
    same = np.r_[False, victim_index[order][1:] == victim_index[order][:-1]]
    previous = np.r_[-1, order[:-1]]
    take = same & (rng.random(len(order)) < cp.linked_repeat)
    linked[order[take]] = previous[take]
    other = (linked < 0) & (rng.random(n) < cp.linked_other) & (np.arange(n) > 0)
    linked[other] = np.floor(rng.random(int(other.sum())) * np.flatnonzero(other)).astype(np.int64)
    return linked


def _team_for(
    cp: CrimeParams,
    route: Ints,
    code: Strings,
    group: Strings,
    child: Bools,
    domestic: Bools,
    cse: Bools,
    slavery: Bools,
) -> Strings:
    """Team key that investigates each crime, given its route."""
    sexual = group == "Sexual offences"
    team = np.full(len(route), "neighbourhood", dtype="<U20")
    team[np.isin(code, cp.cid_codes)] = "cid"
    team[np.isin(code, cp.economic_codes)] = "economic_crime"
    team[domestic & np.isin(group, ["Violence against the person", "Sexual offences"])] = "daiu"
    team[sexual & ~child] = "rasso"
    team[(sexual | np.isin(code, ["11A", "13", "86"])) & child] = "caiu"
    team[code == "86"] = "caiu"
    team[np.isin(code, cp.major_crime_codes)] = "major_crime"
    team[np.isin(code, cp.collision_codes)] = "sciu"
    team[cse | slavery] = "exploitation"
    team[route == ROUTES.index("desk")] = "cmu"
    team[route == ROUTES.index("screen_out")] = "cmu"
    team[route == ROUTES.index("appointment")] = "neighbourhood"
    return team


@dataclass(frozen=True)
class _State:
    columns: dict[str, object]
    allocations: pl.DataFrame


def _allocate(
    rng: np.random.Generator,
    params: DemoParams,
    workforce: Workforce,
    route: Ints,
    team_key: Strings,
    la: Strings,
    recorded: Ints,
    needs_pip2: Bools,
    sexual: Bools,
    named: Bools,
    end: int,
) -> _State:
    """Triage, allocation and finalisation of each crime as at ``end``, with history rows."""
    cp = params.crimes
    n = len(route)
    teams = workforce.teams
    local = {(k, a): i for k, a, i in teams.select("team_key", "area", "id").iter_rows()}
    force = {k: i for k, a, i in teams.select("team_key", "area", "id").iter_rows()
             if a == "force"}  # fmt: skip
    team_id = np.array(
        [force.get(k) or local.get((k, a), "") for k, a in zip(team_key, la, strict=True)]
    )
    triaged = recorded + np.round(lognormal(rng, cp.triage_delay, n) * HOUR).astype(np.int64)
    is_triaged = triaged <= end
    allocated = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    duration = np.zeros(n)
    for r, name in enumerate(ROUTES[1:], start=1):
        mask = route == r
        allocated[mask] = triaged[mask] + np.round(
            lognormal(rng, cp.allocation_delay[name], int(mask.sum())) * DAY
        ).astype(np.int64)
        duration[mask] = lognormal(rng, cp.investigation_days[name], int(mask.sum())) * DAY
    duration = np.where(sexual, duration * 3, duration)
    screened = is_triaged & (route == 0)
    is_allocated = is_triaged & (route > 0) & (allocated <= end)
    closes = allocated + np.round(duration).astype(np.int64)
    closed = is_allocated & (closes <= end)

    staff_at = _pick_investigators(rng, workforce, team_id, needs_pip2, is_allocated)
    sup = _pick_supervisors(rng, workforce, team_id, force["cmu"])

    # history: the first allocation, then for some a hand-over to another team or a
    # re-allocation within the team
    hand = is_allocated & (route == 3) & (rng.random(n) < cp.handover) & (duration > 14 * DAY)
    realloc = is_allocated & ~hand & (rng.random(n) < cp.reallocation)
    moved = hand | realloc
    span = np.minimum(closes, end) - allocated
    moved_at = allocated + np.round(span * rng.uniform(0.2, 0.8, n)).astype(np.int64)
    new_team = team_id.copy()
    neighbourhood = np.array([local.get(("neighbourhood", a), "") for a in la])
    cid = np.array([local.get(("cid", a), "") for a in la])
    new_team[hand] = np.where(team_key[hand] == "neighbourhood", cid[hand], neighbourhood[hand])
    new_staff = _pick_investigators(rng, workforce, new_team, np.zeros(n, dtype=bool), moved)
    new_staff = np.where(moved & (new_staff == staff_at), _pick_investigators(
        rng, workforce, new_team, np.zeros(n, dtype=bool), moved), new_staff)  # fmt: skip
    new_sup = _pick_supervisors(rng, workforce, new_team, force["cmu"])
    team_names = dict(teams.select("id", "name").iter_rows())
    reasons = np.array(["investigator on long-term sickness", "investigator left the force"])

    first = np.flatnonzero(is_allocated)
    second = np.flatnonzero(moved)
    ids = np.arange(1, n + 1, dtype=np.int64)
    history = pl.DataFrame(
        {
            "crime_id": np.r_[ids[first], ids[second]],
            "staff_id": np.r_[staff_at[first], new_staff[second]],
            "team_id": np.r_[team_id[first], new_team[second]],
            "allocated_at": as_datetime(np.r_[allocated[first], moved_at[second]]),
            "allocated_by": np.r_[sup[first], new_sup[second]],
            "kind": np.r_[np.full(len(first), "import"),
                          np.where(hand[second], "handover", "reallocation")],
            "reason": np.r_[
                np.array([f"allocated to {team_names[t]}" for t in team_id[first]], dtype=str),
                np.where(hand[second],
                         np.array([f"transferred to {team_names.get(t, t)}"
                                   for t in new_team[second]], dtype=str),
                         reasons[rng.integers(0, 2, len(second))]),
            ],
            "ended_at": as_datetime(
                np.r_[np.where(moved[first], moved_at[first], closes[first]), closes[second]],
                np.r_[moved[first] | closed[first], closed[second]],
            ),
        }
    ).sort("crime_id", "allocated_at")  # fmt: skip

    current_staff = np.where(moved, new_staff, staff_at)
    current_team = np.where(moved, new_team, team_id)
    current_at = np.where(moved, moved_at, allocated)
    status = np.where(
        closed, "closed",
        np.where(screened, "screened_out", np.where(is_allocated, "allocated", "unallocated")),
    )  # fmt: skip
    outcome_table = np.where(
        named[:, None],
        _probs(cp.outcomes_named_suspect),
        _probs(cp.outcomes_no_suspect, cp.outcomes_named_suspect),
    )
    outcome = np.array(list(cp.outcomes_named_suspect))[choose(rng, outcome_table)]
    outcome = np.where(screened, "Investigation complete; no suspect identified", outcome)
    finished = closed | screened
    columns: dict[str, object] = {
        "status": status,
        "route": where(is_triaged, np.array(ROUTES)[route]),
        "team_id": where(is_triaged & (current_team != ""), current_team),
        "allocated_to": where(is_allocated, current_staff),
        "allocated_at": as_datetime(current_at, is_allocated),
        "closed_at": as_datetime(np.where(screened, triaged, closes), finished),
        "outcome": where(finished, outcome),
    }
    return _State(columns, history)


def _probs(table: Mapping[str, float], like: Mapping[str, float] | None = None) -> Floats:
    keys = list(like or table)
    return np.array([table.get(k, 0.0) for k in keys])


def _pick_investigators(
    rng: np.random.Generator,
    workforce: Workforce,
    team_id: Strings,
    needs_pip2: Bools,
    mask: Bools,
) -> Strings:
    """A serving investigator of each crime's team (PIP2 where needed and available)."""
    pool = investigators(workforce.staff, workforce.teams)
    out = np.full(len(team_id), "", dtype="<U12")
    for team, members in pool.group_by("team_id", maintain_order=True):
        rows = np.flatnonzero(mask & (team_id == team[0]))
        if not len(rows):
            continue
        ids = members["id"].to_numpy().astype(str)
        pip = members["pip_level"].to_numpy()
        detectives = ids[pip >= 2] if (pip >= 2).any() else ids
        pick_any = ids[rng.integers(0, len(ids), len(rows))]
        pick_det = detectives[rng.integers(0, len(detectives), len(rows))]
        out[rows] = np.where(needs_pip2[rows], pick_det, pick_any)
    return out


def _pick_supervisors(
    rng: np.random.Generator, workforce: Workforce, team_id: Strings, fallback_team: str
) -> Strings:
    pool = supervisors(workforce.staff)
    by_team = {
        t[0]: g["id"].to_numpy().astype(str)
        for t, g in pool.group_by("team_id", maintain_order=True)
    }
    fallback = by_team[fallback_team]
    out = fallback[rng.integers(0, len(fallback), len(team_id))]
    for team, ids in by_team.items():
        rows = np.flatnonzero(team_id == team)
        out[rows] = ids[rng.integers(0, len(ids), len(rows))]
    return out
