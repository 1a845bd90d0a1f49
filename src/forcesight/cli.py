"""The forcesight command line: one command group per domain."""

from __future__ import annotations

from typing import Annotated

import typer

from forcesight.cli_common import State, console, print_json, run_or_exit, store_engine
from forcesight.settings import data_dir, settings_markdown
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
    ctx: typer.Context,
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
    ctx.call_on_close(State.close)


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


@app.command()
def demo(
    seed: Annotated[
        int, typer.Option(help="Seed of the synthetic force (same seed, same force).")
    ] = 2018,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the web app afterwards.")
    ] = True,
    host: Annotated[str, typer.Option(help="Address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
    as_json: Annotated[bool, typer.Option("--json", help="Also print the build as JSON.")] = False,
) -> None:
    """Build the demo force (real reference data + a synthetic force), summarise it, serve it."""
    from rich.table import Table

    from forcesight.cli_common import progress_bar
    from forcesight.demo import build_demo
    from forcesight.ingest.status import store_status

    engine = run_or_exit(lambda: store_engine(migrated=False))
    with progress_bar("Building the demo force") as bar:
        report = run_or_exit(
            lambda: build_demo(engine, seed=seed, reports=data_dir() / "reports", progress=bar.set)
        )
    imports = Table(title="Reference data imported (real, public)")
    for name in ("File", "Read", "Stored", "Quarantined", "Duplicates"):
        imports.add_column(name, justify="left" if name == "File" else "right")
    for r in report.imports:
        imports.add_row(
            r.file_name,
            f"{r.rows_read:,}",
            f"{r.rows_stored:,}",
            f"{r.rows_quarantined:,}",
            f"{r.rows_duplicate:,}",
        )
    out = console.__class__()
    out.print(imports)
    holdings = Table(title=f"The store at {State.url()}")
    holdings.add_column("Data")
    holdings.add_column("Rows", justify="right")
    holdings.add_column("From")
    holdings.add_column("To")
    for h in store_status(engine)["holdings"]:
        if h["rows"]:
            holdings.add_row(h["data"], f"{h['rows']:,}", h["earliest"] or "", h["latest"] or "")
    out.print(holdings)
    force = report.force
    figures = Table(
        title=f"The demo force (synthetic, seed {force.get('seed')}, as at {force.get('as_of')})"
    )
    figures.add_column("Figure")
    figures.add_column("Value", justify="right")
    for key, value in force.get("figures", {}).items():
        figures.add_row(str(key), f"{value:,}" if isinstance(value, int) else str(value))
    for kind, count in force.get("open_clocks", {}).items():
        figures.add_row(f"open clocks: {kind}", f"{count:,}")
    out.print(figures)
    if report.statement is not None:
        out.print(f"Force Management Statement: {report.statement} (and .xlsx beside it)")
    if as_json:
        print_json(report.to_dict())
    if not serve:
        return
    from forcesight.web.accounts import ensure_demo_users
    from forcesight.web.serve import serve as serve_app

    logins = ensure_demo_users(engine, seed)
    out.print(f"\nforcesight is at http://{host}:{port}/  (Ctrl-C stops it)")
    for role, username, password in logins:
        out.print(f"  {role:<13} user {username:<14} password {password}")
    serve_app(State.url(), host, port)


def _register() -> None:
    """Attach each domain's command group."""
    from forcesight.allocation.cli import app as allocate_app
    from forcesight.demand.cli import app as demand_app
    from forcesight.finance.cli import finance_app
    from forcesight.ingest.cli import register as register_ingest
    from forcesight.reporting.cli import report_app
    from forcesight.response.cli import app as response_app
    from forcesight.rostering.cli import roster_app
    from forcesight.tracking.cli import track_app
    from forcesight.web.cli import register as register_web
    from forcesight.workforce.cli import workforce_app

    register_ingest(app)
    register_web(app)
    app.add_typer(demand_app, name="demand")
    app.add_typer(allocate_app, name="allocate")
    app.add_typer(roster_app, name="roster")
    app.add_typer(track_app, name="track")
    app.add_typer(workforce_app, name="workforce")
    app.add_typer(finance_app, name="finance")
    app.add_typer(report_app, name="report")
    app.add_typer(response_app, name="response")


_register()


def main() -> None:
    app()
