"""Bad series, harmonisation of the Home Office data, breaks and scenarios."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from forcesight.demand.backtest import BacktestConfig
from forcesight.demand.breaks import detect_breaks
from forcesight.demand.forecast import forecast_series
from forcesight.demand.harm import load_harm_weights
from forcesight.demand.home_office import as_series, harmonise, read_rolling_year
from forcesight.demand.periods import expected_periods
from forcesight.demand.scenarios import apply_scenario, load_scenario
from forcesight.errors import MappingError, MissingColumnsError, PolicyError, UnreadableFileError

ROLLING = (
    Path(__file__).resolve().parents[2]
    / "src"
    / "forcesight"
    / "data"
    / "home_office"
    / "recorded_crime_by_force_rolling_year.csv"
)
QUARTERS = expected_periods(date(2010, 3, 31), date(2030, 12, 31), "quarter")
CONFIG = BacktestConfig(horizon=4, models=("naive", "drift"), min_train=8, min_errors=5)


def _series(uid: str, values: list[float], periods: list[date] | None = None) -> pl.DataFrame:
    ds = periods if periods is not None else QUARTERS[: len(values)]
    return pl.DataFrame(
        {"unique_id": uid, "ds": ds, "y": values},
        schema={"unique_id": pl.String, "ds": pl.Date, "y": pl.Float64},
    )


def test_bad_series_get_named_fallbacks_and_the_batch_runs() -> None:
    rng = np.random.default_rng(5)
    good = list(1000 + np.cumsum(rng.normal(0, 10, 24)))
    gappy = [v for i, v in enumerate(good) if i not in (5, 6)]
    batch = pl.concat(
        [
            _series("good", good),
            _series("short", [5.0, 6.0, 7.0]),
            _series("zeros", [0.0] * 20),
            _series("gaps", gappy, [q for i, q in enumerate(QUARTERS[:24]) if i not in (5, 6)]),
            _series("negative", [*good[:20], -3.0, *good[21:]]),
        ]
    )
    result = forecast_series(batch, CONFIG, fill="interpolate")
    problems = {r["unique_id"]: (r["problem"], r["fallback"]) for r in result.problems.to_dicts()}
    assert problems["short"][1] == "naive with its own intervals"
    assert "too short" in problems["short"][0]
    assert problems["zeros"] == ("all zeros", "naive (forecast 0)")
    assert problems["gaps"] == ("2 missing period(s) (gaps)", "filled by linear interpolation")
    assert problems["negative"] == ("1 negative value(s)", "set to 0")
    assert "good" not in problems
    per_series = result.forecasts.group_by("unique_id").len()
    assert dict(per_series.iter_rows()) == {
        u: 4 for u in ("good", "short", "zeros", "gaps", "negative")
    }
    zeros = result.forecasts.filter(pl.col("unique_id") == "zeros")
    assert zeros["forecast"].to_list() == [0.0] * 4
    assert result.selection.filter(pl.col("unique_id") == "short")["reason"][0].startswith(
        "fallback: too short"
    )


def test_harmonisation_joins_burglary_and_sets_fraud_aside() -> None:
    raw = read_rolling_year(ROLLING)
    assert raw.filter(pl.col("period_end") == date(2017, 12, 31)).height > 0  # "30-12-2017"
    harmonised, notes = harmonise(raw)
    groups = set(harmonised["offence_group"])
    assert "Burglary" in groups
    assert not groups & {
        "Domestic burglary",
        "Residential burglary",
        "Fraud offences",
        "Non-domestic burglary",
        "Non-residential burglary",
    }
    merged = notes.filter(pl.col("action") == "merged")
    assert merged.height == 13
    assert notes.filter(pl.col("action") == "discontinued").height == 13
    northants = harmonised.filter(
        (pl.col("force") == "Northamptonshire") & (pl.col("offence_group") == "Burglary")
    ).sort("period_end")
    y = northants["offences"].to_numpy()
    # Joined, the series has no drop to zero across the changeover (largest quarterly fall
    # under 15%), where domestic burglary alone fell from 2,955 to 0.
    assert np.min(y[1:] / y[:-1]) > 0.85
    assert harmonised["period_end"].min() == date(2007, 3, 31)
    assert as_series(harmonised)["unique_id"].n_unique() == 13 * 18


def test_rolling_year_reader_names_the_bad_line(tmp_path: Path) -> None:
    header = "12 months ending,PFA,Region,Offence,Rolling year total number of offences\n"
    good = "31-03-2010,Northamptonshire,East Midlands,Robbery,600\n"
    path = tmp_path / "bad.csv"
    path.write_text(header + good + "30-06-2010,Northamptonshire,East Midlands,Robbery,lots\n")
    with pytest.raises(UnreadableFileError, match=r"line 3.*whole number"):
        read_rolling_year(path)
    path.write_text(header + good + "2010-06-30,Northamptonshire,East Midlands,Robbery,5\n")
    with pytest.raises(UnreadableFileError, match=r"line 3.*DD-MM-YYYY"):
        read_rolling_year(path)
    path.write_text(header + good + good)
    with pytest.raises(UnreadableFileError, match=r"line 3.*appears twice"):
        read_rolling_year(path)
    path.write_text("12 months ending,PFA,Offence\n31-03-2010,X,Robbery\n")
    with pytest.raises(MissingColumnsError, match="Rolling year total"):
        read_rolling_year(path)


def test_breaks_found_where_the_trend_turns() -> None:
    rng = np.random.default_rng(2)
    t = np.arange(48)
    y = np.where(t < 28, 1000 - 10 * t, 720 + 25 * (t - 28)) + rng.normal(0, 3, 48)
    found = detect_breaks(y, QUARTERS[:48])
    assert [b.kind for b in found][:1] and any(abs(b.index - 28) <= 2 for b in found)
    assert detect_breaks(500 + 2.0 * t + rng.normal(0, 3, 48), QUARTERS[:48]) == []


def test_breaks_in_raw_domestic_burglary_at_the_reclassification() -> None:
    raw = (
        read_rolling_year(ROLLING)
        .filter(
            (pl.col("offence_group") == "Domestic burglary")
            & (pl.col("force") == "Northamptonshire")
            & (pl.col("period_end") >= date(2007, 3, 31))
        )
        .sort("period_end")
    )
    found = detect_breaks(raw["offences"].to_numpy(), raw["period_end"].to_list())
    assert any(date(2016, 9, 30) <= b.ds <= date(2017, 9, 30) for b in found)


SCENARIO = """version: "1"
description: test
adjustments:
  - name: population growth
    kind: population_growth
    series: ["a*"]
    from: 2011-01-01
    multiplier: 1.1
    description: ONS projection for the county
