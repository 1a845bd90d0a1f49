"""Profile numbers against hand counts on the fixture in conftest.py, on both backends."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine

from forcesight.demand.harm import load_harm_weights
from forcesight.demand.profiles import (
    crime_records,
    histogram,
    incident_records,
    profile,
    time_distributions,
    time_quality,
)
from forcesight.demand.service import hidden_demand
from forcesight.errors import ForecastInputError

START, END = datetime(2024, 1, 1), datetime(2025, 1, 1)


def _row(frame: pl.DataFrame, **match: object) -> dict[str, object]:
    rows = frame.filter(*[pl.col(k) == v for k, v in match.items()]).to_dicts()
    assert len(rows) == 1, rows
    return rows[0]


def test_incident_profile_by_category_with_last_year(demand_store: Engine) -> None:
    table = profile(demand_store, "incidents", ["category"], START, END)
    assault = _row(table, category="Assault")
    assert assault["volume"] == 2
    assert assault["officer_hours"] == pytest.approx(3.0)  # 2.0 h (I1) + 1.0 h (I2)
    assert assault["volume_last_year"] == 1
    assert assault["officer_hours_last_year"] == pytest.approx(40 / 60)
    assert assault["volume_change_pct"] == pytest.approx(100.0)
    theft = _row(table, category="Theft")
    assert theft["volume"] == 2
    assert theft["officer_hours"] == pytest.approx(1.0)  # I3 counts 0 h, I4 1.0 h
    assert theft["volume_last_year"] == 0
    assert theft["volume_change_pct"] is None


def test_incident_profile_by_hour_of_week_grade_and_area(demand_store: Engine) -> None:
    by_hour = profile(demand_store, "incidents", ["hour_of_week"], START, END)
    assert dict(zip(by_hour["hour_of_week"], by_hour["volume"], strict=True)) == {
        10: 2,
        142: 1,
        147: 1,  # Mon 10:xx twice; Sat 22:05 = 5*24+22; Sun 03:00 = 6*24+3
    }
    by_grade = profile(demand_store, "incidents", ["grade"], START, END)
    assert _row(by_grade, grade="1")["volume"] == 2
    by_la = profile(demand_store, "incidents", ["la_name"], START, END)
    assert _row(by_la, la_name="Alpha")["officer_hours"] == pytest.approx(2.0)
    assert _row(by_la, la_name="Beta")["officer_hours"] == pytest.approx(2.0)
    by_beat = profile(demand_store, "incidents", ["beat", "month"], START, END)
    assert _row(by_beat, beat="B2", month="2024-06")["volume"] == 1


def test_time_distributions_and_data_quality(demand_store: Engine) -> None:
    units = incident_records(demand_store, START, END).units
    dist = time_distributions(units)
    travel = _row(dist, category="Assault", measure="travel")
    assert travel["n"] == 3  # units A (10), B (20) and I2's first unit (30)
    assert travel["p50"] == pytest.approx(20.0)
    on_scene = _row(dist, category="Assault", measure="on_scene")
    assert on_scene["mean"] == pytest.approx(40.0)  # 60, 30, 30
    assert on_scene["p50"] == pytest.approx(30.0)
    quality = dict(time_quality(units).iter_rows())
    assert quality == {"arrived before dispatched": 1, "no arrival time": 1}
    hist = histogram(units, "on_scene_min", bin_minutes=30)
    assert _row(hist, category="Assault", bin_start_min=30.0)["count"] == 2


def test_crime_hours_by_offence_and_complexity(demand_store: Engine) -> None:
    frame = crime_records(demand_store, START, END)
    hours = dict(zip(frame["crime_id"], frame["officer_hours"], strict=True))
    assert hours == {1: 20.0, 2: 8.0, 3: 150.0, 4: 20.0}
    table = profile(demand_store, "crimes", ["offence_group", "complexity"], START, END)
    vap = _row(table, offence_group="Violence against the person", complexity="complex")
    assert vap["volume"] == 2 and vap["officer_hours"] == pytest.approx(40.0)


def test_harm_weighted_profile(demand_store: Engine, tmp_path: Path) -> None:
    path = tmp_path / "weights.csv"
    path.write_text("offence_code,weight\n8N,10\n19C,100\n")
    table = profile(
        demand_store, "crimes", ["offence_group"], START, END, weights=load_harm_weights(path)
    )
    vap = _row(table, offence_group="Violence against the person")
    assert vap["harm"] == pytest.approx(20.0)  # 8N twice; 106 has no weight
    assert vap["unweighted"] == 1
    assert _row(table, offence_group="Sexual offences")["harm"] == pytest.approx(100.0)


def test_hidden_demand_repeats_and_peer_flag(demand_store: Engine) -> None:
    found = hidden_demand(demand_store, datetime(2025, 1, 1))
    assert found.force == "Northamptonshire"
    assert found.repeat_victims["victim_id"].to_list() == ["V1"]
    assert found.repeat_locations.to_dicts()[0]["lsoa_code"] == "E01000001"
    assert found.repeat_locations.to_dicts()[0]["crimes"] == 3
    slavery = _row(found.peers, type="Modern slavery")
    assert slavery["rate_per_1000"] == pytest.approx(1 / 3)  # 1 offence, 3,000 residents
    assert slavery["peer_median_per_1000"] == pytest.approx(10.0)  # 30 per 3,000
    assert slavery["peers_without_population"] == 1  # Dyfed-Powys: no English LSOAs
    assert slavery["possible_hidden_demand"] is True
    assert "3 peer" not in slavery["evidence"] and "1 peer" in slavery["evidence"]
    rape = _row(found.peers, type="Rape")
    assert rape["possible_hidden_demand"] is False  # 10 per 1,000 against 10
    own = {r["type"]: r for r in found.own_rates.to_dicts()}
    assert own["Domestic abuse"]["count"] == 1
    assert own["Modern slavery"]["rate_per_1000"] == pytest.approx(1 / 3)


def test_unknown_dimension_is_refused(demand_store: Engine) -> None:
    with pytest.raises(ForecastInputError, match="beat is not a crimes dimension"):
        profile(demand_store, "crimes", ["beat"], START, END)
