"""Triage of recorded crimes: solvability, priority, complexity and a recommended route.

Each part is an estimator in the scikit-learn manner (parameters stored untouched in
``__init__``, checked in ``fit``, learned state ending in ``_``, ``fit`` returns ``self``) and
``transform`` adds columns to a Polars frame of crimes, one row per crime, with the columns of
the ``crimes`` table (flags, ``sf_*`` factors, ``offence_code``, ``recorded_at``) plus, when
known, ``team_function`` (function of the team that holds the crime now).

Every score comes with its explanation: a list of strings, one per contributing term.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from forcesight.allocation.policy import (
    FLAGS,
    SOLVABILITY_FACTORS,
    AllocationPolicy,
    Route,
    load_allocation_policy,
)
from forcesight.errors import MappingError

FACTOR_LABELS = {
    "sf_victim_supports": "victim supports prosecution",
    "sf_named_suspect": "named suspect",
    "sf_witness": "cooperative witness",
    "sf_cctv": "CCTV",
    "sf_police_witness": "police witness",
    "sf_forensics": "forensics",
    "sf_linked": "linked to other cases",
    "sf_reported_within_28d": "reported within 28 days",
}


def _flag(row: Mapping[str, Any], name: str) -> bool:
    return bool(row.get(name) or False)


class SolvabilityScorer:
    """Kent's eight solvability factors, weighted: score = sum of present weights / all weights,
    in [0, 1]. ``weights`` maps each ``sf_*`` factor to a weight >= 0."""

    def __init__(self, weights: Mapping[Any, float]) -> None:
        self.weights = weights

    def fit(self) -> SolvabilityScorer:
        missing = [f for f in SOLVABILITY_FACTORS if f not in self.weights]
        unknown = [f for f in self.weights if f not in SOLVABILITY_FACTORS]
        if missing or unknown:
            raise MappingError(
                "allocation.yaml",
                "solvability.weights",
                f"missing {missing or 'none'}, unknown {unknown or 'none'}; "
                f"expected exactly {', '.join(SOLVABILITY_FACTORS)}",
            )
        total = float(sum(self.weights.values()))
        if total <= 0 or any(w < 0 for w in self.weights.values()):
            raise MappingError(
                "allocation.yaml", "solvability.weights", "weights must be >= 0, not all 0"
            )
        self.normalised_weights_ = {f: float(self.weights[f]) / total for f in SOLVABILITY_FACTORS}
        return self

    def score_row(self, row: Mapping[str, Any]) -> tuple[float, list[str]]:
        score = 0.0
        explained: list[str] = []
        for factor, weight in self.normalised_weights_.items():
            if _flag(row, factor):
                score += weight
                explained.append(f"{FACTOR_LABELS[factor]} +{weight:.3f}")
        if not explained:
            explained.append("no solvability factor present")
        return round(score, 6), explained

    def transform(self, crimes: pl.DataFrame) -> pl.DataFrame:
        scored = [self.score_row(r) for r in crimes.iter_rows(named=True)]
        return crimes.with_columns(
            pl.Series("solvability", [s for s, _ in scored], dtype=pl.Float64),
            pl.Series("solvability_explained", [e for _, e in scored], dtype=pl.List(pl.Utf8)),
        )


class PriorityScorer:
    """Priority points: a base, points per risk/vulnerability flag, harm points scaled by the
    user's harm weight for the offence code (if loaded), and points per day of age (capped)."""

    def __init__(
        self,
        base: float,
        flag_points: Mapping[Any, float],
        age_points_per_day: float,
        age_cap_days: float,
        harm_points: float = 0.0,
        harm_weights: Mapping[str, float] | None = None,
    ) -> None:
        self.base = base
        self.flag_points = flag_points
        self.age_points_per_day = age_points_per_day
        self.age_cap_days = age_cap_days
        self.harm_points = harm_points
        self.harm_weights = harm_weights

    def fit(self) -> PriorityScorer:
        unknown = [f for f in self.flag_points if f not in FLAGS]
        if unknown:
            raise MappingError(
                "allocation.yaml", "priority.flag_points", f"unknown flag(s) {unknown}"
            )
        weights = dict(self.harm_weights or {})
        self.harm_scale_ = max(weights.values()) if weights else 0.0
        self.harm_weights_ = weights
        return self

    def score_row(self, row: Mapping[str, Any], at: datetime) -> tuple[float, list[str]]:
        points = self.base
        explained = [f"base {self.base:g}"]
        for flag, value in self.flag_points.items():
            if _flag(row, flag):
                points += value
                explained.append(f"{flag.replace('_', ' ')} +{value:g}")
        harm = self.harm_weights_.get(str(row.get("offence_code")))
        if harm is not None and self.harm_scale_ > 0:
            extra = self.harm_points * harm / self.harm_scale_
            points += extra
            explained.append(f"harm weight {harm:g} +{extra:.2f}")
        recorded = row.get("recorded_at")
        if isinstance(recorded, datetime):
            age = max(0.0, (at - recorded).total_seconds() / 86400.0)
            extra = self.age_points_per_day * min(age, self.age_cap_days)
            if extra > 0:
                points += extra
                explained.append(f"age {age:.1f} days +{extra:.2f}")
        return round(points, 6), explained

    def transform(self, crimes: pl.DataFrame, at: datetime) -> pl.DataFrame:
        scored = [self.score_row(r, at) for r in crimes.iter_rows(named=True)]
        ages = [
            max(0.0, (at - r).total_seconds() / 86400.0) if isinstance(r, datetime) else 0.0
            for r in crimes.get_column("recorded_at").to_list()
        ]
        return crimes.with_columns(
            pl.Series("priority", [s for s, _ in scored], dtype=pl.Float64),
            pl.Series("priority_explained", [e for _, e in scored], dtype=pl.List(pl.Utf8)),
            pl.Series("age_days", ages, dtype=pl.Float64),
        )


