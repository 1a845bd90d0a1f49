"""Generate the demo force and write it into the store in one transaction.

``generate_demo_force`` is pure (seed, as_of and parameters in; frames named as the store's
tables out, with ids from 1); ``build_demo_force`` replaces any demo force already in the store
with a new one and returns a ``DemoSummary``. The same seed, as_of and parameters always give
the same frames (``DemoSummary.fingerprint``), whatever else the store holds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import numpy as np
import polars as pl
from sqlalchemy import Engine

from forcesight.errors import DemoParameterError
from forcesight.store import entities
from forcesight.store.bulk import insert_frame
from forcesight.store.migrate import check_current
from forcesight.synthetic import queries
from forcesight.synthetic.clocks import ClockPart, finish_events
from forcesight.synthetic.clocks_investigation import (
    build_bail_and_rui,
    build_forensics,
    build_reviews,
    build_wanted,
    crime_view,
)
from forcesight.synthetic.clocks_victims import build_missing, build_victim_care
from forcesight.synthetic.crimes import build_crimes
from forcesight.synthetic.incidents import build_incidents
from forcesight.synthetic.params import DEFAULT_PARAMS, DemoParams
from forcesight.synthetic.sampling import seconds
from forcesight.synthetic.skills import build_skills, build_spells
from forcesight.synthetic.sources import force_lsoas, offence_mix
from forcesight.synthetic.summary import DemoFrames, DemoSummary, summarise
from forcesight.synthetic.workforce import build_workforce

DEFAULT_SEED = 2018
DEFAULT_AS_OF = datetime(2019, 3, 31, 23, 59)  # the end of the 2018/19 year the force was inspected

Progress = Callable[[str, int, int], None]

STAGES = ("workforce", "incidents", "crimes", "clocks")


def _validate(params: DemoParams, as_of: datetime) -> None:
    if not 0 < params.volume_scale <= 10:
        raise DemoParameterError("volume_scale", params.volume_scale, "a number in (0, 10]")
    if as_of.year < 2000 or as_of.tzinfo is not None:
        raise DemoParameterError("as_of", as_of, "a naive local datetime after 2000")


def generate_demo_force(
    seed: int = DEFAULT_SEED,
    as_of: datetime = DEFAULT_AS_OF,
    params: DemoParams = DEFAULT_PARAMS,
    progress: Progress | None = None,
) -> DemoFrames:
    """The demo force as frames, without touching a store."""
    _validate(params, as_of)
    report = progress or (lambda stage, done, total: None)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(12)]
    geography = force_lsoas(params.geography.force_name)
    comparator = force_lsoas(params.geography.comparator_force).population
    total = len(STAGES)

    report("generating workforce", 0, total)
    workforce = build_workforce(streams[0], params, geography, as_of)
    skills = build_skills(streams[1], params, workforce, as_of)
    spells = build_spells(streams[2], params, workforce, as_of)

    report("generating incidents", 1, total)
    incidents = build_incidents(streams[3], params, geography, comparator, as_of)

    report("generating crimes", 2, total)
    crime_set = build_crimes(streams[4], params, geography, incidents, workforce, as_of)

    report("generating clocks", 3, total)
    crimes = crime_set.crimes
    sexual_codes = offence_mix(params.crimes.offence_mix_force).filter(
        pl.col("offence_group") == "Sexual offences"
    )["offence_code"]
    sexual = crimes["offence_code"].is_in(sexual_codes.implode()).to_numpy()
    flags = (
        crimes.select(pl.any_horizontal("domestic_abuse", "cse", "modern_slavery", "child_victim"))
        .to_series()
        .to_numpy()
    )
    serious = (
        flags | sexual | crimes["offence_code"].is_in(list(params.crimes.serious_codes)).to_numpy()
    )
    enhanced = (
        flags | sexual
        | crimes.select(pl.any_horizontal("hate", "vulnerable_victim", "repeat_victim"))
        .to_series().to_numpy()
    )  # fmt: skip
    view = crime_view(crimes, serious)
    end = seconds(as_of)
    bail, rui = build_bail_and_rui(streams[5], params, view, workforce, end)
    missing, missing_persons = build_missing(
        streams[6], params, workforce, geography.population, comparator, as_of
    )
    parts = [
        bail,
        rui,
        build_victim_care(streams[7], params, view, enhanced, as_of, [bail, rui]),
        missing,
        build_wanted(streams[8], params, view, workforce, end),
        build_forensics(streams[9], params, view, workforce, end),
        build_reviews(streams[10], params, view, workforce, end),
    ]
    records, events = _combine(parts)
    events = finish_events(streams[11], params, events, as_of)
    report("generated", total, total)

    tables = {
        "teams": workforce.teams.drop("team_key"),
        "staff": workforce.staff.drop("team_key", "active"),
        "staff_skills": skills,
        "availability_spells": spells,
        "persons": pl.concat([crime_set.persons, missing_persons]),
        "incidents": incidents.incidents,
        "deployments": incidents.deployments,
        "crimes": crimes,
        "crime_allocations": crime_set.allocations,
        "clock_records": records,
        "clock_events": events,
    }
    tables = {name: frame.with_columns(origin=pl.lit("demo")) for name, frame in tables.items()}
    return DemoFrames(tables, seed, as_of, geography)


def _combine(parts: list[ClockPart]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One records frame with ids from 1, and events pointing at them."""
    records, events, offset = [], [], 0
    for part in parts:
        n = part.records.height
        records.append(part.records.with_columns(id=pl.int_range(offset + 1, offset + n + 1)))
        events.append(
            part.events.with_columns(record_id=pl.col("record") + offset + 1).drop("record")
        )
        offset += n
    all_records = pl.concat(records, how="diagonal_relaxed")
    all_events = pl.concat(events, how="diagonal_relaxed").sort(
        "record_id", "occurred", maintain_order=True
    )
    return all_records, all_events


