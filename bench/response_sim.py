"""Benchmark: one year of a county force's response (about 250,000 incidents, 200 units on a
five-team rotating roster, 40 to 80 on duty at once, four grades) per replication.

Prints the one-off cost of forcesight's compiled engine (numba compiles it on first use and
caches it on disk; later processes load it), then its time per replication (sampling,
simulation and summary) and, with the SimPy
peer (``bench/response/run`` builds its environment and passes ``--peer``), the same scenario
in a straightforward SimPy model on the same pre-sampled incidents: both times, the ratio, and
the share reached within target by grade with 95% intervals from each.

    ./run bench response          # both (creates bench/response/.venv on first use)
    ./run bench response_sim      # forcesight only
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats

from forcesight.response import kernel
from forcesight.response.engine import simulate
from forcesight.response.factory import build_model
from forcesight.response.model import Model, sample_incidents
from forcesight.response.results import summarise, within_target
from forcesight.response.roster import on_duty_by_hour_of_week
from forcesight.response.validate import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "examples" / "response_county.yaml"
CACHE = ROOT / "bench" / "response" / ".cache"


def interval(values: list[float]) -> tuple[float, float, float]:
    mean = float(np.mean(values))
    if len(values) < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf(0.975, len(values) - 1)) * float(np.std(values, ddof=1))
    half /= np.sqrt(len(values))
    return mean, mean - half, mean + half


def write_peer_input(model: Model, seeds: list[int], path: Path) -> None:
    arrays: dict[str, np.ndarray] = {
        "grades": np.array(len(model.grade_codes)),
        "travel_median": model.travel_median,
        "unit_area": model.unit_area,
        "unit_skills": model.unit_skills,
        "unit_grades": model.unit_grades,
        "shift_unit": model.shift_unit,
        "shift_start": model.shift_start,
        "shift_end": model.shift_end,
        "briefing_min": np.array(model.briefing_min),
        "meal_min": np.array(model.meal_min),
        "meal_after_min": np.array(model.meal_after_min),
        "end_min": np.array(model.end_min),
        "target_min": model.target_min,
        "area_rural": model.area_rural,
    }
    for seed in seeds:
        inc = sample_incidents(model, seed)
        for name in ("time", "grade", "area", "units_needed", "skill", "on_scene", "travel_factor"):
            arrays[f"s{seed}_{name}"] = getattr(inc, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **arrays)  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replications", type=int, default=5)
    parser.add_argument("--peer", help="Python of the SimPy peer's environment")
    parser.add_argument("--peer-replications", type=int, default=3)
    args = parser.parse_args()

    model = build_model(load_scenario(SCENARIO))
    roster = load_scenario(SCENARIO).roster
    cover = on_duty_by_hour_of_week(roster)
    print(f"scenario: {model.name}: {len(model.unit_ids)} units, "
          f"{cover['units'].min():.0f}-{cover['units'].max():.0f} on duty "
          f"(mean {cover['units'].mean():.1f}), grades {', '.join(model.grade_codes)}")  # fmt: skip
    # The compiled engine's one-off cost, kept out of the replications: a one-day run.
    day = dataclasses.replace(model, horizon_min=1440.0, end_min=1440.0)
    began = time.perf_counter()
    simulate(day, sample_incidents(day, 0))
    warm = time.perf_counter() - began
    how = "loaded from numba's cache" if kernel.loaded_from_cache() else "compiled"
    print(f"forcesight engine {how} in {warm:.2f} s (once per process; not in the times below)")
    ours: list[float] = []
    engine_only: list[float] = []
    shares: dict[str, list[float]] = {g: [] for g in model.grade_codes}
    for k in range(args.replications):
        seed = 1 + k
        began = time.perf_counter()
        incidents = sample_incidents(model, seed)
        began_engine = time.perf_counter()
        records = simulate(model, incidents)
        engine_only.append(time.perf_counter() - began_engine)
        summary = summarise(model, records)
        seconds = time.perf_counter() - began
        ours.append(seconds)
        met = within_target(model, records)
        for g, code in enumerate(model.grade_codes):
            shares[code].append(float(met[records.grade == g].mean()))
        unmet = int(summary.metrics.filter(
            (summary.metrics["metric"] == "unmet") & (summary.metrics["grade"] == "all")
        )["value"][0])  # fmt: skip
        print(f"forcesight replication {seed}: {len(incidents):,} incidents, {unmet} unmet, "
              f"{seconds:.2f} s")  # fmt: skip
    print(f"forcesight: mean {np.mean(ours):.2f} s per replication (target <= 5 s); "
          f"engine alone {np.mean(engine_only):.2f} s")  # fmt: skip

    peer_times: list[float] = []
    peer_shares: dict[str, list[float]] = {g: [] for g in model.grade_codes}
    if args.peer:
        seeds = list(range(1, args.peer_replications + 1))
        path = CACHE / "county.npz"
        write_peer_input(model, seeds, path)
        for seed in seeds:
            out = subprocess.run(
                [args.peer, str(ROOT / "bench" / "response" / "simpy_model.py"), str(path),
                 str(seed)], check=True, capture_output=True, text=True,
            )  # fmt: skip
            result = json.loads(out.stdout)
            peer_times.append(result["seconds"])
            for g, code in enumerate(model.grade_codes):
                peer_shares[code].append(result["within_target_share"][str(g)])
            print(f"SimPy replication {seed}: {result['seconds']:.2f} s")
        ratio = np.mean(peer_times) / np.mean(ours)
        print(f"SimPy: mean {np.mean(peer_times):.2f} s per replication (simulation only; "
              f"its incidents are sampled by forcesight)")  # fmt: skip
        engines = np.mean(peer_times) / np.mean(engine_only)
        print(f"ratio SimPy / forcesight: {ratio:.1f}x whole replication (target >= 10x); "
              f"{engines:.1f}x engine against engine")  # fmt: skip
    print("share reached within target by grade, mean [95% interval]:")
    for code in model.grade_codes:
        m, lo, hi = interval(shares[code])
        line = f"  grade {code}: forcesight {m:.4f} [{lo:.4f}, {hi:.4f}]"
        if peer_shares[code]:
            pm, plo, phi = interval(peer_shares[code])
            agree = lo <= phi and plo <= hi
            line += f"   SimPy {pm:.4f} [{plo:.4f}, {phi:.4f}]   intervals overlap: {agree}"
        print(line)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
