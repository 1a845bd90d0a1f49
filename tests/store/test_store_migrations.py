"""Migrations: up from empty on both backends, and the migrations match the table definitions."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

import forcesight.store as store
from forcesight.store.migrate import check_current, current_heads, expected_heads, upgrade


def _all_table_modules() -> None:
    """Import every module that defines tables, so the metadata is complete."""
    import importlib
    import pkgutil

    import forcesight

    for module in pkgutil.walk_packages(forcesight.__path__, "forcesight."):
        if module.name.endswith(".tables"):
            importlib.import_module(module.name)


def test_upgrade_from_empty_reaches_every_head(engine: Engine) -> None:
    # The fixture already migrated this store; migrating again is a no-op.
    assert current_heads(engine) == expected_heads()
    assert upgrade(engine) == expected_heads()
    check_current(engine)
    names = set(inspect(engine).get_table_names())
    assert {
        "import_runs",
        "quarantine",
        "street_crimes",
        "incidents",
        "crimes",
        "staff",
        "clock_records",
        "clock_events",
    } <= names


def test_migrations_match_the_table_definitions(engine: Engine) -> None:
    _all_table_modules()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, store.metadata)
    assert differences == []
