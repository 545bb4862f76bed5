"""Figures with one consistent style, for the case study, sweeps and notebooks.

Functions return matplotlib figures; `save` writes one atomically. No backend is
forced: scripts without a display get Agg, notebooks their inline backend.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.collections
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd

COLOURS = {"participants": "#1b7837", "non-participants": "#2166ac", "counterfactual": "#969696",
           "observed": "#d6604d", "programme": "#1b7837",
           "real_change": "#7fbc41"}
STYLE = {"figure.dpi": 110, "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
         "grid.alpha": 0.3, "font.size": 10, "axes.titlesize": 11, "legend.frameon": False}


def _style():
    plt.rcParams.update(STYLE)


def save(fig, path: Path) -> Path:
    """Save atomically (temporary file, then rename) and close."""
    import os
    import tempfile

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(fd)
    try:
        fig.savefig(tmp, bbox_inches="tight")
        from experiments.outputs import publish

        publish(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
        plt.close(fig)
    return path


def _yerr(mid, low, high) -> np.ndarray:
    """Error-bar lengths from an interval (never negative)."""
    mid, low, high = (np.asarray(x, float) for x in (mid, low, high))
    return np.clip(np.vstack([mid - low, high - mid]), 0, None)


def survey_bars(table: pd.DataFrame, title: str = "Survey: programme participants"):
    """Per statistic: the observed figure (Wilson interval), the simulated figure as reported
    and from real change alone (the same answers without response shift; 95% predictive
    intervals), and the counterfactual. The gap between the two simulated bars is response
    shift, not an effect of the programme."""
    _style()
    fig, ax = plt.subplots(figsize=(9, 4))
    x = np.arange(len(table))
    width = 0.2
    bars = [("observed", "observed (case)", COLOURS["observed"], None),
            ("reported", "simulated, as reported", COLOURS["programme"], None),
            ("real_change", "simulated, real change only", COLOURS["real_change"], None),
            ("counterfactual", "simulated, no programme", COLOURS["counterfactual"], None)]
    for i, (column, label, colour, _) in enumerate(bars):
        if column not in table:
            continue
        pos = x + (i - 1.5) * width
        mid = table[column].to_numpy(float)
        ax.bar(pos, np.nan_to_num(mid), width, color=colour, label=label,
               hatch="//" if column == "reported" else None, edgecolor="white", lw=0)
        if f"{column}_low" in table:
            ax.errorbar(pos, mid, yerr=_yerr(mid, table[f"{column}_low"], table[f"{column}_high"]),
                        fmt="none", ecolor="black", capsize=3, lw=1)
    labels = [f"{r['item'].replace('_', ' ')}\n{r['answer']}" for _, r in table.iterrows()]
    ax.set_xticks(x, labels, fontsize=8)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_ylabel("share of respondents")
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=7, ncols=2)
    return fig


def _band(ax, d: pd.DataFrame, colour: str, label: str, dashed: bool = False):
    g = d.groupby("week")["value"]
    mid, lo, hi = g.mean(), g.quantile(0.025), g.quantile(0.975)
    ax.fill_between(mid.index, lo, hi, color=colour, alpha=0.15, lw=0)
    ax.plot(mid.index, mid, color=colour, ls="--" if dashed else "-", label=label, lw=1.6)


def time_series(results: pd.DataFrame, metrics: dict[str, str], programme_end: int | None = None):
    """Weekly means with 95% bands across replicates: participants and non-participants
    with the programme, and the same groups in the counterfactual (dashed)."""
    _style()
    n = len(metrics)
    cols = min(n, 2)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(6 * cols, 3.2 * rows), squeeze=False)
    for ax, (metric, label) in zip(axes.ravel(), metrics.items()):
        for group, name in (("participants", "participants"), ("others", "non-participants")):
            m = results[results["metric"] == f"{metric}_{group}"]
            _band(ax, m[m["arm"] == "intervention"], COLOURS[name], f"{name}, programme")
            _band(ax, m[m["arm"] == "counterfactual"], COLOURS["counterfactual"] if group == "others" else "#636363",
                  f"{name}, counterfactual", dashed=True)
        if programme_end:
            ax.axvspan(0, programme_end, color="#fee08b", alpha=0.25, lw=0)
        ax.set_title(label)
        ax.set_xlabel("week")
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    axes.ravel()[0].legend(fontsize=7, loc="best")
    fig.tight_layout()
    return fig


def organisation_layout(org: np.ndarray, seed: int = 0) -> np.ndarray:
    """Positions: organisations on a circle, their leaders scattered around its point
    (seeded, so the same network always gets the same picture)."""
    rng = np.random.default_rng(seed)
    k = int(org.max()) + 1
    angle = 2 * np.pi * np.arange(k) / k
    centre = np.column_stack([np.cos(angle), np.sin(angle)])
    counts = np.bincount(org, minlength=k)
    radius = 0.08 + 0.25 * np.sqrt(counts / counts.max())
    r = radius[org] * np.sqrt(rng.random(org.size))
    t = 2 * np.pi * rng.random(org.size)
    return centre[org] + np.column_stack([r * np.cos(t), r * np.sin(t)])


def network_before_after(snapshots: dict, strong: float, titles: dict[str, str] | None = None):
    """The leader network at two times: nodes coloured by organisation (participants
    ringed), strong ties inside organisations faint, strong cross-organisation ties bold."""
    _style()
    keys = [k for k in snapshots if k.startswith("week_")]
    org = snapshots["org"]
    pos = organisation_layout(org)
    cmap = plt.get_cmap("tab20", int(org.max()) + 1)
    fig, axes = plt.subplots(1, len(keys), figsize=(6 * len(keys), 6), squeeze=False)
    for ax, key in zip(axes.ravel(), keys):
        u, v, w, cross = snapshots[key]
        sel = w >= strong
        for mask, colour, width, alpha in ((sel & ~cross, "#bdbdbd", 0.3, 0.25), (sel & cross, "#b2182b", 0.9, 0.8)):
            segs = np.stack([pos[u[mask]], pos[v[mask]]], axis=1)
            ax.add_collection(matplotlib.collections.LineCollection(segs, colors=colour, linewidths=width,
                                                                      alpha=alpha))
        part = snapshots.get("participant", np.zeros(org.size, bool))
        ax.scatter(pos[:, 0], pos[:, 1], s=14, c=org, cmap=cmap, edgecolors=np.where(part, "black", "none"),
                   linewidths=0.8, zorder=3)
        n_cross = int((sel & cross).sum())
        title = (titles or {}).get(key, key.replace("_", " "))
        ax.set_title(f"{title}: {n_cross} strong cross-organisation ties")
        ax.set_aspect("equal")
        ax.axis("off")
    fig.tight_layout()
    return fig


OUTCOME_LABELS = {
    "orientation_participants": "orientation, participants",
    "orientation_others": "orientation, non-participants",
    "strong_cross_ties_participants": "strong cross-org ties, participants",
    "strong_cross_ties_others": "strong cross-org ties, non-participants",
    "system_first_participants": "system-first choices, participants",
    "cross_org_trust_participants": "cross-org trust, participants",
    "issue_success_rate": "collective-issue success",
    "strong_cross_share": "share of strong ties crossing organisations",
    "mean_orientation": "orientation, everyone",
}


def _grid(n: int, width: float = 4.2, height: float = 3.2):
    cols = min(n, 2)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return fig, axes.ravel()[:n]


def dose_response(summary: pd.DataFrame, x: str, outcomes, hue: str | None = None):
    """Effect (programme minus counterfactual) at the programme's end against a swept
    setting, with 95% bands; one panel per outcome, one line per value of `hue`."""
    _style()
    end = summary.groupby("job")["programme_end"].first()
    s = summary[summary["week"] == summary["job"].map(end)]
    outcomes = [o for o in outcomes if o in set(s["metric"])]
    fig, axes = _grid(len(outcomes))
    palette = plt.get_cmap("viridis")
    groups = [(None, s)] if not hue or hue not in s else list(s.groupby(hue))
    for ax, outcome in zip(axes, outcomes):
        for i, (h, d) in enumerate(groups):
            d = d[d["metric"] == outcome].sort_values(x)
            colour = COLOURS["programme"] if h is None else palette(i / max(1, len(groups) - 1))
            ax.plot(d[x], d["effect"], "o-", color=colour, label=None if h is None else f"{hue.split('.')[-1]}={h}")
            ax.fill_between(d[x].astype(float), d["low"], d["high"], color=colour, alpha=0.2, lw=0)
        ax.axhline(0, color="black", lw=0.8)
        ax.set_title(OUTCOME_LABELS.get(outcome, outcome))
        ax.set_xlabel(x.split(".")[-1].replace("_", " "))
        ax.set_ylabel("effect at programme end")
        if len(groups) > 1:
            ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def effect_bars(summary: pd.DataFrame, keys: list[str], outcomes):
    """Effects at the programme's end with 95% intervals, one bar per job (strategies,
    or combinations of components for an ablation)."""
    _style()
    end = summary.groupby("job")["programme_end"].first()
    s = summary[summary["week"] == summary["job"].map(end)].copy()
    s["setting"] = s[keys].astype(str).agg(", ".join, axis=1) if len(keys) > 1 else s[keys[0]].astype(str)
    if len(keys) > 1:
        short = {k: k.split(".")[-1] for k in keys}
        s["setting"] = s.apply(lambda r: " ".join(short[k] for k in keys if str(r[k]).lower() == "true") or "none",
                               axis=1)
    outcomes = [o for o in outcomes if o in set(s["metric"])]
    fig, axes = _grid(len(outcomes), width=5.5, height=max(3.0, 0.25 * s["setting"].nunique() + 1))
    for ax, outcome in zip(axes, outcomes):
        d = s[s["metric"] == outcome].sort_values("effect")
        y = np.arange(len(d))
        ax.barh(y, d["effect"], color=COLOURS["programme"], alpha=0.8)
        ax.errorbar(d["effect"], y, xerr=_yerr(d["effect"], d["low"], d["high"]), fmt="none", ecolor="black",
                    capsize=2, lw=0.8)
        ax.set_yticks(y, d["setting"], fontsize=7)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_title(OUTCOME_LABELS.get(outcome, outcome))
        ax.set_xlabel("effect at programme end")
    fig.tight_layout()
    return fig


def effect_trajectories(results: pd.DataFrame, x: str, metrics):
    """Paired effect over time with 95% bands, one line per value of `x` (e.g. follow-on)."""
    from experiments.analysis import paired_differences

    _style()
    fig, axes = _grid(len(metrics), width=5.5)
    palette = plt.get_cmap("tab10")
    for ax, metric in zip(axes, metrics):
        for i, (value, d) in enumerate(results.groupby(x)):
            diff = paired_differences(d, metric)
            g = diff.groupby("week")["effect"]
            mean = g.mean()
            half = 1.96 * g.std(ddof=1) / np.sqrt(g.count())
            ax.plot(mean.index, mean, color=palette(i), label=str(value))
            ax.fill_between(mean.index, mean - half, mean + half, color=palette(i), alpha=0.2, lw=0)
        ax.axhline(0, color="black", lw=0.8)
        ax.set_title(f"effect on {OUTCOME_LABELS.get(metric, metric)}")
        ax.set_xlabel("week")
        ax.legend(title=x.split(".")[-1], fontsize=7)
    fig.tight_layout()
    return fig


def morris(indices: pd.DataFrame):
    """Morris screening: mu* against sigma for each parameter, one panel per output."""
    _style()
    outputs = list(dict.fromkeys(indices["output"]))
    fig, axes = _grid(len(outputs))
    for ax, output in zip(axes, outputs):
        d = indices[indices["output"] == output]
        ax.errorbar(d["mu_star"], d["sigma"], xerr=d["mu_star_conf"], fmt="o", color=COLOURS["programme"],
                    ecolor="#999999", capsize=2)
        for _, r in d.iterrows():
            ax.annotate(r["parameter"].split(".")[-1], (r["mu_star"], r["sigma"]), fontsize=7,
                        xytext=(3, 3), textcoords="offset points")
        ax.set_title(output.replace("_", " "))
        ax.set_xlabel("mu* (mean |elementary effect|)")
        ax.set_ylabel("sigma")
    fig.tight_layout()
    return fig


def sobol(indices: pd.DataFrame):
    """Sobol first-order (S1) and total (ST) indices with confidence intervals."""
    _style()
    outputs = list(dict.fromkeys(indices["output"]))
    fig, axes = _grid(len(outputs), width=5.0)
    for ax, output in zip(axes, outputs):
        d = indices[indices["output"] == output]
        y = np.arange(len(d))
        ax.barh(y - 0.2, d["S1"], 0.4, xerr=d["S1_conf"], color=COLOURS["programme"], label="S1", capsize=2)
        ax.barh(y + 0.2, d["ST"], 0.4, xerr=d["ST_conf"], color=COLOURS["non-participants"], label="ST", capsize=2)
        ax.set_yticks(y, [p.split(".")[-1] for p in d["parameter"]], fontsize=7)
        ax.set_title(output.replace("_", " "))
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def sobol_convergence(conv: pd.DataFrame, top: int = 5):
    """Total-order indices (ST, with 95% intervals) against the number of base samples N, for each
    output's `top` parameters at the largest N: the indices have converged where the lines are flat
    and the intervals narrow."""
    _style()
    outputs = list(dict.fromkeys(conv["output"]))
    fig, axes = _grid(len(outputs), width=4.2)
    largest = conv["N"].max()
    for ax, output in zip(axes, outputs):
        d = conv[conv["output"] == output]
        best = d[d["N"] == largest].nlargest(top, "ST")["parameter"]
        for name in best:
            e = d[d["parameter"] == name].sort_values("N")
            ax.errorbar(e["N"], e["ST"], yerr=e["ST_conf"], marker="o", ms=3, capsize=2, lw=1,
                        label=name.split(".")[-1])
        ax.set_xscale("log", base=2)
        ax.set_xticks(sorted(d["N"].unique()), [str(n) for n in sorted(d["N"].unique())])
        ax.set_xlabel("base samples N")
        ax.set_ylabel("total-order index ST")
        ax.set_title(output.replace("_", " "), fontsize=9)
        ax.legend(fontsize=6)
    fig.tight_layout()
    return fig
