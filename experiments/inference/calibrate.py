"""Calibrate the case study to the real survey figures with ABC-SMC (pyabc).

    python -m experiments.calibrate                      # full run (a few minutes on 2 cores)
    python -m experiments.calibrate --quick              # seconds, for CI
    python -m experiments.calibrate --resume             # continue an interrupted run
    python -m experiments.calibrate --out docs/calibration   # the committed calibration

What is fitted, and what is not (docs/ODD.md 7.9 and 9):

- Data: the case's end-of-programme figures for the network item (82% agree)
  and the see-the-system item (80% strongly agree), each from about 50
  respondents. The simulator runs the programme arm with the survey's own
  respondent sampling, so a simulated figure is a draw of what ~50 respondents
  would say: ABC treats the figures as binomial data, not exact numbers.
- Held out, as a test that stays a test: the influence item (0% disagree) is
  never fitted by default; its prediction is reported, hit or miss.
- The start figure (44% agree with the network item) fixes the network item's
  cut on the reference population (all eligible leaders at baseline) for each
  parameter set tried: `CutTable`. The cohort's own start answer stays free.
- Parameters (`PARAMETERS`): `behaviour.tie_growth` with a wide uniform prior,
  and the two response-shift terms with informative priors from the literature
  (`survey.end_shift`, `survey.retrospective_shift`): the case cannot tell real
  change from response shift, so these priors, not the data, decide the split.
  The posterior summary reports each parameter's contraction
  (1 - posterior variance / prior variance); the recovery study
  (experiments.inference.recovery) says what the figures can identify.

Outputs (in --out, atomically): abc.db (pyabc history; makes the run resumable),
cut_table.csv, posterior.parquet, posterior_summary.csv, correlations.csv,
ppc.csv and ppc.png (posterior predictive check, including the held-out figure),
calibration.json (settings, generations, simulations, predictions), and
conf/behaviour/calibrated.yaml (posterior medians and the network cut at the
median tie growth, with the command, date and seed that produced them).

The run is a function of --seed alone, whatever --workers (experiments.inference.abc_sampler).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats as sps

from experiments.analysis.effects import wilson
from experiments.running.config import CONF_DIR, CheckedConfig, apply_overrides, compose_checked
from experiments.running.execution import replicate_seed, single_threaded
from experiments.outputs.files import atomic_write_bytes, atomic_write_json, atomic_write_parquet
from experiments.inference.survey_reference import REFERENCE_SEED, baseline_constructs, cut_for
from experiments.running.workers import parallel_map
from sim.schema import ConfigError
from sim.survey import expected_shares


@dataclass(frozen=True)
class Parameter:
    """A calibrated parameter: its config path, its prior and the prior's source."""

    name: str
    path: str
    prior: tuple  # ("uniform", low, high) or ("truncnorm", mean, sd, low)
    source: str

    def rv(self):
        import pyabc

        if self.prior[0] == "uniform":
            _, low, high = self.prior
            return pyabc.RV("uniform", low, high - low)
        _, mean, sd, low = self.prior
        return pyabc.RV("truncnorm", (low - mean) / sd, np.inf, loc=mean, scale=sd)

    def frozen(self):
        """The prior as a frozen scipy distribution (mean, variance, sampling)."""
        if self.prior[0] == "uniform":
            _, low, high = self.prior
            return sps.uniform(low, high - low)
        _, mean, sd, low = self.prior
        return sps.truncnorm((low - mean) / sd, np.inf, loc=mean, scale=sd)

    def describe(self) -> str:
        if self.prior[0] == "uniform":
            return f"U({self.prior[1]:g}, {self.prior[2]:g})"
        return f"N({self.prior[1]:g}, {self.prior[2]:g}) truncated at {self.prior[3]:g}"


