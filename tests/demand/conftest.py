"""A small demand fixture inserted into a fresh store, whose numbers are counted by hand in the
tests (see the comments beside each row)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from sqlalchemy import Engine, insert

from forcesight.store.entities import crimes, deployments, incidents, persons
from forcesight.store.reference import lsoa_population, lsoas, recorded_crime_by_offence
from forcesight.store.runs import import_runs

T = datetime


def _incident(
    i: int,
    ref: str,
    received: datetime,
    grade: str,
    category: str,
    dispatched: datetime | None,
    arrived: datetime | None,
    cleared: datetime | None,
    lsoa: str,
    beat: str,
) -> dict[str, object]:
    return {
        "id": i,
        "incident_ref": ref,
        "received_at": received,
        "grade": grade,
        "category": category,
        "first_dispatched_at": dispatched,
        "first_arrived_at": arrived,
        "cleared_at": cleared,
        "lsoa_code": lsoa,
        "beat": beat,
        "units_required": 1,
        "vulnerable": False,
        "repeat_caller": False,
        "domestic_abuse": False,
        "mental_health": False,
        "origin": "demo",
    }


def _crime(
    i: int, reported: datetime, code: str, lsoa: str, victim: str, **flags: bool
) -> dict[str, object]:
    row: dict[str, object] = {
        "id": i,
        "crime_ref": f"C{i}",
        "reported_at": reported,
        "recorded_at": reported,
        "offence_code": code,
        "lsoa_code": lsoa,
        "victim_id": victim,
        "status": "allocated",
        "origin": "demo",
    }
    for flag in (
        "domestic_abuse",
        "hate",
        "cse",
        "modern_slavery",
        "child_victim",
        "vulnerable_victim",
        "repeat_victim",
        "sf_victim_supports",
        "sf_named_suspect",
        "sf_witness",
        "sf_cctv",
        "sf_police_witness",
        "sf_forensics",
        "sf_linked",
        "sf_reported_within_28d",
    ):
        row[flag] = flags.get(flag, False)
    return row


def load_fixture(engine: Engine) -> None:
    with engine.begin() as c:
        c.execute(
            insert(import_runs),
            [
                {
                    "id": 1,
                    "source": "test",
                    "file_name": "fixture",
                    "file_sha256": "0" * 64,
                    "file_bytes": 0,
                    "started_at": T(2025, 1, 1),
                    "status": "completed",
                }
            ],
        )
        areas = [
            ("E01000001", "Alpha", "Northamptonshire", 1000),
            ("E01000002", "Beta", "Northamptonshire", 2000),
            ("E01000003", "Gamma", "Leicestershire", 3000),
        ]
        c.execute(
            insert(lsoas),
            [
                {
                    "lsoa_code": code,
                    "lsoa_name": f"{la} 001A",
                    "la_code": f"E0700000{i}",
                    "la_name": la,
                    "police_force": force,
                    "import_run_id": 1,
                    "source_line": i + 2,
                }
                for i, (code, la, force, _) in enumerate(areas)
            ],
        )
        c.execute(
            insert(lsoa_population),
            [
                {
                    "lsoa_code": code,
                    "lsoa_name": f"{la} 001A",
                    "la_code": f"E0700000{i}",
                    "census_year": 2011,
                    "residents": residents,
                    "import_run_id": 1,
                    "source_line": i + 2,
                }
                for i, (code, la, _, residents) in enumerate(areas)
            ],
        )
        c.execute(
            insert(incidents),
            [
                # Monday 10:15. Units A (10 + 60 min) and B (20 + 30 min): 2.0 h.
                _incident(
                    1,
                    "I1",
                    T(2024, 3, 4, 10, 15),
                    "1",
                    "Assault",
                    T(2024, 3, 4, 10, 20),
                    T(2024, 3, 4, 10, 30),
                    T(2024, 3, 4, 11, 30),
                    "E01000001",
                    "B1",
                ),
                # Monday 10:50, no deployment rows: first-unit times 30 + 30 min = 1.0 h.
                _incident(
                    2,
                    "I2",
                    T(2024, 3, 4, 10, 50),
                    "2",
                    "Assault",
                    T(2024, 3, 4, 11, 0),
                    T(2024, 3, 4, 11, 30),
                    T(2024, 3, 4, 12, 0),
                    "E01000002",
                    "B2",
                ),
                # Saturday 22:05. Unit C arrived before it was dispatched: 0 h counted.
                _incident(
                    3,
                    "I3",
                    T(2024, 6, 8, 22, 5),
                    "1",
                    "Theft",
                    T(2024, 6, 8, 22, 10),
                    T(2024, 6, 8, 22, 5),
                    T(2024, 6, 8, 23, 0),
                    "E01000001",
                    "B1",
                ),
                # Sunday 03:00. Unit D has no arrival: 60 min committed, travel unknown: 1.0 h.
                _incident(
                    4,
                    "I4",
                    T(2024, 6, 9, 3, 0),
                    "3",
                    "Theft",
                    T(2024, 6, 9, 3, 30),
                    None,
                    T(2024, 6, 9, 4, 30),
                    "E01000002",
                    "B2",
                ),
                # A year earlier, Monday 10:00: 10 + 30 min = 40 min.
                _incident(
                    5,
                    "I5",
                    T(2023, 3, 6, 10, 0),
                    "1",
                    "Assault",
                    T(2023, 3, 6, 10, 5),
                    T(2023, 3, 6, 10, 15),
                    T(2023, 3, 6, 10, 45),
                    "E01000001",
                    "B1",
                ),
            ],
        )
        c.execute(
            insert(deployments),
            [
                {
                    "incident_id": 1,
                    "unit_ref": "A",
                    "dispatched_at": T(2024, 3, 4, 10, 20),
                    "arrived_at": T(2024, 3, 4, 10, 30),
                    "cleared_at": T(2024, 3, 4, 11, 30),
                    "origin": "demo",
                },
                {
                    "incident_id": 1,
                    "unit_ref": "B",
                    "dispatched_at": T(2024, 3, 4, 10, 25),
                    "arrived_at": T(2024, 3, 4, 10, 45),
                    "cleared_at": T(2024, 3, 4, 11, 15),
                    "origin": "demo",
                },
                {
                    "incident_id": 3,
                    "unit_ref": "C",
                    "dispatched_at": T(2024, 6, 8, 22, 10),
                    "arrived_at": T(2024, 6, 8, 22, 5),
                    "cleared_at": T(2024, 6, 8, 23, 0),
                    "origin": "demo",
                },
                {
                    "incident_id": 4,
                    "unit_ref": "D",
                    "dispatched_at": T(2024, 6, 9, 3, 30),
                    "arrived_at": None,
                    "cleared_at": T(2024, 6, 9, 4, 30),
                    "origin": "demo",
                },
            ],
        )
        c.execute(
            insert(persons),
            [{"id": v, "vulnerable": False, "origin": "demo"} for v in ("V1", "V2", "V3")],
        )
        c.execute(
            insert(crimes),
            [
                # 8N assault with injury, domestic abuse: complex, 20 h.
                _crime(1, T(2024, 2, 1, 9, 0), "8N", "E01000001", "V1", domestic_abuse=True),
                # 8N again, same victim: standard, 8 h. V1 is a repeat victim.
                _crime(2, T(2024, 5, 1, 9, 0), "8N", "E01000001", "V1"),
                # 19C rape, vulnerable victim: complex, 150 h.
                _crime(3, T(2024, 7, 1, 9, 0), "19C", "E01000001", "V2", vulnerable_victim=True),
                # 106 modern slavery: complex, 20 h (violence against the person).
                _crime(4, T(2024, 8, 1, 9, 0), "106", "E01000002", "V3", modern_slavery=True),
            ],
        )
        rows = [
            ("Northamptonshire", "106", 1),
            ("Leicestershire", "106", 30),
            ("Dyfed-Powys", "106", 5),
            ("Northamptonshire", "19C", 30),
            ("Leicestershire", "19C", 30),
        ]
        c.execute(
            insert(recorded_crime_by_offence),
            [
                {
                    "occurrence": 1,
                    "financial_year": "2017/18",
                    "quarter": 1,
                    "force_name": f,
                    "offence_code": code,
                    "offence_description": code,
                    "offences": n,
                    "import_run_id": 1,
                    "source_line": i + 2,
                }
                for i, (f, code, n) in enumerate(rows)
            ],
        )


@pytest.fixture
def demand_store(engine: Engine) -> Engine:
    """The fixture above in a fresh store, on SQLite and PostgreSQL."""
    load_fixture(engine)
    return engine


@pytest.fixture
def load_demand_fixture() -> Callable[[Engine], None]:
    """The loader itself, for tests that build their own store (e.g. a CLI --db file)."""
    return load_fixture
