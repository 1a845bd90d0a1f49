"""A small response scenario whose demand peaks at night, and two rosters of six response
officers: the current one all on days, the proposed one half on nights."""

from __future__ import annotations

from datetime import date

from forcesight.rostering.design import Design, FunctionDesign
from forcesight.rostering.shifts import Shift

DAY = Shift.parse("07:00-17:00")
NIGHT = Shift.parse("21:00-07:00")
# Three times the arrival rate from 21:00 to 07:00 as in the rest of the day.
NIGHT_SHAPE = [3.0 if (h % 24 >= 21 or h % 24 < 7) else 1.0 for h in range(168)]
SCENARIO = f"""\
name: Night-heavy town
start: 2026-01-05T00:00:00
horizon_days: 7
drain_hours: 12
seed: 3
replications: 4
areas: [{{name: town, kind: urban}}, {{name: village, kind: rural}}]
travel: {{same_area_median_min: 6, other_area_median_min: 12, sigma: 0.3}}
demand:
  weekly_shape: {NIGHT_SHAPE}
  area_shares: {{town: 1.0, village: 0.0}}
  grades:
    - {{grade: "1", incidents_per_day: 14, on_scene: {{median_min: 40, sigma: 0.5}},
       vulnerable_share: 0.3}}
    - {{grade: "2", incidents_per_day: 8, on_scene: {{median_min: 30, sigma: 0.5}}}}
roster:
  constant: [{{area: town, units: 1}}]
"""


def response_design(
    name: str, shifts: tuple[Shift, ...], area: str = "town", skills: tuple[str, ...] = ()
) -> Design:
    """One line per shift, three officers each, working that shift every day of the week."""
    return Design(
        name=name,
        start_date=date(2026, 3, 2),
        published_on=date(2026, 1, 20),
        functions=(
            FunctionDesign(
                function="response", area=area, skills=skills, cycle_weeks=1,
                team_sizes=(3,) * len(shifts), spare_officers=0, shifts=shifts,
                pattern=tuple((k,) * 7 for k in range(len(shifts))),
                required=(3,) * 168,
            ),
        ),
    )  # fmt: skip


CURRENT = response_design("current", (DAY, DAY))
PROPOSED = response_design("proposed", (DAY, NIGHT))
