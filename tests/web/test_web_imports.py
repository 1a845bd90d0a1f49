"""Import through the web: upload, progress, reconciliation, quarantine browse and download."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import func, select
from web_support import DAMAGED, STREET, WebApp, upload

from forcesight.store.reference import street_crimes
from forcesight.store.runs import import_runs
from forcesight.web.tables import audit_log

REAL = STREET / "2024-01" / "2024-01-northamptonshire-street.csv"


def _count(web: WebApp, table: object) -> int:
    with web.engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def _audit(web: WebApp, action: str) -> list[tuple[str, str, str | None, str]]:
    with web.engine.connect() as c:
        rows = c.execute(
            select(audit_log.c.actor, audit_log.c.target, audit_log.c.detail, audit_log.c.ip)
            .where(audit_log.c.action == action)
            .order_by(audit_log.c.id)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_upload_a_real_file_and_see_its_reconciliation(web: WebApp) -> None:
    csrf = web.sign_in("analyst1")
    job = upload(web, csrf, REAL)
    assert job["status"] == "completed", job
    result = job["result"]
    assert isinstance(result, dict)
    lines = REAL.read_bytes().count(b"\n") - 1
    assert result["rows_read"] == lines
    assert result["rows_read"] == (
        result["rows_stored"] + result["rows_quarantined"] + result["rows_duplicate"]
    )
    assert result["reconciles"] is True
    assert _count(web, street_crimes) == result["rows_stored"]
    run_id = result["run_id"]
    run = web.client.get(f"/api/v1/imports/runs/{run_id}").json()
    assert run["file_name"] == REAL.name and run["user"] == "analyst1"
    page = web.client.get(f"/import/runs/{run_id}")
    assert page.status_code == 200
    assert f"{result['rows_read']:,}" in page.text
    # The job page shows the same reconciliation, and the import is audited.
    job_page = web.client.get(f"/import/jobs/{job['id']}")
    assert f"read {result['rows_read']:,} = stored {result['rows_stored']:,}" in job_page.text
    ((actor, target, detail, ip),) = _audit(web, "import.run")
    assert (actor, target, ip) == ("analyst1", f"import_run:{run_id}", "testclient")
    assert detail and f'"rows_read": {lines}' in detail
    # The upload itself is not kept once imported.
    assert not any((web.app.state.web.config.upload_dir).rglob("*.csv"))


def test_damaged_file_quarantine_browse_and_download(web: WebApp) -> None:
    csrf = web.sign_in("analyst1")
    job = upload(web, csrf, DAMAGED)
    result = job["result"]
    assert isinstance(result, dict)
    assert (result["rows_read"], result["rows_stored"], result["rows_quarantined"],
            result["rows_duplicate"]) == (42, 34, 7, 1)  # fmt: skip
    run_id = result["run_id"]
    detail = web.client.get(f"/api/v1/imports/runs/{run_id}").json()
    assert sum(r["rows"] for r in detail["quarantine_reasons"]) == 7
    rows = web.client.get(f"/api/v1/imports/runs/{run_id}/quarantine").json()
    assert [(r["line"], r["column"]) for r in rows] == [
        (5, "Month"), (9, "Crime ID"), (12, "Crime type"), (15, "Longitude"), (20, "(row)"),
        (25, "LSOA code"), (43, "Latitude"),
    ]  # fmt: skip
    assert rows[0]["value"] == "2024-13"
    one = web.client.get(
        f"/api/v1/imports/runs/{run_id}/quarantine", params={"reason": rows[4]["reason"]}
    ).json()
    assert [r["line"] for r in one] == [20]
    page = web.client.get(f"/import/runs/{run_id}/quarantine")
    assert page.status_code == 200 and "2024-13" in page.text
    download = web.client.get(f"/import/runs/{run_id}/quarantine.csv")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(download.text)))
    assert [int(r["line"]) for r in table] == [5, 9, 12, 15, 20, 25, 43]
    assert table[3]["value"] == "'-181.5"  # formula-safe: a leading '-' is quoted
    # Views and the export of record-level rows are audited, with who and from where.
    assert len(_audit(web, "quarantine.view")) == 3
    ((actor, target, detail_text, _ip),) = _audit(web, "quarantine.export")
    assert (actor, target) == ("analyst1", f"import_run:{run_id}")
    assert detail_text == '{"rows": 7}'


def test_the_same_file_twice_changes_no_data(sqlite_web: WebApp) -> None:
    web = sqlite_web
    csrf = web.sign_in("analyst1")
    first = upload(web, csrf, DAMAGED)["result"]
    stored = _count(web, street_crimes)
    second = upload(web, csrf, DAMAGED)["result"]
    assert isinstance(first, dict) and isinstance(second, dict)
    assert _count(web, street_crimes) == stored
    assert second["rows_stored"] == 0
    assert second["rows_read"] == second["rows_quarantined"] + second["rows_duplicate"]


def test_a_file_that_cannot_be_read_changes_nothing_and_says_why(sqlite_web: WebApp) -> None:
    web = sqlite_web
    csrf = web.sign_in("analyst1")
    before = (_count(web, street_crimes), _count(web, import_runs))
    wrong = b"Crime ID,Month,Something else\n1,2024-01,x\n"
    job = upload(web, csrf, DAMAGED, content=wrong)
    assert job["status"] == "failed"
    error = job["error"]
    assert isinstance(error, dict)
    assert error["error"] == "missing_columns"
    assert "Nothing was imported" in error["detail"]
    assert "Reported by" in error["detail"]
    assert (_count(web, street_crimes), _count(web, import_runs)) == before
    page = web.client.get(f"/import/jobs/{job['id']}")
    assert "Nothing was imported" in page.text
    ((actor, target, detail, _ip),) = _audit(web, "import.refused")
    assert actor == "analyst1" and target == f"file:{DAMAGED.name}"
    assert detail and "missing_columns" in detail


def test_uploads_refused_before_importing(sqlite_web: WebApp) -> None:
    web = sqlite_web
    csrf = web.sign_in("analyst1")
    headers = {"X-CSRF-Token": csrf}

    def post(files: dict[str, tuple[str, bytes, str]], source: str = "police-uk") -> object:
        return web.client.post(
            "/api/v1/imports", data={"source": source}, files=files, headers=headers
        )

    empty = post({"data": ("empty.csv", b"", "text/csv")})
    assert empty.status_code == 400 and "is empty" in empty.json()["detail"]
    script = post({"data": ("run-me.sh", b"#!/bin/sh\nrm -rf /\n", "text/x-sh")})
    assert script.status_code == 415 and "ending in .csv" in script.json()["detail"]
    unknown = post({"data": ("a.csv", b"x\n1\n", "text/csv")}, source="nope")
    assert unknown.status_code == 400 and unknown.json()["error"] == "unknown_source"
    # max_upload_mb is 2 in these tests: a 3 MiB body is refused before it is parsed.
    big = post({"data": ("big.csv", b"a,b\n" + b"1,2\n" * (3 * 1024 * 1024 // 4), "text/csv")})
    assert big.status_code == 413
    assert "upload limit" in big.json()["detail"]
    # Past the limit plus room for the form, the body itself is refused.
    huge = post({"data": ("huge.csv", b"1,2\n" * (5 * 1024 * 1024 // 4), "text/csv")})
    assert huge.status_code == 413
    assert _count(web, import_runs) == 0
    assert not any(web.app.state.web.config.upload_dir.rglob("*"))


def test_sources_needing_a_mapping_refuse_an_upload_without_one(sqlite_web: WebApp) -> None:
    web = sqlite_web
    csrf = web.sign_in("analyst1")
    sources = {s["name"]: s for s in web.client.get("/api/v1/sources").json()}
    assert sources["police-uk"]["needs_mapping"] is False
    needing = [name for name, s in sources.items() if s["needs_mapping"]]
    for name in needing:
        r = web.client.post(
            "/api/v1/imports",
            data={"source": name},
            files={"data": ("log.csv", b"a,b\n1,2\n", "text/csv")},
            headers={"X-CSRF-Token": csrf},
        )
        assert r.status_code == 400 and "mapping" in r.json()["detail"]


def test_import_page_form_flow(sqlite_web: WebApp) -> None:
    web = sqlite_web
    csrf = web.sign_in("admin1")
    page = web.client.get("/import")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text
    assert re.search(r'<label for="data">', page.text)
    r = web.client.post(
        "/import",
        data={"source": "police-uk", "csrf_token": csrf},
        files={"data": (DAMAGED.name, DAMAGED.read_bytes(), "text/csv")},
    )
    assert r.status_code == 303
    assert r.headers["location"].startswith("/import/jobs/")
    refused = web.client.post(
        "/import",
        data={"source": "police-uk", "csrf_token": csrf},
        files={"data": ("notes.txt", b"hello", "text/plain")},
    )
    assert refused.status_code == 415
    assert "Nothing was imported" in refused.text and "<form" in refused.text


def test_planner_sees_runs_but_not_quarantined_rows(sqlite_web: WebApp) -> None:
    web = sqlite_web
    csrf = web.sign_in("analyst1")
    run_id = upload(web, csrf, DAMAGED)["result"]["run_id"]  # type: ignore[index]
    web.sign_out()
    web.sign_in("planner1")
    page = web.client.get(f"/import/runs/{run_id}")
    assert page.status_code == 200
    assert "Browse the quarantined rows" not in page.text
    assert web.client.get(f"/import/runs/{run_id}/quarantine").status_code == 403
    assert web.client.get(f"/api/v1/imports/runs/{run_id}/quarantine").status_code == 403
    assert web.client.get(f"/import/runs/{run_id}/quarantine.csv").status_code == 403
