"""Analysis of paired runs: effect sizes with intervals, survey statistics, cascade, decay."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import special

from sim.survey import shares

EFFECTS = {
    "orientation": "system orientation",
    "system_first": "system-first choices",
    "strong_cross_ties": "strong cross-organisation ties per leader",
    "cross_org_trust": "cross-organisation trust",
    "listening": "listening",
    "system_sight": "system sight",
    "efficacy": "efficacy",
}
SYSTEM_EFFECTS = {
    "issue_success_rate": "collective-issue success",
    "strong_cross_share": "share of strong ties crossing organisations",
    "mean_orientation": "system orientation (everyone)",
}
GROUP_LABEL = {"participants": "participants", "others": "non-participants"}

# the case's statistics, as the seed reports them, and how each is computed from answers
CASE_ITEMS = {
    "network_agree_start": ("network", "agree or strongly agree, start"),
    "network_agree_end": ("network", "agree or strongly agree, end"),
    "see_system_strongly_agree_end": ("see_system", "strongly agree, end"),
    "influence_disagree_end": ("influence", "disagree or strongly disagree, end"),
}


def mean_interval(x: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and t-interval of the mean."""
    x = np.asarray(x, float)
    m = float(x.mean())
    if x.size < 2:
        return m, math.nan, math.nan
    half = special.stdtrit(x.size - 1, 0.5 + level / 2) * x.std(ddof=1) / math.sqrt(x.size)
    return m, m - half, m + half


def paired_differences(results: pd.DataFrame, metric: str, weeks=None) -> pd.DataFrame:
    """Intervention minus counterfactual, per replicate and week, for one metric."""
    d = results[results["metric"] == metric]
    if weeks is not None:
        d = d[d["week"].isin(list(weeks))]
    wide = d.pivot_table(index=["replicate", "week"], columns="arm", values="value")
    return (wide["intervention"] - wide["counterfactual"]).rename("effect").reset_index()


def effect_table(results: pd.DataFrame, weeks) -> pd.DataFrame:
    """Effect sizes (paired differences) with 95% intervals across replicates.

    Also a standardised effect: the mean difference over the SD of the
    counterfactual's between-replicate values at that week (Glass's delta).
    """
    specs = [(f"{m}_{g}", label, GROUP_LABEL[g]) for m, label in EFFECTS.items() for g in GROUP_LABEL]
    specs += [(m, label, "everyone") for m, label in SYSTEM_EFFECTS.items()]
    wanted = [m for m, _, _ in specs]
    d = results[results["week"].isin(list(weeks)) & results["metric"].isin(wanted)]
    wide = d.pivot_table(index=["metric", "week", "replicate"], columns="arm", values="value", observed=True)
    if wide.empty:
        return pd.DataFrame(columns=["outcome", "group", "metric", "week", "counterfactual", "effect", "low",
                                     "high", "standardised", "replicates"])
    wide["effect"] = wide["intervention"] - wide["counterfactual"]
    rows = []
    groups = dict(tuple(wide.groupby(level=["metric", "week"], sort=False)))
    for metric, label, group in specs:
        for week in sorted(w for m, w in groups if m == metric):
            g = groups[(metric, week)]
            effect = g["effect"].to_numpy()
            base = g["counterfactual"].to_numpy()
            mean, lo, hi = mean_interval(effect)
            sd = base.std(ddof=1) if base.size > 1 else math.nan
            rows.append({"outcome": label, "group": group, "metric": metric, "week": int(week),
                         "counterfactual": float(base.mean()), "effect": mean, "low": lo, "high": hi,
                         "standardised": mean / sd if sd and sd > 0 else math.nan,
                         "replicates": int(effect.size)})
    return pd.DataFrame(rows)


