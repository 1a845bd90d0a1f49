"""The demo: real public reference data through the real importers, then a synthetic force.

``build_demo`` is what ``forcesight demo`` runs before serving the web app. Reference files are
imported idempotently (a second demo finds them all duplicates); the synthetic force is
rebuilt from its seed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from forcesight.ingest import ImportResult, run_import
from forcesight.ingest.runner import utc_now
from forcesight.store.migrate import upgrade

PACKAGE_DATA = Path(__file__).parent / "data"
CHECKOUT_DATA = Path(__file__).resolve().parents[2] / "data"

#: (source, file) pairs, in an order that respects what refers to what.
REFERENCE: tuple[tuple[str, str], ...] = (
    ("home-office-offences", "home_office/offence_code_mapping.csv"),
    ("home-office-offences", "home_office/recorded_crime_by_offence_code_2017_18.csv"),
    ("home-office-crime", "home_office/recorded_crime_by_force_rolling_year.csv"),
    ("ons-lsoa", "ons/lsoa_to_police_force.csv"),
    ("ons-lsoa", "ons/census_2011_lsoa_population.csv"),
    *(
        (
            "home-office-workforce",
            f"home_office/workforce/csv_extracts/police-workforce-sep19__Table_{n}.csv",
        )
        for n in range(1, 14)
    ),
)

Progress = Callable[[str, int, int], None]

#: The demo's response shift pattern: a five-team, five-week rotation designed against the
#: Erlang cover of the demo force's own incident log (the web form's defaults).
DEMO_PATTERN = "demo-response"
DEMO_PATTERN_SECONDS = 5.0


def design_demo_pattern(engine: Engine, at: datetime) -> str:
    """Design and store the demo force's response pattern for its serving response officers
    (so the statement's shift-pattern section has a pattern to assess); returns its name."""
    from sqlalchemy import func, or_, select

    from forcesight.rostering.design_form import LOG, DesignRequest, run_design_request
    from forcesight.rostering.spec import FunctionSpec
    from forcesight.store.entities import staff

    day = at.date()
    with engine.connect() as connection:
        headcount = connection.execute(
            select(func.count()).where(
                staff.c.function == "response",
                staff.c.staff_type == "officer",
                or_(staff.c.joined_on.is_(None), staff.c.joined_on <= day),
                or_(staff.c.left_on.is_(None), staff.c.left_on > day),
            )
        ).scalar_one()
    request = DesignRequest(
        name=DEMO_PATTERN,
        function=FunctionSpec(
            name="response", headcount=max(int(headcount), 5), teams=5, cycle_weeks=5,
            shift_lengths_hours=[8, 10, 12], start_hours=[6, 7, 14, 15, 22],
        ),
        cover_source=LOG,
        rest_days_in_pairs=True,
        max_consecutive_shifts=7,
        max_consecutive_nights=4,
        time_limit_seconds=DEMO_PATTERN_SECONDS,
    )  # fmt: skip
    run_design_request(engine, request, at, "demo")
    return DEMO_PATTERN


def reference_files() -> list[tuple[str, Path]]:
    """Shipped reference files, plus the Northamptonshire street files of a checkout."""
    files = [(source, PACKAGE_DATA / name) for source, name in REFERENCE]
    street = CHECKOUT_DATA / "police_uk" / "street"
    if street.is_dir():
        files += [("police-uk", f) for f in sorted(street.glob("*/*-northamptonshire-street.csv"))]
    return files


@dataclass
class DemoReport:
    imports: list[ImportResult] = field(default_factory=list)
    force: dict[str, Any] = field(default_factory=dict)
    pattern: str | None = None  # the stored response shift pattern designed for the demo
    statement: Path | None = None  # the Force Management Statement built for the demo force

    def to_dict(self) -> dict[str, Any]:
        return {
            "imports": [r.to_dict() for r in self.imports],
            "force": self.force,
            "pattern": self.pattern,
            "statement": str(self.statement) if self.statement else None,
        }


def build_demo(
    engine: Engine,
    *,
    seed: int,
    reports: Path | None = None,
    progress: Progress | None = None,
    now: Callable[[], datetime] = utc_now,
) -> DemoReport:
    """Create or migrate the store, import the reference data, build the synthetic force and,
    given a ``reports`` folder, its Force Management Statement (HTML and Excel)."""
    from forcesight.reporting.fms import build_report
    from forcesight.synthetic import DEFAULT_AS_OF, build_demo_force

    upgrade(engine)
    report = DemoReport()
    files = reference_files()
    for done, (source, path) in enumerate(files):
        if progress:
            progress(f"Importing {path.name}", done, len(files))
        report.imports.append(run_import(engine, source, path, user="demo", now=now))
    if progress:
        progress("Reference data imported", len(files), len(files))
    summary = build_demo_force(engine, seed=seed, progress=progress)
    report.force = summary.to_dict()
    if progress:
        progress("Designing the response shift pattern", 0, 1)
    report.pattern = design_demo_pattern(engine, DEFAULT_AS_OF)
    if reports is not None:
        if progress:
            progress("Building the Force Management Statement", 0, 1)
        stem = reports / f"fms-{now():%Y%m%d-%H%M%S}"
        report.statement = build_report(
            engine, DEFAULT_AS_OF, stem.with_suffix(".html"), excel=stem.with_suffix(".xlsx")
        )
        if progress:
            progress("Force Management Statement built", 1, 1)
    return report
