"""Fixtures for the response tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[..., Path]:
    """Write a scenario dict to a YAML file and return its path."""
    counter = iter(range(1000))

    def write(data: dict[str, Any], name: str | None = None) -> Path:
        path = tmp_path / (name or f"scenario{next(counter)}.yaml")
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    return write
