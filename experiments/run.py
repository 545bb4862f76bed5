"""Hydra entry point: one job runs R replicates of one configuration.

    python -m experiments.run                                  # the main job (case study)
    python -m experiments.run experiment=baseline run.replicates=20
    python -m experiments.run -m behaviour.homophily=2,4       # a sweep (joblib launcher)

Replicate r is seeded from SeedSequence(base_seed, spawn_key=(r,)), so replicate
r of two configurations shares its random numbers (common random numbers) and no
seed depends on job order, launcher or worker count.

Without an intervention a job writes results.parquet (tidy: replicate, seed,
week, metric, value, plus group columns) and provenance.json. With one, each
replicate is a pair (intervention and counterfactual from a shared burn-in) and
the job also writes survey.parquet, summary.csv (effect sizes with 95%
intervals), survey_summary.csv and figures. All files are written atomically.
"""

from __future__ import annotations

import logging
import sys
from datetime import datetime, timezone
from pathlib import Path

import hydra
import numpy as np
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from joblib import Parallel, delayed
from omegaconf import DictConfig, OmegaConf

from experiments import analysis
from experiments.config import Checked, preflight, register_configs, validate
from experiments.outputs import atomic_write_json, atomic_write_parquet, provenance, tidy
from experiments.paired import run_pair
from sim import CollaborationModel, ConfigError

log = logging.getLogger(__name__)
register_configs()


def replicate_seed(base_seed: int, replicate: int) -> int:
    """The integer seed of replicate r: independent of job order, launcher and scenario."""
    ss = np.random.SeedSequence(base_seed, spawn_key=(replicate,))
    return int(ss.generate_state(1, dtype=np.uint64)[0] & np.uint64(2**63 - 1))


def _one_run(c: Checked, weeks: int, burn_in: int, r: int, seed: int, groups: dict) -> pd.DataFrame:
    model = CollaborationModel(c.partnership, n_weeks=weeks, burn_in_weeks=burn_in, behaviour=c.behaviour, rng=seed)
    model.run()
    return tidy(model.datacollector.get_model_vars_dataframe(), r, seed, groups)


def run_replicates(c: Checked, replicates: int, weeks: int, burn_in_weeks: int, base_seed: int,
                   groups: dict, workers: int = 1, capture_network_at=()):
    """All replicates of one configuration, in replicate order whatever the worker count.

    Returns (results, survey or None, network snapshots of replicate 0, seeds).
    """
    seeds = {r: replicate_seed(base_seed, r) for r in range(replicates)}
    if c.interventions:
        tasks = (delayed(run_pair)(c.partnership, c.behaviour, c.interventions, c.survey, weeks, burn_in_weeks,
                                   r, seeds[r], groups, capture_network_at if r == 0 else ())
                 for r in range(replicates))
    else:
        tasks = (delayed(_one_run)(c, weeks, burn_in_weeks, r, seeds[r], groups) for r in range(replicates))
    out = Parallel(n_jobs=workers, backend="loky")(tasks)  # n_jobs=1 runs in this process
    if c.interventions:
        results = pd.concat([o.results for o in out], ignore_index=True)
        survey = pd.concat([o.survey for o in out], ignore_index=True)
        return results, survey, out[0].networks, seeds
    return pd.concat(out, ignore_index=True), None, {}, seeds


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    """Per metric: mean at week 0 and at the last week, with a 95% t-interval across replicates."""
    last = results["week"].max()
    rows = []
    for metric, d in results.groupby("metric", sort=False):
        start = d[d["week"] == 0]["value"]
        mean, lo, hi = analysis.mean_interval(d[d["week"] == last]["value"].to_numpy())
        rows.append({"metric": metric, "week 0": start.mean(), f"week {last}": mean,
                     "95% low": lo, "95% high": hi})
    return pd.DataFrame(rows)


def format_table(table: pd.DataFrame) -> str:
    return table.to_string(index=False, float_format=lambda x: f"{x:.3f}")


