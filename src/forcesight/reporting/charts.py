"""Charts for the Force Management Statement: Altair specifications rendered to SVG offline
by vl-convert (no script, no CDN, no web fonts: text uses the report's sans-serif)."""

from __future__ import annotations

from typing import Any

import altair as alt
import polars as pl
import vl_convert

FONT = "DejaVu Sans"


def _records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.iter_rows(named=True):
        out.append({k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()})
    return out


def render(chart: alt.TopLevelMixin) -> str:
    """A complete <svg> document for ``chart``."""
    spec = chart.configure(font=FONT).to_json()
    svg: str = vl_convert.vegalite_to_svg(spec)
    return svg


def bars(
    frame: pl.DataFrame,
    x: str,
    y: str,
    *,
    color: str | None = None,
    x_title: str = "",
    y_title: str = "",
    horizontal: bool = False,
    width: int = 520,
    height: int = 240,
) -> str:
    """A bar chart of ``y`` by ``x`` (optionally coloured by ``color``)."""
    base = alt.Chart(alt.Data(values=_records(frame)))  # type: ignore[no-untyped-call]
    cat = alt.X(f"{x}:N", title=x_title or x, sort=None)
    val = alt.Y(f"{y}:Q", title=y_title or y)
    if horizontal:
        cat = alt.Y(f"{x}:N", title=x_title or x, sort="-x")  # type: ignore[assignment]
        val = alt.X(f"{y}:Q", title=y_title or y)  # type: ignore[assignment]
    encoding: dict[str, Any] = {"x": val if horizontal else cat, "y": cat if horizontal else val}
    if color:
        encoding["color"] = alt.Color(f"{color}:N", title=color.replace("_", " "))
    return render(base.mark_bar().encode(**encoding).properties(width=width, height=height))


def lines(
    frame: pl.DataFrame,
    x: str,
    y: str,
    color: str,
    *,
    x_title: str = "",
    y_title: str = "",
    y_format: str = "",
    width: int = 520,
    height: int = 240,
) -> str:
    """Lines of ``y`` over ``x`` (a date or ordinal), one per ``color``."""
    base = alt.Chart(alt.Data(values=_records(frame)))  # type: ignore[no-untyped-call]
    axis = alt.Axis(format=y_format) if y_format else alt.Axis()
    chart = base.mark_line(point=True).encode(
        x=alt.X(f"{x}:O", title=x_title or x),
        y=alt.Y(f"{y}:Q", title=y_title or y, axis=axis),
        color=alt.Color(f"{color}:N", title=color.replace("_", " ")),
    )
    return render(chart.properties(width=width, height=height))
