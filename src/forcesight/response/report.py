"""The response engine's part of the Force Management Statement."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import polars as pl
from sqlalchemy import Engine

from forcesight.policy.grades import load_grades
from forcesight.reporting.section import Chart, Figure, ReportSection, Step, Table
from forcesight.response.factory import attended_grades
from forcesight.response.fitting import stage_exclusions, usable, with_stages
from forcesight.response.policy import load_response_policy
from forcesight.response.queries import load_incident_log
from forcesight.response.service import required_cover_chart_svg
from forcesight.response.staffing import hourly_demand_from_log, required_cover

AREA = "Response"


def observed_attendance(log: pl.DataFrame) -> pl.DataFrame:
    """Observed share within target and response percentiles by grade, from the log.

    Areas have no urban/rural kind in the log: the policy's default kind's target applies."""
    grades = load_grades()
    kind = load_response_policy().area.default_kind
    staged = with_stages(log)
    ok = staged.filter(usable(staged, "response"))
    rows = []
    for code in attended_grades(grades):
        grade = grades.by_code()[code]
        target = grade.target_minutes_rural if kind == "rural" else grade.target_minutes_urban
        all_rows = staged.filter(pl.col("grade") == code)
        values = ok.filter(pl.col("grade") == code)["response_min"].to_numpy()
        never = all_rows.filter(pl.col("first_arrived_at").is_null()).height
        rows.append(
            {
                "grade": code,
                "name": grade.name,
                "incidents": all_rows.height,
                "with_times": len(values),
                "never_attended": never,
                "target_min": target,
                "within_target_share": float((values <= target).mean())
                if target is not None and len(values)
                else None,
                "p50_response_min": float(np.percentile(values, 50)) if len(values) else None,
                "p90_response_min": float(np.percentile(values, 90)) if len(values) else None,
            }
        )
    return pl.DataFrame(rows)


def report_section(engine: Engine, now: datetime) -> list[ReportSection]:
    """Step 2 (capacity: attendance and the officers it needs) and step 4 (unmet: incidents
    that missed target or were never attended) over the year to ``now``."""
    log = load_incident_log(engine, now - timedelta(days=365), now)
    method = (
        "Observed times from the command-and-control log (received to first unit on scene). "
        "Officers needed by hour of week from a non-preemptive priority Erlang C model with "
        "travel included (docs/response.md lists where it is wrong; the simulation "
        "`forcesight response simulate` answers those cases)."
    )
    if log.is_empty():
        missing = ["no incident log in the store for the year to " + now.date().isoformat()]
        return [
            ReportSection(AREA, "Attendance and response capacity", Step.CAPACITY,
                          missing=missing, method=method),
            ReportSection(AREA, "Emergencies not reached in time", Step.UNMET,
                          missing=missing, method=method),
        ]  # fmt: skip
    attendance = observed_attendance(log)
    exclusions = stage_exclusions(with_stages(log))
    cover = required_cover(hourly_demand_from_log(engine))
    top = attendance.row(0, named=True)
    share = top["within_target_share"]
    capacity = ReportSection(
        AREA,
        "Attendance and response capacity",
        Step.CAPACITY,
        summary=(
            f"{log.height} incidents in the year to {now.date().isoformat()}; grade "
            f"{top['grade']} reached within {top['target_min']:g} min in "
            + (f"{share:.0%}" if share is not None else "an unknown share")
            + " of incidents with times."
        ),
        figures=[
            Figure("incidents", log.height, "incidents", "incidents received in the year"),
            Figure(
                f"grade {top['grade']} within target",
                None if share is None else round(share, 3),
                "share",
                "first_arrived_at - received_at <= target, rows with both times",
            ),
            Figure(
                "officers needed on duty, peak hour",
                int(cover["required"].to_numpy().max()) if cover.height else None,
                "officers",
                "Erlang (priority) by hour of week",
            ),
        ],
        tables=[
            Table("Attendance by grade", attendance),
            Table("Officers needed on duty by hour of week", cover),
            Table("Rows left out of the response times", exclusions),
        ],
        charts=[Chart("Officers needed by hour of week", required_cover_chart_svg(cover))]
        if cover.height
        else [],
        method=method,
    )
    late = attendance.select(
        "grade",
        "incidents",
        "never_attended",
        (pl.col("with_times") * (1 - pl.col("within_target_share").fill_null(1.0)))
        .round(0)
        .alias("missed_target"),
    )
    unmet = ReportSection(
        AREA,
        "Emergencies not reached in time",
        Step.UNMET,
        summary=f"{int(late['missed_target'].sum())} incidents missed their attendance target "
        f"and {int(late['never_attended'].sum())} have no arrival recorded.",
        tables=[Table("Missed targets by grade", late)],
        method=method,
    )
    return [capacity, unmet]
