"""Figures with one consistent style, for the case study, sweeps and notebooks.

Functions return matplotlib figures; `save` writes one atomically. No backend is
forced: scripts without a display get Agg, notebooks their inline backend.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.collections
import matplotlib.lines
import matplotlib.patches
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
        from experiments.outputs.files import publish

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
    labels = [_survey_label(r["item"], r["answer"]) for _, r in table.iterrows()]
    ax.set_xticks(x, labels, fontsize=7.5)
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_ylabel("share of participants answering so")
    ax.set_xlabel("question, and the answers each figure counts")
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=7, ncols=2)
    fig.text(0.01, -0.12, "Black lines: for the observed figure, the range it could take by chance with about 50 "
             "respondents (Wilson 95%); for simulated ones,\nwhere 95% of simulated surveys fall. The hatched bar "
             "includes response shift; only the gap between light green and grey is change the programme made.",
             fontsize=7, color="#555555", va="top")
    return fig


QUESTIONS = {"network": "\u201cI have a strong network\nin the system\u201d",
             "see_system": "\u201cI have improved my ability\nto see the system\u201d",
             "influence": "\u201cI can influence\nthe system\u201d"}


def _survey_label(item: str, answer: str) -> str:
    """The question quoted, then which answers the figure counts (and for influence, that lower is better)."""
    words = answer.replace("agree or strongly agree", "agree or strongly agree").replace(",", ":")
    extra = "\n(lower is better)" if item == "influence" else ""
    return f"{QUESTIONS.get(item, item)}\n{words}{extra}"


def _band(ax, d: pd.DataFrame, colour: str, label: str, dashed: bool = False):
    g = d.groupby("week")["value"]
    mid, lo, hi = g.mean(), g.quantile(0.025), g.quantile(0.975)
    ax.fill_between(mid.index, lo, hi, color=colour, alpha=0.15, lw=0)
    ax.plot(mid.index, mid, color=colour, ls="--" if dashed else "-", label=label, lw=1.6)


UNITS = {  # y-axis label and (for bounded scales) the full range of each metric of the over-time figure
    "orientation": ("system orientation (0 = own organisation first, 1 = system first)", (0.0, 1.0)),
    "system_first": ("share of collective-issue choices that put the system first", (0.0, 1.0)),
    "strong_cross_ties": ("strong ties to other organisations, per leader", None),
    "cross_org_trust": ("trust in partners in other organisations (0-1)", (0.0, 1.0)),
    "listening": ("listening (0-1)", (0.0, 1.0)),
}


def time_series(results: pd.DataFrame, metrics: dict[str, str], programme_end: int | None = None):
    """Weekly means with bands holding 95% of simulated futures: participants and
    non-participants with the programme (solid), and the same people without it (dashed).
    Bounded measures are drawn on their full scale, with an inset that zooms in on the lines."""
    _style()
    n = len(metrics)
    cols = min(n, 2)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(6.3 * cols, 3.6 * rows), squeeze=False)
    wanted = [f"{metric}_{group}" for metric in metrics for group in ("participants", "others")]
    # one pass over the (long) results: comparing its string column per line costs more than drawing
    series = dict(tuple(results[results["metric"].isin(wanted)].groupby("metric", sort=False)))
    empty = results.iloc[:0]
    for ax, (metric, label) in zip(axes.ravel(), metrics.items()):
        ylabel, full = UNITS.get(metric, (label, None))
        targets = [ax]
        if full is not None:
            values = pd.concat([series.get(f"{metric}_{g}", empty) for g in ("participants", "others")])["value"]
            if values.empty or values.max() - values.min() > 0.3 * (full[1] - full[0]):
                full_range_only = True  # the lines already use the scale: no zoom needed
            else:
                full_range_only = False
        if full is not None and not full_range_only:
            inset = ax.inset_axes([0.55, 0.55, 0.42, 0.4])
            targets.append(inset)
        for target in targets:
            for group, name in (("participants", "participants"), ("others", "non-participants")):
                m = series.get(f"{metric}_{group}", empty)
                _band(target, m[m["arm"] == "intervention"], COLOURS[name], f"{name}, with the programme")
                _band(target, m[m["arm"] == "counterfactual"],
                      COLOURS["counterfactual"] if group == "others" else "#636363",
                      f"{name}, without it (dashed)", dashed=True)
            if programme_end:
                target.axvspan(0, programme_end, color="#fee08b", alpha=0.25, lw=0,
                               label="the programme" if target is ax else None)
        if full is not None:
            ax.set_ylim(*full)
        if full is not None and not full_range_only:
            inset.set_title("zoomed in", fontsize=7)
            inset.tick_params(labelsize=6)
            ax.indicate_inset_zoom(inset, edgecolor="#888888")
        ax.set_title(label)
        ax.set_xlabel("week")
        ax.set_ylabel(ylabel, fontsize=8)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    handles, labels = axes.ravel()[0].get_legend_handles_labels()
    handles.append(matplotlib.patches.Patch(color="#999999", alpha=0.3))
    labels.append("band: 95% of simulated futures")
    fig.legend(handles, labels, loc="lower center", ncols=3, fontsize=7, frameon=False)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
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
    """The leader network of one simulated future at two times: leaders coloured by organisation
    (with a key; participants ringed), strong ties inside organisations faint, strong ties across
    organisations bold; each title counts the strong ties across organisations among all leaders."""
    _style()
    keys = [k for k in snapshots if k.startswith("week_") and (titles is None or k in titles)]
    org = snapshots[keys[0]].org  # a slot keeps its organisation: the layout is the same every week
    names = snapshots.get("organisations") or [f"organisation {k + 1}" for k in range(int(org.max()) + 1)]
    pos = organisation_layout(org)
    cmap = plt.get_cmap("tab20", len(names))
    fig, axes = plt.subplots(1, len(keys), figsize=(5.6 * len(keys) + 2.2, 5.6), squeeze=False)
    for ax, key in zip(axes.ravel(), keys):
        snap = snapshots[key]
        slot_of = np.full(int(snap.ids.max()) + 1, -1, np.int64)  # ties carry leader ids: back to slots
        slot_of[snap.ids] = np.arange(snap.ids.size)
        u, v, w, cross = slot_of[snap.u], slot_of[snap.v], snap.w, snap.cross
        sel = w >= strong
        for mask, colour, width, alpha in ((sel & ~cross, "#bdbdbd", 0.3, 0.25), (sel & cross, "#b2182b", 0.9, 0.8)):
            segs = np.stack([pos[u[mask]], pos[v[mask]]], axis=1)
            ax.add_collection(matplotlib.collections.LineCollection(segs, colors=colour, linewidths=width,
                                                                      alpha=alpha))
        part = snap.participant
        ax.scatter(pos[:, 0], pos[:, 1], s=14, color=cmap(org), edgecolors=np.where(part, "black", "none"),
                   linewidths=0.8, zorder=3)
        n_cross = int((sel & cross).sum())
        title = (titles or {}).get(key, key.replace("_", " "))
        ax.set_title(f"{title}:\n{n_cross} strong ties across organisations (all leaders)", fontsize=10)
        ax.set_aspect("equal")
        ax.axis("off")
    handles = [matplotlib.lines.Line2D([], [], color="#b2182b", lw=1.2, label="strong tie across organisations"),
               matplotlib.lines.Line2D([], [], color="#bdbdbd", lw=1, label="strong tie inside an organisation"),
               matplotlib.lines.Line2D([], [], ls="", marker="o", mfc="white", mec="black", label="programme participant")]
    handles += [matplotlib.lines.Line2D([], [], ls="", marker="o", color=cmap(k), label=str(n).replace("_", " "))
                for k, n in enumerate(names)]
    fig.legend(handles=handles, loc="center right", fontsize=7, frameon=False)
    fig.text(0.01, 0.01, "One simulated future; the effects in the tables average over many.", fontsize=8,
             color="#555555")
    fig.tight_layout(rect=(0, 0.03, 1 - 2.0 / fig.get_size_inches()[0], 1))
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
    from experiments.analysis.effects import paired_differences

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


def morris(indices: pd.DataFrame, label_top: int = 5):
    """Morris screening: mu* (how much a parameter moves the output, on average) against sigma (how
    much that depends on the other parameters), one panel per output; the `label_top` parameters
    with the largest mu* are named in plain words."""
    from experiments.interfaces.glossary import plain_parameter

    _style()
    outputs = list(dict.fromkeys(indices["output"]))
    fig, axes = _grid(len(outputs), width=5.0, height=3.8)
    for ax, output in zip(axes, outputs):
        d = indices[indices["output"] == output]
        ax.errorbar(d["mu_star"], d["sigma"], xerr=d["mu_star_conf"], fmt="o", color=COLOURS["programme"],
                    ecolor="#999999", capsize=2)
        for k, (_, r) in enumerate(d.nlargest(label_top, "mu_star").iterrows()):
            ax.annotate(plain_parameter(r["parameter"]), (r["mu_star"], r["sigma"]), fontsize=6.5,
                        xytext=(4, 4 + 9 * (k % 3)), textcoords="offset points",
                        arrowprops={"arrowstyle": "-", "color": "#bbbbbb", "lw": 0.5})
        ax.set_title(OUTPUT_WORDS.get(output, output.replace("_", " ")), fontsize=9)
        ax.set_xlabel("mu*: average size of its effect")
        ax.set_ylabel("sigma: how much that varies")
    fig.tight_layout()
    return fig


def sobol(indices: pd.DataFrame):
    """Sobol indices with 95% intervals: S1, the share of the output's variance a parameter explains
    alone; ST, the share it is involved in (with interactions)."""
    from experiments.interfaces.glossary import plain_parameter

    _style()
    outputs = list(dict.fromkeys(indices["output"]))
    fig, axes = _grid(len(outputs), width=6.0, height=0.28 * indices["parameter"].nunique() + 1.5)
    for ax, output in zip(axes, outputs):
        d = indices[indices["output"] == output]
        y = np.arange(len(d))
        ax.barh(y - 0.2, d["S1"], 0.4, xerr=d["S1_conf"], color=COLOURS["programme"], label="S1 (alone)", capsize=2)
        ax.barh(y + 0.2, d["ST"], 0.4, xerr=d["ST_conf"], color=COLOURS["non-participants"],
                label="ST (with interactions)", capsize=2)
        ax.set_yticks(y, [plain_parameter(p) for p in d["parameter"]], fontsize=6.5)
        ax.set_xlabel("share of the output's variance")
        ax.set_ylabel("parameter")
        ax.set_title(OUTPUT_WORDS.get(output, output.replace("_", " ")), fontsize=9)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


OUTPUT_WORDS = {
    "system_first_effect": "system-first choices (effect)",
    "issue_success_effect": "collective-issue success (effect)",
    "cross_org_ties_effect": "participants' new ties across organisations",
    "orientation_effect": "participants' orientation shift",
    "cascade_effect": "non-participants' orientation shift (cascade)",
    "network_agree_end": "'strong network': agree at the end (as reported)",
    "network_agree_end_real_change": "'strong network': agree at the end (real change only)",
    "see_system_end": "'see the system': strongly agree at the end",
    "influence_disagree_end": "'can influence': disagree at the end",
    "cross_org_ties_followup": "participants' ties left at the follow-up",
    "network_agree_followup": "'strong network': agree at the follow-up",
    "orientation_followup": "participants' orientation shift at the follow-up",
    "issue_success_effect_followup": "collective-issue success after the programme (effect)",
}


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
