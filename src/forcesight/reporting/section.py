"""The shape every engine hands to the Force Management Statement.

HMICFRS asks, for each area of policing, four steps: (1) demand now and four years ahead;
(2) the workforce and assets that meet it; (3) plans to improve; (4) the demand that will not be
met and its risk. Each engine's ``report_section(engine, now)`` returns one ``ReportSection``;
the report assembles them. A section built without data says so in ``missing`` instead of
printing zeros.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import polars as pl


class Step(StrEnum):
    DEMAND = "demand"  # step 1: demand now and four years ahead
    CAPACITY = "capacity"  # step 2: workforce and assets that meet it
    PLANS = "plans"  # step 3: plans to improve
    UNMET = "unmet"  # step 4: demand that will not be met, and its risk


@dataclass(frozen=True)
class Figure:
    """One headline number, traceable: ``query`` says how it was computed from the store."""

    label: str
    value: float | int | str | None
    unit: str = ""
    query: str = ""


@dataclass(frozen=True)
class Table:
    title: str
    frame: pl.DataFrame
    note: str = ""


@dataclass(frozen=True)
class Chart:
    title: str
    svg: str  # a complete <svg> document, rendered server-side (no script, no CDN)
    note: str = ""


@dataclass
class ReportSection:
    """One engine's contribution to the Force Management Statement."""

    area: str  # area of policing, e.g. "Response", "Investigation", "Public protection"
    title: str
    step: Step
    summary: str = ""
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # e.g. "no incident log loaded: ..."
    method: str = ""  # how the numbers were made, and their limits
