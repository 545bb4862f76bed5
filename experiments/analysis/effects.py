"""Analysis of paired runs: effect sizes with intervals, survey statistics, cascade, decay."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import special

from sim.survey import STATISTICS, shares

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
CASE_STATISTICS = {  # name: (item, wave)
    "network_agree_start": ("network", "start"),
    "network_agree_end": ("network", "end"),
    "see_system_strongly_agree_end": ("see_system", "end"),
    "influence_disagree_end": ("influence", "end"),
}
STATISTIC_OF_ITEM = STATISTICS
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


WINDOWED = ("system_first_participants", "system_first_others", "issue_success_rate")
"""Metrics whose effect in the summary is read over the window since the previous effect week,
from the decisions' probabilities (the per-leader system-first share,
`sim.metrics.system_first_share`, the project's one definition of a leader's system-first
behaviour; the expected issue success, `sim.metrics.issue_success_share`), not from the weekly
metric (a share of the last four weeks' realised choices or issues, which `time_series.png`
draws)."""


INTERVALS = ("mean", "range")
"""What an effect's interval across replicates is: "mean", the 95% t-interval of the mean over the
replicates (Monte Carlo error of an average at fixed parameters); "range", the 2.5% and 97.5%
points of the replicates' own effects (each replicate at its own posterior draw: what the
parameters the evidence allows and one future's chance leave open)."""


def interval_of(values, kind: str = "mean", level: float = 0.95) -> tuple[float, float, float]:
    """The mean of the finite values and their interval of `kind` (`INTERVALS`)."""
    values = np.asarray(values, float)
    values = values[np.isfinite(values)]
    if not values.size:
        return (math.nan,) * 3
    if kind == "range":
        low, high = np.quantile(values, [(1 - level) / 2, (1 + level) / 2]) if values.size > 1 else (math.nan,) * 2
        return float(values.mean()), float(low), float(high)
    return mean_interval(values, level)


def interval_kind(draws) -> str:
    """The interval a run's summary reports: the range over replicates when each ran at its own
    posterior draw, else the interval of the mean."""
    return "range" if draws else "mean"


def summarise_d(frame: pd.DataFrame, interval: str = "mean") -> pd.DataFrame:
    """Per metric and week: the mean of the replicates' d with its 95% interval across replicates
    (`interval_of`), and of their per-leader effect and counterfactual mean."""
    out = []
    for (metric, week), d in frame.groupby(["metric", "week"], sort=False):
        mean, low, high = interval_of(d["cohens_d"], interval)
        effect, effect_low, effect_high = interval_of(d["effect"], interval) if "effect" in d else (math.nan,) * 3
        out.append({"metric": metric, "week": int(week), "cohens_d": mean, "cohens_d_low": low,
                    "cohens_d_high": high, "effect": effect, "low": effect_low, "high": effect_high,
                    "counterfactual": float(d["counterfactual"].mean()) if "counterfactual" in d else math.nan,
                    "replicates": int(d["effect"].notna().sum()) if "effect" in d else 0})
    return pd.DataFrame(out, columns=["metric", "week", "cohens_d", "cohens_d_low", "cohens_d_high", "effect",
                                      "low", "high", "counterfactual", "replicates"])


EFFECT_COLUMNS = ["outcome", "group", "metric", "week", "counterfactual", "effect", "low", "high", "cohens_d",
                  "cohens_d_low", "cohens_d_high", "replicates"]
"""The columns of the effect table (`summary.csv`)."""


def effect_table(results: pd.DataFrame, weeks, leader_effects: pd.DataFrame | None = None,
                 interval: str = "mean") -> pd.DataFrame:
    """Effect sizes (paired differences of the group means; for system-first choices, of the
    per-leader shares over the window since the previous effect week, `WINDOWED`) with 95%
    intervals across replicates of `interval`'s kind (`INTERVALS`), and Cohen's d on per-leader
    values with its interval, where the replicates measured it (`leader_effects`, from
    `experiments.analysis.leaders`: the difference in the per-leader outcome over the
    counterfactual's SD across the group's leaders). Outcomes with no per-leader value (issue
    success, the network's shares) have no d.
    """
    specs = [(f"{m}_{g}", label, GROUP_LABEL[g]) for m, label in EFFECTS.items() for g in GROUP_LABEL]
    specs += [(m, label, "everyone") for m, label in SYSTEM_EFFECTS.items()]
    wanted = [m for m, _, _ in specs]
    d = results[results["week"].isin(list(weeks)) & results["metric"].isin(wanted)]
    wide = d.pivot_table(index=["metric", "week", "replicate"], columns="arm", values="value", observed=True)
    if wide.empty:
        return pd.DataFrame(columns=EFFECT_COLUMNS)
    sizes = {}
    if leader_effects is not None and not leader_effects.empty:
        sizes = {(r.metric, r.week): r for r in summarise_d(leader_effects, interval).itertuples()}
    wide["effect"] = wide["intervention"] - wide["counterfactual"]
    rows = []
    groups = dict(tuple(wide.groupby(level=["metric", "week"], sort=False)))
    for metric, label, group in specs:
        for week in sorted(w for m, w in groups if m == metric):
            g = groups[(metric, week)]
            effect = g["effect"].to_numpy()
            size = sizes.get((metric, int(week)))
            if metric in WINDOWED and size is not None:  # per-leader shares over the window
                mean, lo, hi, base, count = size.effect, size.low, size.high, size.counterfactual, size.replicates
            else:
                (mean, lo, hi), base, count = interval_of(effect, interval), float(g["counterfactual"].mean()), effect.size
            rows.append({"outcome": label, "group": group, "metric": metric, "week": int(week),
                         "counterfactual": base, "effect": mean, "low": lo, "high": hi,
                         "cohens_d": size.cohens_d if size else math.nan,
                         "cohens_d_low": size.cohens_d_low if size else math.nan,
                         "cohens_d_high": size.cohens_d_high if size else math.nan,
                         "replicates": int(count)})
    return pd.DataFrame(rows, columns=EFFECT_COLUMNS)


