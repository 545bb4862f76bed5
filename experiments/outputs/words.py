"""Sentences written from a run's numbers: the report's bottom line and the notebook headline.

Every sentence is generated from the effects table (summary.csv's rows: metric, week,
counterfactual, effect, low, high, read by name) and the survey table (survey_summary.csv),
so it says what the tables beside it say, whatever the model's calibration produces. A
figure is given with its 95% interval; a change whose interval includes zero is called
"no clear change"; each sentence about decay names the quantity it is about.
"""

from __future__ import annotations

import math

import pandas as pd

from experiments.analysis.sources import (FOUND_BY_THE_SCREENING, NOT_IDENTIFIED_UNDER_HEADLINES, NOT_IDENTIFIED_WORDS,
                                         SETTING_WORDS)

BOUNDED = {"system_first", "orientation", "cross_org_trust", "listening", "system_sight", "efficacy"}
"""Measures on a 0-1 scale: shown as points on a 0-100 scale (percentage points for shares)."""
SHARES = {"system_first"}


def finite(*values) -> bool:
    return all(isinstance(v, (int, float)) and math.isfinite(v) for v in values)


def pct(x, digits: int = 0) -> str:
    """A share as a percentage ('52%'), '-' when missing."""
    return f"{x:.{digits}%}" if finite(x) else "-"


def _decimals(*values: float) -> int:
    """Decimals that show a figure and its interval to about two significant figures."""
    size = max((abs(v) for v in values if finite(v)), default=0.0)
    if size >= 10:
        return 0
    if size >= 1:
        return 1
    if size >= 0.1:
        return 2
    return 3


def signed(x: float, digits: int) -> str:
    return f"{x:+.{digits}f}" if finite(x) else "-"


def row(effects: pd.DataFrame, metric: str, week: int) -> pd.Series | None:
    r = effects[(effects["metric"] == metric) & (effects["week"] == week)]
    return r.iloc[0] if len(r) else None


def _base(metric: str) -> str:
    for suffix in ("_participants", "_others"):
        if metric.endswith(suffix):
            return metric[: -len(suffix)]
    return metric


def amount(r: pd.Series, metric: str, unit: str = "") -> str:
    """'+10.0 points [+8.0, +12.0]' (0-1 measures in points on a 0-100 scale) or '+2.1 [+2.1, +2.2]'."""
    scale = 100.0 if _base(metric) in BOUNDED else 1.0
    e, lo, hi = (float(r[c]) * scale for c in ("effect", "low", "high"))
    digits = _decimals(e, lo, hi)
    words = ((" percentage points" if _base(metric) in SHARES else " points on a 0-100 scale") if scale == 100.0
             else unit)
    interval = f" [{signed(lo, digits)}, {signed(hi, digits)}]" if finite(lo, hi) else ""
    return f"{signed(e, digits)}{words}{interval}"


def clear(r: pd.Series) -> bool | None:
    """True when the 95% interval excludes zero, False when it includes it, None without one."""
    lo, hi = float(r["low"]), float(r["high"])
    if not finite(lo, hi):
        return None
    return lo > 0 or hi < 0


def relationships(effects: pd.DataFrame, end: int) -> str:
    r = row(effects, "strong_cross_ties_participants", end)
    if r is None or not finite(float(r["effect"])):
        return ""
    if clear(r) is False:
        return (f"Relationships: by the programme's end (week {end}) participants have no clearly more strong "
                f"working relationships with people in other organisations than without it "
                f"({amount(r, 'strong_cross_ties')} per participant).")
    e, lo, hi = (float(r[c]) for c in ("effect", "low", "high"))
    digits = _decimals(e, lo, hi)
    more = "more" if e > 0 else "fewer"
    interval = f"95% interval {abs(lo):.{digits}f} to {abs(hi):.{digits}f}; " if finite(lo, hi) else ""
    return (f"Relationships: by the programme's end (week {end}) each participant has {abs(e):.{digits}f} {more} "
            f"strong working relationships with people in other organisations than without the programme "
            f"({interval}{float(r['counterfactual']):.1f} without it).")


def system_first(effects: pd.DataFrame, end: int) -> str:
    r = row(effects, "system_first_participants", end)
    if r is None or not finite(float(r["effect"])):
        return ""
    base = float(r["counterfactual"])
    with_ = base + float(r["effect"])
    verdict = "" if clear(r) is not False else " (no clear change)"
    return (f"System-first behaviour: at the programme's end participants put the system first in {pct(with_)} of "
            f"their decisions on shared issues, against {pct(base)} without it "
            f"({amount(r, 'system_first')}){verdict}.")


def others(effects: pd.DataFrame, end: int) -> str:
    """What happens to the leaders who did not take part (the cascade)."""
    parts = []
    for metric, words in (("system_first_others", "their system-first decisions change by"),
                          ("strong_cross_ties_others", "their strong relationships across organisations by")):
        r = row(effects, metric, end)
        if r is not None and finite(float(r["effect"])):
            parts.append(f"{words} {amount(r, metric, ' per leader' if 'ties' in metric else '')}")
    if not parts:
        return ""
    sf = row(effects, "system_first_others", end)
    p = row(effects, "system_first_participants", end)
    share = ""
    if sf is not None and p is not None and finite(float(sf["effect"]), float(p["effect"])) and float(p["effect"]) > 0:
        share = (f": about {abs(float(sf['effect'])) / float(p['effect']):.0%} of the participants' change in "
                 "system-first decisions")
    return f"Leaders who did not take part: {'; '.join(parts)}{share}."


