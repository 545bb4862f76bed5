"""Parameter recovery and simulation-based calibration: what can the case's figures and the
published patterns identify?

    python -m experiments.recovery                                # docs/calibration/recovery
    python -m experiments.recovery --quick --out /tmp/recovery    # seconds, for CI

The calibration (`experiments.calibrate`) defines an ABC posterior: the prior, restricted to
parameter values whose simulated statistics lie within its final epsilon of the data, in its
distance (`calibrate.make_distance`). ABC-SMC is one way to sample it; rejection from draws of
the prior is another, with the same target (Beaumont 2010). This study simulates **one shared
reference table** of prior draws (each row a function of its index, kept in --out/table/ so an
interrupted study resumes) and samples every posterior it needs from that table:

- **Recovery** (`fits.csv`, `recovery.csv`, `shares.csv`): for each of --fits parameter sets drawn
  from the priors (not in the table), the simulator produces the case's figures and the
  patterns' statistics; the set's posterior is every table row within the real calibration's
  final epsilon of them, in the real data's distance units. Where fewer than --min-accepted rows
  are, a second stage (`refine`: --refine simulations from a Gaussian mixture around the fit's
  nearest rows, importance-weighted by prior over proposal, as one more ABC-SMC generation) takes
  it to the epsilon; a fit *converged* when its accepted draws' effective number is at least half
  of --min-accepted; otherwise its best draws and the epsilon they reach are reported. No
  adjustment: the draws are the calibration's ABC posterior itself.
  Per parameter: contraction, coverage of the 50% and 90% intervals, error of the posterior
  median. The real-change share of the network rise is computed at the truth and from posterior
  draws.
- **Simulation-based calibration** (Talts, Betancourt, Simpson, Vehtari & Gelman 2018;
  `sbc.csv`, `sbc_ranks.csv`, `sbc.png`): the first --sbc table rows serve as truths; each one's
  posterior is built from the other rows exactly as a recovery fit's is; the truth's rank among
  its posterior draws (a fraction in [0, 1]) is uniform for every parameter when the procedure
  is calibrated (for rejection ABC at a fixed epsilon it is by construction, the coverage
  property: Prangle, Blum, Popovic & Sisson 2014; a departure flags the nearest-rows fallback or
  an error). A chi-square test of the rank histogram (20 bins) per parameter, and each
  parameter's error against always guessing the prior mean. The datasets share the table, so
  their ranks are not quite independent: the test is a little too eager to reject.

One verdict per quantity, by one rule, from one posterior construction (the SBC datasets), in
`summary.csv` (docs/calibration/identifiability.md reads it): **identified** when the posterior
contracts by at least half on average and its median's error is at most 0.7 of the prior
mean's; **weakly identified** when the error is at most 0.9 of the prior mean's; **not
identified** otherwise. **Calibrated** (a separate column): the rank histogram is not rejected
as uniform (p >= 0.01) and the 90% intervals cover the truth in 80-98% of datasets. The recovery
fits' coverage and truth-median correlation stand beside them.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats as sps

from experiments.inference import calibrate as cal
from experiments.outputs.files import atomic_write_bytes, atomic_write_json, atomic_write_parquet, claim_for_resuming
from experiments.running.config import compose_checked
from experiments.running.jobs import code_digest, config_hash
from sim.schema import ConfigError
from experiments.running.execution import progress_bar, replicate_seed
from experiments.running.workers import parallel_map

TABLE_STREAM, FIT_STREAM = 3, 4
"""Spawn keys of the reference table's prior draws and of the recovery truths."""
BINS = 20
"""Bins of the SBC rank histogram."""


# ------------------------------------------------------------------ draws and the reference table

