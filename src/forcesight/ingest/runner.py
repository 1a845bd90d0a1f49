"""Recorded import runs: read, validate, quarantine, de-duplicate and store in one transaction.

For every file: rows read = rows stored + rows quarantined + rows recognised as duplicates.
A file that cannot be read at all raises before anything is written; any failure while writing
rolls the whole file back, so the store is never half-written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import polars as pl
from sqlalchemy import Engine, update

from forcesight.errors import ForcesightError, UnreadableFileError
from forcesight.store.runs import import_runs, quarantine
from forcesight.store.sink import Sink, write_transaction

Progress = Callable[[int, int], None]


@dataclass
class Parsed:
    """What a reader makes of one file, before anything is stored."""

    rows_read: int
    quarantined: pl.DataFrame  # line, column_name, value, reason, raw
    rows: pl.DataFrame = field(default_factory=pl.DataFrame)  # valid rows, as the reader keeps them
    duplicates: int = 0  # rows found to repeat an earlier row of the same file
    kind: str = ""  # which of a source's shapes the file has, where it has several
    warnings: list[str] = field(default_factory=list)


class Reader(Protocol):
    """One source system's reader (see police_uk.py for the pattern)."""

    source: str
    needs_mapping: bool
    description: str

    def parse(self, path: Path, raw: bytes, mapping: Path | None) -> Parsed: ...

    def store(self, sink: Sink, parsed: Parsed, run_id: int) -> Stored:
        """Write the parsed rows that are new; count the rest as duplicates. Rows found wrong
        only against the store (e.g. a record stored with other content) may be added to
        ``parsed.quarantined`` here: the runner writes the quarantine after this returns."""
        ...


@dataclass(frozen=True)
class Stored:
    """What a reader's ``store`` did with the valid rows of a file."""

    stored: int
    duplicates: int


@dataclass(frozen=True)
class ImportResult:
    run_id: int
    source: str
    file_name: str
    file_sha256: str
    rows_read: int
    rows_stored: int
    rows_quarantined: int
    rows_duplicate: int
    status: str
    warnings: list[str]

    @property
    def reconciles(self) -> bool:
        return self.rows_read == self.rows_stored + self.rows_quarantined + self.rows_duplicate

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "reconciles": self.reconciles}

    def summary(self) -> str:
        return (
            f"{self.file_name}: read {self.rows_read:,} = stored {self.rows_stored:,} + "
            f"quarantined {self.rows_quarantined:,} + duplicates {self.rows_duplicate:,}"
        )


def utc_now() -> datetime:
    """Now in UTC, without a zone: how the store keeps times of its own doing (import runs,
    audit), as opposed to the force's operational times, kept as the force exported them."""
    return datetime.now(UTC).replace(tzinfo=None)


def sha256_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def import_file(
    engine: Engine,
    reader: Reader,
    path: Path,
    *,
    mapping: Path | None = None,
    user: str | None = None,
    now: Callable[[], datetime] = utc_now,
    progress: Progress | None = None,
    display_name: str | None = None,
) -> ImportResult:
    """Import one file with ``reader``; the store changes only if the whole file is handled."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UnreadableFileError(str(path), f"cannot be opened: {exc.strerror}") from None
    if reader.needs_mapping and mapping is None:
        raise UnreadableFileError(
            str(path), f"source {reader.source!r} needs a column mapping: pass --mapping FILE.yaml"
        )
    digest = sha256_of(raw)
    started = now()
    parsed = reader.parse(path, raw, mapping)
    if progress:
        progress(0, parsed.rows_read)
    name = display_name or path.name
    with write_transaction(engine) as sink:
        run_id = sink.insert_returning_id(
            import_runs,
            dict(
                source=reader.source,
                file_name=name,
                file_sha256=digest,
                file_bytes=len(raw),
                mapping_name=mapping.name if mapping else None,
                started_at=started,
                status="running",
                rows_read=parsed.rows_read,
                rows_stored=0,
                rows_quarantined=0,
                rows_duplicate=0,
                user_name=user,
            ),
        )
        outcome = reader.store(sink, parsed, run_id)
        stored, duplicates = outcome.stored, outcome.duplicates
        q = parsed.quarantined
        if q.height:
            sink.insert(
                quarantine,
                q.with_columns(
                    pl.lit(run_id).alias("import_run_id"),
                    pl.lit(reader.source).alias("source"),
                    pl.lit(name).alias("file_name"),
                    pl.lit(started).alias("quarantined_at"),
                ),
            )
        if parsed.rows_read != stored + q.height + duplicates:
            # Never expected; if it happens the transaction rolls back and nothing is kept.
            raise ForcesightError(
                f"{name}: rows do not reconcile (read {parsed.rows_read} != stored {stored} + "
                f"quarantined {q.height} + duplicates {duplicates}); nothing was imported"
            )
        sink.execute(
            update(import_runs)
            .where(import_runs.c.id == run_id)
            .values(
                finished_at=now(),
                rows_stored=stored,
                rows_quarantined=q.height,
                rows_duplicate=duplicates,
                status="completed",
                warnings=parsed.warnings or None,
            )
        )
    if progress:
        progress(parsed.rows_read, parsed.rows_read)
    return ImportResult(
        run_id=run_id,
        source=reader.source,
        file_name=name,
        file_sha256=digest,
        rows_read=parsed.rows_read,
        rows_stored=stored,
        rows_quarantined=q.height,
        rows_duplicate=duplicates,
        status="completed",
        warnings=parsed.warnings,
    )
