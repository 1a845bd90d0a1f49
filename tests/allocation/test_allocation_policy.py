"""The shipped allocation policy: valid, complete over the Home Office codes, sourced."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from forcesight.allocation.policy import load_allocation_policy
from forcesight.errors import PolicyError
from forcesight.policy.loader import RULES_DIR

MAPPING = (
    Path(__file__).resolve().parents[2] / "src/forcesight/data/home_office/offence_code_mapping.csv"
)


def test_every_home_office_code_has_a_requirement_in_its_own_group() -> None:
    policy = load_allocation_policy()
    with MAPPING.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 132
    for row in rows:
        requirement = policy.requirement(row["Offence_Code"])
        assert requirement.known, row["Offence_Code"]
        assert requirement.offence_group == row["Offence_Group"], row["Offence_Code"]
        assert requirement.source


def test_rape_needs_pip2_and_specialist_training_and_shoplifting_pip1() -> None:
    policy = load_allocation_policy()
    rape = policy.requirement("19C")
    assert rape.pip_level == 2 and "sexual_offences_investigation" in rape.skills
    assert policy.requirement("46").pip_level == 1
    assert policy.requirement("46").skills == frozenset()
    assert policy.requirement("1/4.1/4.10/4.2").pip_level == 3


def test_unknown_code_gets_the_default() -> None:
    requirement = load_allocation_policy().requirement("NOPE")
    assert not requirement.known
    assert requirement.pip_level == 1


def test_a_force_override_with_a_bad_field_names_file_line_and_field(tmp_path: Path) -> None:
    text = (RULES_DIR / "allocation.yaml").read_text()
    broken = text.replace("caseload_weeks: 4.0", "caseload_weeks: -1")
    (tmp_path / "allocation.yaml").write_text(broken)
    with pytest.raises(PolicyError) as caught:
        load_allocation_policy(tmp_path)
    message = str(caught.value)
    assert "allocation.yaml" in message and "capacity.caseload_weeks" in message
    assert "line" in message


def test_a_flag_rule_naming_an_unknown_skill_is_refused(tmp_path: Path) -> None:
    text = (RULES_DIR / "allocation.yaml").read_text()
    broken = text.replace("skills: [hate_crime_investigation]", "skills: [hate_crimes]")
    (tmp_path / "allocation.yaml").write_text(broken)
    with pytest.raises(PolicyError, match="hate_crimes"):
        load_allocation_policy(tmp_path)


def test_load_bands_must_be_convex(tmp_path: Path) -> None:
    text = (RULES_DIR / "allocation.yaml").read_text()
    broken = text.replace("{up_to: 1.0, cost_per_hour: 0.06}", "{up_to: 1.0, cost_per_hour: 0.01}")
    (tmp_path / "allocation.yaml").write_text(broken)
    with pytest.raises(PolicyError, match="convex"):
        load_allocation_policy(tmp_path)
