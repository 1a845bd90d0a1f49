"""data.police.uk street-level crime files (``YYYY-MM-<force>-street.csv``).

The standard 12-column format. Anti-social behaviour (ASB) rows have no Crime ID and no outcome;
they are stored in ``street_crimes`` like crimes, with ``crime_id`` NULL. A row's identity is its
twelve fields and, for ASB rows, its occurrence number among identical rows of the same file,
because data.police.uk publishes separate ASB reports at the same snap point in the same month
as identical rows. A crime row repeated with identical content
is a duplicate; the same Crime ID with different content (an outcome republished) is kept, since
both rows are what was published. Duplicates are looked for among stored rows of the same
reporting force and month, which is exact because both are part of a row's identity.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import polars as pl

from forcesight.ingest.checks import (
    Check,
    matches,
    number_between,
    one_of,
    quarantine_rows,
    required,
)
from forcesight.ingest.csvfile import LINE, read_csv_table
from forcesight.ingest.runner import Parsed, Stored
from forcesight.store.reference import street_crimes
from forcesight.store.sink import Sink, not_stored

HEADER = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
]  # fmt: skip

RENAMES = {
    "Crime ID": "crime_id",
    "Month": "month",
    "Reported by": "reported_by",
    "Falls within": "falls_within",
    "Longitude": "longitude",
    "Latitude": "latitude",
    "Location": "location",
    "LSOA code": "lsoa_code",
    "LSOA name": "lsoa_name",
    "Crime type": "crime_type",
    "Last outcome category": "last_outcome",
    "Context": "context",
}

ASB = "Anti-social behaviour"

CRIME_TYPES = [
    ASB, "Bicycle theft", "Burglary", "Criminal damage and arson", "Drugs", "Other crime",
    "Other theft", "Possession of weapons", "Public order", "Robbery", "Shoplifting",
    "Theft from the person", "Vehicle crime", "Violence and sexual offences",
]  # fmt: skip

# Great Britain and Northern Ireland, generously: snap points outside this are corrupt.
LONGITUDE_RANGE = (-8.7, 1.8)
LATITUDE_RANGE = (49.8, 60.9)

CHECKS = [
    matches("Month", r"^\d{4}-(0[1-9]|1[0-2])$", "a month as YYYY-MM", optional=False),
    required("Reported by"),
    required("Falls within"),
    one_of("Crime type", CRIME_TYPES),
    matches("Crime ID", r"^[0-9a-f]{64}$", "a 64-character hexadecimal Crime ID"),
    number_between("Longitude", *LONGITUDE_RANGE),
    number_between("Latitude", *LATITUDE_RANGE),
    matches("LSOA code", r"^[EWSN]\d{8}$", "an LSOA code such as E01019404"),
]


def read_police_uk(path: Path, raw: bytes | None = None) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Read one street file: (valid rows named as ``street_crimes``, quarantine records, rows
    read). Rows repeated inside the file stay in the first frame; ``occurrence`` numbers them."""
    table = read_csv_table(path, HEADER, raw=raw)
    crime_needs_id = (pl.col("Crime type") != ASB) & pl.col("Crime ID").is_null()
    checks = [
        *CHECKS,
        Check("Crime ID", "is required except for anti-social behaviour", crime_needs_id),
    ]
    good, quarantined = quarantine_rows(table, checks)
    fields = list(RENAMES.values())
    frame = good.rename(RENAMES).with_columns(
        pl.col("month").str.to_date("%Y-%m"),
        pl.col("longitude").cast(pl.Float64),
        pl.col("latitude").cast(pl.Float64),
        pl.int_range(pl.len()).over(fields).cast(pl.Int64).alias("occurrence"),
    )
    return frame, quarantined, table.rows_read


class PoliceUkReader:
    source = "police-uk"
    needs_mapping = False
    description = "data.police.uk street-level crime CSV (YYYY-MM-<force>-street.csv)"

    #: A row's identity: its twelve fields and its occurrence number in the file.
    key: ClassVar[list[str]] = [*RENAMES.values(), "occurrence"]
    scope: ClassVar[list[str]] = ["reported_by", "month"]

    def parse(self, path: Path, raw: bytes, mapping: Path | None) -> Parsed:
        frame, quarantined, rows_read = read_police_uk(path, raw)
        # A crime row identical to an earlier one in the same file is a duplicate.
        repeated = (pl.col("crime_type") != ASB) & (pl.col("occurrence") > 0)
        rows = frame.filter(~repeated)
        return Parsed(rows_read, quarantined, rows=rows, duplicates=frame.height - rows.height)

    def store(self, sink: Sink, parsed: Parsed, run_id: int) -> Stored:
        fresh = not_stored(sink, street_crimes, parsed.rows, self.key, self.scope)
        stored = sink.insert(
            street_crimes,
            fresh.with_columns(pl.lit(run_id).alias("import_run_id")).select(
                [*self.key, "import_run_id", LINE]
            ),
        )
        return Stored(stored, parsed.duplicates + parsed.rows.height - fresh.height)
