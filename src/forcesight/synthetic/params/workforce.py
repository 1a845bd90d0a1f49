# ruff: noqa: RUF009  (sourced() returns a dataclasses.field, like field() itself)
"""Parameters of the demo workforce: geography, teams, people, skills, availability."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from forcesight.synthetic.params.sourcing import LogNormal, sourced, sourced_table


@dataclass(frozen=True)
class GeographyParams:
    force_name: str = sourced(
        "Northamptonshire", "data: home_office/workforce/LAD_CSP_PFA_Dec2016_lookup.csv PFA16NM"
    )
    comparator_force: str = sourced(
        "Avon and Somerset",
        "FACTS: Avon and Somerset call volumes (Qlik case study) scale ours by population",
    )
    urban_density: float = sourced(
        10.0,
        "assumption: an LSOA with at least this many residents per hectare (Census 2011) is "
        "urban for the 15/20-minute grade 1 target",
        "persons/ha",
    )
    area_short_codes: Mapping[str, str] = sourced_table(
        lambda: {
            "E07000150": "CO",
            "E07000151": "DA",
            "E07000152": "EN",
            "E07000153": "KE",
            "E07000154": "NO",
            "E07000155": "SN",
            "E07000156": "WE",
        },
        "assumption: two-letter call-sign prefixes for the local authorities",
    )


@dataclass(frozen=True)
class TeamSpec:
    key: str
    name: str  # "{area}" and "{shift}" are filled in
    function: str
    per_area: bool
    shifts: tuple[str, ...] = ("",)
    officers: float = 0.0  # share of the function's officers
    staff: float = 0.0  # share of the function's staff
    pcsos: float = 0.0
    specials: float = 0.0
    investigates: bool = False


def _teams() -> tuple[TeamSpec, ...]:
    shifts = ("A", "B", "C", "D", "E")
    return (
        TeamSpec("response", "Response {area} {shift}", "response", True, shifts, 1, 1, 0, 1),
        TeamSpec(
            "neighbourhood",
            "Neighbourhood {area}",
            "neighbourhood",
            True,
            ("",),
            1,
            1,
            1,
            1,
            investigates=True,
        ),
        TeamSpec("cid", "CID {area}", "investigation", True, ("",), 0.68, 0.35, investigates=True),
        TeamSpec(
            "major_crime",
            "Major Crime Team",
            "investigation",
            False,
            ("",),
            0.13,
            0.17,
            investigates=True,
        ),
        TeamSpec(
            "economic_crime",
            "Economic Crime Unit",
            "investigation",
            False,
            ("",),
            0.07,
            0.18,
            investigates=True,
        ),
        TeamSpec(
            "cmu",
            "Crime Management Unit",
            "crime_management",
            False,
            ("",),
            1,
            1,
            investigates=True,
        ),
        TeamSpec(
            "sciu",
            "Serious Collision Investigation Unit",
            "investigation",
            False,
            ("",),
            0.05,
            0.04,
            investigates=True,
        ),
        TeamSpec(
            "digital_forensics",
            "Digital Forensics Unit",
            "investigation",
            False,
            ("",),
            0.07,
            0.26,
            investigates=False,
        ),
        TeamSpec(
            "rasso",
            "Rape and Serious Sexual Offences",
            "public_protection",
            False,
            ("",),
            0.25,
            0.15,
            investigates=True,
        ),
        TeamSpec(
            "caiu",
            "Child Abuse Investigation Unit",
            "public_protection",
            False,
            ("",),
            0.2,
            0.15,
            investigates=True,
        ),
        TeamSpec(
            "daiu",
            "Domestic Abuse Investigation Unit",
            "public_protection",
            False,
            ("",),
            0.25,
            0.2,
            investigates=True,
        ),
        TeamSpec(
            "exploitation",
            "Missing, Exploited and Trafficked",
            "public_protection",
            False,
            ("",),
            0.15,
            0.15,
            investigates=True,
        ),
        TeamSpec(
            "mash", "Multi-Agency Safeguarding Hub", "public_protection", False, ("",), 0.15, 0.35
        ),
        TeamSpec("control", "Force Control Room {shift}", "contact", False, shifts, 1, 1),
        TeamSpec(
            "roads",
            "Roads Policing {shift}",
            "roads_policing",
            False,
            ("1", "2", "3"),
            1,
            1,
            specials=1,
        ),
        TeamSpec("arv", "Armed Response {shift}", "firearms", False, shifts, 1, 1),
        TeamSpec("dogs", "Dog Section", "dogs", False, ("",), 1, 1),
        TeamSpec("custody_north", "Custody Weekley Wood", "custody", False, ("",), 0.4, 0.4),
        TeamSpec(
            "custody_south", "Custody Criminal Justice Centre", "custody", False, ("",), 0.6, 0.6
        ),
        TeamSpec("fib", "Force Intelligence Bureau", "intelligence", False, ("",), 1, 1),
        TeamSpec("training", "Learning and Development", "training", False, ("",), 1, 1),
        TeamSpec("hr", "People Services", "support", False, ("",), 0.2, 0.25),
        TeamSpec("finance", "Finance and Procurement", "support", False, ("",), 0.05, 0.15),
        TeamSpec("ict", "Digital and ICT", "support", False, ("",), 0.05, 0.2),
        TeamSpec("estates", "Estates and Fleet", "support", False, ("",), 0.05, 0.15),
        TeamSpec("psd", "Professional Standards", "support", False, ("",), 0.45, 0.1),
        TeamSpec("corporate", "Corporate Services", "support", False, ("",), 0.2, 0.15),
        TeamSpec("command", "Chief Officer Group", "command", False, ("",), 1, 1),
    )


@dataclass(frozen=True)
class WorkforceParams:
    officer_fte: float = sourced(1254.68, "FACTS: Home Office workforce 30 Sep 2019", "FTE")
    officer_headcount: int = sourced(1297, "data: police-workforce-sep19 Table 7", "people")
    staff_fte: float = sourced(789.0, "FACTS: Home Office workforce 30 Sep 2019", "FTE")
    staff_headcount: int = sourced(883, "data: police-workforce-sep19 Table 8", "people")
    pcso_fte: float = sourced(97.85, "FACTS: Home Office workforce 30 Sep 2019", "FTE")
    pcso_headcount: int = sourced(101, "data: police-workforce-sep19 Table 11", "people")
    specials_headcount: int = sourced(270, "FACTS: Home Office workforce 30 Sep 2019", "people")
    officer_hours_full_time: float = sourced(
        40.0, "assumption: Police Regulations normal week", "h/week"
    )
    staff_hours_full_time: float = sourced(37.0, "assumption: police staff week", "h/week")
    specials_hours: float = sourced(4.0, "assumption: 16 h a month volunteered", "h/week")
    part_time_fte: tuple[float, ...] = sourced(
        (0.5, 0.6, 0.6, 0.73, 0.8, 0.8), "assumption: FTE of a part-timer (equally likely)"
    )
    officer_function_shares: Mapping[str, float] = sourced_table(
        lambda: {
            "response": 0.30,
            "neighbourhood": 0.11,
            "investigation": 0.129,
            "crime_management": 0.021,
            "public_protection": 0.12,
            "contact": 0.03,
            "roads_policing": 0.04,
            "firearms": 0.05,
            "dogs": 0.015,
            "custody": 0.04,
            "intelligence": 0.05,
            "training": 0.03,
            "support": 0.06,
            "command": 0.005,
        },
        "assumption: shares of officer headcount by function (HMICFRS functional categories; "
        "crime_management is the desk investigation of the Crime Management Unit)",
    )
    staff_function_shares: Mapping[str, float] = sourced_table(
        lambda: {
            "contact": 0.30,
            "investigation": 0.044,
            "crime_management": 0.036,
            "public_protection": 0.05,
            "custody": 0.07,
            "intelligence": 0.08,
            "support": 0.35,
            "training": 0.04,
            "neighbourhood": 0.03,
        },
        "assumption: shares of police staff headcount by function",
    )
    specials_function_shares: Mapping[str, float] = sourced_table(
        lambda: {"response": 0.75, "neighbourhood": 0.2, "roads_policing": 0.05},
        "assumption: where special constables are deployed",
    )
    teams: tuple[TeamSpec, ...] = sourced_table(
        _teams, "assumption: team structure of a county force, local teams per local authority"
    )
    senior_posts: Mapping[str, Mapping[str, int]] = sourced_table(
        lambda: {
            "chief constable": {"command": 1},
            "deputy chief constable": {"command": 1},
            "assistant chief constable": {"command": 2},
            "chief superintendent": {"command": 1, "investigation": 1, "response": 1},
            "superintendent": {
                "response": 1,
                "neighbourhood": 1,
                "investigation": 1,
                "public_protection": 1,
                "contact": 1,
                "custody": 1,
                "intelligence": 1,
                "support": 1,
            },
            "chief inspector": {
                "response": 3,
                "neighbourhood": 2,
                "investigation": 3,
                "public_protection": 3,
                "contact": 1,
                "roads_policing": 1,
                "firearms": 1,
                "custody": 1,
                "intelligence": 1,
                "training": 1,
            },
        },
        "assumption: senior posts of a force of ~1,300 officers",
        "posts",
    )
    sergeant_ratio: float = sourced(
        0.14, "assumption: sergeants per officer in a team (about 1 to 6 constables)"
    )
    inspector_ratio: float = sourced(0.05, "assumption: inspectors per officer in a team")
    staff_grades: tuple[str, ...] = sourced(
        ("scale 3", "scale 4", "scale 5", "scale 6", "SO1", "SO2", "PO1", "PO2", "PO3"),
        "assumption: police staff pay grades, lowest first",
    )
    staff_grade_weights: tuple[float, ...] = sourced(
        (0.12, 0.22, 0.2, 0.16, 0.12, 0.08, 0.05, 0.03, 0.02),
        "assumption: share of staff in each grade",
    )
    service_years: LogNormal = sourced(
        (11.0, 0.7), "assumption: length of service of serving officers and staff", "years"
    )
    students_last_12_months: int = sourced(
        149, "FACTS: HMICFRS PEEL 2018, 149 officers recruited in 12 months", "people"
    )
    intakes_per_year: int = sourced(6, "assumption: recruit intakes a year")
    classroom_weeks: int = sourced(16, "assumption: initial classroom training", "weeks")
    tutored_weeks: int = sourced(8, "FACTS: about 8 weeks tutored (South Yorkshire, BTP)", "weeks")
    leaver_rate_officers: float = sourced(0.06, "assumption: officers leaving a year", "1/year")
    leaver_rate_staff: float = sourced(0.09, "assumption: staff leaving a year", "1/year")
    pip2_share: Mapping[str, float] = sourced_table(
        lambda: {
            "cid": 0.85,
            "major_crime": 0.95,
            "economic_crime": 0.8,
            "rasso": 0.9,
            "caiu": 0.9,
            "daiu": 0.85,
            "exploitation": 0.85,
            "mash": 0.5,
            "cmu": 0.2,
            "sciu": 0.9,
            "fib": 0.1,
            "psd": 0.5,
            "digital_forensics": 0.5,
        },
        "assumption: share of the team's constables and sergeants accredited PIP2 (detectives)",
    )
    pip3_posts: Mapping[str, int] = sourced_table(
        lambda: {"major_crime": 4, "rasso": 1, "caiu": 1, "cid": 1},
        "assumption: a handful of senior investigating officers (PIP3)",
        "people",
    )
    pip4_posts: int = sourced(2, "assumption: one or two PIP4 strategic leads", "people")
    civilian_investigator_pip1: float = sourced(
        0.6, "assumption: share of staff in investigating teams who are PIP1 investigators"
    )


@dataclass(frozen=True)
class SkillSpec:
    name: str
    kind: str  # skill | accreditation
    valid_years: float | None
    description: str


def _skills() -> tuple[SkillSpec, ...]:
    # the investigative skills are named as in policy/rules/allocation_offences.yaml, which
    # the allocation engine matches them against
    return (
        SkillSpec("PIP2", "accreditation", None, "PIP level 2 investigator (detective)"),
        SkillSpec("PIP3", "accreditation", None, "PIP level 3 senior investigating officer"),
        SkillSpec("PIP4", "accreditation", None, "PIP level 4 strategic lead"),
        SkillSpec("officer_safety", "accreditation", 1, "personal safety training"),
        SkillSpec("first_aid", "accreditation", 3, "first aid at work"),
        SkillSpec("taser", "accreditation", 1, "conducted energy device"),
        SkillSpec("firearms_afo", "accreditation", 1, "authorised firearms officer"),
        SkillSpec("dog_handler", "accreditation", 1, "licensed general-purpose dog handler"),
        SkillSpec("advanced_driver", "accreditation", 3, "advanced (response) driver"),
        SkillSpec("tpac", "accreditation", 1, "tactical pursuit and containment"),
        SkillSpec("public_order_psu", "accreditation", 1, "public order level 2 (PSU)"),
        SkillSpec("tutor_constable", "skill", 3, "tutor constable"),
        SkillSpec("abe_interviewing", "accreditation", 3, "Achieving Best Evidence interviewer"),
        SkillSpec("child_abuse_investigation", "accreditation", None, "SCAIDP"),
        SkillSpec("sexual_offences_investigation", "accreditation", None, "SOIT / ISVA-trained"),
        SkillSpec("domestic_abuse_investigation", "skill", 3, "DA investigation (DASH, MARAC)"),
        SkillSpec("modern_slavery_investigation", "skill", 3, "modern slavery and trafficking"),
        SkillSpec("hate_crime_investigation", "skill", 3, "hate crime investigation"),
        SkillSpec("fraud_investigation", "skill", 3, "economic crime and fraud investigation"),
        SkillSpec(
            "serious_collision_investigation", "accreditation", None, "serious and fatal collisions"
        ),
        SkillSpec("digital_media_investigator", "accreditation", 3, "DMI"),
        SkillSpec("family_liaison", "skill", 3, "family liaison officer"),
        SkillSpec("financial_investigator", "accreditation", 2, "accredited financial inv. (POCA)"),
    )


@dataclass(frozen=True)
class SkillParams:
    catalogue: tuple[SkillSpec, ...] = sourced_table(
        _skills, "assumption: skills and accreditations a county force tracks; validity periods"
    )
    all_officers: Mapping[str, float] = sourced_table(
        lambda: {"officer_safety": 1.0, "first_aid": 1.0},
        "assumption: every officer, PCSO and special keeps these",
    )
    by_team: Mapping[str, Mapping[str, float]] = sourced_table(
        lambda: {
            "response": {
                "taser": 0.35,
                "advanced_driver": 0.3,
                "tpac": 0.05,
                "public_order_psu": 0.3,
                "tutor_constable": 0.14,
                "abe_interviewing": 0.05,
            },
            "neighbourhood": {
                "taser": 0.1,
                "public_order_psu": 0.2,
                "tutor_constable": 0.05,
                "domestic_abuse_investigation": 0.05,
                "hate_crime_investigation": 0.15,
            },
            "cid": {
                "abe_interviewing": 0.5,
                "family_liaison": 0.1,
                "domestic_abuse_investigation": 0.2,
                "hate_crime_investigation": 0.3,
                "modern_slavery_investigation": 0.05,
                "fraud_investigation": 0.05,
                "digital_media_investigator": 0.05,
            },
            "cmu": {"hate_crime_investigation": 0.1, "fraud_investigation": 0.1},
            "major_crime": {
                "abe_interviewing": 0.7,
                "family_liaison": 0.4,
                "hate_crime_investigation": 0.2,
            },
            "economic_crime": {"fraud_investigation": 0.85, "financial_investigator": 0.6},
            "sciu": {
                "serious_collision_investigation": 0.9,
                "family_liaison": 0.5,
                "advanced_driver": 0.6,
            },
            "digital_forensics": {"digital_media_investigator": 0.7},
            "rasso": {"sexual_offences_investigation": 0.9, "abe_interviewing": 0.9},
            "caiu": {
                "child_abuse_investigation": 0.9,
                "abe_interviewing": 0.95,
                "sexual_offences_investigation": 0.3,
            },
            "daiu": {
                "domestic_abuse_investigation": 0.9,
                "abe_interviewing": 0.6,
                "hate_crime_investigation": 0.1,
            },
            "exploitation": {
                "modern_slavery_investigation": 0.8,
                "child_abuse_investigation": 0.4,
                "sexual_offences_investigation": 0.2,
                "abe_interviewing": 0.6,
            },
            "mash": {"child_abuse_investigation": 0.5, "domestic_abuse_investigation": 0.5},
            "roads": {"advanced_driver": 0.95, "tpac": 0.8, "public_order_psu": 0.1},
            "arv": {
                "firearms_afo": 0.95,
                "advanced_driver": 0.9,
                "tpac": 0.6,
                "taser": 0.95,
                "public_order_psu": 0.2,
            },
            "dogs": {
                "dog_handler": 0.9,
                "advanced_driver": 0.9,
                "tpac": 0.3,
                "public_order_psu": 0.3,
            },
        },
        "assumption: share of each team's officers holding a skill (investigative skills named "
        "as in policy/rules/allocation_offences.yaml)",
    )
    lapse_share: float = sourced(
        0.12,
        "assumption: the latest award of an expiring skill is spread over 1.12 validity periods "
        "before as_of, so about this share has lapsed unrenewed",
    )


@dataclass(frozen=True)
class AvailabilityParams:
    short_sickness_per_year: float = sourced(
        1.1, "assumption: short sickness spells per person a year", "1/year"
    )
    short_sickness_days: LogNormal = sourced((2.5, 1.0), "assumption", "days")
    long_sickness_per_year: float = sourced(
        0.06, "assumption: long-term sickness spells per person a year", "1/year"
    )
    long_sickness_days: LogNormal = sourced((45.0, 0.8), "assumption", "days")
    restricted_share: float = sourced(
        0.035, "assumption: officers on restricted duty on a given day", "share"
    )
    recuperative_share: float = sourced(
        0.02, "assumption: officers on recuperative duty on a given day", "share"
    )
    restricted_days: LogNormal = sourced((120.0, 0.7), "assumption", "days")
    open_ended_restriction: float = sourced(
        0.25, "assumption: restrictions with no end date recorded", "share"
    )
    restriction_notes: tuple[str, ...] = sourced(
        (
            "no front-line duties",
            "no driving",
            "no night shifts",
            "office based",
            "no public order",
        ),
        "assumption: recorded restriction types",
    )
    leave_spells_per_year: float = sourced(4.0, "assumption: annual-leave spells", "1/year")
    leave_days: LogNormal = sourced((5.0, 0.5), "assumption", "days")
    training_spells_per_year: float = sourced(1.5, "assumption: training courses", "1/year")
    training_days: LogNormal = sourced((2.0, 0.6), "assumption", "days")
    parental_share: float = sourced(0.012, "assumption: on parental leave on a day", "share")
    parental_days: LogNormal = sourced((180.0, 0.3), "assumption", "days")
    horizon_after_days: int = sourced(
        90, "assumption: leave and training are booked up to this far after as_of", "days"
    )
