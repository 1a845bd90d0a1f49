"""Validation of imported clock records, for the ingest framework to call.

``validate_clock_records(frame, now)`` takes the rows of an export (one row per record, the
columns of ``clock_records`` with dates as text or datetimes, and a ``line`` column) and splits
them into rows to store and rows to quarantine, each quarantined row with the column, the value
and the reason, in the shape of the store's ``quarantine`` table. Impossible dates (in the
future, before 1990, closed before started, unparseable) quarantine the row. An imported
missing-person risk level of "absent" is stored as "no apparent risk" with a warning.
``store_clock_records`` then writes the accepted rows and their warnings.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

import polars as pl
from sqlalchemy import Engine, insert

from forcesight.store.entities import clock_events, clock_records
from forcesight.tracking.clocks import RECORD_SCHEMA, governed
from forcesight.tracking.events import DATA_QUALITY_EVENT
from forcesight.tracking.rules import RECORD_KINDS, ClocksPolicy, load_clocks_policy

EARLIEST = datetime(1990, 1, 1)
REQUIRED = ("kind", "ref", "started_at")
DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
)


@dataclass(frozen=True)
class ClockImportCheck:
    """The outcome of validating imported clock records."""

    accepted: pl.DataFrame  # RECORD_SCHEMA columns (no id) + line
    quarantined: pl.DataFrame  # line, column_name, value, reason, raw (the row as JSON)
    warnings: pl.DataFrame  # line, ref, column_name, value, warning


def _parse_dates(column: pl.Expr) -> pl.Expr:
    text = column.cast(pl.String).str.strip_chars()
    attempts = [text.str.to_datetime(fmt, time_unit="us", strict=False) for fmt in DATE_FORMATS]
    return pl.coalesce(attempts)


def validate_clock_records(
    frame: pl.DataFrame,
    now: datetime,
    policy: ClocksPolicy | None = None,
    *,
    known_crime_ids: Collection[int] | None = None,
    known_person_ids: Collection[str] | None = None,
) -> ClockImportCheck:
    """Split imported clock records into accepted and quarantined rows (with reasons)."""
    policy = policy or load_clocks_policy()
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        from forcesight.errors import MissingColumnsError

        raise MissingColumnsError("(clock records)", missing, frame.columns, list(RECORD_SCHEMA))
    if "line" not in frame.columns:
        frame = frame.with_row_index("line", offset=2)
    raw = frame.with_columns(pl.col("line").cast(pl.Int64))
    for name, dtype in RECORD_SCHEMA.items():
        if name not in raw.columns and name != "id":
            raw = raw.with_columns(pl.lit(None, dtype=dtype).alias(name))
    parsed = raw.with_columns(
        _parse_dates(pl.col("started_at")).alias("_started"),
        _parse_dates(pl.col("closed_at")).alias("_closed"),
        pl.col("ref").cast(pl.String).str.strip_chars().alias("ref"),
        pl.col("kind").cast(pl.String).str.strip_chars().str.to_lowercase().alias("kind"),
    )
    risk = parsed["risk_level"].cast(pl.String).to_list()
    normalised = [policy.normalise_risk(r) for r in risk]
    parsed = parsed.with_columns(
        pl.Series("_risk", [n[0] for n in normalised], dtype=pl.String),
        pl.Series("_risk_warning", [n[1] for n in normalised], dtype=pl.String),
    )
    started_text = pl.col("started_at").cast(pl.String)
    closed_text = pl.col("closed_at").cast(pl.String)
    checks: list[tuple[str, pl.Expr, pl.Expr, str | pl.Expr]] = [
        (
            "kind",
            ~pl.col("kind").is_in(list(RECORD_KINDS)) | pl.col("kind").is_null(),
            pl.col("kind"),
            f"not a kind of clock record (one of {', '.join(RECORD_KINDS)})",
        ),
        ("ref", pl.col("ref").is_null() | (pl.col("ref") == ""), pl.col("ref"), "empty reference"),
        ("started_at", pl.col("_started").is_null(), started_text, "not a date and time"),
        (
            "started_at",
            pl.col("_started") > now,
            started_text,
            f"in the future (import time {now:%Y-%m-%d %H:%M})",
        ),
        (
            "started_at",
            pl.col("_started") < EARLIEST,
            started_text,
            f"impossible date: before {EARLIEST:%Y}",
        ),
        (
            "closed_at",
            closed_text.is_not_null()
            & (closed_text.str.strip_chars() != "")
            & pl.col("_closed").is_null(),
            closed_text,
            "not a date and time",
        ),
        (
            "closed_at",
            pl.col("_closed") < pl.col("_started"),
            closed_text,
            "closed before it started",
        ),
        ("closed_at", pl.col("_closed") > now, closed_text, "closed in the future"),
        (
            "risk_level",
            (pl.col("kind") == "missing_episode") & pl.col("_risk").is_null(),
            pl.col("risk_level").cast(pl.String),
            f"not a risk level (one of {', '.join(policy.risk_levels.levels)}, or absent)",
        ),
        (
            "devices",
            (pl.col("kind") == "forensic_submission")
            & (pl.col("devices").cast(pl.Int64, strict=False).fill_null(0) < 1),
            pl.col("devices").cast(pl.String),
            "a forensic submission needs at least one device",
        ),
        (
            "ref",
            pl.struct("kind", "ref").is_duplicated()
            & (pl.int_range(pl.len()).over("kind", "ref") > 0),
            pl.col("ref"),
            "repeats an earlier row's kind and reference",
        ),
    ]
    subject_crime = pl.col("kind").is_in(
        [k for k, s in policy.record_kinds.items() if s.subject == "crime"]
    )
    crime_id = pl.col("crime_id").cast(pl.Int64, strict=False)
    person_id = pl.col("person_id").cast(pl.String)
    checks.append(
        (
            "crime_id",
            subject_crime & crime_id.is_null(),
            pl.col("crime_id").cast(pl.String),
            "a crime record needs a crime",
        )
    )
    checks.append(
        (
            "person_id",
            ~subject_crime & person_id.is_null(),
            person_id,
            "a person record needs a person",
        )
    )
    if known_crime_ids is not None:
        checks.append(
            (
                "crime_id",
                crime_id.is_not_null() & ~crime_id.is_in(list(known_crime_ids)),
                crime_id.cast(pl.String),
                "unknown crime",
            )
        )
    if known_person_ids is not None:
        checks.append(
            (
                "person_id",
                person_id.is_not_null() & ~person_id.is_in(list(known_person_ids)),
                person_id,
                "unknown person",
            )
        )
    problems = pl.concat(
        [
            parsed.filter(bad.fill_null(False)).select(
                "line",
                pl.lit(column).alias("column_name"),
                value.cast(pl.String).alias("value"),
                (reason if isinstance(reason, pl.Expr) else pl.lit(reason)).alias("reason"),
            )
            for column, bad, value, reason in checks
        ]
    )
    candidates = parsed.filter(~pl.col("line").is_in(problems["line"].implode()))
    typed = candidates.select(
        "line",
        "kind",
        "ref",
        crime_id.alias("crime_id"),
        person_id.alias("person_id"),
        pl.col("owner_id").cast(pl.String),
        pl.col("team_id").cast(pl.String),
        pl.col("_started").alias("started_at"),
        pl.col("_risk").alias("risk_level"),
        _boolean(pl.col("enhanced")).alias("enhanced"),
        pl.col("agency").cast(pl.String),
        pl.col("devices").cast(pl.Int64, strict=False),
        _boolean(pl.col("is_child")).alias("is_child"),
        pl.col("_closed").alias("closed_at"),
        pl.col("close_reason").cast(pl.String),
    )
    ungoverned = typed.with_columns(pl.lit(0, dtype=pl.Int64).alias("id"))
    covered = pl.concat(
        [governed(ungoverned, rule).select("line") for rule in policy.rules]
    ).unique()
    no_rule = typed.filter(~pl.col("line").is_in(covered["line"].implode())).select(
        "line",
        pl.lit("started_at").alias("column_name"),
        pl.col("started_at").cast(pl.String).alias("value"),
        pl.format("no rule in clocks.yaml governs a {} record started then", pl.col("kind")).alias(
            "reason"
        ),
    )
    problems = pl.concat([problems, no_rule]).sort("line", "column_name")
    originals = raw.select(
        "line", pl.struct(pl.exclude("line").cast(pl.String)).struct.json_encode().alias("raw")
    ).unique("line")
    quarantined = problems.join(originals, on="line", how="left")
    accepted = typed.filter(~pl.col("line").is_in(problems["line"].implode()))
    warnings = parsed.filter(
        pl.col("_risk_warning").is_not_null() & pl.col("line").is_in(accepted["line"].implode())
    ).select(
        "line",
        "ref",
        pl.lit("risk_level").alias("column_name"),
        pl.col("risk_level").cast(pl.String).alias("value"),
        pl.col("_risk_warning").alias("warning"),
    )
    return ClockImportCheck(accepted=accepted, quarantined=quarantined, warnings=warnings)


def _boolean(column: pl.Expr) -> pl.Expr:
    text = column.cast(pl.String).str.strip_chars().str.to_lowercase()
    return (
        pl.when(text.is_in(["1", "true", "yes", "y", "t"]))
        .then(True)
        .when(text.is_in(["0", "false", "no", "n", "f", ""]))
        .then(False)
        .otherwise(None)
    )


def store_clock_records(
    engine: Engine,
    check: ClockImportCheck,
    now: datetime,
    import_run_id: int | None = None,
) -> int:
    """Write the accepted rows of ``check`` (and a data-quality event per warning); returns
    the number of records stored. Run in the importer's transaction or its own."""
    rows = check.accepted.rename({"line": "source_line"}).to_dicts()
    if not rows:
        return 0
    for row in rows:
        row["import_run_id"] = import_run_id
        row["origin"] = "import"
    with engine.begin() as conn:
        conn.execute(insert(clock_records), rows)
        if check.warnings.height:
            ids = {
                (r.kind, r.ref): r.id
                for r in conn.execute(
                    clock_records.select().where(
                        clock_records.c.ref.in_(check.warnings["ref"].to_list())
                    )
                )
            }
            kinds = dict(zip(check.accepted["line"], check.accepted["kind"], strict=True))
            started = dict(zip(check.accepted["line"], check.accepted["started_at"], strict=True))
            events = [
                {
                    "record_id": ids[(kinds[w["line"]], w["ref"])],
                    "event": DATA_QUALITY_EVENT,
                    "occurred_at": started[w["line"]],
                    "recorded_at": now,
                    "reason": w["warning"],
                    "detail": {"field": w["column_name"], "imported": w["value"]},
                    "import_run_id": import_run_id,
                    "source_line": w["line"],
                    "origin": "import",
                }
                for w in check.warnings.to_dicts()
            ]
            conn.execute(insert(clock_events), events)
    return len(rows)
