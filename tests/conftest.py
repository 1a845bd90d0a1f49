"""Fixtures shared by every test: stores on both backends, real data files, fixed time."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from forcesight.store.engine import open_engine
from forcesight.store.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "src" / "forcesight" / "data"
TEST_DATA = Path(__file__).resolve().parent / "data"
PG_URL = os.environ.get("FORCESIGHT_TEST_PG_URL", "")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if PG_URL:
        return
    skip = pytest.mark.skip(reason="FORCESIGHT_TEST_PG_URL not set: run the suite with ./run test")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated PostgreSQL database used as the template for each test's database."""
    if not PG_URL:
        pytest.skip("FORCESIGHT_TEST_PG_URL not set: run the suite with ./run test")
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"fs_template_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    engine = open_engine(url)
    upgrade(engine)
    engine.dispose()
    yield name
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _new_pg_database(template: str) -> tuple[str, str]:
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"fs_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()
    return name, make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(name: str) -> None:
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh, migrated store on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
        engine = open_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    template = request.getfixturevalue("pg_template")
    name, url = _new_pg_database(template)
    yield url
    _drop_pg_database(name)


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    """A fresh, migrated store on each backend (SQLite file and PostgreSQL)."""
    eng = open_engine(store_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A fresh, migrated SQLite store only, for tests that do not depend on the backend."""
    eng = open_engine(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture(autouse=True)
def _close_import_connections() -> Iterator[None]:
    """Imports keep one ADBC connection per SQLite file open; close them after each test."""
    yield
    from forcesight.store.sink import close_import_connections

    close_import_connections()
