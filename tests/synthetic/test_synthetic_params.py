"""Every demo parameter is documented with its source, and the tables in it are consistent."""

from __future__ import annotations

from dataclasses import fields

import pytest

from forcesight.synthetic.params import DEFAULT_PARAMS, parameter_table

PREFIXES = ("FACTS:", "data:", "assumption")


def test_every_parameter_has_a_source() -> None:
    table = parameter_table()
    assert table.height > 100
    missing = table.filter(~table["source"].str.starts_with("FACTS:")
                           & ~table["source"].str.starts_with("data:")
                           & ~table["source"].str.starts_with("assumption"))  # fmt: skip
    assert missing.height == 0, missing.select("group", "name", "source").to_dicts()


def test_every_group_field_is_listed() -> None:
    table = parameter_table()
    for group in fields(DEFAULT_PARAMS):
        value = getattr(DEFAULT_PARAMS, group.name)
        if hasattr(value, "__dataclass_fields__"):
            listed = set(table.filter(table["group"] == group.name)["name"])
            assert listed == {f.name for f in fields(value)}


def test_shares_add_up() -> None:
    p = DEFAULT_PARAMS
    assert sum(c.share for c in p.incidents.categories) == pytest.approx(1.0)
    for c in p.incidents.categories:
        assert sum(c.grades) == pytest.approx(1.0), c.name
    for shares in (p.workforce.officer_function_shares, p.workforce.staff_function_shares,
                   p.workforce.specials_function_shares, p.clocks.missing_risk):  # fmt: skip
        assert sum(shares.values()) == pytest.approx(1.0)
    for routes in (p.crimes.routes_serious, p.crimes.routes_low_solvability,
                   p.crimes.routes_other):  # fmt: skip
        assert sum(routes) == pytest.approx(1.0)
    # within each function, the teams' shares of officers and staff add up to one
    for function in p.workforce.officer_function_shares:
        specs = [s for s in p.workforce.teams if s.function == function]
        assert sum(s.officers for s in specs) == pytest.approx(1.0), function
    for function in p.workforce.staff_function_shares:
        specs = [s for s in p.workforce.teams if s.function == function]
        assert sum(s.staff for s in specs) == pytest.approx(1.0), function


def test_crime_time_on_scene_matches_the_detroit_figures() -> None:
    """Lognormal with median 30 min and mean 51 min (FACTS: Langton et al. 2022)."""
    import math

    crime = next(c for c in DEFAULT_PARAMS.incidents.categories if c.name == "crime")
    median, sigma = crime.on_scene
    assert median == 30
    assert median * math.exp(sigma**2 / 2) == pytest.approx(51, abs=0.5)


def test_docs_list_every_parameter() -> None:
    """docs/synthetic.md carries the generated parameter table; regenerate it if this fails:
    python -c "from forcesight.synthetic.params import parameter_markdown as m; print(m())" """
    from pathlib import Path

    from forcesight.synthetic.params import parameter_markdown

    docs = Path(__file__).resolve().parents[2] / "docs" / "synthetic.md"
    text = docs.read_text(encoding="utf-8")
    block = text.split("<!-- parameters:start -->\n")[1].split("\n<!-- parameters:end -->")[0]
    assert block == parameter_markdown()
