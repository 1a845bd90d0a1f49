"""Hidden demand: repeat victims and locations, and vulnerability demand against peer forces.

Rates per 1,000 population use Census 2011 usual residents summed over each force's LSOAs.
A force recording an under-reported crime type far below its peers (below ``threshold_ratio``
of the peer median, from ``policy/rules/demand_hidden.yaml``) is flagged as possible hidden
demand, with the figures behind the flag.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import polars as pl

from forcesight.demand.policy import HiddenPolicy


def force_key(name: str) -> str:
    """Force names as the Home Office and ONS spell them differently ("London, City of")."""
    text = name.lower().replace("&", "and")
    if "," in text:
        head, tail = (p.strip() for p in text.split(",", 1))
        text = f"{tail} {head}"
    text = re.sub(r"\b(police|constabulary)\b", "", text)
    return re.sub(r"[^a-z]+", " ", text).strip()


def repeats(
    crimes: pl.DataFrame, key: str, at: datetime, window_days: int, min_crimes: int
) -> pl.DataFrame:
    """Keys (victim_id or lsoa_code) with at least ``min_crimes`` crimes reported in the
    ``window_days`` before ``at``, most crimes first."""
    start = at - timedelta(days=window_days)
    return (
        crimes.filter(
            pl.col(key).is_not_null()
            & (pl.col("reported_at") >= start)
            & (pl.col("reported_at") < at)
        )
        .group_by(key)
        .agg(
            pl.len().alias("crimes"),
            pl.col("reported_at").min().alias("first"),
            pl.col("reported_at").max().alias("last"),
        )
        .filter(pl.col("crimes") >= min_crimes)
        .sort("crimes", key, descending=[True, False])
    )


def repeat_rates(
    crimes: pl.DataFrame, key: str, window_days: int, min_crimes: int, month_ends: list[datetime]
) -> pl.DataFrame:
    """For each month end: crimes in the rolling window, how many belong to a repeat key, their
    share [%] and the number of repeat keys."""
    rows = []
    for end in month_ends:
        start = end - timedelta(days=window_days)
        window = crimes.filter(
            pl.col(key).is_not_null()
            & (pl.col("reported_at") >= start)
            & (pl.col("reported_at") < end)
        )
        counts = window.group_by(key).agg(pl.len().alias("n"))
        repeat = counts.filter(pl.col("n") >= min_crimes)
        total = window.height
        in_repeats = int(repeat["n"].sum()) if repeat.height else 0
        rows.append(
            {
                "window_end": end,
                "crimes": total,
                "repeat_crimes": in_repeats,
                "repeat_share_pct": round(100 * in_repeats / total, 2) if total else None,
                "repeat_keys": repeat.height,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "window_end": pl.Datetime("us"),
            "crimes": pl.Int64,
            "repeat_crimes": pl.Int64,
            "repeat_share_pct": pl.Float64,
            "repeat_keys": pl.Int64,
        },
        orient="row",
    )


def peer_rates(
    offences: pl.DataFrame,
    populations: pl.DataFrame,
    force: str,
    policy: HiddenPolicy,
    peers: list[str] | None = None,
) -> pl.DataFrame:
    """Rates per 1,000 population of each under-reported type, force against peers, flagged.

    ``offences``: (force, offence_code, offences) from the Home Office by-offence data;
    ``populations``: (force, population). Forces without a population (e.g. Welsh forces, whose
    LSOAs are not in the England lookup) are left out and counted in ``peers_without_population``.
    """
    pops = populations.with_columns(
        pl.col("force").map_elements(force_key, return_dtype=pl.String).alias("key")
    ).select("key", "population")
    counted = offences.with_columns(
        pl.col("force").map_elements(force_key, return_dtype=pl.String).alias("key")
    )
    target = force_key(force)
    peer_keys = {force_key(p) for p in peers} if peers else None
    threshold = policy.under_reported.threshold_ratio
    rows = []
    for kind in policy.under_reported.types:
        per_force = (
            counted.filter(pl.col("offence_code").is_in(kind.offence_codes))
            .group_by("key")
            .agg(pl.col("force").first(), pl.col("offences").sum())
        )
        all_forces = counted.select("key", "force").unique("key")
        per_force = all_forces.join(per_force.drop("force"), on="key", how="left").with_columns(
            pl.col("offences").fill_null(0)
        )
        rated = per_force.join(pops, on="key", how="left").with_columns(
            (pl.col("offences") / pl.col("population") * 1000).alias("rate")
        )
        own = rated.filter(pl.col("key") == target)
        others = rated.filter(pl.col("key") != target)
        if peer_keys is not None:
            others = others.filter(pl.col("key").is_in(sorted(peer_keys)))
        usable = others.filter(pl.col("rate").is_not_null())
        own_rate = float(own["rate"][0]) if own.height and own["rate"][0] is not None else None
        median = float(usable["rate"].median()) if usable.height else None  # type: ignore[arg-type]
        ratio = own_rate / median if own_rate is not None and median else None
        rows.append(
            {
                "type": kind.name,
                "offence_codes": ", ".join(kind.offence_codes),
                "force": force,
                "offences": int(own["offences"][0]) if own.height else None,
                "rate_per_1000": own_rate,
                "peer_median_per_1000": median,
                "peer_min_per_1000": usable["rate"].min() if usable.height else None,
                "peer_max_per_1000": usable["rate"].max() if usable.height else None,
                "peers": usable.height,
                "peers_without_population": others.height - usable.height,
                "ratio_to_peers": ratio,
                "possible_hidden_demand": bool(ratio is not None and ratio < threshold),
                "evidence": _evidence(
                    kind.name, force, own_rate, median, ratio, usable.height, threshold
                ),
                "source": " ".join(kind.source.split()),
            }
        )
    return pl.DataFrame(rows)


def _evidence(
    name: str,
    force: str,
    rate: float | None,
    median: float | None,
    ratio: float | None,
    peers: int,
    threshold: float,
) -> str:
    if rate is None:
        return f"{force} has no population or no {name} figures in the data"
    if median is None or ratio is None:
        return f"no peer force with a population and {name} figures"
    verdict = "below" if ratio < threshold else "not below"
    return (
        f"{force} records {rate:.3f} per 1,000 against a median of {median:.3f} across {peers} "
        f"peer forces ({ratio:.0%} of the median), {verdict} the {threshold:.0%} threshold"
    )


def own_rate(count: int, population: int | None, name: str, force: str) -> dict[str, object]:
    """A rate from the force's own store (no Home Office peer figure exists for it)."""
    rate = count / population * 1000 if population else None
    return {
        "type": name,
        "force": force,
        "count": count,
        "rate_per_1000": rate,
        "peer_comparison": "no peer figure in the Home Office open data",
    }
