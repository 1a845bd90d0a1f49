"""Fixtures for the finance tests: stores holding the small hand-counted force."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from tests.workforce.force_fixture import seed

from forcesight.workforce.policy import WorkforcePolicy, load_workforce_policy


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
