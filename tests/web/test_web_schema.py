"""The web tables' migration matches the tables, and the role table validates."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, MetaData
from web_support import WebApp

from forcesight.errors import PolicyError
from forcesight.web import accounts
from forcesight.web.roles import load_roles
from forcesight.web.routing import route_table_markdown
from forcesight.web.tables import audit_log, login_attempts, users, web_sessions

WEB_TABLES = {t.name for t in (users, web_sessions, login_attempts, audit_log)}


def test_migration_0002_matches_the_tables(engine: Engine) -> None:
    only_web = MetaData()
    for table in (users, web_sessions, login_attempts, audit_log):
        table.to_metadata(only_web)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = [
            d for d in compare_metadata(context, only_web)
            if _table_of(d) in WEB_TABLES
        ]  # fmt: skip
    assert differences == []


def _table_of(difference: object) -> str | None:
    item = difference[0] if isinstance(difference, list) else difference
    assert isinstance(item, tuple)
    for part in item[1:]:
        name = getattr(part, "name", None)
        table = getattr(part, "table", None)
        if table is not None:
            return str(table.name)
        if isinstance(name, str):
            return name
        if isinstance(part, str):
            return part
    return None


def test_role_table_rejects_unknown_roles_and_duplicates(tmp_path: Path) -> None:
    (tmp_path / "roles.yaml").write_text(
        "version: '1'\nroles:\n  - {name: analyst, description: a, source: force choice}\n"
        "actions:\n  - {action: home.view, description: h, roles: [analyst, chief], "
        "source: force choice}\n",
        encoding="utf-8",
    )
    with pytest.raises(PolicyError, match="unknown role"):
        load_roles(tmp_path)


def test_every_shipped_action_names_known_roles_and_cites_a_source() -> None:
    table = load_roles()
    assert table.role_names == ["analyst", "planner", "supervisor", "investigator", "admin"]
    for rule in table.actions:
        assert rule.source
        assert rule.anonymous or rule.roles
    assert table.allows(None, "public") and not table.allows(None, "home.view")
    assert not table.allows("planner", "import.run") and table.allows("analyst", "import.run")
    assert not table.allows("admin", "no.such.action")


def test_demo_users_are_deterministic_and_can_sign_in(sqlite_engine: Engine) -> None:
    first = accounts.ensure_demo_users(sqlite_engine, seed=7)
    again = accounts.ensure_demo_users(sqlite_engine, seed=7)
    other = accounts.ensure_demo_users(sqlite_engine, seed=8)
    assert first == again
    assert [r for r, _, _ in first] == load_roles().role_names
    assert {u for _, u, _ in first} == {f"demo-{r}" for r in load_roles().role_names}
    assert [p for *_, p in first] != [p for *_, p in other]
    policy = accounts.LoginPolicy(max_failures=5, lockout_minutes=15)
    from datetime import datetime

    user = accounts.authenticate(
        sqlite_engine,
        "demo-admin",
        other[-1][2],
        ip="local",
        now=datetime(2026, 1, 1),
        policy=policy,
    )
    assert user.role == "admin"


def test_docs_hold_the_route_table_the_app_serves(sqlite_web: WebApp) -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "web.md").read_text(encoding="utf-8")
    table = route_table_markdown(sqlite_web.app.routes, load_roles())
    assert table in docs, "regenerate the route table in docs/web.md:\n" + table
