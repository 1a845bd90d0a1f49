"""The rostering pages and API on a seeded store (both backends): the stored list, the officer x
day grid, cover against demand as SVG, rule breaches, and unknown names."""

from __future__ import annotations

import pytest
from rostering_web_support import Site


def test_the_list_names_every_stored_pattern_and_roster(site: Site) -> None:
    site.as_role("supervisor")
    page = site.client.get("/rosters")
    assert page.status_code == 200
    assert 'href="/rosters/days"' in page.text and 'href="/rosters/grind"' in page.text
    api = site.client.get("/api/v1/rosters").json()
    assert {r["name"]: (r["pattern"], r["roster"], r["spec"]) for r in api["stored"]} == {
        "days": (True, True, False),
        "grind": (True, True, False),
    }


def test_a_roster_page_shows_grid_cover_chart_and_no_breach(site: Site) -> None:
    site.as_role("analyst")
    page = site.client.get("/rosters/days")
    assert page.status_code == 200
    text = page.text
    assert "<svg" in text and "Cover against demand: days" in text
    assert "No rule is breached." in text
    # 3 officers x 14 days: 8 shift days each (Mon-Thu twice), the rest blank
    assert text.count('<td class="nowrap">07:00-17:00</td>') == 3 * 8
    assert text.count('<td class="nowrap">RD</td>') == 3 * 6
    # Fri-Sun 08:00-18:00 (2 short) and Mon-Thu 17:00-18:00 (2 short) are below cover
    assert "34 function-hours a week below required cover (68.0 officer-hours)" in text
    assert "Sat 08:00" in text


def test_breaches_are_listed_on_the_page_and_in_the_api(site: Site) -> None:
    site.as_role("planner")
    page = site.client.get("/rosters/grind")
    assert page.status_code == 200 and "breaches of the rostering rules" in page.text
    body = site.client.get("/api/v1/rosters/grind").json()
    breaches = body["roster"]["breaches"]
    assert breaches and {b["officer"] for b in breaches} == {
        r["officer"] for r in body["roster"]["grid"]
    }
    assert len(body["roster"]["grid"]) == 2 and body["roster"]["days"] == 14
    assert len(body["pattern"]["cover"]) == 168
    days = site.client.get("/api/v1/rosters/days").json()
    assert days["roster"]["breaches"] == []
    assert days["pattern"]["functions"][0]["shortfall_officer_hours"] == pytest.approx(
        3 * 10 * 2 + 4 * 1 * 2
    )


def test_unknown_names_and_refused_roles(site: Site) -> None:
    site.as_role("planner")
    missing = site.client.get("/api/v1/rosters/nights")
    assert missing.status_code == 404
    assert "No stored pattern or roster named 'nights'" in missing.json()["detail"]
    assert site.client.get("/rosters/nights").status_code == 404
    site.as_role("investigator")
    assert site.client.get("/rosters").status_code == 403
    assert site.client.get("/api/v1/rosters/days").status_code == 403