def lasting(effects: pd.DataFrame, end: int, later=(52, 104)) -> str:
    """How much of participants' gains remains at later weeks, each quantity named."""
    parts = []
    for metric, words in (("strong_cross_ties_participants", "participants' gain in strong relationships across "
                                                             "organisations"),
                          ("system_first_participants", "their gain in system-first decisions")):
        r0 = row(effects, metric, end)
        if r0 is None or not finite(float(r0["effect"])) or float(r0["effect"]) <= 0:
            continue
        kept = []
        for week in later:
            r = row(effects, metric, week)
            if r is not None and week > end and finite(float(r["effect"])):
                kept.append(f"{float(r['effect']) / float(r0['effect']):.0%} remains at week {week} "
                            f"({amount(r, metric)})")
        if kept:
            parts.append(f"of {words}, " + " and ".join(kept))
    if not parts:
        return ""
    return f"How long it lasts: {'; '.join(parts)}."


def survey_network(table: pd.DataFrame, end: int) -> list[str]:
    """The network item at the end, and how much of its rise is real change (from the table's own
    rounded percentages and its response-shift share, so the sentence matches the table)."""
    t = table.set_index("statistic")
    if "network_agree_end" not in t.index:
        return []
    net = t.loc["network_agree_end"]
    reported, real, without = (float(net[c]) for c in ("reported", "real_change", "counterfactual"))
    if not finite(reported, without):
        return []
    out = [f"By the end of the programme (week {end}), {pct(reported)} of participants say they have a strong "
           f"network in the system, against {pct(without)} had there been no programme."]
    if finite(real):
        out.append(split(reported, real, without, float(net["response_shift_share"])))
    return out


def split(reported: float, real: float, without: float, share: float = math.nan) -> str:
    """How much of a simulated survey rise is real change and how much response shift, in whole
    points of the percentages as the table shows them, and the table's share of the rise."""
    total = round(reported * 100) - round(without * 100)
    if abs(reported - without) < 0.02 or total == 0:
        return "The programme barely moves that answer."
    real_points = round(real * 100) - round(without * 100)
    shift_points = total - real_points
    if not finite(share):
        share = (reported - real) / (reported - without)
    return (f"Of that {total:+d}-point difference, {real_points:+d} points come from real change in "
            f"participants' relationships and {shift_points:+d} points from response shift ({pct(share)} of the "
            "rise): people rating themselves more generously after a programme. The size of that shift is an "
            "assumption taken from other studies (it cannot be told apart from real change in this case's "
            "figures), not a finding.")


def cannot_tell(table: pd.DataFrame, content_influence=None) -> str:
    """What the figures cannot tell: response shift, the assumed attitude change, the held-out test."""
    t = table.set_index("statistic")
    parts = []
    if "network_agree_end" in t.index and finite(float(t.loc["network_agree_end", "response_shift_share"])):
        share = pct(float(t.loc["network_agree_end", "response_shift_share"]))
        parts.append(f"how much of the survey's rise is real change ({share} of the rise in 'I have a strong "
                     "network' is response shift, people rating themselves more generously after a programme, "
                     "by an amount assumed from other studies)")
    if content_influence is not None:
        parts.append("how far the programme's content changes attitudes (set to what training studies find, not "
                     "measured in this case)")
        assumed = [SETTING_WORDS[path] for path in FOUND_BY_THE_SCREENING]
        if assumed:
            parts.append(f"settings that are still assumptions ({', '.join(assumed)}): over half to twice their "
                         "assumed values they change the effect on shared issues, the spread to those who did not "
                         "take part or the new relationships, and the intervals leave them out")
        unknown = [NOT_IDENTIFIED_WORDS[path] for path in NOT_IDENTIFIED_UNDER_HEADLINES]
        if unknown:
            parts.append(f"settings that neither this case nor published studies pin down ({', '.join(unknown)}): "
                         "the ranges above include what each could plausibly be, which is much of why they are wide")
    held = table[table.get("role", pd.Series("", index=table.index)).astype(str).str.startswith("held out")]
    for _, r in held.iterrows():
        verdict = "a hit" if bool(r["covered"]) else "a miss"
        parts.append(f"whether the model predicts well: the survey figure kept back as a test came out at "
                     f"{pct(float(r['reported']))} [{pct(float(r['reported_low']))}, {pct(float(r['reported_high']))}] "
                     f"against {pct(float(r['observed']))} observed, {verdict}")
    if not parts:
        return ""
    return "What these figures cannot tell: " + "; ".join(parts) + "."


def bottom_line(effects: pd.DataFrame, table: pd.DataFrame, end: int, content_influence=None) -> list[str]:
    """The report's four to six sentences, in order: relationships, system-first behaviour, those who
    did not take part, how long it lasts, what the figures cannot tell."""
    return [s for s in (relationships(effects, end), system_first(effects, end), others(effects, end),
                        lasting(effects, end), cannot_tell(table, content_influence)) if s]


def intervals(includes: str) -> str:
    """What a run's 95% intervals are, in plain words, from its `interval_includes`
    (`experiments.running.uncertainty.describe`)."""
    if str(includes).startswith("parameter"):
        return ("Every figure is the average over simulated futures; its interval (95%) is the range of the futures' "
                "own results, each future run with its own set of the values the case and the published evidence "
                "allow: what the evidence leaves open, not a forecast of one real partnership.")
    return ("Every figure is the average over simulated futures at the calibrated values; its interval (95%) is for "
            "that average, not a forecast of one real partnership's result.")
