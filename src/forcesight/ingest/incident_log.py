"""Command-and-control incident logs, read through a column mapping (see mapping.py).

A force's own export maps without code changes: the mapping names the source column of each
field, the date-time formats and the grade and category codes. Two layouts: ``incident`` (one
row per incident, times of the first unit) and ``unit`` (one row per unit deployed, the incident's
fields repeated on each). Either way an incident becomes one ``incidents`` row and each unit a
``deployments`` row. Real logs are messy; this is what happens to each kind of mess:

=============================================  ==================================================
found in the export                            treatment [code in ``incidents.data_quality``]
=============================================  ==================================================
dispatch, arrival or clear time empty          stored NULL, the incident kept [``dispatch_missing``
                                               (arrival or clear without dispatch),
                                               ``arrival_missing`` (dispatched and cleared, never
                                               arrived), ``clear_missing`` (never cleared)]
a stage before the stage it follows: graded    the impossible stage stored NULL, the row kept,
or dispatched before received; arrived         since the call is still real demand
before dispatched (before received if never    [``<stage>_before_<earlier stage>``, e.g.
dispatched); cleared before arrived,           ``arrived_before_dispatched``]
dispatched or received
cleared at the second of arrival (zero clear)  clear time stored NULL [``zero_time_on_scene``]
a row repeated exactly                         stored once; the repeat counts as a duplicate
same incident number, different content        the first row (by line) kept; later rows
(``incident`` layout); different incident      quarantined, naming the first column that differs
fields on two unit rows of one incident        and the line they contradict
(``unit`` layout)
same unit and dispatch time twice in one       the first row kept, the later quarantined
incident, different arrival or clear
several units per incident (``unit`` layout)   one incident: first dispatched and first arrived
                                               are the earliest unit times, cleared the latest;
                                               ``units_required`` is the number of units unless
                                               mapped; one ``deployments`` row per unit
incident number already stored, different      the stored incident kept; every row of the new one
content                                        quarantined, naming the field that differs
grade code not in the mapping (or, without a   quarantined, listing the codes expected
map, not in policy/rules/grades.yaml)
time that does not parse                       quarantined, naming the format(s) expected
category code not in the mapping               stored as it is with a warning
                                               (``unmapped_categories: keep``) or quarantined
                                               (``quarantine``)
=============================================  ==================================================

Re-importing a file stores nothing new: every row is then a duplicate of what is stored.
Stages are checked in order (graded, dispatched, arrived, cleared), each against the latest
earlier stage still present, so one wrong time costs only its own stage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import polars as pl

from forcesight.ingest.checks import Check, quarantine_rows
from forcesight.ingest.csvfile import LINE, read_csv_table
from forcesight.ingest.mapping import (
    IncidentMapping,
    cell,
    check_datetime,
    check_flag,
    check_in,
    check_length,
    check_number,
    check_pattern,
    check_required,
    compare_with_stored,
    differs_from_first,
    fetch_where_in,
    identical_repeats,
    issue_records,
    keep_source,
    load_incident_mapping,
    mapped,
    number,
    parse_datetime,
    parse_flag,
)
from forcesight.ingest.runner import Parsed, Stored
from forcesight.policy.grades import load_grades
from forcesight.store.entities import deployments, incidents
from forcesight.store.sink import Sink

# Fields of one row after mapping, with their types.
FIELD_TYPES: dict[str, pl.DataType] = {
    "incident_ref": pl.String(), "received_at": pl.Datetime("us"),
    "graded_at": pl.Datetime("us"), "grade": pl.String(), "category": pl.String(),
    "dispatched_at": pl.Datetime("us"), "arrived_at": pl.Datetime("us"),
    "cleared_at": pl.Datetime("us"), "unit_ref": pl.String(), "lsoa_code": pl.String(),
    "beat": pl.String(), "area": pl.String(), "latitude": pl.Float64(),
    "longitude": pl.Float64(), "units_required": pl.Int64(), "skill_required": pl.String(),
    "vulnerable": pl.Boolean(), "repeat_caller": pl.Boolean(), "domestic_abuse": pl.Boolean(),
    "mental_health": pl.Boolean(),
}  # fmt: skip
FIELDS = list(FIELD_TYPES)
UNIT_FIELDS = ["unit_ref", "dispatched_at", "arrived_at", "cleared_at"]
STAGES = ["received_at", "graded_at", "dispatched_at", "arrived_at", "cleared_at"]
FLAGS = ["vulnerable", "repeat_caller", "domestic_abuse", "mental_health"]

# Columns of ``incidents`` compared with a stored incident of the same number.
COMPARED = [
    "received_at", "graded_at", "grade", "category", "first_dispatched_at", "first_arrived_at",
    "cleared_at", "lsoa_code", "beat", "area", "latitude", "longitude", "units_required",
    "skill_required", *FLAGS,
]  # fmt: skip
# Which row field an incident column comes from (to name the source column in quarantine).
FROM_FIELD = {"first_dispatched_at": "dispatched_at", "first_arrived_at": "arrived_at"}

LENGTHS = {
    "incident_ref": 60, "category": 60, "unit_ref": 40, "beat": 40, "area": 40,
    "skill_required": 40,
}  # fmt: skip
LSOA_PATTERN = r"^[EWSN]\d{8}$"
# Great Britain and Northern Ireland, generously, as for data.police.uk snap points.
LONGITUDE_RANGE = (-8.7, 1.8)
LATITUDE_RANGE = (49.8, 60.9)
MOST_UNITS = 100


# --- stage rules: each fires on a row, NULLs one stage and records one data-quality code -------


@dataclass(frozen=True)
class StageRule:
    code: str
    stage: str
    fires: Callable[[], pl.Expr]


def _before(stage: str, earlier: str) -> pl.Expr:
    return pl.col(stage) < pl.col(earlier)


def check_graded_after_received() -> StageRule:
    return StageRule(
        "graded_before_received", "graded_at", lambda: _before("graded_at", "received_at")
    )


def check_dispatched_after_received() -> StageRule:
    return StageRule(
        "dispatched_before_received",
        "dispatched_at",
        lambda: _before("dispatched_at", "received_at"),
    )


def check_arrived_after_dispatched() -> StageRule:
    return StageRule(
        "arrived_before_dispatched",
        "arrived_at",
        lambda: _before("arrived_at", "dispatched_at"),
    )


def check_arrived_after_received() -> StageRule:
    return StageRule(
        "arrived_before_received",
        "arrived_at",
        lambda: pl.col("dispatched_at").is_null() & _before("arrived_at", "received_at"),
    )


def check_time_on_scene_not_zero() -> StageRule:
    return StageRule(
        "zero_time_on_scene", "cleared_at", lambda: pl.col("cleared_at") == pl.col("arrived_at")
    )


def check_cleared_after_arrived() -> StageRule:
    return StageRule(
        "cleared_before_arrived", "cleared_at", lambda: _before("cleared_at", "arrived_at")
    )


def check_cleared_after_dispatched() -> StageRule:
    return StageRule(
        "cleared_before_dispatched",
        "cleared_at",
        lambda: pl.col("arrived_at").is_null() & _before("cleared_at", "dispatched_at"),
    )


def check_cleared_after_received() -> StageRule:
    return StageRule(
        "cleared_before_received",
        "cleared_at",
        lambda: (
            pl.col("arrived_at").is_null()
            & pl.col("dispatched_at").is_null()
            & _before("cleared_at", "received_at")
        ),
    )


#: Applied in this order; each sees the stages the earlier rules left.
STAGE_RULES = [
    check_graded_after_received(), check_dispatched_after_received(),
    check_arrived_after_dispatched(), check_arrived_after_received(),
    check_time_on_scene_not_zero(), check_cleared_after_arrived(),
    check_cleared_after_dispatched(), check_cleared_after_received(),
]  # fmt: skip

#: Stages missing from the export (judged before any stage is NULLed).
MISSING_STAGES = {
    "dispatch_missing": pl.col("dispatched_at").is_null()
    & (pl.col("arrived_at").is_not_null() | pl.col("cleared_at").is_not_null()),
    "arrival_missing": pl.col("arrived_at").is_null()
    & pl.col("dispatched_at").is_not_null()
    & pl.col("cleared_at").is_not_null(),
    "clear_missing": pl.col("cleared_at").is_null()
    & (pl.col("dispatched_at").is_not_null() | pl.col("arrived_at").is_not_null()),
}


def treat_stages(rows: pl.DataFrame) -> pl.DataFrame:
    """Apply the stage rules: impossible stages NULLed, ``issues`` listing the codes."""
    codes = list(MISSING_STAGES)
    rows = rows.with_columns(
        [expr.fill_null(False).alias(f"_issue_{c}") for c, expr in MISSING_STAGES.items()]
    )
    for rule in STAGE_RULES:
        fires = rule.fires().fill_null(False)
        rows = rows.with_columns(fires.alias(f"_issue_{rule.code}")).with_columns(
            pl.when(pl.col(f"_issue_{rule.code}"))
            .then(None)
            .otherwise(pl.col(rule.stage))
            .alias(rule.stage)
        )
        codes.append(rule.code)
    issues = pl.concat_list(
        [pl.when(pl.col(f"_issue_{c}")).then(pl.lit(c)).otherwise(None) for c in codes]
    ).list.drop_nulls()
    return rows.with_columns(issues.alias("issues")).drop([f"_issue_{c}" for c in codes])


# --- reading ------------------------------------------------------------------------------------


def incident_checks(mapping: IncidentMapping) -> list[Check]:
    """The row checks a mapping implies, on the export's own column names."""
    col = mapping.columns
    formats = mapping.datetime_formats
    src = mapping.source_of()
    grades = list(mapping.grades) or list(load_grades().by_code())
    checks = [
        check_required(col.incident_ref),
        check_required(col.received_at),
        check_datetime(col.received_at, formats),
        check_in(col.grade, grades),
        check_required(col.category),
    ]
    checks += [check_datetime(src[s], formats) for s in STAGES[1:] if s in src]
    if mapping.categories and mapping.unmapped_categories == "quarantine":
        checks.append(check_in(col.category, list(mapping.categories)))
    checks += [check_length(src[f], n) for f, n in LENGTHS.items() if f in src]
    if col.lsoa_code:
        checks.append(check_pattern(col.lsoa_code, LSOA_PATTERN, "an LSOA code such as E01019404"))
    if col.longitude:
        checks.append(check_number(col.longitude, *LONGITUDE_RANGE))
    if col.latitude:
        checks.append(check_number(col.latitude, *LATITUDE_RANGE))
    if col.units_required:
        checks.append(check_number(col.units_required, 1, MOST_UNITS, whole=True))
    checks += [c for flag in mapping.flags.values() if (c := check_flag(flag)) is not None]
    if mapping.layout == "unit" and col.unit_ref:
        times = [cell(src[s]).is_not_null() for s in UNIT_FIELDS[1:] if s in src]
        if times:
            checks.append(
                Check(
                    col.unit_ref,
                    "is required on a row with unit times",
                    cell(col.unit_ref).is_null() & pl.any_horizontal(times),
                )
            )
    return checks


