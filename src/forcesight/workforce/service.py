"""What the CLI, the web pages and the report call: plain functions of an Engine and a time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import polars as pl
from sqlalchemy import Engine

from forcesight.settings import setting
from forcesight.tracking.digest import Recipient, post_webhook, send_email
from forcesight.workforce import queries, reminders, views
from forcesight.workforce.gaps import GapAnalysis, analyse_gaps
from forcesight.workforce.policy import WorkforcePolicy, load_workforce_policy
from forcesight.workforce.posts import PostsPlan, plan_posts

__all__ = [
    "GapAnalysis",
    "PostsPlan",
    "absence",
    "analyse_gaps",
    "expiring",
    "holdings",
    "plan_posts",
    "send_expiry_reminders",
    "single_points_of_failure",
    "tutoring",
]


def holdings(
    engine: Engine,
    now: datetime,
    *,
    skill: str | None = None,
    function: str | None = None,
    staff_id: str | None = None,
    policy: WorkforcePolicy | None = None,
) -> pl.DataFrame:
    """Who holds which skill on ``now`` (aliases read as the canonical name)."""
    policy = policy or load_workforce_policy()
    held = views.holdings(
        queries.load_staff(engine), queries.load_skills(engine), policy, now.date()
    )
    if skill is not None:
        held = held.filter(pl.col("skill") == policy.canonical().get(skill, skill))
    if function is not None:
        held = held.filter(pl.col("function") == function)
    if staff_id is not None:
        held = held.filter(pl.col("staff_id") == staff_id)
    return held


def expiring(
    engine: Engine, now: datetime, days: int = 90, *, policy: WorkforcePolicy | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Awards expiring within ``days``: the list, and counts by function, team and skill."""
    soon = views.expiring(holdings(engine, now, policy=policy), now.date(), days)
    return soon, views.expiring_summary(soon)


def single_points_of_failure(
    engine: Engine, now: datetime, *, policy: WorkforcePolicy | None = None
) -> pl.DataFrame:
    policy = policy or load_workforce_policy()
    held = holdings(engine, now, policy=policy)
    spells = queries.load_spells(engine, now.date(), now.date())
    return views.single_points_of_failure(
        held, views.unavailable_on(spells, policy, now.date()), policy
    )


def tutoring(
    engine: Engine, now: datetime, *, policy: WorkforcePolicy | None = None
) -> pl.DataFrame:
    policy = policy or load_workforce_policy()
    staff = queries.load_staff(engine)
    held = views.holdings(staff, queries.load_skills(engine), policy, now.date())
    return views.tutoring_load(staff, held, policy, now.date())


@dataclass(frozen=True)
class Absence:
    sickness: pl.DataFrame  # month, *by, person_days, days_away, rate
    restricted: pl.DataFrame


def absence(
    engine: Engine,
    now: datetime,
    *,
    months: int = 12,
    by: Sequence[str] = ("function", "rank"),
    policy: WorkforcePolicy | None = None,
) -> Absence:
    """Sickness and restricted-duty rates by month (the ``months`` whole months before now)."""
    policy = policy or load_workforce_policy()
    firsts = views.months_before(now.date(), months)
    staff = queries.load_staff(engine)
    spells = queries.load_spells(engine, firsts[0], now.date())
    return Absence(
        views.absence_rates(staff, spells, ["sickness"], firsts, by),
        views.absence_rates(staff, spells, policy.availability.restricted_kinds, firsts, by),
    )


def send_expiry_reminders(
    engine: Engine,
    now: datetime,
    recipients: Sequence[Recipient],
    *,
    send: bool = True,
    policy: WorkforcePolicy | None = None,
) -> list[reminders.ExpiryDigest]:
    """Build the expiry digests and, with ``send``, email them (and POST to the webhook if
    set) through the tracking digest's SMTP and webhook code."""
    policy = policy or load_workforce_policy()
    due = reminders.reminders_due(holdings(engine, now, policy=policy), policy, now.date())
    digests = reminders.build_expiry_digests(due, recipients, now)
    if send and digests:
        send_email(
            digests,
            str(setting("smtp_host")),
            int(setting("smtp_port")),
            str(setting("smtp_sender")),
        )
        if setting("webhook_url"):
            post_webhook(digests, str(setting("webhook_url")))
    return digests
