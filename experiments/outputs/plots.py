"""Figures with one consistent style, for the case study, sweeps and notebooks.

Functions return matplotlib figures; `save` writes one atomically. No backend is
forced: scripts without a display get Agg, notebooks their inline backend.
"""

from __future__ import annotations

import contextlib
import math
from pathlib import Path

import matplotlib.collections
import matplotlib.lines
import matplotlib.patches
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd

from experiments.analysis.design import OUTPUT_WORDS

COLOURS = {"participants": "#1b7837", "non-participants": "#2166ac", "counterfactual": "#969696",
           "observed": "#d6604d", "programme": "#1b7837",
           "real_change": "#7fbc41"}
STYLE = {"figure.dpi": 110, "savefig.dpi": 160, "axes.spines.top": False, "axes.spines.right": False,
         "axes.grid": True, "grid.alpha": 0.3, "font.size": 10, "axes.titlesize": 11, "legend.frameon": False,
         "legend.fontsize": 9, "xtick.labelsize": 9, "ytick.labelsize": 9, "axes.labelsize": 9.5}
PRINT_WIDTH_IN = 7.0
"""The width a figure prints at, at most: A4 (210 mm) less 15 mm margins each side is 7.09 in. The
report shows each figure at its own size, never wider than this, so its text prints at the size
set here."""
MIN_TEXT_PT = 9.0
"""Every figure's text at least this size at its printed width (CONTRIBUTING: adding a figure)."""


def _style():
    plt.rcParams.update(STYLE)


@contextlib.contextmanager
def _recording_texts():
    """Within the block, every text artist a draw draws (visible, not blank) is recorded in the
    list it yields, once each."""
    import matplotlib.text

    drawn: dict[int, object] = {}
    original = matplotlib.text.Text.draw

    def record(self, renderer_):
        if self.get_visible() and self.get_text().strip():
            drawn.setdefault(id(self), self)
        return original(self, renderer_)

    matplotlib.text.Text.draw = record
    texts: list = []
    try:
        yield texts
    finally:
        matplotlib.text.Text.draw = original
        texts.extend(drawn.values())


