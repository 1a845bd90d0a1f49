"""Column-mapping files: how a force's own export maps onto forcesight's fields.

A mapping is a YAML file (examples in ``examples/mappings/``, reference in docs/importing.md):
which source column holds each field, the date and time formats the export uses, and value maps
from the force's codes to ours. ``load_incident_mapping`` and ``load_workforce_mapping`` validate
it and raise ``MappingError`` naming the file, the line and the field.

The second half of this module is what both mapped readers share: vectorised checks over the
source columns (cells are trimmed; an empty cell is missing), parsing with the mapping's
formats, and quarantine records for rows found wrong only in relation to other rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import polars as pl
import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from sqlalchemy import Table, select

from forcesight.errors import MappingError, PolicyError
from forcesight.ingest.checks import Check, value_text
from forcesight.ingest.csvfile import LINE
from forcesight.policy.grades import load_grades
from forcesight.policy.loader import parse_yaml_model
from forcesight.store.sink import Sink, align_types

#: Prefix of the columns that keep each row's source cells, untouched, for quarantine records.
SOURCE = "_src_"
EXAMPLE_MOMENT = datetime(2024, 1, 31, 23, 59, 58)

# --- mapping files ------------------------------------------------------------------------------


def _format_round_trips(fmt: str, dtype: pl.DataType) -> str:
    """A format that cannot read back what it writes is a typo (e.g. '%d/%m/%Y %H:%M:%Q')."""
    try:
        text = EXAMPLE_MOMENT.strftime(fmt)
        back = pl.Series([text]).str.strptime(dtype, fmt, strict=False)  # type: ignore[arg-type]
    except (ValueError, pl.exceptions.PolarsError):
        back = pl.Series([None])
    if "%" not in fmt or back.null_count():
        raise ValueError(f"{fmt!r} is not a strftime format Polars can read back")
    return fmt


def _datetime_format(fmt: str) -> str:
    return _format_round_trips(fmt, pl.Datetime("us"))


def _date_format(fmt: str) -> str:
    return _format_round_trips(fmt, pl.Date())


def _known_grade(code: str) -> str:
    known = load_grades().by_code()
    if code not in known:
        raise ValueError(
            f"grade {code!r} is not in the grades policy; expected one of: {', '.join(known)}"
        )
    return code


DatetimeFormat = Annotated[str, AfterValidator(_datetime_format)]
DateFormat = Annotated[str, AfterValidator(_date_format)]
GradeCode = Annotated[str, AfterValidator(_known_grade)]
ColumnName = Annotated[str, Field(min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FlagColumn(Strict):
    """A yes/no column: cells in ``true_values`` mean yes (compared without case); empty means
    no; with ``false_values`` given, any other value is quarantined."""

    column: ColumnName
    true_values: list[str] = Field(default=["y", "yes", "true", "1"], min_length=1)
    false_values: list[str] | None = None


class IncidentColumns(Strict):
    """Source column of each incident field. In the ``unit`` layout the three stage times and
    ``unit_ref`` are the unit's own; in the ``incident`` layout they are the first unit's."""

    incident_ref: ColumnName
    received_at: ColumnName
    grade: ColumnName
    category: ColumnName
    graded_at: ColumnName | None = None
    dispatched_at: ColumnName | None = None
    arrived_at: ColumnName | None = None
    cleared_at: ColumnName | None = None
    unit_ref: ColumnName | None = None
    lsoa_code: ColumnName | None = None
    beat: ColumnName | None = None
    area: ColumnName | None = None
    latitude: ColumnName | None = None
    longitude: ColumnName | None = None
    units_required: ColumnName | None = None
    skill_required: ColumnName | None = None


IncidentFlag = Literal["vulnerable", "repeat_caller", "domestic_abuse", "mental_health"]


class IncidentMapping(Strict):
    """A command-and-control export: one row per incident, or one row per unit deployed."""

    description: str = ""
    layout: Literal["incident", "unit"] = "incident"
    datetime_formats: list[DatetimeFormat] = Field(default=["%Y-%m-%d %H:%M:%S"], min_length=1)
    columns: IncidentColumns
    flags: dict[IncidentFlag, FlagColumn] = {}
    grades: dict[str, GradeCode] = Field(
        default={}, description="The export's grade codes -> grade codes of grades.yaml."
    )
    categories: dict[str, Annotated[str, Field(min_length=1, max_length=60)]] = {}
    unmapped_categories: Literal["keep", "quarantine"] = "keep"

    @field_validator("columns")
    @classmethod
    def _unit_layout_names_the_unit(
        cls, columns: IncidentColumns, info: ValidationInfo
    ) -> IncidentColumns:
        if info.data.get("layout") == "unit" and columns.unit_ref is None:
            raise ValueError("the 'unit' layout needs columns.unit_ref (the unit's call sign)")
        return columns

    def source_of(self) -> dict[str, str]:
        """field -> source column, for the fields this export has."""
        named = {k: v for k, v in self.columns.model_dump().items() if v is not None}
        return named | {k: v.column for k, v in self.flags.items()}


StaffType = Literal["officer", "staff", "pcso", "special"]
SkillKind = Literal["skill", "accreditation"]
AvailabilityKind = Literal[
    "sickness", "restricted", "recuperative", "leave", "training", "tutoring", "maternity",
    "paternity", "parental", "suspended", "secondment", "career_break",
]  # fmt: skip
AVAILABILITY_KINDS: tuple[str, ...] = get_args(AvailabilityKind)
STAFF_TYPES: tuple[str, ...] = get_args(StaffType)
SKILL_KINDS: tuple[str, ...] = get_args(SkillKind)


class StaffColumns(Strict):
    staff_id: ColumnName
    staff_type: ColumnName
    rank: ColumnName
    function: ColumnName
    role: ColumnName | None = None
    team: ColumnName | None = None
    team_name: ColumnName | None = None
    fte: ColumnName | None = None
    hours_per_week: ColumnName | None = None
    pip_level: ColumnName | None = None
    joined_on: ColumnName | None = None
    left_on: ColumnName | None = None
    is_student: ColumnName | None = None
    tutor_id: ColumnName | None = None
    tutoring_ends_on: ColumnName | None = None

    @model_validator(mode="after")
    def _fte_or_hours(self) -> StaffColumns:
        if self.fte is None and self.hours_per_week is None:
            raise ValueError("map at least one of fte and hours_per_week")
        return self


class SkillColumns(Strict):
    staff_id: ColumnName
    skill: ColumnName
    awarded_on: ColumnName
    kind: ColumnName | None = None
    expires_on: ColumnName | None = None
    revoked_on: ColumnName | None = None
    revoked_reason: ColumnName | None = None


class AvailabilityColumns(Strict):
    staff_id: ColumnName
    kind: ColumnName
    starts_on: ColumnName
    ends_on: ColumnName | None = None
    note: ColumnName | None = None


class WorkforceValues(Strict):
    """Value maps: the export's words -> ours. Fixed vocabularies (staff_type, skill ``kind``,
    ``availability`` kind) are always checked; rank, function and skill maps follow
    ``unmapped_values``."""

    staff_type: dict[str, StaffType] = {}
    rank: dict[str, Annotated[str, Field(min_length=1, max_length=40)]] = {}
    function: dict[str, Annotated[str, Field(min_length=1, max_length=40)]] = {}
    skill: dict[str, Annotated[str, Field(min_length=1, max_length=60)]] = {}
    kind: dict[str, SkillKind] = Field(default={}, description="skill or accreditation")
    availability: dict[str, AvailabilityKind] = {}


class WorkforceMappingBase(Strict):
    description: str = ""
    columns: BaseModel
    date_formats: list[DateFormat] = Field(default=["%Y-%m-%d"], min_length=1)
    values: WorkforceValues = WorkforceValues()
    unmapped_values: Literal["keep", "quarantine"] = "quarantine"
    true_values: list[str] = Field(default=["y", "yes", "true", "1"], min_length=1)

    def source_of(self) -> dict[str, str]:
        """field -> source column, for the fields this export has."""
        return {k: v for k, v in self.columns.model_dump().items() if v is not None}


class StaffMapping(WorkforceMappingBase):
    record: Literal["staff"]
    columns: StaffColumns
    standard_week_hours: float = Field(
        default=40.0, gt=0, le=60, description="Hours of a full-time week [h], for FTE <-> hours."
    )


class SkillsMapping(WorkforceMappingBase):
    record: Literal["skills"]
    columns: SkillColumns
    accreditations: list[str] = Field(
        default=[], description="Skills (our names) that are accreditations, when no kind column."
    )


class AvailabilityMapping(WorkforceMappingBase):
    record: Literal["availability"]
    columns: AvailabilityColumns


class _RecordOnly(BaseModel):
    model_config = ConfigDict(extra="allow")
    record: Literal["staff", "skills", "availability"]


WorkforceMapping = StaffMapping | SkillsMapping | AvailabilityMapping


def _as_mapping_error(exc: PolicyError) -> MappingError:
    where = f"{exc.path}, line {exc.line}" if exc.line is not None else exc.path
    problem = str(exc).removeprefix(f"{where}: field {exc.field!r}: ").removesuffix(".")
    return MappingError(exc.path, exc.field, problem, exc.line)


def load_incident_mapping(path: Path) -> IncidentMapping:
    """Validate an incident-log mapping file; problems raise MappingError (file, line, field)."""
    try:
        mapping: IncidentMapping = parse_yaml_model(path, IncidentMapping)
    except PolicyError as exc:
        raise _as_mapping_error(exc) from None
    return mapping


def load_workforce_mapping(path: Path) -> WorkforceMapping:
    """Validate a workforce mapping file (``record: staff | skills | availability``)."""
    models: dict[str, type[BaseModel]] = {
        "staff": StaffMapping,
        "skills": SkillsMapping,
        "availability": AvailabilityMapping,
    }
    try:
        text = path.read_text(encoding="utf-8")
        parse_yaml_model(path, _RecordOnly, text)
        record = str(yaml.safe_load(text)["record"])
        mapping: WorkforceMapping = parse_yaml_model(path, models[record], text)
    except PolicyError as exc:
        raise _as_mapping_error(exc) from None
    except OSError as exc:
        raise MappingError(str(path), "(file)", f"cannot be read: {exc.strerror}") from None
    return mapping


# --- applying a mapping: cells, checks, parsing ------------------------------------------------


def cell(column: str) -> pl.Expr:
    """The trimmed text of a source column; an empty cell is missing (null)."""
    text = pl.col(column).str.strip_chars()
    return pl.when(text == "").then(None).otherwise(text)


def keep_source(header: Sequence[str]) -> list[pl.Expr]:
    """Copies of the source cells under ``_src_<name>``, kept for quarantine records."""
    return [pl.col(h).alias(SOURCE + h) for h in header]


def parse_datetime(column: str, formats: Sequence[str]) -> pl.Expr:
    return pl.coalesce(
        [cell(column).str.strptime(pl.Datetime("us"), f, strict=False) for f in formats]
    )


def parse_date(column: str, formats: Sequence[str]) -> pl.Expr:
    return pl.coalesce([cell(column).str.strptime(pl.Date, f, strict=False) for f in formats])


def check_datetime(column: str, formats: Sequence[str]) -> Check:
    """A cell that is not empty must parse with one of ``formats``."""
    shown = " or ".join(formats)
    example = EXAMPLE_MOMENT.strftime(formats[0])
    unparsed = parse_datetime(column, formats).is_null()
    present = cell(column).is_not_null()
    return Check(
        column,
        f"expected a date and time as {shown} (e.g. {example})",
        present & unparsed,
    )


def check_date(column: str, formats: Sequence[str]) -> Check:
    """A cell that is not empty must parse as a date with one of ``formats``."""
    shown = " or ".join(formats)
    example = EXAMPLE_MOMENT.strftime(formats[0])
    unparsed = parse_date(column, formats).is_null()
    present = cell(column).is_not_null()
    return Check(
        column,
        f"expected a date as {shown} (e.g. {example})",
        present & unparsed,
    )


def check_required(column: str) -> Check:
    return Check(column, "is required but empty", cell(column).is_null())


def check_length(column: str, longest: int) -> Check:
    return Check(
        column, f"is longer than {longest} characters", cell(column).str.len_chars() > longest
    )


def check_pattern(column: str, pattern: str, expected: str) -> Check:
    return Check(column, f"expected {expected}", ~cell(column).str.contains(pattern))


def check_in(column: str, allowed: Sequence[str], *, optional: bool = False) -> Check:
    listed = ", ".join(repr(a) for a in allowed[:12]) + (", ..." if len(allowed) > 12 else "")
    fails = ~cell(column).is_in(list(allowed))
    missing = cell(column).is_null()
    return Check(
        column,
        f"expected one of: {listed}",
        (fails & ~missing) if optional else (fails | missing),
    )


def check_number(column: str, low: float, high: float, *, whole: bool = False) -> Check:
    number = cell(column).str.replace_all(",", "").cast(pl.Float64, strict=False)
    fails = number.is_null() | (number < low) | (number > high) | number.is_nan()
    if whole:
        fails = fails | (number.round(0) != number)
    kind = "a whole number" if whole else "a number"
    return Check(
        column, f"expected {kind} from {low:g} to {high:g}", cell(column).is_not_null() & fails
    )


def check_flag(flag: FlagColumn) -> Check | None:
    if flag.false_values is None:
        return None
    allowed = [v.lower() for v in [*flag.true_values, *flag.false_values]]
    value = cell(flag.column).str.to_lowercase()
    return Check(
        flag.column,
        f"expected one of: {', '.join(repr(v) for v in [*flag.true_values, *flag.false_values])}",
        value.is_not_null() & ~value.is_in(allowed),
    )


def parse_flag(column: str, true_values: Sequence[str]) -> pl.Expr:
    lowered = [v.lower() for v in true_values]
    return cell(column).str.to_lowercase().is_in(lowered).fill_null(False)


def mapped(column: str, values: Mapping[str, str], *, keep_unmapped: bool = True) -> pl.Expr:
    """The cell translated by ``values``; unmapped cells stay as they are (or become null)."""
    if not values:
        return cell(column)
    default = cell(column) if keep_unmapped else None
    return cell(column).replace_strict(dict(values), default=default, return_dtype=pl.String)


def number(column: str) -> pl.Expr:
    return cell(column).str.replace_all(",", "").cast(pl.Float64, strict=False)


def row_keys(frame: pl.DataFrame, fields: Sequence[str], prefix: str) -> pl.Series:
    """A stable 64-hex identity of each row from its ``fields`` (the row_key columns)."""
    joined = frame.select(
        pl.concat_str([pl.col(f).cast(pl.String).fill_null("") for f in fields], separator="\x1f")
    ).to_series()
    return pl.Series(
        "row_key",
        [hashlib.sha256(f"{prefix}\x1f{k}".encode()).hexdigest() for k in joined.to_list()],
        dtype=pl.String,
    )


# --- rows wrong in relation to other rows -------------------------------------------------------

QUARANTINE_SCHEMA = {
    "line": pl.Int64,
    "column_name": pl.String,
    "value": pl.String,
    "reason": pl.String,
    "raw": pl.String,
}


def issue_records(
    rows: pl.DataFrame, header: Sequence[str], column: pl.Expr, reason: pl.Expr
) -> pl.DataFrame:
    """Quarantine records (line, column_name, value, reason, raw) for ``rows``, which keep
    their source cells under ``_src_``. ``column`` gives the source column to name; ``reason``
    the text after the column's value, in the words of checks.py."""
    if rows.height == 0:
        return pl.DataFrame(schema=QUARANTINE_SCHEMA)
    named = rows.with_columns(column.alias("_column"))
    value = pl.coalesce(
        [pl.when(pl.col("_column") == h).then(pl.col(SOURCE + h)) for h in header]
        + [pl.lit(None, pl.String)]
    )
    raw = pl.struct([pl.col(SOURCE + h).alias(h) for h in header]).struct.json_encode()
    records = named.with_columns(value.alias("_value"), reason.alias("_reason"), raw.alias("_raw"))
    shown = [
        f"{c}: {value_text(v)} {r}"
        for c, v, r in zip(
            records["_column"].to_list(),
            records["_value"].to_list(),
            records["_reason"].to_list(),
            strict=True,
        )
    ]
    return records.select(
        pl.col(LINE).alias("line"),
        pl.col("_column").alias("column_name"),
        pl.col("_value").alias("value"),
        pl.Series("reason", shown, dtype=pl.String),
        pl.col("_raw").alias("raw"),
    )


