"""The clocks policy file: every rule cites a source, and bad files fail with file and line."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from forcesight.errors import PolicyError
from forcesight.tracking.rules import RULES_DIR_NAME, ClocksPolicy, load_clocks_policy

SHIPPED = Path(__file__).resolve().parents[2] / "src" / "forcesight" / "policy" / "rules"


def test_every_rule_cites_a_source_and_force_choices_say_so(policy: ClocksPolicy) -> None:
    for rule in policy.rules:
        assert len(rule.source.strip()) > 20, rule.id
        if rule.force_choice:
            assert "force choice" in rule.source, rule.id
    clocks = {r.clock for r in policy.rules}
    assert {
        "bail_limit",
        "rui_review",
        "outcome_notification",
        "monthly_update",
        "missing_review",
        "pnc_circulation",
        "examination_start",
        "supervisory_review",
    } <= clocks


def test_rules_by_date_cover_bail_without_gaps(policy: ClocksPolicy) -> None:
    bail = [r for r in policy.rules_for("bail") if r.when.agency != ["FCA", "HMRC", "NCA", "SFO"]]
    for day in (datetime(2017, 4, 3), datetime(2022, 10, 27), datetime(2022, 10, 28)):
        assert sum(r.governs(day.date()) for r in bail) == 1


def test_a_broken_override_names_file_line_and_field(tmp_path: Path) -> None:
    text = (SHIPPED / f"{RULES_DIR_NAME}.yaml").read_text(encoding="utf-8")
    broken = text.replace("tolerance_hours: 24", "tolerance_hours: -3")
    (tmp_path / "clocks.yaml").write_text(broken, encoding="utf-8")
    with pytest.raises(
        PolicyError, match=r"clocks.yaml, line \d+: field 'backdating.tolerance_hours'"
    ):
        load_clocks_policy(tmp_path)
    unknown = text.replace("satisfied_by: [rui_review]", "satisfied_by: [tea_break]")
    (tmp_path / "clocks.yaml").write_text(unknown, encoding="utf-8")
    with pytest.raises(PolicyError, match="tea_break"):
        load_clocks_policy(tmp_path)


def test_a_force_override_changes_the_interval(tmp_path: Path) -> None:
    text = (SHIPPED / f"{RULES_DIR_NAME}.yaml").read_text(encoding="utf-8")
    (tmp_path / "clocks.yaml").write_text(
        text.replace("high: {amount: 2, unit: hours}", "high: {amount: 1, unit: hours}"),
        encoding="utf-8",
    )
    override = load_clocks_policy(tmp_path)
    review = next(r for r in override.rules if r.id == "missing_review")
    assert review.due_by_risk is not None and review.due_by_risk["high"].amount == 1
