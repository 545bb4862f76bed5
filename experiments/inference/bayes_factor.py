"""A Bayes factor for real change: how much better do the case's fitted figures support the
calibrated programme than a one-week programme whose answers move by response shift?

    python -m experiments.bayes_factor --out docs/calibration/bayes_factor
    python -m experiments.bayes_factor --quick --out /tmp/bf            # seconds, for CI

Two models of the case's two fitted figures (network agree 82%, see the system strongly 80%, of
about 50 respondents at the programme's end; the start figure anchors the network cut in every
run, as in the calibration):

- **programme**: the model running its six-month programme;
- **response shift only**: the same model with a one-week programme (the survey's end wave at its
  end; no action-learning set, which would meet mid-month), so that its real change is one
  session's worth and the rest of any rise must be response shift. Without a programme the
  partnership is stationary (the counterfactual's figures at week 26 are its week-0 figures), so
  asking at week 1 rather than week 26 removes no background change.

**Both models have every calibrated constant free, with the calibration's priors**
(`calibrate.PARAMETERS`: the constants the patterns fit are integrated over their priors rather
than fixed at medians that were fitted to these same figures, which would use the data twice).

The selection is pyabc's model choice (Toni & Stumpf 2010) in one generation at a fixed epsilon
(`pyabc.epsilon.ListEpsilon`): each candidate picks a model with probability 1/2 and a parameter
set from that model's prior, and is accepted when its figures lie within epsilon of the case's in
the calibration's distance. With equal prior odds, the ratio of the models' acceptances is the
Bayes factor at that epsilon, an estimate with a binomial error (reported as an interval); no
model can die out early, as it can across the generations of an SMC run. The study repeats it
over --seeds seeds, and runs a **confusion check** near the data: --confusion datasets from each
model's posterior predictive (figures of particles the case's selections accepted, over every
seed, with their respondent sampling), each put through the same selection, and how often the
selection picks the model that made them.

Writes runs.csv (per seed: accepted particles per model, the factor and its 95% interval,
simulations), confusion.csv and summary.json; docs/calibration/identifiability.md reports them
under "Bayes factor". A run is a function of its seed whatever --workers
(experiments.inference.abc_sampler); finished runs are kept in --out/done/, so an interrupted
study resumes.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats as sps

from experiments.inference import calibrate as cal
from experiments.outputs.files import atomic_write_bytes, atomic_write_json, claim_for_resuming
from experiments.running.config import apply_overrides, compose_checked
from experiments.running.jobs import code_digest, config_hash
from sim.schema import ConfigError

MODELS = ("programme", "response shift only")
ONE_WEEK = {"intervention.leadership_programme.duration_weeks": 1,
            "intervention.leadership_programme.action_learning": False}
"""A one-week programme: its sets, which meet mid-month, would never meet (as in the dose check,
experiments.analysis.validate)."""


def model_configs(config) -> dict:
    """The two models' configurations: the case study as configured, and with a one-week programme."""
    return {MODELS[0]: config, MODELS[1]: apply_overrides(config, ONE_WEEK)}


def _simulate(theta: dict, config, seed: int) -> dict:
    out = cal.simulate(theta, config, seed, None, patterns=False)
    return {k: out[k] for k in cal.FITTED}


def factor_interval(a: int, b: int, level: float = 0.95) -> tuple[float, float, float]:
    """The Bayes factor a / b of two models' acceptance counts (equal proposal odds), with an
    interval from the exact binomial interval of a's share of the a + b acceptances (a conditional
    test for the ratio of two Poisson counts); infinite bounds where a count is 0."""
    n = a + b
    if n == 0:
        return math.nan, math.nan, math.nan
    lo = sps.beta.ppf((1 - level) / 2, a, b + 1) if a > 0 else 0.0
    hi = sps.beta.ppf((1 + level) / 2, a + 1, b) if b > 0 else 1.0
    ratio = lambda p: p / (1 - p) if p < 1 else math.inf  # noqa: E731
    return (a / b if b > 0 else math.inf), ratio(lo), ratio(hi)


