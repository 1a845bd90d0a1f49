"""Accuracy benchmark: rolling-origin backtests on all 13 forces' Home Office series.

Every harmonised force x offence group series in the rolling-year file (13 forces x 18 groups)
is backtested at every origin; at each horizon from 4 to 16 quarters the selected forecast's
mean MASE is compared with the best single candidate's (naive included), and the 80% interval
coverage is measured. Structural breaks are detected on each force's total recorded crime and
on the raw (unharmonised) domestic burglary series.

Targets (issue 4): selected MASE within 2% of the best candidate at every horizon; 80% coverage
between 75% and 85% at every horizon; breaks detected.

    .venv/bin/python bench/demand_accuracy.py [--dask] [--cache /tmp/cv.parquet]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

import polars as pl

from forcesight.demand.backtest import rolling_forecasts, rolling_year_config
from forcesight.demand.breaks import breaks_table
from forcesight.demand.evaluation import evaluate
from forcesight.demand.forecast import prepare_series
from forcesight.demand.home_office import as_series, harmonise, read_rolling_year, total_crime

DATA = (
    Path(__file__).resolve().parent.parent
    / "src"
    / "forcesight"
    / "data"
    / "home_office"
    / "recorded_crime_by_force_rolling_year.csv"
)
HORIZONS = list(range(4, 17))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DATA)
    parser.add_argument("--dask", action="store_true", help="fit on a Dask LocalCluster")
    parser.add_argument("--cache", type=Path, help="reuse/save the rolling forecasts here")
    parser.add_argument("--min-history", type=int, default=12)
    parser.add_argument(
        "--error-scale", choices=("relative", "log", "mase"), default=None,
        help="calibrate intervals on this error scale (default: the product's setting)",
    )  # fmt: skip
    args = parser.parse_args()

    raw = read_rolling_year(args.file)
    harmonised, notes = harmonise(raw)
    overrides = {"error_scale": args.error_scale} if args.error_scale else {}
    config = rolling_year_config(max(HORIZONS), **overrides)
    series, _, problems = prepare_series(as_series(harmonised), config, fill="interpolate")
    n = series["unique_id"].n_unique()
    print(
        f"{n} series ({raw['force'].n_unique()} forces), "
        f"{series.height} quarterly values; harmonisation: "
        f"{notes.filter(pl.col('action') == 'merged').height} merges, "
        f"{notes.filter(pl.col('action') == 'discontinued').height} discontinued series; "
        f"{problems.height} series problems"
    )

    started = time.perf_counter()
    if args.cache and args.cache.exists():
        cv = pl.read_parquet(args.cache)
        print(f"rolling forecasts read from {args.cache}")
    elif args.dask:
        from forcesight.demand.scale import dask_runner

        cv, _ = dask_runner()(series, config)
    else:
        done = [0]

        def tick(_: str) -> None:
            done[0] += 1
            if done[0] % 25 == 0:
                print(f"  {done[0]}/{n} series backtested", file=sys.stderr)

        cv, _ = rolling_forecasts(series, config, on_series=tick)
    fit_seconds = time.perf_counter() - started
    if args.cache and not args.cache.exists():
        cv.write_parquet(args.cache)
    print(
        f"rolling forecasts: {cv.height:,} rows from "
        f"{cv.select('unique_id', 'origin', 'model').unique().height:,} model fits "
        f"in {fit_seconds:.0f} s"
    )

    result = evaluate(cv, config, HORIZONS, args.min_history)["horizons"]
    models = sorted(result["4"]["models"])
    header = (
        f"| h | {' | '.join(models)} | best | selected | sel/best | 80% cover | "
        f"95% cover | selected models |"
    )
    print()
    print(header)
    print("|" + "---|" * (len(models) + 7))
    ok_mase = ok_cover = True
    for h in HORIZONS:
        entry = result[str(h)]
        scores = {m: entry["models"][m]["mase"] for m in models}
        best_name = min(scores, key=lambda m: scores[m])
        ratio = entry["selected"]["mase"] / scores[best_name]
        ok_mase &= ratio <= 1.02
        ok_cover &= 0.75 <= entry["coverage_80"] <= 0.85
        shares = ", ".join(f"{k} {v:.0%}" for k, v in entry["selected_share"].items())
        print(
            f"| {h} | {' | '.join(f'{scores[m]:.3f}' for m in models)} | {best_name} | "
            f"{entry['selected']['mase']:.3f} | {ratio:.3f} | {entry['coverage_80']:.1%} | "
            f"{entry['coverage_95']:.1%} | {shares} |"
        )
    print(
        f"\n(MASE; {result['4']['forecasts']} forecasts at h=4, "
        f"{result['16']['forecasts']} at h=16)"
    )

    totals = as_series(total_crime(harmonised))
    found = breaks_table(totals)
    turn = found.filter(
        (pl.col("ds") >= date(2013, 1, 1))
        & (pl.col("ds") <= date(2015, 12, 31))
        & (pl.col("kind") == "trend")
    )
    forces_with_turn = turn["unique_id"].n_unique()
    burglary = raw.filter(
        (pl.col("offence_group") == "Domestic burglary")
        & (pl.col("period_end") >= date(2007, 3, 31))
    )
    reclass = breaks_table(as_series(burglary)).filter(
        (pl.col("ds") >= date(2016, 9, 30)) & (pl.col("ds") <= date(2017, 12, 31))
    )
    print(
        f"\nbreaks: total recorded crime has a trend break in 2013-2015 in "
        f"{forces_with_turn}/13 forces; raw domestic burglary breaks at the 2017 "
        f"reclassification in {reclass['unique_id'].n_unique()}/13 forces; "
        f"{found.height} breaks in all on the 13 totals"
    )
    ok_breaks = forces_with_turn >= 11
    print(
        f"\ntargets: selected within 2% of best at every horizon: {'PASS' if ok_mase else 'FAIL'}"
        f"; 80% coverage in [75%, 85%] at every horizon: {'PASS' if ok_cover else 'FAIL'}"
        f"; breaks detected: {'PASS' if ok_breaks else 'FAIL'}"
    )
    return 0 if ok_mase and ok_cover and ok_breaks else 1


if __name__ == "__main__":
    raise SystemExit(main())
