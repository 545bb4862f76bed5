"""Parameter recovery: what can the case's figures identify?

    python -m experiments.recovery                         # 30 parameter sets (about an hour on 2 cores)
    python -m experiments.recovery --sets 50 --out docs/calibration/recovery
    python -m experiments.recovery --quick                 # seconds, for CI

For each of --sets parameter sets drawn from the calibration's priors
(experiments.inference.calibrate.PARAMETERS), the script simulates the case's figures with
its respondent sampling (about 50 responding participants), recalibrates with
the same ABC-SMC as the real calibration, and compares the posterior with the
truth:

- per parameter, the posterior contraction (1 - posterior variance / prior
  variance), whether the central 50% and 90% intervals cover the truth (a
  well-calibrated posterior covers it in about 50% and 90% of the sets), and
  the correlation between true values and posterior medians;
- pairwise posterior correlations (a strong one means the figures only pin down
  a combination of the two parameters);
- the real-change share of the network item's rise (the part of "reported minus
  no programme" that is not response shift), true against recovered.

Writes (atomically) to --out: recovery.csv (one row per set and parameter),
shares.csv (the real-change share per set), correlations.csv (per set),
correlation_summary.csv, summary.csv and
recovery.png; prints the summary. docs/calibration/identifiability.md reads it.
Each finished set is kept in --out/sets/, so an interrupted study resumes where it
stopped (a set is a function of its seed).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.inference import calibrate as cal
from experiments.running.config import compose_checked
from experiments.outputs.files import atomic_write_bytes, atomic_write_json
from experiments.running.workers import parallel_map


def draw_truths(n: int, seed: int) -> list[dict]:
    """n parameter sets from the priors (SeedSequence-seeded)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2,)))
    draws = {p.name: p.frozen().rvs(size=n, random_state=rng) for p in cal.PARAMETERS}
    return [{k: float(v[i]) for k, v in draws.items()} for i in range(n)]


def interval_covers(x: np.ndarray, w: np.ndarray, truth: float, level: float) -> bool:
    lo = cal.weighted_quantile(x, w, (1 - level) / 2)
    hi = cal.weighted_quantile(x, w, (1 + level) / 2)
    return bool(lo <= truth <= hi)


def decomposition_share(thetas: list[dict], seeds: list[int], config, cuts, workers: int) -> np.ndarray:
    """The real-change share of the network rise for each (theta, seed): expected figures of the
    whole cohort, with and without the programme, from one shared burn-in."""
    rows = list(parallel_map(cal.decomposition, ((t, config, s, cuts) for t, s in zip(thetas, seeds)), workers))
    return pd.DataFrame(rows)


def share_of(frame: pd.DataFrame) -> float:
    """Real-change share from averaged expected figures (ratio of means)."""
    return cal.real_change_share(frame.mean().to_dict())


def recover_one(k: int, truth: dict, config, cuts, observed_n: dict, args) -> tuple[list[dict], dict, pd.DataFrame]:
    seed = args.seed + 1000 * (k + 1)
    data = cal.simulate(truth, config, cal.theta_seed(truth, seed), cuts)
    observed = {s: {"share": data[s], "n": observed_n[s]} for s in cal.STATS}
    db = Path(args.out) / "db" / f"set_{k:03d}.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    fit = cal.fit(config, observed, cal.FITTED, cuts, population=args.population, generations=args.generations,
                  min_epsilon=args.min_epsilon, seed=seed, workers=args.workers, db=db,
                  max_simulations=args.max_simulations)
    db.unlink(missing_ok=True)
    post = fit.posterior
    w = post["weight"].to_numpy()
    summary = cal.posterior_summary(post).set_index("parameter")
    rows = []
    for p in cal.PARAMETERS:
        x = post[p.name].to_numpy()
        rows.append({"set": k, "parameter": p.name, "truth": truth[p.name], "median": summary.loc[p.name, "median"],
                     "mean": summary.loc[p.name, "mean"], "sd": summary.loc[p.name, "sd"],
                     "contraction": summary.loc[p.name, "contraction"],
                     "covered_50": interval_covers(x, w, truth[p.name], 0.5),
                     "covered_90": interval_covers(x, w, truth[p.name], 0.9),
                     "generations": fit.generations, "simulations": fit.simulations, "epsilon": fit.epsilon,
                     **{f"data_{s}": data[s] for s in cal.STATS}})
    corr = cal.weighted_correlations(post)
    # the real-change share: truth from args.truth_runs seeds at the true values; the estimate
    # from posterior draws (one seed each)
    true_parts = decomposition_share([truth] * args.truth_runs,
                                     [seed + 7 + i for i in range(args.truth_runs)], config, cuts, args.workers)
    draws = cal.posterior_draws(post, args.share_draws, seed)
    post_parts = decomposition_share(draws, [seed + 5000 + i for i in range(len(draws))], config, cuts,
                                     args.workers)
    per_draw = np.array([cal.real_change_share(r) for r in post_parts.to_dict("records")])
    per_draw = per_draw[np.isfinite(per_draw)]
    share = {"set": k, "truth": share_of(true_parts), "estimate": share_of(post_parts),
             "low_90": float(np.quantile(per_draw, 0.05)) if per_draw.size else math.nan,
             "high_90": float(np.quantile(per_draw, 0.95)) if per_draw.size else math.nan}
    share["covered_90"] = bool(share["low_90"] <= share["truth"] <= share["high_90"])
    pairs = {f"{a}~{b}": corr.loc[a, b] for i, a in enumerate(corr.index) for b in corr.index[i + 1:]}
    return rows, share, pd.DataFrame([{"set": k, **pairs}])


