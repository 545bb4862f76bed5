"""Calibrate the case study to the real survey figures with ABC-SMC (pyabc).

    python -m experiments.calibrate                 # full run (several minutes on 2 cores)
    python -m experiments.calibrate --quick         # a few seconds, for CI
    python -m experiments.calibrate --resume        # continue an interrupted run

What is fitted. Four parameters, with the rest fixed from the literature in the
brief: `behaviour.tie_growth` (how fast an interaction builds a relationship),
`survey.end_bias` (participants' response shift at the programme's end),
`survey.retrospective_bias` (inflation of "have you improved" items) and
`survey.kappa_influence` (how strongly efficacy shows in the influence answer).
Data: the case's end-of-programme figures, network item 82% agree, see-the-system
80% strongly agree, influence 0% disagree, each from about 50 respondents. The
simulator runs the programme arm and the survey with its own respondent
sampling, so each simulated figure is a draw of the statistic those ~50
respondents would give: ABC treats the figures as binomial data, not exact
numbers. The start-of-programme network figure (44%) is not fitted: it anchors
the survey's cuts. `--hold-out STAT` leaves a figure (and any parameter that
only it informs) out of the fit and reports how well the model predicts it.

Outputs (in --out, atomically): abc.db (pyabc history; makes the run resumable),
posterior.parquet (last population: parameters and weights), posterior_summary.csv,
ppc.csv and ppc.png (posterior predictive check), and conf/behaviour/calibrated.yaml
(the posterior medians, with the command, date and seed that produced them).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.analysis import wilson
from experiments.config import CONF_DIR, CheckedConfig, apply_overrides, compose_checked
from experiments.outputs import atomic_write_bytes, atomic_write_parquet
from sim import CollaborationModel
from sim.survey import shares

PRIORS = {  # name: (config path, low, high, statistics it informs) - uniform priors
    "tie_growth": ("behaviour.tie_growth", 0.08, 0.4, None),
    "end_bias": ("survey.end_bias", 0.0, 1.5, None),
    "retrospective_bias": ("survey.retrospective_bias", 0.0, 3.0, ("see_system_strongly_agree_end",)),
    "kappa_influence": ("survey.kappa_influence", 0.3, 4.0, ("influence_disagree_end",)),
}
TARGETS = ("network_agree_end", "see_system_strongly_agree_end", "influence_disagree_end")
STATS = ("network_agree_start", *TARGETS)


def theta_seed(theta: dict, base_seed: int) -> int:
    """A seed from the parameter values: the simulator is a deterministic function of (theta, seed)."""
    key = json.dumps({k: round(float(v), 12) for k, v in sorted(theta.items())}) + str(base_seed)
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "little") >> 1


def simulate(theta: dict, config: CheckedConfig, seed: int) -> dict:
    """The programme arm to the end of the programme, then the case's statistics."""
    end = config.programme_end
    c = apply_overrides(config, {**{PRIORS[k][0]: float(v) for k, v in theta.items()},
                                 "survey.waves": [0, end]})  # only what the fit needs
    model = CollaborationModel(c.partnership, n_weeks=end, burn_in_weeks=c.run.burn_in_weeks,
                               behaviour=c.behaviour, interventions=list(c.interventions.values()),
                               survey=c.survey, rng=seed)
    model.run()
    s = shares(model.survey.frame()).set_index(["week", "group"])
    return {"network_agree_start": s.loc[(0, "participant"), "network_agree"],
            "network_agree_end": s.loc[(end, "participant"), "network_agree"],
            "see_system_strongly_agree_end": s.loc[(end, "participant"), "see_system_strongly_agree"],
            "influence_disagree_end": s.loc[(end, "participant"), "influence_disagree"]}


def make_distance(observed: dict, fitted: tuple[str, ...]):
    """Euclidean distance over the fitted statistics, each in binomial standard errors
    (a floor of p = 5% keeps a 0% figure from getting an infinite weight)."""
    scale = {}
    for k in fitted:
        p, n = observed[k]["share"], observed[k]["n"]
        scale[k] = np.sqrt(max(p * (1 - p), 0.05 * 0.95) / n)

    def distance(x: dict, x0: dict) -> float:
        return float(np.sqrt(sum(((x[k] - x0[k]) / scale[k]) ** 2 for k in fitted)))

    return distance


