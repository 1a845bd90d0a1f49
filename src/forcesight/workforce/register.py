"""The skills register kept in forcesight: add, renew and revoke a skill or accreditation.

Every change is validated by small named checks (each returns the problem it finds, or None),
refused with every problem listed when any check fails, and written in one transaction with its
history row in ``skill_events`` (who, when, why) and, when the web app is installed, an entry in
its audit log. Rows written here carry ``origin = 'app'``.

A renewal is a new award row (the old one stays, so the history of awards is kept); a
revocation marks the current award with the date and reason.
"""

from __future__ import annotations

import calendar
import importlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine

from forcesight.errors import SkillRefusedError
from forcesight.workforce import queries
from forcesight.workforce.policy import SkillRule, WorkforcePolicy, load_workforce_policy


@dataclass(frozen=True)
class Actor:
    """Who makes a change, and from where (an address for the web, 'cli' for the terminal)."""

    name: str
    ip: str = "cli"


@dataclass(frozen=True)
class SkillChange:
    action: str  # add | renew | revoke
    award_id: int
    event_id: int
    staff_id: str
    skill: str
    kind: str
    awarded_on: date
    expires_on: date | None
    revoked_on: date | None
    reason: str | None
    audited_in_web_log: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- checks: each returns a problem, or None ------------------------------------------------


def check_known_skill(name: str, policy: WorkforcePolicy) -> str | None:
    if name in policy.canonical():
        return None
    return f"unknown skill; known skills (workforce.yaml): {', '.join(sorted(policy.canonical()))}"


def check_staff_exists(person: dict[str, Any] | None) -> str | None:
    return None if person is not None else "no such staff member in the store"


def check_serving_on(person: dict[str, Any] | None, day: date) -> str | None:
    if person is None or person.get("left_on") is None or person["left_on"] >= day:
        return None
    return f"the staff member left on {person['left_on']}, before {day}"


def check_not_in_future(label: str, day: date, today: date) -> str | None:
    return f"{label} {day} is after today ({today})" if day > today else None


def check_expiry_after_award(awarded_on: date, expires_on: date | None) -> str | None:
    if expires_on is None or expires_on > awarded_on:
        return None
    return f"expiry {expires_on} must be after the award date {awarded_on}"


def check_not_held(current: dict[str, Any] | None, day: date) -> str | None:
    if current is None:
        return None
    expires = current["expires_on"]
    if expires is not None and expires <= day:
        return None  # lapsed: a fresh award is an add, not a renewal
    return f"already held since {current['awarded_on']} (award {current['id']}): renew it instead"


def check_held(current: dict[str, Any] | None) -> str | None:
    return None if current is not None else "no current award to renew or revoke"


def check_renewal_after_award(current: dict[str, Any] | None, awarded_on: date) -> str | None:
    if current is None or awarded_on > current["awarded_on"]:
        return None
    return f"the renewal date {awarded_on} must be after the current award {current['awarded_on']}"


def check_revocation_on_or_after_award(current: dict[str, Any] | None, day: date) -> str | None:
    if current is None or day >= current["awarded_on"]:
        return None
    return f"revocation {day} is before the award {current['awarded_on']}"


def check_reason_given(reason: str | None) -> str | None:
    return None if reason and reason.strip() else "a reason is required"


# --- the service ------------------------------------------------------------------------------


def _web_audit() -> Callable[..., int] | None:
    """The web app's audit hook, when the web app is installed."""
    try:
        module = importlib.import_module("forcesight.web.audit")
    except ImportError:
        return None
    hook: Callable[..., int] | None = getattr(module, "record", None)
    return hook


def _write(
    conn: Connection,
    action: str,
    award_id: int,
    staff_id: str,
    skill: str,
    effective_on: date,
    actor: Actor,
    reason: str | None,
    now: datetime,
    detail: dict[str, Any],
) -> tuple[int, bool]:
    event_id = queries.insert_event(
        conn,
        {
            "staff_skill_id": award_id,
            "staff_id": staff_id,
            "skill": skill,
            "action": action,
            "effective_on": effective_on,
            "recorded_at": now,
            "actor": actor.name,
            "reason": reason,
            "detail": detail,
        },
    )
    hook = _web_audit()
    if hook is None:
        return event_id, False
    hook(
        conn,
        actor.name,
        f"skill.{action}",
        f"staff_skill:{award_id}",
        {"staff_id": staff_id, "skill": skill, "reason": reason, **detail},
        actor.ip,
    )
    return event_id, True


def _refuse(action: str, staff_id: str, skill: str, problems: list[str | None]) -> None:
    found = [p for p in problems if p]
    if found:
        raise SkillRefusedError(action, staff_id, skill, found)


def _rule_and_expiry(
    action: str,
    staff_id: str,
    skill: str,
    awarded_on: date,
    expires_on: date | None,
    policy: WorkforcePolicy,
) -> tuple[str, SkillRule, date | None]:
    """The skill's canonical name and rule, and the expiry (default: award date + validity)."""
    _refuse(action, staff_id, skill, [check_known_skill(skill, policy)])
    name = policy.canonical()[skill]
    rule = policy.by_name()[name]
    if expires_on is None and rule.validity_months is not None:
        expires_on = add_months(awarded_on, rule.validity_months)
    return name, rule, expires_on


