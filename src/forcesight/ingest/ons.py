"""ONS geography and population (source ``ons-lsoa``), two published shapes told apart by header:

* the LSOA -> MSOA -> local authority -> region -> police force lookup (``lsoas``);
* Census 2011 usual residents, area and households by LSOA (``lsoa_population``), whose header
  repeats "Persons" three times (all usual residents, in households, in communal establishments)
  and whose numbers carry thousands separators ("1,563").

An LSOA repeated with the same values is a duplicate; with different values it is quarantined.
The published lookup leaves the police force empty for about 3,300 LSOAs (Daventry and South
Northamptonshire among them); forcesight fills those from the ONS local authority -> community
safety partnership -> police force area lookup (December 2016, shipped in the package), by local
authority code and then by name, records ``police_force_from = 'lad_lookup'`` and warns how many
were filled and how many remain unknown.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from forcesight.errors import UnreadableFileError
from forcesight.ingest.checks import (
    Check,
    matches,
    number_between,
    quarantine_rows,
    required,
    split_repeats,
)
from forcesight.ingest.csvfile import LINE, read_csv_table
from forcesight.ingest.runner import Parsed, Stored
from forcesight.store.reference import lsoa_population, lsoas
from forcesight.store.sink import Sink, not_stored

LAD_LOOKUP = (
    Path(__file__).resolve().parents[1]
    / "data" / "home_office" / "workforce" / "LAD_CSP_PFA_Dec2016_lookup.csv"
)  # fmt: skip
#: Force names as the LSOA lookup spells them.
FORCE_NAMES = {"Devon & Cornwall": "Devon and Cornwall", "London, City of": "City of London"}


def _la_key(name: pl.Expr) -> pl.Expr:
    return name.str.to_lowercase().str.replace(r" ua$", "").str.strip_chars()


def fill_police_force(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """Fill an empty police force from the LAD -> police force area lookup (see module doc)."""
    missing = int(frame["police_force"].is_null().sum())
    frame = frame.with_columns(
        pl.when(pl.col("police_force").is_not_null())
        .then(pl.lit("file"))
        .otherwise(None)
        .alias("police_force_from")
    )
    if missing == 0:
        return frame, []
    lad = pl.read_csv(LAD_LOOKUP, infer_schema=False, encoding="utf8-lossy")
    lad = lad.rename({lad.columns[0]: "LAD16CD"}).select(
        pl.col("LAD16CD").alias("_code"),
        _la_key(pl.col("LAD16NM")).alias("_name"),
        pl.col("PFA16NM").replace(FORCE_NAMES).alias("_force"),
    )
    by_code = lad.select("_code", pl.col("_force").alias("_by_code")).unique("_code")
    by_name = lad.select("_name", pl.col("_force").alias("_by_name")).unique("_name")
    frame = (
        frame.with_columns(_la_key(pl.col("la_name")).alias("_name"))
        .join(by_code, left_on="la_code", right_on="_code", how="left")
        .join(by_name, on="_name", how="left")
    )
    found = pl.coalesce("_by_code", "_by_name")
    filled = pl.col("police_force").is_null() & found.is_not_null()
    frame = frame.with_columns(
        pl.when(filled)
        .then(pl.lit("lad_lookup"))
        .otherwise(pl.col("police_force_from"))
        .alias("police_force_from"),
        pl.coalesce("police_force", found).alias("police_force"),
    ).drop("_name", "_by_code", "_by_name")
    still = int(frame["police_force"].is_null().sum())
    return frame, [
        f"{missing - still} LSOA(s) had no police force in the file and were given their local "
        "authority's force from the ONS LAD to police force area lookup (Dec 2016); "
        f"{still} remain unknown"
    ]


LOOKUP_RENAMES = {
    "LSOA Code": "lsoa_code",
    "LSOA Name": "lsoa_name",
    "MSOA Code": "msoa_code",
    "MSOA Name": "msoa_name",
    "Local authority code": "la_code",
    "Local authority name": "la_name",
    "Region code": "region_code",
    "Region name": "region_name",
    "Police_force": "police_force",
}

CENSUS_HEADER = [
    "Region code", "Region name", "Local authority code", "Local authority name", "MSOA Code",
    "MSOA Name", "LSOA Code", "LSOA Name", "", "Persons", "Persons", "Persons", "Hectares",
    "Persons per hectare", "Households", "Persons per household",
]  # fmt: skip
CENSUS_NAMES = [
    "region_code", "region_name", "la_code", "la_name", "msoa_code", "msoa_name", "lsoa_code",
    "lsoa_name", "blank", "residents", "residents_in_households", "residents_communal",
    "hectares", "density", "households", "persons_per_household",
]  # fmt: skip
CENSUS_YEAR = 2011

LSOA_PATTERN = r"^[EW]01\d{6}$"


def _number(column: str) -> pl.Expr:
    return pl.col(column).str.replace_all(",", "").str.strip_chars()


class OnsLsoaReader:
    source = "ons-lsoa"
    needs_mapping = False
    description = "ONS LSOA lookup to police force, or Census 2011 population by LSOA"

    def parse(self, path: Path, raw: bytes, mapping: Path | None) -> Parsed:
        header = raw.split(b"\n", 1)[0]
        if b"Police_force" in header:
            return self._parse_lookup(path, raw)
        if b"Persons per household" in header:
            return self._parse_census(path, raw)
        raise UnreadableFileError(
            str(path),
            "is neither the ONS LSOA-to-police-force lookup (has Police_force) nor "
            "the Census 2011 LSOA population table (has Persons per household)",
            line=1,
            expected=list(LOOKUP_RENAMES),
        )

    def _parse_lookup(self, path: Path, raw: bytes) -> Parsed:
        table = read_csv_table(path, list(LOOKUP_RENAMES), raw=raw)
        checks = [
            matches("LSOA Code", LSOA_PATTERN, "an LSOA code such as E01019404", optional=False),
            required("LSOA Name"),
        ]
        good, quarantined = quarantine_rows(table, checks)
        frame = good.select([*LOOKUP_RENAMES, LINE]).rename(LOOKUP_RENAMES)
        names = {v: k for k, v in LOOKUP_RENAMES.items()}
        first, duplicates, conflicts = split_repeats(frame, ["lsoa_code"], names)
        first, warnings = fill_police_force(first)
        return Parsed(
            table.rows_read,
            pl.concat([quarantined, conflicts]).sort("line"),
            rows=first,
            duplicates=duplicates,
            kind="lookup",
            warnings=warnings,
        )

    def _parse_census(self, path: Path, raw: bytes) -> Parsed:
        table = read_csv_table(path, CENSUS_HEADER, raw=raw, names=CENSUS_NAMES)
        checks = [
            matches("lsoa_code", LSOA_PATTERN, "an LSOA code such as E01019404", optional=False),
            required("lsoa_name"),
            Check(
                "residents",
                "expected a whole number of residents",
                ~_number("residents").str.contains(r"^\d+$").fill_null(False),
            ),
            number_between("hectares", 0, 1_000_000),
            Check(
                "households",
                "expected a whole number of households",
                pl.col("households").is_not_null()
                & ~_number("households").str.contains(r"^\d+$").fill_null(False),
            ),
        ]
        good, quarantined = quarantine_rows(table, checks)
        quarantined = _census_names(quarantined)
        frame = good.select(
            "lsoa_code",
            "lsoa_name",
            "la_code",
            _number("residents").cast(pl.Int64).alias("residents"),
            _number("hectares").cast(pl.Float64).alias("hectares"),
            _number("households").cast(pl.Int64).alias("households"),
            LINE,
        ).with_columns(pl.lit(CENSUS_YEAR).alias("census_year"))
        names = dict(zip(CENSUS_NAMES, CENSUS_HEADER, strict=True))
        first, duplicates, conflicts = split_repeats(frame, ["lsoa_code"], names)
        return Parsed(
            table.rows_read,
            pl.concat([quarantined, conflicts]).sort("line"),
            rows=first,
            duplicates=duplicates,
            kind="census",
        )

    def store(self, sink: Sink, parsed: Parsed, run_id: int) -> Stored:
        table = lsoas if parsed.kind == "lookup" else lsoa_population
        fresh = not_stored(
            sink,
            table,
            parsed.rows,
            ["lsoa_code"],
            ["lsoa_code"] if parsed.rows.height < 5000 else None,
        )
        stored = sink.insert(table, fresh.with_columns(pl.lit(run_id).alias("import_run_id")))
        return Stored(stored, parsed.duplicates + parsed.rows.height - fresh.height)


def _census_names(quarantined: pl.DataFrame) -> pl.DataFrame:
    """Name quarantined columns as the published header does."""
    names = dict(zip(CENSUS_NAMES, CENSUS_HEADER, strict=True))
    return quarantined.with_columns(pl.col("column_name").replace(names))
