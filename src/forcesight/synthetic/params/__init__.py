# ruff: noqa: RUF009  (sourced() returns a dataclasses.field, like field() itself)
"""Every parameter of the demo force, in one place, each with its source.

A source starts with ``FACTS:`` (a published figure recorded in FACTS.md), ``data:`` (a file
vendored in ``forcesight/data``) or ``assumption:`` (our own plausible choice, to be replaced by a
force's real figure). ``parameter_table()`` lists them all for the docs; a test checks that every
field carries a source. Units are in brackets in the field's ``unit``. Durations that are
right-skewed are lognormal, given as (median, sigma of the log).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from typing import Any

import polars as pl

from forcesight.synthetic.params.clocks import ClockParams
from forcesight.synthetic.params.crimes import CrimeParams
from forcesight.synthetic.params.incidents import IncidentCategory, IncidentParams
from forcesight.synthetic.params.sourcing import LogNormal, sourced, sourced_table
from forcesight.synthetic.params.workforce import (
    AvailabilityParams,
    GeographyParams,
    SkillParams,
    SkillSpec,
    TeamSpec,
    WorkforceParams,
)


@dataclass(frozen=True)
class DemoParams:
    """All parameters of the demo force. ``volume_scale`` scales incidents, crimes and clocks
    (not the workforce): 1.0 is a full year; tests use less."""

    volume_scale: float = sourced(1.0, "assumption: 1.0 is one full year of demand")
    geography: GeographyParams = sourced_table(GeographyParams, "see fields")
    workforce: WorkforceParams = sourced_table(WorkforceParams, "see fields")
    skills: SkillParams = sourced_table(SkillParams, "see fields")
    availability: AvailabilityParams = sourced_table(AvailabilityParams, "see fields")
    incidents: IncidentParams = sourced_table(IncidentParams, "see fields")
    crimes: CrimeParams = sourced_table(CrimeParams, "see fields")
    clocks: ClockParams = sourced_table(ClockParams, "see fields")


DEFAULT_PARAMS = DemoParams()


def _render(value: Any) -> str:
    if is_dataclass(value) and not isinstance(value, type):
        return ", ".join(f"{f.name}={getattr(value, f.name)!r}" for f in fields(value))
    return repr(value)


def parameter_table(params: DemoParams = DEFAULT_PARAMS) -> pl.DataFrame:
    """Every parameter: group, name, value, unit and source (the docs are rendered from it)."""
    rows: list[dict[str, str]] = []
    for group in fields(params):
        value = getattr(params, group.name)
        if not is_dataclass(value):
            rows.append(
                {
                    "group": "",
                    "name": group.name,
                    "value": _render(value),
                    "unit": group.metadata.get("unit", ""),
                    "source": group.metadata["source"],
                }
            )
            continue
        for f in fields(value):
            rows.append(
                {
                    "group": group.name,
                    "name": f.name,
                    "value": _render(getattr(value, f.name)),
                    "unit": f.metadata.get("unit", ""),
                    "source": f.metadata.get("source", ""),
                }
            )
    return pl.DataFrame(rows)


__all__ = [
    "DEFAULT_PARAMS",
    "AvailabilityParams",
    "ClockParams",
    "CrimeParams",
    "DemoParams",
    "GeographyParams",
    "IncidentCategory",
    "IncidentParams",
    "LogNormal",
    "SkillParams",
    "SkillSpec",
    "TeamSpec",
    "WorkforceParams",
    "parameter_markdown",
    "parameter_table",
    "sourced",
]


def parameter_markdown(params: DemoParams = DEFAULT_PARAMS, width: int = 70) -> str:
    """The parameter table as Markdown for docs/synthetic.md (long values shortened)."""
    lines = ["| group | parameter | value | unit | source |", "|---|---|---|---|---|"]
    for row in parameter_table(params).iter_rows(named=True):
        value = row["value"] if len(row["value"]) <= width else row["value"][: width - 1] + "…"
        cells = [row["group"], f"`{row['name']}`", f"`{value}`", row["unit"], row["source"]]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)
