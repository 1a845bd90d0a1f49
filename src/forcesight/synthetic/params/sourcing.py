"""How a parameter carries its source and unit: in its dataclass field's metadata."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field
from typing import TypeVar

T = TypeVar("T")

LogNormal = tuple[float, float]  # (median, sigma of the natural log)


def sourced(default: T, source: str, unit: str = "") -> T:
    """A parameter with its source and unit (kept in the dataclass field's metadata)."""
    return field(default=default, metadata={"source": source, "unit": unit})


def sourced_table(factory: Callable[[], T], source: str, unit: str = "") -> T:
    """A parameter whose value is a table (dict or tuple of records)."""
    return field(default_factory=factory, metadata={"source": source, "unit": unit})
