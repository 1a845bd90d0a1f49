"""What a demo build produced: rows per table and the headline figures of the force."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl

from forcesight.synthetic.params import DemoParams
from forcesight.synthetic.sources import ForceGeography


@dataclass(frozen=True)
class DemoFrames:
    """The generated force: one frame per store table, ids counted from 1."""

    tables: dict[str, pl.DataFrame]
    seed: int
    as_of: datetime
    geography: ForceGeography

    def fingerprint(self) -> str:
        """SHA-256 over every table's row hashes, in order: equal frames, equal fingerprint."""
        digest = hashlib.sha256()
        for name in sorted(self.tables):
            frame = self.tables[name]
            digest.update(name.encode())
            digest.update(",".join(frame.columns).encode())
            digest.update(frame.hash_rows(seed=0).to_numpy().tobytes())
        return digest.hexdigest()


@dataclass(frozen=True)
class DemoSummary:
    """Rows written per table and headline figures; ``to_dict()`` is JSON-ready."""

    seed: int
    as_of: datetime
    rows: dict[str, int]
    replaced_rows: int
    figures: dict[str, float | int]
    open_clocks: dict[str, int]
    fingerprint: str
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "as_of": self.as_of.isoformat(),
            "rows": dict(self.rows),
            "rows_total": sum(self.rows.values()),
            "replaced_rows": self.replaced_rows,
            "figures": dict(self.figures),
            "open_clocks": dict(self.open_clocks),
            "fingerprint": self.fingerprint,
            "notes": list(self.notes),
        }


def grade_one_within_target(incidents: pl.DataFrame, urban_lsoas: pl.Series) -> float:
    """Share of grade 1 incidents with an arrival time reached within 15 min (urban) or
    20 min (rural) of receipt: the Policing Pledge targets in policy/rules/grades.yaml."""
    g1 = incidents.filter((pl.col("grade") == "1") & pl.col("first_arrived_at").is_not_null())
    minutes = (pl.col("first_arrived_at") - pl.col("received_at")).dt.total_seconds() / 60
    target = pl.when(pl.col("lsoa_code").is_in(urban_lsoas.implode())).then(15).otherwise(20)
    return float(g1.select((minutes <= target).mean()).item() or 0.0)


def summarise(
    frames: DemoFrames, written: dict[str, int], replaced: int, params: DemoParams
) -> DemoSummary:
    t = frames.tables
    staff = t["staff"].filter(pl.col("left_on").is_null())

    def fte(kind: str) -> float:
        return round(float(staff.filter(pl.col("staff_type") == kind)["fte"].sum()), 2)

    lsoas = frames.geography.lsoas
    urban = lsoas.filter(pl.col("density") >= params.geography.urban_density)["lsoa_code"]
    crimes = t["crimes"]
    records = t["clock_records"]
    open_clocks = dict(
        records.filter(pl.col("closed_at").is_null())
        .group_by("kind")
        .agg(pl.len())
        .sort("kind")
        .iter_rows()
    )
    desk = crimes["route"].is_in(["screen_out", "desk"]).sum() / max(crimes.height, 1)
    figures: dict[str, float | int] = {
        "officer_fte": fte("officer"),
        "staff_fte": fte("staff"),
        "pcso_fte": fte("pcso"),
        "special_constables": int((staff["staff_type"] == "special").sum()),
        "student_officers": int(staff["is_student"].sum()),
        "incidents": t["incidents"].height,
        "grade_1_within_target": round(grade_one_within_target(t["incidents"], urban), 4),
        "crimes": crimes.height,
        "unallocated_crimes": int((crimes["status"] == "unallocated").sum()),
        "crimes_at_desk_share": round(float(desk), 4),
        "persons": t["persons"].height,
    }
    return DemoSummary(
        seed=frames.seed,
        as_of=frames.as_of,
        rows=dict(written),
        replaced_rows=replaced,
        figures=figures,
        open_clocks={str(k): int(v) for k, v in open_clocks.items()},
        fingerprint=frames.fingerprint(),
    )
