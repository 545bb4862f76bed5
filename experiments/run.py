"""Hydra entry point: one job runs R replicates of one configuration, or a chunk of a design.

    python -m experiments.run                                  # the main job (case study)
    python -m experiments.run experiment=baseline run.replicates=20
    python -m experiments.run -m experiment=cohort_size        # a shipped sweep
    python -m experiments.run -m behaviour.homophily=2,4       # your own sweep (joblib launcher)

Replicate r is seeded from SeedSequence(base_seed, spawn_key=(r,)), so replicate
r of two configurations shares its random numbers (common random numbers) and no
seed depends on job order, launcher or worker count.

Without an intervention a job writes results.parquet (tidy: replicate, seed,
week, metric, value, plus group columns) and provenance.json. With one, each
replicate is a pair (intervention and counterfactual from a shared burn-in) and
the job also writes survey.parquet, summary.csv (effect sizes with 95%
intervals), survey_summary.csv and figures. With a design (design.method), the
job runs its chunk of design rows and writes design_rows.parquet. All files are
written atomically; complete.json, written last, marks a job as done, so a rerun
of a sweep skips finished jobs and runs only the missing ones.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import hydra
import numpy as np
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from joblib import Parallel, delayed
from omegaconf import DictConfig, OmegaConf
from tqdm import tqdm

from experiments import analysis
from experiments.config import Checked, apply_overrides, preflight, register_configs, validate
from experiments.outputs import (atomic_write_bytes, atomic_write_json, atomic_write_parquet, provenance,
                                 tidy)
from experiments.paired import run_pair
from sim import CollaborationModel, ConfigError

log = logging.getLogger(__name__)
register_configs()

COMPLETE = "complete.json"


def replicate_seed(base_seed: int, replicate: int) -> int:
    """The integer seed of replicate r: independent of job order, launcher and scenario."""
    ss = np.random.SeedSequence(base_seed, spawn_key=(replicate,))
    return int(ss.generate_state(1, dtype=np.uint64)[0] & np.uint64(2**63 - 1))


def config_hash(cfg: DictConfig) -> str:
    """A job's identity: a hash of its resolved config, minus settings that do not change results."""
    c = OmegaConf.to_container(cfg, resolve=True)
    for k in ("workers", "progress", "figures", "resume"):
        c["run"].pop(k, None)
    # key order is part of the identity: a design's parameter order is its sampling order
    return hashlib.sha256(json.dumps(c, default=str).encode()).hexdigest()[:16]


def is_complete(out: Path, identity: str) -> bool:
    """A job is complete if its marker names the same config and every file it lists is intact."""
    marker = out / COMPLETE
    try:
        info = json.loads(marker.read_text())
    except (OSError, ValueError):
        return False
    if info.get("config_hash") != identity:
        return False
    for name, size in info.get("files", {}).items():
        f = out / name
        if not f.is_file() or f.stat().st_size != size:
            return False
        if name.endswith(".parquet"):
            try:
                import pyarrow.parquet as pq

                pq.read_metadata(f)
            except Exception:
                return False
    return True


def mark_complete(out: Path, identity: str, files: list[str], seconds: float) -> None:
    atomic_write_json({"config_hash": identity, "seconds": round(seconds, 3),
                       "files": {f: (out / f).stat().st_size for f in files}}, out / COMPLETE)


def _progress(iterable, total: int, enabled: bool, desc: str):
    """tqdm over an iterable; silent unless enabled and stderr is a terminal."""
    return tqdm(iterable, total=total, desc=desc, disable=not (enabled and sys.stderr.isatty()), leave=False)


def _one_run(c: Checked, weeks: int, burn_in: int, r: int, seed: int, groups: dict) -> pd.DataFrame:
    model = CollaborationModel(c.partnership, n_weeks=weeks, burn_in_weeks=burn_in, behaviour=c.behaviour, rng=seed)
    model.run()
    return tidy(model.datacollector.get_model_vars_dataframe(), r, seed, groups)


def run_replicates(c: Checked, replicates: int, weeks: int, burn_in_weeks: int, base_seed: int,
                   groups: dict, workers: int = 1, capture_network_at=(), progress: bool = False):
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
    # n_jobs=1 runs in this process; results come back in submission order either way
    gen = Parallel(n_jobs=workers, backend="loky", return_as="generator")(tasks)
    out = list(_progress(gen, replicates, progress, "replicates"))
    if c.interventions:
        results = pd.concat([o.results for o in out], ignore_index=True)
        survey = pd.concat([o.survey for o in out], ignore_index=True)
        return results, survey, out[0].networks, seeds
    return pd.concat(out, ignore_index=True), None, {}, seeds


def _design_row(c: Checked, values: dict, replicates: int, weeks: int, burn_in: int, base_seed: int) -> dict:
    from experiments import design

    row_cfg = apply_overrides(c, values)
    results, survey, _, _ = run_replicates(row_cfg, replicates, weeks, burn_in, base_seed, {})
    end = programme_end(row_cfg) or weeks
    return design.row_outputs(results, analysis.survey_statistics(survey, end), end)


