"""Reminders before a skill or accreditation expires, sent through the clocks' digest
machinery (``forcesight.tracking.digest``: the same recipients file, SMTP and webhook code).

A reminder is due for an award when ``now`` is within the largest of the policy's reminder days
before its expiry; ``stage`` says which reminder it is (e.g. 30 for "30 days or fewer left"),
so a daily run can send each stage once. Recipients get their own expiring awards (staff_id),
their team's (team_id), or the force's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import polars as pl

from forcesight.tracking.digest import Digest, Recipient
from forcesight.workforce import views
from forcesight.workforce.policy import WorkforcePolicy


@dataclass(frozen=True)
class ExpiryDigest(Digest):
    """A digest of awards expiring soon; ``items`` has staff_id, skill, expires_on, days_left,
    stage, team_id."""

    @property
    def overdue(self) -> int:  # awards expiring within the smallest reminder stage
        return (
            int((self.items["stage"] == self.items["stage"].min()).sum())
            if self.items.height
            else 0
        )

    @property
    def due_soon(self) -> int:
        return self.items.height

    @property
    def subject(self) -> str:
        return (
            f"forcesight skills {self.generated_at:%Y-%m-%d}: {self.items.height} award(s) "
            "expiring soon"
        )

    def text(self) -> str:
        lines = [self.subject, ""]
        for row in self.items.iter_rows(named=True):
            lines.append(
                f"  {row['staff_id']}  {row['skill']}  expires {row['expires_on']:%Y-%m-%d} "
                f"({row['days_left']} days)"
            )
        lines += ["", "Renew with: forcesight workforce skill renew STAFF_ID SKILL --awarded DATE"]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "email": self.recipient.email,
            "staff_id": self.recipient.staff_id,
            "team_id": self.recipient.team_id,
            "generated_at": self.generated_at.isoformat(),
            "expiring": self.items.height,
            "items": [
                {k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.items()}
                for row in self.items.iter_rows(named=True)
            ],
        }


def reminders_due(held: pl.DataFrame, policy: WorkforcePolicy, on: date) -> pl.DataFrame:
    """Awards held on ``on`` whose expiry is within the largest reminder window, with the
    reminder stage each has reached (the smallest reminder day not below the days left)."""
    stages = sorted(policy.reminders.days_before)
    soon = views.expiring(held, on, max(stages))
    stage = pl.lit(None, dtype=pl.Int64)
    for days in reversed(stages):
        stage = pl.when(pl.col("days_left") <= days).then(pl.lit(days)).otherwise(stage)
    return soon.with_columns(stage.alias("stage")).select(
        "staff_id", "skill", "expires_on", "days_left", "stage", "team_id", "function"
    )


def build_expiry_digests(
    due: pl.DataFrame,
    recipients: Iterable[Recipient],
    now: datetime,
    *,
    include_empty: bool = False,
) -> list[ExpiryDigest]:
    """One digest per recipient: their own expiring awards, their team's, or the force's."""
    digests = []
    for person in recipients:
        parts = []
        if person.staff_id:
            parts.append(due.filter(pl.col("staff_id") == person.staff_id))
        if person.team_id:
            parts.append(due.filter(pl.col("team_id") == person.team_id))
        if not parts:
            parts.append(due)
        items = pl.concat(parts).unique(["staff_id", "skill"]).sort("expires_on", "staff_id")
        if items.height or include_empty:
            digests.append(ExpiryDigest(recipient=person, generated_at=now, items=items))
    return digests
