"""Building the demo force into the store, on SQLite and PostgreSQL, and building it again."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import polars as pl
import pytest
from sqlalchemy import Engine, func, select, text

from forcesight.errors import DemoForceInUseError, DemoParameterError
from forcesight.store.bulk import insert_frame
from forcesight.store.entities import crime_allocations, crimes, incidents, staff
from forcesight.synthetic import DEFAULT_PARAMS, build_demo_force, generate_demo_force
from forcesight.synthetic.queries import TABLES, demo_row_counts

SMALL = replace(DEFAULT_PARAMS, volume_scale=0.02)  # a week of demand: quick, same shapes


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as c:
        return {t.name: int(c.execute(select(func.count()).select_from(t)).scalar_one())
                for t in TABLES}  # fmt: skip


def test_build_writes_every_row_with_its_links(engine: Engine) -> None:
    stages: list[tuple[str, int, int]] = []
    summary = build_demo_force(
        engine, seed=11, params=SMALL, progress=lambda s, d, t: stages.append((s, d, t))
    )
    counts = _counts(engine)
    assert counts == summary.rows
    assert all(n > 0 for n in counts.values())
    assert stages[0][0] == "generating workforce" and stages[-1][0] == "done"
    steps = [d for _, d, _ in stages]
    assert steps == sorted(steps) and stages[-1][1] == stages[-1][2]
    assert len({t for _, _, t in stages}) == 1  # one scale for the whole build
    with engine.connect() as c:
        assert demo_row_counts(c) == counts
        # every reference resolves (PostgreSQL enforces it; SQLite with foreign_keys=ON too)
        orphans = c.execute(
            text(
                "SELECT COUNT(*) FROM crimes c LEFT JOIN incidents i ON i.id = c.incident_id "
                "WHERE c.incident_id IS NOT NULL AND i.id IS NULL"
            )
        ).scalar_one()
        assert orphans == 0
        events = c.execute(
            text(
                "SELECT COUNT(*) FROM clock_events e JOIN clock_records r ON r.id = e.record_id "
                "WHERE e.occurred_at < r.started_at"
            )
        ).scalar_one()
        assert events == 0
    figures = summary.to_dict()["figures"]
    assert abs(figures["officer_fte"] - 1254.68) < 1
    assert summary.to_dict()["rows_total"] == sum(counts.values())


def test_rebuild_replaces_the_demo_force(engine: Engine) -> None:
    first = build_demo_force(engine, seed=5, params=SMALL)
    again = build_demo_force(engine, seed=5, params=SMALL)
    assert again.fingerprint == first.fingerprint  # same seed, same data
    assert again.replaced_rows == sum(first.rows.values())
    assert _counts(engine) == first.rows
    other = build_demo_force(engine, seed=6, params=SMALL)
    assert other.fingerprint != first.fingerprint
    assert _counts(engine) == other.rows
    # ids continue after a rebuild: a row added later does not collide (PostgreSQL sequences)
    with engine.begin() as c:
        crime_id = c.execute(select(func.min(crimes.c.id))).scalar_one()
        c.execute(
            crime_allocations.insert().values(
                crime_id=crime_id,
                allocated_at=datetime(2019, 4, 1),
                allocated_by="test",
                kind="override",
                origin="app",
            )
        )


def test_demo_ids_move_past_rows_already_in_the_store(engine: Engine) -> None:
    imported = pl.DataFrame(
        {
            "id": [1, 2],
            "incident_ref": ["REAL-1", "REAL-2"],
            "received_at": [datetime(2019, 1, 1, 10), datetime(2019, 1, 1, 11)],
            "grade": ["1", "2"],
            "category": ["crime", "crime"],
            "origin": ["import", "import"],
        }
    )
    with engine.begin() as c:
        insert_frame(c, incidents, imported)
    summary = build_demo_force(engine, seed=3, params=SMALL)
    with engine.connect() as c:
        assert c.execute(select(func.count()).select_from(incidents)).scalar_one() == (
            summary.rows["incidents"] + 2
        )
        real = c.execute(select(incidents.c.origin).where(incidents.c.id <= 2)).scalars().all()
    assert real == ["import", "import"]
    build_demo_force(engine, seed=3, params=SMALL)  # mixed store: row-by-row replacement
    assert _counts(engine)["incidents"] == summary.rows["incidents"] + 2


def test_rebuild_refuses_when_other_data_points_at_the_demo(engine: Engine) -> None:
    build_demo_force(engine, seed=4, params=SMALL)
    with engine.begin() as c:
        officer = c.execute(select(staff.c.id).order_by(staff.c.id).limit(1)).scalar_one()
        c.execute(
            crimes.insert().values(
                crime_ref="REAL-C1",
                reported_at=datetime(2019, 3, 1),
                recorded_at=datetime(2019, 3, 1),
                offence_code="46",
                status="allocated",
                allocated_to=officer,
                origin="import",
            )
        )
    before = _counts(engine)
    with pytest.raises(DemoForceInUseError, match="1 crimes row"):
        build_demo_force(engine, seed=4, params=SMALL)
    assert _counts(engine) == before  # one transaction: nothing changed


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(DemoParameterError, match="volume_scale"):
        generate_demo_force(params=replace(DEFAULT_PARAMS, volume_scale=0))
