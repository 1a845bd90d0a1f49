"""Erlang formulas against published values and against each other."""

from __future__ import annotations

import math

import pytest

from forcesight.response.erlang import (
    erlang_a,
    erlang_b,
    erlang_c,
    erlang_c_mean_wait,
    erlang_c_wait_exceeds,
    priority_wait_exceeds,
    share_within_with_travel,
)


def test_erlang_b_and_c_match_textbook_values() -> None:
    # Erlang B(10, 8) = 0.1217; Erlang C(10, 8) = 0.4092 (standard tables).
    assert erlang_b(10, 8.0) == pytest.approx(0.12166, abs=1e-5)
    assert erlang_c(10, 8.0) == pytest.approx(0.40918, abs=1e-5)
    # M/M/1: P(wait) = rho, Wq = rho / (mu - lambda).
    assert erlang_c(1, 0.5) == pytest.approx(0.5)
    assert erlang_c_mean_wait(1, 0.5, 1.0) == pytest.approx(1.0)


def test_unstable_queue_waits_forever() -> None:
    assert erlang_c(5, 5.0) == 1.0
    assert erlang_c_mean_wait(5, 6.0, 1.0) == math.inf
    assert erlang_c_wait_exceeds(5, 6.0, 1.0, 100.0) == 1.0


def test_erlang_a_tends_to_erlang_c_as_patience_grows() -> None:
    a = erlang_a(10, 8 / 30, 30.0, 1e9)
    assert a.p_wait == pytest.approx(erlang_c(10, 8.0), rel=1e-6)
    assert a.mean_wait == pytest.approx(erlang_c_mean_wait(10, 8 / 30, 30.0), rel=1e-6)
    assert a.served_within(5.0) == pytest.approx(
        1 - erlang_c_wait_exceeds(10, 8 / 30, 30.0, 5.0), rel=1e-6
    )
    assert a.p_abandon < 1e-6


def test_erlang_a_is_stable_above_capacity_and_abandons() -> None:
    a = erlang_a(10, 12 / 30, 30.0, 20.0)  # offered 12 Erlangs on 10 servers
    assert 0 < a.p_abandon < 1
    # Flow balance: served rate = busy servers x mu.
    served = (1 - a.p_abandon) * 12 / 30
    n = range(len(a.probabilities))
    busy = sum(min(k, 10) * p for k, p in zip(n, a.probabilities, strict=True))
    assert served == pytest.approx(busy / 30, rel=1e-6)


def test_top_priority_grade_waits_less_than_pooled_fcfs() -> None:
    rates = [0.05, 0.15]
    pooled = erlang_c_wait_exceeds(10, sum(rates), 40.0, 10.0)
    top = priority_wait_exceeds(10, rates, 40.0, 0, 10.0)
    low = priority_wait_exceeds(10, rates, 40.0, 1, 10.0)
    assert top < pooled < low
    # One class alone: the priority formula is Erlang C.
    assert priority_wait_exceeds(10, [0.2], 40.0, 0, 10.0) == pytest.approx(
        erlang_c_wait_exceeds(10, 0.2, 40.0, 10.0)
    )


def test_travel_eats_into_the_target() -> None:
    exceeds = lambda t: erlang_c_wait_exceeds(10, 0.2, 40.0, t)  # noqa: E731
    without = share_within_with_travel(exceeds, 15.0, 0.0, 0.0)
    fixed = share_within_with_travel(exceeds, 15.0, 10.0, 0.0)
    spread = share_within_with_travel(exceeds, 15.0, 10.0, 0.5)
    assert without == pytest.approx(1 - exceeds(15.0))
    assert fixed == pytest.approx(1 - exceeds(5.0))
    assert spread < without
    # With no wait at all, the share is P(travel <= target) for a lognormal.
    no_wait = share_within_with_travel(lambda t: 0.0, 15.0, 10.0, 0.5)
    assert no_wait == pytest.approx(
        0.5 * (1 + math.erf(math.log(1.5) / 0.5 / math.sqrt(2))), abs=1e-3
    )
