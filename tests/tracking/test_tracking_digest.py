"""The daily digest through a real SMTP server and a real HTTP server on loopback."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine

from forcesight.errors import DigestDeliveryError
from forcesight.tracking import service
from forcesight.tracking.digest import Recipient, read_recipients
from forcesight.tracking.events import open_record

NOW = datetime(2023, 3, 1, 9, 0)


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[_Inbox, int]]:
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def webhook() -> Iterator[tuple[list[dict[str, Any]], str]]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield received, f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()
    thread.join()


def _clocks(engine: Engine) -> None:
    open_record(
        engine,
        kind="investigation",
        ref="I-OVERDUE",
        crime_id=1,
        owner_id="S1",
        started_at=NOW - timedelta(days=9),
        now=NOW,
    )
    open_record(
        engine,
        kind="investigation",
        ref="I-SOON",
        crime_id=2,
        owner_id="C1",
        started_at=NOW - timedelta(days=6),
        now=NOW,
    )
    open_record(
        engine,
        kind="investigation",
        ref="I-LATER",
        crime_id=3,
        owner_id="C1",
        started_at=NOW - timedelta(days=1),
        now=NOW,
    )


def test_digest_by_email(seeded_sqlite: Engine, smtp: tuple[_Inbox, int]) -> None:
    inbox, port = smtp
    _clocks(seeded_sqlite)
    recipients = [
        Recipient("sergeant@example.police.uk", staff_id="S1"),
        Recipient("pc@example.police.uk", staff_id="C1"),
        Recipient("idle@example.police.uk", staff_id="U1"),
    ]
    sent = service.send_digests(
        seeded_sqlite,
        recipients,
        NOW,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_sender="clocks@example.police.uk",
        webhook_url="",
    )
    assert sent == {"digests": 2, "emails": 2, "webhooks": 0}
    by_rcpt = {rcpts[0]: message_from_bytes(body) for _, rcpts, body in inbox.messages}
    assert set(by_rcpt) == {"sergeant@example.police.uk", "pc@example.police.uk"}
    sergeant = by_rcpt["sergeant@example.police.uk"]
    assert sergeant["From"] == "clocks@example.police.uk"
    assert sergeant["Subject"] == "forcesight clocks 2023-03-01: 1 overdue, 0 due soon"
    body = sergeant.get_payload(decode=True).decode()
    assert "I-OVERDUE" in body and "escalate to inspector" in body and "I-SOON" not in body
    pc = by_rcpt["pc@example.police.uk"]
    assert pc["Subject"] == "forcesight clocks 2023-03-01: 0 overdue, 1 due soon"
    assert "I-LATER" not in pc.get_payload(decode=True).decode()


def test_digest_by_webhook(
    seeded_sqlite: Engine, webhook: tuple[list[dict[str, Any]], str]
) -> None:
    received, url = webhook
    _clocks(seeded_sqlite)
    sent = service.send_digests(
        seeded_sqlite,
        [Recipient("team@example.police.uk", team_id="T2")],
        NOW,
        webhook_url=url,
        email=False,
    )
    assert sent == {"digests": 1, "emails": 0, "webhooks": 1}
    assert received[0]["email"] == "team@example.police.uk"
    assert received[0]["overdue"] == 1
    assert [i["ref"] for i in received[0]["items"]] == ["I-OVERDUE"]
    assert received[0]["items"][0]["due_at"] == "2023-02-27T09:00:00"


def test_unreachable_smtp_server_is_reported(seeded_sqlite: Engine) -> None:
    _clocks(seeded_sqlite)
    with pytest.raises(DigestDeliveryError, match=r"by email to 127.0.0.1:\d+"):
        service.send_digests(
            seeded_sqlite,
            [Recipient("a@example.police.uk", staff_id="S1")],
            NOW,
            smtp_host="127.0.0.1",
            smtp_port=_free_port(),
            webhook_url="",
        )


def test_recipients_from_csv(tmp_path: Any) -> None:
    path = tmp_path / "recipients.csv"
    path.write_text("email,staff_id,team_id\na@x.uk,S1,\nb@x.uk,,T2\n,C1,\n", encoding="utf-8")
    assert read_recipients(path) == [
        Recipient("a@x.uk", staff_id="S1"),
        Recipient("b@x.uk", team_id="T2"),
    ]
