"""Structural uncertainty: the main questions under every combination of mechanism variants.

    python -m experiments.run -m experiment=structural           # 24 rule sets, each calibrated
    python -m experiments.structural multirun/structural          # (re)build the robustness table
    python -m experiments.structural --select                     # which rule set do the figures favour?

One job is one rule set (`mechanisms.*`, docs/ODD.md 7.11). It calibrates the
rule set to the case with the same procedure as `experiments.inference.calibrate` (the
same priors, figures and held-out item; a smaller ABC population), then runs
the main questions at the posterior medians, each as paired replicates with
common random numbers (`run.replicates`) followed to week 52:

- cohort-size dose response (20, 60, 120 participants);
- the ranking of selection strategies (random, seniority, brokerage, quota, teams);
- structured mixing against unstructured workshops;
- the statutory-pressure cap on collective-issue success (pressure x 0.5, 0.75, 1), tested only
  between pressures at which at least a fifth of issues succeed without the programme;
- the sign and size of the cascade (non-participants' orientation effect);
- participants' and non-participants' system-first shares (per-leader, the evidence issue's
  definition), over the programme and over the 26 weeks after it;
- what is left at week 52.

The influence slot's grid is friedkin_johnsen, degroot (the organisation's anchor removed alone)
and bounded_friedkin_johnsen (the confidence bound alone), so the parts of the bundled
`bounded_confidence` variant are tested one at a time.

It writes `structural.csv` (every design point's effects with 95% intervals),
`conclusions.csv` (each conclusion's verdict and number for this rule set) and
`calibration.json`. When the sweep ends, `robustness(sweep_dir)` writes
`robustness.csv` and `robustness.md` (conclusion x rule set) in the sweep's
directory; docs/robustness.md reads them.

`--select` runs pyabc's model selection over the one-at-a-time variants (the
default and each single change), with posterior model probabilities from the
same two fitted figures.
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.analysis.effects import mean_interval, paired_differences
from experiments.running.config import CheckedConfig, apply_overrides
from experiments.running.execution import run_replicates
from experiments.outputs.files import atomic_write_bytes, atomic_write_json
from sim.mechanisms import Mechanisms

P = "intervention.leadership_programme."
QUESTIONS = {  # design point: overrides of the calibrated case study
    "case": {},
    "cohort_20": {P + "cohort_size": 20},
    "cohort_120": {P + "cohort_size": 120},
    "seniority": {P + "selection": "seniority"},
    "brokerage": {P + "selection": "brokerage"},
    "quota": {P + "selection": "quota"},
    "teams": {P + "selection": "teams"},
    "unstructured": {P + "mixing": False},
    "pressure_0.5": {"behaviour.pressure_scale": 0.5},
    "pressure_0.75": {"behaviour.pressure_scale": 0.75},
}
SELECTIONS = {"case": "random", "seniority": "seniority", "brokerage": "brokerage", "quota": "quota",
              "teams": "teams"}
PRESSURES = {"pressure_0.5": 0.5, "pressure_0.75": 0.75, "case": 1.0}
SUCCESS_FLOOR = 0.2
"""A pressure cap is tested only between pressures at which at least a fifth of collective issues
succeed without the programme: where almost none succeed in either arm, the cap could not fail."""
OUTCOMES = ("orientation_participants", "orientation_others", "strong_cross_ties_participants")
WINDOWED = ("system_first_participants", "system_first_others")


# ------------------------------------------------------------------ one rule set

def calibrate_variant(config: CheckedConfig, population: int, generations: int, max_simulations: int,
                      seed: int, workers: int, db: Path) -> tuple[CheckedConfig, dict]:
    """The rule set calibrated as experiments.inference.calibrate does (the same priors, case figures,
    fitted patterns and held-out item; a smaller ABC population): the configuration at the
    posterior medians, and a record of the fit."""
    from experiments.inference import calibrate as cal

    observed = cal.observed_figures(config, patterns=True)
    fit = cal.fit(config, observed, cal.CASE, None, population=population, generations=generations,
                  min_epsilon=1.0, seed=seed, workers=workers, db=db, max_simulations=max_simulations)
    db.unlink(missing_ok=True)
    summary = cal.posterior_summary(fit.posterior).set_index("parameter")
    medians = {name: float(r["median"]) for name, r in summary.iterrows()}
    calibrated = apply_overrides(cal.configured(medians, config, None,
                                                anchor_share=observed["network_agree_start"]["share"]),
                                 {"uncertainty.draws": "medians"})
    ppc = cal.predictive_check(fit.posterior, config, None, 60, seed, workers, patterns=True)
    preds = cal.predictions(ppc, observed, cal.CASE.fitted).set_index("statistic")
    record = {"medians": medians, "contraction": {k: float(v) for k, v in summary["contraction"].items()},
              "generations": fit.generations, "simulations": fit.simulations, "epsilon": fit.epsilon,
              "predictions": {k: {"observed": float(r["observed"]), "predicted": float(r["predicted"]),
                                  "low": float(r["low"]), "high": float(r["high"]), "hit": bool(r["hit"]),
                                  "role": r["role"]} for k, r in preds.iterrows()}}
    return calibrated, record


def answer_questions(config: CheckedConfig, workers: int) -> pd.DataFrame:
    """Every design point's paired effects per replicate (programme minus counterfactual, the same
    seeds for every design point), at the programme's end and week 52: orientation and strong
    cross-organisation ties from the weekly group metrics; system-first shares from the
    per-leader shares over the window since the previous effect week; collective-issue success as
    the expected success over the programme's weeks (metric issue_success_over_programme), with
    its level without the programme (issue_success_counterfactual). Columns: point, metric, week,
    replicate, effect."""
    frames = []
    for name, overrides in QUESTIONS.items():
        c = apply_overrides(config, {**overrides, "run.weeks": max(52, config.programme_end)})
        reps = run_replicates(c, {}, workers=workers)
        end = c.programme_end
        for metric in OUTCOMES:
            d = paired_differences(reps.results, metric, [end, 52])
            frames.append(d.assign(point=name, metric=metric))
        sizes = reps.leader_effects
        for metric in WINDOWED:
            d = sizes[(sizes["metric"] == metric) & sizes["week"].isin([end, 52])]
            frames.append(d[["replicate", "week", "effect"]].assign(point=name, metric=metric))
        success = sizes[(sizes["metric"] == "issue_success_rate") & (sizes["week"] == end)]
        frames.append(success[["replicate", "week", "effect"]].assign(point=name, metric="issue_success_over_programme"))
        frames.append(success[["replicate", "week"]].assign(effect=success["counterfactual"], point=name,
                                                            metric="issue_success_counterfactual"))
    return pd.concat(frames, ignore_index=True)[["point", "metric", "week", "replicate", "effect"]]


def summarise(per_replicate: pd.DataFrame) -> pd.DataFrame:
    """Mean effect and 95% t-interval per design point, metric and week."""
    rows = []
    for (point, metric, week), d in per_replicate.groupby(["point", "metric", "week"], sort=False):
        mean, lo, hi = mean_interval(d["effect"].to_numpy())
        rows.append({"point": point, "metric": metric, "week": int(week), "effect": mean, "low": lo, "high": hi,
                     "replicates": len(d)})
    return pd.DataFrame(rows)


def _series(per_replicate: pd.DataFrame, point: str, metric: str, week: int) -> pd.Series:
    d = per_replicate[(per_replicate["point"] == point) & (per_replicate["metric"] == metric)
                      & (per_replicate["week"] == week)]
    return d.set_index("replicate")["effect"].sort_index()


def verdict(low: float, high: float) -> str:
    """'holds' if the 95% interval of the tested quantity is above 0, 'reversed' if below,
    'unresolved' if it includes 0."""
    if low > 0:
        return "holds"
    if high < 0:
        return "reversed"
    return "unresolved"


def conclusions(per_replicate: pd.DataFrame, end: int) -> pd.DataFrame:
    """The main conclusions for one rule set. Each is a quantity that is positive when the default
    model's conclusion holds, computed per replicate (common random numbers across design points)
    and averaged with a 95% t-interval: the verdict is `verdict(low, high)`."""
    s = lambda p, m, w=end: _series(per_replicate, p, m, w)  # noqa: E731
    rows = []

    def add(name, quantity: pd.Series, detail: str):
        mean, lo, hi = mean_interval(quantity.dropna().to_numpy())
        rows.append({"conclusion": name, "verdict": verdict(lo, hi), "value": mean, "low": lo, "high": hi,
                     "detail": detail})

    def m(x: pd.Series) -> str:
        return f"{x.mean():+.4f}"

    c20, c60, c120 = (s(p, "orientation_others") for p in ("cohort_20", "case", "cohort_120"))
    add("the cascade grows with cohort size (120 vs 20 participants)", c120 - c20,
        f"20: {m(c20)}, 60: {m(c60)}, 120: {m(c120)}")
    s20, s120 = s("cohort_20", "issue_success_over_programme"), s("cohort_120", "issue_success_over_programme")
    add("collective-issue success grows with cohort size (120 vs 20)", s120 - s20, f"20: {m(s20)}, 120: {m(s120)}")
    ties = {p: s(p, "strong_cross_ties_participants") for p in SELECTIONS}
    ranking = sorted(ties, key=lambda p: ties[p].mean(), reverse=True)
    runner_up = next(p for p in ranking if p != "brokerage")
    add("brokers gain the most strong cross-organisation ties (vs the next strategy)",
        ties["brokerage"] - ties[runner_up], "ranking: " + " > ".join(SELECTIONS[p] for p in ranking))
    cascade = {p: s(p, "orientation_others") for p in SELECTIONS}
    order = sorted(cascade, key=lambda p: cascade[p].mean())
    next_lowest = next(p for p in order if p != "teams")
    add("whole teams cascade least (vs the next strategy)", cascade[next_lowest] - cascade["teams"],
        "ranking: " + " < ".join(SELECTIONS[p] for p in order))
    mix, plain = s("case", "strong_cross_ties_participants"), s("unstructured", "strong_cross_ties_participants")
    add("structured mixing builds more ties than unstructured workshops", mix - plain,
        f"mixed {m(mix)}, unstructured {m(plain)} ties per participant")
    # the pressure cap, only between pressures where issues succeed without the programme
    level = {p: s(p, "issue_success_counterfactual").mean() for p in PRESSURES}
    effect = {p: s(p, "issue_success_over_programme") for p in PRESSURES}
    testable = [p for p in PRESSURES if level[p] >= SUCCESS_FLOOR]
    detail = ", ".join(f"x{PRESSURES[p]:g}: effect {m(effect[p])} (success without the programme "
                       f"{level[p]:.0%})" for p in PRESSURES)
    name = "more statutory pressure caps the effect on issue success"
    if len(testable) >= 2:
        low_p, high_p = min(testable, key=PRESSURES.get), max(testable, key=PRESSURES.get)
        add(name, effect[low_p] - effect[high_p], f"tested x{PRESSURES[low_p]:g} against x{PRESSURES[high_p]:g}; {detail}")
    else:
        rows.append({"conclusion": name, "verdict": "not testable", "value": math.nan, "low": math.nan,
                     "high": math.nan, "detail": f"fewer than two pressures with at least {SUCCESS_FLOOR:.0%} of "
                     f"issues succeeding without the programme: {detail}"})
    sf_p, sf_o = s("case", "system_first_participants"), s("case", "system_first_others")
    add("the programme raises participants' system-first share", sf_p,
        f"participants {m(sf_p)} (per-leader shares over the programme's weeks)")
    add("non-participants' system-first share rises too (a behavioural cascade)", sf_o, f"non-participants {m(sf_o)}")
    sf_52 = s("case", "system_first_participants", 52)
    add("participants' system-first share is still raised over weeks 27-52", sf_52,
        f"{m(sf_p)} over the programme, {m(sf_52)} over weeks 27-52")
    cas = s("case", "orientation_others")
    add("the cascade is positive", cas, f"non-participants {m(cas)}")
    t_end, t_52 = s("case", "strong_cross_ties_participants"), s("case", "strong_cross_ties_participants", 52)
    add("most new ties are gone by week 52 (less than half left)", 0.5 * t_end - t_52,
        f"{m(t_end)} at the end, {m(t_52)} at week 52")
    o_end, o_52 = s("case", "orientation_participants"), s("case", "orientation_participants", 52)
    add("most of participants' orientation shift is gone by week 52", 0.5 * o_end - o_52,
        f"{m(o_end)} at the end, {m(o_52)} at week 52")
    return pd.DataFrame(rows)


def run_job(config: CheckedConfig, out: Path) -> list[str]:
    """One structural job (module docstring): calibrate, answer, conclude; returns files written."""
    s = config.structural
    workers = config.run.workers
    record = {"mechanisms": config.mechanisms.to_dict(), "label": config.mechanisms.label}
    if s.calibrate:
        config, fit = calibrate_variant(config, s.population, s.generations, s.max_simulations, s.seed, workers,
                                        out / "abc.db")
        record["calibration"] = fit
    per_replicate = answer_questions(config, workers)
    table = summarise(per_replicate)
    table.insert(0, "mechanisms", config.mechanisms.label)
    verdicts = conclusions(per_replicate, config.programme_end)
    verdicts.insert(0, "mechanisms", config.mechanisms.label)
    atomic_write_bytes(out / "structural.csv", table.to_csv(index=False).encode())
    atomic_write_bytes(out / "conclusions.csv", verdicts.to_csv(index=False).encode())
    atomic_write_json(record, out / "calibration.json")
    print(f"\n{config.mechanisms.label}:")
    for _, r in verdicts.iterrows():
        print(f"  {r['verdict']:<10}  {r['conclusion']}: {r['value']:+.4f} [{r['low']:+.4f}, {r['high']:+.4f}]"
              f"  ({r['detail']})")
    return ["structural.csv", "conclusions.csv", "calibration.json"]


# ------------------------------------------------------------------ the robustness table

def robustness(root: Path, quiet: bool = False) -> dict[str, Path]:
    """conclusion x rule set from every complete structural job below `root`."""
    root = Path(root)
    files = sorted(root.rglob("conclusions.csv"))
    if not files:
        raise SystemExit(f"error: {root}: no structural jobs (conclusions.csv) found")
    verdicts = pd.concat([pd.read_csv(f) for f in files], ignore_index=True)
    fits = {}
    for f in files:
        cal = json.loads((f.parent / "calibration.json").read_text())
        fits[cal["label"]] = cal.get("calibration")
    order = list(dict.fromkeys(verdicts["conclusion"]))
    labels = sorted(verdicts["mechanisms"].unique())
    summary = []
    for name in order:
        d = verdicts[verdicts["conclusion"] == name].set_index("mechanisms")
        summary.append({"conclusion": name, "rule sets": len(d),
                        "holds": int((d["verdict"] == "holds").sum()),
                        "unresolved": ", ".join(k for k in labels if k in d.index and d.loc[k, "verdict"] == "unresolved"),
                        "reversed": ", ".join(k for k in labels if k in d.index and d.loc[k, "verdict"] == "reversed"),
                        "not testable": ", ".join(k for k in labels if k in d.index
                                                  and d.loc[k, "verdict"] == "not testable"),
                        "range": f"{d['value'].min():+.4f} to {d['value'].max():+.4f}"})
    summary = pd.DataFrame(summary)
    written = {}
    path = root / "robustness.csv"
    atomic_write_bytes(path, verdicts.to_csv(index=False).encode())
    written["verdicts"] = path
    lines = ["| conclusion | holds in | unresolved in | reversed in | not testable in | tested quantity across rule sets |",
             "|---|---|---|---|---|---|"]
    for _, r in summary.iterrows():
        lines.append(f"| {r['conclusion']} | {r['holds']} of {r['rule sets']} | {r['unresolved'] or '-'} | "
                     f"{r['reversed'] or '-'} | {r['not testable'] or '-'} | {r['range']} |")
    shown = ("tie_growth", "end_shift", "retrospective_shift", "governance_gain", "content_influence", "logit_beta")
    lines += ["", "| rule set | epsilon | " + " | ".join(shown) + " | influence item (held out) |",
              "|---|---|" + "---|" * len(shown) + "---|"]
    for label, fit in sorted(fits.items()):
        if not fit:
            lines.append(f"| {label} | (not calibrated) |" + " |" * (len(shown) + 1))
            continue
        m, p = fit["medians"], fit["predictions"].get("influence_disagree_end", {})
        lines.append(f"| {label} | {fit.get('epsilon', math.nan):.2f} | "
                     + " | ".join(f"{m[k]:.3g}" if k in m else "-" for k in shown)
                     + f" | {p.get('predicted', math.nan):.0%} [{p.get('low', math.nan):.0%}, "
                     f"{p.get('high', math.nan):.0%}] {'hit' if p.get('hit') else 'miss'} |")
    path = root / "robustness.md"
    atomic_write_bytes(path, ("\n".join(lines) + "\n").encode())
    written["table"] = path
    if not quiet:
        print("\n".join(lines[:len(summary) + 2]))
    return written


# ------------------------------------------------------------------ model selection

def one_at_a_time() -> dict[str, Mechanisms]:
    """The default rule set and each single change of it."""
    out = {"default": Mechanisms()}
    for slot, options in (("influence", ("degroot", "bounded_friedkin_johnsen", "bounded_confidence")),
                          ("game", ("public_goods",)),
                          ("content", ("through_sight",)), ("listening", ("relationships",))):
        for option in options:
            out[f"{slot}={option}"] = Mechanisms(**{slot: option})
    return out


@dataclass
class Selection:
    probabilities: pd.DataFrame
    generations: int
    simulations: int


def select(config: CheckedConfig, population: int, generations: int, max_simulations: int, seed: int,
           workers: int, db: Path) -> Selection:
    """pyabc model selection among `one_at_a_time()` rule sets on the two fitted survey figures,
    each rule set with what a survey speaks to free (`calibrate.SURVEY_PARAMETERS`, their priors),
    the pattern-calibrated constants as configured, and the network cut anchored in each run."""
    import pyabc

    from experiments.inference import calibrate as cal
    from experiments.inference.abc_sampler import SeededBatchSampler

    observed = cal.observed_figures(config)
    variants = one_at_a_time()
    configs = {name: apply_overrides(config, {f"mechanisms.{k}": v for k, v in mech.to_dict().items()})
               for name, mech in variants.items()}

    def make(name):
        def model(theta):
            theta = {p.name: float(theta[p.name]) for p in cal.SURVEY_PARAMETERS}
            return cal.simulate(theta, configs[name], cal.theta_seed({**theta, "m": len(name)}, seed), None)
        return model

    names = list(variants)
    prior = pyabc.Distribution(**{p.name: p.rv() for p in cal.SURVEY_PARAMETERS})
    abc = pyabc.ABCSMC([make(n) for n in names], [prior] * len(names), cal.make_distance(observed, cal.FITTED),
                       population_size=population, sampler=SeededBatchSampler(seed, workers))
    Path(db).unlink(missing_ok=True)
    abc.new(f"sqlite:///{Path(db).resolve()}", {k: observed[k]["share"] for k in cal.STATS})
    history = abc.run(minimum_epsilon=0.5, max_nr_populations=generations, max_total_nr_simulations=max_simulations)
    probs = history.get_model_probabilities()
    last = probs.iloc[-1].reindex(range(len(names))).fillna(0.0)
    frame = pd.DataFrame({"rule set": names, "prior": 1.0 / len(names), "posterior": last.to_numpy()})
    return Selection(frame, history.max_t + 1, int(history.total_nr_simulations))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("directory", nargs="?", help="a finished structural sweep (rebuild its robustness table)")
    ap.add_argument("--select", action="store_true", help="pyabc model selection over one-at-a-time variants")
    ap.add_argument("--population", type=int, default=300)
    ap.add_argument("--generations", type=int, default=5)
    ap.add_argument("--max-simulations", type=int, default=15_000)
    ap.add_argument("--seed", type=int, default=20261126)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default="outputs/model_selection")
    ap.add_argument("overrides", nargs="*", help="Hydra overrides of the case study (with --select)")
    args = ap.parse_args(argv)
    if args.select:
        from experiments.running.config import compose_checked

        config = compose_checked(["experiment=case_study", *args.overrides])
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        s = select(config, args.population, args.generations, args.max_simulations, args.seed, args.workers,
                   out / "abc.db")
        atomic_write_bytes(out / "model_probabilities.csv", s.probabilities.to_csv(index=False).encode())
        print(f"ABC-SMC model selection: {s.generations} generations, {s.simulations} simulations")
        print(s.probabilities.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        print(f"outputs: {out}")
        return
    if not args.directory:
        ap.error("give a structural sweep's directory, or --select")
    robustness(Path(args.directory))


if __name__ == "__main__":
    main()
