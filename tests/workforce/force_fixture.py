# ruff: noqa: E501  (the fixture tables read best one record a line)
"""A small force whose every figure can be counted by hand, for the workforce, finance and
report tests (imported as ``tests.workforce.force_fixture``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert

from forcesight.store.entities import (
    availability_spells,
    clock_events,
    clock_records,
    crimes,
    deployments,
    incidents,
    persons,
    staff,
    staff_skills,
    teams,
)

NOW = datetime(2026, 3, 16, 9, 0)
TODAY = NOW.date()

TEAMS = [
    ("T_RESP", "Response North", "response"),
    ("T_CID", "CID North", "investigation"),
    ("T_PP", "Public Protection", "public_protection"),
]

# id, staff_type, rank, function, team, fte, hours, pip, joined, left, student, tutor, tut_ends
STAFF = [
    ("R1", "officer", "constable", "response", "T_RESP", 1.0, 40.0, 0, date(2015, 1, 1), None, False, None, None),
    ("R2", "officer", "constable", "response", "T_RESP", 1.0, 40.0, 0, date(2025, 12, 1), None, True, "R3", date(2026, 4, 6)),
    ("R3", "officer", "constable", "response", "T_RESP", 1.0, 40.0, 0, date(2012, 1, 1), None, False, None, None),
    ("R4", "officer", "sergeant", "response", "T_RESP", 0.5, 20.0, 0, date(2010, 1, 1), None, False, None, None),
    ("D1", "officer", "constable", "investigation", "T_CID", 1.0, 40.0, 2, date(2014, 1, 1), None, False, None, None),
    ("D2", "officer", "sergeant", "investigation", "T_CID", 1.0, 40.0, 2, date(2009, 1, 1), None, False, None, None),
    ("D3", "officer", "constable", "investigation", "T_CID", 1.0, 40.0, 1, date(2016, 1, 1), date(2026, 2, 1), False, None, None),
    ("S1", "staff", "scale 4", "investigation", "T_CID", 1.0, 37.0, 1, date(2019, 1, 1), None, False, None, None),
    ("P1", "officer", "constable", "public_protection", "T_PP", 1.0, 40.0, 2, date(2013, 1, 1), None, False, None, None),
    ("P2", "officer", "chief inspector", "public_protection", "T_PP", 1.0, 40.0, 3, date(2005, 1, 1), None, False, None, None),
]  # fmt: skip

# staff, skill, kind, awarded, expires, revoked, reason
SKILLS = [
    ("R1", "taser", "accreditation", date(2025, 6, 1), date(2026, 6, 1), None, None),
    ("R1", "advanced_driver", "accreditation", date(2024, 1, 1), date(2027, 1, 1), date(2025, 9, 1), "failed assessment"),
    ("R3", "tutor_constable", "skill", date(2024, 1, 10), date(2027, 1, 10), None, None),
    ("R3", "taser", "accreditation", date(2025, 11, 1), date(2026, 11, 1), None, None),
    ("R4", "taser", "accreditation", date(2025, 1, 1), date(2026, 1, 1), None, None),
    ("D1", "child_abuse_investigation", "accreditation", date(2023, 5, 1), None, None, None),
    ("D2", "abe_interviewing", "accreditation", date(2025, 1, 1), date(2028, 1, 1), None, None),
    ("D3", "abe_interviewing", "accreditation", date(2024, 1, 1), date(2027, 1, 1), None, None),
    ("P1", "child_abuse_investigation", "accreditation", date(2022, 2, 1), None, None, None),
    ("P1", "abe_interview", "accreditation", date(2023, 4, 1), date(2026, 4, 1), None, None),
]  # fmt: skip

# staff, kind, starts, ends
SPELLS = [
    ("R1", "sickness", date(2026, 2, 1), date(2026, 2, 10)),
    ("R4", "sickness", date(2026, 1, 20), date(2026, 1, 25)),
    ("D1", "restricted", date(2026, 1, 15), None),
    ("P1", "leave", date(2026, 3, 10), date(2026, 3, 20)),
    ("D2", "sickness", date(2025, 12, 30), date(2026, 1, 2)),
]

T0 = NOW - timedelta(days=14)


def _t(days: float, minutes: float = 0) -> datetime:
    return T0 + timedelta(days=days, minutes=minutes)


# ref, grade, category, received, dispatched(min), arrived(min), cleared(min), skill, units
INCIDENTS = [
    ("I1", "1", "violence", _t(0), 2, 10, 70, None, 1),
    ("I2", "1", "violence", _t(1), 3, 25, 85, None, 1),
    ("I3", "2", "theft", _t(2), 10, 50, 110, None, 1),
    ("I4", "1", "firearms", _t(3), 1, 12, 132, "firearms_afo", 2),
    ("I5", "3", "asb", _t(4), 600, 660, 720, None, 1),
    ("I6", "1", "violence", _t(5), 1, None, None, None, 1),  # no arrival recorded
]
# incident ref, unit, dispatched(min), cleared(min): I2 has two units; I3 none (fallback)
DEPLOYMENTS = [
    ("I1", "U1", 2, 70),
    ("I2", "U1", 3, 85),
    ("I2", "U2", 5, 65),
    ("I4", "ARV1", 1, 132),
    ("I4", "ARV2", 2, 122),
    ("I5", "U3", 600, 720),
]

# ref, offence, days before NOW reported, status, team, allocated_to, allocated after (days), flags
CRIMES: list[tuple[Any, ...]] = [
    ("C1", "8N", 10, "allocated", "T_CID", "D1", 1.0, {}),
    ("C2", "8N", 9, "allocated", "T_CID", "D2", 3.0, {"domestic_abuse": True}),
    ("C3", "46", 8, "unallocated", None, None, None, {}),
    ("C4", "28E", 7, "allocated", "T_PP", "P1", 0.5, {"child_victim": True}),
    ("C5", "46", 6, "unallocated", None, None, None, {}),
    ("C6", "8N", 200, "closed", "T_CID", "D1", 2.0, {}),  # outside the gap window
]


def seed(engine: Engine) -> None:
    """Write the fixture force into a migrated store."""
    with engine.begin() as conn:
        conn.execute(
            insert(teams),
            [{"id": i, "name": n, "function": f, "origin": "demo"} for i, n, f in TEAMS],
        )
        rows = []
        for r in STAFF:
            keys = ("id", "staff_type", "rank", "function", "team_id", "fte", "hours_per_week",
                    "pip_level", "joined_on", "left_on", "is_student", "tutor_id",
                    "tutoring_ends_on")  # fmt: skip
            row = dict(zip(keys, r, strict=True))
            rows.append({**row, "tutor_id": None, "row_key": f"s:{row['id']}", "origin": "demo"})
        conn.execute(insert(staff), rows)
        for r in STAFF:  # tutors after everyone exists
            if r[11]:
                conn.execute(staff.update().where(staff.c.id == r[0]).values(tutor_id=r[11]))
        conn.execute(
            insert(staff_skills),
            [
                {"staff_id": s, "skill": k, "kind": kind, "awarded_on": a, "expires_on": e,
                 "revoked_on": rv, "revoked_reason": why, "row_key": f"k:{s}:{k}:{a}",
                 "origin": "demo"}
                for s, k, kind, a, e, rv, why in SKILLS
            ],
        )  # fmt: skip
        conn.execute(
            insert(availability_spells),
            [
                {"staff_id": s, "kind": k, "starts_on": a, "ends_on": b,
                 "row_key": f"sp:{i}", "origin": "demo"}
                for i, (s, k, a, b) in enumerate(SPELLS)
            ],
        )  # fmt: skip
        ids: dict[str, int] = {}
        for n, (ref, grade, cat, rec, disp, arr, clr, skill, units) in enumerate(INCIDENTS, 1):
            ids[ref] = n
            conn.execute(
                insert(incidents).values(
                    id=n, incident_ref=ref, received_at=rec, grade=grade, category=cat,
                    first_dispatched_at=rec + timedelta(minutes=disp),
                    first_arrived_at=None if arr is None else rec + timedelta(minutes=arr),
                    cleared_at=None if clr is None else rec + timedelta(minutes=clr),
                    skill_required=skill, units_required=units, origin="demo",
                )
            )  # fmt: skip
        received = {r[0]: r[3] for r in INCIDENTS}
        conn.execute(
            insert(deployments),
            [
                {"incident_id": ids[i], "unit_ref": u,
                 "dispatched_at": received[i] + timedelta(minutes=d),
                 "cleared_at": received[i] + timedelta(minutes=c), "origin": "demo"}
                for i, u, d, c in DEPLOYMENTS
            ],
        )  # fmt: skip
        conn.execute(insert(persons), [{"id": f"V{n}", "origin": "demo"} for n in range(1, 7)])
        for n, (ref, code, ago, status, team, who, after, flags) in enumerate(CRIMES, 1):
            reported = NOW - timedelta(days=ago)
            conn.execute(
                insert(crimes).values(
                    id=n, crime_ref=ref, reported_at=reported, recorded_at=reported,
                    offence_code=code, status=status, team_id=team, allocated_to=who,
                    allocated_at=None if after is None else reported + timedelta(days=after),
                    victim_id=f"V{n}", origin="demo", **flags,
                )
            )  # fmt: skip


def seed_victim_clocks(engine: Engine) -> None:
    """Two victim-care records: one updated in time, one never updated."""
    with engine.begin() as conn:
        for n, (team, crime) in enumerate((("T_CID", 1), ("T_PP", 4)), 1):
            conn.execute(
                insert(clock_records).values(
                    id=n, kind="victim_care", ref=f"VC{n}", crime_id=crime, team_id=team,
                    started_at=NOW - timedelta(days=60), enhanced=False, origin="demo",
                )
            )  # fmt: skip
        conn.execute(
            insert(clock_events).values(
                record_id=1, event="victim_care_started", occurred_at=NOW - timedelta(days=60),
                recorded_at=NOW - timedelta(days=60), origin="demo",
            )
        )  # fmt: skip
