"""Fixtures for the demo-force tests: one full generated force, shared by the shape tests."""

from __future__ import annotations

import pytest

from forcesight.synthetic import DemoFrames, generate_demo_force


@pytest.fixture(scope="session")
def demo() -> DemoFrames:
    """The default demo force (seed 2018, as at 2019-03-31 23:59), as frames."""
    return generate_demo_force()
