"""`forcesight import` and `forcesight status`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach the import and status commands to the top-level app."""
