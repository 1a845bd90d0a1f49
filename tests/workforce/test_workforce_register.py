"""The skills register: add, renew and revoke are validated, refused whole, and audited."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from sqlalchemy import Engine, func, select
from tests.workforce.force_fixture import NOW

from forcesight.errors import SkillRefusedError
from forcesight.store.entities import staff_skills
from forcesight.workforce import queries, register, service
from forcesight.workforce.tables import skill_events

ACTOR = register.Actor("sgt.hr", "cli")


def _count(engine: Engine, table: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_add_writes_an_app_row_and_its_history(force: Engine) -> None:
    change = register.add_skill(
        force, "R2", "first_aid", date(2026, 3, 1), actor=ACTOR, now=NOW, reason="course passed"
    )
    assert change.expires_on == date(2029, 3, 1)  # first_aid lasts 36 months
    assert change.kind == "accreditation"
    row = queries.load_skills(force, "R2").row(0, named=True)
    assert (row["skill"], row["origin"], row["expires_on"]) == (
        "first_aid", "app", date(2029, 3, 1)
    )  # fmt: skip
    events = queries.load_events(force, "R2").row(0, named=True)
    assert events["action"] == "add"
    assert events["actor"] == "sgt.hr"
    assert events["reason"] == "course passed"
    assert events["staff_skill_id"] == change.award_id
    assert events["recorded_at"] == NOW
    assert change.audited_in_web_log  # the web app is installed: its audit log has the entry
    from forcesight.web import audit

    with force.connect() as conn:
        entries, _ = audit.entries(conn, audit.AuditFilter(action="skill.add"))
    assert len(entries) == 1 and entries[0].actor == "sgt.hr"
    assert entries[0].target == f"staff_skill:{change.award_id}"
    held = service.holdings(force, NOW, staff_id="R2")
    assert held["skill"].to_list() == ["first_aid"]


def test_an_alias_is_stored_under_the_canonical_name(force_sqlite: Engine) -> None:
    change = register.add_skill(
        force_sqlite, "R1", "abe_interview", date(2026, 1, 5), actor=ACTOR, now=NOW
    )
    assert change.skill == "abe_interviewing"


@pytest.mark.parametrize(
    ("staff_id", "skill", "awarded", "expires", "problem"),
    [
        ("R1", "juggling", date(2026, 1, 1), None, "unknown skill"),
        ("NOBODY", "taser", date(2026, 1, 1), None, "no such staff member"),
        ("R2", "taser", date(2026, 1, 1), date(2025, 12, 1), "must be after the award date"),
        ("R2", "taser", date(2026, 1, 1), date(2026, 1, 1), "must be after the award date"),
        ("R1", "taser", date(2026, 1, 1), None, "already held"),
        ("D3", "taser", date(2026, 2, 10), None, "left on 2026-02-01"),
        ("R2", "taser", date(2026, 4, 1), None, "after today"),
    ],
)
def test_add_refusals_name_the_problem_and_write_nothing(
    force_sqlite: Engine,
    staff_id: str,
    skill: str,
    awarded: date,
    expires: date | None,
    problem: str,
) -> None:
    force = force_sqlite
    before = (_count(force, staff_skills), _count(force, skill_events))
    with pytest.raises(SkillRefusedError) as refused:
        register.add_skill(
            force, staff_id, skill, awarded, expires_on=expires, actor=ACTOR, now=NOW
        )
    assert problem in str(refused.value)
    assert "Nothing was recorded" in str(refused.value)
    assert (_count(force, staff_skills), _count(force, skill_events)) == before


def test_a_lapsed_award_can_be_added_again(force_sqlite: Engine) -> None:
    # R4's taser expired on 2026-01-01: a fresh award is an add.
    change = register.add_skill(force_sqlite, "R4", "taser", date(2026, 3, 2), actor=ACTOR, now=NOW)
    assert change.expires_on == date(2027, 3, 2)


def test_renew_adds_an_award_and_keeps_the_old_one(force: Engine) -> None:
    change = register.renew_skill(force, "P1", "abe_interviewing", date(2026, 3, 10),
                                  actor=ACTOR, now=NOW)  # fmt: skip
    awards = queries.load_skills(force, "P1").filter(
        pl.col("skill").is_in(["abe_interview", "abe_interviewing"])
    )
    assert awards.height == 2
    assert change.expires_on == date(2029, 3, 10)
    soon, _ = service.expiring(force, NOW, 90)
    assert "P1" not in soon["staff_id"].to_list()  # the renewal replaced the expiring award
    event = queries.load_events(force, "P1").row(0, named=True)
    assert (event["action"], event["effective_on"]) == ("renew", date(2026, 3, 10))


@pytest.mark.parametrize(
    ("staff_id", "skill", "renewed", "problem"),
    [
        ("R2", "taser", date(2026, 3, 1), "no current award"),
        ("R1", "taser", date(2025, 5, 1), "must be after the current award"),
        ("R1", "taser", date(2026, 6, 1), "after today"),
    ],
)
def test_renew_refusals(
    force_sqlite: Engine, staff_id: str, skill: str, renewed: date, problem: str
) -> None:
    with pytest.raises(SkillRefusedError, match=problem):
        register.renew_skill(force_sqlite, staff_id, skill, renewed, actor=ACTOR, now=NOW)


def test_revoke_needs_a_reason_and_removes_the_holding(force: Engine) -> None:
    with pytest.raises(SkillRefusedError, match="a reason is required"):
        register.revoke_skill(force, "R3", "taser", date(2026, 3, 1), reason="  ", actor=ACTOR,
                              now=NOW)  # fmt: skip
    change = register.revoke_skill(force, "R3", "taser", date(2026, 3, 1),
                                   reason="medical restriction", actor=ACTOR, now=NOW)  # fmt: skip
    assert change.revoked_on == date(2026, 3, 1)
    held = service.holdings(force, NOW, skill="taser")
    assert held["staff_id"].to_list() == ["R1"]
    row = queries.load_skills(force, "R3").filter(pl.col("skill") == "taser").row(0, named=True)
    assert (row["revoked_on"], row["revoked_reason"]) == (date(2026, 3, 1), "medical restriction")
    with pytest.raises(SkillRefusedError, match="no current award"):
        register.revoke_skill(force, "R3", "taser", date(2026, 3, 2), reason="again", actor=ACTOR,
                              now=NOW)  # fmt: skip


def test_revocation_before_the_award_is_refused(force_sqlite: Engine) -> None:
    with pytest.raises(SkillRefusedError, match="before the award"):
        register.revoke_skill(
            force_sqlite, "R1", "taser", date(2025, 1, 1), reason="x", actor=ACTOR, now=NOW
        )


def test_add_months_clamps_to_the_end_of_the_month() -> None:
    assert register.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert register.add_months(date(2023, 11, 30), 3) == date(2024, 2, 29)
    assert register.add_months(date(2025, 12, 15), 12) == date(2026, 12, 15)
