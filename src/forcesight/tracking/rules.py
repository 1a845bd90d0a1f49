"""The clocks policy file (``policy/rules/clocks.yaml``) as validated pydantic models.

Every clock rule, rank, risk level and event grammar is data; this module only says what shape
that data must have and how to look things up in it.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from forcesight.policy.loader import PolicyFile, SourcedRule, load_policy, policy_path

RecordKind = Literal[
    "bail",
    "rui",
    "victim_care",
    "missing_episode",
    "wanted",
    "forensic_submission",
    "investigation",
]
RECORD_KINDS: tuple[str, ...] = (
    "bail",
    "rui",
    "victim_care",
    "missing_episode",
    "wanted",
    "forensic_submission",
    "investigation",
)
Unit = Literal["hours", "days", "working_days", "months"]
RULES_DIR_NAME = "clocks"  # the policy file: policy/rules/clocks.yaml
Shape = Literal["deadline", "recurring", "triggered", "queue"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Duration(_Frozen):
    """An amount of time: calendar ``hours`` or ``days``, ``working_days`` or ``months``."""

    amount: float = Field(ge=0)
    unit: Unit

    @model_validator(mode="after")
    def _whole_units(self) -> Duration:
        if self.unit in ("working_days", "months") and self.amount != int(self.amount):
            raise ValueError(f"{self.unit} must be a whole number, got {self.amount}")
        return self

    def approx_hours(self) -> float:
        """Length in hours, approximating a working day as a day and a month as 30.4 days."""
        per = {"hours": 1.0, "days": 24.0, "working_days": 24.0, "months": 730.0}
        return self.amount * per[self.unit]

    def describe(self) -> str:
        amount = int(self.amount) if self.amount == int(self.amount) else self.amount
        return f"{amount} {self.unit.replace('_', ' ')}"


class ExtensionStep(_Frozen):
    """One step of an extension ladder: the new limit (from the start) and who may grant it."""

    to: Duration
    authority: str = Field(description="Lowest rank that may authorise, or 'court'.")


class EscalationStep(_Frozen):
    after: Duration = Field(description="How long overdue before this level is told.")
    to: str = Field(description="Rank to escalate to.")


class RuleFilter(_Frozen):
    """Which records a rule applies to; a field left out matches every record."""

    enhanced: bool | None = None
    is_child: bool | None = None
    agency: list[str] | None = Field(default=None, description="'police' matches no agency.")


class ClockRule(SourcedRule):
    id: str
    record_kind: RecordKind
    clock: str = Field(description="Name of the clock; rules chosen by date share it.")
    label: str
    shape: Shape
    valid_from: date | None = Field(default=None, description="First start date it governs.")
    valid_to: date | None = Field(default=None, description="Last start date it governs.")
    when: RuleFilter = RuleFilter()
    due: Duration | None = Field(default=None, description="Deadline, or first interval.")
    repeat: Duration | None = Field(default=None, description="Later intervals (recurring).")
    due_by_risk: dict[str, Duration] | None = None
    satisfied_by: list[str] = Field(min_length=1)
    stopped_by: list[str] = Field(default_factory=list)
    stop_scope: Literal["record", "crime"] = "record"
    triggers: list[str] = Field(default_factory=list)
    notify_event: str | None = None
    extension_event: str | None = Field(
        default=None, description="Event that extends the clock one step up the ladder."
    )
    extensions: list[ExtensionStep] = Field(default_factory=list)
    court_step: Duration | None = None
    limit: Duration | None = None
    due_soon: Duration = Duration(amount=1, unit="days")
    escalation: list[EscalationStep] = Field(default_factory=list)
    capacity_devices_per_week: float | None = Field(default=None, gt=0)
    force_choice: bool = False

    @model_validator(mode="after")
    def _shape_fields(self) -> ClockRule:
        if self.shape == "recurring" and self.due_by_risk is None:
            if self.due is None or self.repeat is None:
                raise ValueError("a recurring rule needs 'due' and 'repeat' (or 'due_by_risk')")
        elif self.shape != "recurring" and self.due is None:
            raise ValueError(f"a {self.shape} rule needs 'due'")
        if self.shape == "triggered" and (not self.triggers or not self.notify_event):
            raise ValueError("a triggered rule needs 'triggers' and 'notify_event'")
        if self.shape == "queue" and self.capacity_devices_per_week is None:
            raise ValueError("a queue rule needs 'capacity_devices_per_week'")
        if self.extensions and self.extension_event is None:
            raise ValueError("a rule with 'extensions' needs 'extension_event'")
        top = self.extensions[-1].to if self.extensions else self.due
        for name, step in (("court_step", self.court_step), ("limit", self.limit)):
            if step is not None and top is not None and step.unit != top.unit:
                raise ValueError(f"{name} must be in {top.unit}, like the last limit before it")
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self

    def governs(self, started: date) -> bool:
        """Whether a record started on ``started`` falls under this rule's dates."""
        if self.valid_from is not None and started < self.valid_from:
            return False
        return not (self.valid_to is not None and started > self.valid_to)


class CalendarSpec(SourcedRule):
    country: str = "GB"
    subdivision: str = "ENG"


class RankSpec(SourcedRule):
    order: list[str] = Field(min_length=1)
    authorities: list[str] = Field(default_factory=list)
    aliases: dict[str, str] = Field(default_factory=dict)


class BackdatingSpec(SourcedRule):
    tolerance_hours: float = Field(ge=0)


class RiskSpec(SourcedRule):
    levels: list[str] = Field(min_length=1)
    aliases: dict[str, str] = Field(default_factory=dict)
    deprecated: dict[str, str] = Field(
        default_factory=dict,
        description="Old levels mapped to a current one with a data-quality warning.",
    )