SHIFT_FREE = "_without_shift"
"""Suffix of a survey statistic computed from the answers without the response-shift terms."""


def survey_statistics(survey: pd.DataFrame, end_week: int) -> pd.DataFrame:
    """Per replicate and arm, the case's statistics among responding participants: as reported,
    and (columns ending `_without_shift`) from the same answers without the response-shift
    terms, that is from real change alone."""
    d = survey[(survey["group"] == "participant") & survey["week"].isin([0, end_week])]
    pairs = survey[["replicate", "arm"]].drop_duplicates().sort_values(["replicate", "arm"])
    out = pairs.reset_index(drop=True)
    keys = {0: pd.MultiIndex.from_arrays([out["replicate"], out["arm"], np.zeros(len(out), np.int64)]),
            end_week: pd.MultiIndex.from_arrays([out["replicate"], out["arm"], np.full(len(out), end_week)])}
    responses = {"": "response"}
    if "response_without_shift" in survey.columns:
        responses[SHIFT_FREE] = "response_without_shift"
    for suffix, response in responses.items():
        s = shares(d, by=("replicate", "arm", "week"), response=response).set_index(["replicate", "arm", "week"])
        for key, (item, week) in CASE_STATISTICS.items():
            column = STATISTIC_OF_ITEM[item]
            out[key + suffix] = s[column].reindex(keys[0 if week == "start" else end_week]).to_numpy()
        if not suffix:
            out["respondents_end"] = s["respondents"].reindex(keys[end_week]).to_numpy()
    return out