class ComplexityAssessor:
    """Required PIP level, specialist skills and expected hours from the offence-code table,
    raised by the crime's flags. An unknown offence code gets the policy's default and a
    data-quality warning rather than an error."""

    def __init__(self, policy: AllocationPolicy) -> None:
        self.policy = policy

    def fit(self) -> ComplexityAssessor:
        self.flag_rules_ = tuple(self.policy.rules.flag_rules)
        return self

    def assess_row(self, row: Mapping[str, Any]) -> dict[str, Any]:
        code = str(row.get("offence_code") or "")
        req = self.policy.requirement(code)
        pip = req.pip_level
        skills = set(req.skills)
        explained = [f"offence {code}: PIP{req.pip_level}" + _skills_text(req.skills)]
        warnings: list[str] = []
        if not req.known:
            warnings.append(
                f"offence code {code!r} is not in allocation_offences.yaml: default route "
                f"{self.policy.rules.unknown_offence.route!r}, PIP{req.pip_level}"
            )
        for rule in self.flag_rules_:
            if not _flag(row, rule.flag):
                continue
            if rule.offence_groups and req.offence_group not in rule.offence_groups:
                continue
            raised = []
            if rule.min_pip_level > pip:
                pip = rule.min_pip_level
                raised.append(f"PIP{pip}")
            new_skills = [s for s in rule.skills if s not in skills]
            skills.update(rule.skills)
            raised.extend(new_skills)
            if raised:
                explained.append(f"{rule.flag.replace('_', ' ')} raises to {', '.join(raised)}")
        return {
            "offence_group": req.offence_group,
            "offence_known": req.known,
            "pip_level": pip,
            "skills": sorted(skills),
            "expected_hours": req.expected_hours,
            "complexity_explained": explained,
            "data_quality": warnings,
        }

    def transform(self, crimes: pl.DataFrame) -> pl.DataFrame:
        rows = [self.assess_row(r) for r in crimes.iter_rows(named=True)]
        return crimes.with_columns(
            pl.Series("offence_group", [r["offence_group"] for r in rows], dtype=pl.Utf8),
            pl.Series("offence_known", [r["offence_known"] for r in rows], dtype=pl.Boolean),
            pl.Series("pip_level", [r["pip_level"] for r in rows], dtype=pl.Int64),
            pl.Series("skills", [r["skills"] for r in rows], dtype=pl.List(pl.Utf8)),
            pl.Series("expected_hours", [r["expected_hours"] for r in rows], dtype=pl.Float64),
            pl.Series(
                "complexity_explained",
                [r["complexity_explained"] for r in rows],
                dtype=pl.List(pl.Utf8),
            ),
            pl.Series("data_quality", [r["data_quality"] for r in rows], dtype=pl.List(pl.Utf8)),
        )


def _skills_text(skills: frozenset[str] | set[str]) -> str:
    return f" + {', '.join(sorted(skills))}" if skills else ", no specialist skill"


