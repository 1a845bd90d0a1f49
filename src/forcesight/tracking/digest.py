"""The daily digest: each recipient's due and overdue clocks, by email and by webhook.

Recipients are an input (staff id or team, and an email address), so the digest does not depend
on where user accounts live: the web app passes its users, the CLI reads a CSV. Sending uses the
``smtp_host``, ``smtp_port`` and ``smtp_sender`` settings and, if set, ``webhook_url`` (one JSON
POST per recipient). Digests carry references and clock names only, never names of people.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import polars as pl

from forcesight.errors import DigestDeliveryError, MissingColumnsError
from forcesight.tracking import views


@dataclass(frozen=True)
class Recipient:
    """Who gets a digest: the clocks of a staff member, of a team, or both."""

    email: str
    staff_id: str | None = None
    team_id: str | None = None


@dataclass(frozen=True)
class Digest:
    recipient: Recipient
    generated_at: datetime
    items: pl.DataFrame

    @property
    def overdue(self) -> int:
        return int((self.items["status"] == "overdue").sum())

    @property
    def due_soon(self) -> int:
        return int((self.items["status"] == "due_soon").sum())

    @property
    def subject(self) -> str:
        return (
            f"forcesight clocks {self.generated_at:%Y-%m-%d}: {self.overdue} overdue, "
            f"{self.due_soon} due soon"
        )

    def text(self) -> str:
        lines = [self.subject, ""]
        for status in ("overdue", "due_soon"):
            rows = self.items.filter(pl.col("status") == status)
            if rows.height == 0:
                continue
            lines.append("Overdue:" if status == "overdue" else "Due soon:")
            for row in rows.iter_rows(named=True):
                extra = f" (escalate to {row['escalate_to']})" if row["escalate_to"] else ""
                lines.append(
                    f"  {row['ref']}  {row['label']}  due {row['due_at']:%Y-%m-%d %H:%M}{extra}"
                )
            lines.append("")
        lines.append("Times are local (Europe/London). This digest lists references only.")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "email": self.recipient.email,
            "staff_id": self.recipient.staff_id,
            "team_id": self.recipient.team_id,
            "generated_at": self.generated_at.isoformat(),
            "overdue": self.overdue,
            "due_soon": self.due_soon,
            "items": [
                {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}
                for row in self.items.select(
                    "ref", "kind", "clock", "label", "status", "due_at", "escalate_to"
                ).iter_rows(named=True)
            ],
        }


def build_digests(
    clocks: pl.DataFrame,
    recipients: Iterable[Recipient],
    now: datetime,
    *,
    include_empty: bool = False,
) -> list[Digest]:
    """One digest per recipient: due-soon and overdue clocks they own or their team owns."""
    digests = []
    for person in recipients:
        parts = []
        if person.staff_id:
            parts.append(views.due(clocks, "me", staff_id=person.staff_id))
        if person.team_id:
            parts.append(views.due(clocks, "team", team_id=person.team_id))
        if not parts:
            parts.append(views.due(clocks, "force"))
        items = pl.concat(parts).unique(["ref", "kind", "clock", "trigger", "due_at"])
        items = items.sort("status", "due_at", "ref", descending=[True, False, False])
        if items.height or include_empty:
            digests.append(Digest(recipient=person, generated_at=now, items=items))
    return digests


def send_email(digests: Sequence[Digest], host: str, port: int, sender: str) -> int:
    """Send each digest as a plain-text email through one SMTP connection; returns the count."""
    if not digests:
        return 0
    try:
        with smtplib.SMTP(host, port, timeout=30) as smtp:
            for digest in digests:
                message = EmailMessage()
                message["From"] = sender
                message["To"] = digest.recipient.email
                message["Subject"] = digest.subject
                message.set_content(digest.text())
                smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise DigestDeliveryError("email", f"{host}:{port}", str(exc)) from None
    return len(digests)


def post_webhook(digests: Sequence[Digest], url: str, timeout: float = 30.0) -> int:
    """POST each digest as JSON to ``url``; returns the count."""
    try:
        with httpx.Client(timeout=timeout) as client:
            for digest in digests:
                response = client.post(url, json=digest.to_dict())
                response.raise_for_status()
    except httpx.HTTPError as exc:
        raise DigestDeliveryError("webhook", url, str(exc)) from None
    return len(digests)


def read_recipients(path: str | Path) -> list[Recipient]:
    """Recipients from a CSV with columns email and staff_id and/or team_id."""
    frame = pl.read_csv(path, infer_schema=False)
    if "email" not in frame.columns:
        raise MissingColumnsError(
            str(path), ["email"], frame.columns, ["email", "staff_id", "team_id"]
        )
    return [
        Recipient(
            email=row["email"].strip(),
            staff_id=(row.get("staff_id") or "").strip() or None,
            team_id=(row.get("team_id") or "").strip() or None,
        )
        for row in frame.iter_rows(named=True)
        if row["email"] and row["email"].strip()
    ]
