"""Expiry reminders through a real SMTP server on loopback, and the workforce CLI."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine
from tests.workforce.force_fixture import NOW, TODAY
from typer.testing import CliRunner

from forcesight.cli import app
from forcesight.tracking.digest import Recipient
from forcesight.workforce import reminders, service
from forcesight.workforce.policy import WorkforcePolicy

AT = NOW.strftime("%Y-%m-%dT%H:%M:%S")


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Inbox]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("FORCESIGHT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("FORCESIGHT_SMTP_PORT", str(port))
    yield inbox
    controller.stop()


def test_reminder_stages(force_sqlite: Engine, policy: WorkforcePolicy) -> None:
    due = reminders.reminders_due(service.holdings(force_sqlite, NOW), policy, TODAY)
    stages = dict(zip(due["staff_id"], due["stage"], strict=True))
    assert stages == {"P1": 30, "R1": 90}  # 16 days left -> the 30-day reminder; 77 -> 90


def test_expiry_reminders_are_emailed(force_sqlite: Engine, smtp: _Inbox) -> None:
    people = [
        Recipient("r1@example.org", staff_id="R1"),
        Recipient("pp@example.org", team_id="T_PP"),
        Recipient("nobody@example.org", staff_id="D2"),
    ]
    digests = service.send_expiry_reminders(force_sqlite, NOW, people)
    assert [d.recipient.email for d in digests] == ["r1@example.org", "pp@example.org"]
    assert len(smtp.messages) == 2
    first = message_from_bytes(smtp.messages[0])
    assert first["To"] == "r1@example.org"
    assert "1 award(s) expiring soon" in first["Subject"]
    assert "R1  taser  expires 2026-06-01 (77 days)" in first.get_payload()


def _run(url: str, *args: str) -> Any:
    result = CliRunner().invoke(app, ["--db", url, *args])
    return result


def test_cli_skill_lifecycle_and_views(force_sqlite: Engine, tmp_path: Path) -> None:
    url = force_sqlite.url.render_as_string(hide_password=False)
    added = _run(url, "workforce", "skill", "add", "R2", "first_aid", "--awarded", "2026-03-01",
                 "--by", "hr1", "--at", AT, "--json")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["expires_on"] == "2029-03-01"
    refused = _run(url, "workforce", "skill", "add", "R2", "juggling", "--awarded", "2026-03-01",
                   "--at", AT)  # fmt: skip
    assert refused.exit_code == 2
    assert "unknown skill" in refused.output
    renewed = _run(url, "workforce", "skill", "renew", "R1", "taser", "--awarded", "2026-03-10",
                   "--at", AT, "--json")  # fmt: skip
    assert json.loads(renewed.stdout)["action"] == "renew"
    revoked = _run(url, "workforce", "skill", "revoke", "R3", "taser", "--reason", "restricted",
                   "--on", "2026-03-11", "--at", AT, "--json")  # fmt: skip
    assert json.loads(revoked.stdout)["revoked_on"] == "2026-03-11"
    listed = json.loads(_run(url, "workforce", "skill", "list", "--skill", "taser", "--at", AT,
                             "--json").stdout)  # fmt: skip
    assert [r["staff_id"] for r in listed["held"]] == ["R1"]
    expiring = json.loads(_run(url, "workforce", "expiring", "--days", "90", "--at", AT,
                               "--json").stdout)  # fmt: skip
    assert [r["staff_id"] for r in expiring["awards"]] == ["P1"]  # R1 renewed
    for command in (
        ["spof"],
        ["tutoring"],
        ["sickness", "--months", "2"],
        ["gaps"],
        ["posts", "3"],
    ):
        result = _run(url, "workforce", *command, "--at", AT, "--json")
        assert result.exit_code == 0, result.output
        json.loads(result.stdout)
    bad = _run(url, "workforce", "sickness", "--by", "shoe_size", "--at", AT)
    assert bad.exit_code == 2
    recipients = tmp_path / "people.csv"
    recipients.write_text("email,staff_id\np1@example.org,P1\n", encoding="utf-8")
    dry = _run(url, "workforce", "reminders", "--recipients", str(recipients), "--at", AT,
               "--json")  # fmt: skip
    assert json.loads(dry.stdout)["digests"][0]["items"][0]["skill"] == "abe_interviewing"