def select(configs: dict, observed: dict, *, population: int, epsilon: float, seed: int, workers: int, db: Path,
           max_simulations: int) -> dict:
    """One rejection model choice between `configs` given `observed` at `epsilon`: accepted
    particles per model, the Bayes factor (programme over response shift only) with its 95%
    interval, the simulations it took, and the accepted particles' figures per model."""
    import pyabc

    from experiments.inference.abc_sampler import SeededBatchSampler

    logging.getLogger("ABC").setLevel(logging.WARNING)
    logging.getLogger("pyabc").setLevel(logging.WARNING)
    parameters = cal.PARAMETERS

    def simulator(config):
        def run(theta):
            values = {p.name: float(theta[p.name]) for p in parameters}
            return _simulate(values, config, cal.theta_seed(values, seed))
        return run

    models = [simulator(configs[m]) for m in MODELS]
    priors = [pyabc.Distribution(**{p.name: p.rv() for p in parameters}) for _ in MODELS]
    abc = pyabc.ABCSMC(models, priors, cal.make_distance(observed, cal.FITTED), population_size=population,
                       eps=pyabc.epsilon.ListEpsilon([epsilon]), sampler=SeededBatchSampler(seed, workers))
    db.unlink(missing_ok=True)
    abc.new(f"sqlite:///{db.resolve()}", {k: cal.observed_value(observed[k]) for k in cal.FITTED})
    history = abc.run(max_nr_populations=1, max_total_nr_simulations=max_simulations)
    counts, figures = {}, {}
    for i, m in enumerate(MODELS):
        try:
            _, stats = history.get_weighted_sum_stats_for_model(m=i, t=history.max_t)
        except Exception:  # no particle of this model was accepted
            stats = []
        counts[m] = len(stats)
        figures[m] = [{k: float(s[k]) for k in cal.FITTED} for s in stats]
    bf, low, high = factor_interval(counts[MODELS[0]], counts[MODELS[1]])
    result = {**{f"accepted_{m.replace(' ', '_')}": c for m, c in counts.items()},
              "p_programme": counts[MODELS[0]] / max(sum(counts.values()), 1),
              "bayes_factor": bf, "bayes_factor_low": low, "bayes_factor_high": high, "epsilon": epsilon,
              "simulations": int(history.total_nr_simulations), "figures": figures}
    db.unlink(missing_ok=True)
    return result


