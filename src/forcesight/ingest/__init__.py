"""Importers: one reader per source system, validation, quarantine and recorded import runs.

``run_import(engine, "police-uk", path)`` imports one file and returns its reconciliation.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from forcesight.ingest.runner import ImportResult, Progress, import_file, utc_now
from forcesight.ingest.sources import SOURCES, reader_for

__all__ = ["SOURCES", "ImportResult", "run_import"]


def run_import(
    engine: Engine,
    source: str,
    path: Path,
    mapping: Path | None = None,
    user: str | None = None,
    progress: Progress | None = None,
    *,
    now: Callable[[], datetime] = utc_now,
    display_name: str | None = None,
) -> ImportResult:
    """Import ``path`` as ``source`` (one of SOURCES) in one transaction; see runner.py."""
    return import_file(
        engine,
        reader_for(source),
        Path(path),
        mapping=mapping,
        user=user,
        now=now,
        progress=progress,
        display_name=display_name,
    )
