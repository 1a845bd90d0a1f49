"""Run pyworkforce's shift scheduler (MinAbsDifference) on a weekly cover requirement.

Runs inside bench/rostering/.venv (made by setup.sh), never in forcesight's environment.
Reads JSON on stdin: {"required": [[24 ints] x 7 days], "shifts": {name: [start_h, end_h]},
"max_concurrency": int, "seconds": float, "workers": int}; writes JSON on stdout with the
solver's status, its own cost, the wall time and officers per (day, shift).

pyworkforce solves the week as seven separate days of 24 periods: a shift's coverage is one
24-period array, so a 23:00-07:00 night is counted against 23:00 and 00:00-07:00 of the SAME
day (shift_coverage_from_hours wraps it round), not the next morning.
"""

import json
import sys
import time

from pyworkforce.scheduling import MinAbsDifference
from pyworkforce.shifts import shift_coverage_from_hours

problem = json.load(sys.stdin)
coverage = shift_coverage_from_hours(
    {name: tuple(span) for name, span in problem["shifts"].items()}, num_periods=24
)
scheduler = MinAbsDifference(
    num_days=len(problem["required"]),
    periods=24,
    shifts_coverage=coverage,
    required_resources=problem["required"],
    max_period_concurrency=problem["max_concurrency"],
    max_shift_concurrency=problem["max_concurrency"],
    max_search_time=problem["seconds"],
    num_search_workers=problem["workers"],
)
started = time.perf_counter()
solution = scheduler.solve()
seconds = time.perf_counter() - started
json.dump(
    {
        "status": solution["status"],
        "cost": solution["cost"],
        "seconds": seconds,
        "resources_shifts": solution["resources_shifts"],
    },
    sys.stdout,
)
