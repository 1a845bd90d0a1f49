"""What every command group shares: the store picked with --db, JSON output, errors, progress."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy import Engine

from forcesight.errors import ForcesightError
from forcesight.settings import default_database_url
from forcesight.store.engine import open_engine
from forcesight.store.migrate import check_current

console = Console(stderr=True, soft_wrap=True)
T = TypeVar("T")


class State:
    """Per-invocation state set by the top-level callback."""

    db_url: str = ""
    engines: list[Engine] = []  # noqa: RUF012 - one invocation's engines, disposed on close

    @classmethod
    def url(cls) -> str:
        return cls.db_url or default_database_url()

    @classmethod
    def close(cls) -> None:
        from forcesight.store.sink import close_import_connections

        close_import_connections()
        for engine in cls.engines:
            engine.dispose()
        cls.engines.clear()


def store_engine(*, migrated: bool = True) -> Engine:
    """The store's Engine; with ``migrated`` it must already be at this version's schema.
    Engines are disposed when the command finishes."""
    engine = open_engine(State.url())
    State.engines.append(engine)
    if migrated:
        check_current(engine)
    return engine


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "to_dict"):
        return value.to_dict()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(payload: Any) -> None:
    """One JSON object on stdout."""
    sys.stdout.write(json.dumps(payload, default=_default, indent=2) + "\n")


def run_or_exit(action: Callable[[], T]) -> T:
    """Run ``action``; a ForcesightError becomes a clear message and its exit code."""
    try:
        return action()
    except ForcesightError as error:
        console.print(f"[bold red]error:[/] {error}", markup=True, highlight=False)
        raise typer.Exit(error.exit_code) from None


class ProgressHandle:
    """Advance a rich progress task: ``handle(n)`` adds n; ``handle.set(...)`` places it."""

    def __init__(self, progress: Progress, task: TaskID) -> None:
        self._progress = progress
        self._task = task

    def __call__(
        self, n: float = 1, total: float | None = None, description: str | None = None
    ) -> None:
        if total is not None:
            self._progress.update(self._task, total=total)
        if description is not None:
            self._progress.update(self._task, description=description)
        self._progress.advance(self._task, n)

    def set(self, description: str, completed: float, total: float) -> None:
        self._progress.update(self._task, description=description, completed=completed, total=total)


@contextmanager
def progress_bar(description: str, total: float | None = None) -> Iterator[ProgressHandle]:
    """A rich progress bar on stderr (shown on a terminal)."""
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
        disable=not console.is_terminal,
    ) as progress:
        yield ProgressHandle(progress, progress.add_task(description, total=total))
