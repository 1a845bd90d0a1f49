"""Benchmark: design rosters for three functions (168 hours, cycles of 5, 8 and 10 weeks)
against the proven bound, and give the same cover to pyworkforce's shift scheduler.

    ./run bench rostering_design           (or .venv/bin/python bench/rostering_design.py)

Both answers are scored by forcesight's cover function, which counts a night against the next
morning: cover shortfall in officer-hours a week. pyworkforce runs in its own environment
(bench/rostering/setup.sh makes it: Python 3.12 and pyworkforce from PyPI); it is never a
forcesight dependency. pyworkforce has no rules, no teams and no headcount: it chooses how many
officers start each shift each day, so the officer-hours it needs are printed beside ours and
the officer-hours the headcount can give.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

from forcesight.rostering.design import design
from forcesight.rostering.policy import load_rostering_policy
from forcesight.rostering.shifts import shortfall_officer_hours, weekly_cover
from forcesight.rostering.spec import FunctionSpec, RosterSpec, cover_matrix, read_cover

ROOT = Path(__file__).resolve().parent.parent
PEER = ROOT / "bench" / "rostering"
COVER = ROOT / "examples" / "rostering_cover.csv"
FUNCTIONS = [
    FunctionSpec(
        name="response",
        headcount=40,
        teams=10,
        cycle_weeks=10,
        shift_lengths_hours=[8, 10, 12],
        start_hours=[6, 7, 14, 15, 17, 22, 23],
    ),
    FunctionSpec(
        name="neighbourhood",
        headcount=24,
        teams=8,
        cycle_weeks=8,
        shift_lengths_hours=[8, 9, 10],
        start_hours=[7, 8, 10, 14, 15],
    ),
    FunctionSpec(
        name="investigation",
        headcount=25,
        teams=5,
        cycle_weeks=5,
        shift_lengths_hours=[8, 9, 10],
        start_hours=[7, 8, 9, 12, 14],
    ),
]


def run_pyworkforce(
    function: FunctionSpec, required: list[int], seconds: float, workers: int
) -> dict[str, object] | None:
    python = PEER / ".venv" / "bin" / "python"
    if not python.exists():
        subprocess.run(["bash", str(PEER / "setup.sh")], check=True)
    shifts = {s.label: [s.start_minute // 60, (s.end_minute // 60) % 24] for s in function.shifts()}
    problem = {
        "required": [required[d * 24 : (d + 1) * 24] for d in range(7)],
        "shifts": shifts,
        "max_concurrency": function.headcount,
        "seconds": seconds,
        "workers": workers,
    }
    done = subprocess.run(
        [str(python), str(PEER / "pyworkforce_run.py")],
        input=json.dumps(problem),
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="time limit per function")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-peer", action="store_true", help="skip pyworkforce")
    parser.add_argument(
        "--lines",
        type=int,
        default=1,
        help="lines per function (teams = lines x cycle weeks; smaller teams)",
    )
    args = parser.parse_args()
    functions = [f.model_copy(update={"teams": f.cycle_weeks * args.lines}) for f in FUNCTIONS]

    policy = load_rostering_policy()
    cover = read_cover(COVER)
    required = cover_matrix(cover, [f.name for f in FUNCTIONS])
    spec = RosterSpec(
        name="bench",
        functions=FUNCTIONS,
        solver={
            "time_limit_seconds": args.seconds,
            "workers": args.workers,
            "explain_seconds": 0,
            "relative_gap": 0.0,
        },
    )
    marks: list[float] = []
    started = time.perf_counter()
    ours = design(
        spec,
        cover,
        policy,
        date(2026, 1, 5),
        progress=lambda _name: marks.append(time.perf_counter()),
    )
    our_seconds = time.perf_counter() - started
    marks.append(started + our_seconds)

    print(
        f"forcesight rostering benchmark ({args.workers} CP-SAT workers, "
        f"{args.seconds:g} s limit per function)"
    )
    print("machine shared with other work: times are under contention\n")
    header = (
        f"{'function':<14}{'cycle':>6}{'teams':>6}  {'objective':>10}{'bound':>10}"
        f"{'gap':>8}{'time s':>8}  {'short ours':>10}{'short pwf':>10}"
        f"{'pwf claims':>11}{'pwf s':>7}{'oh ours':>9}{'oh pwf':>8}{'oh avail':>9}"
    )
    print(header)
    print("-" * len(header))
    total_ours = total_peer = 0.0
    for index, (f, result) in enumerate(zip(functions, ours.functions, strict=True)):
        need = required[f.name]
        first = result.stages[0]
        stage_seconds = marks[index + 1] - marks[index]
        short_ours = result.shortfall_officer_hours()
        our_hours = float(result.cover().sum())
        peer = None if args.no_peer else run_pyworkforce(f, need, args.seconds, args.workers)
        if peer is not None:
            by_label = {s.label: s for s in f.shifts()}
            duties = [
                (int(r["day"]), by_label[str(r["shift"])], float(r["resources"]))
                for r in peer["resources_shifts"]  # type: ignore[attr-defined]
                if int(r["resources"]) > 0
            ]
            peer_cover = weekly_cover(duties)
            short_peer = shortfall_officer_hours(peer_cover, need)
            # what pyworkforce believes: each day on its own, nights on the same morning
            same_day = np.zeros(168)
            for day, shift, n in duties:
                for hour, minutes in shift.covered_minutes(0):
                    same_day[day * 24 + hour % 24] += n * minutes / 60
            claimed = shortfall_officer_hours(same_day, need)
            peer_hours = float(peer_cover.sum())
            peer_cols = (
                f"{short_peer:>10.1f}{claimed:>11.1f}{float(peer['seconds']):>7.1f}"  # type: ignore[arg-type]
                f"{our_hours:>9.0f}{peer_hours:>8.0f}"
            )
            total_peer += short_peer
        else:
            peer_cols = f"{'-':>10}{'-':>11}{'-':>7}{our_hours:>9.0f}{'-':>8}"
        total_ours += short_ours
        available = f.headcount * policy.contracted_hours.hours_per_week
        gap = "-" if first.gap is None else f"{100 * first.gap:.2f}%"
        objective = math.nan if first.objective is None else first.objective
        bound = math.nan if first.bound is None else first.bound
        print(
            f"{f.name:<14}{f.cycle_weeks:>6}{f.teams:>6}  {objective:>10.0f}{bound:>10.0f}"
            f"{gap:>8}{stage_seconds:>8.1f}  {short_ours:>10.1f}{peer_cols}{available:>9.0f}"
        )
    print(
        f"\ntotal design time {our_seconds:.1f} s; shortfall (officer-hours a week, scored by "
        f"forcesight's cover function) ours {total_ours:.1f}"
        + ("" if args.no_peer else f", pyworkforce {total_peer:.1f}")
    )
    print(
        "objective/bound/gap: weighted under-cover (officer-hours short x officers required), "
        "the first lexicographic stage."
    )
    print(
        "pwf claims: the shortfall pyworkforce believes it has (nights on the same morning); "
        "short pwf: the real one. oh: officer-hours a week rostered; avail: headcount x "
        "contracted hours. pyworkforce keeps no rest, rest-day, night or hours rule."
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