def _shift_ids(tables: dict[str, pl.DataFrame], base: dict[str, int]) -> dict[str, pl.DataFrame]:
    """Move the generated ids past those already in the store."""
    inc, crime, record = base["incidents"], base["crimes"], base["clock_records"]
    shifts = {
        "incidents": {"id": inc},
        "deployments": {"incident_id": inc},
        "crimes": {"id": crime, "incident_id": inc},
        "crime_allocations": {"crime_id": crime},
        "clock_records": {"id": record, "crime_id": crime},
        "clock_events": {"record_id": record},
    }
    out = dict(tables)
    for name, columns in shifts.items():
        out[name] = out[name].with_columns(
            [(pl.col(c) + offset).alias(c) for c, offset in columns.items() if offset]
        )
    return out


def build_demo_force(
    engine: Engine,
    seed: int = DEFAULT_SEED,
    as_of: datetime = DEFAULT_AS_OF,
    progress: Progress | None = None,
    params: DemoParams = DEFAULT_PARAMS,
) -> DemoSummary:
    """Generate the demo force and write it into the store, replacing any demo force there.

    One transaction: on any error the store is left as it was. ``progress(stage, done,
    total)`` is called as the work advances, on one scale of ``total`` steps (generating each
    part, removing the previous demo force, writing each table), ending with ``"done"``.
    """
    check_current(engine)
    report = progress or (lambda stage, done, total: None)
    tables = queries.TABLES
    steps = len(STAGES) + len(tables) + 1  # one progress scale over generating and writing
    frames = generate_demo_force(
        seed, as_of, params, lambda stage, done, total: report(stage, done, steps)
    )
    written: dict[str, int] = {}
    with engine.begin() as connection:
        report("removing the previous demo force", len(STAGES), steps)
        replaced = queries.delete_demo_force(connection)
        shifted = _shift_ids(frames.tables, queries.next_ids(connection))
        for i, table in enumerate(tables):
            report(f"writing {table.name}", len(STAGES) + 1 + i, steps)
            frame = shifted[table.name]
            written[table.name] = insert_frame(connection, getattr(entities, table.name), frame)
        queries.advance_sequences(connection)
    report("done", steps, steps)
    return summarise(frames, written, sum(replaced.values()), params)


__all__ = [
    "DEFAULT_AS_OF",
    "DEFAULT_SEED",
    "DemoFrames",
    "DemoSummary",
    "build_demo_force",
    "generate_demo_force",
]
