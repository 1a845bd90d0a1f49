"""Fixtures for the report tests: stores holding the small hand-counted force."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from tests.workforce.force_fixture import seed

from forcesight.workforce.policy import WorkforcePolicy, load_workforce_policy


@pytest.fixture(autouse=True)
def _one_process(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Build every section in this process (a worker costs seconds to start), except in the
    tests marked ``alongside`` that check the worker path."""
    if "alongside" not in request.keywords:
        monkeypatch.setenv("FORCESIGHT_WORKERS", "1")


@pytest.fixture(scope="session")
def policy() -> WorkforcePolicy:
    return load_workforce_policy()


@pytest.fixture
def force(engine: Engine) -> Engine:
    """The fixture force on SQLite and PostgreSQL."""
    seed(engine)
    return engine


@pytest.fixture
def force_sqlite(sqlite_engine: Engine) -> Engine:
    seed(sqlite_engine)
    return sqlite_engine
