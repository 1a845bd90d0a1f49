"""The county response scenario as a straightforward SimPy model: the peer of forcesight's
engine in bench/response_sim.py.

Runs in its own environment (bench/response/.venv: simpy and numpy only; never a dependency
of forcesight). Reads the scenario exactly as forcesight compiled and sampled it (units, shifts,
travel medians, and each replication's pre-sampled incidents) from an .npz file, so the two
implementations differ only in how they simulate. Processes: one per unit (its shifts, briefing,
meal and end of shift), one per incident (wait for units, travel, time on scene), and one
feeding arrivals. The dispatch rules are forcesight's (highest grade first, first come first
served within a grade, the nearest free unit that may attend, skills, two-unit incidents whose
work starts when both are there, meals taken when free, overtime at the end of a shift).

Usage: python simpy_model.py INPUT.npz SEED  -> one JSON line on stdout.
"""

from __future__ import annotations

import json
import sys
import time
from collections import deque

import numpy as np
import simpy


class Unit:
    __slots__ = ("area", "grades", "index", "meal_pending", "off_pending", "pos", "skills", "state")

    def __init__(self, index: int, area: int, skills: int, grades: int) -> None:
        self.index = index
        self.area = area
        self.pos = area
        self.skills = skills
        self.grades = grades
        self.state = "off"
        self.meal_pending = False
        self.off_pending = False


class Incident:
    __slots__ = ("area", "arrivals", "first_arrival", "grade", "i", "need", "skill", "store", "t")

    def __init__(self, env: simpy.Environment, i: int, t: float, grade: int, area: int,
                 need: int, skill: int) -> None:  # fmt: skip
        self.i = i
        self.t = t
        self.grade = grade
        self.area = area
        self.need = need
        self.skill = skill
        self.store = simpy.Store(env)
        self.arrivals: list[float] = []
        self.first_arrival = float("nan")


class Dispatcher:
    def __init__(self, env: simpy.Environment, data: dict[str, np.ndarray], units: list[Unit]):
        self.env = env
        self.units = units
        self.tmed = data["travel_median"].tolist()
        self.order = [np.argsort(data["travel_median"][:, b], kind="stable").tolist()
                      for b in range(len(self.tmed))]  # fmt: skip
        self.free: list[set[Unit]] = [set() for _ in self.tmed]
        self.grades = int(data["grades"])
        self.waiting: list[deque[Incident]] = [deque() for _ in range(self.grades)]
        self.meal = float(data["meal_min"])
        self.tf = data["travel_factor"]

    def eligible(self, u: Unit, inc: Incident) -> bool:
        return bool(u.grades >> inc.grade & 1) and (
            inc.skill < 0 or bool(u.skills >> inc.skill & 1)
        )

    def assign(self, u: Unit, inc: Incident) -> None:
        u.state = "busy"
        slot = len(inc.arrivals) % 2
        travel = self.tmed[u.pos][inc.area] * self.tf[inc.i, slot]
        u.pos = inc.area
        arrive = self.env.now + travel
        if not inc.arrivals or arrive < inc.first_arrival:
            inc.first_arrival = arrive
        inc.arrivals.append(arrive)
        inc.need -= 1
        inc.store.put(u)

    def request(self, inc: Incident) -> None:
        while inc.need > 0:
            unit = None
            for a in self.order[inc.area]:
                for u in self.free[a]:
                    if self.eligible(u, inc):
                        unit = u
                        break
                if unit is not None:
                    self.free[a].discard(unit)
                    break
            if unit is None:
                self.waiting[inc.grade].append(inc)
                return
            self.assign(unit, inc)

    def unit_free(self, u: Unit) -> None:
        if u.off_pending:
            u.off_pending = False
            u.state = "off"
            return
        if u.meal_pending:
            u.meal_pending = False
            u.state = "meal"
            self.env.process(self.meal_break(u))
            return
        for g in range(self.grades):
            for inc in self.waiting[g]:
                if self.eligible(u, inc):
                    self.assign(u, inc)
                    if inc.need == 0:
                        self.waiting[g].remove(inc)
                    return
        u.state = "free"
        self.free[u.pos].add(u)

    def meal_break(self, u: Unit):  # type: ignore[no-untyped-def]
        yield self.env.timeout(self.meal)
        self.unit_free(u)