def summarise(rec: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    """Per parameter: mean contraction, 50% and 90% coverage, truth-median correlation, mean absolute
    error, identified (mean contraction >= 0.5); and the same for the real-change share."""
    rows = []
    for name, d in rec.groupby("parameter", sort=False):
        r = np.corrcoef(d["truth"], d["median"])[0, 1] if len(d) > 2 else math.nan
        rows.append({"quantity": name, "sets": len(d), "mean_contraction": d["contraction"].mean(),
                     "coverage_50": d["covered_50"].mean(), "coverage_90": d["covered_90"].mean(),
                     "truth_median_correlation": r,
                     "mean_abs_error": (d["median"] - d["truth"]).abs().mean(),
                     "identified": bool(d["contraction"].mean() >= 0.5)})
    s = shares.dropna(subset=["truth", "estimate"])
    r = np.corrcoef(s["truth"], s["estimate"])[0, 1] if len(s) > 2 else math.nan
    rows.append({"quantity": "real_change_share_of_network_rise", "sets": len(s), "mean_contraction": math.nan,
                 "coverage_50": math.nan, "coverage_90": s["covered_90"].mean(),
                 "truth_median_correlation": r, "mean_abs_error": (s["estimate"] - s["truth"]).abs().mean(),
                 "identified": bool(r >= 0.7) if np.isfinite(r) else False})
    return pd.DataFrame(rows)


def correlation_summary(corrs: pd.DataFrame) -> pd.DataFrame:
    """Per pair of parameters: the mean, min and max over sets of their posterior correlation."""
    cols = corrs.columns.drop("set")
    return pd.DataFrame({"pair": cols, "mean": corrs[cols].mean().to_numpy(), "min": corrs[cols].min().to_numpy(),
                         "max": corrs[cols].max().to_numpy()})


def figure(rec: pd.DataFrame, shares: pd.DataFrame):
    from experiments.outputs import plots

    plots._style()
    import matplotlib.pyplot as plt

    names = [p.name for p in cal.PARAMETERS]
    fig, axes = plt.subplots(1, len(names) + 1, figsize=(3.4 * (len(names) + 1), 3.4))
    for ax, name in zip(axes, names):
        d = rec[rec["parameter"] == name]
        ax.errorbar(d["truth"], d["median"], yerr=2 * d["sd"], fmt="o", ms=3, lw=0.6,
                    color=plots.COLOURS["programme"], ecolor="#999999")
        lo, hi = min(d["truth"].min(), d["median"].min()), max(d["truth"].max(), d["median"].max())
        ax.plot([lo, hi], [lo, hi], color="black", lw=0.8, ls="--")
        ax.set_xlabel(f"true {name}")
        ax.set_ylabel("posterior median (+/- 2 SD)")
        ax.set_title(f"{name}\ncontraction {d['contraction'].mean():.2f}, 90% coverage "
                     f"{d['covered_90'].mean():.0%}", fontsize=9)
    ax = axes[-1]
    s = shares.dropna(subset=["truth", "estimate"])
    ax.errorbar(s["truth"], s["estimate"], yerr=np.clip(np.vstack([s["estimate"] - s["low_90"],
                                                                   s["high_90"] - s["estimate"]]), 0, None),
                fmt="o", ms=3, lw=0.6, color=plots.COLOURS["real_change"], ecolor="#999999")
    ax.plot([0, 1], [0, 1], color="black", lw=0.8, ls="--")
    ax.set_xlabel("true real-change share of the network rise")
    ax.set_ylabel("recovered (90% interval)")
    ax.set_title("real change vs response shift", fontsize=9)
    fig.tight_layout()
    return fig


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sets", type=int, default=30)
    ap.add_argument("--population", type=int, default=100)
    ap.add_argument("--generations", type=int, default=5)
    ap.add_argument("--min-epsilon", type=float, default=0.5)
    ap.add_argument("--max-simulations", type=int, default=6_000)
    ap.add_argument("--truth-runs", type=int, default=8, help="seeds behind each true real-change share")
    ap.add_argument("--share-draws", type=int, default=20, help="posterior draws behind each recovered share")
    ap.add_argument("--seed", type=int, default=20261127)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default="outputs/recovery")
    ap.add_argument("--quick", action="store_true", help="tiny setting for CI")
    ap.add_argument("overrides", nargs="*", help="Hydra overrides of the case study")
    args = ap.parse_args(argv)
    for name in ("sets", "population", "generations", "truth_runs", "share_draws", "workers", "max_simulations"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')}: must be a whole number >= 1")
    if args.quick:
        args.sets, args.population, args.generations = 2, 12, 2
        args.truth_runs, args.share_draws = 2, 4
    config = compose_checked(["experiment=case_study", *args.overrides])
    if not config.programme_end:
        ap.error("the configuration has no programme to calibrate (intervention.leadership_programme)")
    observed = cal.observed_figures(config)
    observed_n = {s: observed[s]["n"] for s in cal.STATS}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    low, high = cal.BY_NAME["tie_growth"].prior[1:3]
    cuts = cal.CutTable.build(config, low, high, points=5 if args.quick else 33, runs=4 if args.quick else 40,
                              agree_share=observed["network_agree_start"]["share"], workers=args.workers)
    truths = draw_truths(args.sets, args.seed)
    rec, shares, corrs = [], [], []
    done_dir = out / "sets"
    done_dir.mkdir(exist_ok=True)
    for k, truth in enumerate(truths):
        saved = done_dir / f"set_{k:03d}.json"
        if saved.is_file():  # an interrupted study resumes: each set is a function of its seed
            s = json.loads(saved.read_text())
            rows, share, corr = s["rows"], s["share"], pd.DataFrame([s["correlations"]])
        else:
            rows, share, corr = recover_one(k, truth, config, cuts, observed_n, args)
            atomic_write_json({"rows": rows, "share": share, "correlations": corr.iloc[0].to_dict()}, saved)
        rec += rows
        shares.append(share)
        corrs.append(corr)
        print(f"set {k + 1}/{len(truths)}: " + ", ".join(
            f"{r['parameter']} {r['truth']:.3f} -> {r['median']:.3f}" for r in rows)
            + f"; real-change share {share['truth']:.2f} -> {share['estimate']:.2f}", flush=True)
    rec, shares, corrs = pd.DataFrame(rec), pd.DataFrame(shares), pd.concat(corrs, ignore_index=True)
    summary = summarise(rec, shares)
    pairs = correlation_summary(corrs)
    for name, frame in (("recovery", rec), ("shares", shares), ("correlations", corrs), ("summary", summary),
                        ("correlation_summary", pairs)):
        atomic_write_bytes(out / f"{name}.csv", frame.to_csv(index=False).encode())
    from experiments.outputs import plots

    plots.save(figure(rec, shares), out / "recovery.png")
    if (out / "db").exists() and not any((out / "db").iterdir()):
        (out / "db").rmdir()
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(summary.round(3).to_string(index=False))
        print("\nposterior correlations over sets:\n" + pairs.round(2).to_string(index=False))
    print(f"outputs: {out}")


if __name__ == "__main__":
    main()
