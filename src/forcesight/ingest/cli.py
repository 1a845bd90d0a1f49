"""`forcesight import` and `forcesight status`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from forcesight.cli_common import console, print_json, progress_bar, run_or_exit, store_engine
from forcesight.errors import ForcesightError
from forcesight.ingest import run_import
from forcesight.ingest.sources import READERS, SOURCES, reader_for
from forcesight.ingest.status import store_status


def _source(value: str) -> str:
    if value not in READERS:
        raise typer.BadParameter(f"expected one of: {', '.join(SOURCES)}")
    return value


def import_command(
    source: Annotated[
        str,
        typer.Argument(
            help=f"What the files are: {', '.join(SOURCES)}.",
            callback=_source,
            show_default=False,
        ),
    ],
    files: Annotated[
        list[Path],
        typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV files to import."),
    ],
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping",
            exists=True,
            dir_okay=False,
            help="Column-mapping YAML (incidents and workforce sources).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    user: Annotated[
        str | None, typer.Option(help="Who is importing (recorded with the run).")
    ] = None,
) -> None:
    """Import files: each is one recorded run; bad rows are quarantined, never lost."""
    engine = run_or_exit(store_engine)
    reader_for(source)
    results: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    with progress_bar(f"Importing {source}", total=len(files)) as advance:
        for path in files:
            advance(0, description=f"Importing {path.name}")
            try:
                result = run_import(engine, source, path, mapping=mapping, user=user)
            except ForcesightError as error:
                failed.append({"file": str(path), **error.to_dict()})
                if not as_json:
                    console.print(f"[bold red]error:[/] {error}", highlight=False)
            else:
                results.append(result.to_dict())
                if not as_json:
                    console.print(result.summary(), highlight=False)
                    for warning in result.warnings[:5]:
                        console.print(f"  [yellow]warning:[/] {warning}", highlight=False)
            advance(1)
    totals = {
        key: sum(int(r[key]) for r in results)
        for key in ("rows_read", "rows_stored", "rows_quarantined", "rows_duplicate")
    }
    if as_json:
        print_json({"source": source, "runs": results, "failed": failed, "totals": totals})
    elif len(results) > 1:
        console.print(
            f"Total: read {totals['rows_read']:,} = stored {totals['rows_stored']:,} + "
            f"quarantined {totals['rows_quarantined']:,} + duplicates {totals['rows_duplicate']:,}"
        )
    if failed:
        raise typer.Exit(1)


def status_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    runs: Annotated[int, typer.Option(min=1, help="How many recent import runs to list.")] = 20,
) -> None:
    """What the store holds, how fresh it is, and the import runs with their reconciliation."""
    engine = run_or_exit(store_engine)
    status = store_status(engine, runs=runs)
    if as_json:
        print_json(status)
        return
    out = console.__class__()
    out.print(f"Store: {status['database']} (schema {', '.join(status['schema_version'])})")
    holdings = Table(title="What the store holds")
    for name in ("Data", "Rows", "From", "To"):
        holdings.add_column(name, justify="right" if name == "Rows" else "left")
    for h in status["holdings"]:
        holdings.add_row(h["data"], f"{h['rows']:,}", h["earliest"] or "", h["latest"] or "")
    out.print(holdings)
    table = Table(title="Import runs (newest first)")
    for name in (
        "Run",
        "Source",
        "File",
        "Read",
        "Stored",
        "Quarantined",
        "Duplicates",
        "Reconciles",
    ):
        table.add_column(
            name,
            justify="right"
            if name in {"Run", "Read", "Stored", "Quarantined", "Duplicates"}
            else "left",
        )
    for r in status["import_runs"]:
        table.add_row(
            str(r["run_id"]),
            r["source"],
            r["file_name"],
            f"{r['rows_read']:,}",
            f"{r['rows_stored']:,}",
            f"{r['rows_quarantined']:,}",
            f"{r['rows_duplicate']:,}",
            "yes" if r["reconciles"] else "NO",
        )
    out.print(table)


def register(app: typer.Typer) -> None:
    """Attach the import and status commands to the top-level app."""
    app.command("import")(import_command)
    app.command("status")(status_command)