def map_fields(mapping: IncidentMapping) -> list[pl.Expr]:
    """Expressions giving each field, typed, from the export's columns."""
    src = mapping.source_of()
    exprs: dict[str, pl.Expr] = {}
    for name in ["incident_ref", "unit_ref", "lsoa_code", "beat", "area", "skill_required"]:
        if name in src:
            exprs[name] = cell(src[name])
    for name in STAGES:
        if name in src:
            exprs[name] = parse_datetime(src[name], mapping.datetime_formats)
    grade_map = mapping.grades or {g: g for g in load_grades().by_code()}
    exprs["grade"] = mapped(src["grade"], grade_map, keep_unmapped=False)
    exprs["category"] = mapped(src["category"], mapping.categories)
    for name in ["latitude", "longitude"]:
        if name in src:
            exprs[name] = number(src[name])
    if "units_required" in src:
        exprs["units_required"] = number(src["units_required"]).cast(pl.Int64)
    for flag, spec in mapping.flags.items():
        exprs[flag] = parse_flag(spec.column, spec.true_values)
    result = []
    for name, dtype in FIELD_TYPES.items():
        default = pl.lit(False) if name in FLAGS else pl.lit(None, dtype)
        result.append(exprs.get(name, default).cast(dtype).alias(name))
    return result


