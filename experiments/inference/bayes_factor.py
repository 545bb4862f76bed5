"""A Bayes factor for real change: how much better do the case's fitted figures support the
calibrated programme than a one-week programme whose answers move by response shift?

    python -m experiments.bayes_factor --out docs/calibration/bayes_factor
    python -m experiments.bayes_factor --quick --out /tmp/bf            # seconds, for CI

Two models of the case's two fitted figures (network agree 82%, see the system strongly 80%, of
about 50 respondents at the programme's end; the start figure anchors the network cut in every
run, as in the calibration):

- **programme**: the calibrated model (`conf/behaviour/calibrated.yaml`: the pattern-calibrated
  constants as given) running its six-month programme;
- **response shift only**: the same model with a one-week programme (the survey's end wave at its
  end; no action-learning set, which would meet mid-month), so that its real change is one
  session's worth and the rest of any rise must be response shift.

Both have the same free parameters and priors: what a survey speaks to
(`calibrate.SURVEY_PARAMETERS`: tie growth and the two response-shift terms, the re-sourced
priors). pyabc's ABC-SMC model selection (Toni & Stumpf 2010) gives each model's posterior
probability with equal prior model probabilities; their ratio is the Bayes factor. It depends on
the seed and the final epsilon, so the study runs --seeds seeds and reports the spread, and a
**confusion check**: --confusion datasets simulated from each model (at draws from its prior),
each put through the same selection, and how often the selection picks the model that made it.

Writes runs.csv (per seed: model probabilities, Bayes factor, epsilon, simulations),
confusion.csv (per dataset: the true model, its figures, the probabilities, the pick) and
summary.json; docs/calibration/identifiability.md reports them under "Bayes factor". A run is a
function of its seed whatever --workers (experiments.inference.abc_sampler); finished runs are
kept in --out/done/, so an interrupted study resumes.
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

from experiments.inference import calibrate as cal
from experiments.outputs.files import atomic_write_bytes, atomic_write_json
from experiments.running.config import apply_overrides, compose_checked
from experiments.running.workers import parallel_map

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


def select(configs: dict, observed: dict, *, population: int, generations: int, min_epsilon: float, seed: int,
           workers: int, db: Path) -> dict:
    """One ABC-SMC model selection between `configs` given `observed`; returns each model's
    posterior probability, the Bayes factor (programme over response shift only), the final
    epsilon, generations and simulations."""
    import pyabc

    from experiments.inference.abc_sampler import SeededBatchSampler

    logging.getLogger("ABC").setLevel(logging.WARNING)
    logging.getLogger("pyabc").setLevel(logging.WARNING)
    parameters = cal.SURVEY_PARAMETERS

    def simulator(config):
        def run(theta):
            values = {p.name: float(theta[p.name]) for p in parameters}
            return _simulate(values, config, cal.theta_seed(values, seed))
        return run

    models = [simulator(configs[m]) for m in MODELS]
    priors = [pyabc.Distribution(**{p.name: p.rv() for p in parameters}) for _ in MODELS]
    abc = pyabc.ABCSMC(models, priors, cal.make_distance(observed, cal.FITTED), population_size=population,
                       sampler=SeededBatchSampler(seed, workers))
    db.unlink(missing_ok=True)
    abc.new(f"sqlite:///{db.resolve()}", {k: cal.observed_value(observed[k]) for k in cal.FITTED})
    history = abc.run(minimum_epsilon=min_epsilon, max_nr_populations=generations)
    last = history.get_model_probabilities().iloc[-1]
    p = {m: float(last[i]) if i in last.index else 0.0 for i, m in enumerate(MODELS)}
    eps = history.get_all_populations()["epsilon"].to_numpy()
    a, b = p[MODELS[0]], p[MODELS[1]]
    result = {**{f"p_{m.replace(' ', '_')}": v for m, v in p.items()},
              "bayes_factor": a / b if b > 0 else math.inf,
              # with no particle left in the other model, the factor is at least this (one particle's worth)
              "bayes_factor_at_least": a / b if b > 0 else a * population,
              "final_epsilon": float(eps[-1]), "generations": int(history.max_t + 1),
              "simulations": int(history.total_nr_simulations)}
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
    ap.add_argument("--seeds", type=int, default=5, help="model selections on the case's figures, one per seed")
    ap.add_argument("--confusion", type=int, default=6, help="datasets simulated from each model for the confusion check")
    ap.add_argument("--population", type=int, default=300)
    ap.add_argument("--generations", type=int, default=6)
    ap.add_argument("--min-epsilon", type=float, default=0.5)
    ap.add_argument("--seed", type=int, default=20261128)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default="outputs/bayes_factor")
    ap.add_argument("--quick", action="store_true", help="tiny setting for CI")
    ap.add_argument("overrides", nargs="*", help="Hydra overrides of the case study")
    args = ap.parse_args(argv)
    for name in ("seeds", "confusion", "population", "generations", "workers"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')}: must be a whole number >= 1")
    if args.quick:
        args.seeds, args.confusion, args.population, args.generations = 1, 1, 12, 1
    started = time.perf_counter()
    config = compose_checked(["experiment=case_study", *args.overrides])
    if not config.programme_end or config.programme_end <= 1:
        ap.error("the configuration needs a programme of more than one week (intervention.leadership_programme)")
    configs = model_configs(config)
    observed = {k: v for k, v in cal.observed_figures(config).items()}
    out = Path(args.out)
    done = out / "done"
    done.mkdir(parents=True, exist_ok=True)
    settings = dict(population=args.population, generations=args.generations, min_epsilon=args.min_epsilon,
                    workers=args.workers)
    from experiments.running.execution import progress_bar

    bar = progress_bar(iter(range(args.seeds + 2 * args.confusion)), args.seeds + 2 * args.confusion, True,
                       "model selections")
    runs = []
    for i in range(args.seeds):
        seed = args.seed + i
        r = _kept(done, f"case_{i:02d}", lambda: select(configs, observed, seed=seed, db=out / "abc.db", **settings))
        runs.append({"seed": seed, **r})
        bar.update(1)
        print(f"seed {seed}: P(programme) {r['p_programme']:.2f}, Bayes factor {r['bayes_factor']:.3g} "
              f"(epsilon {r['final_epsilon']:.2f}, {r['simulations']} simulations)", flush=True)
    runs = pd.DataFrame(runs)
    # the confusion check: data from each model at draws from its prior, with respondent sampling
    rng = np.random.default_rng(np.random.SeedSequence(args.seed, spawn_key=(9,)))
    draws = {m: [{p.name: float(p.frozen().rvs(random_state=rng)) for p in cal.SURVEY_PARAMETERS}
                 for _ in range(args.confusion)] for m in MODELS}
    confusion = []
    for m in MODELS:
        sims = list(parallel_map(_simulate, ((t, configs[m], cal.theta_seed(t, args.seed + 77)) for t in draws[m]),
                                 args.workers))
        for j, (theta, data) in enumerate(zip(draws[m], sims)):
            fake = {k: {"share": float(data[k]), "n": observed[k]["n"]} for k in cal.FITTED}
            r = _kept(done, f"confusion_{m.replace(' ', '_')}_{j:02d}",
                      lambda: select(configs, fake, seed=args.seed + 100 + j, db=out / "abc.db", **settings))
            pick = MODELS[0] if r["p_programme"] >= 0.5 else MODELS[1]
            confusion.append({"true_model": m, "dataset": j, **theta, **{k: data[k] for k in cal.FITTED}, **r,
                              "picked": pick, "correct": pick == m})
            bar.update(1)
            print(f"confusion: data from {m!r} -> P(programme) {r['p_programme']:.2f} ({'right' if pick == m else 'WRONG'})",
                  flush=True)
    bar.close()
    confusion = pd.DataFrame(confusion)
    seconds = time.perf_counter() - started
    bf = runs["bayes_factor_at_least"]
    bound = "at least " if np.isinf(runs["bayes_factor"]).any() else ""
    summary = {"command": "python -m experiments.bayes_factor " + " ".join(sys.argv[1:] if argv is None else argv),
               "observed": {k: observed[k]["share"] for k in cal.FITTED},
               "seeds": args.seeds, "p_programme_mean": float(runs["p_programme"].mean()),
               "p_programme_min": float(runs["p_programme"].min()), "p_programme_max": float(runs["p_programme"].max()),
               "bayes_factor_median": float(bf.median()), "bayes_factor_min": float(bf.min()),
               "bayes_factor_max": float(bf.max()),
               "bounded": bool(bound),  # some run kept no particle of the other model: factors are lower bounds
               "confusion_correct": {m: float(confusion[confusion["true_model"] == m]["correct"].mean())
                                     for m in MODELS},
               "seconds": round(seconds, 1)}
    atomic_write_bytes(out / "runs.csv", runs.to_csv(index=False).encode())
    atomic_write_bytes(out / "confusion.csv", confusion.to_csv(index=False).encode())
    atomic_write_json(summary, out / "summary.json")
    (out / "abc.db").unlink(missing_ok=True)
    print(f"Bayes factor (programme over response shift only), {args.seeds} seeds: median {bound}"
          f"{summary['bayes_factor_median']:.3g} [{summary['bayes_factor_min']:.3g}, {summary['bayes_factor_max']:.3g}]; "
          "confusion: " + ", ".join(f"data from {m!r} recognised {v:.0%}" for m, v in summary["confusion_correct"].items()))
    print(f"outputs: {out} ({seconds:.0f} s)")


if __name__ == "__main__":
    main()
