"""Hydra entry point: one job runs R replicates of one configuration.

    python -m experiments.run                      # the default job
    python -m experiments.run run.replicates=20 behaviour.homophily=4
    python -m experiments.run -m behaviour.homophily=2,4   # a sweep (joblib launcher)

Replicate r is seeded from SeedSequence(base_seed, spawn_key=(r,)), so replicate
r of two scenarios shares its random numbers (common random numbers) and no seed
depends on job order or launcher. Each job writes, atomically, in its output
directory: results.parquet (tidy: replicate, seed, week, metric, value, plus
group columns) and provenance.json; it prints a short summary table.
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
from omegaconf import DictConfig, OmegaConf
from scipy import stats

from experiments.config import preflight, register_configs, validate
from experiments.outputs import atomic_write_json, atomic_write_parquet, provenance, tidy
from sim import BehaviourParams, CollaborationModel, ConfigError, Partnership

log = logging.getLogger(__name__)
register_configs()


def replicate_seed(base_seed: int, replicate: int) -> int:
    """The integer seed of replicate r: independent of job order, launcher and scenario."""
    ss = np.random.SeedSequence(base_seed, spawn_key=(replicate,))
    return int(ss.generate_state(1, dtype=np.uint64)[0] & np.uint64(2**63 - 1))


def run_replicates(behaviour: BehaviourParams, partnership: Partnership, replicates: int,
                   weeks: int, burn_in_weeks: int, base_seed: int,
                   groups: dict[str, object]) -> tuple[pd.DataFrame, dict[int, int]]:
    """Run the replicates of one configuration; return the tidy table and the seeds."""
    frames, seeds = [], {}
    for r in range(replicates):
        seed = replicate_seed(base_seed, r)
        seeds[r] = seed
        model = CollaborationModel(partnership, n_weeks=weeks, burn_in_weeks=burn_in_weeks,
                                   behaviour=behaviour, rng=seed)
        model.run()
        frames.append(tidy(model.datacollector.get_model_vars_dataframe(), r, seed, groups))
    return pd.concat(frames, ignore_index=True), seeds


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    """Per metric: mean at week 0 and at the last week, with a 95% t-interval across replicates."""
    last = results["week"].max()
    rows = []
    for metric, d in results.groupby("metric", sort=False):
        start = d[d["week"] == 0]["value"]
        end = d[d["week"] == last]["value"].to_numpy()
        mean = end.mean()
        if end.size > 1:
            half = stats.t.ppf(0.975, end.size - 1) * end.std(ddof=1) / np.sqrt(end.size)
        else:
            half = np.nan
        rows.append({"metric": metric, "week 0": start.mean(), f"week {last}": mean,
                     "95% low": mean - half, "95% high": mean + half})
    return pd.DataFrame(rows)


def format_table(table: pd.DataFrame) -> str:
    return table.to_string(index=False, float_format=lambda x: f"{x:.3f}")


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def job(cfg: DictConfig) -> None:
    started = datetime.now(timezone.utc)
    try:
        behaviour, partnership = validate(cfg)
    except ConfigError as exc:  # preflight normally catches these before any file exists
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    out = Path(HydraConfig.get().runtime.output_dir)
    groups = {"scenario": partnership.name, "label": cfg.run.label}
    results, seeds = run_replicates(behaviour, partnership, cfg.run.replicates, cfg.run.weeks,
                                    cfg.run.burn_in_weeks, cfg.run.base_seed, groups)
    atomic_write_parquet(results, out / "results.parquet")
    atomic_write_json(provenance(OmegaConf.to_container(cfg, resolve=True),
                                 list(HydraConfig.get().overrides.task), seeds, started),
                      out / "provenance.json")
    print(f"\n{partnership.name}: {partnership.n_leaders} leaders in {partnership.n_organisations} "
          f"organisations, {cfg.run.replicates} replicates x {cfg.run.weeks} weeks "
          f"(label {cfg.run.label!r})")
    print(format_table(summarise(results)))
    print(f"results: {out / 'results.parquet'}")


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