@dataclass
class ParsedIncidents(Parsed):
    """``rows`` are the valid rows (one per unit in the ``unit`` layout); ``incidents`` the
    incidents they make, ready for the ``incidents`` table."""

    incidents: pl.DataFrame = field(default_factory=pl.DataFrame)
    header: list[str] = field(default_factory=list)
    source_of: dict[str, str] = field(default_factory=dict)


def read_incident_log(path: Path, mapping: IncidentMapping, raw: bytes | None = None) -> Parsed:
    """Read one export: valid rows, the incidents they make and quarantine records."""
    src = mapping.source_of()
    table = read_csv_table(path, list(dict.fromkeys(src.values())), raw=raw)
    good, quarantined = quarantine_rows(table, incident_checks(mapping))
    rows = good.select(*map_fields(mapping), *keep_source(table.header), LINE)
    repeat = identical_repeats(rows, FIELDS)
    duplicates = int(repeat.sum() or 0)
    rows = rows.filter(~repeat)
    incident_fields = FIELDS if mapping.layout == "incident" else [
        f for f in FIELDS if f not in UNIT_FIELDS
    ]  # fmt: skip
    problems = [
        _contradictions(
            rows, ["incident_ref"], incident_fields, table.header, src, "an earlier row of"
        ),
    ]
    bad_lines = problems[0]["line"]
    rows = rows.filter(~pl.col(LINE).is_in(bad_lines.implode()))
    if mapping.layout == "unit":
        units = rows.filter(pl.col("unit_ref").is_not_null())
        problems.append(
            _contradictions(
                units,
                ["incident_ref", "unit_ref", "dispatched_at"],
                ["arrived_at", "cleared_at"],
                table.header,
                src,
                "the same unit and dispatch time of",
            )
        )
        rows = rows.filter(~pl.col(LINE).is_in(problems[1]["line"].implode()))
    rows = treat_stages(rows)
    found = _incidents_of(rows, mapping)
    warnings = _warnings(found, rows, mapping)
    return ParsedIncidents(
        table.rows_read,
        pl.concat([quarantined, *problems]).sort("line"),
        rows=rows,
        duplicates=duplicates,
        warnings=warnings,
        incidents=found,
        header=table.header,
        source_of=src,
    )


