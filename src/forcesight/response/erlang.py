"""Queueing formulas for response staffing: Erlang C (M/M/c) and Erlang A (M/M/c+M).

Units throughout: rates per minute, times in minutes. ``c`` is the number of units available
(not officers on duty: see ``staffing.py`` for the conversion). Travel is part of the response
but not of the wait: ``share_within`` adds a travel-time distribution to the waiting time.

References: Larson and Odoni, *Urban Operations Research*, ch. 4; Cobham (1954) for the
non-preemptive priority queue with identical service rates; Garnett, Mandelbaum and Reiman
(2002) for Erlang A.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray


def erlang_b(servers: int, offered_load: float) -> float:
    """Blocking probability of M/M/c/c, by the stable recursion B(k) = aB(k-1)/(k + aB(k-1))."""
    if servers < 0 or offered_load < 0:
        raise ValueError("servers and offered load must be non-negative")
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = offered_load * blocking / (k + offered_load * blocking)
    return blocking


def erlang_c(servers: int, offered_load: float) -> float:
    """P(wait > 0) in M/M/c with offered load a = lambda/mu [Erlangs]; 1.0 when a >= c."""
    if offered_load >= servers:
        return 1.0
    b = erlang_b(servers, offered_load)
    rho = offered_load / servers
    return b / (1.0 - rho * (1.0 - b))


def erlang_c_mean_wait(servers: int, arrival_rate: float, mean_service: float) -> float:
    """Mean wait in queue Wq [min] of M/M/c; inf when unstable."""
    load = arrival_rate * mean_service
    if load >= servers:
        return math.inf
    return erlang_c(servers, load) * mean_service / (servers - load)


def erlang_c_wait_exceeds(
    servers: int, arrival_rate: float, mean_service: float, minutes: float
) -> float:
    """P(wait > t) in M/M/c FCFS: C(c, a) exp(-(c mu - lambda) t)."""
    load = arrival_rate * mean_service
    if load >= servers:
        return 1.0
    mu = 1.0 / mean_service
    return erlang_c(servers, load) * math.exp(-(servers * mu - arrival_rate) * minutes)


def priority_wait_exceeds(
    servers: int,
    arrival_rates: list[float],
    mean_service: float,
    grade_index: int,
    minutes: float,
) -> float:
    """P(wait > t) for one grade of a non-preemptive priority M/M/c with one service rate.

    Grades are listed highest priority first. The chance of waiting at all is Erlang C of the
    total load (Cobham). For the top grade the conditional wait is exactly exponential with rate
    c mu - lambda_1; for lower grades the conditional wait is taken as exponential with Cobham's
    mean, an approximation (documented in docs/response.md).
    """
    total = sum(arrival_rates)
    load = total * mean_service
    if load >= servers:
        return 1.0
    capacity = servers / mean_service
    waiting = erlang_c(servers, load)
    above = sum(arrival_rates[:grade_index]) / capacity
    through = sum(arrival_rates[: grade_index + 1]) / capacity
    if through >= 1.0:
        return 1.0
    mean_conditional_wait = 1.0 / (capacity * (1.0 - above) * (1.0 - through))
    return waiting * math.exp(-minutes / mean_conditional_wait)


@dataclass(frozen=True)
class ErlangA:
    """Steady state of M/M/c+M: arrivals lambda, service mu, patience theta (all per minute)."""

    servers: int
    arrival_rate: float
    mean_service: float
    mean_patience: float
    probabilities: NDArray[np.float64]  # P(n in system), n = 0..N (truncated)

    @property
    def p_wait(self) -> float:
        return float(self.probabilities[self.servers :].sum())

    @property
    def p_abandon(self) -> float:
        n = np.arange(len(self.probabilities))
        queued = np.maximum(n - self.servers, 0)
        abandoning = float((queued * self.probabilities).sum()) / self.mean_patience
        return abandoning / self.arrival_rate if self.arrival_rate > 0 else 0.0

    @property
    def mean_wait(self) -> float:
        """Mean time in queue [min] over all arrivals (served or abandoning), by Little's law."""
        n = np.arange(len(self.probabilities))
        queued = float((np.maximum(n - self.servers, 0) * self.probabilities).sum())
        return queued / self.arrival_rate if self.arrival_rate > 0 else 0.0

    def served_within(self, minutes: float) -> float:
        """P(an arrival starts service within ``minutes``), counting abandonment as failure."""
        return float(self.served_within_grid(minutes, 2)[-1])

    def served_within_grid(self, until: float, points: int) -> NDArray[np.float64]:
        """P(service starts within t) for ``points`` evenly spaced t from 0 to ``until``."""
        from scipy.sparse import csc_matrix  # imported here: scipy.sparse is slow to import
        from scipy.sparse.linalg import expm_multiply

        c = self.servers
        no_wait = float(self.probabilities[:c].sum())
        p_queue = self.probabilities[c:]
        if p_queue.sum() < 1e-15:
            return np.full(points, no_wait)
        ahead = len(p_queue)
        mu, theta = 1.0 / self.mean_service, 1.0 / self.mean_patience
        # States: k customers ahead (0..ahead-1), then "served", then "abandoned".
        size = ahead + 2
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        for k in range(ahead):
            # Column k holds the rates out of state k (d p / dt = M p).
            advance = c * mu + k * theta
            rows += [k, k - 1 if k > 0 else ahead, ahead + 1]
            cols += [k, k, k]
            vals += [-(advance + theta), advance, theta]
        generator = csc_matrix((vals, (rows, cols)), shape=(size, size))
        start = np.zeros(size)
        start[:ahead] = p_queue
        if size <= 1500:
            # One dense matrix exponential for the grid step, then a product per point.
            from scipy.linalg import expm

            step = expm(generator.toarray() * (until / max(points - 1, 1)))
            path = np.empty((points, size))
            path[0] = start
            for j in range(1, points):
                path[j] = step @ path[j - 1]
        else:
            path = np.asarray(
                expm_multiply(generator, start, start=0.0, stop=until, num=points, endpoint=True)
            )
        served: NDArray[np.float64] = no_wait + path[:, ahead]
        return served


