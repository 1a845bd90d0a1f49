"""Cost rates by rank or grade: the force's own table (a CSV it loads) or the demo defaults.

The CSV has a header ``rank,hourly_cost`` and optionally ``source``; one row per rank or grade,
``hourly_cost`` a positive number of pounds per productive hour. A bad file is refused whole,
with the file, line and field named.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl
from sqlalchemy import Engine

from forcesight.errors import MappingError, MissingColumnsError, UnreadableFileError
from forcesight.finance import queries
from forcesight.finance.policy import FinancePolicy, load_finance_policy
from forcesight.policy.loader import RULES_DIR, policy_path

EXPECTED = ["rank", "hourly_cost", "source"]


@dataclass(frozen=True)
class CostRates:
    name: str
    rates: pl.DataFrame  # rank, hourly_cost, source
    assumption: bool  # True: the demo defaults, not the force's own table
    origin: str  # where the table came from

    def lookup(self) -> dict[str, float]:
        return dict(zip(self.rates["rank"], self.rates["hourly_cost"], strict=True))


def read_rates_csv(path: str | Path) -> pl.DataFrame:
    """Read and check a cost-rate CSV; every problem names the line and field."""
    name = str(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except OSError as exc:
        raise UnreadableFileError(name, f"cannot be read: {exc.strerror}") from None
    if not rows:
        raise UnreadableFileError(name, "is empty", expected=EXPECTED)
    header = [h.strip() for h in rows[0]]
    missing = [c for c in ("rank", "hourly_cost") if c not in header]
    if missing:
        raise MissingColumnsError(name, missing, header, EXPECTED)
    at = {h: i for i, h in enumerate(header)}
    out: list[tuple[str, float, str | None]] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise MappingError(
                name, "(row)", f"has {len(row)} fields, expected {len(header)}", line
            )
        rank = row[at["rank"]].strip()
        if not rank:
            raise MappingError(name, "rank", "is empty", line)
        if rank in seen:
            raise MappingError(name, "rank", f"{rank!r} already given on line {seen[rank]}", line)
        seen[rank] = line
        raw = row[at["hourly_cost"]].strip().lstrip("£")
        try:
            cost = float(raw.replace(",", ""))
        except ValueError:
            raise MappingError(name, "hourly_cost", f"{raw!r} is not a number", line) from None
        if not cost > 0:
            raise MappingError(name, "hourly_cost", f"{raw!r} must be more than 0", line)
        source = row[at["source"]].strip() if "source" in at else ""
        out.append((rank, cost, source or f"{Path(name).name}, line {line}"))
    if not out:
        raise UnreadableFileError(name, "has no rates", expected=EXPECTED)
    return pl.DataFrame(out, schema=queries.RATE_SCHEMA, orient="row")


def load_rates_file(
    engine: Engine, path: str | Path, *, name: str, loaded_by: str, now: datetime
) -> CostRates:
    """Store the file's rates as set ``name`` (replacing a set of that name); it becomes the
    set the cost of demand uses."""
    frame = read_rates_csv(path)
    rows = [
        {"rate_set": name, "rank": r["rank"], "hourly_cost": r["hourly_cost"],
         "source": r["source"], "file_name": Path(path).name, "source_line": None,
         "loaded_at": now, "loaded_by": loaded_by}
        for r in frame.iter_rows(named=True)
    ]  # fmt: skip
    with engine.begin() as conn:
        queries.replace_rate_set(conn, name, rows)
    return CostRates(name, frame, False, str(path))


def current_rates(engine: Engine, policy: FinancePolicy | None = None) -> CostRates:
    """The newest loaded rate set, or the demo defaults (marked as assumptions)."""
    stored = queries.latest_rate_set(engine)
    if stored is not None:
        return CostRates(stored[0], stored[1], False, "loaded into the store")
    policy = policy or load_finance_policy()
    frame = pl.DataFrame(
        [(r.rank, r.hourly_cost, r.source) for r in policy.cost_rates],
        schema=queries.RATE_SCHEMA,
        orient="row",
    )
    path = policy_path("finance")
    shipped = path.parent == RULES_DIR
    return CostRates(
        policy.rate_set,
        frame,
        any(r.assumption for r in policy.cost_rates),
        "the shipped policy/rules/finance.yaml" if shipped else str(path),
    )