def survey_statistics(survey: pd.DataFrame, end_week: int) -> pd.DataFrame:
    """Per replicate and arm, the case's statistics among responding participants."""
    d = survey[(survey["group"] == "participant") & survey["week"].isin([0, end_week])]
    s = shares(d, by=("replicate", "arm", "week")).set_index(["replicate", "arm", "week"])
    pairs = survey[["replicate", "arm"]].drop_duplicates().sort_values(["replicate", "arm"])
    out = pairs.reset_index(drop=True)

    def get(week, column):
        keys = pd.MultiIndex.from_arrays([out["replicate"], out["arm"], np.full(len(out), week)])
        return s[column].reindex(keys).to_numpy()

    out["network_agree_start"] = get(0, "network_agree")
    out["network_agree_end"] = get(end_week, "network_agree")
    out["see_system_strongly_agree_end"] = get(end_week, "see_system_strongly_agree")
    out["influence_disagree_end"] = get(end_week, "influence_disagree")
    out["respondents_end"] = get(end_week, "respondents")
    return out


def wilson(share: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for an observed share of n respondents."""
    z = special.ndtri(0.5 + level / 2)
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def survey_table(stats_: pd.DataFrame, observed: dict) -> pd.DataFrame:
    """item | observed [Wilson 95%] | simulated mean [95% predictive interval] | counterfactual."""
    rows = []
    for key, (item, text) in CASE_ITEMS.items():
        sim = stats_[stats_["arm"] == "intervention"][key].dropna().to_numpy()
        cf = stats_[stats_["arm"] == "counterfactual"][key].dropna().to_numpy()
        obs = (observed or {}).get(key)
        o_share = float(obs["share"]) if obs else math.nan
        o_lo, o_hi = wilson(o_share, int(obs["n"])) if obs else (math.nan, math.nan)
        rows.append({"statistic": key, "item": item, "answer": text, "observed": o_share,
                     "observed_low": o_lo, "observed_high": o_hi,
                     "simulated": float(sim.mean()) if sim.size else math.nan,
                     "simulated_low": float(np.quantile(sim, 0.025)) if sim.size else math.nan,
                     "simulated_high": float(np.quantile(sim, 0.975)) if sim.size else math.nan,
                     "counterfactual": float(cf.mean()) if cf.size else math.nan,
                     "covered": bool(sim.size and np.quantile(sim, 0.025) <= o_share <= np.quantile(sim, 0.975))
                     if obs else None})
    return pd.DataFrame(rows)


def format_survey_table(table: pd.DataFrame) -> str:
    lines = [f"{'item':<44} {'observed':>9} {'simulated [95% interval]':>27} {'counterfactual':>15}"]
    for _, r in table.iterrows():
        name = f"{r['item']}: {r['answer']}"
        obs = "-" if math.isnan(r["observed"]) else f"{r['observed']:.0%}"
        sim = f"{r['simulated']:.0%} [{r['simulated_low']:.0%}, {r['simulated_high']:.0%}]"
        lines.append(f"{name:<44} {obs:>9} {sim:>27} {r['counterfactual']:>15.0%}")
    return "\n".join(lines)


def cascade_line(effects: pd.DataFrame, week: int) -> str:
    e = effects[effects["week"] == week].set_index("metric")
    parts = []
    for m in ("orientation", "strong_cross_ties", "cross_org_trust"):
        p, o = f"{m}_participants", f"{m}_others"
        if p in e.index and o in e.index:
            parts.append(f"{EFFECTS[m]}: participants {_fmt(e.loc[p])}, non-participants {_fmt(e.loc[o])}")
    return f"Cascade (week {week}, programme minus counterfactual): " + "; ".join(parts)


def decay_line(effects: pd.DataFrame, metric: str, weeks) -> str:
    e = effects[effects["metric"] == metric].set_index("week")
    weeks = [w for w in weeks if w in e.index]
    if not weeks:
        return ""
    first = e.loc[weeks[0], "effect"]
    parts = [f"week {w}: {_fmt(e.loc[w])}" for w in weeks]
    last = e.loc[weeks[-1], "effect"]
    kept = f" ({last / first:.0%} of the week-{weeks[0]} effect remains)" if first and len(weeks) > 1 else ""
    label = metric.replace("_participants", " (participants)").replace("_", " ")
    return f"Decay of {label}: " + ", ".join(parts) + kept


def _fmt(row) -> str:
    if math.isnan(row["low"]):
        return f"{row['effect']:+.3f}"
    return f"{row['effect']:+.3f} [{row['low']:+.3f}, {row['high']:+.3f}]"
