"""The real data the demo force is shaped by: its LSOAs with population, and its offence mix.

Both come from files vendored in ``forcesight/data`` (Open Government Licence v3.0).

The ONS LSOA lookup (``ons/lsoa_to_police_force.csv``) leaves ``Police_force`` empty for the
LSOAs of Daventry and South Northamptonshire, so the force's local authorities are taken from
the ONS LAD -> CSP -> PFA lookup (Dec 2016) and its LSOAs from the Census 2011 table by local
authority code. The Census table writes thousands with a separator ("1,563").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polars as pl

DATA = Path(__file__).resolve().parent.parent / "data"
LAD_LOOKUP = DATA / "home_office" / "workforce" / "LAD_CSP_PFA_Dec2016_lookup.csv"
CENSUS = DATA / "ons" / "census_2011_lsoa_population.csv"
OFFENCES = DATA / "home_office" / "recorded_crime_by_offence_code_2017_18.csv"
OFFENCE_CODES = DATA / "home_office" / "offence_code_mapping.csv"

# Home Office writes homicide as one row "1/4.1/4.10/4.2"; the store's codes are 10 characters.
HOMICIDE_CODE = "1"


@dataclass(frozen=True)
class ForceGeography:
    """LSOAs of one force: code, name, MSOA name, local authority, population, density."""

    lsoas: pl.DataFrame
    population: int


def _number(column: str) -> pl.Expr:
    return pl.col(column).str.replace_all(",", "").str.strip_chars().cast(pl.Float64)


@lru_cache(maxsize=8)
def force_lsoas(force_name: str) -> ForceGeography:
    """The LSOAs of ``force_name`` with Census 2011 population, sorted by LSOA code."""
    las = pl.read_csv(LAD_LOOKUP, infer_schema_length=0, encoding="utf8-lossy")
    las = las.rename({las.columns[0]: "LAD16CD"})  # the file starts with a byte-order mark
    codes = las.filter(pl.col("PFA16NM") == force_name)["LAD16CD"].to_list()
    census = pl.read_csv(CENSUS, infer_schema_length=0)
    frame = (
        census.filter(pl.col("Local authority code").is_in(codes))
        .select(
            pl.col("LSOA Code").alias("lsoa_code"),
            pl.col("LSOA Name").alias("lsoa_name"),
            pl.col("MSOA Name").alias("msoa_name"),
            pl.col("Local authority code").alias("la_code"),
            pl.col("Local authority name").alias("la_name"),
            _number("Persons").cast(pl.Int64).alias("population"),
            _number("Hectares").alias("hectares"),
        )
        .with_columns((pl.col("population") / pl.col("hectares")).alias("density"))
        .sort("lsoa_code")
    )
    return ForceGeography(frame, int(frame["population"].sum()))


@lru_cache(maxsize=8)
def offence_mix(force_name: str) -> pl.DataFrame:
    """Offences recorded by ``force_name`` in 2017/18 by Home Office code, with group and
    police.uk category (in police.uk's own spelling), largest first."""
    raw = pl.read_csv(OFFENCES, infer_schema_length=0)
    mix = (
        raw.filter(pl.col("Force_Name") == force_name)
        .group_by("Offence_Code")
        .agg(pl.col("Number_of_Offences").cast(pl.Int64).sum().alias("offences"))
    )
    codes = pl.read_csv(OFFENCE_CODES, infer_schema_length=0).select(
        pl.col("Offence_Code"),
        pl.col("Offence_Description").alias("description"),
        pl.col("Offence_Group").alias("offence_group"),
        pl.col("Police.uk_Cat").alias("category_title"),
    )
    out = mix.join(codes, on="Offence_Code", how="left").with_columns(
        pl.when(pl.col("Offence_Code").str.contains("/"))
        .then(pl.lit(HOMICIDE_CODE))
        .otherwise(pl.col("Offence_Code"))
        .alias("offence_code"),
        # police.uk writes "Violence and sexual offences"; the mapping file title-cases it
        (
            pl.col("category_title").str.slice(0, 1)
            + pl.col("category_title").str.slice(1).str.to_lowercase()
        ).alias("police_uk_category"),
    )
    return (
        out.filter(pl.col("offences") > 0)
        .select("offence_code", "description", "offence_group", "police_uk_category", "offences")
        .sort(["offences", "offence_code"], descending=[True, False])
    )


def comparator_population(force_name: str) -> int:
    return force_lsoas(force_name).population