def prior_draws(parameters, n: int, seed: int, stream: int) -> pd.DataFrame:
    """n draws from the priors (a function of seed and stream)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream,)))
    return pd.DataFrame({p.name: p.frozen().rvs(size=n, random_state=rng) for p in parameters})


def _simulate_row(theta: dict, config, seed: int) -> dict:
    return cal.simulate(theta, config, seed, None, patterns=True)


def reference_table(config, parameters, n: int, seed: int, workers: int, folder: Path, chunk: int = 1000,
                    progress: bool = True) -> pd.DataFrame:
    """The prior draws and their simulated statistics, row i seeded by `replicate_seed(seed, i)`;
    each chunk of rows is kept in `folder` as it finishes, so an interrupted study resumes."""
    folder.mkdir(parents=True, exist_ok=True)
    theta = prior_draws(parameters, n, seed, TABLE_STREAM)
    frames = []
    chunks = range(math.ceil(n / chunk))
    todo = [c for c in chunks if not (folder / f"rows_{c:04d}.parquet").is_file()]
    rows_todo = [i for c in todo for i in range(c * chunk, min(n, (c + 1) * chunk))]
    tasks = ((theta.iloc[i].to_dict(), config, replicate_seed(seed, i)) for i in rows_todo)
    sims = iter(progress_bar(parallel_map(_simulate_row, tasks, workers), len(rows_todo), progress,
                             "reference table"))
    for c in chunks:
        path = folder / f"rows_{c:04d}.parquet"
        if c in todo:
            rows = list(range(c * chunk, min(n, (c + 1) * chunk)))
            part = [next(sims) for _ in rows]
            frame = pd.concat([theta.iloc[rows].reset_index(drop=True), pd.DataFrame(part)], axis=1)
            frame.insert(0, "row", rows)
            atomic_write_parquet(frame, path)
        frames.append(pd.read_parquet(path))
    return pd.concat(frames, ignore_index=True)


# ------------------------------------------------------------------ rejection ABC on the table

def observed_of(data: dict, fitted, n_of: dict, targets: dict) -> dict:
    """Simulated data as the calibration reads observed figures: a survey figure {share, n} with
    the case's number of respondents, a pattern {value, sd} with its target's SD."""
    out = {}
    for k in fitted:
        out[k] = {"value": float(data[k]), "sd": targets[k]["sd"]} if k in targets else \
            {"share": float(data[k]), "n": n_of[k]}
    return out


def distances(table: pd.DataFrame, observed: dict, fitted, scale: dict) -> np.ndarray:
    """The calibration's distance from every table row to the observed figures, in the real data's
    units `scale` (`calibrate.distance_scales` of the case's figures, so every set's epsilon means
    what the calibration's does; a statistic a simulation could not measure counts as 10 units, as
    in `calibrate.make_distance`)."""
    total = np.zeros(len(table))
    for k in fitted:
        z = (table[k].to_numpy(float) - cal.observed_value(observed[k])) / scale[k]
        total += np.where(np.isfinite(z), z * z, 100.0)
    return np.sqrt(total)


def abc_posterior(table: pd.DataFrame, parameters, observed: dict, fitted, scale: dict, *,
                  epsilon: float | None = None, nearest: int = 100, exclude: int | None = None) -> dict:
    """The ABC posterior from the table, as the calibration defines it: the prior draws whose
    statistics lie within `epsilon` of the observed ones in the calibration's distance (with the
    real data's units, `scale`), each with equal weight; if fewer than `nearest` rows are within
    it, the `nearest` closest rows (the epsilon they reach is reported). Returns the draws, the
    epsilon reached, the number within `epsilon`, and whether that number is at least `nearest`."""
    d = distances(table, observed, fitted, scale)
    if exclude is not None:
        d[exclude] = np.inf
    within = int(np.sum(d <= epsilon)) if epsilon is not None else 0
    if epsilon is not None and within >= nearest:
        keep, reached = np.flatnonzero(d <= epsilon), float(epsilon)
    else:
        keep = np.argsort(d, kind="stable")[:nearest]
        reached = float(d[keep].max())
    frame = table.iloc[keep][[p.name for p in parameters]].reset_index(drop=True)
    frame["weight"] = 1.0 / len(keep)
    return {"posterior": frame, "epsilon": reached, "within": within,
            "converged": bool(epsilon is not None and within >= nearest)}


# ------------------------------------------------------------------ recovery and SBC

REFINE_STREAM = 5
"""Spawn key of the second stage's proposals."""


def prior_density(parameters, frame: pd.DataFrame) -> np.ndarray:
    """The prior's density at each row (independent priors: the product of the marginals)."""
    density = np.ones(len(frame))
    for p in parameters:
        density *= p.frozen().pdf(frame[p.name].to_numpy(float))
    return density