def identical_repeats(frame: pl.DataFrame, fields: Sequence[str]) -> pl.Series:
    """True on rows equal in every one of ``fields`` to an earlier row (by line)."""
    if frame.height == 0:
        return pl.Series([], dtype=pl.Boolean)
    ordered = frame.with_row_index("_pos").sort(LINE)
    repeat = ordered.select(
        "_pos", (pl.int_range(pl.len()).over(list(fields)) > 0).alias("repeat")
    ).sort("_pos")
    return repeat["repeat"]


def differs_from_first(
    frame: pl.DataFrame, key: Sequence[str], fields: Sequence[str]
) -> pl.DataFrame:
    """Rows whose ``fields`` differ from the first row (by line) with the same ``key``, with
    ``_first_line`` and ``_differs`` (the first field that differs)."""
    first = (
        frame.sort(LINE)
        .group_by(list(key), maintain_order=True)
        .first()
        .select(
            [*key, pl.col(LINE).alias("_first_line"), *[pl.col(f).alias(f"{f}~") for f in fields]]
        )
    )
    joined = frame.join(first, on=list(key), how="left", nulls_equal=True)
    differs = pl.coalesce(
        [pl.when(~pl.col(f).eq_missing(pl.col(f"{f}~"))).then(pl.lit(f)) for f in fields]
        + [pl.lit(None, pl.String)]
    )
    return (
        joined.with_columns(differs.alias("_differs"))
        .filter(pl.col("_differs").is_not_null())
        .drop([f"{f}~" for f in fields])
    )