PARAMETERS = (
    Parameter("tie_growth", "behaviour.tie_growth", ("uniform", 0.08, 0.4),
              "wide: from no strong cross-organisation ties at baseline (< 0.15) to a dense baseline "
              "network (0.4); Burt 2000 gives the form, not the rate"),
    Parameter("end_shift", "survey.end_shift", ("truncnorm", 0.3, 0.12, 0.0),
              "response-shift recalibration d 0.2-0.3 (Schwartz et al. 2006; Sawatzky et al. 2024); "
              "self-rating leniency d 0.32 (Heidemeier & Moser 2009)"),
    Parameter("retrospective_shift", "survey.retrospective_shift", ("truncnorm", 0.5, 0.25, 0.0),
              "retrospective 'I have improved' ratings inflate leadership-training effects (Taylor, "
              "Russ-Eft & Taylor 2009b; Hill & Betz 2005); magnitude assumed"),
)
BY_NAME = {p.name: p for p in PARAMETERS}
STATS = ("network_agree_start", "network_agree_end", "see_system_strongly_agree_end", "influence_disagree_end")
FITTED = ("network_agree_end", "see_system_strongly_agree_end")
"""Fitted by default; everything else in STATS is predicted."""


def role_of(statistic: str, fitted: tuple[str, ...]) -> str:
    if statistic in fitted:
        return "fitted"
    if statistic == "network_agree_start":
        return "anchors the cut (reference population)"
    return "held out"


# ------------------------------------------------------------------ the network cut per tie growth

@dataclass
class CutTable:
    """The network item's cut as a function of tie growth: the cut at which the start figure of
    the reference population agrees, in the instrument's fixed units (`survey_reference`),
    tabulated on a grid and interpolated linearly."""

    tie_growth: np.ndarray
    cut: np.ndarray

    def __call__(self, tie_growth: float) -> float:
        return float(np.interp(tie_growth, self.tie_growth, self.cut))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({"tie_growth": self.tie_growth, "network_agree_cut": self.cut})

    @classmethod
    def build(cls, config: CheckedConfig, low: float, high: float, points: int = 33, runs: int = 40,
              agree_share: float = 0.44, workers: int = 1) -> "CutTable":
        grid = np.linspace(low, high, points)
        tasks = [(config, replicate_seed(REFERENCE_SEED, r), config.behaviour.replace(tie_growth=float(g)))
                 for g in grid for r in range(runs)]
        parts = list(parallel_map(baseline_constructs, tasks, workers))
        cuts = [cut_for(np.concatenate([p["network"] for p in parts[i * runs:(i + 1) * runs]]), config.survey,
                        agree_share) for i in range(points)]
        return cls(grid, np.asarray(cuts))


# ------------------------------------------------------------------ the simulator

def theta_seed(theta: dict, base_seed: int) -> int:
    """A seed from the parameter values: the simulator is a deterministic function of (theta, seed)."""
    key = json.dumps({k: round(float(v), 12) for k, v in sorted(theta.items())}) + str(base_seed)
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "little") >> 1


def configured(theta: dict, config: CheckedConfig, cuts: CutTable, waves=None) -> CheckedConfig:
    """The configuration at parameter values `theta`, with the network cut anchored for them."""
    values = {BY_NAME[k].path: float(v) for k, v in theta.items()}
    tie_growth = float(theta.get("tie_growth", config.behaviour.tie_growth))
    values["survey.network_agree_cut"] = cuts(tie_growth)
    if waves is not None:
        values["survey.waves"] = list(waves)
    return apply_overrides(config, values)


@single_threaded
def simulate(theta: dict, config: CheckedConfig, seed: int, cuts: CutTable) -> dict:
    """The programme arm to the end of the programme, then the case's statistics among the
    responding participants: as reported, and (`..._without_shift`) from real change alone."""
    end = config.programme_end
    c = configured(theta, config, cuts, waves=(0, end))
    model = c.spec.model(seed, weeks=end, observe=False)  # only the survey is read
    model.run()
    out = {}
    for suffix, without_shift in (("", False), ("_without_shift", True)):
        start = model.survey.statistics(0, "participant", without_shift)
        finish = model.survey.statistics(end, "participant", without_shift)
        out["network_agree_start" + suffix] = start["network_agree"]
        out["network_agree_end" + suffix] = finish["network_agree"]
        out["see_system_strongly_agree_end" + suffix] = finish["see_system_strongly_agree"]
        out["influence_disagree_end" + suffix] = finish["influence_disagree"]
    return out


