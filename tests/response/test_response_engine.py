"""The compiled engine against the plain-Python reference, record for record; its compile
fallback; and the exact occupancy arithmetic the summary relies on."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from response_testkit import EXAMPLES, worlds

from forcesight.response import reference
from forcesight.response.engine import Records, simulate
from forcesight.response.factory import build_model
from forcesight.response.model import (
    ATTENDED,
    STACK_FULL,
    WAITED_TOO_LONG,
    Incidents,
    Model,
    sample_incidents,
)
from forcesight.response.results import count_at_or_before, occupancy_minutes
from forcesight.response.state import compiled
from forcesight.response.validate import load_scenario


def _assert_identical(compiled_records: Records, reference_records: Records) -> None:
    for field in dataclasses.fields(Records):
        ours = getattr(compiled_records, field.name)
        theirs = getattr(reference_records, field.name)
        if isinstance(ours, np.ndarray):
            assert ours.shape == theirs.shape, field.name
            assert np.array_equal(ours, theirs, equal_nan=ours.dtype.kind == "f"), field.name
        else:
            assert ours == theirs, field.name


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_compiled_engine_matches_the_reference_on_random_forces(
    world: tuple[Model, Incidents],
) -> None:
    model, incidents = world
    _assert_identical(simulate(model, incidents), reference.simulate(model, incidents))


def _county(days: float) -> Model:
    model = build_model(load_scenario(EXAMPLES / "response_county.yaml"))
    drain = model.end_min - model.horizon_min
    return dataclasses.replace(model, horizon_min=days * 1440.0, end_min=days * 1440.0 + drain)


def test_compiled_engine_matches_the_reference_on_the_county_force() -> None:
    model = _county(28)
    incidents = sample_incidents(model, 5)
    records = simulate(model, incidents)
    _assert_identical(records, reference.simulate(model, incidents))
    assert (records.units_needed == 2).any() and (records.skill >= 0).any()


def test_compiled_engine_matches_the_reference_under_every_policy_when_overloaded() -> None:
    """Demand well above capacity with pre-emption, a reserve, stack limits and maximum waits
    all on: every branch of the loop runs, and both engines still agree exactly."""
    base = _county(14)
    grades = len(base.grade_codes)
    model = dataclasses.replace(
        base,
        multiplier=1.8,
        preempt_for=0b0001,
        preempt_from=0b1100,
        reserve_units=2,
        reserve_for=0b0001,
        stack_limit=np.array([-1, 40, 30, 25], dtype=np.int64)[:grades],
        max_wait_min=np.array([np.inf, 240.0, 360.0, 480.0])[:grades],
    )
    incidents = sample_incidents(model, 3)
    records = simulate(model, incidents)
    _assert_identical(records, reference.simulate(model, incidents))
    outcomes = set(np.unique(records.outcome).tolist())
    assert {ATTENDED, STACK_FULL, WAITED_TOO_LONG} <= outcomes
    assert records.preempted.sum() > 0


def test_the_kernel_compiles_without_a_cache_directory(tmp_path: Path) -> None:
    """numba finds no cache directory for code whose source file does not exist; the engine's
    decorator then compiles without a cache instead of failing."""
    namespace: dict[str, object] = {}
    source = "def twice(x):\n    return 2 * x\n"
    exec(compile(source, str(tmp_path / "gone" / "twice.py"), "exec"), namespace)
    function = namespace["twice"]
    assert callable(function)
    twice = compiled(function)
    assert twice(21) == 42
    assert not (tmp_path / "gone").exists()


def _brute_occupancy(starts: np.ndarray, ends: np.ndarray, edges: np.ndarray) -> np.ndarray:
    left, right = edges[:-1, None], edges[1:, None]
    overlap = np.minimum(ends[None, :], right) - np.maximum(starts[None, :], left)
    result: np.ndarray = np.clip(overlap, 0, None).sum(axis=1)
    return result


def test_occupancy_is_exact_for_intervals_on_uneven_bins() -> None:
    rng = np.random.default_rng(4)
    starts = rng.uniform(-50, 500, 400)
    ends = starts + rng.exponential(40, 400)
    starts[:5] = [0.0, 60.0, 120.0, 500.0, 600.0]  # on edges and beyond the last
    ends[:5] = [60.0, 60.0, 130.0, 700.0, 601.0]
    edges = np.array([0.0, 60.0, 120.0, 180.0, 250.0, 420.0, 500.0])
    expected = _brute_occupancy(starts, ends, edges)
    assert occupancy_minutes(starts, ends, edges) == pytest.approx(expected, rel=1e-12, abs=1e-9)


def test_count_at_or_before_counts_times_on_an_edge() -> None:
    times = np.array([-1.0, 0.0, 30.0, 60.0, 60.0, 61.0, 500.0])
    edges = np.array([0.0, 60.0, 120.0])
    assert count_at_or_before(times, edges).tolist() == [2, 5, 6]
