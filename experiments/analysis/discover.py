"""Scenario discovery and robust choices on a deep-uncertainty sweep (PRIM, EMA Workbench).

    python -m experiments.run -m experiment=deep_uncertainty      # the futures x designs sweep
    python -m experiments.discover multirun/deep_uncertainty        # (also run when the sweep ends)

The sweep (`design.method: lhs`) evaluates every design of the programme (the
`design.levers`: cohort size, who is picked, mixing, follow-on) in every sampled
future (a Latin hypercube over the uncertain parameters). This script asks two
questions with PRIM, the patient rule induction method (Friedman & Fisher 1999)
as the EMA Workbench implements it for scenario discovery (Bryant & Lempert
2010; Kwakkel 2017):

- `fails`: where does the programme fail to raise collective-issue success
  (effect over the programme's weeks at most `--fail-below`, default 0.005)?
- `fades`: where is its gain in participants' strong cross-organisation ties
  gone by the follow-up week (less than `--fade-share`, default 25%, of the
  gain at the programme's end left)?

For each it writes the peeling trajectory (coverage, density, restricted
dimensions of every box) and the chosen box (the most covering box whose
density is at least `--min-density`, default 0.7 of cases in the box being of
interest; or the densest if none reaches it), with its limits. It then
tabulates, per design, in how many futures it is the best, and its regret (the
best outcome in that future minus its own, mean and maximum), for collective-
issue success over the programme and for the ties left at the follow-up.

Writes, in the sweep's directory: discovery.md, discovery_boxes.csv,
discovery_trajectory.csv, regret.csv and discovery.png.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.outputs.files import atomic_write_bytes

QUESTIONS = {
    "fails": "the programme fails to raise collective-issue success",
    "fades": "the gain in strong cross-organisation ties is gone by the follow-up week",
}


def load(root: Path) -> tuple[pd.DataFrame, dict]:
    """The sweep's design rows with outputs, and its design settings."""
    root = Path(root)
    path = root / "sweep_results.parquet"
    if not path.is_file():
        from experiments.analysis import design

        design.collect_rows(root)
    if not path.is_file():
        raise SystemExit(f"error: {root}: no sweep_results.parquet (is it a finished deep_uncertainty sweep?)")
    rows = pd.read_parquet(path)
    job = next(root.rglob("provenance.json"), None)
    if job is None:
        raise SystemExit(f"error: {root}: no job's provenance.json found")
    design = json.loads(job.read_text())["config"]["design"]
    if design.get("method") != "lhs":
        raise SystemExit(f"error: {root}: design.method={design.get('method')!r}; scenario discovery needs a "
                         "design.method=lhs sweep (experiment=deep_uncertainty)")
    return rows.sort_values("row").reset_index(drop=True), design


def of_interest(rows: pd.DataFrame, fail_below: float, fade_share: float) -> dict[str, np.ndarray]:
    """The cases of interest of each question (boolean per row)."""
    out = {"fails": (rows["issue_success_effect"] <= fail_below).to_numpy()}
    if "cross_org_ties_followup" in rows:
        gained = rows["cross_org_ties_effect"].to_numpy()
        left = rows["cross_org_ties_followup"].to_numpy()
        out["fades"] = np.where(gained > 0, left < fade_share * gained, True)
    return out


def short(name: str) -> str:
    return name.split(".")[-1]


def prim_box(x: pd.DataFrame, y: np.ndarray, min_density: float, mass_min: float = 0.05):
    """PRIM's peeling trajectory and the chosen box: (trajectory, limits, chosen index)."""
    logging.getLogger("EMA").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim
        from ema_workbench.analysis.scenario_discovery_util import _determine_restricted_dims

        p = prim.Prim(x, y.astype(bool), peel_alpha=0.05, paste_alpha=0.05, mass_min=mass_min)
        box = p.find_box()
    trajectory = box.peeling_trajectory.copy()
    good = trajectory[trajectory["density"] >= min_density]
    chosen = int(good["coverage"].idxmax()) if len(good) else int(trajectory["density"].idxmax())
    lims = box.box_lims[chosen]
    dims = _determine_restricted_dims(lims, p.box_init)
    limits = []
    for name in dims:
        if pd.api.types.is_numeric_dtype(x[name]) and not pd.api.types.is_bool_dtype(x[name]):
            limits.append({"parameter": name, "low": float(lims.loc[0, name]), "high": float(lims.loc[1, name]),
                           "values": ""})
        else:
            limits.append({"parameter": name, "low": np.nan, "high": np.nan,
                           "values": ", ".join(sorted(map(str, lims.loc[0, name])))})
    return trajectory, pd.DataFrame(limits), chosen


def regret(rows: pd.DataFrame, levers: list[str], outcome: str = "issue_success_effect") -> pd.DataFrame:
    """Per design: futures in which it is best for `outcome`, and its mean and maximum regret."""
    wide = rows.pivot_table(index="future", columns="policy", values=outcome)
    best = wide.max(axis=1)
    reg = wide.rsub(best, axis=0)
    winner = wide.idxmax(axis=1)
    names = rows.drop_duplicates("policy").set_index("policy")[levers]
    out = pd.DataFrame({"best in futures": winner.value_counts().reindex(wide.columns, fill_value=0),
                        "mean regret": reg.mean(), "max regret": reg.max(), f"mean {outcome}": wide.mean()})
    out = names.join(out).sort_values(["mean regret", "max regret"])
    out.columns = [short(c) for c in out.columns]
    return out.reset_index()


