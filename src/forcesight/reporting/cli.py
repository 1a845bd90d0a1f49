"""`forcesight report`: the Force Management Statement as HTML or PDF, and its tables in Excel."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from forcesight.cli_common import console, print_json, progress_bar, run_or_exit, store_engine

report_app = typer.Typer(
    name="report", help="The Force Management Statement (HTML, PDF, Excel).", no_args_is_help=True
)
AT_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M"]


@report_app.command("fms")
def fms(
    out: Annotated[Path, typer.Option("--out", help="FILE.html or FILE.pdf.", dir_okay=False)],
    excel: Annotated[
        Path | None, typer.Option("--excel", help="Also write every table to FILE.xlsx.")
    ] = None,
    at: Annotated[
        datetime | None, typer.Option("--at", formats=AT_FORMATS, help="As at (default: now).")
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Fail if any engine's section fails.")
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Build the Force Management Statement from every installed engine."""
    from forcesight.reporting.fms import build_report

    now = at if at is not None else datetime.now().replace(microsecond=0)
    engine = store_engine()
    with progress_bar("Building the Force Management Statement") as bar:
        written = run_or_exit(
            lambda: build_report(engine, now, out, excel=excel, strict=strict, progress=bar.set)
        )
    if json_output:
        print_json({"report": str(written), "excel": str(excel) if excel else None, "at": now})
        return
    console.print(f"Force Management Statement written to {written}")
    if excel:
        console.print(f"Tables written to {excel}")
