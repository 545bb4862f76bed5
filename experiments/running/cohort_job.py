"""Hydra entry point of the cohort search: `python -m experiments.cohort` (experiments/cohort.py).

    python -m experiments.cohort scenario_file=my.xlsx network_file=my_survey.csv cohort.size=60
    python -m experiments.cohort experiment=mine cohort.objective=issue_success   # your own calibration

The configuration is the run's (`conf/config.yaml`: the case study's calibrated behaviour and
programme unless told otherwise) with the `cohort` settings (`experiments.running.config.CohortSettings`).
Everything is checked before any file is written (the preflight, then the search's own needs). The
work is `experiments.analysis.cohort`; the files go into the run's folder.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import hydra
import numpy as np
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from experiments.running.config import CONF_DIR, check, register_configs
from experiments.running.execution import progress_bar, replicate_seed
from experiments.running.preflight import preflight
from sim import ConfigError

register_configs()


def _seeds(seed: int, stream: int, n: int) -> list[int]:
    """Seeds of the search (stream 0) and of the fresh evaluation (stream 1): never the same."""
    return [replicate_seed(int(np.random.SeedSequence(seed, spawn_key=(stream,)).generate_state(1)[0]), r)
            for r in range(n)]


def run_search(raw: dict, out: Path, overrides: list[str]) -> list[str]:
    """The search and its evaluation, written to `out`; returns the files written."""
    import pandas as pd

    from experiments.analysis import cohort
    from experiments.outputs.files import atomic_write_bytes, atomic_write_json, provenance

    started = datetime.now(timezone.utc)
    config = check(raw)
    cohort.check(config)
    cs = config.cohort
    if config.network is not None:
        print(config.network.summary())
    bw = cohort.boltzmann_ms()
    t0 = time.perf_counter()
    n = cs.search_replicates
    draws = cohort.posterior_draws(cs.posterior, 2 * n + cs.fresh_replicates,
                                   np.random.default_rng(np.random.SeedSequence(cs.seed, spawn_key=(2,))))
    search_seeds = _seeds(cs.seed, 0, 2 * n)  # the search's seeds, then its confirmation seeds
    print(f"{config.partnership.name}: {config.partnership.n_leaders} leaders; searching for a cohort of {cs.size} "
          f"({cohort.OBJECTIVE_WORDS[cs.objective]}), {cs.budget} cohorts x {cs.search_replicates} seeds")
    worlds = [cohort.make_world(config, seed, theta, cs.size, keep_state=(k == 0))
              for k, (seed, theta) in enumerate(zip(search_seeds, draws[:2 * n]))]
    bar = progress_bar(iter(()), cs.budget, config.run.progress, "cohorts searched")
    recommended, start, record = cohort.search(config, worlds[:n], lambda k: bar.update(k), confirm=worlds[n:])
    bar.close()
    fresh_seeds = _seeds(cs.seed, 1, cs.fresh_replicates)
    bar = progress_bar(iter(()), cs.fresh_replicates, config.run.progress, "fresh seeds")
    fresh = cohort.fresh_evaluation(config, recommended, start, fresh_seeds, draws[2 * n:],
                                    config.run.workers, lambda k: bar.update(k))
    bar.close()
    seconds = time.perf_counter() - t0
    table = cohort.comparison(fresh)
    noise = cohort.noise_table(record)
    mean, _ = record.estimates()
    people = cohort.features(config, worlds[0].week0, recommended, mean)
    text = cohort.summary_text(config, table, noise, start, record, seconds, bw)
    files = {"cohort.csv": people.to_csv(index=False), "comparison.csv": table.to_csv(index=False),
             "search.csv": pd.DataFrame(record.log).to_csv(index=False), "noise.csv": noise.to_csv(index=False),
             "summary.md": text}
    for name, content in files.items():
        atomic_write_bytes(out / name, content.encode())
    timing = {"seconds": seconds, "boltzmann_wealth_250_104_ms": bw, "seconds_at_100_ms": seconds * 100 / bw,
              "target_seconds_at_100_ms": 600, "leaders": config.partnership.n_leaders, "cohort": cs.size}
    atomic_write_json(timing, out / "timing.json")
    atomic_write_json(provenance(raw, overrides, {}, started, {"search_seeds": search_seeds,
                                                                "fresh_seeds": fresh_seeds}), out / "provenance.json")
    print(text)
    print(f"files: {out}")
    return [*files, "timing.json", "provenance.json"]


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="config")
def job(cfg: DictConfig) -> None:
    raw = OmegaConf.to_container(cfg, resolve=True)
    out = Path(HydraConfig.get().runtime.output_dir)
    try:
        run_search(raw, out, list(HydraConfig.get().overrides.task))
    except ConfigError as exc:  # the preflight normally catches these before any file exists
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    # the programme's cohort is the search's size (its own feasibility rule then checks it)
    size = next((a.split("=", 1)[1] for a in argv if a.startswith("cohort.size=")), None)
    typed = any(a.startswith(("intervention.leadership_programme.cohort_size=",
                              "intervention.leadership_programme.cohort_file=")) for a in argv)
    if not typed:
        from experiments.running.config import CohortSettings

        # (and chooses it, even under an experiment calibrated to a named cohort)
        argv = [*argv, f"intervention.leadership_programme.cohort_size={size or CohortSettings().size}",
                "intervention.leadership_programme.cohort_file=null"]
    if not any(a in ("--help", "-h", "--hydra-help", "--cfg", "-c", "--info") for a in argv):
        problem = preflight(argv)
        if problem is None:  # the search's own needs (a programme, a feasible size, the posterior)
            problem = _search_preflight(argv)
        if problem is not None:
            if not typed:  # the size the user typed is the search's
                problem = problem.replace("intervention.leadership_programme.cohort_size=", "cohort.size=")
            print(f"error: {problem}", file=sys.stderr)
            sys.exit(2)
    sys.argv = [sys.argv[0], *argv, "hydra.job.name=cohort"]
    job()


def _search_preflight(argv: list[str]) -> str | None:
    from experiments.analysis import cohort
    from experiments.running.config import compose_checked
    from experiments.running.preflight import _user_overrides, describe_error

    overrides, _ = _user_overrides(argv)
    try:
        cohort.check(compose_checked(overrides))
    except Exception as exc:  # noqa: BLE001 - reduced to one line naming the key
        return describe_error(exc, overrides)
    return None
