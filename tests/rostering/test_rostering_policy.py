"""The working-time rules file and the design specification are validated, with sources."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from forcesight.errors import PolicyError, ScenarioError
from forcesight.rostering.policy import RosteringPolicy, load_rostering_policy
from forcesight.rostering.rules import RULES
from forcesight.rostering.spec import load_spec, read_cover


def test_every_rule_has_a_policy_entry_with_a_source_and_a_force_choice_mark(
    policy: RosteringPolicy,
) -> None:
    for name in RULES:
        entry = getattr(policy, name)
        assert len(entry.source) > 20
        assert isinstance(entry.force_choice, bool)
    assert policy.daily_rest.minimum_hours == 11 and not policy.daily_rest.force_choice
    assert policy.average_weekly_hours.maximum_hours == 48
    assert policy.publication_notice.months == 1
    assert policy.consecutive_nights.force_choice and policy.rest_days_in_pairs.force_choice


def test_a_force_override_is_used_and_a_bad_one_refused_with_line_and_field(
    tmp_path: Path,
) -> None:
    shipped = yaml.safe_load(
        (
            Path(__file__).resolve().parents[2] / "src/forcesight/policy/rules/rostering.yaml"
        ).read_text()
    )
    shipped["consecutive_nights"]["maximum"] = 3
    (tmp_path / "rostering.yaml").write_text(yaml.safe_dump(shipped, sort_keys=False))
    assert load_rostering_policy(tmp_path).consecutive_nights.maximum == 3
    shipped["consecutive_nights"]["night_start"] = "25:00"
    (tmp_path / "rostering.yaml").write_text(yaml.safe_dump(shipped, sort_keys=False))
    with pytest.raises(PolicyError, match=r"line \d+: field 'consecutive_nights.night_start'"):
        load_rostering_policy(tmp_path)


def test_a_bad_spec_is_refused_with_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(
        "name: x\nfunctions:\n  - name: response\n    headcount: 10\n    teams: 4\n"
        "    cycle_weeks: 3\n"
    )
    with pytest.raises(PolicyError, match=r"line 3: field 'functions.0'.*multiple of cycle_weeks"):
        load_spec(path)


def test_a_bad_cover_file_lists_every_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "cover.csv"
    path.write_text(
        "function,hour_of_week,required\nresponse,0,3\nresponse,200,1\n"
        "response,5,-2\nresponse,x,1\n"
    )
    with pytest.raises(ScenarioError) as caught:
        read_cover(path)
    fields = [field for field, _ in caught.value.problems]
    assert fields == ["line 3 hour_of_week", "line 4 required", "line 5"]
