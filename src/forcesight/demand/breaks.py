"""Structural breaks: level or trend shifts in a series, found by binary segmentation.

Each segment is fitted with a straight line; a split is tried at every admissible point as a
level shift (a jump, same slope) or a trend shift (a kink, continuous). The best split is kept if
it removes at least ``min_gain`` of the segment's residual sum of squares and improves BIC; the
two halves are then searched again, up to ``max_breaks``. Rolling-year totals are smooth, so the
gain threshold, not BIC alone, guards against calling every wiggle a break.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl


@dataclass(frozen=True)
class Break:
    """A shift starting at period ``index`` (``ds``): kind "level" [units] or "trend"
    [units per period]."""

    index: int
    ds: date
    kind: str
    size: float
    gain: float  # share of the segment's residual sum of squares the break explains


def _rss(design: np.ndarray, y: np.ndarray) -> float:
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    return float(resid @ resid)


def _fit(design: np.ndarray, y: np.ndarray) -> np.ndarray:
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    return np.asarray(coef)


def _best_split(y: np.ndarray, min_segment: int) -> tuple[int, str, float, float, float] | None:
    n = len(y)
    t = np.arange(n, dtype=float)
    base = np.column_stack([np.ones(n), t])
    rss0 = _rss(base, y)
    best: tuple[int, str, float, float, float] | None = None
    for c in range(min_segment, n - min_segment + 1):
        step = (t >= c).astype(float)
        hinge = np.maximum(t - c, 0.0)
        for kind, extra in (("level", step), ("trend", hinge)):
            design = np.column_stack([base, extra])
            rss1 = _rss(design, y)
            if best is None or rss1 < best[2]:
                size = float(_fit(design, y)[2])
                best = (c, kind, rss1, rss0, size)
    return best


def detect_breaks(
    y: Sequence[float] | np.ndarray,
    ds: Sequence[date],
    min_segment: int = 6,
    max_breaks: int = 3,
    min_gain: float = 0.5,
    max_points: int = 200,
) -> list[Break]:
    """Level and trend shifts in ``y``, earliest first.

    A series longer than ``max_points`` (daily or hourly counts) is searched as block means of
    consecutive periods, and each break is dated at the first period of its block.
    """
    values = np.asarray(y, dtype=float)
    if len(values) > max_points:
        block = int(np.ceil(len(values) / max_points))
        usable = len(values) // block * block
        means = values[:usable].reshape(-1, block).mean(axis=1)
        coarse = detect_breaks(
            means, [ds[i * block] for i in range(len(means))], min_segment, max_breaks, min_gain
        )
        return [Break(b.index * block, b.ds, b.kind, b.size, b.gain) for b in coarse]
    found: list[Break] = []
    segments = [(0, len(values))]
    while segments and len(found) < max_breaks:
        candidates = []
        for a, b in segments:
            if b - a < 2 * min_segment:
                continue
            split = _best_split(values[a:b], min_segment)
            if split is None:
                continue
            c, kind, rss1, rss0, size = split
            n = b - a
            if rss0 <= 0:
                continue
            gain = 1 - rss1 / rss0
            bic0 = n * np.log(max(rss0, 1e-12) / n) + 2 * np.log(n)
            bic1 = n * np.log(max(rss1, 1e-12) / n) + 4 * np.log(n)
            if gain >= min_gain and bic1 < bic0:
                candidates.append((gain * rss0, a, b, c, kind, size, gain))
        if not candidates:
            break
        _, a, b, c, kind, size, gain = max(candidates)
        index = a + c
        found.append(Break(index, ds[index], kind, size, round(float(gain), 4)))
        segments.remove((a, b))
        segments.extend([(a, index), (index, b)])
    return sorted(found, key=lambda br: br.index)


def breaks_table(frame: pl.DataFrame, **options: int | float) -> pl.DataFrame:
    """Breaks of every series in a long frame (unique_id, ds, y)."""
    rows: list[dict[str, object]] = []
    for (uid,), part in frame.sort("unique_id", "ds").group_by("unique_id", maintain_order=True):
        found = detect_breaks(part["y"].to_numpy(), part["ds"].to_list(), **options)  # type: ignore[arg-type]
        rows.extend(
            {"unique_id": uid, "ds": b.ds, "kind": b.kind, "size": b.size, "gain": b.gain}
            for b in found
        )
    dtype = frame.schema["ds"] if "ds" in frame.columns else pl.Date
    schema = {
        "unique_id": pl.String,
        "ds": dtype,
        "kind": pl.String,
        "size": pl.Float64,
        "gain": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")