def _contradictions(
    rows: pl.DataFrame,
    key: list[str],
    fields: list[str],
    header: list[str],
    src: dict[str, str],
    what: str,
) -> pl.DataFrame:
    later = differs_from_first(rows, key, fields)
    column = pl.col("_differs").replace_strict(src, default=src["incident_ref"])
    reason = pl.format(
        "differs from line {}, {} incident {}; the first row is kept",
        pl.col("_first_line"),
        pl.lit(what),
        pl.col("incident_ref"),
    )
    return issue_records(later, header, column, reason)


def _incidents_of(rows: pl.DataFrame, mapping: IncidentMapping) -> pl.DataFrame:
    """One row per incident: its fields from its first row, stage times across its units."""
    first = [
        f for f in FIELDS if f not in UNIT_FIELDS and f not in ("incident_ref", "units_required")
    ]
    units = pl.col("unit_ref").drop_nulls().n_unique()
    found = (
        rows.sort(LINE)
        .group_by("incident_ref", maintain_order=True)
        .agg(
            *[pl.col(f).first() for f in first],
            pl.col("dispatched_at").min().alias("first_dispatched_at"),
            pl.col("arrived_at").min().alias("first_arrived_at"),
            pl.col("cleared_at").max().alias("cleared_at"),
            pl.col("units_required").first(),
            units.alias("_units"),
            pl.col("issues")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .unique()
            .sort()
            .alias("data_quality"),
            pl.col(LINE).min().alias(LINE),
        )
    )
    deployed = pl.max_horizontal(pl.col("_units"), pl.lit(1))
    counted = deployed if mapping.layout == "unit" else pl.lit(1)
    return found.with_columns(
        pl.coalesce(pl.col("units_required"), counted).cast(pl.Int64).alias("units_required"),
        pl.when(pl.col("data_quality").list.len() > 0).then(pl.col("data_quality")),
    ).drop("_units")