def refine(start: pd.DataFrame, parameters, config, observed: dict, fitted, scale: dict, epsilon: float, sims: int,
           seed: int, workers: int, nearest: int) -> dict:
    """A second stage for a fit the table could not take to `epsilon`: `sims` proposals from a
    Gaussian mixture around its first-stage draws (each a draw with twice their covariance, as
    pyabc's multivariate normal transition does; proposals outside the prior's support dropped),
    simulated, and accepted within `epsilon`, each weighted by prior over proposal density
    (importance sampling: the weighted draws are the ABC posterior at `epsilon`, as one more
    ABC-SMC generation would give; Beaumont 2010). Converged when the accepted draws' effective
    number is at least `nearest` / 2."""
    names = [p.name for p in parameters]
    centres = start[names].to_numpy(float)
    cov = 2.0 * np.atleast_2d(np.cov(centres.T)) + 1e-12 * np.eye(len(names))
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(REFINE_STREAM,)))
    draws = []
    while sum(len(d) for d in draws) < sims:
        pick = centres[rng.integers(0, len(centres), sims)]
        cand = pd.DataFrame(pick + rng.multivariate_normal(np.zeros(len(names)), cov, sims), columns=names)
        draws.append(cand[prior_density(parameters, cand) > 0])
    proposals = pd.concat(draws, ignore_index=True).iloc[:sims]
    x = proposals[names].to_numpy(float)
    q = sps.multivariate_normal(np.zeros(len(names)), cov)
    mixture = np.mean([q.pdf(x - c) for c in centres], axis=0)
    weights = prior_density(parameters, proposals) / mixture
    results = list(parallel_map(_simulate_row, ((row, config, replicate_seed(seed, i))
                                                for i, row in enumerate(proposals.to_dict("records"))), workers))
    simulated = pd.concat([proposals, pd.DataFrame(results)], axis=1)
    d = distances(simulated, observed, fitted, scale)
    keep = d <= epsilon
    w = weights[keep]
    ess = float(w.sum() ** 2 / (w ** 2).sum()) if keep.any() else 0.0
    if ess >= nearest / 2:
        post = proposals[keep].reset_index(drop=True)
        post["weight"] = w / w.sum()
        return {"posterior": post, "epsilon": float(epsilon), "within": int(keep.sum()), "ess": ess,
                "converged": True}
    order = np.argsort(d, kind="stable")[:nearest]  # the epsilon the best draws reach
    post = proposals.iloc[order].reset_index(drop=True)
    post["weight"] = weights[order] / weights[order].sum()
    return {"posterior": post, "epsilon": float(d[order].max()), "within": int(keep.sum()), "ess": ess,
            "converged": False}


def recover(table, parameters, truths: pd.DataFrame, data: list[dict], fitted, n_of, targets, scale, epsilon: float,
            nearest: int, config=None, refine_sims: int = 0, seed: int = 0, workers: int = 1,
            folder: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame, list]:
    """Per recovery set: fits.csv's row, recovery.csv's rows per parameter, and the posterior. A fit
    the table cannot take to `epsilon` gets a second stage of `refine_sims` simulations
    (`refine`), kept in `folder` so an interrupted study resumes."""
    fits, rows, posteriors = [], [], []
    for k, (truth, sim) in enumerate(zip(truths.to_dict("records"), data)):
        observed = observed_of(sim, fitted, n_of, targets)
        fit = abc_posterior(table, parameters, observed, fitted, scale, epsilon=epsilon, nearest=nearest)
        generations, simulations, ess = 1, len(table), float(fit["within"])
        if not fit["converged"] and refine_sims and config is not None:
            saved = folder / f"set_{k:03d}.parquet" if folder is not None else None
            if saved is not None and saved.is_file():
                kept = pd.read_parquet(saved)
                meta = json.loads((folder / f"set_{k:03d}.json").read_text())
                fit = {"posterior": kept, **meta}
            else:
                fit = refine(fit["posterior"], parameters, config, observed, fitted, scale, epsilon, refine_sims,
                             seed + 7919 * (k + 1), workers, nearest)
                if saved is not None:
                    folder.mkdir(parents=True, exist_ok=True)
                    atomic_write_parquet(fit["posterior"], saved)
                    atomic_write_json({k2: v for k2, v in fit.items() if k2 != "posterior"},
                                      folder / f"set_{k:03d}.json")
            generations, simulations, ess = 2, len(table) + refine_sims, fit["ess"]
        post = fit["posterior"]
        posteriors.append(post)
        fits.append({"set": k, "final_epsilon": fit["epsilon"], "target_epsilon": epsilon,
                     "accepted_within_target": fit["within"], "effective_draws": ess, "generations": generations,
                     "simulations": simulations, "converged": fit["converged"]})
        rows += posterior_rows(parameters, post, truth, {"set": k, "converged": fit["converged"]})
    return pd.DataFrame(fits), pd.DataFrame(rows), posteriors


