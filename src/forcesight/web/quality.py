"""Data quality: quarantined rows by source and reason, and over time, with a chart.

The chart is rendered on the server to SVG (Altair + vl-convert), so it needs no script and
no network; the same figures are in a table beside it.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import altair as alt
import polars as pl
import vl_convert
from sqlalchemy import Engine

from forcesight.web import queries


@dataclass(frozen=True)
class ReasonCount:
    source: str
    reason: str
    rows: int


@dataclass(frozen=True)
class SourceQuality:
    source: str
    rows_read: int
    rows_quarantined: int

    @property
    def share_quarantined(self) -> float:
        """Quarantined rows as a share of rows read [0-1]."""
        return self.rows_quarantined / self.rows_read if self.rows_read else 0.0


@dataclass(frozen=True)
class DayCount:
    day: date
    source: str
    rows: int


@dataclass(frozen=True)
class QualitySummary:
    by_source: list[SourceQuality]
    by_reason: list[ReasonCount]
    by_day: list[DayCount]

    @property
    def rows_quarantined(self) -> int:
        return sum(s.rows_quarantined for s in self.by_source)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows_quarantined": self.rows_quarantined,
            "by_source": [
                {**asdict(s), "share_quarantined": round(s.share_quarantined, 6)}
                for s in self.by_source
            ],
            "by_reason": [asdict(r) for r in self.by_reason],
            "by_day": [asdict(d) for d in self.by_day],
        }


def quality_summary(engine: Engine) -> QualitySummary:
    """Quarantine by source (against rows read), by source and reason, and by day and source."""
    with engine.connect() as connection:
        totals = queries.quarantine_totals(connection)
        read = queries.rows_read_by_source(connection)
    frame = pl.DataFrame(
        totals,
        schema={"source": pl.String, "reason": pl.String, "at": pl.Datetime, "rows": pl.Int64},
        orient="row",
    )
    by_reason = (
        frame.group_by("source", "reason")
        .agg(pl.col("rows").sum())
        .sort(["rows", "source", "reason"], descending=[True, False, False])
    )
    by_day = (
        frame.with_columns(pl.col("at").dt.date().alias("day"))
        .group_by("day", "source")
        .agg(pl.col("rows").sum())
        .sort("day", "source")
    )
    quarantined = dict(frame.group_by("source").agg(pl.col("rows").sum()).iter_rows())
    sources = sorted(set(read) | set(quarantined))
    return QualitySummary(
        by_source=[SourceQuality(s, read.get(s, 0), int(quarantined.get(s, 0))) for s in sources],
        by_reason=[ReasonCount(*r) for r in by_reason.iter_rows()],
        by_day=[DayCount(*r) for r in by_day.select("day", "source", "rows").iter_rows()],
    )


def quality_chart_svg(summary: QualitySummary) -> str:
    """Quarantined rows per day, stacked by source, as an SVG document."""
    data = pl.DataFrame(
        {
            "day": [d.day for d in summary.by_day],
            "source": [d.source for d in summary.by_day],
            "rows": [d.rows for d in summary.by_day],
        },
        schema={"day": pl.Date, "source": pl.String, "rows": pl.Int64},
    )
    days = max(1, data["day"].n_unique())
    width = min(640, max(260, 56 * days))
    chart = (
        alt.Chart(data.to_pandas())
        .mark_bar(size=min(36, 0.8 * width / days))
        .encode(
            x=alt.X("yearmonthdate(day):O", title="Day of import (UTC)"),
            y=alt.Y("sum(rows):Q", title="Rows quarantined"),
            color=alt.Color("source:N", title="Source"),
            tooltip=["day:T", "source:N", "rows:Q"],
        )
        .properties(width=width, height=240)
        .configure(font="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif")
        .configure_axis(labelFontSize=12, titleFontSize=12)
        .configure_legend(labelFontSize=12, titleFontSize=12)
    )
    svg: str = vl_convert.vegalite_to_svg(chart.to_json())
    return svg


_warm = threading.Lock()
_warmed = False


def warm_chart_renderer() -> None:
    """Render a tiny chart once per process, so that the first page with a chart does not wait
    for the renderer to start."""
    global _warmed
    with _warm:
        if not _warmed:
            quality_chart_svg(QualitySummary([], [], [DayCount(date(2000, 1, 1), "warm-up", 1)]))
            _warmed = True


class ChartCache:
    """The last rendered chart, kept until the quarantine changes (rendering takes ~0.1 s)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[int, int] | None = None
        self._svg = ""

    def quality_chart(self, engine: Engine, summary: QualitySummary) -> str:
        with engine.connect() as connection:
            key = queries.quarantine_fingerprint(connection)
        with self._lock:
            if key == self._key:
                return self._svg
        svg = quality_chart_svg(summary)
        with self._lock:
            self._key, self._svg = key, svg
        return svg
