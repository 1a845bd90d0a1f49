"""From one replication's flat records to the tables a planner reads.

* ``metrics``: a long frame (metric, grade, value): per grade the share reached within target
  (all incidents, and those flagged vulnerable), waits, response percentiles and demand not met;
  for grade "all" the queue, utilisation, stability and Little's-law figures.
* hourly and by-area tables: share within target by grade and hour of week or area; stacked
  incidents by hour of week; utilisation by function and hour of week; demand not met.

Shares count every incident of the grade that arrived in the run: one never reached counts as
missing its target. Response percentiles are over incidents reached.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from forcesight.response.engine import Records
from forcesight.response.model import ATTENDED, OUTCOME_NAMES, FloatArray, IntArray, Model


@dataclass(frozen=True)
class Summary:
    """Everything reported about one replication (or the mean of several)."""

    metrics: pl.DataFrame  # metric, grade, value
    by_hour: pl.DataFrame  # grade, hour_of_week, incidents, within_target_share
    by_area: pl.DataFrame  # grade, area, incidents, within_target_share
    queue_by_hour: pl.DataFrame  # hour_of_week, mean_stacked, peak_stacked
    utilisation: pl.DataFrame  # function, hour_of_week, units_on_duty, utilisation
    unmet: pl.DataFrame  # grade, outcome, incidents


def _open_minutes(times: FloatArray, edges: FloatArray) -> FloatArray:
    """For each bin [L, R) between consecutive edges: the integral over the bin of the number
    of times at or before t. A time before L counts R - L; a time s inside counts R - s."""
    bins = len(edges) - 1
    index = np.searchsorted(edges, times, side="right") - 1
    inside = (index >= 0) & (index < bins)
    where = index[inside]
    count = np.bincount(where, minlength=bins)[:bins]
    partial = np.bincount(where, weights=edges[where + 1] - times[inside], minlength=bins)[:bins]
    before = int((index < 0).sum()) + np.concatenate([[0], np.cumsum(count)[:-1]])
    result: FloatArray = before * np.diff(edges) + partial
    return result


def occupancy_minutes(starts: FloatArray, ends: FloatArray, edges: FloatArray) -> FloatArray:
    """Minutes of [start, end) intervals falling in each bin between consecutive edges, exactly:
    what the starts open in each bin less what the ends close (no sort, linear in intervals)."""
    if len(edges) < 2:
        return np.zeros(0)
    occupancy: FloatArray = _open_minutes(starts, edges) - _open_minutes(ends, edges)
    return occupancy


def covered_minutes(starts: FloatArray, ends: FloatArray, low: float, high: float) -> float:
    """Minutes of [start, end) intervals within [low, high): the sum of occupancy_minutes."""
    return float((np.clip(ends, low, high) - np.clip(starts, low, high)).sum())


def count_at_or_before(times: FloatArray, edges: FloatArray) -> IntArray:
    """How many times are at or before each edge."""
    index = np.searchsorted(edges, times, side="left")  # the first edge at or after each time
    counts: IntArray = np.cumsum(np.bincount(index, minlength=len(edges) + 1))[: len(edges)]
    return counts


def within_target(model: Model, records: Records) -> np.ndarray:
    """Whether each incident's first unit arrived within its grade's target for its area."""
    limit = model.target_min[records.grade, model.area_rural[records.area].astype(np.int64)]
    response = records.response
    ok = (records.outcome == ATTENDED) & ~np.isnan(response)
    met: np.ndarray = ok & (np.nan_to_num(response, nan=np.inf) <= limit)
    return met


def _hour_bins(model: Model, end: float) -> tuple[FloatArray, np.ndarray]:
    edges = np.arange(0.0, end + 60.0, 60.0)
    edges[-1] = max(edges[-1], end) if len(edges) > 1 else end
    return edges, model.hour_of_week(edges[:-1])


def _by_hour_of_week(values: FloatArray, how: np.ndarray) -> FloatArray:
    count = np.bincount(how, minlength=168).astype(np.float64)
    total = np.bincount(how, weights=values, minlength=168)
    mean: FloatArray = np.divide(total, count, out=np.full(168, np.nan), where=count > 0)
    return mean


def summarise(model: Model, records: Records) -> Summary:
    codes = model.grade_codes
    met = within_target(model, records)
    response = records.response
    wait = records.wait
    rows: list[tuple[str, str, float]] = []
    for g, code in enumerate(codes):
        mine = records.grade == g
        n = int(mine.sum())
        reached = mine & ~np.isnan(response)
        has_target = np.isfinite(model.target_min[g, 0])
        vulnerable = mine & records.vulnerable
        unmet = mine & (records.outcome != ATTENDED)
        rows += [
            ("incidents", code, float(n)),
            ("reached", code, float(reached.sum())),
            ("unmet", code, float(unmet.sum())),
            ("preempted", code, float((records.preempted[mine] > 0).sum())),
            ("vulnerable_incidents", code, float(vulnerable.sum())),
        ]
        if has_target and n:
            rows.append(("within_target_share", code, float(met[mine].mean())))
        if has_target and vulnerable.any():
            rows.append(("vulnerable_within_target_share", code, float(met[vulnerable].mean())))
        if reached.any():
            r = response[reached]
            w = wait[reached]
            rows += [
                ("mean_wait_min", code, float(w.mean())),
                ("p_wait", code, float((w > 0).mean())),
                ("mean_response_min", code, float(r.mean())),
                ("p50_response_min", code, float(np.percentile(r, 50))),
                ("p80_response_min", code, float(np.percentile(r, 80))),
                ("p90_response_min", code, float(np.percentile(r, 90))),
            ]
        done = mine & ~np.isnan(records.cleared) & ~np.isnan(records.all_arrived)
        if done.any():
            on_scene = records.cleared[done] - records.all_arrived[done]
            rows.append(("mean_on_scene_min", code, float(on_scene.mean())))

    end = records.end_min
    edges, how = _hour_bins(model, end)
    # Stacked: waiting for a first unit, from arrival until a unit is sent or it leaves.
    stacked_until = np.nan_to_num(records.left_stack, nan=end)
    stacked_min = occupancy_minutes(records.time, stacked_until, edges)
    bin_len = np.diff(edges)
    stacked_mean_in_bin = np.divide(
        stacked_min, bin_len, out=np.zeros_like(bin_len), where=bin_len > 0
    )
    at_edges = count_at_or_before(records.time, edges[:-1]) - count_at_or_before(
        stacked_until, edges[:-1]
    )
    reached_all = ~np.isnan(wait)
    duration = max(end, 1e-9)
    mean_stacked = float(stacked_min.sum() / duration)
    arrival_rate = len(records.time) / max(model.horizon_min, 1e-9)
    waiting_time = stacked_until - records.time
    days = max(int(end // 1440), 1)
    day_of_bin = (edges[:-1] // 1440).astype(np.int64)
    daily = np.bincount(day_of_bin, weights=stacked_min, minlength=days)[:days] / 1440
    growth = float(np.polyfit(np.arange(days), daily, 1)[0]) if days >= 3 else 0.0
    on_duty_min = covered_minutes(records.shift_start, records.shift_off, edges[0], edges[-1])
    busy_min = covered_minutes(records.busy_start, records.busy_end, edges[0], edges[-1])
    utilisation = busy_min / on_duty_min if on_duty_min > 0 else float("nan")
    overtime = np.clip(records.shift_off - records.shift_end, 0, None).sum() / 60.0
    stacked_at_end = int(
        ((records.time <= end) & (stacked_until >= end) & (records.outcome != ATTENDED)).sum()
    )
    unstable = growth > model.unstable_queue_per_day
    rows += [
        ("incidents", "all", float(len(records.time))),
        ("unmet", "all", float((records.outcome != ATTENDED).sum())),
        ("mean_wait_min", "all", float(np.nanmean(wait)) if reached_all.any() else float("nan")),
        (
            "p_wait",
            "all",
            float((wait[reached_all] > 0).mean()) if reached_all.any() else float("nan"),
        ),
        ("mean_stacked", "all", mean_stacked),
        ("peak_stacked", "all", float(at_edges.max()) if len(at_edges) else 0.0),
        ("stacked_at_end", "all", float(stacked_at_end)),
        ("queue_growth_per_day", "all", growth),
        ("unstable", "all", float(unstable)),
        ("utilisation", "all", utilisation),
        ("overtime_hours", "all", float(overtime)),
        ("arrival_rate_per_min", "all", arrival_rate),
        # Little's law: the number stacked, sampled at every hour, against arrival rate x mean
        # time stacked (two independent estimates of the same quantity).
        ("little_mean_stacked", "all", float(at_edges.mean()) if len(at_edges) else 0.0),
        (
            "little_rate_times_wait",
            "all",
            arrival_rate * float(waiting_time.mean()) if len(records.time) else 0.0,
        ),
    ]
    metrics = pl.DataFrame(
        rows, schema={"metric": pl.Utf8, "grade": pl.Utf8, "value": pl.Float64}, orient="row"
    )

    inc_how = model.hour_of_week(records.time)
    # Names are attached by gathering from small Series: numpy string arrays are slow.
    incidents = pl.DataFrame(
        {
            "grade": pl.Series(list(codes), dtype=pl.Utf8).gather(records.grade),
            "area": pl.Series(list(model.area_names), dtype=pl.Utf8).gather(records.area),
            "hour_of_week": inc_how,
            "met": met,
            "outcome": pl.Series(list(OUTCOME_NAMES), dtype=pl.Utf8).gather(records.outcome),
        }
    )
    with_target = pl.Series(np.isfinite(model.target_min[records.grade, 0]))
    targeted = incidents.filter(with_target)
    by_hour = (
        targeted.group_by("grade", "hour_of_week")
        .agg(pl.len().alias("incidents"), pl.col("met").mean().alias("within_target_share"))
        .sort("grade", "hour_of_week")
    )
    by_area = (
        targeted.group_by("grade", "area")
        .agg(pl.len().alias("incidents"), pl.col("met").mean().alias("within_target_share"))
        .sort("grade", "area")
    )
    unmet = (
        incidents.filter(pl.col("outcome") != OUTCOME_NAMES[ATTENDED])
        .group_by("grade", "outcome")
        .agg(pl.len().alias("incidents"))
        .sort("grade", "outcome")
    )
    queue_by_hour = pl.DataFrame(
        {
            "hour_of_week": np.arange(168),
            "mean_stacked": _by_hour_of_week(stacked_mean_in_bin, how),
            "peak_stacked": _peak_by_hour(at_edges.astype(np.float64), how),
        }
    ).filter(pl.col("mean_stacked").is_not_nan())
    utilisation_frame = _utilisation(model, records, edges, how)
    return Summary(metrics, by_hour, by_area, queue_by_hour, utilisation_frame, unmet)


def _peak_by_hour(values: FloatArray, how: np.ndarray) -> FloatArray:
    out = np.full(168, np.nan)
    np.fmax.at(out, how, values)
    return out


def _utilisation(
    model: Model, records: Records, edges: FloatArray, how: np.ndarray
) -> pl.DataFrame:
    frames = []
    bin_len = np.diff(edges)
    shift_function = model.unit_function[records.shift_unit]
    busy_function = (
        model.unit_function[records.busy_unit]
        if len(records.busy_unit)
        else np.zeros(0, dtype=np.int64)
    )
    for f, name in enumerate(model.function_names):
        on = occupancy_minutes(
            records.shift_start[shift_function == f], records.shift_off[shift_function == f], edges
        )
        busy = occupancy_minutes(
            records.busy_start[busy_function == f], records.busy_end[busy_function == f], edges
        )
        on_how = np.bincount(how, weights=on, minlength=168)
        busy_how = np.bincount(how, weights=busy, minlength=168)
        length_how = np.bincount(how, weights=bin_len, minlength=168)
        frames.append(
            pl.DataFrame(
                {
                    "function": [name] * 168,
                    "hour_of_week": np.arange(168),
                    "units_on_duty": np.divide(
                        on_how, length_how, out=np.zeros(168), where=length_how > 0
                    ),
                    "utilisation": np.divide(
                        busy_how, on_how, out=np.full(168, np.nan), where=on_how > 0
                    ),
                }
            )
        )
    if not frames:
        return pl.DataFrame(
            schema={
                "function": pl.Utf8,
                "hour_of_week": pl.Int64,
                "units_on_duty": pl.Float64,
                "utilisation": pl.Float64,
            }
        )
    return pl.concat(frames)
