"""Workforce register exports (HR or duty-management system), read through a column mapping.

One mapping per record type (``record:`` in the mapping file, see mapping.py and
docs/importing.md): ``staff`` (one row per officer, member of staff, PCSO or special),
``skills`` (skills and accreditations with award and expiry dates) and ``availability``
(sickness, restricted or recuperative duty, leave, training, tutoring, ... spells). Import the
staff register first: skills and spells must name a stored staff id. Ids are pseudonyms; the
reader stores no names. This is what happens to each kind of problem:

=============================================  ==================================================
found in the export                            treatment
=============================================  ==================================================
a value that does not parse (date, number,     quarantined, naming the format or the values
PIP level) or a word outside a value map or    expected
fixed vocabulary
left before joined; expiry before award;       quarantined by the named check
revoked before award; spell ending before it   (``check_left_after_joined``,
starts                                         ``check_expiry_after_award``,
                                               ``check_revoked_after_award``,
                                               ``check_end_after_start``)
skill or spell for a staff id not stored       quarantined: import the staff register first
tutor id neither in the file nor stored; a     quarantined
member of staff as their own tutor
team code with no stored team                  the team is created: id = the code, name = the
                                               ``team_name`` column (or the code), function = the
                                               commonest function of its staff in the file; a
                                               register is never refused for want of a teams file
FTE or weekly hours empty                      derived from the other with ``standard_week_hours``
a row repeated exactly                         stored once; the repeat counts as a duplicate
same record twice in one file with different   the first row kept, later rows quarantined naming
content (same staff id; same staff, skill and  the first column that differs
award date; same staff, kind and start)
record already stored, unchanged               a duplicate
record already stored, different content       the stored record is updated (a register is a
                                               snapshot: the file imported last wins), counted as
                                               stored, with a warning saying how many
=============================================  ==================================================

Each record's identity is its ``row_key``: a hash of the staff id (staff), of staff id, skill and
award date (skills) or of staff id, kind and start date (spells).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from sqlalchemy import Table, update

from forcesight.ingest.checks import Check, quarantine_rows
from forcesight.ingest.csvfile import LINE, read_csv_table
from forcesight.ingest.mapping import (
    AVAILABILITY_KINDS,
    SKILL_KINDS,
    STAFF_TYPES,
    AvailabilityMapping,
    SkillsMapping,
    StaffMapping,
    WorkforceMapping,
    cell,
    check_date,
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
    load_workforce_mapping,
    mapped,
    number,
    parse_date,
    parse_flag,
    row_keys,
)
from forcesight.ingest.runner import Parsed, Stored
from forcesight.store.entities import availability_spells, staff, staff_skills, teams
from forcesight.store.sink import Sink

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_/-]{0,39}$"
ID_EXPECTED = "a pseudonymous id of up to 40 letters, digits, '-', '_' or '/'"
MAX_WEEK_HOURS = 60.0
TOP_PIP_LEVEL = 4

STAFF_FIELDS: dict[str, pl.DataType] = {
    "id": pl.String(), "staff_type": pl.String(), "rank": pl.String(), "role": pl.String(),
    "function": pl.String(), "team_id": pl.String(), "fte": pl.Float64(),
    "hours_per_week": pl.Float64(), "pip_level": pl.Int64(), "joined_on": pl.Date(),
    "left_on": pl.Date(), "is_student": pl.Boolean(), "tutor_id": pl.String(),
    "tutoring_ends_on": pl.Date(),
}  # fmt: skip
SKILL_FIELDS: dict[str, pl.DataType] = {
    "staff_id": pl.String(), "skill": pl.String(), "kind": pl.String(),
    "awarded_on": pl.Date(), "expires_on": pl.Date(), "revoked_on": pl.Date(),
    "revoked_reason": pl.String(),
}  # fmt: skip
SPELL_FIELDS: dict[str, pl.DataType] = {
    "staff_id": pl.String(), "kind": pl.String(), "starts_on": pl.Date(),
    "ends_on": pl.Date(), "note": pl.String(),
}  # fmt: skip


@dataclass(frozen=True)
class Record:
    """How one record type is identified and stored."""

    name: str
    table: Table
    fields: dict[str, pl.DataType]
    identity: list[str]  # fields hashed into row_key
    key: str  # column matched against the store


RECORDS = {
    "staff": Record("staff", staff, STAFF_FIELDS, ["id"], "id"),
    "skills": Record(
        "skills", staff_skills, SKILL_FIELDS, ["staff_id", "skill", "awarded_on"], "row_key"
    ),
    "availability": Record(
        "availability",
        availability_spells,
        SPELL_FIELDS,
        ["staff_id", "kind", "starts_on"],
        "row_key",
    ),
}
# The field that holds the staff id, and its name in the mapping's columns.
STAFF_ID = {"staff": "id", "skills": "staff_id", "availability": "staff_id"}


# --- consistency checks: one named rule each ------------------------------------------------


def _earlier(later: str, earlier: str, formats: list[str]) -> pl.Expr:
    return parse_date(later, formats) < parse_date(earlier, formats)


def check_left_after_joined(left: str, joined: str, formats: list[str]) -> Check:
    return Check(left, f"is before the date joined ({joined})", _earlier(left, joined, formats))


def check_expiry_after_award(expires: str, awarded: str, formats: list[str]) -> Check:
    return Check(
        expires, f"is before the award date ({awarded})", _earlier(expires, awarded, formats)
    )


def check_revoked_after_award(revoked: str, awarded: str, formats: list[str]) -> Check:
    return Check(
        revoked, f"is before the award date ({awarded})", _earlier(revoked, awarded, formats)
    )


def check_end_after_start(ends: str, starts: str, formats: list[str]) -> Check:
    return Check(ends, f"is before the start ({starts})", _earlier(ends, starts, formats))


def check_not_own_tutor(tutor: str, staff_id: str) -> Check:
    return Check(tutor, "is the member of staff themselves", cell(tutor) == cell(staff_id))


def _value_map_check(
    column: str, values: dict[str, str], unmapped: str, longest: int
) -> list[Check]:
    if values and unmapped == "quarantine":
        return [check_in(column, list(values))]
    return [check_length(column, longest)]


def staff_checks(m: StaffMapping) -> list[Check]:
    c, fmts = m.columns, m.date_formats
    checks = [
        check_required(c.staff_id),
        check_pattern(c.staff_id, ID_PATTERN, ID_EXPECTED),
        check_in(c.staff_type, list(m.values.staff_type) or list(STAFF_TYPES)),
        check_required(c.rank),
        *_value_map_check(c.rank, m.values.rank, m.unmapped_values, 40),
        check_required(c.function),
        *_value_map_check(c.function, m.values.function, m.unmapped_values, 40),
    ]
    if c.team:
        checks.append(check_length(c.team, 40))
    if c.fte:
        checks.append(check_number(c.fte, 0, 1))
    if c.hours_per_week:
        checks.append(check_number(c.hours_per_week, 0, MAX_WEEK_HOURS))
    either = [cell(x).is_null() for x in (c.fte, c.hours_per_week) if x]
    shown = " or ".join(x for x in (c.fte, c.hours_per_week) if x)
    checks.append(
        Check(
            c.fte or c.hours_per_week or c.staff_id,
            f"{shown} is required",
            pl.all_horizontal(either),
        )
    )
    if c.pip_level:
        checks.append(check_number(c.pip_level, 0, TOP_PIP_LEVEL, whole=True))
    checks += [check_date(x, fmts) for x in (c.joined_on, c.left_on, c.tutoring_ends_on) if x]
    if c.left_on and c.joined_on:
        checks.append(check_left_after_joined(c.left_on, c.joined_on, fmts))
    if c.tutor_id:
        checks.append(check_pattern(c.tutor_id, ID_PATTERN, ID_EXPECTED))
        checks.append(check_not_own_tutor(c.tutor_id, c.staff_id))
    return checks


def skill_checks(m: SkillsMapping) -> list[Check]:
    c, fmts = m.columns, m.date_formats
    checks = [
        check_required(c.staff_id),
        check_pattern(c.staff_id, ID_PATTERN, ID_EXPECTED),
        check_required(c.skill),
        *_value_map_check(c.skill, m.values.skill, m.unmapped_values, 60),
        check_required(c.awarded_on),
        check_date(c.awarded_on, fmts),
    ]
    if c.kind:
        checks.append(check_in(c.kind, list(m.values.kind) or list(SKILL_KINDS)))
    checks += [check_date(x, fmts) for x in (c.expires_on, c.revoked_on) if x]
    if c.expires_on:
        checks.append(check_expiry_after_award(c.expires_on, c.awarded_on, fmts))
    if c.revoked_on:
        checks.append(check_revoked_after_award(c.revoked_on, c.awarded_on, fmts))
    return checks


def availability_checks(m: AvailabilityMapping) -> list[Check]:
    c, fmts = m.columns, m.date_formats
    checks = [
        check_required(c.staff_id),
        check_pattern(c.staff_id, ID_PATTERN, ID_EXPECTED),
        check_in(c.kind, list(m.values.availability) or list(AVAILABILITY_KINDS)),
        check_required(c.starts_on),
        check_date(c.starts_on, fmts),
    ]
    if c.ends_on:
        checks += [check_date(c.ends_on, fmts), check_end_after_start(c.ends_on, c.starts_on, fmts)]
    return checks


# --- mapping rows to fields ---------------------------------------------------------------------


def _fields(m: WorkforceMapping) -> dict[str, pl.Expr]:
    src = m.source_of()
    keep = m.unmapped_values == "keep"
    if isinstance(m, StaffMapping):
        week = m.standard_week_hours
        fte = number(src["fte"]) if "fte" in src else pl.lit(None, pl.Float64)
        hours = (
            number(src["hours_per_week"]) if "hours_per_week" in src else pl.lit(None, pl.Float64)
        )
        out = {
            "id": cell(src["staff_id"]),
            "staff_type": mapped(src["staff_type"], m.values.staff_type, keep_unmapped=True),
            "rank": mapped(src["rank"], m.values.rank, keep_unmapped=keep),
            "function": mapped(src["function"], m.values.function, keep_unmapped=keep),
            "fte": pl.coalesce(fte, hours / week),
            "hours_per_week": pl.coalesce(hours, fte * week),
            "pip_level": pl.coalesce(number(src["pip_level"]), pl.lit(0.0))
            if "pip_level" in src else pl.lit(0),
            "is_student": parse_flag(src["is_student"], m.true_values)
            if "is_student" in src else pl.lit(False),
        }  # fmt: skip
        for name, column in (("role", "role"), ("team_id", "team"), ("tutor_id", "tutor_id")):
            if column in src:
                out[name] = cell(src[column])
        if "team_name" in src:
            out["team_name"] = cell(src["team_name"])
        dates = ["joined_on", "left_on", "tutoring_ends_on"]
    elif isinstance(m, SkillsMapping):
        out = {
            "staff_id": cell(src["staff_id"]),
            "skill": mapped(src["skill"], m.values.skill, keep_unmapped=keep),
        }
        if "kind" in src:
            out["kind"] = mapped(src["kind"], m.values.kind)
        else:
            accredited = out["skill"].is_in(m.accreditations)
            out["kind"] = (
                pl.when(accredited).then(pl.lit("accreditation")).otherwise(pl.lit("skill"))
            )
        if "revoked_reason" in src:
            out["revoked_reason"] = cell(src["revoked_reason"])
        dates = ["awarded_on", "expires_on", "revoked_on"]
    else:
        out = {
            "staff_id": cell(src["staff_id"]),
            "kind": mapped(src["kind"], m.values.availability),
        }
        if "note" in src:
            out["note"] = cell(src["note"])
        dates = ["starts_on", "ends_on"]
    for name in dates:
        if name in src:
            out[name] = parse_date(src[name], m.date_formats)
    return out


@dataclass
class ParsedWorkforce(Parsed):
    record: str = "staff"
    header: list[str] = field(default_factory=list)
    source_of: dict[str, str] = field(default_factory=dict)


def read_workforce(path: Path, mapping: WorkforceMapping, raw: bytes | None = None) -> Parsed:
    """Read one register export: its valid records, typed and keyed, and quarantine records."""
    src = mapping.source_of()
    table = read_csv_table(path, list(dict.fromkeys(src.values())), raw=raw)
    if isinstance(mapping, StaffMapping):
        checks = staff_checks(mapping)
    elif isinstance(mapping, SkillsMapping):
        checks = skill_checks(mapping)
    else:
        checks = availability_checks(mapping)
    good, quarantined = quarantine_rows(table, checks)
    record = RECORDS[mapping.record]
    exprs = _fields(mapping)
    typed = [
        exprs.get(name, pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in record.fields.items()
    ]
    extra = [exprs["team_name"].alias("team_name")] if "team_name" in exprs else []
    rows = good.select(*typed, *extra, *keep_source(table.header), LINE)
    fields = list(record.fields)
    repeat = identical_repeats(rows, fields)
    rows = rows.filter(~repeat)
    later = differs_from_first(rows, record.identity, fields)
    by_field = {STAFF_ID[mapping.record]: "staff_id", "team_id": "team"}
    column_of = {f: src.get(by_field.get(f, f), src["staff_id"]) for f in fields}
    conflicts = issue_records(
        later,
        table.header,
        pl.col("_differs").replace_strict(column_of),
        pl.format(
            "differs from line {}, the same record; the first row is kept", pl.col("_first_line")
        ),
    )
    rows = rows.filter(~pl.col(LINE).is_in(later[LINE].implode()))
    rows = rows.with_columns(row_keys(rows, record.identity, record.name))
    return ParsedWorkforce(
        table.rows_read,
        pl.concat([quarantined, conflicts]).sort("line"),
        rows=rows,
        duplicates=int(repeat.sum() or 0),
        record=mapping.record,
        header=table.header,
        source_of=src,
    )


# --- storing ------------------------------------------------------------------------------------


class WorkforceReader:
    source = "workforce"
    needs_mapping = True
    description = "workforce register CSV (staff, skills or availability), mapped by a YAML file"

    def parse(self, path: Path, raw: bytes, mapping: Path | None) -> Parsed:
        assert mapping is not None  # the runner insists on one
        return read_workforce(path, load_workforce_mapping(mapping), raw)

    def store(self, sink: Sink, parsed: Parsed, run_id: int) -> Stored:
        """Store new records and update changed ones. Rows naming an unknown staff member or
        tutor are added to ``parsed.quarantined`` (the runner writes them after this)."""
        assert isinstance(parsed, ParsedWorkforce)
        record = RECORDS[parsed.record]
        rows = parsed.rows
        if parsed.record == "staff":
            unknown = self._unknown_staff(sink, rows.filter(pl.col("tutor_id").is_not_null()),
                                          "tutor_id", rows["id"], parsed)  # fmt: skip
        else:
            unknown = self._unknown_staff(sink, rows, "staff_id", pl.Series([], dtype=pl.String),
                                          parsed)  # fmt: skip
        rows = rows.filter(~pl.col(LINE).is_in(unknown["line"].implode()))
        if parsed.record == "staff":
            self._create_teams(sink, rows, run_id)
        fields = list(record.fields)
        schema = dict(rows.select(fields).schema) | {"row_key": pl.String()}
        compared = [f for f in fields if f != record.key]
        stored = fetch_where_in(sink, record.table, [record.key, *compared], record.key,
                                rows[record.key].to_list(), schema)  # fmt: skip
        new, same, changed = compare_with_stored(rows, stored, [record.key], compared)
        lineage = [pl.lit(run_id).alias("import_run_id"), pl.col(LINE)]
        sink.insert(record.table, new.select(*fields, "row_key", *lineage))
        for row in changed.select(record.key, *compared, LINE).iter_rows(named=True):
            values = {c: row[c] for c in compared} | {"import_run_id": run_id, LINE: row[LINE]}
            sink.execute(
                update(record.table)
                .where(record.table.c[record.key] == row[record.key])
                .values(**values)
            )
        if changed.height:
            parsed.warnings.append(
                f"{changed.height} {record.name} record(s) already stored with different details "
                "were updated from this file"
            )
        parsed.quarantined = pl.concat([parsed.quarantined, unknown]).sort("line")
        return Stored(new.height + changed.height, parsed.duplicates + same.height)

    @staticmethod
    def _unknown_staff(
        sink: Sink, rows: pl.DataFrame, field_name: str, in_file: pl.Series, parsed: ParsedWorkforce
    ) -> pl.DataFrame:
        """Quarantine records for rows whose ``field_name`` is no staff id in the file or store."""
        wanted = rows.filter(~pl.col(field_name).is_in(in_file.implode()))
        known = fetch_where_in(sink, staff, ["id"], "id", wanted[field_name].to_list(),
                               {"id": pl.String()})  # fmt: skip
        missing = wanted.filter(~pl.col(field_name).is_in(known["id"].implode()))
        where = "in this file or the store" if field_name == "tutor_id" else "stored"
        hint = "" if field_name == "tutor_id" else ": import the staff register first"
        column = (
            parsed.source_of[field_name]
            if field_name == "tutor_id"
            else parsed.source_of["staff_id"]
        )
        return issue_records(
            missing, parsed.header, pl.lit(column), pl.lit(f"is not a staff id {where}{hint}")
        )

    @staticmethod
    def _create_teams(sink: Sink, rows: pl.DataFrame, run_id: int) -> None:
        """Create the teams the staff rows name that are not stored yet (see the table above)."""
        named = rows.filter(pl.col("team_id").is_not_null())
        if named.height == 0:
            return
        name = pl.col("team_name") if "team_name" in named.columns else pl.lit(None, pl.String)
        found = (
            named.with_columns(name.alias("_name"))
            .sort(LINE)
            .group_by("team_id", maintain_order=True)
            .agg(
                pl.col("_name").drop_nulls().first().alias("name"),
                pl.col("function").mode().sort().first().alias("function"),
                pl.col(LINE).min(),
            )
        )
        stored = fetch_where_in(sink, teams, ["id"], "id", found["team_id"].to_list(),
                                {"id": pl.String()})  # fmt: skip
        fresh = found.filter(~pl.col("team_id").is_in(stored["id"].implode()))
        sink.insert(
            teams,
            fresh.select(
                pl.col("team_id").alias("id"),
                pl.coalesce("name", "team_id").alias("name"),
                "function",
                pl.lit(run_id).alias("import_run_id"),
                LINE,
            ),
        )