def erlang_a(
    servers: int, arrival_rate: float, mean_service: float, mean_patience: float
) -> ErlangA:
    """Solve M/M/c+M by its birth-death balance equations, truncated where the tail is < 1e-12."""
    if mean_patience <= 0 or mean_service <= 0:
        raise ValueError("mean service and mean patience must be positive")
    mu, theta = 1.0 / mean_service, 1.0 / mean_patience
    weights = [1.0]
    n = 0
    while True:
        n += 1
        death = min(n, servers) * mu + max(n - servers, 0) * theta
        weights.append(weights[-1] * arrival_rate / death)
        if n > servers and weights[-1] < 1e-12 * sum(weights):
            break
        if n > servers + 20_000:  # patience so long the queue barely thins: Erlang C applies
            break
    probs = np.asarray(weights, dtype=np.float64)
    return ErlangA(servers, arrival_rate, mean_service, mean_patience, probs / probs.sum())


@lru_cache(maxsize=8)
def _legendre(nodes: int) -> tuple[tuple[float, float], ...]:
    x, w = np.polynomial.legendre.leggauss(nodes)
    return tuple(zip(x.tolist(), w.tolist(), strict=True))


def share_within_with_travel(
    wait_exceeds: Callable[[float], float],
    target_minutes: float,
    travel_median: float,
    travel_sigma: float,
    nodes: int = 48,
) -> float:
    """P(wait + travel <= target) with lognormal travel independent of the wait.

    Integrates over z = log(travel / median) / sigma, a standard normal, up to the travel that
    uses the whole target (the integrand jumps there, so the range stops at it), by
    Gauss-Legendre. ``wait_exceeds`` is t -> P(wait > t)."""
    if travel_median <= 0:
        return 1.0 - float(wait_exceeds(target_minutes))
    if travel_sigma <= 0:
        left = target_minutes - travel_median
        return 0.0 if left < 0 else 1.0 - float(wait_exceeds(left))
    upper = math.log(target_minutes / travel_median) / travel_sigma
    lower = -8.0
    if upper <= lower:
        return 0.0
    half = (upper - lower) / 2
    mid = (upper + lower) / 2
    total = 0.0
    for x, w in _legendre(nodes):
        z = mid + half * x
        density = math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
        travel = travel_median * math.exp(travel_sigma * z)
        total += w * density * (1.0 - float(wait_exceeds(target_minutes - travel)))
    return min(max(total * half, 0.0), 1.0)