class RepeatMissingSpec(SourcedRule):
    episodes: int = Field(ge=2)
    within_days: int = Field(ge=1)
    children_only: bool = True
    force_choice: bool = False


class KindSpec(_Frozen):
    subject: Literal["crime", "person"]
    start_event: str
    events: list[str]
    terminal: list[str] = Field(default_factory=list)
    authorisation: dict[str, str] = Field(
        default_factory=dict, description="Event -> lowest rank that may record it."
    )


class Prerequisite(SourcedRule):
    event: str
    any_of: list[str] = Field(min_length=1)
    scope: Literal["record", "crime"] = "record"


class ClocksPolicy(PolicyFile):
    calendar: CalendarSpec
    ranks: RankSpec
    backdating: BackdatingSpec
    risk_levels: RiskSpec
    repeat_missing: RepeatMissingSpec
    record_kinds: dict[RecordKind, KindSpec]
    prerequisites: list[Prerequisite] = Field(default_factory=list)
    rules: list[ClockRule] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> ClocksPolicy:
        ids = [r.id for r in self.rules]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"rule ids must be unique; repeated: {', '.join(duplicates)}")
        known_ranks = set(self.ranks.order) | set(self.ranks.authorities)
        starts = {spec.start_event for spec in self.record_kinds.values()}
        every_event = starts | {e for spec in self.record_kinds.values() for e in spec.events}
        for rule in self.rules:
            kind = self.record_kinds.get(rule.record_kind)
            if kind is None:
                raise ValueError(f"rule {rule.id}: record kind {rule.record_kind} has no events")
            own = set(kind.events) | {kind.start_event}
            for name in rule.satisfied_by:
                if name not in own:
                    raise ValueError(
                        f"rule {rule.id}: satisfied_by {name!r} is not a {rule.record_kind} event"
                    )
            pool = every_event if rule.stop_scope == "crime" else own
            for name in rule.stopped_by:
                if name not in pool:
                    raise ValueError(f"rule {rule.id}: stopped_by {name!r} is not a known event")
            for name in rule.triggers:
                if name not in every_event:
                    raise ValueError(f"rule {rule.id}: trigger {name!r} is not a known event")
            for step in rule.extensions:
                if step.authority not in known_ranks:
                    raise ValueError(f"rule {rule.id}: authority {step.authority!r} is not a rank")
            for level in rule.escalation:
                if level.to not in known_ranks:
                    raise ValueError(f"rule {rule.id}: escalation to {level.to!r} is not a rank")
            if rule.due_by_risk is not None:
                missing = set(self.risk_levels.levels) - set(rule.due_by_risk)
                if missing:
                    raise ValueError(
                        f"rule {rule.id}: due_by_risk lacks {', '.join(sorted(missing))}"
                    )
        for kind_name, spec in self.record_kinds.items():
            for event, rank in spec.authorisation.items():
                if rank not in known_ranks:
                    raise ValueError(
                        f"record_kinds.{kind_name}: {event} needs unknown rank {rank!r}"
                    )
        return self

    def rules_for(self, kind: str) -> list[ClockRule]:
        return [r for r in self.rules if r.record_kind == kind]

    def rank_index(self, rank: str) -> int | None:
        """Seniority of a normalised rank (0 = constable); None for authorities and unknowns."""
        try:
            return self.ranks.order.index(rank)
        except ValueError:
            return None

    def normalise_rank(self, raw: str | None) -> str | None:
        """A rank as the store or a form spells it ('DI', 'Inspector') -> 'inspector'."""
        if raw is None or not raw.strip():
            return None
        key = raw.strip().lower()
        snake = key.replace(" ", "_").replace("-", "_")
        if snake in self.ranks.order or snake in self.ranks.authorities:
            return snake
        alias = self.ranks.aliases.get(key)
        return alias if alias is not None else snake

    def may_authorise(self, actor_rank: str | None, required: str) -> bool:
        """Whether an actor of ``actor_rank`` (normalised) may act where ``required`` is needed:
        an authority (the court) only by itself, a rank by that rank or above."""
        if actor_rank is None:
            return False
        if required in self.ranks.authorities:
            return actor_rank == required
        need = self.rank_index(required)
        have = self.rank_index(actor_rank)
        return need is not None and have is not None and have >= need

    def normalise_risk(self, raw: str | None) -> tuple[str | None, str | None]:
        """(level, warning): a risk level as imported -> the APP level and any warning."""
        if raw is None or not raw.strip():
            return None, None
        key = raw.strip().lower()
        snake = key.replace(" ", "_")
        if snake in self.risk_levels.levels:
            return snake, None
        if key in self.risk_levels.aliases:
            return self.risk_levels.aliases[key], None
        if key in self.risk_levels.deprecated:
            mapped = self.risk_levels.deprecated[key]
            return mapped, (
                f"risk level {raw!r} is no longer an APP category (removed January 2017); "
                f"recorded as {mapped}"
            )
        return None, None


def load_clocks_policy(policy_dir: str | Path | None = None) -> ClocksPolicy:
    """The clocks policy: the force's override of clocks.yaml if present, else the default.
    Parsed once per file version (path and modification time)."""
    path = policy_path(RULES_DIR_NAME, policy_dir)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = 0
    return _load_cached(str(path), stamp, str(policy_dir) if policy_dir is not None else None)


@lru_cache(maxsize=8)
def _load_cached(path: str, stamp: int, policy_dir: str | None) -> ClocksPolicy:
    return load_policy(RULES_DIR_NAME, ClocksPolicy, policy_dir)