@single_threaded
def decomposition(theta: dict, config: CheckedConfig, seed: int, cuts: CutTable) -> dict:
    """Expected end-of-programme figures of the whole cohort (no respondent sampling), with the
    programme as reported and from real change alone, and without the programme (the
    counterfactual arm, from the same burn-in and seed)."""
    end = config.programme_end
    c = configured(theta, config, cuts, waves=(0, end))
    out = {}
    for arm, model in c.spec.pair(seed, weeks=end, observe=False):
        model.run()
        if arm == "intervention":
            reported = expected_shares(model.survey, model)
            real = expected_shares(model.survey, model, without_shift=True)
            out.update({f"{k}_reported": v for k, v in reported.items()})
            out.update({f"{k}_real_change": v for k, v in real.items()})
        else:
            out.update({f"{k}_counterfactual": v for k, v in expected_shares(model.survey, model).items()})
    return out


def real_change_share(d: dict, statistic: str = "network_agree") -> float:
    """The share of the simulated rise (reported minus counterfactual) that is real change."""
    rise = d[f"{statistic}_reported"] - d[f"{statistic}_counterfactual"]
    return (d[f"{statistic}_real_change"] - d[f"{statistic}_counterfactual"]) / rise if abs(rise) > 1e-9 \
        else math.nan


# ------------------------------------------------------------------ ABC-SMC

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


@dataclass
class Fit:
    posterior: pd.DataFrame  # parameters and normalised weights of the last population
    generations: int
    simulations: int
    epsilon: float


def fit(config: CheckedConfig, observed: dict, fitted: tuple[str, ...], cuts: CutTable, *, population: int,
        generations: int, min_epsilon: float, seed: int, workers: int, db: Path, resume: bool = False,
        max_simulations: int | None = None, quiet: bool = True) -> Fit:
    """ABC-SMC of PARAMETERS to the `fitted` statistics of `observed` ({stat: {share, n}})."""
    import pyabc

    logging.getLogger("pyabc").setLevel(logging.WARNING if quiet else logging.INFO)
    logging.getLogger("ABC").setLevel(logging.WARNING if quiet else logging.INFO)
    from experiments.inference.abc_sampler import SeededBatchSampler

    def model(theta):
        theta = {p.name: float(theta[p.name]) for p in PARAMETERS}
        return simulate(theta, config, theta_seed(theta, seed), cuts)

    prior = pyabc.Distribution(**{p.name: p.rv() for p in PARAMETERS})
    abc = pyabc.ABCSMC(model, prior, make_distance(observed, fitted), population_size=population,
                       sampler=SeededBatchSampler(seed, workers))
    url = f"sqlite:///{Path(db).resolve()}"
    if resume and Path(db).exists():
        history = abc.load(url, 1)
        done = history.max_t + 1
        if not quiet:
            print(f"resuming: {done} generation(s) already in {db}")
    else:
        Path(db).unlink(missing_ok=True)
        history = abc.new(url, {k: observed[k]["share"] for k in STATS if k in observed})
        done = 0
    if done < generations:
        # one simulation here loads the compiled kernels into this process, so the workers forked for
        # each generation start with them (otherwise each loads them again: about 0.4 s a generation)
        simulate({p.name: float(p.frozen().median()) for p in PARAMETERS}, config, seed, cuts)
        kwargs = {"minimum_epsilon": min_epsilon, "max_nr_populations": generations - done}
        if max_simulations:
            kwargs["max_total_nr_simulations"] = max_simulations
        history = abc.run(**kwargs)
    df, w = history.get_distribution(m=0, t=history.max_t)
    post = df.reset_index(drop=True)[[p.name for p in PARAMETERS]]
    post["weight"] = np.asarray(w) / np.sum(w)
    eps = history.get_all_populations()["epsilon"].to_numpy()
    return Fit(post, history.max_t + 1, int(history.total_nr_simulations), float(eps[-1]))


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """The q-quantile of weighted draws: each draw's weight centred on its value (the mid-point
    rule; equal weights give the usual sample quantile with linear interpolation between
    mid-points), draws of zero weight ignored."""
    keep = np.asarray(w) > 0
    x, w = np.asarray(x, float)[keep], np.asarray(w, float)[keep]
    order = np.argsort(x)
    x, w = x[order], w[order]
    mid = (np.cumsum(w) - w / 2) / w.sum()
    return float(np.interp(q, mid, x))