def programme_end(c: Checked) -> int | None:
    from sim.interventions import build_interventions

    ends = [o.end_week - 1 for o in build_interventions(c.interventions) if hasattr(o, "end_week")]
    return min(ends) if ends else None


def report_paired(c: Checked, cfg: DictConfig, out: Path, results: pd.DataFrame, survey: pd.DataFrame,
                  networks: dict) -> None:
    """Effects, survey comparison, cascade and decay lines, figures."""
    from experiments import plots

    end = programme_end(c) or int(results["week"].max())
    follow = [w for w in (end, 52, 104) if w <= results["week"].max()]
    effects = analysis.effect_table(results, follow)
    stats_ = analysis.survey_statistics(survey, end)
    observed = OmegaConf.to_container(cfg.case.observed, resolve=True) if cfg.case else {}
    table = analysis.survey_table(stats_, observed)
    from experiments.outputs import atomic_write_bytes

    atomic_write_bytes(out / "summary.csv", effects.to_csv(index=False).encode())
    atomic_write_bytes(out / "survey_summary.csv", table.to_csv(index=False).encode())
    print()
    print(analysis.format_survey_table(table))
    print()
    print(analysis.cascade_line(effects, end))
    for metric in ("strong_cross_ties_participants", "orientation_participants"):
        line = analysis.decay_line(effects, metric, follow)
        if line:
            print(line)
    plots.save(plots.survey_bars(table), out / "survey_bars.png")
    metrics = {"orientation": "system orientation", "system_first": "system-first choices (4-week share)",
               "strong_cross_ties": "strong cross-organisation ties per leader",
               "cross_org_trust": "cross-organisation trust"}
    plots.save(plots.time_series(results, metrics, end), out / "time_series.png")
    if networks:
        titles = {"week_0": "before the programme", f"week_{end}": "end of the programme"}
        plots.save(plots.network_before_after(networks, c.behaviour.strong_tie, titles), out / "network.png")


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def job(cfg: DictConfig) -> None:
    started = datetime.now(timezone.utc)
    try:
        checked = validate(cfg)
    except ConfigError as exc:  # preflight normally catches these before any file exists
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    out = Path(HydraConfig.get().runtime.output_dir)
    p = checked.partnership
    groups = {"scenario": p.name, "label": cfg.run.label}
    end = programme_end(checked)
    capture = (0, end) if end else ()
    results, survey, networks, seeds = run_replicates(checked, cfg.run.replicates, cfg.run.weeks,
                                                      cfg.run.burn_in_weeks, cfg.run.base_seed, groups,
                                                      cfg.run.workers, capture)
    atomic_write_parquet(results, out / "results.parquet")
    if survey is not None:
        atomic_write_parquet(survey, out / "survey.parquet")
    atomic_write_json(provenance(OmegaConf.to_container(cfg, resolve=True),
                                 list(HydraConfig.get().overrides.task), seeds, started),
                      out / "provenance.json")
    mode = f"paired ({' + '.join(checked.interventions)} vs counterfactual)" if checked.interventions else "plain"
    print(f"\n{p.name}: {p.n_leaders} leaders in {p.n_organisations} organisations, "
          f"{cfg.run.replicates} replicates x {cfg.run.weeks} weeks, {mode} (label {cfg.run.label!r})")
    if survey is not None:
        report_paired(checked, cfg, out, results, survey, networks)
    else:
        print(format_table(summarise(results)))
    print(f"\noutputs: {out}")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if not any(a in ("--help", "-h", "--hydra-help", "--cfg", "-c", "--info", "--shell-completion", "-sc")
               for a in argv):
        problem = preflight(argv)
        if problem is not None:
            print(f"error: {problem}", file=sys.stderr)
            sys.exit(2)
    sys.argv = [sys.argv[0], *argv]
    job()


if __name__ == "__main__":
    main()