def _warnings(found: pl.DataFrame, rows: pl.DataFrame, mapping: IncidentMapping) -> list[str]:
    warnings = []
    if mapping.categories and mapping.unmapped_categories == "keep":
        unmapped = sorted(
            set(found["category"].unique().to_list()) - set(mapping.categories.values())
        )
        if unmapped:
            shown = ", ".join(unmapped[:10]) + (", ..." if len(unmapped) > 10 else "")
            warnings.append(
                f"{len(unmapped)} category code(s) not in the mapping were stored as they are: "
                f"{shown}"
            )
    counts = found.select(pl.col("data_quality").explode().drop_nulls().value_counts(sort=True))
    if counts.height:
        listed = ", ".join(
            f"{row['data_quality']} {row['count']}"
            for row in counts.unnest("data_quality").to_dicts()
        )
        warnings.append(f"data-quality flags on incidents: {listed}")
    return warnings


# --- storing ------------------------------------------------------------------------------------


class IncidentLogReader:
    source = "incidents"
    needs_mapping = True
    description = "command-and-control incident log CSV, mapped by a YAML file (--mapping)"

    unit_key: ClassVar[list[str]] = ["unit_ref", "dispatched_at", "arrived_at", "cleared_at"]

    def parse(self, path: Path, raw: bytes, mapping: Path | None) -> Parsed:
        assert mapping is not None  # the runner insists on one
        return read_incident_log(path, load_incident_mapping(mapping), raw)

    def store(self, sink: Sink, parsed: Parsed, run_id: int) -> Stored:
        """Insert new incidents and their deployments. Rows of an incident already stored with
        different content, or of a deployment stored with different times, are added to
        ``parsed.quarantined`` (the runner writes them after this returns)."""
        assert isinstance(parsed, ParsedIncidents)
        found, rows = parsed.incidents, parsed.rows
        schema = {"id": pl.Int64(), "import_run_id": pl.Int64(), "incident_ref": pl.String()}
        schema |= dict(found.select(COMPARED).schema)
        stored = fetch_where_in(
            sink, incidents, list(schema), "incident_ref", found["incident_ref"].to_list(), schema
        )
        new, same, changed = compare_with_stored(found, stored, ["incident_ref"], COMPARED)
        sink.insert(
            incidents,
            new.with_columns(pl.lit(run_id).alias("import_run_id")).select(
                "incident_ref", *COMPARED, "data_quality", "import_run_id", LINE
            ),
        )
        ids = fetch_where_in(
            sink, incidents, ["id", "incident_ref"], "incident_ref",
            new["incident_ref"].to_list(), schema,
        ).vstack(same.select("id", "incident_ref"))  # fmt: skip
        in_changed = rows.join(changed.select("incident_ref", "_differs", "import_run_id"),
                               on="incident_ref")  # fmt: skip
        conflicts = self._conflicts(in_changed, parsed)
        rows = rows.join(ids, on="incident_ref")
        is_new = pl.col("incident_ref").is_in(new["incident_ref"].implode())
        fresh_rows, old_rows = rows.filter(is_new), rows.filter(~is_new)
        # Rows of incidents stored before: their deployments may be new, stored or contradict.
        old_units = old_rows.filter(pl.col("unit_ref").is_not_null())
        unit_schema = {"incident_id": pl.Int64(), **dict(rows.select(self.unit_key).schema)}
        known = fetch_where_in(
            sink, deployments, list(unit_schema), "incident_id", old_units["id"].to_list(),
            unit_schema,
        ).unique().rename({"incident_id": "id"})  # fmt: skip
        repeated = old_units.join(known, on=["id", *self.unit_key], how="semi", nulls_equal=True)
        unseen = old_units.join(known, on=["id", *self.unit_key], how="anti", nulls_equal=True)
        taken = known.filter(pl.col("dispatched_at").is_not_null()).select(
            "id", "unit_ref", "dispatched_at"
        )
        clash = unseen.join(taken, on=["id", "unit_ref", "dispatched_at"], how="semi")
        added = unseen.join(taken, on=["id", "unit_ref", "dispatched_at"], how="anti")
        units = pl.concat([fresh_rows.filter(pl.col("unit_ref").is_not_null()), added])
        sink.insert(
            deployments,
            units.with_columns(pl.lit(run_id).alias("import_run_id")).select(
                pl.col("id").alias("incident_id"), *self.unit_key, "import_run_id", LINE
            ),
        )
        clash_records = self._clashes(clash, known, parsed)
        parsed.quarantined = pl.concat([parsed.quarantined, conflicts, clash_records]).sort("line")
        duplicates = old_rows.height - old_units.height + repeated.height
        return Stored(fresh_rows.height + added.height, parsed.duplicates + duplicates)

    @staticmethod
    def _clashes(clash: pl.DataFrame, known: pl.DataFrame, parsed: ParsedIncidents) -> pl.DataFrame:
        """Rows whose unit and dispatch time are stored for the incident with other times."""
        stored = known.filter(pl.col("dispatched_at").is_not_null()).select(
            "id", "unit_ref", "dispatched_at", pl.col("arrived_at").alias("_stored_arrival")
        )
        clash = clash.join(stored, on=["id", "unit_ref", "dispatched_at"], how="left").unique(
            LINE, keep="first", maintain_order=True
        )
        src = parsed.source_of
        arrival_differs = ~pl.col("arrived_at").eq_missing(pl.col("_stored_arrival"))
        column = (
            pl.when(arrival_differs & pl.lit("arrived_at" in src))
            .then(pl.lit(src.get("arrived_at", "")))
            .otherwise(pl.lit(src.get("cleared_at", src["incident_ref"])))
        )
        reason = pl.format(
            "differs from the stored deployment of unit {} to incident {} dispatched at the "
            "same time; the stored one is kept",
            pl.col("unit_ref"),
            pl.col("incident_ref"),
        )
        return issue_records(clash, parsed.header, column, reason)

    @staticmethod
    def _conflicts(rows: pl.DataFrame, parsed: ParsedIncidents) -> pl.DataFrame:
        src = parsed.source_of
        column = (
            pl.col("_differs")
            .replace_strict(FROM_FIELD, default=pl.col("_differs"))
            .replace_strict(src, default=src["incident_ref"])
        )
        run = pl.coalesce(
            pl.format("import run {}", pl.col("import_run_id")), pl.lit("forcesight itself")
        )
        reason = pl.format(
            "differs from incident {} as stored by {} ({} differs); the stored incident is kept",
            pl.col("incident_ref"),
            run,
            pl.col("_differs"),
        )
        return issue_records(rows, parsed.header, column, reason)