def _record_award(
    conn: Connection,
    action: str,
    staff_id: str,
    name: str,
    rule: SkillRule,
    awarded_on: date,
    expires_on: date | None,
    actor: Actor,
    reason: str | None,
    now: datetime,
    detail: dict[str, Any],
) -> SkillChange:
    """Insert the award row and its audited event; what changed."""
    award_id = queries.insert_award(
        conn,
        {
            "staff_id": staff_id,
            "skill": name,
            "kind": rule.kind,
            "awarded_on": awarded_on,
            "expires_on": expires_on,
            "row_key": f"app:skill:{staff_id}:{name}:{awarded_on.isoformat()}",
            "origin": "app",
        },
    )
    event_id, web = _write(
        conn, action, award_id, staff_id, name, awarded_on, actor, reason, now, detail
    )
    return SkillChange(
        action, award_id, event_id, staff_id, name, rule.kind, awarded_on, expires_on, None,
        reason, web,
    )  # fmt: skip


def add_skill(
    engine: Engine,
    staff_id: str,
    skill: str,
    awarded_on: date,
    *,
    actor: Actor,
    now: datetime,
    expires_on: date | None = None,
    reason: str | None = None,
    policy: WorkforcePolicy | None = None,
) -> SkillChange:
    """Record a new award. The expiry defaults to the award date plus the skill's validity."""
    policy = policy or load_workforce_policy()
    name, rule, expires_on = _rule_and_expiry(
        "add", staff_id, skill, awarded_on, expires_on, policy
    )
    names = [name, *rule.aliases]
    with engine.begin() as conn:
        person = queries.staff_row(conn, staff_id)
        current = queries.current_award(conn, staff_id, names) if person else None
        _refuse(
            "add",
            staff_id,
            skill,
            [
                check_staff_exists(person),
                check_serving_on(person, awarded_on),
                check_not_in_future("award date", awarded_on, now.date()),
                check_expiry_after_award(awarded_on, expires_on),
                check_not_held(current, awarded_on),
            ],
        )
        detail = {"awarded_on": awarded_on.isoformat(), "expires_on": _iso(expires_on)}
        return _record_award(conn, "add", staff_id, name, rule, awarded_on, expires_on, actor,
                             reason, now, detail)  # fmt: skip


def renew_skill(
    engine: Engine,
    staff_id: str,
    skill: str,
    awarded_on: date,
    *,
    actor: Actor,
    now: datetime,
    expires_on: date | None = None,
    reason: str | None = None,
    policy: WorkforcePolicy | None = None,
) -> SkillChange:
    """Record a renewal: a new award after the current one (which stays in the history)."""
    policy = policy or load_workforce_policy()
    name, rule, expires_on = _rule_and_expiry(
        "renew", staff_id, skill, awarded_on, expires_on, policy
    )
    with engine.begin() as conn:
        person = queries.staff_row(conn, staff_id)
        current = queries.current_award(conn, staff_id, [name, *rule.aliases]) if person else None
        _refuse(
            "renew",
            staff_id,
            skill,
            [
                check_staff_exists(person),
                check_serving_on(person, awarded_on),
                check_held(current) if person else None,
                check_renewal_after_award(current, awarded_on),
                check_not_in_future("renewal date", awarded_on, now.date()),
                check_expiry_after_award(awarded_on, expires_on),
            ],
        )
        assert current is not None  # the checks above refuse otherwise
        detail = {
            "renews_award": int(current["id"]),
            "previous_expiry": _iso(current["expires_on"]),
            "awarded_on": awarded_on.isoformat(),
            "expires_on": _iso(expires_on),
        }
        return _record_award(conn, "renew", staff_id, name, rule, awarded_on, expires_on, actor,
                             reason, now, detail)  # fmt: skip


def revoke_skill(
    engine: Engine,
    staff_id: str,
    skill: str,
    revoked_on: date,
    *,
    reason: str,
    actor: Actor,
    now: datetime,
    policy: WorkforcePolicy | None = None,
) -> SkillChange:
    """Revoke the current award (a reason is required)."""
    policy = policy or load_workforce_policy()
    _refuse("revoke", staff_id, skill, [check_known_skill(skill, policy)])
    name = policy.canonical()[skill]
    rule = policy.by_name()[name]
    with engine.begin() as conn:
        person = queries.staff_row(conn, staff_id)
        current = queries.current_award(conn, staff_id, [name, *rule.aliases]) if person else None
        _refuse(
            "revoke",
            staff_id,
            skill,
            [
                check_staff_exists(person),
                check_held(current) if person else None,
                check_reason_given(reason),
                check_not_in_future("revocation date", revoked_on, now.date()),
                check_revocation_on_or_after_award(current, revoked_on),
            ],
        )
        assert current is not None
        award_id = int(current["id"])
        queries.revoke_award(conn, award_id, revoked_on, reason.strip())
        detail = {"revoked_on": revoked_on.isoformat()}
        event_id, web = _write(
            conn, "revoke", award_id, staff_id, name, revoked_on, actor, reason, now, detail
        )
    return SkillChange(
        "revoke", award_id, event_id, staff_id, name, str(current["kind"]),
        current["awarded_on"], current["expires_on"], revoked_on, reason.strip(), web,
    )  # fmt: skip


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
