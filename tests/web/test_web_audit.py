"""The audit log: append-only in the store, filtered and exported by administrators."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import pytest
from sqlalchemy import Engine, delete, text, update
from sqlalchemy.exc import DBAPIError
from web_support import PASSWORD, WebApp

from forcesight.web import audit
from forcesight.web.routing import iter_routes
from forcesight.web.tables import audit_log


def test_record_returns_the_entry_and_keeps_detail_as_json(sqlite_engine: Engine) -> None:
    engine = sqlite_engine
    with engine.begin() as connection:
        first = audit.record(
            connection,
            "cmu-7",
            "crime.allocate",
            "crime:C123",
            {"to": "P0042"},
            "10.0.0.5",
            at=datetime(2026, 1, 2, 3, 4, 5),
        )
        second = audit.record(connection, "cmu-7", "person.view", "person:X9", None, "10.0.0.5")
    assert second > first
    with engine.connect() as connection:
        entries, total = audit.entries(connection, audit.AuditFilter(actor="cmu-7"))
    assert total == 2
    oldest = entries[-1]
    assert (oldest.action, oldest.target, oldest.ip) == ("crime.allocate", "crime:C123", "10.0.0.5")
    assert json.loads(oldest.detail or "") == {"to": "P0042"}
    assert oldest.at == datetime(2026, 1, 2, 3, 4, 5)


def test_the_store_refuses_update_and_delete_of_the_audit_log(engine: Engine) -> None:
    with engine.begin() as connection:
        audit.record(connection, "someone", "import.run", "import_run:1", None, "127.0.0.1")
    statements = [
        update(audit_log).values(actor="someone-else"),
        delete(audit_log),
    ]
    if engine.dialect.name == "postgresql":
        statements.append(text("TRUNCATE audit_log"))  # type: ignore[arg-type]
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(statement)
    with engine.connect() as connection:
        entries, total = audit.entries(connection, audit.AuditFilter())
    assert total == 1 and entries[0].actor == "someone"


def test_no_route_can_change_the_audit_log(sqlite_web: WebApp) -> None:
    for route in iter_routes(sqlite_web.app.routes):
        if route.action and route.action.startswith("audit."):
            assert route.methods <= {"GET", "HEAD"}, route.path


def test_writes_sign_ins_and_exports_are_audited_with_who_and_where(web: WebApp) -> None:
    web.client.post("/api/v1/session", json={"username": "analyst1", "password": "not-it-at-all"})
    csrf = web.sign_in("admin1")
    web.client.post(
        "/api/v1/users",
        json={"username": "new-planner", "role": "planner", "password": PASSWORD},
        headers={"X-CSRF-Token": csrf},
    )
    web.client.post("/api/v1/users/new-planner/disable", headers={"X-CSRF-Token": csrf})
    web.client.get("/audit.csv")
    entries = web.client.get("/api/v1/audit", params={"limit": 1000}).json()["entries"]
    seen = [(e["actor"], e["action"], e["target"], e["ip"]) for e in reversed(entries)]
    web_entries = [s for s in seen if s[0] != "test"]  # fixture accounts are added as "test"
    assert web_entries == [
        ("analyst1", "login.failed", "user:analyst1", "testclient"),
        ("admin1", "login", "user:admin1", "testclient"),
        ("admin1", "user.add", "user:new-planner", "testclient"),
        ("admin1", "user.disable", "user:new-planner", "testclient"),
        ("admin1", "audit.export", "audit_log", "testclient"),
    ]


def test_audit_page_filters_and_csv_export(sqlite_web: WebApp) -> None:
    web = sqlite_web
    # A typed username that a spreadsheet would run as a formula.
    web.client.post("/api/v1/session", json={"username": "=HYPERLINK(1)", "password": "x"})
    web.sign_in("admin1")
    page = web.client.get("/audit", params={"action": "login.failed"})
    assert page.status_code == 200
    assert "=HYPERLINK(1)" in page.text and "user:admin1" not in page.text
    fragment = web.client.get("/audit", params={"action": "login"}, headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="audit-rows">')
    assert "<html" not in fragment.text
    bad = web.client.get("/audit", params={"since": "yesterday"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.text
    day = web.clock().date().isoformat()
    export = web.client.get("/audit.csv", params={"since": day, "until": day})
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert rows and all(r["at_utc"].startswith(day) for r in rows)
    assert "'=HYPERLINK(1)" in {r["actor"] for r in rows}
    none = web.client.get("/api/v1/audit", params={"since": "2001-01-01", "until": "2001-01-02"})
    assert none.json() == {"total": 0, "offset": 0, "entries": []}


def test_audit_is_for_administrators_only(sqlite_web: WebApp) -> None:
    sqlite_web.sign_in("supervisor1")
    assert sqlite_web.client.get("/audit").status_code == 403
    assert sqlite_web.client.get("/api/v1/audit").status_code == 403
    assert sqlite_web.client.get("/audit.csv").status_code == 403