"""


def test_scenario_multiplies_named_series_from_its_date(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(SCENARIO)
    scenario = load_scenario(path)
    forecasts = pl.DataFrame(
        {
            "unique_id": ["a1", "a1", "b1"],
            "ds": [date(2010, 12, 31), date(2011, 3, 31), date(2011, 3, 31)],
            "forecast": [100.0, 100.0, 100.0],
            "lo_80": [90.0] * 3,
            "hi_80": [110.0] * 3,
        }
    )
    out = apply_scenario(forecasts, scenario)
    assert out["forecast"].to_list() == pytest.approx([100.0, 110.0, 100.0])
    assert out["hi_80"].to_list() == pytest.approx([110.0, 121.0, 110.0])
    assert out["adjustments"].to_list() == ["", "population growth x1.1", ""]
    assert out["baseline_forecast"].to_list() == [100.0] * 3


@pytest.mark.parametrize(
    ("text", "field", "line"),
    [
        (SCENARIO.replace("multiplier: 1.1", "multiplier: -2"), "adjustments.0.multiplier", 8),
        (SCENARIO.replace("kind: population_growth", "kind: weather"), "adjustments.0.kind", 5),
        (SCENARIO.replace("    from: 2011-01-01\n", ""), "adjustments.0.from", 4),
        (SCENARIO + "    colour: red\n", "adjustments.0.colour", 10),
    ],
)
def test_malformed_scenario_names_file_line_and_field(
    tmp_path: Path, text: str, field: str, line: int
) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    with pytest.raises(PolicyError) as caught:
        load_scenario(path)
    assert caught.value.field == field
    assert caught.value.line == line
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    ("text", "field", "line"),
    [
        ("code,weight\n8N,1\n", "offence_code", 1),
        ("offence_code,weight\n8N,1\n8N,2\n", "offence_code", 3),
        ("offence_code,weight\n8N,heavy\n", "weight", 2),
        ("offence_code,weight\n8N,-1\n", "weight", 2),
        ("offence_code,weight\n,3\n", "offence_code", 2),
        ("offence_code,weight\n8N,1,extra\n", "(row)", 2),
    ],
)
def test_malformed_weights_name_file_line_and_field(
    tmp_path: Path, text: str, field: str, line: int
) -> None:
    path = tmp_path / "weights.csv"
    path.write_text(text)
    with pytest.raises(MappingError) as caught:
        load_harm_weights(path)
    assert (caught.value.field, caught.value.line) == (field, line)
    assert str(path) in str(caught.value)
