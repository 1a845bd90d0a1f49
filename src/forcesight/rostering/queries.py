"""Store access for rostering: specifications, designs and rosters as named stored objects in
the ``scenarios`` table (kind, name, body as YAML)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import yaml
from sqlalchemy import Engine, select

from forcesight.errors import UnknownRosterError
from forcesight.store.entities import scenarios
from forcesight.store.named import replace_named

KIND_SPEC = "roster_spec"
KIND_PATTERN = "shift_pattern"  # a designed pattern (Design.to_dict)
KIND_ROSTER = "roster"  # a dated roster (roster_to_dict)
KIND_COMPARISON = "roster_comparison"  # current against proposed (simulation.comparison_record)
KINDS = (KIND_SPEC, KIND_PATTERN, KIND_ROSTER)


def save_named(
    engine: Engine,
    kind: str,
    name: str,
    body: dict[str, Any],
    now: datetime,
    created_by: str | None = None,
) -> None:
    """Store ``body`` as YAML under (kind, name), replacing any earlier object of that name."""
    text = yaml.safe_dump(body, sort_keys=False, allow_unicode=True)
    replace_named(engine, kind, name, text, now, created_by)


def load_named(engine: Engine, kind: str, name: str) -> dict[str, Any]:
    with engine.connect() as connection:
        body = connection.execute(
            select(scenarios.c.body).where(scenarios.c.kind == kind, scenarios.c.name == name)
        ).scalar_one_or_none()
    if body is None:
        raise UnknownRosterError(kind, name, [n for n, _ in list_named(engine, kind)])
    data: dict[str, Any] = yaml.safe_load(body)
    return data


def list_named(engine: Engine, kind: str) -> list[tuple[str, datetime]]:
    """(name, created_at) of every stored object of ``kind``, newest first."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(scenarios.c.name, scenarios.c.created_at)
            .where(scenarios.c.kind == kind)
            .order_by(scenarios.c.created_at.desc(), scenarios.c.name)
        ).all()
    return [(name, created) for name, created in rows]