def posterior_rows(parameters, post: pd.DataFrame, truth: dict, extra: dict) -> list[dict]:
    """Per parameter, how a posterior sits against the truth: median, SD, contraction, whether its
    central 50% and 90% intervals cover the truth, the truth's rank fraction, and the prior mean."""
    w = post["weight"].to_numpy()
    rows = []
    for p in parameters:
        x, t = post[p.name].to_numpy(), float(truth[p.name])
        mean = float(np.sum(w * x))
        var = float(np.sum(w * (x - mean) ** 2))
        q = {lvl: (cal.weighted_quantile(x, w, (1 - lvl) / 2), cal.weighted_quantile(x, w, (1 + lvl) / 2))
             for lvl in (0.5, 0.9)}
        rows.append({**extra, "parameter": p.name, "truth": t, "median": cal.weighted_quantile(x, w, 0.5),
                     "sd": math.sqrt(var), "contraction": 1.0 - var / float(p.frozen().var()),
                     "covered_50": bool(q[0.5][0] <= t <= q[0.5][1]), "covered_90": bool(q[0.9][0] <= t <= q[0.9][1]),
                     "rank_fraction": float(np.sum(w * (x < t)) + 0.5 * np.sum(w * (x == t))),
                     "prior_mean": float(p.frozen().mean())})
    return rows


def sbc(table, parameters, fitted, n_of, targets, scale, count: int, epsilon: float, nearest: int) -> pd.DataFrame:
    """Simulation-based calibration on the first `count` table rows as truths: each one's ABC
    posterior from the other rows, built as the recovery fits' are (within the calibration's
    epsilon, or the `nearest` closest rows), and where the truth falls in it (`posterior_rows`)."""
    rows = []
    for i in range(min(count, len(table))):
        truth = table.iloc[i].to_dict()
        observed = observed_of(truth, fitted, n_of, targets)
        fit = abc_posterior(table, parameters, observed, fitted, scale, epsilon=epsilon, nearest=nearest, exclude=i)
        rows += posterior_rows(parameters, fit["posterior"], truth, {"dataset": i, "converged": fit["converged"]})
    return pd.DataFrame(rows)


def sbc_tests(ranks: pd.DataFrame, bins: int = BINS) -> pd.DataFrame:
    """Per parameter: the chi-square test of the rank histogram's uniformity, and the error of the
    posterior median against that of always guessing the prior mean."""
    out = []
    for name, d in ranks.groupby("parameter", sort=False):
        counts = np.histogram(d["rank_fraction"].clip(0, 1 - 1e-12), bins=bins, range=(0, 1))[0]
        chi2, p = sps.chisquare(counts)
        error = float(np.mean(np.abs(d["median"] - d["truth"])))
        prior_error = float(np.mean(np.abs(d["prior_mean"] - d["truth"])))
        out.append({"parameter": name, "datasets": len(d), "chi2": float(chi2), "p": float(p),
                    "uniform": bool(p >= 0.01), "mean_abs_error": error, "prior_mean_abs_error": prior_error,
                    "error_ratio": error / prior_error if prior_error > 0 else math.nan})
    return pd.DataFrame(out)


def verdict(contraction: float, error_ratio: float) -> str:
    """The one rule for every quantity (see the module's docstring)."""
    if np.isfinite(contraction) and contraction >= 0.5 and error_ratio <= 0.7:
        return "identified"
    if error_ratio <= 0.9:
        return "weakly identified"
    return "not identified"


