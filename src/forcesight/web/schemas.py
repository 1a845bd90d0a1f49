"""The JSON API's request and response models, apart from the store's rows (no password hash
or session id ever leaves through them)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _utc(value: datetime) -> datetime:
    """The web tables keep naive UTC: say so (RFC 3339 wants an offset)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _server_local(value: datetime) -> datetime:
    """Import runs are stamped with the server's local time: attach its offset."""
    return value.astimezone() if value.tzinfo is None else value


UtcDateTime = Annotated[datetime, AfterValidator(_utc)]
LocalDateTime = Annotated[datetime, AfterValidator(_server_local)]


class ErrorBody(BaseModel):
    error: str = Field(description="Stable error code, e.g. 'forbidden', 'unknown_user'.")
    detail: str = Field(description="What went wrong and, where there is one, the fix.")


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Refused: the detail says why."},
    401: {"model": ErrorBody, "description": "Not signed in, or the session expired."},
    403: {"model": ErrorBody, "description": "Role may not do this, or CSRF token missing."},
    404: {"model": ErrorBody, "description": "No such thing."},
}


class Health(BaseModel):
    status: str = Field(description="'ok' or 'unavailable'.")
    store: str = Field(description="'reachable' or 'unreachable'.")
    schema_version: list[str] = Field(description="Migration heads the store is at.")
    expected_schema_version: list[str] = Field(description="Heads this forcesight expects.")
    schema_current: bool
    detail: str | None = None


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=1024)


class SessionInfo(BaseModel):
    username: str
    role: str
    csrf_token: str = Field(description="Send as X-CSRF-Token on state-changing calls.")


class UserOut(BaseModel):
    username: str
    role: str
    enabled: bool
    created_at: UtcDateTime
    created_by: str
    last_login_at: UtcDateTime | None


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=2, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]+$")
    role: str = Field(min_length=1, max_length=20)
    password: str = Field(min_length=1, max_length=1024)


class AuditEntryOut(BaseModel):
    id: int
    at: UtcDateTime = Field(description="When, in UTC.")
    actor: str
    action: str
    target: str
    detail: str | None
    ip: str


class AuditPage(BaseModel):
    total: int
    offset: int
    entries: list[AuditEntryOut]


class SourceOut(BaseModel):
    name: str
    description: str
    needs_mapping: bool


class ImportRunOut(BaseModel):
    run_id: int
    source: str
    file_name: str
    file_sha256: str
    file_bytes: int
    mapping_name: str | None
    started_at: LocalDateTime
    finished_at: LocalDateTime | None
    status: str
    error: str | None
    user: str | None
    warnings: list[Any]
    rows_read: int
    rows_stored: int
    rows_quarantined: int
    rows_duplicate: int
    reconciles: bool = Field(description="rows_read = stored + quarantined + duplicate.")


class ReasonRows(BaseModel):
    reason: str
    rows: int


class ImportRunDetail(ImportRunOut):
    quarantine_reasons: list[ReasonRows]


class ImportJobOut(BaseModel):
    id: str
    source: str
    file_name: str
    mapping_name: str | None
    user: str
    submitted_at: UtcDateTime
    finished_at: UtcDateTime | None
    status: str = Field(description="queued, running, completed or failed.")
    rows_done: int
    rows_total: int
    percent: int
    result: dict[str, Any] | None = Field(description="The import's reconciliation.")
    error: dict[str, Any] | None = Field(description="Why nothing was imported.")


class QuarantinedRowOut(BaseModel):
    line: int
    column: str
    value: str | None
    reason: str
    raw: Any


class SourceQualityOut(BaseModel):
    source: str
    rows_read: int
    rows_quarantined: int
    share_quarantined: float = Field(description="Quarantined rows / rows read [0-1].")


class ReasonCountOut(BaseModel):
    source: str
    reason: str
    rows: int


class DayCountOut(BaseModel):
    day: date
    source: str
    rows: int


class QualityOut(BaseModel):
    rows_quarantined: int
    by_source: list[SourceQualityOut]
    by_reason: list[ReasonCountOut]
    by_day: list[DayCountOut]
