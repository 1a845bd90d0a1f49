"""Benchmark: assign 5,000 unallocated crimes to 300 investigators with 8 skill types.

Synthetic, seeded force (forcesight.allocation.synthetic). Three allocators on the same model:
  flow    our min-cost flow over hours with load-band capacity slots, rounded, + local search
  greedy  what a desk does by hand: oldest crime first, to the least-loaded eligible investigator
  mip     the same model as one generic MIP on HiGHS with a time limit (default 60 s)
Prints, for each: objective, priority-weighted waiting, rule breaches, largest caseload, time,
and the gap to the LP bound (the flow's optimum, the LP relaxation of the MIP).

    .venv/bin/python bench/allocation_assign.py [--seed 0] [--mip-seconds 60] [--no-mip]
    .venv/bin/python bench/allocation_assign.py --seeds 0-9   # the flow alone, one line a seed
"""

from __future__ import annotations

import argparse
import time

from forcesight.allocation.assign import AllocationResult, FlowAllocator
from forcesight.allocation.baselines import GreedyAllocator, MipAllocator
from forcesight.allocation.synthetic import synthetic_problem


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--crimes", type=int, default=5000)
    parser.add_argument("--investigators", type=int, default=300)
    parser.add_argument("--skills", type=int, default=8)
    parser.add_argument("--mip-seconds", type=float, default=60.0)
    parser.add_argument("--no-mip", action="store_true")
    parser.add_argument(
        "--seeds",
        help="run the flow alone on several seeds, e.g. 0-9 or 0,3,7; prints gap and times",
    )
    args = parser.parse_args()
    if args.seeds:
        _seeds(args, _parse_seeds(args.seeds))
        return

    started = time.perf_counter()
    problem = synthetic_problem(
        args.crimes, args.investigators, n_skills=args.skills, random_state=args.seed
    )
    print(
        f"synthetic force: {len(problem.cases)} crimes, {len(problem.investigators)} "
        f"investigators, {args.skills} skill types, seed {args.seed} "
        f"(built in {time.perf_counter() - started:.1f} s)"
    )
    cpu: list[float] = []

    def timed(allocator: FlowAllocator | GreedyAllocator | MipAllocator) -> AllocationResult:
        before = time.process_time()
        result = allocator.fit(problem).result_
        cpu.append(time.process_time() - before)
        return result

    flow = FlowAllocator()
    results: list[AllocationResult] = [timed(flow), timed(GreedyAllocator())]
    if not args.no_mip:
        results.append(timed(MipAllocator(time_limit=args.mip_seconds)))
    bound = flow.bound_
    eligible = flow.model_.elig.eligible
    print(
        f"eligible pairs {int(eligible.sum()):,} ({eligible.mean():.1%}); crimes no one may "
        f"take: {int((~flow.model_.assignable).sum())}; LP bound {bound:,.2f}"
    )
    header = (
        f"{'allocator':<36}{'objective':>12}{'gap to LP':>11}{'weighted waiting':>18}"
        f"{'breaches':>10}{'largest caseload':>20}{'assigned':>10}{'wall [s]':>10}{'cpu [s]':>9}"
    )
    print(header)
    print("(largest caseload: open expected hours / open cases of the busiest investigator)")
    print("-" * len(header))
    for r, seconds in zip(results, cpu, strict=True):
        e = r.evaluation
        gap = (r.objective - bound) / abs(r.objective) if r.objective else 0.0
        caseload = f"{e.largest_caseload_hours:.0f} h / {e.largest_caseload_cases}"
        print(
            f"{r.method:<36}{r.objective:>12,.1f}{gap:>10.2%} {e.weighted_waiting:>17,.0f}"
            f"{e.rule_breaches:>10}{caseload:>20}{e.assigned:>10}{r.seconds:>10.2f}{seconds:>9.2f}"
        )
    flow_result = results[0]
    for r in results[1:]:
        ratio = r.objective / flow_result.objective if flow_result.objective else float("nan")
        times = r.seconds / flow_result.seconds
        print(f"{r.method}: objective {ratio:.3f} x the flow's, wall time {times:.2f} x")
    if len(results) > 2 and results[2].bound is not None:
        print(f"MIP's own dual bound after its time limit: {results[2].bound:,.2f}")
    ok = flow_result.gap is not None and flow_result.gap <= 0.01 and flow_result.seconds <= 10
    print(
        f"target (within 1% of the LP bound in <= 10 s): "
        f"{'met' if ok else 'NOT met'} (gap {flow_result.gap:.2%}, {flow_result.seconds:.1f} s)"
    )


def _parse_seeds(text: str) -> list[int]:
    seeds: list[int] = []
    for part in text.split(","):
        if "-" in part:
            first, last = part.split("-", 1)
            seeds.extend(range(int(first), int(last) + 1))
        else:
            seeds.append(int(part))
    return seeds


def _seeds(args: argparse.Namespace, seeds: list[int]) -> None:
    """The flow allocator on each seed: objective, bound, gap, breaches, wall and CPU time."""
    header = (
        f"{'seed':>4}{'objective':>12}{'LP bound':>12}{'gap':>8}{'breaches':>10}"
        f"{'wall [s]':>10}{'cpu [s]':>9}"
    )
    print(
        f"flow allocator, {args.crimes} crimes x {args.investigators} investigators x "
        f"{args.skills} skills"
    )
    print(header)
    print("-" * len(header))
    gaps: list[float] = []
    cpus: list[float] = []
    walls: list[float] = []
    for seed in seeds:
        problem = synthetic_problem(
            args.crimes, args.investigators, n_skills=args.skills, random_state=seed
        )
        before = time.process_time()
        result = FlowAllocator().fit(problem).result_
        cpu = time.process_time() - before
        gap = result.gap if result.gap is not None else float("nan")
        gaps.append(gap)
        cpus.append(cpu)
        walls.append(result.seconds)
        print(
            f"{seed:>4}{result.objective:>12,.1f}{result.bound or 0.0:>12,.1f}{gap:>8.2%}"
            f"{result.evaluation.rule_breaches:>10}{result.seconds:>10.2f}{cpu:>9.2f}",
            flush=True,
        )
    met = sum(g <= 0.01 for g in gaps)
    print(
        f"worst gap {max(gaps):.2%}, mean {sum(gaps) / len(gaps):.2%}; within 1%: {met} of "
        f"{len(gaps)} seeds; largest wall {max(walls):.1f} s, largest CPU {max(cpus):.1f} s"
    )


if __name__ == "__main__":
    main()