class RouteRecommender:
    """The first route (in policy order) whose conditions all hold; the reasons say why it was
    chosen and why each earlier route was not. Needs solvability, priority and complexity."""

    def __init__(self, routes: list[Route], unknown_offence_route: str) -> None:
        self.routes = routes
        self.unknown_offence_route = unknown_offence_route

    def fit(self) -> RouteRecommender:
        self.routes_ = tuple(self.routes)
        self.by_name_: dict[str, Route] = {r.name: r for r in self.routes}
        return self

    @staticmethod
    def failed_conditions(route: Route, row: Mapping[str, Any]) -> list[str]:
        """The conditions of ``route`` that this triaged crime fails (empty: route fits)."""
        failed = []
        if route.solvability_below is not None and row["solvability"] >= route.solvability_below:
            failed.append(f"solvability {row['solvability']:.2f} >= {route.solvability_below:g}")
        if route.max_pip_level is not None and row["pip_level"] > route.max_pip_level:
            failed.append(f"needs PIP{row['pip_level']} > PIP{route.max_pip_level}")
        if route.max_priority is not None and row["priority"] > route.max_priority:
            failed.append(f"priority {row['priority']:.2f} > {route.max_priority:g}")
        if route.no_specialist_skills and row["skills"]:
            failed.append(f"needs {', '.join(row['skills'])}")
        flags = [f for f in route.never_if_flags if _flag(row, f)]
        if flags:
            failed.append(f"flag {', '.join(flags)}")
        return failed

    def recommend_row(self, row: Mapping[str, Any]) -> tuple[str, list[str], bool]:
        reasons: list[str] = []
        chosen: Route | None = None
        if not row["offence_known"]:
            chosen = self.by_name_[self.unknown_offence_route]
            reasons.append(f"unknown offence code: force default route {chosen.name}")
        else:
            for route in self.routes_:
                failed = self.failed_conditions(route, row)
                if failed:
                    reasons.append(f"not {route.name}: {'; '.join(failed)}")
                    continue
                chosen = route
                reasons.append(f"{route.name}: {_route_conditions_text(route, row)}")
                break
        assert chosen is not None  # the last route has no conditions (validated)
        team_function = row.get("team_function")
        handoff = (
            bool(team_function)
            and bool(chosen.functions)
            and (team_function not in chosen.functions)
        )
        if handoff:
            reasons.append(f"hand-off: from a {team_function} team to {chosen.name}")
        return chosen.name, reasons, handoff

    def transform(self, crimes: pl.DataFrame) -> pl.DataFrame:
        out = [self.recommend_row(r) for r in crimes.iter_rows(named=True)]
        return crimes.with_columns(
            pl.Series("route", [r for r, _, _ in out], dtype=pl.Utf8),
            pl.Series("route_reasons", [e for _, e, _ in out], dtype=pl.List(pl.Utf8)),
            pl.Series("handoff", [h for _, _, h in out], dtype=pl.Boolean),
        )


def _route_conditions_text(route: Route, row: Mapping[str, Any]) -> str:
    parts = []
    if route.solvability_below is not None:
        parts.append(f"solvability {row['solvability']:.2f} < {route.solvability_below:g}")
    if route.max_pip_level is not None:
        parts.append(f"PIP{row['pip_level']} <= PIP{route.max_pip_level}")
    if route.max_priority is not None:
        parts.append(f"priority {row['priority']:.2f} <= {route.max_priority:g}")
    if route.no_specialist_skills:
        parts.append("no specialist skill needed")
    if route.never_if_flags:
        parts.append("no vulnerability or risk flag")
    return "; ".join(parts) if parts else route.description


class Triage:
    """The whole triage: solvability, priority, complexity, enhanced-victim status and route.

    ``harm_weights`` maps offence code -> user-supplied harm weight (none is shipped)."""

    def __init__(
        self,
        policy: AllocationPolicy | None = None,
        harm_weights: Mapping[str, float] | None = None,
    ) -> None:
        self.policy = policy
        self.harm_weights = harm_weights

    def fit(self) -> Triage:
        policy = self.policy if self.policy is not None else load_allocation_policy()
        rules = policy.rules
        self.policy_ = policy
        self.solvability_ = SolvabilityScorer(rules.solvability.weights).fit()
        self.priority_ = PriorityScorer(
            rules.priority.base,
            rules.priority.flag_points,
            rules.priority.age_points_per_day,
            rules.priority.age_cap_days,
            rules.priority.harm_points,
            self.harm_weights,
        ).fit()
        self.complexity_ = ComplexityAssessor(policy).fit()
        self.route_ = RouteRecommender(rules.routes, rules.unknown_offence.route).fit()
        return self

    def transform(self, crimes: pl.DataFrame, at: datetime) -> pl.DataFrame:
        """Triage every crime in ``crimes`` as at ``at``."""
        frame = self.solvability_.transform(crimes)
        frame = self.priority_.transform(frame, at)
        frame = self.complexity_.transform(frame)
        enhanced = self.policy_.rules.enhanced_victim_flags
        enhanced_flag = pl.lit(False)
        for flag in enhanced.flags:
            if flag in frame.columns:
                enhanced_flag = enhanced_flag | pl.col(flag).fill_null(False)
        frame = frame.with_columns(
            (enhanced_flag | pl.col("offence_group").is_in(enhanced.offence_groups)).alias(
                "enhanced_victim"
            )
        )
        return self.route_.transform(frame)


def read_harm_weights(path: str | Path) -> dict[str, float]:
    """Read a user's harm-weight CSV with columns ``offence_code,weight`` (weight > 0)."""
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise MappingError(where, "(file)", f"cannot be read: {exc.strerror}") from None
    weights: dict[str, float] = {}
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    for column in ("offence_code", "weight"):
        if column not in header:
            raise MappingError(
                where, column, f"missing column (header has: {', '.join(header)})", line=1
            )
    for line, row in enumerate(reader, start=2):
        code = (row.get("offence_code") or "").strip()
        raw = (row.get("weight") or "").strip()
        if not code:
            raise MappingError(where, "offence_code", "is empty", line=line)
        try:
            weight = float(raw)
        except ValueError:
            raise MappingError(
                where, "weight", f"{raw!r} is not a number (expected weight > 0)", line=line
            ) from None
        if weight <= 0:
            raise MappingError(where, "weight", f"{raw!r} must be > 0", line=line)
        if code in weights:
            raise MappingError(where, "offence_code", f"{code!r} appears twice", line=line)
        weights[code] = weight
    return weights
