# ruff: noqa: RUF009  (sourced() returns a dataclasses.field, like field() itself)
"""Parameters of the demo force's recorded crime, victims, triage and allocation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from forcesight.synthetic.params.sourcing import LogNormal, sourced, sourced_table


def _victim_share() -> dict[str, float]:
    return {
        "Violence against the person": 1.0,
        "Sexual offences": 1.0,
        "Robbery": 0.95,
        "Theft offences": 0.85,
        "Criminal damage and arson": 0.85,
        "Public order offences": 0.6,
        "Drug offences": 0.0,
        "Possession of weapons offences": 0.0,
        "Miscellaneous crimes": 0.2,
    }


def _solvability() -> dict[str, tuple[float, ...]]:
    # victim supports, named suspect, witness, CCTV, police witness, forensics, within 28 days
    return {
        "Violence and sexual offences": (0.65, 0.70, 0.35, 0.12, 0.03, 0.08, 0.93),
        "Robbery": (0.80, 0.20, 0.30, 0.35, 0.02, 0.10, 0.99),
        "Burglary": (0.90, 0.07, 0.12, 0.15, 0.01, 0.15, 0.99),
        "Vehicle crime": (0.90, 0.03, 0.06, 0.08, 0.01, 0.05, 0.99),
        "Shoplifting": (0.90, 0.35, 0.30, 0.65, 0.02, 0.01, 0.99),
        "Other theft": (0.85, 0.12, 0.10, 0.12, 0.01, 0.02, 0.97),
        "Bicycle theft": (0.90, 0.03, 0.05, 0.10, 0.00, 0.01, 0.98),
        "Theft from the person": (0.90, 0.05, 0.15, 0.20, 0.01, 0.01, 0.99),
        "Criminal damage and arson": (0.80, 0.25, 0.20, 0.10, 0.02, 0.04, 0.98),
        "Public order": (0.50, 0.60, 0.40, 0.15, 0.30, 0.01, 0.99),
        "Drugs": (0.00, 0.95, 0.05, 0.05, 0.85, 0.70, 1.00),
        "Possession of weapons": (0.00, 0.95, 0.10, 0.10, 0.70, 0.40, 1.00),
        "Other crime": (0.50, 0.60, 0.20, 0.05, 0.20, 0.10, 0.90),
    }


@dataclass(frozen=True)
class CrimeParams:
    offences_per_year: int = sourced(
        54_640, "FACTS: Northamptonshire recorded crime 2017/18, 54,640 offences", "crimes"
    )
    offence_mix_force: str = sourced(
        "Northamptonshire",
        "data: home_office/recorded_crime_by_offence_code_2017_18.csv (offence mix)",
    )
    from_incident: float = sourced(
        0.55, "assumption: crimes recorded from a call for service (the rest online or desk)"
    )
    victim_share: Mapping[str, float] = sourced_table(
        _victim_share, "assumption: share of crimes with a person as victim, by offence group"
    )
    business_victim_codes: Mapping[str, float] = sourced_table(
        lambda: {"46": 0.0, "34A": 0.3, "30C": 0.3, "30D": 0.3, "31A": 0.3, "41": 0.2},
        "assumption: offences whose victim is mostly a business (no person recorded)",
    )
    child_share: Mapping[str, float] = sourced_table(
        lambda: {
            "Violence against the person": 0.12,
            "Sexual offences": 0.3,
            "Robbery": 0.15,
            "Theft offences": 0.05,
            "Criminal damage and arson": 0.03,
            "Public order offences": 0.08,
        },
        "assumption: share of victims under 18 (offences defined by a child victim: all)",
    )
    child_codes: tuple[str, ...] = sourced(
        ("11A", "13", "17B", "19D", "19E", "19G", "19H", "20B", "21", "22B", "71", "88A"),
        "data: offence descriptions naming a child victim (offence_code_mapping.csv)",
    )
    vulnerable_adult: float = sourced(0.12, "assumption: adult victims recorded vulnerable")
    vulnerabilities: tuple[str, ...] = sourced(
        (
            "mental health",
            "learning disability",
            "physical impairment",
            "older person",
            "intimidated",
        ),
        "assumption: vulnerability categories for adults",
    )
    domestic_share: Mapping[str, float] = sourced_table(
        lambda: {
            "Violence against the person": 0.38,
            "Sexual offences": 0.15,
            "Criminal damage and arson": 0.12,
            "Theft offences": 0.02,
            "Robbery": 0.02,
            "Public order offences": 0.05,
        },
        "assumption: DA-flagged share by offence group (ONS: about one crime in seven is DA)",
    )
    domestic_codes: Mapping[str, float] = sourced_table(
        lambda: {"8Q": 0.45, "8L": 0.45, "3B": 0.35, "8R": 0.3},
        "assumption: DA share for stalking, harassment, threats and malicious communications",
    )
    hate_share: Mapping[str, float] = sourced_table(
        lambda: {
            "Public order offences": 0.06,
            "Violence against the person": 0.015,
            "Criminal damage and arson": 0.01,
        },
        "assumption: hate-flagged share; racially or religiously aggravated codes always",
    )
    cse_child_sexual: float = sourced(
        0.15, "assumption: child sexual offences flagged CSE (code 71 always)"
    )
    modern_slavery_codes: tuple[str, ...] = sourced(
        ("106", "72"), "data: offence codes for modern slavery and trafficking"
    )
    serious_groups: tuple[str, ...] = sourced(
        ("Sexual offences", "Robbery"),
        "FACTS: serious and complex indicators (violence or weapons, sexual offences) - groups",
    )
    serious_codes: tuple[str, ...] = sourced(
        (
            "1",
            "2",
            "3A",
            "4.4",
            "4.8",
            "5D",
            "5E",
            "36",
            "11A",
            "13",
            "10A",
            "10B",
            "92A",
            "106",
            "72",
            "71",
            "8P",
            "29A",
            "31A",
        ),
        "FACTS: serious and complex indicators; assumption: which offence codes they cover",
    )
    major_crime_codes: tuple[str, ...] = sourced(
        ("1", "2", "3A"), "assumption: investigated by the major crime team"
    )
    collision_codes: tuple[str, ...] = sourced(
        ("37.1", "4.4", "4.6", "4.8", "4.9"),
        "assumption: death or serious injury on the roads, investigated by the serious "
        "collision investigation unit",
    )
    economic_codes: tuple[str, ...] = sourced(
        ("61", "61A", "33A", "814", "38", "35", "60"),
        "assumption: investigated by the economic crime unit",
    )
    cid_codes: tuple[str, ...] = sourced(
        (
            "5D",
            "36",
            "10A",
            "10B",
            "92A",
            "8P",
            "28E",
            "28F",
            "28G",
            "28H",
            "29A",
            "30C",
            "30D",
            "31A",
            "34A",
            "34B",
        ),
        "assumption: investigated by local CID when routed to a team",
    )
    repeat_victim: float = sourced(
        0.15, "assumption: crimes against a victim already in the year's records"
    )
    repeat_victim_domestic: float = sourced(0.35, "assumption: the same, domestic abuse")
    repeat_suspect: float = sourced(0.3, "assumption: crimes by an already-known suspect")
    solvability: Mapping[str, tuple[float, ...]] = sourced_table(
        _solvability,
        "assumption: probability of each Kent EBIT factor (FACTS lists the eight) by police.uk "
        "category: victim supports, named suspect, witness, CCTV, police witness, forensics, "
        "reported within 28 days",
    )
    sexual_within_28_days: float = sourced(
        0.6, "assumption: sexual offences often reported late (non-recent)"
    )
    linked_repeat: float = sourced(0.5, "assumption: repeat-victim crimes linked to the last")
    linked_other: float = sourced(0.03, "assumption: other crimes linked to an earlier one")
    recording_delay: LogNormal = sourced(
        (4.0, 1.2), "assumption: reported to recorded (NCRS: promptly)", "h"
    )
    triage_delay: LogNormal = sourced((20.0, 1.0), "assumption: recorded to triaged", "h")
    routes_serious: tuple[float, float, float, float] = sourced(
        (0.0, 0.10, 0.05, 0.85),
        "assumption: route shares screen_out, desk, appointment, team for serious crime "
        "(sexual, robbery, serious violence, DA, CSE, modern slavery, child victim)",
    )
    routes_low_solvability: tuple[float, float, float, float] = sourced(
        (0.50, 0.32, 0.08, 0.10),
        "assumption: route shares for other crime with at most one solvability factor",
    )
    routes_other: tuple[float, float, float, float] = sourced(
        (0.05, 0.30, 0.20, 0.45),
        "assumption: route shares for the rest; overall about 43% at the desk (FACTS: 43% of "
        "crimes triaged or investigated at the desk)",
    )
    allocation_delay: Mapping[str, LogNormal] = sourced_table(
        lambda: {"desk": (3.0, 1.2), "appointment": (4.0, 0.8), "team": (16.0, 1.5)},
        "assumption: triaged to allocated, by route (the team queue is the backlog)",
        "days",
    )
    investigation_days: Mapping[str, LogNormal] = sourced_table(
        lambda: {"desk": (8.0, 0.9), "appointment": (14.0, 0.8), "team": (30.0, 1.0)},
        "assumption: allocated to finalised, by route; sexual offences x3",
        "days",
    )
    handover: float = sourced(
        0.12,
        "assumption: team-route crimes handed to another unit (HMICFRS: victims passed "
        "between units)",
    )
    reallocation: float = sourced(
        0.03, "assumption: re-allocated because the investigator went sick or left"
    )
    outcomes_named_suspect: Mapping[str, float] = sourced_table(
        lambda: {
            "Suspect charged": 0.22,
            "Offender given a caution": 0.06,
            "Local resolution": 0.10,
            "Unable to prosecute suspect": 0.48,
            "Formal action is not in the public interest": 0.04,
            "Investigation complete; no suspect identified": 0.10,
        },
        "assumption: finalised outcome when a suspect is named",
    )
    outcomes_no_suspect: Mapping[str, float] = sourced_table(
        lambda: {
            "Investigation complete; no suspect identified": 0.85,
            "Unable to prosecute suspect": 0.10,
            "Suspect charged": 0.03,
            "Local resolution": 0.02,
        },
        "assumption: finalised outcome when no suspect is named",
    )
