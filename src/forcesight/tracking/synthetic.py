"""Synthetic clock records for benchmarks, tests and demos: no real people, seeded.

``synthetic_clocks`` draws a force's open clock records and events as engine-shaped frames;
``seed_subjects`` writes the minimal crimes, persons, staff and teams they refer to, so the
frames can be stored (the demo force from ``synthetic/`` is richer; this is just enough).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import polars as pl
from sqlalchemy import Engine, insert

from forcesight.store.entities import crimes, persons, staff, teams

KINDS = {
    "victim_care": 0.40,
    "investigation": 0.20,
    "bail": 0.05,
    "rui": 0.10,
    "missing_episode": 0.10,
    "wanted": 0.05,
    "forensic_submission": 0.10,
}
EVENTS = {
    "victim_care": ["written_information_given", "needs_assessment_done", "victim_updated"],
    "investigation": ["supervisory_review", "supervisory_review"],
    "bail": ["bail_extended"],
    "rui": ["rui_review", "rui_review"],
    "missing_episode": ["review", "review", "review"],
    "wanted": ["pnc_circulated", "wanted_review"],
    "forensic_submission": [],
}


def synthetic_clocks(
    n_records: int, now: datetime, random_state: int = 7
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A synthetic force's open clock records and their events (no real data)."""
    rng = np.random.default_rng(random_state)
    kinds = rng.choice(list(KINDS), size=n_records, p=list(KINDS.values()))
    age_hours = rng.gamma(1.5, 24 * 20, size=n_records)
    age_hours = np.where(kinds == "missing_episode", rng.gamma(1.5, 10, n_records), age_hours)
    started = np.datetime64(now, "us") - (age_hours * 3600e6).astype("timedelta64[us]")
    n_crimes = max(n_records // 3, 1)
    records = pl.DataFrame(
        {
            "id": np.arange(1, n_records + 1),
            "kind": kinds,
            "ref": [f"R{i}" for i in range(1, n_records + 1)],
            "crime_id": rng.integers(1, n_crimes, n_records),
            "person_id": [f"P{i}" for i in rng.integers(1, n_records // 4 + 2, n_records)],
            "owner_id": [f"S{i}" for i in rng.integers(1, 1500, n_records)],
            "team_id": [f"T{i}" for i in rng.integers(1, 60, n_records)],
            "started_at": started,
            "risk_level": rng.choice(["no_apparent_risk", "low", "medium", "high"], n_records),
            "enhanced": rng.random(n_records) < 0.3,
            "agency": rng.choice(["police", "police", "police", "HMRC"], n_records),
            "devices": rng.integers(1, 6, n_records),
            "is_child": rng.random(n_records) < 0.4,
        }
    ).with_columns(pl.col("started_at").cast(pl.Datetime("us")))
    rows_record, rows_event, rows_offset = [], [], []
    for kind, names in EVENTS.items():
        ids = records.filter(pl.col("kind") == kind)["id"].to_numpy()
        for k, name in enumerate(names):
            keep = ids[rng.random(ids.size) < 0.7 / (k + 1)]
            rows_record.append(keep)
            rows_event.append(np.full(keep.size, name, dtype=object))
            rows_offset.append(rng.random(keep.size) * (k + 1) / (len(names) + 1))
    record_ids = np.concatenate(rows_record)
    fraction = np.concatenate(rows_offset)
    events = (
        pl.DataFrame(
            {
                "id": np.arange(1, record_ids.size + 1),
                "record_id": record_ids,
                "event": np.concatenate(rows_event).astype(str),
                "_fraction": fraction,
            }
        )
        .join(records.select(pl.col("id").alias("record_id"), "started_at"), on="record_id")
        .with_columns(
            (
                pl.col("started_at") + (pl.lit(now) - pl.col("started_at")) * pl.col("_fraction")
            ).alias("occurred_at")
        )
        .with_columns(pl.col("occurred_at").alias("recorded_at"))
        .drop("_fraction", "started_at")
    )
    return records, events


def seed_subjects(engine: Engine, records: pl.DataFrame) -> None:
    """Insert the crimes, persons, staff and teams that ``records`` refer to."""
    team_ids = records["team_id"].drop_nulls().unique().sort().to_list()
    staff_ids = records["owner_id"].drop_nulls().unique().sort().to_list()
    person_ids = records["person_id"].drop_nulls().unique().sort().to_list()
    crime_ids = records["crime_id"].drop_nulls().unique().sort().to_list()
    ranks = ["constable", "sergeant", "inspector", "chief_inspector", "superintendent"]
    first_team = team_ids[0] if team_ids else None
    origin = {"origin": "demo"}
    start = records["started_at"].min()
    reported = start if isinstance(start, datetime) else datetime(2020, 1, 1)
    reported -= timedelta(days=1)
    with engine.begin() as conn:
        if team_ids:
            conn.execute(
                insert(teams),
                [
                    {"id": t, "name": f"Team {t}", "function": "investigation", **origin}
                    for t in team_ids
                ],
            )
        if staff_ids:
            conn.execute(
                insert(staff),
                [
                    {
                        "id": s,
                        "staff_type": "officer",
                        "rank": ranks[i % len(ranks)],
                        "function": "investigation",
                        "team_id": first_team,
                        "fte": 1.0,
                        "hours_per_week": 40.0,
                        "row_key": f"staff:{s}",
                        **origin,
                    }
                    for i, s in enumerate(staff_ids)
                ],
            )
        for chunk in range(0, len(person_ids), 20_000):
            conn.execute(
                insert(persons),
                [{"id": p, **origin} for p in person_ids[chunk : chunk + 20_000]],
            )
        for chunk in range(0, len(crime_ids), 20_000):
            conn.execute(
                insert(crimes),
                [
                    {
                        "id": c,
                        "crime_ref": f"CR{c:07d}",
                        "reported_at": reported,
                        "recorded_at": reported,
                        "offence_code": "28E",
                        "status": "allocated",
                        **origin,
                    }
                    for c in crime_ids[chunk : chunk + 20_000]
                ],
            )