def summarise(ranks: pd.DataFrame, tests: pd.DataFrame, rec: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    """One row per quantity. Every criterion of the verdict comes from the SBC datasets (one
    posterior construction, the calibration's ABC posterior): mean contraction, the error of the
    posterior median against the prior mean's, the 90% intervals' coverage, the rank histogram's
    uniformity. The recovery fits' coverage and correlation are reported beside them."""
    rows = []
    by_test = tests.set_index("parameter")
    by_fit = dict(tuple(rec.groupby("parameter", sort=False))) if len(rec) else {}
    for name, d in ranks.groupby("parameter", sort=False):
        t = by_test.loc[name]
        f = by_fit.get(name)
        contraction = float(d["contraction"].mean())
        coverage_90 = float(d["covered_90"].mean())
        rows.append({"quantity": name, "sbc_datasets": len(d), "mean_contraction": contraction,
                     "coverage_50": float(d["covered_50"].mean()), "coverage_90": coverage_90,
                     "mean_abs_error": float(t["mean_abs_error"]), "prior_mean_abs_error": float(t["prior_mean_abs_error"]),
                     "error_ratio": float(t["error_ratio"]), "sbc_p": float(t["p"]),
                     "verdict": verdict(contraction, float(t["error_ratio"])),
                     "calibrated": bool(t["uniform"] and 0.8 <= coverage_90 <= 0.98),
                     "recovery_sets": len(f) if f is not None else 0,
                     "recovery_coverage_90": float(f["covered_90"].mean()) if f is not None else math.nan,
                     "recovery_correlation": float(np.corrcoef(f["truth"], f["median"])[0, 1])
                     if f is not None and len(f) > 2 else math.nan})
    s = shares.dropna(subset=["truth", "estimate"])
    if len(s):
        error = float(np.mean(np.abs(s["estimate"] - s["truth"])))
        guess = float(np.mean(np.abs(s["truth"].mean() - s["truth"])))
        ratio = error / guess if guess > 0 else math.nan
        # a derived quantity with no prior of its own: only the error rule applies (no contraction, no
        # SBC), against guessing the truths' mean, so its best verdict is "weakly identified"
        rows.append({"quantity": "real_change_share_of_network_rise", "sbc_datasets": 0, "mean_contraction": math.nan,
                     "coverage_50": math.nan, "coverage_90": float(s["covered_90"].mean()), "mean_abs_error": error,
                     "prior_mean_abs_error": guess, "error_ratio": ratio, "sbc_p": math.nan,
                     "verdict": verdict(math.nan, ratio), "calibrated": bool(0.8 <= s["covered_90"].mean() <= 0.98),
                     "recovery_sets": len(s), "recovery_coverage_90": float(s["covered_90"].mean()),
                     "recovery_correlation": float(np.corrcoef(s["truth"], s["estimate"])[0, 1]) if len(s) > 2
                     else math.nan})
    return pd.DataFrame(rows)


def real_change_shares(truths: pd.DataFrame, posteriors: list, config, seed: int, truth_runs: int, draws: int,
                       workers: int) -> pd.DataFrame:
    """The real-change share of the network rise per recovery set: at the truth (mean over
    `truth_runs` seeds) and from `draws` posterior draws (one seed each), with a 90% interval."""
    out = []
    for k, (truth, post) in enumerate(zip(truths.to_dict("records"), posteriors)):
        seed_k = seed + 1000 * (k + 1)
        true_parts = pd.DataFrame(list(parallel_map(
            cal.decomposition, ((truth, config, seed_k + 7 + i, None) for i in range(truth_runs)), workers)))
        thetas = cal.posterior_draws(post, draws, seed_k)
        parts = pd.DataFrame(list(parallel_map(
            cal.decomposition, ((t, config, seed_k + 5000 + i, None) for i, t in enumerate(thetas)), workers)))
        per_draw = np.array([cal.real_change_share(r) for r in parts.to_dict("records")])
        per_draw = per_draw[np.isfinite(per_draw)]
        row = {"set": k, "truth": cal.real_change_share(true_parts.mean().to_dict()),
               "estimate": cal.real_change_share(parts.mean().to_dict()),
               "low_90": float(np.quantile(per_draw, 0.05)) if per_draw.size else math.nan,
               "high_90": float(np.quantile(per_draw, 0.95)) if per_draw.size else math.nan}
        row["covered_90"] = bool(row["low_90"] <= row["truth"] <= row["high_90"])
        out.append(row)
    return pd.DataFrame(out)


# ------------------------------------------------------------------ figures

def figure(rec: pd.DataFrame, shares: pd.DataFrame, summary: pd.DataFrame):
    from experiments.outputs import plots

    plots._style()
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(rec["parameter"]))
    cols = 5
    rows = math.ceil((len(names) + 1) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 3.2 * rows), squeeze=False)
    verdicts = summary.set_index("quantity")["verdict"]
    for ax, name in zip(axes.flat, names):
        d = rec[rec["parameter"] == name]
        ax.errorbar(d["truth"], d["median"], yerr=2 * d["sd"], fmt="o", ms=3, lw=0.6,
                    color=plots.COLOURS["programme"], ecolor="#999999")
        lo, hi = min(d["truth"].min(), d["median"].min()), max(d["truth"].max(), d["median"].max())
        ax.plot([lo, hi], [lo, hi], color="black", lw=0.8, ls="--")
        ax.set_xlabel(f"true {name}", fontsize=8)
        ax.set_ylabel("posterior median (+/- 2 SD)", fontsize=8)
        ax.set_title(f"{name}: {verdicts.get(name, '')}", fontsize=8)
    ax = axes.flat[len(names)]
    s = shares.dropna(subset=["truth", "estimate"])
    if len(s):
        ax.errorbar(s["truth"], s["estimate"], yerr=np.clip(np.vstack([s["estimate"] - s["low_90"],
                                                                       s["high_90"] - s["estimate"]]), 0, None),
                    fmt="o", ms=3, lw=0.6, color=plots.COLOURS["real_change"], ecolor="#999999")
    ax.plot([0, 1], [0, 1], color="black", lw=0.8, ls="--")
    ax.set_xlabel("true real-change share of the network rise", fontsize=8)
    ax.set_ylabel("recovered (90% interval)", fontsize=8)
    ax.set_title("real change vs response shift", fontsize=8)
    for ax in list(axes.flat)[len(names) + 1:]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def sbc_figure(ranks: pd.DataFrame, tests: pd.DataFrame, bins: int = BINS):
    """Rank histograms with the 99% band of a uniform histogram's counts."""
    from experiments.outputs import plots

    plots._style()
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(ranks["parameter"]))
    cols = 5
    rows = math.ceil(len(names) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.0 * cols, 2.6 * rows), squeeze=False)
    p_of = tests.set_index("parameter")["p"]
    for ax, name in zip(axes.flat, names):
        d = ranks[ranks["parameter"] == name]
        n = len(d)
        lo, hi = sps.binom.ppf([0.005, 0.995], n, 1 / bins)
        ax.axhspan(lo, hi, color="#dddddd")
        ax.hist(d["rank_fraction"].clip(0, 1 - 1e-12), bins=bins, range=(0, 1), color=plots.COLOURS["programme"])
        ax.set_title(f"{name} (p = {p_of[name]:.2f})", fontsize=8)
        ax.set_xlabel("rank of the truth in its posterior", fontsize=7)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------ the command