def wilson(share: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for an observed share of n respondents."""
    z = special.ndtri(0.5 + level / 2)
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def shift_share(reported: float, real: float, counterfactual: float, floor: float = 0.02) -> float:
    """The share of the simulated rise (reported minus counterfactual) that is response shift:
    (reported - real) / (reported - counterfactual); NaN when the rise is under `floor`
    (a share of nothing is not a share). For an item whose statistic falls with the
    programme (influence: disagree) the same formula measures the fall."""
    rise = reported - counterfactual
    if not np.isfinite(rise) or abs(rise) < floor:
        return math.nan
    return (reported - real) / rise


def _summary(x: np.ndarray) -> tuple[float, float, float]:
    if not x.size:
        return math.nan, math.nan, math.nan
    return float(x.mean()), float(np.quantile(x, 0.025)), float(np.quantile(x, 0.975))


ROLES = {"fitted": "fitted", "anchor": "sets the cut", "held_out": "held out (a test)", None: ""}


def statistic_role(key: str, fitted) -> str:
    """What a case statistic is to the calibration: fitted, the start figure that sets the
    network cut (on the reference population), or held out as a test."""
    if fitted is None:
        return ""
    if key in fitted:
        return ROLES["fitted"]
    return ROLES["anchor"] if key == "network_agree_start" else ROLES["held_out"]


def survey_table(stats_: pd.DataFrame, observed: dict, fitted=None) -> pd.DataFrame:
    """Per case statistic: observed [Wilson 95%] | simulated as reported [95% predictive interval]
    | simulated real change (the same runs and answers without response shift) [95%] |
    counterfactual | share of the simulated rise that is response shift | its role in the
    calibration (`fitted`: the statistics the calibration fitted, None if unknown)."""
    rows = []
    arm = stats_["arm"].to_numpy()
    for key, (item, text) in CASE_ITEMS.items():
        reported = stats_.loc[arm == "intervention", key].dropna().to_numpy()
        real_col = key + SHIFT_FREE
        real = (stats_.loc[arm == "intervention", real_col].dropna().to_numpy() if real_col in stats_
                else np.array([]))
        cf = stats_.loc[arm == "counterfactual", key].dropna().to_numpy()
        obs = (observed or {}).get(key)
        o_share = float(obs["share"]) if obs else math.nan
        o_lo, o_hi = wilson(o_share, int(obs["n"])) if obs else (math.nan, math.nan)
        r_mean, r_lo, r_hi = _summary(reported)
        c_mean, c_lo, c_hi = _summary(real)
        cf_mean = float(cf.mean()) if cf.size else math.nan
        rows.append({"statistic": key, "item": item, "answer": text, "observed": o_share,
                     "observed_low": o_lo, "observed_high": o_hi,
                     "reported": r_mean, "reported_low": r_lo, "reported_high": r_hi,
                     "real_change": c_mean, "real_change_low": c_lo, "real_change_high": c_hi,
                     "counterfactual": cf_mean,
                     "response_shift_share": shift_share(r_mean, c_mean, cf_mean),
                     "role": statistic_role(key, fitted),
                     "covered": bool(reported.size and r_lo <= o_share <= r_hi) if obs else None})
    return pd.DataFrame(rows)


def survey_effects(stats_: pd.DataFrame, end_week: int, interval: str = "mean") -> pd.DataFrame:
    """Rows for summary.csv, in `effect_table`'s columns: for each end-of-programme case statistic
    of participants, the paired effect (programme minus counterfactual, per replicate) as reported
    and from real change alone (the same answers without response shift), as separate rows."""
    arm = stats_["arm"].to_numpy()
    on = stats_[arm == "intervention"].set_index("replicate").sort_index()
    off = stats_[arm == "counterfactual"].set_index("replicate").sort_index()
    both = on.index.intersection(off.index)
    rows = []
    for key, (item, text) in CASE_ITEMS.items():
        if CASE_STATISTICS[key][1] != "end":
            continue
        base = off.loc[both, key].to_numpy(float)
        for kind, column in (("reported", key), ("real change", key + SHIFT_FREE)):
            if column not in on:
                continue
            effect = on.loc[both, column].to_numpy(float) - base
            keep = np.isfinite(effect)
            mean, lo, hi = interval_of(effect[keep], interval)
            # Cohen's d on each respondent's answer (1 if it gives the statistic's answer, else 0):
            # the difference in shares over the counterfactual respondents' SD, sqrt(p (1 - p)), with
            # p pooled over the replicates (one SD for all: a replicate whose share is 0 or 1 keeps
            # its effect rather than dividing by zero)
            pooled = float(base[keep].mean()) if keep.any() else math.nan
            spread = math.sqrt(pooled * (1 - pooled)) if 0 < pooled < 1 else math.nan
            d = effect[keep] / spread if np.isfinite(spread) else np.full(0, math.nan)
            d_mean, d_lo, d_hi = interval_of(d, interval)
            rows.append({"outcome": f"survey, {item} item: {text} ({kind})", "group": "participants",
                         "metric": f"survey_{key}_{kind.replace(' ', '_')}", "week": int(end_week),
                         "counterfactual": float(base[keep].mean()) if keep.any() else math.nan,
                         "effect": mean, "low": lo, "high": hi, "cohens_d": d_mean, "cohens_d_low": d_lo,
                         "cohens_d_high": d_hi, "replicates": int(keep.sum())})
    return pd.DataFrame(rows, columns=EFFECT_COLUMNS)


def format_survey_table(table: pd.DataFrame) -> str:
    """The survey table as text: every simulated figure beside its real-change part."""
    def pct(v):
        return "-" if not np.isfinite(v) else f"{v:.0%}"

    head = (f"{'item (participants)':<44} {'observed':>8} {'reported [95% interval]':>24} "
            f"{'real change [95%]':>18} {'no programme':>13} {'response shift':>15}  calibration")
    lines = [head]
    for _, r in table.iterrows():
        name = f"{r['item']}: {r['answer']}"
        rep = f"{pct(r['reported'])} [{pct(r['reported_low'])}, {pct(r['reported_high'])}]"
        real = f"{pct(r['real_change'])} [{pct(r['real_change_low'])}, {pct(r['real_change_high'])}]"
        share = r["response_shift_share"]
        shift = "-" if not np.isfinite(share) else f"{share:.0%} of rise"
        lines.append(f"{name:<44} {pct(r['observed']):>8} {rep:>24} {real:>18} {pct(r['counterfactual']):>13} "
                     f"{shift:>15}  {r.get('role', '') or ''}")
    lines.append("reported: what simulated participants answer; real change: the same answers without the "
                 "response-shift terms;\n"
                 "response shift: (reported - real change) / (reported - no programme), "
                 "the part of the simulated effect that is not real change.")
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
