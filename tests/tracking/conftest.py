"""Fixtures for the clock tests: the shipped policy and stores seeded with subjects."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from tracking_helpers import seed

from forcesight.tracking.rules import ClocksPolicy, load_clocks_policy


@pytest.fixture(scope="session")
def policy() -> ClocksPolicy:
    return load_clocks_policy()


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    seed(engine)
    return engine


@pytest.fixture
def seeded_sqlite(sqlite_engine: Engine) -> Engine:
    seed(sqlite_engine)
    return sqlite_engine