def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--table", type=int, default=50_000, help="reference-table simulations (prior draws)")
    ap.add_argument("--fits", type=int, default=30, help="recovery parameter sets")
    ap.add_argument("--sbc", type=int, default=300, help="simulation-based calibration datasets (table rows)")
    ap.add_argument("--refine", type=int, default=1500,
                    help="simulations of the second stage for each fit the table cannot take to the epsilon")
    ap.add_argument("--min-accepted", type=int, default=100,
                    help="rows within the calibration's epsilon for a recovery fit to count as converged")
    ap.add_argument("--epsilon", type=float, default=None,
                    help="the recovery fits' epsilon (default: the real calibration's final epsilon, "
                    "docs/calibration/calibration.json)")
    ap.add_argument("--truth-runs", type=int, default=8, help="seeds behind each true real-change share")
    ap.add_argument("--share-draws", type=int, default=20, help="posterior draws behind each recovered share")
    ap.add_argument("--seed", type=int, default=20261127)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default="outputs/recovery")
    ap.add_argument("--quick", action="store_true", help="tiny setting for CI")
    ap.add_argument("overrides", nargs="*", help="Hydra overrides of the case study")
    args = ap.parse_args(argv)
    for name in ("table", "fits", "sbc", "min_accepted", "truth_runs", "share_draws", "workers"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')}: must be a whole number >= 1")
    if args.refine < 0:
        ap.error("--refine: must be a whole number >= 0 (0: no second stage)")
    least = len(cal.CASE.parameters) + 1
    if args.quick:  # the nearest rows' covariance needs more rows than constants: twice, as calibrate --quick
        args.table, args.fits, args.sbc, args.min_accepted, args.refine = 120, 2, 20, 2 * least - 2, 30
        args.truth_runs, args.share_draws = 2, 3
    elif args.min_accepted < least:
        ap.error(f"--min-accepted={args.min_accepted}: must be at least {least} (one more than the "
                 f"{least - 1} fitted constants: a second stage draws around the nearest rows with their "
                 "covariance, which is singular with fewer)")
    if args.sbc > args.table - args.min_accepted:
        ap.error(f"--sbc {args.sbc}: at most --table minus --min-accepted ({args.table - args.min_accepted})")
    started = time.perf_counter()
    config = compose_checked(["experiment=case_study", *args.overrides])
    if not config.programme_end:
        ap.error("the configuration has no programme to calibrate (intervention.leadership_programme)")
    calibration = cal.CASE
    parameters, fitted = calibration.parameters, calibration.fitted
    observed = cal.observed_figures(config, patterns=True)
    n_of = {s: observed[s]["n"] for s in cal.STATS}
    targets = cal.pattern_targets()
    epsilon = args.epsilon
    if epsilon is None:
        record = Path(cal.__file__).resolve().parents[2] / "docs" / "calibration" / "calibration.json"
        if not record.is_file():
            ap.error(f"--epsilon: not given, and {record} (the real calibration's record) is missing")
        epsilon = float(json.loads(record.read_text())["final_epsilon"])
    out = Path(args.out)
    # the table's chunks and the second stages kept in out/ are this study's only if made with these settings
    identity = {"study": "recovery", "code": code_digest(), "config": config_hash(config.raw),
                "parameters": {p.name: [p.path, *p.prior] for p in parameters}, "fitted": list(fitted),
                "targets": targets, "table": args.table, "fits": args.fits, "refine": args.refine,
                "min_accepted": args.min_accepted, "epsilon": epsilon, "seed": args.seed}
    try:
        claim_for_resuming(out, identity, "*/*.parquet")
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    progress = True
    print(f"reference table: {args.table} simulations from the priors of {', '.join(p.name for p in parameters)}")
    table = reference_table(config, parameters, args.table, args.seed, args.workers, out / "table",
                            progress=progress)
    # recovery: truths from their own prior stream, simulated at their own seeds
    truths = prior_draws(parameters, args.fits, args.seed, FIT_STREAM)
    data = list(parallel_map(_simulate_row, ((t, config, replicate_seed(args.seed + 1, k))
                                             for k, t in enumerate(truths.to_dict("records"))), args.workers))
    scale = cal.distance_scales(observed, fitted)  # the real data's units, for every set
    fits, rec, posteriors = recover(table, parameters, truths, data, fitted, n_of, targets, scale, epsilon,
                                    args.min_accepted, config, args.refine, args.seed + 3, args.workers,
                                    out / "refine")
    shares = real_change_shares(truths, posteriors, config, args.seed, args.truth_runs, args.share_draws,
                                args.workers)
    ranks = sbc(table, parameters, fitted, n_of, targets, scale, args.sbc, epsilon, args.min_accepted)
    tests = sbc_tests(ranks)
    summary = summarise(ranks, tests, rec, shares)
    seconds = time.perf_counter() - started
    for name, frame in (("fits", fits), ("recovery", rec), ("shares", shares), ("sbc_ranks", ranks),
                        ("sbc", tests), ("summary", summary)):
        atomic_write_bytes(out / f"{name}.csv", frame.to_csv(index=False).encode())
    atomic_write_json({"command": "python -m experiments.recovery " + " ".join(sys.argv[1:] if argv is None else argv),
                       "seed": args.seed, "table": args.table, "fits": args.fits, "sbc": args.sbc,
                       "epsilon": epsilon, "min_accepted": args.min_accepted, "refine": args.refine,
                       "seconds": round(seconds, 1)}, out / "study.json")
    from experiments.outputs import plots

    plots.save(figure(rec, shares, summary), out / "recovery.png")
    plots.save(sbc_figure(ranks, tests), out / "sbc.png")
    converged = int(fits["converged"].sum())
    print(f"recovery: {converged} of {len(fits)} fits reached the calibration's epsilon {epsilon:.2f} with at least "
          f"{args.min_accepted} of {args.table} table rows (fits.csv)")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(summary.round(3).to_string(index=False))
    print(f"outputs: {out} ({seconds:.0f} s)")


if __name__ == "__main__":
    main()