# --- the store ----------------------------------------------------------------------------------

FETCH_CHUNK = 2000


def fetch_where_in(
    sink: Sink,
    table: Table,
    columns: Sequence[str],
    key: str,
    values: Sequence[Any],
    schema: Mapping[str, pl.DataType],
) -> pl.DataFrame:
    """Stored ``columns`` of ``table`` for rows whose ``key`` is one of ``values``, typed as
    ``schema``; asked in chunks so that neither backend meets a statement-size limit."""
    chunks = [pl.DataFrame(schema={c: schema[c] for c in columns})]
    distinct = list(dict.fromkeys(v for v in values if v is not None))
    for start in range(0, len(distinct), FETCH_CHUNK):
        part = distinct[start : start + FETCH_CHUNK]
        statement = select(*[table.c[c] for c in columns]).where(table.c[key].in_(part))
        fetched = sink.fetch(statement)
        if fetched.height:
            chunks.append(align_types(fetched.select(columns), {c: schema[c] for c in columns}))
    return pl.concat(chunks, how="vertical")


def compare_with_stored(
    frame: pl.DataFrame, stored: pl.DataFrame, key: Sequence[str], fields: Sequence[str]
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Split ``frame`` (unique by ``key``) into rows not stored, rows stored exactly so, and
    rows stored with different ``fields`` (with ``_differs``, the first field that differs).
    ``stored`` has ``key``, ``fields`` and any other columns wanted on the result, unique by
    ``key``."""
    compared = stored.select([*key, *[pl.col(f).alias(f"{f}~") for f in fields]])
    extra = [c for c in stored.columns if c not in key and c not in fields]
    joined = frame.join(
        compared.join(stored.select([*key, *extra]), on=list(key), nulls_equal=True).with_columns(
            pl.lit(True).alias("_stored")
        ),
        on=list(key),
        how="left",
        nulls_equal=True,
    )
    differs = pl.coalesce(
        [pl.when(~pl.col(f).eq_missing(pl.col(f"{f}~"))).then(pl.lit(f)) for f in fields]
        + [pl.lit(None, pl.String)]
    )
    joined = joined.with_columns(differs.alias("_differs")).drop([f"{f}~" for f in fields])
    is_stored = pl.col("_stored").fill_null(False)
    new = joined.filter(~is_stored).drop("_stored", "_differs", *extra)
    same = joined.filter(is_stored & pl.col("_differs").is_null()).drop("_stored", "_differs")
    changed = joined.filter(is_stored & pl.col("_differs").is_not_null()).drop("_stored")
    return new, same, changed