def drawn_texts(fig) -> list:
    """The text artists a draw of the figure actually draws (titles, labels, tick labels, legends,
    notes; not tick labels outside the axis' range), with their boxes up to date."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    renderer = fig.canvas.get_renderer()
    with _recording_texts() as texts:
        fig.draw(renderer)
    return texts


def saved_width_in(fig) -> float:
    """The width, in inches, of the figure as `save` writes it (bbox_inches="tight")."""
    fig.canvas.draw()
    return float(fig.get_tightbbox(fig.canvas.get_renderer()).width)


def printed_text_pt(fig, width_in: float = PRINT_WIDTH_IN) -> float:
    """The smallest text of the figure, in points, when printed at most `width_in` wide (a figure
    narrower than that prints at its own size, a wider one scaled down)."""
    scale = 1.0 if math.isinf(width_in) else min(1.0, width_in / saved_width_in(fig))
    return _smallest(drawn_texts(fig)) * scale


def _smallest(texts) -> float:
    sizes = [t.get_fontsize() for t in texts]
    return min(sizes) if sizes else float("inf")


def _with_png_text(data: bytes, key: str, value: str) -> bytes:
    """A PNG's bytes with a tEXt chunk (`key`: `value`, Latin-1) after its header chunk, where
    readers find it before the image data (PNG specification, section 11.3.4.3)."""
    import struct
    import zlib

    signature, header_end = 8, 8 + 4 + 4 + 13 + 4  # the signature, then IHDR: length, type, 13 bytes, CRC
    if data[:signature] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    body = b"tEXt" + key.encode("latin-1") + b"\0" + value.encode("latin-1")
    chunk = struct.pack(">I", len(body) - 4) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    return data[:header_end] + chunk + data[header_end:]


def overlapping_texts(fig, tolerance_px: float = 1.0) -> list[tuple[str, str]]:
    """Pairs of drawn texts whose boxes overlap by more than `tolerance_px` each way."""
    texts = drawn_texts(fig)
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts]
    out = []
    for i, (a, ba) in enumerate(boxes):
        for b, bb in boxes[i + 1:]:
            w = min(ba.x1, bb.x1) - max(ba.x0, bb.x0)
            h = min(ba.y1, bb.y1) - max(ba.y0, bb.y0)
            if w > tolerance_px and h > tolerance_px:
                out.append((a, b))
    return out


def save(fig, path: Path) -> Path:
    """Save atomically (temporary file, then rename) and close. A PNG records in its metadata the
    smallest text it holds at its own size (`min-text-pt`), which the report reads."""
    import os
    import tempfile

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(fd)
    try:
        if path.suffix.lower() == ".png":  # the texts its own drawing draws give the smallest
            with _recording_texts() as texts:
                fig.savefig(tmp, bbox_inches="tight")
            data = Path(tmp).read_bytes()
            Path(tmp).write_bytes(_with_png_text(data, "min-text-pt", f"{_smallest(texts):.2f}"))
        else:
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
    shift, not an effect of the programme. Drawn at print width (7 in), text at least 9 pt."""
    _style()
    fig, ax = plt.subplots(figsize=(PRINT_WIDTH_IN - 0.3, 4.8))
    x = np.arange(len(table))
    width = 0.2
    bars = [("observed", "observed in the real case", COLOURS["observed"]),
            ("reported", "simulated, as reported", COLOURS["programme"]),
            ("real_change", "simulated, real change only", COLOURS["real_change"]),
            ("counterfactual", "simulated, no programme", COLOURS["counterfactual"])]
    for i, (column, label, colour) in enumerate(bars):
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
    ax.set_xticks(x, labels, fontsize=9)
    ax.set_ylim(0, 1.0)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_ylabel("share of participants answering so")
    ax.set_xlabel("question, and the answers each figure counts")
    ax.set_title(title, loc="left")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.06), ncols=2, fontsize=9)
    fig.text(0.0, -0.02, "Black lines: for the observed figure, the range it could take by chance with about 50 "
             "respondents; for simulated ones, where 95% of simulated surveys fall. Only the gap between light "
             "green and grey is change the programme made; the hatched bar adds response shift.",
             fontsize=9, color="#444444", va="top", wrap=True)
    fig.tight_layout()
    return fig


QUESTIONS = {"network": "\u201cI have a strong\nnetwork in the\nsystem\u201d",
             "see_system": "\u201cI have improved\nmy ability to see\nthe system\u201d",
             "influence": "\u201cI can influence\nthe system\u201d"}


def _survey_label(item: str, answer: str) -> str:
    """The question quoted, then which answers the figure counts (and for influence, that lower is better)."""
    import textwrap

    words = textwrap.fill(answer.replace(",", ":"), 18)
    extra = "\n(lower is better)" if item == "influence" else ""
    return f"{QUESTIONS.get(item, item)}\n{words}{extra}"


def _band(ax, d: pd.DataFrame, colour: str, label: str, dashed: bool = False):
    """The weekly mean over simulated futures, and a band for the 95% interval of that mean (the
    same interval the tables give)."""
    g = d.groupby("week")["value"]
    mid, sd, n = g.mean(), g.std(ddof=1), g.count()
    half = 1.96 * sd / np.sqrt(n)
    ax.fill_between(mid.index, mid - half, mid + half, color=colour, alpha=0.2, lw=0)
    ax.plot(mid.index, mid, color=colour, ls="--" if dashed else "-", label=label, lw=1.6)


