"""Home Office rolling-year recorded crime by police force area: reading and harmonising.

The file format (``recorded_crime_by_force_rolling_year.csv``) has one row per (12 months
ending, force, offence group). Offence groups were reclassified over time, so series are joined
by the harmonisation policy (``policy/rules/demand_harmonisation.yaml``) before modelling, and
the joins are returned as a table so that the user sees them.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
from pydantic import Field

from forcesight.errors import UnreadableFileError
from forcesight.ingest.csvfile import LINE
from forcesight.ingest.home_office import read_rolling_year as ingest_rolling_year
from forcesight.policy.loader import PolicyFile, SourcedRule, load_policy

SERIES_SEPARATOR = " | "


class Merge(SourcedRule):
    into: str
    offence_groups: list[str] = Field(min_length=2)
    changeover: date


class Discontinued(SourcedRule):
    offence_group: str
    last_period: date


class CountingRuleChange(SourcedRule):
    offence_group: str
    from_period: date


class HarmonisationPolicy(PolicyFile):
    quarterly_from: date
    quarterly_from_source: str = Field(min_length=3)
    merges: list[Merge] = Field(default_factory=list)
    discontinued: list[Discontinued] = Field(default_factory=list)
    counting_rule_changes: list[CountingRuleChange] = Field(default_factory=list)


def load_harmonisation(policy_dir: str | Path | None = None) -> HarmonisationPolicy:
    return load_policy("demand_harmonisation", HarmonisationPolicy, policy_dir)


def read_rolling_year(path: str | Path) -> pl.DataFrame:
    """Read a rolling-year file into (period_end, force, region, offence_group, offences).

    Parsing and validation are the importer's (``forcesight.ingest.home_office``); where the
    importer would quarantine a row, a forecast refuses the whole file instead, naming the first
    bad line and column, because a backtest on a silently thinned series would mislead. A
    (period, force, offence) given twice is refused likewise.
    """
    name = str(path)
    frame, quarantined, _, _ = ingest_rolling_year(Path(path))
    if quarantined.height:
        first = quarantined.sort("line").row(0, named=True)
        raise UnreadableFileError(
            name,
            f"{first['column_name']} is {first['value']!r}: {first['reason']} "
            f"({quarantined.height} bad row(s) in all)",
            line=int(first["line"]),
        )
    if frame.height == 0:
        raise UnreadableFileError(name, "has a header but no rows")
    dupes = frame.filter(pl.struct("period_end", "force_area", "offence_group").is_duplicated())
    if dupes.height:
        row = dupes.sort(LINE).row(1, named=True)
        raise UnreadableFileError(
            name,
            f"{row['force_area']} / {row['offence_group']} / {row['period_end']} appears twice",
            line=int(row[LINE]),
        )
    return frame.select(
        "period_end",
        pl.col("force_area").str.strip_chars().alias("force"),
        "region",
        pl.col("offence_group").str.strip_chars(),
        "offences",
    )


def harmonise(
    frame: pl.DataFrame, policy: HarmonisationPolicy | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Join reclassified offence groups, drop discontinued ones and the annual-only years.

    Returns the harmonised long frame (period_end, force, offence_group, offences) and a table of
    what was done per (force, offence group): action, detail and source.
    """
    rules = policy if policy is not None else load_harmonisation()
    notes: list[dict[str, object]] = []
    forces = frame["force"].unique().sort().to_list()
    regular = frame.filter(pl.col("period_end") >= rules.quarterly_from)
    dropped = frame.height - regular.height
    if dropped:
        notes.append(
            _note(
                "(all)",
                "(all)",
                "set aside",
                f"{dropped} annual rows before {rules.quarterly_from}",
                rules.quarterly_from_source,
            )
        )
    rename: dict[str, str] = {}
    for merge in rules.merges:
        present = [g for g in merge.offence_groups if g in set(regular["offence_group"])]
        if not present:
            continue
        for group in present:
            rename[group] = merge.into
        for force in forces:
            evidence = _changeover_evidence(regular, force, present, merge.changeover)
            notes.append(
                _note(
                    force, merge.into, "merged", f"{' + '.join(present)}; {evidence}", merge.source
                )
            )
    for stop in rules.discontinued:
        notes.extend(
            _note(
                force,
                stop.offence_group,
                "discontinued",
                f"not forecast: series ends {stop.last_period}",
                stop.source,
            )
            for force in forces
            if stop.offence_group in set(regular["offence_group"])
        )
    for change in rules.counting_rule_changes:
        notes.extend(
            _note(
                force,
                change.offence_group,
                "counting rule change",
                f"known break from {change.from_period}; modelled as is",
                change.source,
            )
            for force in forces
        )
    stopped = {d.offence_group for d in rules.discontinued}
    harmonised = (
        regular.filter(~pl.col("offence_group").is_in(sorted(stopped)))
        .with_columns(pl.col("offence_group").replace(rename))
        .group_by("period_end", "force", "offence_group")
        .agg(pl.col("offences").sum())
        .sort("force", "offence_group", "period_end")
    )
    return harmonised, pl.DataFrame(notes, schema=_NOTE_SCHEMA, orient="row")


_NOTE_SCHEMA = {
    "force": pl.String,
    "offence_group": pl.String,
    "action": pl.String,
    "detail": pl.String,
    "source": pl.String,
}


def _note(force: str, group: str, action: str, detail: str, source: str) -> dict[str, object]:
    return {
        "force": force,
        "offence_group": group,
        "action": action,
        "detail": detail,
        "source": " ".join(source.split()),
    }


def _changeover_evidence(
    frame: pl.DataFrame, force: str, groups: list[str], changeover: date
) -> str:
    """The old and new groups' totals either side of the changeover, as shown to the user."""
    part = frame.filter((pl.col("force") == force) & pl.col("offence_group").is_in(groups))
    pivot = part.group_by("period_end").agg(pl.col("offences").sum()).sort("period_end")
    before = pivot.filter(pl.col("period_end") < changeover).tail(1)
    after = pivot.filter(pl.col("period_end") >= changeover).head(1)
    if before.height == 0 or after.height == 0:
        return "no changeover in range"
    return (
        f"total {before['offences'][0]} at {before['period_end'][0]} and "
        f"{after['offences'][0]} at {after['period_end'][0]}"
    )


def total_crime(harmonised: pl.DataFrame) -> pl.DataFrame:
    """All harmonised offence groups summed per force: total recorded crime (excluding fraud)."""
    return (
        harmonised.group_by("period_end", "force")
        .agg(pl.col("offences").sum())
        .with_columns(pl.lit("All crime (excluding fraud)").alias("offence_group"))
        .select("period_end", "force", "offence_group", "offences")
    )


def as_series(harmonised: pl.DataFrame) -> pl.DataFrame:
    """Long forecasting frame: unique_id = "force | offence group", ds = period end, y."""
    return harmonised.select(
        pl.concat_str(["force", "offence_group"], separator=SERIES_SEPARATOR).alias("unique_id"),
        pl.col("period_end").alias("ds"),
        pl.col("offences").cast(pl.Float64).alias("y"),
    ).sort("unique_id", "ds")
