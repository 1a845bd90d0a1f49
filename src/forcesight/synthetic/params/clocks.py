# ruff: noqa: RUF009  (sourced() returns a dataclasses.field, like field() itself)
"""Parameters of the demo force's statutory and policy clocks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from forcesight.synthetic.params.sourcing import LogNormal, sourced, sourced_table


def _bail_rules() -> dict[str, tuple[tuple[int, str, str], ...]]:
    # each limit (amount, unit) from the start, and who may extend bail beyond it
    return {
        "2017": (
            (28, "days", "superintendent"),
            (3, "months", "court"),
            (6, "months", "court"),
            (9, "months", "court"),
        ),
        "2022": (
            (3, "months", "inspector"),
            (6, "months", "superintendent"),
            (9, "months", "court"),
            (12, "months", "court"),
        ),
    }


@dataclass(frozen=True)
class ClockParams:
    bail_share: float = sourced(
        0.05, "assumption: named-suspect crimes whose suspect is bailed pre-charge"
    )
    rui_share: float = sourced(
        0.10, "assumption: named-suspect crimes whose suspect is released under investigation"
    )
    bail_rules: Mapping[str, tuple[tuple[int, str, str], ...]] = sourced_table(
        _bail_rules,
        "FACTS: Policing and Crime Act 2017 (28 days; superintendent to 3 months; then court) "
        "and Police, Crime, Sentencing and Courts Act 2022 (3 months; inspector to 6; "
        "superintendent to 9; then court), the 2022 rules from 28 Oct 2022; court steps of "
        "3 months (as policy/rules/clocks.yaml)",
    )
    bail_2022_from: str = sourced("2022-10-28", "FACTS: PCSC Act 2022 commencement", "date")
    agency_share: float = sourced(
        0.005, "assumption: bail records of another agency (HMRC, NCA, SFO, FCA)"
    )
    bail_days: LogNormal = sourced((40.0, 0.8), "assumption: bail to charge or NFA", "days")
    rui_days: LogNormal = sourced((90.0, 0.9), "assumption: RUI to outcome", "days")
    rui_review_days: int = sourced(30, "FACTS: force choice, e.g. every 30 days", "days")
    lapsed_bail: float = sourced(
        0.06,
        "assumption: bail not extended before its limit, the suspect then recorded as released "
        "under investigation days later",
    )
    late_review: float = sourced(0.15, "assumption: reviews done after they were due")
    neglected_reviews: Mapping[str, float] = sourced_table(
        lambda: {"rui": 0.15, "wanted": 0.1, "investigation": 0.04},
        "assumption: records whose reviews stop at some point before they end (HMICFRS 2019, "
        "'Pre-charge bail and released under investigation': RUI cases drifting unreviewed)",
    )
    lapse_noticed_days: LogNormal = sourced(
        (6.0, 1.0), "assumption: lapsed bail to the suspect recorded as RUI", "days"
    )
    victim_needs_days: int = sourced(
        5, "FACTS: victims' code, written information within 5 working days", "working days"
    )
    victim_enhanced_days: int = sourced(
        1, "FACTS: victims' code, enhanced victims told within 1 working day", "working days"
    )
    victim_standard_days: int = sourced(
        5, "FACTS: victims' code, others told within 5 working days", "working days"
    )
    victim_update_days: int = sourced(
        30, "FACTS: victims' code, updates at least monthly while there is no suspect", "days"
    )
    victim_late: float = sourced(0.12, "assumption: victims' code duties met late")
    vps_offered: float = sourced(0.7, "assumption: Victim Personal Statement offered")
    referral_days: int = sourced(
        2, "FACTS: victims' code, referral to victim support services within 2 days", "days"
    )
    referred: float = sourced(0.9, "assumption: victims referred to support services")
    arrested_charged: float = sourced(
        0.75,
        "assumption: suspects charged or cautioned who were arrested (the rest interviewed "
        "voluntarily)",
    )
    arrested_other: float = sourced(
        0.5, "assumption: named suspects arrested or interviewed in crimes with no charge"
    )
    comparator_missing_per_week: float = sourced(
        150, "FACTS: Avon and Somerset, 150 missing persons a week", "episodes/week"
    )
    missing_child_share: float = sourced(
        0.6, "assumption: episodes that concern a child (under 18)"
    )
    missing_repeat: float = sourced(
        0.45, "assumption: episodes of someone already missing this year (children: +0.1)"
    )
    missing_risk: Mapping[str, float] = sourced_table(
        lambda: {
            "no_apparent_risk": 0.25,
            "low": 0.35,
            "medium": 0.32,
            "high": 0.06,
            "absent": 0.02,
        },
        "FACTS: APP risk levels (as policy/rules/clocks.yaml); 'absent' removed in 2017 but met "
        "in force systems, stored as no apparent risk with a data-quality warning "
        "(assumption: shares)",
    )
    missing_review_hours: Mapping[str, float] = sourced_table(
        lambda: {"high": 2.0, "medium": 6.0, "low": 24.0, "no_apparent_risk": 24.0},
        "FACTS: force choice, e.g. high every 2 h, medium 6 h, low 24 h (no apparent risk as "
        "low: assumption)",
        "h",
    )
    risk_regraded: float = sourced(
        0.12, "assumption: found episodes whose risk a supervisor re-graded at the last review"
    )
    missing_hours: LogNormal = sourced((10.0, 1.2), "assumption: reported to found", "h")
    missing_never_found: float = sourced(0.003, "assumption: still missing at as_of")
    wanted_per_year: int = sourced(1200, "assumption: people circulated wanted a year")
    circulation_hours: LogNormal = sourced(
        (8.0, 1.3), "assumption: wanted to PNC circulation (FACTS: HMIC 2017 found delays)", "h"
    )
    never_circulated: float = sourced(0.05, "assumption: open wanted records not circulated")
    wanted_days: LogNormal = sourced((14.0, 1.5), "assumption: wanted to located", "days")
    wanted_review_days: int = sourced(28, "assumption: force choice review cadence", "days")
    forensic_per_year: int = sourced(1700, "assumption: digital forensic submissions a year")
    forensic_extra_devices: float = sourced(
        1.2, "assumption: mean devices per submission beyond the first", "devices"
    )
    lab_devices_per_week: float = sourced(
        60.0, "assumption: devices the lab examines a week (demand is above it)", "devices"
    )
    lab_backlog_devices: int = sourced(
        900,
        "assumption: queue at the start of the year (FACTS: forces took up to 18 months)",
        "devices",
    )
    forensic_cancelled: float = sourced(0.05, "assumption: submissions withdrawn")
    review_first_days: int = sourced(
        7, "FACTS: force choice, first supervisory review e.g. within 7 days", "days"
    )
    review_repeat_days: int = sourced(28, "FACTS: force choice, then every 28 days", "days")
    backdated: float = sourced(0.03, "assumption: events entered days after they happened")