UNITS = {  # y-axis label and (for bounded scales) the full range of each metric of the over-time figure
    "orientation": ("orientation (0-1)", (0.0, 1.0)),
    "system_first": ("share of decisions", (0.0, 1.0)),
    "strong_cross_ties": ("ties per leader", None),
    "cross_org_trust": ("trust (0-1)", (0.0, 1.0)),
    "listening": ("listening (0-1)", (0.0, 1.0)),
}
TITLES = {
    "orientation": "System orientation (0 = own organisation first, 1 = system first)",
    "system_first": "Decisions on shared issues that put the system first",
    "strong_cross_ties": "Strong working relationships with people in other organisations",
    "cross_org_trust": "Trust in partners in other organisations",
}


def time_series(results: pd.DataFrame, metrics: dict[str, str], programme_end: int | None = None):
    """Weekly means over simulated futures with their 95% intervals: participants and non-participants
    with the programme (solid), and the same people without it (dashed), one panel per measure, at
    print width. Bounded measures are drawn on their full scale, so a gap looks as big as it is;
    each panel's title says how big the participants' gap is at the programme's end."""
    _style()
    n = len(metrics)
    fig, axes = plt.subplots(n, 1, figsize=(PRINT_WIDTH_IN, 1.9 * n + 0.8), squeeze=False, sharex=True)
    axes = axes.ravel()
    wanted = [f"{metric}_{group}" for metric in metrics for group in ("participants", "others")]
    # one pass over the (long) results: comparing its string column per line costs more than drawing
    series = dict(tuple(results[results["metric"].isin(wanted)].groupby("metric", sort=False)))
    empty = results.iloc[:0]
    for ax, (metric, label) in zip(axes, metrics.items()):
        ylabel, full = UNITS.get(metric, (label, None))
        for group, name in (("participants", "participants"), ("others", "non-participants")):
            m = series.get(f"{metric}_{group}", empty)
            _band(ax, m[m["arm"] == "intervention"], COLOURS[name], f"{name}, with the programme")
            _band(ax, m[m["arm"] == "counterfactual"], COLOURS["counterfactual"] if group == "others" else "#636363",
                  f"{name}, without it (dashed)", dashed=True)
        if programme_end:
            ax.axvspan(0, programme_end, color="#fee08b", alpha=0.35, lw=0, label="the programme")
        if full is not None:
            ax.set_ylim(*full)
            ax.yaxis.set_major_locator(matplotlib.ticker.MultipleLocator(0.25))
            if metric == "system_first":
                ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        else:
            ax.set_ylim(bottom=0)
        gap = _gap(series.get(f"{metric}_participants", empty), programme_end)
        title = TITLES.get(metric, label)
        if gap is not None:
            title += f"\nparticipants' gap at the programme's end: {_gap_words(metric, gap)}"
        ax.set_title(title, loc="left", fontsize=10)
        ax.set_ylabel(ylabel)
    axes[-1].set_xlabel("week (the yellow band is the programme)")
    handles, labels = axes[0].get_legend_handles_labels()
    handles.append(matplotlib.patches.Patch(color="#999999", alpha=0.3))
    labels.append("band: 95% interval of the average")
    fig.legend(handles, labels, loc="upper center", ncols=2, fontsize=9, frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.8 / fig.get_size_inches()[1]))
    return fig


def _gap(d: pd.DataFrame, week: int | None) -> float | None:
    """Participants' mean with the programme minus without it at `week` (None if not recorded)."""
    if week is None or d.empty:
        return None
    at = d[d["week"] == week]
    on, off = at[at["arm"] == "intervention"]["value"], at[at["arm"] == "counterfactual"]["value"]
    if on.empty or off.empty:
        return None
    return float(on.mean() - off.mean())


def _gap_words(metric: str, gap: float) -> str:
    if metric == "system_first":
        return f"{gap * 100:+.1f} percentage points"
    if UNITS.get(metric, ("", None))[1] is not None:
        return f"{gap:+.3f} on the 0-1 scale"
    return f"{gap:+.2f} per leader"


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


