"""Triage: solvability, priority, complexity and route, each explained."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from forcesight.allocation.policy import FLAGS, SOLVABILITY_FACTORS, load_allocation_policy
from forcesight.allocation.triage import SolvabilityScorer, Triage, read_harm_weights
from forcesight.errors import MappingError

AT = datetime(2024, 3, 1, 12, 0)


def crime(**values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": 1,
        "crime_ref": "CR1",
        "offence_code": "46",
        "recorded_at": datetime(2024, 2, 29, 12, 0),
        "area": "NORTH",
        "team_function": None,
    }
    row.update({f: False for f in FLAGS})
    row.update({f: False for f in SOLVABILITY_FACTORS})
    row.update(values)
    return row


def triage(*rows: dict[str, Any], harm: dict[str, float] | None = None) -> pl.DataFrame:
    frame = pl.DataFrame(list(rows))
    return Triage(load_allocation_policy(), harm).fit().transform(frame, AT)


def test_solvability_is_the_share_of_weight_present_and_explains_each_factor() -> None:
    weights = {f: 1.0 for f in SOLVABILITY_FACTORS} | {"sf_cctv": 3.0}
    scorer = SolvabilityScorer(weights).fit()
    score, explained = scorer.score_row(crime(sf_cctv=True, sf_named_suspect=True))
    assert score == pytest.approx(4 / 10)
    assert explained == ["named suspect +0.100", "CCTV +0.300"]
    assert scorer.weights is weights  # parameters stored untouched


def test_solvability_weights_missing_a_factor_are_refused() -> None:
    with pytest.raises(MappingError, match="sf_forensics"):
        SolvabilityScorer({f: 1.0 for f in SOLVABILITY_FACTORS if f != "sf_forensics"}).fit()


def test_priority_adds_flags_harm_and_capped_age() -> None:
    old = crime(
        id=2,
        crime_ref="CR2",
        domestic_abuse=True,
        recorded_at=datetime(2023, 1, 1),
        offence_code="8N",
    )
    out = triage(crime(), old, harm={"8N": 100.0, "46": 10.0})
    fresh, aged = out.row(0, named=True), out.row(1, named=True)
    assert fresh["priority"] == pytest.approx(1 + 0.4 + 0.1 * 1.0)
    # base 1 + DA 3 + harm 4 (the most harmful) + age capped at 28 days x 0.1
    assert aged["priority"] == pytest.approx(1 + 3 + 4 + 2.8)
    assert any("harm weight 100" in e for e in aged["priority_explained"])


def test_child_victim_of_violence_needs_child_abuse_training_but_not_for_shoplifting() -> None:
    out = triage(
        crime(offence_code="8N", child_victim=True),
        crime(id=2, crime_ref="CR2", offence_code="46", child_victim=True),
    )
    assert "child_abuse_investigation" in out.row(0, named=True)["skills"]
    assert out.row(0, named=True)["route"] == "team"
    assert out.row(1, named=True)["skills"] == []


def test_cse_flag_raises_to_pip2() -> None:
    row = triage(crime(offence_code="8N", cse=True)).row(0, named=True)
    assert row["pip_level"] == 2
    assert any("cse raises to PIP2" in e for e in row["complexity_explained"])


def test_low_solvability_volume_crime_is_screened_out_but_never_domestic_abuse() -> None:
    out = triage(crime(), crime(id=2, crime_ref="CR2", domestic_abuse=True))
    first, second = out.row(0, named=True), out.row(1, named=True)
    assert first["route"] == "screen_out"
    assert first["route_reasons"][0].startswith("screen_out: solvability 0.00 < 0.25")
    assert second["route"] != "screen_out"
    assert "not screen_out: priority 4.10 > 2.5; flag domestic_abuse" in second["route_reasons"]
    assert second["enhanced_victim"]


def test_solvable_volume_crime_goes_to_the_desk_and_counts_a_hand_off() -> None:
    row = triage(crime(sf_named_suspect=True, sf_cctv=True, team_function="response")).row(
        0, named=True
    )
    assert row["route"] == "desk"
    assert row["handoff"]


def test_unknown_offence_code_gets_the_default_route_and_a_warning() -> None:
    row = triage(crime(offence_code="ZZ9")).row(0, named=True)
    assert row["route"] == "team"
    assert row["data_quality"] == [
        "offence code 'ZZ9' is not in allocation_offences.yaml: default route 'team', PIP1"
    ]


def test_harm_weights_file_good_and_damaged(tmp_path: Path) -> None:
    good = tmp_path / "harm.csv"
    good.write_text("offence_code,weight\n8N,120\n46,2.5\n")
    assert read_harm_weights(good) == {"8N": 120.0, "46": 2.5}
    bad = tmp_path / "bad.csv"
    bad.write_text("offence_code,weight\n8N,120\n46,lots\n")
    with pytest.raises(MappingError) as caught:
        read_harm_weights(bad)
    assert "bad.csv, line 3" in str(caught.value) and "'weight'" in str(caught.value)
    missing = tmp_path / "missing.csv"
    missing.write_text("code,weight\n8N,1\n")
    with pytest.raises(MappingError, match="offence_code"):
        read_harm_weights(missing)
