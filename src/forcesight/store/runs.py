"""Import runs and the quarantine: the lineage of every stored row."""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Integer, String, Table, Text

from forcesight.store.metadata import metadata

import_runs = Table(
    "import_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(40), nullable=False, index=True),
    Column("file_name", Text, nullable=False),
    Column("file_sha256", String(64), nullable=False, index=True),
    Column("file_bytes", Integer, nullable=False),
    Column("mapping_name", Text),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("rows_read", Integer, nullable=False, default=0),
    Column("rows_stored", Integer, nullable=False, default=0),
    Column("rows_quarantined", Integer, nullable=False, default=0),
    Column("rows_duplicate", Integer, nullable=False, default=0),
    Column("status", String(20), nullable=False),  # completed | failed
    Column("error", Text),
    Column("warnings", JSON),
    Column("user_name", String(80)),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("import_run_id", ForeignKey("import_runs.id"), nullable=False, index=True),
    Column("source", String(40), nullable=False, index=True),
    Column("file_name", Text, nullable=False),
    Column("line", Integer, nullable=False),
    Column("column_name", String(120), nullable=False),
    Column("value", Text),
    Column("reason", Text, nullable=False),
    Column("raw", JSON, nullable=False),
    Column("quarantined_at", DateTime, nullable=False),
)