def organisation_ties(snapshot, strong: float, k: int) -> np.ndarray:
    """K x K counts of strong ties between leaders of each pair of organisations (symmetric, zero
    diagonal) in one network snapshot (`experiments.running.execution.NetworkSnapshot`: ties by
    leader ids, each slot's id and organisation that week)."""
    order = np.argsort(snapshot.ids)
    org_of = lambda ids: snapshot.org[order[np.searchsorted(snapshot.ids, ids, sorter=order)]]  # noqa: E731
    sel = (snapshot.w >= strong) & snapshot.cross
    a, b = org_of(snapshot.u[sel]), org_of(snapshot.v[sel])
    counts = np.zeros((k, k), np.int64)
    np.add.at(counts, (np.minimum(a, b), np.maximum(a, b)), 1)
    return counts + counts.T


def plain_name(name: str) -> str:
    """An organisation's name for a reader: 'acute_trust_city' -> 'acute trust city'."""
    return str(name).replace("_", " ")


def organisation_network(snapshots: dict, strong: float, titles: dict[str, str] | None = None):
    """Ties between organisations before the programme, and what it added by its end (one simulated
    future): each organisation a numbered circle (its size: its leaders); on the left each line the
    strong working relationships between two organisations' leaders (its width: how many), on the
    right the pairs with more of them than before (its width: how many more). Names in a key below;
    drawn at print width, text at least 9 pt."""
    _style()
    keys = [k for k in snapshots if k.startswith("week_")]
    org = np.asarray(snapshots[keys[0]].org)  # a slot keeps its organisation
    k = int(org.max()) + 1
    names = [plain_name(n) for n in (snapshots.get("organisations") or [f"organisation {i + 1}" for i in range(k)])]
    counts = {key: organisation_ties(snapshots[key], strong, k) for key in keys}
    most = max(1, max(int(c.max()) for c in counts.values()))
    size = np.bincount(org, minlength=k)
    angle = np.pi / 2 - 2 * np.pi * np.arange(k) / k
    pos = np.column_stack([np.cos(angle), np.sin(angle)])
    rows = math.ceil(k / 2)
    fig = plt.figure(figsize=(PRINT_WIDTH_IN, 3.7 + 0.2 * rows))
    grid = fig.add_gridspec(2, len(keys), height_ratios=[3.4, 0.2 * rows + 0.1], hspace=0.05, wspace=0.05)
    first = counts[keys[0]]
    for j, key in enumerate(keys):
        ax = fig.add_subplot(grid[0, j])
        c = counts[key] if j == 0 else np.clip(counts[key] - first, 0, None)
        colour = "#8c8c8c" if j == 0 else "#1b7837"
        top = max(1, int(np.triu(c, 1).max()))
        for a in range(k):
            for b in range(a + 1, k):
                if c[a, b] > 0:
                    ax.plot(*pos[[a, b]].T, color=colour, alpha=0.7, lw=0.5 + 5.0 * c[a, b] / top,
                            solid_capstyle="round", zorder=1)
        ax.scatter(pos[:, 0], pos[:, 1], s=180 + 500 * size / size.max(), color="#2166ac", zorder=2,
                   edgecolors="white", linewidths=1.0)
        for i in range(k):
            ax.text(*pos[i], str(i + 1), ha="center", va="center", fontsize=9, color="white", fontweight="bold",
                    zorder=3)
        title = (titles or {}).get(key, key.replace("_", " "))
        total, pairs = int(np.triu(c, 1).sum()), int((np.triu(c, 1) > 0).sum())
        if j == 0:
            words = f"{total} strong ties across organisations\nbetween {pairs} pairs of organisations"
        else:
            lost = int(np.triu(np.clip(first - counts[key], 0, None), 1).sum())
            words = (f"{total} more strong ties between {pairs} pairs\nof organisations ({lost} fewer "
                     "elsewhere)")
        ax.set_title(f"{title}\n{words}", fontsize=9.5)
        ax.set_xlim(-1.25, 1.25)
        ax.set_ylim(-1.25, 1.25)
        ax.set_aspect("equal")
        ax.axis("off")
    key_ax = fig.add_subplot(grid[1, :])
    key_ax.axis("off")
    for i, name in enumerate(names):
        col, row = divmod(i, rows)
        key_ax.text(0.02 + 0.5 * col, 1 - (row + 0.5) / rows, f"{i + 1}  {name} ({size[i]} leaders)", fontsize=9,
                    va="center", transform=key_ax.transAxes)
    fig.text(0.01, 0.005, "One simulated future. Line width: how many strong ties join two organisations' leaders "
             "(left), or how many more there are (right).", fontsize=9, color="#444444", wrap=True)
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
    with the largest mu* are numbered on the plot and named in plain words in the panel's key
    (beside it, so no name lands on a point, a title or another name)."""
    from experiments.interfaces.glossary import plain_parameter

    _style()
    outputs = list(dict.fromkeys(indices["output"]))
    fig, axes = plt.subplots(len(outputs), 1, figsize=(9.5, 3.2 * len(outputs)), squeeze=False)
    for ax, output in zip(axes.ravel(), outputs):
        d = indices[indices["output"] == output]
        ax.errorbar(d["mu_star"], d["sigma"], xerr=d["mu_star_conf"], fmt="o", color="#bbbbbb",
                    ecolor="#dddddd", capsize=2, label="_others")
        top = d.nlargest(label_top, "mu_star")
        palette = plt.get_cmap("tab10")
        for k, (_, r) in enumerate(top.iterrows()):
            ax.plot(r["mu_star"], r["sigma"], "o", ms=8, color=palette(k),
                    label=f"{k + 1}. {plain_parameter(r['parameter'])}")
        ax.set_title(OUTPUT_WORDS.get(output, output.replace("_", " ")), fontsize=10, loc="left")
        ax.set_xlabel("mu*: average size of its effect")
        ax.set_ylabel("sigma: how much that varies")
        ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.02, 1.0), title=f"largest mu* (of {len(d)})",
                  title_fontsize=9)
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
        ax.barh(y - 0.2, d["S1"], 0.4, xerr=_error_bars(d, "S1"), color=COLOURS["programme"], label="S1 (alone)",
                capsize=2)
        ax.barh(y + 0.2, d["ST"], 0.4, xerr=_error_bars(d, "ST"), color=COLOURS["non-participants"],
                label="ST (with interactions)", capsize=2)
        ax.set_yticks(y, [plain_parameter(p) for p in d["parameter"]], fontsize=6.5)
        ax.set_xlabel("share of the variance of the mean response")
        ax.set_ylabel("parameter")
        noise = f" (replicate noise {d['noise_share'].iloc[0]:.0%} of the rows' variance)" if "noise_share" in d else ""
        ax.set_title(OUTPUT_WORDS.get(output, output.replace("_", " ")) + noise, fontsize=9)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def _error_bars(d: pd.DataFrame, index: str) -> np.ndarray:
    """Asymmetric error bars from an index's interval columns (index_low, index_high)."""
    low = (d[index] - d[f"{index}_low"]).clip(lower=0)
    high = (d[f"{index}_high"] - d[index]).clip(lower=0)
    return np.vstack([low.to_numpy(), high.to_numpy()])


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
            ax.errorbar(e["N"], e["ST"], yerr=_error_bars(e, "ST"), marker="o", ms=3, capsize=2, lw=1,
                        label=name.split(".")[-1])
        ax.set_xscale("log", base=2)
        ax.set_xticks(sorted(d["N"].unique()), [str(n) for n in sorted(d["N"].unique())])
        ax.set_xlabel("base samples N")
        ax.set_ylabel("total-order index ST")
        ax.set_title(output.replace("_", " "), fontsize=9)
        ax.legend(fontsize=6)
    fig.tight_layout()
    return fig
