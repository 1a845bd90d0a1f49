"""Imports from the web: uploads saved as data, run by the ingest module in a worker thread.

An upload is streamed to ``<data_dir>/uploads/<job id>/`` under a cleaned name, refused if it
passes ``max_upload_mb``, never executed or interpreted here (the importer reads it as CSV and a
mapping as YAML data), and deleted once its import has finished: the store keeps the rows,
their lineage and the quarantine. Imports run one at a time; a job's progress and outcome are
kept in memory for the page and the API to poll, while the import run itself is in the store.
"""

from __future__ import annotations

import logging
import re
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Engine

from forcesight.errors import ForcesightError, UnknownSourceError, UploadRefusedError
from forcesight.web import audit, queries
from forcesight.web.clock import Clock
from forcesight.web.exports import csv_stream

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024
MAX_MAPPING_BYTES = 1024 * 1024
DATA_SUFFIXES = (".csv",)
MAPPING_SUFFIXES = (".yaml", ".yml")
QUARANTINE_CSV_COLUMNS = ("line", "column", "value", "reason", "raw")
JobRunner = Callable[..., Any]


@dataclass(frozen=True)
class SourceInfo:
    name: str
    description: str
    needs_mapping: bool


def sources() -> list[SourceInfo]:
    """The import sources, whether each needs a column-mapping file, and what each is."""
    from forcesight.ingest.sources import SOURCES, reader_for

    infos = []
    for name in SOURCES:
        reader = reader_for(name)
        infos.append(SourceInfo(name, reader.description, reader.needs_mapping))
    return infos


def source_info(name: str) -> SourceInfo:
    for info in sources():
        if info.name == name:
            return info
    raise UnknownSourceError(name, [s.name for s in sources()])


def clean_file_name(name: str | None) -> str:
    """A safe file name from an uploaded one: no folders, only plain characters."""
    base = Path((name or "").replace("\\", "/")).name
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._")
    return cleaned[:120] or "upload"


def save_upload(
    stream: BinaryIO, name: str | None, folder: Path, max_bytes: int, suffixes: tuple[str, ...]
) -> Path:
    """Copy an uploaded stream into ``folder`` (refusing it if too big, empty or of a wrong
    kind); returns the saved path."""
    file_name = clean_file_name(name)
    if not file_name.lower().endswith(suffixes):
        raise UploadRefusedError(
            file_name, f"expected a file ending in {' or '.join(suffixes)}", http_status=415
        )
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / file_name
    written = 0
    with path.open("wb") as out:
        while chunk := stream.read(CHUNK):
            written += len(chunk)
            if written > max_bytes:
                out.close()
                path.unlink(missing_ok=True)
                raise UploadRefusedError(
                    file_name,
                    f"is larger than the {max_bytes // (1024 * 1024)} MiB upload limit",
                    http_status=413,
                )
            out.write(chunk)
    if written == 0:
        path.unlink(missing_ok=True)
        raise UploadRefusedError(file_name, "is empty")
    path.chmod(0o600)
    return path


@dataclass
class ImportJob:
    """One upload's import: its progress while it runs, then its reconciliation or error."""

    id: str
    source: str
    file_name: str
    mapping_name: str | None
    user: str
    submitted_at: datetime
    status: str = "queued"  # queued | running | completed | failed
    rows_done: int = 0
    rows_total: int = 0
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    finished_at: datetime | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def finished(self) -> bool:
        return self.status in ("completed", "failed")

    @property
    def percent(self) -> int:
        if self.status == "completed":
            return 100
        if self.rows_total <= 0:
            return 0
        return min(99, int(100 * self.rows_done / self.rows_total))

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "id": self.id,
                "source": self.source,
                "file_name": self.file_name,
                "mapping_name": self.mapping_name,
                "user": self.user,
                "submitted_at": self.submitted_at,
                "finished_at": self.finished_at,
                "status": self.status,
                "rows_done": self.rows_done,
                "rows_total": self.rows_total,
                "percent": self.percent,
                "result": self.result,
                "error": self.error,
            }