def _kept(folder: Path, name: str, make):
    """A finished piece of the study, kept so an interrupted study resumes."""
    path = folder / f"{name}.json"
    if path.is_file():
        return json.loads(path.read_text())
    value = make()
    atomic_write_json(value, path)
    return value


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=4, help="model choices on the case's figures, one per seed")
    ap.add_argument("--confusion", type=int, default=6, help="datasets from each model's posterior predictive")
    ap.add_argument("--population", type=int, default=150, help="accepted particles per model choice")
    ap.add_argument("--epsilon", type=float, default=1.5, help="the common acceptance distance (the calibration's "
                    "units: binomial standard errors of the two figures)")
    ap.add_argument("--max-simulations", type=int, default=20_000, help="per model choice")
    ap.add_argument("--seed", type=int, default=20261128)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default="outputs/bayes_factor")
    ap.add_argument("--quick", action="store_true", help="tiny setting for CI")
    ap.add_argument("overrides", nargs="*", help="Hydra overrides of the case study")
    args = ap.parse_args(argv)
    for name in ("seeds", "confusion", "population", "workers", "max_simulations"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')}: must be a whole number >= 1")
    if args.epsilon <= 0:
        ap.error("--epsilon: must be a number > 0")
    if args.quick:
        args.seeds, args.confusion, args.population, args.epsilon = 1, 1, 6, 4.0
    started = time.perf_counter()
    config = compose_checked(["experiment=case_study", *args.overrides])
    if not config.programme_end or config.programme_end <= 1:
        ap.error("the configuration needs a programme of more than one week (intervention.leadership_programme)")
    configs = model_configs(config)
    observed = cal.observed_figures(config)
    out = Path(args.out)
    done = out / "done"
    # the pieces kept in done/ are this study's only if made with these settings
    identity = {"study": "bayes_factor", "code": code_digest(), "config": config_hash(config.raw),
                "observed": observed, "fitted": list(cal.FITTED), "models": list(MODELS), "one_week": ONE_WEEK,
                "priors": {p.name: [p.path, *p.prior] for p in cal.PARAMETERS}, "seeds": args.seeds,
                "confusion": args.confusion,
                "population": args.population, "epsilon": args.epsilon, "max_simulations": args.max_simulations,
                "seed": args.seed}
    try:
        claim_for_resuming(out, identity, "done/*.json")
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    done.mkdir(parents=True, exist_ok=True)
    settings = dict(population=args.population, epsilon=args.epsilon, workers=args.workers,
                    max_simulations=args.max_simulations)
    from experiments.running.execution import progress_bar

    total = args.seeds + 2 * args.confusion
    bar = progress_bar(iter(range(total)), total, True, "model choices")
    runs, case_runs = [], []
    for i in range(args.seeds):
        seed = args.seed + i
        r = _kept(done, f"case_{i:02d}", lambda: select(configs, observed, seed=seed, db=out / "abc.db", **settings))
        case_runs.append(r)
        runs.append({"seed": seed, **{k: v for k, v in r.items() if k != "figures"}})
        bar.update(1)
        print(f"seed {seed}: accepted {r['accepted_programme']} programme, {r['accepted_response_shift_only']} response "
              f"shift only: Bayes factor {r['bayes_factor']:.3g} [{r['bayes_factor_low']:.3g}, "
              f"{r['bayes_factor_high']:.3g}] ({r['simulations']} simulations)", flush=True)
    runs = pd.DataFrame(runs)
    # the confusion check, near the data: figures of particles each model had accepted for the case,
    # over every seed's selection (a model that is rarely accepted has few, and the first seed's alone
    # may be one)
    rng = np.random.default_rng(np.random.SeedSequence(args.seed, spawn_key=(9,)))
    confusion = []
    for m in MODELS:
        pool = [figures for r in case_runs for figures in r["figures"][m]]
        if not pool:
            print(f"confusion: {m!r} had no accepted particle for the case: no dataset near the data from it")
            continue
        picks = rng.choice(len(pool), size=args.confusion, replace=len(pool) < args.confusion)
        for j, index in enumerate(picks):
            fake = {k: {"share": pool[index][k], "n": observed[k]["n"]} for k in cal.FITTED}
            r = _kept(done, f"confusion_{m.replace(' ', '_')}_{j:02d}_particle_{index:04d}",
                      lambda: select(configs, fake, seed=args.seed + 100 + j, db=out / "abc.db", **settings))
            picked = MODELS[0] if r["p_programme"] >= 0.5 else MODELS[1]
            confusion.append({"true_model": m, "dataset": j, **pool[index],
                              **{k: v for k, v in r.items() if k != "figures"}, "picked": picked,
                              "correct": picked == m})
            bar.update(1)
            print(f"confusion: data from {m!r} -> P(programme) {r['p_programme']:.2f} "
                  f"({'right' if picked == m else 'WRONG'})", flush=True)
    bar.close()
    confusion = pd.DataFrame(confusion)
    seconds = time.perf_counter() - started
    a, b = int(runs["accepted_programme"].sum()), int(runs["accepted_response_shift_only"].sum())
    pooled, low, high = factor_interval(a, b)
    summary = {"command": "python -m experiments.bayes_factor " + " ".join(sys.argv[1:] if argv is None else argv),
               "observed": {k: observed[k]["share"] for k in cal.FITTED}, "epsilon": args.epsilon,
               "seeds": args.seeds, "population": args.population,
               "bayes_factor_by_seed": runs["bayes_factor"].tolist(),
               "bayes_factor_pooled": pooled, "bayes_factor_pooled_low": low, "bayes_factor_pooled_high": high,
               "p_programme_pooled": a / max(a + b, 1),
               "confusion_correct": {m: float(confusion[confusion["true_model"] == m]["correct"].mean())
                                     for m in MODELS if len(confusion) and (confusion["true_model"] == m).any()},
               "seconds": round(seconds, 1)}
    atomic_write_bytes(out / "runs.csv", runs.to_csv(index=False).encode())
    atomic_write_bytes(out / "confusion.csv", confusion.to_csv(index=False).encode())
    atomic_write_json(summary, out / "summary.json")
    (out / "abc.db").unlink(missing_ok=True)
    print(f"Bayes factor (programme over response shift only) at epsilon {args.epsilon}, {args.seeds} seeds pooled: "
          f"{pooled:.3g} [{low:.3g}, {high:.3g}] ({a} against {b} accepted); by seed: "
          + ", ".join(f"{v:.3g}" for v in runs["bayes_factor"]) + "; confusion: "
          + ", ".join(f"data from {m!r} recognised {v:.0%}" for m, v in summary["confusion_correct"].items()))
    print(f"outputs: {out} ({seconds:.0f} s)")


if __name__ == "__main__":
    main()