def posterior_summary(post: pd.DataFrame, identified_at: float = 0.5) -> pd.DataFrame:
    """Per parameter: prior, posterior median, 95% and 50%/90% intervals, mean and SD, and the
    contraction 1 - posterior variance / prior variance (`identified` from `identified_at`)."""
    w = post["weight"].to_numpy()
    rows = []
    for p in PARAMETERS:
        x = post[p.name].to_numpy()
        mean = float(np.sum(w * x))
        var = float(np.sum(w * (x - mean) ** 2))
        prior = p.frozen()
        contraction = 1 - var / prior.var()
        rows.append({"parameter": p.name, "path": p.path, "prior": p.describe(), "prior_mean": prior.mean(),
                     "prior_sd": prior.std(), "median": weighted_quantile(x, w, 0.5),
                     "low": weighted_quantile(x, w, 0.025), "high": weighted_quantile(x, w, 0.975),
                     "mean": mean, "sd": math.sqrt(var), "contraction": contraction,
                     "identified": bool(contraction >= identified_at), "source": p.source})
    return pd.DataFrame(rows)


def weighted_correlations(post: pd.DataFrame) -> pd.DataFrame:
    names = [p.name for p in PARAMETERS]
    x = post[names].to_numpy()
    w = post["weight"].to_numpy()
    cov = np.cov(x.T, aweights=w)
    sd = np.sqrt(np.diag(cov))
    return pd.DataFrame(cov / np.outer(sd, sd), index=names, columns=names)


def posterior_draws(post: pd.DataFrame, n: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,)))
    idx = rng.choice(len(post), size=n, p=post["weight"].to_numpy())
    return [{p.name: float(post.loc[j, p.name]) for p in PARAMETERS} for j in idx]


def predictive_check(post: pd.DataFrame, config: CheckedConfig, cuts: CutTable, draws: int, seed: int,
                     workers: int = 1) -> pd.DataFrame:
    """Posterior predictive draws: parameters drawn by weight, fresh seeds, the case's statistics."""
    thetas = posterior_draws(post, draws, seed)
    tasks = ((t, config, theta_seed(t, seed + 1 + i), cuts) for i, t in enumerate(thetas))
    sims = list(parallel_map(simulate, tasks, workers))
    return pd.DataFrame([{**t, **s} for t, s in zip(thetas, sims)])


def predictions(ppc: pd.DataFrame, observed: dict, fitted: tuple[str, ...]) -> pd.DataFrame:
    rows = []
    for k in STATS:
        lo, hi = np.quantile(ppc[k], [0.025, 0.975])
        o = observed.get(k, {}).get("share", math.nan)
        rows.append({"statistic": k, "role": role_of(k, fitted), "observed": o, "predicted": float(ppc[k].mean()),
                     "low": float(lo), "high": float(hi),
                     "predicted_without_shift": float(ppc[k + "_without_shift"].mean()),
                     "hit": bool(lo <= o <= hi) if np.isfinite(o) else None})
    return pd.DataFrame(rows)


