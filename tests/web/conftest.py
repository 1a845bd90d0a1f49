"""Fixtures for the web app's tests: an app on each backend, a clock that tests move, accounts
for every role, and sign-in helpers (see web_support.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from web_support import ROLES, MovableClock, TestClient, WebApp

from forcesight.store.engine import open_engine
from forcesight.web import accounts
from forcesight.web.app import create_app
from forcesight.web.config import WebConfig


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2id, with small parameters so tests do not spend seconds hashing."""
    monkeypatch.setattr(
        accounts, "PASSWORD_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def web_config(tmp_path: Path) -> WebConfig:
    return WebConfig(
        session_minutes=30,
        login_max_failures=3,
        login_lockout_minutes=15,
        secure_cookies=False,
        max_upload_mb=2,
        secret_key="test-secret-key",
        data_dir=tmp_path / "data",
    )


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


def _web_app(url: str, config: WebConfig, clock: MovableClock) -> Iterator[WebApp]:
    app = create_app(url, config=config, clock=clock)
    engine = open_engine(url)
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        web = WebApp(app, client, engine, clock, url)
        for role in ROLES:
            web.add_user(f"{role}1", role)
        yield web
    engine.dispose()


@pytest.fixture
def web(store_url: str, web_config: WebConfig, clock: MovableClock) -> Iterator[WebApp]:
    """The app on a fresh store (SQLite and PostgreSQL) with one account per role."""
    yield from _web_app(store_url, web_config, clock)


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite store made once; each test gets a copy (migrating takes a second)."""
    from forcesight.store.migrate import upgrade

    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = open_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def sqlite_web(
    tmp_path: Path, web_config: WebConfig, clock: MovableClock, migrated_sqlite_file: Path
) -> Iterator[WebApp]:
    """The app on a fresh SQLite store only, with one account per role."""
    import shutil

    target = tmp_path / "web.db"
    shutil.copyfile(migrated_sqlite_file, target)
    yield from _web_app(f"sqlite:///{target}", web_config, clock)