def run_design_chunk(c: Checked, cfg: DictConfig, progress: bool = False) -> pd.DataFrame:
    """The job's chunk of design rows, each a paired run over run.replicates (common seeds)."""
    from experiments import design

    params = OmegaConf.to_container(cfg.design.parameters, resolve=True)
    full = design.build(cfg.design.method, cfg.design.n, params, cfg.design.seed)
    rows = design.chunk(full, cfg.design.chunk, cfg.design.chunk_size)
    end = programme_end(c) or cfg.run.weeks
    weeks = min(cfg.run.weeks, end)
    tasks = (delayed(_design_row)(c, {k: row[k] for k in params}, cfg.run.replicates, weeks,
                                  cfg.run.burn_in_weeks, cfg.run.base_seed)
             for _, row in rows.iterrows())
    gen = Parallel(n_jobs=cfg.run.workers, backend="loky", return_as="generator")(tasks)
    outputs = list(_progress(gen, len(rows), progress, f"design chunk {cfg.design.chunk}"))
    return pd.concat([rows.reset_index(drop=True), pd.DataFrame(outputs)], axis=1)


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
    """The last week of the (first) programme, if any."""
    from sim.interventions import build_interventions

    ends = [o.end_week - 1 for o in build_interventions(c.interventions) if hasattr(o, "end_week")]
    return min(ends) if ends else None


def report_paired(c: Checked, cfg: DictConfig, out: Path, results: pd.DataFrame, survey: pd.DataFrame,
                  networks: dict, figures: bool) -> list[str]:
    """Effects, survey comparison, cascade and decay lines, figures; returns the files written."""
    last = int(results["week"].max())
    end = min(programme_end(c) or last, last)  # a run may stop before the programme ends
    follow = [w for w in (end, 52, 104) if w <= last]
    effects = analysis.effect_table(results, follow)
    stats_ = analysis.survey_statistics(survey, end)
    observed = OmegaConf.to_container(cfg.case.observed, resolve=True) if cfg.case else {}
    table = analysis.survey_table(stats_, observed)
    atomic_write_bytes(out / "summary.csv", effects.to_csv(index=False).encode())
    atomic_write_bytes(out / "survey_summary.csv", table.to_csv(index=False).encode())
    files = ["summary.csv", "survey_summary.csv"]
    print()
    print(analysis.format_survey_table(table))
    print()
    print(analysis.cascade_line(effects, end))
    for metric in ("strong_cross_ties_participants", "orientation_participants"):
        line = analysis.decay_line(effects, metric, follow)
        if line:
            print(line)
    if figures:
        from experiments import plots

        plots.save(plots.survey_bars(table), out / "survey_bars.png")
        metrics = {"orientation": "system orientation", "system_first": "system-first choices (4-week share)",
                   "strong_cross_ties": "strong cross-organisation ties per leader",
                   "cross_org_trust": "cross-organisation trust"}
        plots.save(plots.time_series(results, metrics, end), out / "time_series.png")
        files += ["survey_bars.png", "time_series.png"]
        if networks:
            titles = {"week_0": "before the programme", f"week_{end}": "end of the programme"}
            plots.save(plots.network_before_after(networks, c.behaviour.strong_tie, titles), out / "network.png")
            files.append("network.png")
    return files


def _job_name() -> str:
    hc = HydraConfig.get()
    name = hc.job.override_dirname or "(defaults)"
    return f"job {hc.job.num}: {name}" if hc.mode.name == "MULTIRUN" else name


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def job(cfg: DictConfig) -> None:
    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    try:
        checked = validate(cfg)
    except ConfigError as exc:  # preflight normally catches these before any file exists
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    out = Path(HydraConfig.get().runtime.output_dir)
    identity = config_hash(cfg)
    if cfg.run.resume and is_complete(out, identity):
        print(f"[skip] {_job_name()}: complete output in {out}")
        return
    p = checked.partnership
    prov = provenance(OmegaConf.to_container(cfg, resolve=True), list(HydraConfig.get().overrides.task), {},
                      started, {"config_hash": identity})
    if cfg.design.method:
        rows = run_design_chunk(checked, cfg, cfg.run.progress)
        atomic_write_parquet(rows, out / "design_rows.parquet")
        files = ["design_rows.parquet"]
    else:
        groups = {"scenario": p.name, "label": cfg.run.label}
        for key, value in _swept(cfg).items():
            groups[key] = value
        end = programme_end(checked)
        capture = tuple(w for w in (0, end) if w <= cfg.run.weeks) if end and cfg.run.figures else ()
        results, survey, networks, seeds = run_replicates(checked, cfg.run.replicates, cfg.run.weeks,
                                                          cfg.run.burn_in_weeks, cfg.run.base_seed, groups,
                                                          cfg.run.workers, capture, cfg.run.progress)
        prov["seeds"] = {str(k): v for k, v in seeds.items()}
        atomic_write_parquet(results, out / "results.parquet")
        files = ["results.parquet"]
        mode = f"paired ({' + '.join(checked.interventions)} vs counterfactual)" if checked.interventions else "plain"
        print(f"\n{p.name}: {p.n_leaders} leaders in {p.n_organisations} organisations, "
              f"{cfg.run.replicates} replicates x {cfg.run.weeks} weeks, {mode} (label {cfg.run.label!r})")
        if survey is not None:
            atomic_write_parquet(survey, out / "survey.parquet")
            files.append("survey.parquet")
            files += report_paired(checked, cfg, out, results, survey, networks, cfg.run.figures)
        else:
            print(format_table(summarise(results)))
    atomic_write_json(prov, out / "provenance.json")
    files.append("provenance.json")
    seconds = time.perf_counter() - t0
    mark_complete(out, identity, files, seconds)
    print(f"[done] {_job_name()} in {seconds:.1f} s -> {out}")


def _swept(cfg: DictConfig) -> dict[str, object]:
    """Group columns for the values this job's overrides set (sweeps aggregate on them):
    the value for a parameter, the option's name for a config group."""
    out = {}
    for o in HydraConfig.get().overrides.task:
        key, _, raw = o.lstrip("+~").partition("=")
        if key.startswith(("hydra", "run.", "experiment")):
            continue
        value = OmegaConf.select(cfg, key)
        out[key] = value if isinstance(value, (int, float, str, bool)) else raw
    return out


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
