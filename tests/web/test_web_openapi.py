"""schemathesis against the OpenAPI document, signed in as an administrator: no 5xx, every
response conforms to the documented schema and status codes. Bounded: a few examples each.

The operations are driven with Hypothesis directly (``operation.as_strategy()``) because
schemathesis' lazy pytest loader does not work with pytest 9."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi import checks as openapi_checks
from web_support import DAMAGED, PASSWORD, ROLES

from forcesight.ingest import run_import
from forcesight.store.engine import open_engine
from forcesight.store.migrate import upgrade
from forcesight.web import accounts
from forcesight.web.app import create_app
from forcesight.web.clock import utc_now
from forcesight.web.config import WebConfig


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The app over a SQLite store with an import run and quarantined rows in it."""
    folder: Path = tmp_path_factory.mktemp("openapi")
    url = f"sqlite:///{folder / 'store.db'}"
    engine = open_engine(url)
    upgrade(engine)
    with engine.begin() as connection:
        for role in ROLES:
            accounts.add_user(
                connection, f"{role}1", role, PASSWORD, actor="test", ip="test", now=utc_now()
            )
    run_import(engine, "police-uk", DAMAGED, user="analyst1")
    engine.dispose()
    config = WebConfig(
        session_minutes=30,
        login_max_failures=5,
        login_lockout_minutes=15,
        secure_cookies=False,
        max_upload_mb=1,
        secret_key="openapi-test-key",
        data_dir=folder / "data",
    )
    yield create_app(url, config=config)


# No server errors; status codes, content types and bodies as documented. Not checked: that
# every schema-valid request is accepted, since business rules (an unknown source, a weak
# password, a file that is not CSV) refuse some of them with a documented 4xx.
CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.negative_data_rejection,
]


def _admin_headers(app: object) -> dict[str, str]:
    """A fresh administrator session (started directly, no password hashing) as headers."""
    web = app.state.web  # type: ignore[attr-defined]
    with web.engine.connect() as connection:
        admin = next(u for u in accounts.list_users(connection) if u.username == "admin1")
    token, principal = web.sessions.start(admin, "schemathesis", "schemathesis")
    return {"Cookie": f"forcesight_session={token}", "X-CSRF-Token": principal.csrf_token}


def test_api_conforms_to_its_openapi_document(api: object) -> None:
    """Every operation, a dozen generated examples each (same examples every run)."""
    schema = schemathesis.openapi.from_asgi(
        "/api/v1/openapi.json", api, headers=_admin_headers(api)
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def conforms(case: schemathesis.Case) -> None:
            # A fresh session per example: one that signs out must not sign out the rest.
            # Building a report as PDF takes tens of seconds on a loaded 2-core machine.
            case.call_and_validate(headers=_admin_headers(api), checks=CHECKS, timeout=300)

        conforms()
