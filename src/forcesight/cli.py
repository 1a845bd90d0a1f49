"""The forcesight command line: one command group per domain."""

from __future__ import annotations

from typing import Annotated

import typer

from forcesight.cli_common import State, console, print_json, run_or_exit, store_engine
from forcesight.settings import settings_markdown
from forcesight.store import migrate

app = typer.Typer(
    name="forcesight",
    help="Demand, capacity and capability for a police force, from its own exports.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def main_options(
    db: Annotated[
        str,
        typer.Option(
            "--db",
            envvar="FORCESIGHT_DATABASE_URL",
            help="Store URL (default: SQLite file forcesight.db in the data directory).",
        ),
    ] = "",
) -> None:
    State.db_url = db


@app.command()
def init() -> None:
    """Create the store, or migrate it to this version's schema."""

    def action() -> list[str]:
        engine = store_engine(migrated=False)
        return migrate.upgrade(engine)

    versions = run_or_exit(action)
    console.print(f"Store ready at {State.url()} (schema {', '.join(versions)})")


@app.command("settings")
def settings_command(
    markdown: Annotated[bool, typer.Option("--markdown", help="Print the README table.")] = False,
) -> None:
    """List every setting, its environment variable, default and meaning."""
    from forcesight.settings import SETTINGS, setting

    if markdown:
        print(settings_markdown())
        return
    print_json(
        {s.name: {"env": s.env_var, "value": setting(s.name), "help": s.help} for s in SETTINGS}
    )


def _register() -> None:
    """Attach each domain's command group."""
    from forcesight.ingest.cli import register as register_ingest

    register_ingest(app)
    from forcesight.response.cli import register as register_response

    register_response(app)


_register()


def main() -> None:
    app()