def figure(trajectories: dict[str, tuple[pd.DataFrame, int]]):
    from experiments.outputs import plots

    plots._style()
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(trajectories), figsize=(5 * len(trajectories), 4), squeeze=False)
    for ax, (question, (t, chosen)) in zip(axes.ravel(), trajectories.items()):
        sc = ax.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", s=18)
        ax.scatter([t.loc[chosen, "coverage"]], [t.loc[chosen, "density"]], s=120, facecolors="none",
                   edgecolors="red", lw=1.5, label="chosen box")
        ax.set_xlabel("coverage (share of all cases of interest inside the box)")
        ax.set_ylabel("density (share of the box's cases that are of interest)")
        ax.set_title("\n".join(textwrap.wrap(QUESTIONS[question], 48)), fontsize=9)
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.02)
        ax.legend(fontsize=7, loc="lower left")
        fig.colorbar(sc, ax=ax, label="restricted dimensions")
    fig.tight_layout()
    return fig


def discover(root: Path, fail_below: float = 0.005, fade_share: float = 0.25, min_density: float = 0.7,
             quiet: bool = False) -> dict[str, Path]:
    root = Path(root)
    rows, design = load(root)
    parameters, levers = list(design["parameters"]), list(design.get("levers") or {})
    x = rows[parameters + levers].copy()
    for name in levers:
        x[name] = x[name].astype(str).astype("category")
    interest = of_interest(rows, fail_below, fade_share)
    boxes, trajectories, lines = [], {}, []
    lines += ["| question | cases of interest | chosen box: coverage | density | restricted dimensions | limits |",
              "|---|---|---|---|---|---|"]
    for question, y in interest.items():
        share = float(y.mean())
        if y.sum() == 0 or y.all():
            lines.append(f"| {QUESTIONS[question]} | {share:.0%} | - | - | - | "
                         f"{'never' if y.sum() == 0 else 'always'}: nothing to discover |")
            continue
        t, limits, chosen = prim_box(x, y, min_density)
        trajectories[question] = (t, chosen)
        t = t.assign(question=question, chosen=lambda d: d.index == chosen)
        boxes.append(limits.assign(question=question, coverage=float(t.loc[chosen, "coverage"]),
                                   density=float(t.loc[chosen, "density"])))
        desc = "; ".join(f"{short(r['parameter'])} in [{r['low']:.3g}, {r['high']:.3g}]" if r["values"] == ""
                         else f"{short(r['parameter'])} in {{{r['values']}}}" for _, r in limits.iterrows())
        lines.append(f"| {QUESTIONS[question]} | {share:.0%} of {len(y)} | {t.loc[chosen, 'coverage']:.0%} | "
                     f"{t.loc[chosen, 'density']:.0%} | {int(t.loc[chosen, 'res_dim'])} | {desc} |")
        trajectories[question] = (t, chosen)
    written = {}
    traj = pd.concat([t for t, _ in trajectories.values()], ignore_index=True) if trajectories else pd.DataFrame()
    for name, frame in (("discovery_boxes.csv", pd.concat(boxes, ignore_index=True) if boxes else pd.DataFrame()),
                        ("discovery_trajectory.csv", traj)):
        atomic_write_bytes(root / name, frame.to_csv(index=False).encode())
        written[name] = root / name
    futures = rows["future"].nunique()
    outcomes = {"issue_success_effect": "collective-issue success over the programme",
                "cross_org_ties_followup": "participants' strong cross-organisation ties left at the follow-up"}
    tables = []
    for outcome, words in outcomes.items():
        if outcome not in rows:
            continue
        table = regret(rows, levers, outcome)
        tables.append(table.assign(outcome=outcome))
        lines += ["", f"Designs ranked by mean regret on {words}, over {futures} futures (regret: the best "
                  "design's effect in that future minus this design's; the ten best):", "",
                  "| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
        for _, r in table.head(10).iterrows():
            lines.append("| " + " | ".join(f"{v:.4f}" if isinstance(v, float) else str(v) for v in r.to_numpy())
                         + " |")
    atomic_write_bytes(root / "regret.csv", pd.concat(tables, ignore_index=True).to_csv(index=False).encode())
    written["regret.csv"] = root / "regret.csv"
    atomic_write_bytes(root / "discovery.md", ("\n".join(lines) + "\n").encode())
    written["discovery.md"] = root / "discovery.md"
    if trajectories:
        from experiments.outputs import plots

        written["discovery.png"] = plots.save(figure(trajectories), root / "discovery.png")
    if not quiet:
        print("\n".join(lines))
    return written


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("directory", help="a finished deep_uncertainty sweep (multirun/deep_uncertainty)")
    ap.add_argument("--fail-below", type=float, default=0.005,
                    help="'fails': collective-issue success effect at most this (default 0.005)")
    ap.add_argument("--fade-share", type=float, default=0.25,
                    help="'fades': less than this share of the ties gained left at the follow-up (default 0.25)")
    ap.add_argument("--min-density", type=float, default=0.7, help="the chosen box's least density (default 0.7)")
    args = ap.parse_args(argv)
    if not 0 < args.min_density <= 1 or not 0 < args.fade_share < 1:
        ap.error("--min-density must be in (0, 1] and --fade-share in (0, 1)")
    if not Path(args.directory).is_dir():
        print(f"error: {args.directory}: no such directory", file=sys.stderr)
        sys.exit(2)
    discover(Path(args.directory), args.fail_below, args.fade_share, args.min_density)


if __name__ == "__main__":
    main()
