"""Charts as SVG or PNG, rendered offline with Altair and vl-convert (no CDN, no script)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import altair as alt
import polars as pl
import vl_convert as vlc

from forcesight.errors import ForecastInputError

_alt: Any = alt  # altair ships without type hints


def render(chart: Any, fmt: str = "svg") -> str | bytes:
    """An Altair chart as an SVG document (str) or PNG image (bytes)."""
    spec = chart.to_json()
    if fmt == "svg":
        return str(vlc.vegalite_to_svg(spec))
    if fmt == "png":
        return bytes(vlc.vegalite_to_png(spec, scale=2))
    raise ForecastInputError("chart", f"format {fmt!r} is not svg or png")


def save(chart: Any, path: str | Path) -> Path:
    """Write a chart to ``path``; the suffix (.svg or .png) picks the format."""
    target = Path(path)
    output = render(chart, target.suffix.lower().lstrip("."))
    if isinstance(output, bytes):
        target.write_bytes(output)
    else:
        target.write_text(output, encoding="utf-8")
    return target


def _records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.iter_rows(named=True):
        out.append({k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()})
    return out


def heat_map(
    profile: pl.DataFrame,
    category: str = "category",
    measure: str = "officer_hours",
    title: str = "",
) -> Any:
    """Hour of week (Monday 00:00 = 0) across, category down, colour = ``measure``."""
    data = _alt.Data(values=_records(profile.select(category, "hour_of_week", measure)))
    return (
        alt.Chart(data, title=title or f"{label(measure)} by hour of week")
        .mark_rect()
        .encode(
            x=alt.X(
                "hour_of_week:O",
                title="hour of week (Mon 00:00 = 0)",
                axis=alt.Axis(values=list(range(0, 168, 24))),
            ),
            y=alt.Y(f"{category}:N", title=label(category)),
            color=alt.Color(f"{measure}:Q", title=label(measure)),
            tooltip=[f"{category}:N", "hour_of_week:O", f"{measure}:Q"],
        )
        .properties(width=672, height=max(60, 18 * profile[category].n_unique()))
    )


# Axis titles for the long series columns (unique_id, ds, y) and the profile measures.
LABELS = {
    "ds": "period",
    "y": "count",
    "unique_id": "series",
    "officer_hours": "officer-hours",
    "volume": "volume",
    "harm": "harm (weighted)",
}


def label(column: str) -> str:
    """A reader's name for a column: the series columns named, underscores made spaces."""
    return LABELS.get(column, column.replace("_", " "))


def trend(
    frame: pl.DataFrame,
    x: str,
    y: str,
    color: str | None = None,
    title: str = "",
    y_title: str | None = None,
) -> Any:
    """A line per ``color`` of ``y`` over ``x``."""
    columns = [x, y] + ([color] if color else [])
    data = _alt.Data(values=_records(frame.select(columns)))
    encoding: dict[str, Any] = {
        "x": alt.X(f"{x}:T", title=label(x)),
        "y": alt.Y(f"{y}:Q", title=y_title or label(y)),
    }
    if color:
        encoding["color"] = alt.Color(f"{color}:N", title=label(color))
    return (
        alt.Chart(data, title=title)
        .mark_line()
        .encode(**encoding)
        .properties(width=640, height=300)
    )


def fan_chart(
    history: pl.DataFrame, forecast: pl.DataFrame, breaks: pl.DataFrame, title: str = ""
) -> Any:
    """History, forecast with 80% and 95% bands, and detected breaks as dashed rules."""
    hist = _alt.Data(values=_records(history.select("ds", "y")))
    cols = ["ds", "forecast", "lo_80", "hi_80", "lo_95", "hi_95"]
    fc = _alt.Data(values=_records(forecast.select([c for c in cols if c in forecast.columns])))
    x = alt.X("ds:T", title="period")
    layers = [
        alt.Chart(fc)
        .mark_area(opacity=0.2, color="#4c78a8")
        .encode(x=x, y=alt.Y("lo_95:Q", title="demand"), y2="hi_95:Q"),
        alt.Chart(fc)
        .mark_area(opacity=0.35, color="#4c78a8")
        .encode(x=x, y="lo_80:Q", y2="hi_80:Q"),
        alt.Chart(hist).mark_line(color="#333333").encode(x=x, y="y:Q"),
        alt.Chart(fc).mark_line(color="#4c78a8", strokeDash=[4, 2]).encode(x=x, y="forecast:Q"),
    ]
    if breaks.height:
        marks = _alt.Data(values=_records(breaks.select("ds", "kind")))
        layers.append(
            alt.Chart(marks)
            .mark_rule(color="#e45756", strokeDash=[6, 3])
            .encode(x=x, tooltip=["ds:T", "kind:N"])
        )
        layers.append(
            alt.Chart(marks)
            .mark_text(color="#e45756", dy=-6, align="left", dx=3)
            .encode(x=x, y=alt.value(8), text=alt.Text("kind:N"))
        )
    return alt.layer(*layers, title=title).properties(width=640, height=300)


def bars(frame: pl.DataFrame, category: str, measure: str, title: str = "") -> Any:
    data = _alt.Data(values=_records(frame.select(category, measure)))
    return (
        alt.Chart(data, title=title)
        .mark_bar()
        .encode(
            x=alt.X(f"{measure}:Q", title=label(measure)),
            y=alt.Y(f"{category}:N", sort="-x", title=label(category)),
        )
        .properties(width=560, height=max(60, 18 * frame.height))
    )