def incident_process(env: simpy.Environment, d: Dispatcher, inc: Incident, work: float):  # type: ignore[no-untyped-def]
    need = inc.need
    d.request(inc)
    crew = []
    for _ in range(need):
        unit = yield inc.store.get()
        crew.append(unit)
    yield env.timeout(max(inc.arrivals) + work - env.now)
    for unit in crew:
        d.unit_free(unit)


def arrivals(env: simpy.Environment, d: Dispatcher, data: dict[str, np.ndarray],
             incidents: list[Incident]):  # type: ignore[no-untyped-def]  # fmt: skip
    work = data["on_scene"].tolist()
    for inc in incidents:
        if inc.t > env.now:
            yield env.timeout(inc.t - env.now)
        env.process(incident_process(env, d, inc, work[inc.i]))


def unit_process(env: simpy.Environment, d: Dispatcher, u: Unit, shifts: list[tuple[float, float]],
                 briefing: float, meal_after: float, meal: float):  # type: ignore[no-untyped-def]  # fmt: skip
    for start, end in shifts:
        breaks = end - start <= 24 * 60
        on = min(start + (briefing if breaks else 0.0), end)
        yield env.timeout(max(on - env.now, 0.0))
        u.pos = u.area
        if u.state == "off":
            d.unit_free(u)
        else:
            u.off_pending = False
        meal_at = start + meal_after
        if breaks and meal > 0 and on < meal_at < end:
            yield env.timeout(meal_at - env.now)
            if u.state == "free":
                d.free[u.pos].discard(u)
                u.state = "meal"
                env.process(d.meal_break(u))
            elif u.state == "busy":
                u.meal_pending = True
        yield env.timeout(max(end - env.now, 0.0))
        u.meal_pending = False
        if u.state == "free":
            d.free[u.pos].discard(u)
            u.state = "off"
        elif u.state != "off":
            u.off_pending = True


def main() -> None:
    path, seed = sys.argv[1], int(sys.argv[2])
    raw = np.load(path)
    data = {k: raw[k] for k in raw.files}
    prefix = f"s{seed}_"
    data.update({k[len(prefix) :]: v for k, v in data.items() if k.startswith(prefix)})
    began = time.perf_counter()
    env = simpy.Environment()
    attributes = zip(data["unit_area"], data["unit_skills"], data["unit_grades"], strict=True)
    units = [Unit(i, int(a), int(s), int(g)) for i, (a, s, g) in enumerate(attributes)]
    d = Dispatcher(env, data, units)
    shifts: list[list[tuple[float, float]]] = [[] for _ in units]
    for u, s, e in zip(data["shift_unit"], data["shift_start"], data["shift_end"], strict=True):
        shifts[int(u)].append((float(s), float(e)))
    briefing, meal_after = float(data["briefing_min"]), float(data["meal_after_min"])
    for u in units:
        own = sorted(shifts[u.index])
        env.process(unit_process(env, d, u, own, briefing, meal_after, float(data["meal_min"])))
    incidents = [
        Incident(env, i, t, int(g), int(a), int(n), int(s))
        for i, (t, g, a, n, s) in enumerate(zip(data["time"].tolist(), data["grade"], data["area"],
                                                 data["units_needed"], data["skill"], strict=True))
    ]  # fmt: skip
    env.process(arrivals(env, d, data, incidents))
    env.run(until=float(data["end_min"]))
    seconds = time.perf_counter() - began
    response = np.array([inc.first_arrival - inc.t for inc in incidents])
    grade = data["grade"]
    limit = data["target_min"][grade, data["area_rural"][data["area"]].astype(int)]
    met = np.nan_to_num(response, nan=np.inf) <= limit
    shares = {str(g): float(met[grade == g].mean()) for g in range(int(data["grades"]))}
    print(json.dumps({"seed": seed, "seconds": seconds, "incidents": len(incidents),
                      "within_target_share": shares}))  # fmt: skip


if __name__ == "__main__":
    main()
