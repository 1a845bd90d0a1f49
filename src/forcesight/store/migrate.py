"""Alembic migrations, run from code so that an installed forcesight can create its store."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from forcesight.errors import StoreNotInitialisedError, StoreOutOfDateError

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def expected_heads() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config_for_scripts())
    return sorted(script.get_heads())


def alembic_config_for_scripts() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def current_heads(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        return sorted(context.get_current_heads())


def upgrade(engine: Engine) -> list[str]:
    """Create or migrate the store to the newest schema; returns the schema version(s)."""
    command.upgrade(alembic_config(engine), "heads")
    return current_heads(engine)


def check_current(engine: Engine) -> None:
    """Raise unless the store exists and is at this forcesight's schema version."""
    url = engine.url.render_as_string(hide_password=True)
    if not inspect(engine).has_table("alembic_version"):
        raise StoreNotInitialisedError(url)
    current = current_heads(engine)
    expected = expected_heads()
    if current != expected:
        raise StoreOutOfDateError(url, current, expected)