def posterior_frame(history) -> pd.DataFrame:
    df, w = history.get_distribution(m=0, t=history.max_t)
    df = df.reset_index(drop=True)
    df["weight"] = np.asarray(w)
    return df


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(x)
    cw = np.cumsum(w[order])
    return float(np.interp(q * cw[-1], cw, x[order]))


def write_calibrated(summary: pd.DataFrame, command: str, seed: int, path: Path) -> None:
    lines = ["# @package _global_",
             "# Calibrated by ABC-SMC (pyabc) to the case's end-of-programme survey figures.",
             f"# Command: {command}",
             f"# Date: {date.today().isoformat()}; seed: {seed}. Values are posterior medians;",
             "# the posterior itself is in the calibration output (posterior.parquet).",
             "behaviour:"]
    for _, r in summary[summary["path"].str.startswith("behaviour.")].iterrows():
        lines.append(f"  {r['path'].split('.', 1)[1]}: {r['median']:.4g}")
    lines.append("survey:")
    for _, r in summary[summary["path"].str.startswith("survey.")].iterrows():
        lines.append(f"  {r['path'].split('.', 1)[1]}: {r['median']:.4g}")
    atomic_write_bytes(path, ("\n".join(lines) + "\n").encode())


def ppc_figure(ppc: pd.DataFrame, observed: dict, fitted: tuple[str, ...]):
    from experiments import plots

    plots._style()
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(STATS), figsize=(3.3 * len(STATS), 3.2), squeeze=False)
    for ax, k in zip(axes.ravel(), STATS):
        ax.hist(ppc[k], bins=np.linspace(0, 1, 26), color=plots.COLOURS["programme"], alpha=0.7)
        o = observed[k]
        lo, hi = wilson(o["share"], o["n"])
        ax.axvspan(lo, hi, color=plots.COLOURS["observed"], alpha=0.2, lw=0)
        ax.axvline(o["share"], color=plots.COLOURS["observed"], lw=2)
        role = "fitted" if k in fitted else ("anchors the cuts" if k == "network_agree_start" else "held out")
        ax.set_title(f"{k.replace('_', ' ')}\n({role})", fontsize=9)
        ax.set_xlim(0, 1)
    axes.ravel()[0].set_ylabel("posterior predictive draws")
    fig.tight_layout()
    return fig


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="outputs/calibration")
    ap.add_argument("--population", type=int, default=120)
    ap.add_argument("--generations", type=int, default=6)
    ap.add_argument("--min-epsilon", type=float, default=0.5)
    ap.add_argument("--ppc", type=int, default=100, help="posterior predictive draws")
    ap.add_argument("--seed", type=int, default=20261126)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="tiny setting for CI")
    ap.add_argument("--resume", action="store_true", help="continue the run in --out/abc.db")
    ap.add_argument("--write-config", default=str(CONF_DIR / "behaviour" / "calibrated.yaml"),
                    help="where to write the calibrated defaults ('' to skip)")
    ap.add_argument("--hold-out", action="append", default=[], choices=TARGETS,
                    help="a figure to leave out of the fit and predict (repeatable)")
    ap.add_argument("overrides", nargs="*", help="Hydra overrides for the case study")
    args = ap.parse_args(argv)
    fitted = tuple(k for k in TARGETS if k not in args.hold_out)
    if not fitted:
        ap.error("--hold-out: at least one figure must stay in the fit")
    priors = {k: v for k, v in PRIORS.items() if v[3] is None or set(v[3]) & set(fitted)}
    if args.quick:
        args.population, args.generations, args.ppc = 12, 2, 8
    logging.getLogger("pyabc").setLevel(logging.WARNING)
    logging.getLogger("MESA").setLevel(logging.WARNING)
    import pyabc

    config = compose_checked(["experiment=case_study", *args.overrides])
    observed = config.case["observed"]
    observed = {k: {"share": float(observed[k]["share"]), "n": int(observed[k]["n"])} for k in STATS}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    db = f"sqlite:///{(out / 'abc.db').resolve()}"

    def model(theta):
        theta = {k: theta[k] for k in priors}
        return simulate(theta, config, theta_seed(theta, args.seed))

    prior = pyabc.Distribution(**{k: pyabc.RV("uniform", lo, hi - lo) for k, (_, lo, hi, _) in priors.items()})
    sampler = (pyabc.sampler.MulticoreEvalParallelSampler(n_procs=args.workers) if args.workers > 1
               else pyabc.sampler.SingleCoreSampler())
    abc = pyabc.ABCSMC(model, prior, make_distance(observed, fitted), population_size=args.population,
                       sampler=sampler)
    x0 = {k: observed[k]["share"] for k in STATS}
    if args.resume and (out / "abc.db").exists():
        history = abc.load(db, 1)
        done = history.max_t + 1
        print(f"resuming: {done} generation(s) already in {out / 'abc.db'}")
    else:
        if (out / "abc.db").exists():
            (out / "abc.db").unlink()
        history = abc.new(db, x0)
        done = 0
    if done < args.generations:
        history = abc.run(minimum_epsilon=args.min_epsilon, max_nr_populations=args.generations - done)

    post = posterior_frame(history)
    atomic_write_parquet(post, out / "posterior.parquet")
    rows = []
    for k, (path, lo, hi, _) in priors.items():
        x, w = post[k].to_numpy(), post["weight"].to_numpy()
        rows.append({"parameter": k, "path": path, "prior_low": lo, "prior_high": hi,
                     "median": weighted_quantile(x, w, 0.5), "low": weighted_quantile(x, w, 0.025),
                     "high": weighted_quantile(x, w, 0.975)})
    summary = pd.DataFrame(rows)
    atomic_write_bytes(out / "posterior_summary.csv", summary.to_csv(index=False).encode())

    # posterior predictive check: fresh seeds, parameters drawn by weight
    rng = np.random.default_rng(np.random.SeedSequence(args.seed, spawn_key=(1,)))
    idx = rng.choice(len(post), size=args.ppc, p=post["weight"] / post["weight"].sum())
    draws = []
    for i, j in enumerate(idx):
        theta = {k: float(post.loc[j, k]) for k in priors}
        draws.append({**theta, **simulate(theta, config, theta_seed(theta, args.seed + 1 + i))})
    ppc = pd.DataFrame(draws)
    atomic_write_bytes(out / "ppc.csv", ppc.to_csv(index=False).encode())
    from experiments import plots

    plots.save(ppc_figure(ppc, observed, fitted), out / "ppc.png")

    print(f"\nABC-SMC: {history.max_t + 1} generations, population {args.population}, "
          f"{history.total_nr_simulations} simulations")
    print(summary[["parameter", "median", "low", "high", "prior_low", "prior_high"]].to_string(
        index=False, float_format=lambda v: f"{v:.3f}"))
    print("\nposterior predictive check (95% interval of the simulated statistic):")
    for k in STATS:
        lo, hi = np.quantile(ppc[k], [0.025, 0.975])
        role = "fitted" if k in fitted else ("anchor" if k == "network_agree_start" else "held out")
        inside = "covers" if lo <= observed[k]["share"] <= hi else "MISSES"
        print(f"  {k:<32} observed {observed[k]['share']:.0%}  simulated {ppc[k].mean():.0%} "
              f"[{lo:.0%}, {hi:.0%}]  {inside}  ({role})")
    if args.write_config:
        command = "python -m experiments.calibrate " + " ".join(sys.argv[1:] if argv is None else argv)
        write_calibrated(summary, command.strip(), args.seed, Path(args.write_config))
        print(f"\ncalibrated defaults written to {args.write_config}")
    print(f"outputs: {out}")


if __name__ == "__main__":
    main()