def ppc_figure(ppc: pd.DataFrame, observed: dict, fitted: tuple[str, ...]):
    from experiments.outputs import plots

    plots._style()
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(STATS), figsize=(3.3 * len(STATS), 3.3), squeeze=False)
    bins = np.linspace(0, 1, 26)
    for ax, k in zip(axes.ravel(), STATS):
        ax.hist(ppc[k], bins=bins, color=plots.COLOURS["programme"], alpha=0.7, label="as reported")
        ax.hist(ppc[k + "_without_shift"], bins=bins, color=plots.COLOURS["real_change"], alpha=0.5,
                label="real change only")
        o = observed.get(k)
        if o is not None:
            lo, hi = wilson(o["share"], o["n"])
            ax.axvspan(lo, hi, color=plots.COLOURS["observed"], alpha=0.2, lw=0)
            ax.axvline(o["share"], color=plots.COLOURS["observed"], lw=2)
        ax.set_title(f"{k.replace('_', ' ')}\n({role_of(k, fitted)})", fontsize=8)
        ax.set_xlim(0, 1)
    axes.ravel()[0].set_ylabel("posterior predictive draws")
    axes.ravel()[0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def write_calibrated(summary: pd.DataFrame, cut: float, preds: pd.DataFrame, fitted: tuple[str, ...],
                     command: str, seed: int, path: Path) -> None:
    s = summary.set_index("parameter")
    lines = ["# @package _global_",
             "# Calibrated by ABC-SMC (pyabc) to the case's end-of-programme survey figures",
             "# (experiments/inference/calibrate.py; docs/ODD.md 9; docs/calibration/).",
             f"# Command: {command}",
             f"# Date: {date.today().isoformat()}; seed: {seed}. Values are posterior medians.",
             "# Contraction (1 - posterior/prior variance): "
             + ", ".join(f"{k} {r['contraction']:.2f}" for k, r in s.iterrows()) + ";",
             "# a parameter below 0.5 is not identified by the case: its value is its prior's.",
             "# Held-out prediction: " + "; ".join(
                 f"{r['statistic']} observed {r['observed']:.0%}, predicted {r['predicted']:.0%} "
                 f"[{r['low']:.0%}, {r['high']:.0%}] ({'hit' if r['hit'] else 'MISS'})"
                 for _, r in preds[preds["role"] == "held out"].iterrows()),
             "behaviour:"]
    for name, r in s.iterrows():
        if r["path"].startswith("behaviour."):
            lines.append(f"  {r['path'].split('.', 1)[1]}: {r['median']:.4g}")
    lines.append("survey:")
    for name, r in s.iterrows():
        if r["path"].startswith("survey."):
            lines.append(f"  {r['path'].split('.', 1)[1]}: {r['median']:.4g}")
    lines.append(f"  network_agree_cut: {cut:.4g}  # the start figure on the reference population, "
                 "at the median tie growth")
    lines.append("case:  # which of the case's figures the calibration fitted (the others are predicted)")
    lines.append(f"  fitted: [{', '.join(fitted)}]")
    atomic_write_bytes(path, ("\n".join(lines) + "\n").encode())


def observed_figures(config: CheckedConfig) -> dict:
    observed = (config.case or {}).get("observed") or {}
    missing = [k for k in STATS if k not in observed]
    if missing:
        raise SystemExit(f"error: case.observed: missing {', '.join(missing)} (needed: {', '.join(STATS)})")
    return {k: {"share": float(observed[k]["share"]), "n": int(observed[k]["n"])} for k in STATS}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="outputs/calibration")
    ap.add_argument("--population", type=int, default=200)
    ap.add_argument("--generations", type=int, default=8)
    ap.add_argument("--min-epsilon", type=float, default=0.5)
    ap.add_argument("--max-simulations", type=int, default=40_000)
    ap.add_argument("--ppc", type=int, default=300, help="posterior predictive draws")
    ap.add_argument("--seed", type=int, default=20261126)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="tiny setting for CI")
    ap.add_argument("--resume", action="store_true", help="continue the run in --out/abc.db")
    ap.add_argument("--write-config", default=None,
                    help="where to write the calibrated defaults ('' to skip; default conf/behaviour/calibrated.yaml, "
                    "or, with --survey, OUT/mine.yaml: an experiment holding your figures, so your own survey never "
                    "overwrites the case's)")
    ap.add_argument("--fit", action="append", choices=STATS[1:], default=None,
                    help=f"a figure to fit (repeatable; default: {', '.join(FITTED)}); the others are predicted")
    ap.add_argument("--survey", help="your own survey's answers (CSV; experiments/inference/own_survey.py): calibrate to "
                    "them instead of the case's figures")
    ap.add_argument("--scenario-file", help="your own partnership (YAML, workbook or folder of CSVs), the same as "
                    "scenario_file=...")
    ap.add_argument("--network-file", help="with --survey: your partnership's measured network, as network_file=...")
    ap.add_argument("--cohort-size", type=int, help="with --survey: how many people were on the programme (not how "
                    "many answered)")
    ap.add_argument("--programme-weeks", type=int, help="with --survey: the programme's length in weeks")
    ap.add_argument("overrides", nargs="*", help="Hydra overrides for the case study")
    args = ap.parse_args(argv)
    fitted = tuple(dict.fromkeys(args.fit or FITTED))
    for name in ("population", "generations", "ppc", "workers", "max_simulations"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')}: must be a whole number >= 1")
    if args.quick:
        args.population, args.generations, args.ppc = 16, 2, 10
    overrides = list(args.overrides) + ([f"scenario_file={args.scenario_file}"] if args.scenario_file else [])
    try:
        if args.survey:
            from experiments.inference import own_survey

            answers = own_survey.read_answers(args.survey)
            overrides += own_survey.programme_overrides(args.cohort_size, args.programme_weeks, overrides, answers)
            overrides += [f"network_file={args.network_file}"] if args.network_file else []
            config = compose_checked(["experiment=case_study", *overrides])
            observed = own_survey.observed_for_calibration(answers)
            comparison = own_survey.figures(answers, "comparison")
        else:
            config = compose_checked(["experiment=case_study", *overrides])
            observed = observed_figures(config)
            comparison = {}
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    if not config.programme_end:
        ap.error("the configuration has no programme to calibrate (intervention.leadership_programme)")
    missing = [k for k in fitted if k not in observed]
    if missing:
        ap.error(f"--fit: no observed figure for {', '.join(missing)} in the survey")
    if args.survey:
        print(f"your survey: " + "; ".join(f"{k} {v['share']:.0%} of {v['n']}" for k, v in observed.items())
              + (("; comparison group: " + "; ".join(f"{k} {v['share']:.0%} of {v['n']}"
                                                      for k, v in comparison.items())) if comparison else ""))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.write_config is None:
        args.write_config = str(out / "mine.yaml") if args.survey else str(CONF_DIR / "behaviour" / "calibrated.yaml")

    low, high = BY_NAME["tie_growth"].prior[1:3]
    cuts = CutTable.build(config, low, high, points=5 if args.quick else 33, runs=4 if args.quick else 40,
                          agree_share=observed["network_agree_start"]["share"], workers=args.workers)
    atomic_write_bytes(out / "cut_table.csv", cuts.frame().to_csv(index=False).encode())
    import contextlib

    with own_survey.progress(args.generations) if args.survey else contextlib.nullcontext():
        result = fit(config, observed, fitted, cuts, population=args.population, generations=args.generations,
                     min_epsilon=args.min_epsilon, seed=args.seed, workers=args.workers, db=out / "abc.db",
                     resume=args.resume, max_simulations=args.max_simulations, quiet=False)
    post = result.posterior
    atomic_write_parquet(post, out / "posterior.parquet")
    summary = posterior_summary(post)
    atomic_write_bytes(out / "posterior_summary.csv", summary.to_csv(index=False).encode())
    corr = weighted_correlations(post)
    atomic_write_bytes(out / "correlations.csv", corr.to_csv().encode())

    ppc = predictive_check(post, config, cuts, args.ppc, args.seed, args.workers)
    atomic_write_bytes(out / "ppc.csv", ppc.to_csv(index=False).encode())
    preds = predictions(ppc, observed, fitted)
    atomic_write_bytes(out / "predictions.csv", preds.to_csv(index=False).encode())
    from experiments.outputs import plots

    plots.save(ppc_figure(ppc, observed, fitted), out / "ppc.png")
    command = "python -m experiments.calibrate " + " ".join(sys.argv[1:] if argv is None else argv)
    median_cut = cuts(float(summary.set_index("parameter").loc["tie_growth", "median"]))
    medians = {name: float(r["median"]) for name, r in summary.set_index("parameter").iterrows()}
    parts = pd.DataFrame(list(parallel_map(
        decomposition, ((medians, config, theta_seed(medians, args.seed + 7 + i), cuts)
                        for i in range(4 if args.quick else 20)), args.workers)))
    split = parts.mean().to_dict()
    real_share = real_change_share(split)
    atomic_write_json({"command": command.strip(), "seed": args.seed, "fitted": list(fitted),
                       "population": args.population, "generations": result.generations,
                       "simulations": result.simulations, "final_epsilon": result.epsilon,
                       "network_agree_cut_at_median": median_cut,
                       "decomposition_at_median": {k: float(v) for k, v in split.items()},
                       "real_change_share_of_network_rise": real_share,
                       "priors": {p.name: {"path": p.path, "prior": p.describe(), "source": p.source}
                                  for p in PARAMETERS}}, out / "calibration.json")

    print(f"\nABC-SMC: {result.generations} generations, population {args.population}, "
          f"{result.simulations} simulations, final epsilon {result.epsilon:.2f} binomial SEs")
    print(summary[["parameter", "prior", "median", "low", "high", "contraction"]].to_string(
        index=False, float_format=lambda v: f"{v:.3f}"))
    weak = summary[~summary["identified"]]["parameter"].tolist()
    if weak:
        print(f"not identified by the case (contraction < 0.5; the value is the prior's): {', '.join(weak)}")
    print("\nposterior correlations:\n" + corr.round(2).to_string())
    print("\nposterior predictive check (95% interval of the simulated statistic):")
    for _, r in preds.iterrows():
        if not np.isfinite(r["observed"]):
            print(f"  {r['statistic']:<32} (not in the survey)  predicted {r['predicted']:.0%} "
                  f"[{r['low']:.0%}, {r['high']:.0%}] (real change only {r['predicted_without_shift']:.0%})")
            continue
        print(f"  {r['statistic']:<32} observed {r['observed']:.0%}  predicted {r['predicted']:.0%} "
              f"[{r['low']:.0%}, {r['high']:.0%}] (real change only {r['predicted_without_shift']:.0%})  "
              f"{'covers' if r['hit'] else 'MISSES'}  ({r['role']})")
    if set(fitted) >= set(STATS[1:]):
        print("  no figure is held out: the predictive check is not a test of the model")
    print(f"\nat the posterior medians, the whole cohort (expected shares, {len(parts)} paired runs): network agree "
          f"{split['network_agree_reported']:.0%} as reported, {split['network_agree_real_change']:.0%} from real change "
          f"alone, {split['network_agree_counterfactual']:.0%} without the programme: {real_share:.0%} of the rise is "
          "real change, the rest response shift (set by its prior, not by the data)")
    if args.write_config and args.survey:  # an experiment that records what it was calibrated to
        own_survey.write_experiment(Path(args.write_config), summary=summary, cut=median_cut, preds=preds,
                                    fitted=fitted, observed=observed, comparison=comparison, survey_path=args.survey,
                                    overrides=overrides, command=command.strip(), seed=args.seed,
                                    posterior=out / "posterior.parquet")
        programme = config.interventions["leadership_programme"]
        text = own_survey.plain_summary(summary, preds, real_share, args.survey,
                                        f"a cohort of {programme.cohort_size}", programme.duration_weeks)
        atomic_write_bytes(out / "summary.md", text.encode())
        print("\n" + text)
        print(f"your calibration is written to {args.write_config}: copy it to conf/experiment/mine.yaml and run "
              "`make run ARGS='experiment=mine'` (runs then compare against your figures, not the case's)")
    elif args.write_config:
        write_calibrated(summary, median_cut, preds, fitted, command.strip(), args.seed, Path(args.write_config))
        print(f"\ncalibrated defaults written to {args.write_config}")
    print(f"outputs: {out}")


if __name__ == "__main__":
    main()
