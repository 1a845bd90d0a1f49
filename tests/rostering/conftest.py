"""Fixtures for the rostering tests: the shipped rules, small cover requirements and specs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl
import pytest
from rostering_web_support import Site, site_fixture

from forcesight.rostering.policy import RosteringPolicy, load_rostering_policy
from forcesight.rostering.spec import COVER_SCHEMA

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="session")
def policy() -> RosteringPolicy:
    return load_rostering_policy()


def flat_cover(values: dict[str, Callable[[int], int]]) -> pl.DataFrame:
    """A cover frame from one function of the hour of the week per function."""
    rows = [(name, h, int(rule(h))) for name, rule in values.items() for h in range(168)]
    return pl.DataFrame(rows, schema=COVER_SCHEMA, orient="row")


CoverMaker = Callable[[dict[str, Callable[[int], int]]], pl.DataFrame]


@pytest.fixture(scope="session")
def make_cover() -> CoverMaker:
    """``make_cover({"response": lambda hour_of_week: officers})`` -> cover frame."""
    return flat_cover


@pytest.fixture
def day_cover() -> pl.DataFrame:
    """Neighbourhood needs 4 officers 08:00-18:00 every day and none at night."""
    return flat_cover({"neighbourhood": lambda h: 4 if 8 <= h % 24 < 18 else 0})


@pytest.fixture
def site(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    """The web app on a store (both backends) holding the patterns and rosters "days" (no
    breach, short Friday to Sunday) and "grind" (no rest day), with a user per role."""
    yield from site_fixture(store_url, tmp_path, monkeypatch)
