"""`forcesight user ...` and `forcesight serve` on the command line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from forcesight.cli import app
from forcesight.store.engine import open_engine
from forcesight.web import audit

runner = CliRunner()


def _store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert runner.invoke(app, ["--db", url, "init"]).exit_code == 0
    return url


def test_user_add_list_disable_enable(tmp_path: Path) -> None:
    url = _store(tmp_path)
    added = runner.invoke(
        app,
        ["--db", url, "user", "add", "sgt-77", "--role", "supervisor", "--password-stdin"],
        input="a long enough secret\n",
    )
    assert added.exit_code == 0, added.output
    listed = runner.invoke(app, ["--db", url, "user", "list", "--json"])
    (user,) = json.loads(listed.stdout)["users"]
    assert (user["username"], user["role"], user["enabled"]) == ("sgt-77", "supervisor", True)
    assert user["created_by"].startswith("cli")
    assert runner.invoke(app, ["--db", url, "user", "disable", "sgt-77"]).exit_code == 0
    listed = json.loads(runner.invoke(app, ["--db", url, "user", "list", "--json"]).stdout)
    assert listed["users"][0]["enabled"] is False
    assert runner.invoke(app, ["--db", url, "user", "enable", "sgt-77"]).exit_code == 0
    engine = open_engine(url)
    with engine.connect() as connection:
        entries, _ = audit.entries(connection, audit.AuditFilter())
    engine.dispose()
    assert [e.action for e in reversed(entries)] == ["user.add", "user.disable", "user.enable"]
    assert {e.ip for e in entries} == {"local"}


def test_user_add_prompts_for_the_password_twice(tmp_path: Path) -> None:
    url = _store(tmp_path)
    result = runner.invoke(
        app,
        ["--db", url, "user", "add", "ana", "--role", "analyst"],
        input="prompted secret 1\nprompted secret 1\n",
    )
    assert result.exit_code == 0, result.output
    assert "prompted secret" not in result.stdout


def test_user_errors_are_clear_and_exit_nonzero(tmp_path: Path) -> None:
    url = _store(tmp_path)
    bad_role = runner.invoke(
        app,
        ["--db", url, "user", "add", "x1", "--role", "chief", "--password-stdin"],
        input="a long enough secret\n",
    )
    assert bad_role.exit_code == 2
    assert "Unknown role 'chief'" in bad_role.output
    weak = runner.invoke(
        app,
        ["--db", url, "user", "add", "x1", "--role", "analyst", "--password-stdin"],
        input="short\n",
    )
    assert weak.exit_code == 2 and "at least 10 characters" in weak.output
    missing = runner.invoke(app, ["--db", url, "user", "disable", "ghost"])
    assert missing.exit_code == 2 and "No user named 'ghost'" in missing.output
    uninitialised = runner.invoke(
        app, ["--db", f"sqlite:///{tmp_path / 'none.db'}", "user", "list"]
    )
    assert uninitialised.exit_code == 1 and "forcesight init" in uninitialised.output


def test_serve_is_a_command_with_host_and_port() -> None:
    result = runner.invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--host" in result.stdout and "--port" in result.stdout
    bad = runner.invoke(app, ["serve", "--port", "70000"])
    assert bad.exit_code == 2