class ImportJobs:
    """Runs imports one at a time in a worker thread and keeps their progress."""

    def __init__(self, engine: Engine, upload_dir: Path, clock: Clock) -> None:
        self.engine = engine
        self.upload_dir = upload_dir
        self.clock = clock
        self._jobs: dict[str, ImportJob] = {}
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="forcesight-import")

    def new_folder(self) -> tuple[str, Path]:
        job_id = uuid.uuid4().hex
        return job_id, self.upload_dir / job_id

    def submit(
        self,
        job_id: str,
        source: str,
        data: Path,
        mapping: Path | None,
        user: str,
        ip: str,
    ) -> ImportJob:
        job = ImportJob(
            id=job_id,
            source=source,
            file_name=data.name,
            mapping_name=mapping.name if mapping else None,
            user=user,
            submitted_at=self.clock(),
        )
        with self._lock:
            self._jobs[job_id] = job
        self._executor.submit(self._run, job, data, mapping, ip)
        return job

    def get(self, job_id: str) -> ImportJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def recent(self, limit: int = 20) -> list[ImportJob]:
        with self._lock:
            jobs = sorted(self._jobs.values(), key=lambda j: j.submitted_at, reverse=True)
        return jobs[:limit]

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _run(self, job: ImportJob, data: Path, mapping: Path | None, ip: str) -> None:
        from forcesight.ingest import run_import

        def progress(done: int, total: int) -> None:
            with job._lock:
                job.rows_done, job.rows_total = done, total

        with job._lock:
            job.status = "running"
        try:
            result = run_import(
                self.engine, job.source, data, mapping=mapping, user=job.user, progress=progress
            )
        except ForcesightError as error:
            self._finish(job, None, error.to_dict(), ip)
        except Exception:
            log.exception("import job %s failed", job.id)
            self._finish(
                job,
                None,
                {
                    "error": "internal_error",
                    "detail": f"{job.file_name}: the import failed unexpectedly and nothing was "
                    "imported. The server log has the details.",
                },
                ip,
            )
        else:
            self._finish(job, result.to_dict(), None, ip)
        finally:
            shutil.rmtree(data.parent, ignore_errors=True)

    def _finish(
        self, job: ImportJob, result: dict[str, Any] | None, error: dict[str, Any] | None, ip: str
    ) -> None:
        now = self.clock()
        try:
            with self.engine.begin() as connection:
                if result is not None:
                    audit.record(
                        connection,
                        job.user,
                        "import.run",
                        f"import_run:{result['run_id']}",
                        {
                            k: result.get(k)
                            for k in (
                                "source",
                                "file_name",
                                "rows_read",
                                "rows_stored",
                                "rows_quarantined",
                                "rows_duplicate",
                                "status",
                            )
                        },
                        ip,
                        at=now,
                    )
                else:
                    audit.record(
                        connection,
                        job.user,
                        "import.refused",
                        f"file:{job.file_name}",
                        {"source": job.source, **(error or {})},
                        ip,
                        at=now,
                    )
        finally:
            with job._lock:
                job.result, job.error = result, error
                job.status = "completed" if result is not None else "failed"
                job.finished_at = now
                if result is not None:
                    job.rows_done = job.rows_total = int(result.get("rows_read", 0))


@dataclass(frozen=True)
class QuarantinedRow:
    line: int
    column: str
    value: str | None
    reason: str
    raw: Any


def import_runs(engine: Engine, limit: int = 50) -> list[dict[str, Any]]:
    """The newest import runs with their reconciliation, newest first."""
    with engine.connect() as connection:
        return [_run_dict(r) for r in queries.import_run_rows(connection, limit)]


def import_run(engine: Engine, run_id: int) -> dict[str, Any] | None:
    with engine.connect() as connection:
        row = queries.import_run_row(connection, run_id)
        if row is None:
            return None
        run = _run_dict(row)
        run["quarantine_reasons"] = [
            {"reason": reason, "rows": rows}
            for reason, rows in queries.quarantine_reason_counts(connection, run_id)
        ]
        return run


def _run_dict(row: Any) -> dict[str, Any]:
    read, stored = int(row.rows_read), int(row.rows_stored)
    quarantined, duplicate = int(row.rows_quarantined), int(row.rows_duplicate)
    return {
        "run_id": row.id,
        "source": row.source,
        "file_name": row.file_name,
        "file_sha256": row.file_sha256,
        "file_bytes": row.file_bytes,
        "mapping_name": row.mapping_name,
        "started_at": row.started_at,
        "finished_at": row.finished_at,
        "status": row.status,
        "error": row.error,
        "user": row.user_name,
        "warnings": list(row.warnings or []),
        "rows_read": read,
        "rows_stored": stored,
        "rows_quarantined": quarantined,
        "rows_duplicate": duplicate,
        "reconciles": read == stored + quarantined + duplicate,
    }


def quarantined_rows(
    engine: Engine,
    run_id: int,
    *,
    reason: str | None = None,
    limit: int = 100,
    offset: int = 0,
    viewer: str,
    ip: str,
    now: datetime,
) -> list[QuarantinedRow]:
    """A page of a run's quarantined rows. They can hold record-level data: audited."""
    with engine.begin() as connection:
        rows = queries.quarantine_rows(connection, run_id, reason, limit, offset)
        audit.record(
            connection,
            viewer,
            "quarantine.view",
            f"import_run:{run_id}",
            {"reason": reason, "offset": offset, "rows": len(rows)},
            ip,
            at=now,
        )
    return [QuarantinedRow(r.line, r.column_name, r.value, r.reason, r.raw) for r in rows]


def quarantine_csv(
    engine: Engine, run_id: int, *, viewer: str, ip: str, now: datetime
) -> Iterator[str]:
    """Every quarantined row of a run as formula-safe CSV; the export is audited first."""
    import json

    with engine.begin() as connection:
        rows = queries.quarantine_rows(connection, run_id, None, None)
        audit.record(
            connection,
            viewer,
            "quarantine.export",
            f"import_run:{run_id}",
            {"rows": len(rows)},
            ip,
            at=now,
        )
    return csv_stream(
        QUARANTINE_CSV_COLUMNS,
        (
            (r.line, r.column_name, r.value, r.reason, json.dumps(r.raw, ensure_ascii=False))
            for r in rows
        ),
    )
