"""Aggregate a sweep: one tidy table, a summary with 95% intervals, and the experiment's figure.

    python -m experiments.aggregate multirun/cohort_size

Runs by itself at the end of every multirun (the Hydra callback in
experiments/running/callbacks.py). It reads every complete job below the directory
(those with complete.json) and writes, atomically, in the directory:

- sweep_results.parquet: all jobs' results (or design rows), with a `job` column;
- sweep_summary.csv: effect sizes with 95% intervals per job, outcome and week
  (or sensitivity indices for a design: sensitivity.csv);
- sweep.png: the experiment's figure (dose-response with bands, strategy
  comparison, ablation bars, decay curves, Morris mu*-sigma, Sobol S1/ST).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from experiments.analysis.effects import effect_table
from experiments.running.config import effect_weeks
from experiments.analysis import design
from experiments.running.jobs import complete_jobs
from experiments.outputs.files import atomic_write_bytes, atomic_write_parquet
from sim.interventions import build_interventions, programme_end
from sim.schema import ConfigError

KEY_OUTCOMES = ("orientation_participants", "orientation_others", "strong_cross_ties_participants",
                "strong_cross_ties_others", "system_first_participants", "issue_success_rate",
                "cross_org_trust_participants")


def _job_config(job: Path) -> dict:
    return json.loads((job / "provenance.json").read_text())["config"]


def _swept_columns(frame: pd.DataFrame) -> list[str]:
    fixed = {"replicate", "seed", "week", "metric", "value", "scenario", "label", "arm", "job"}
    return [c for c in frame.columns if c not in fixed]


def aggregate(root: Path, quiet: bool = False) -> dict[str, Path]:
    """Aggregate the complete jobs below `root`; returns the files written."""
    root = Path(root)
    jobs = complete_jobs(root)
    if any((j / "conclusions.csv").is_file() for j in jobs):  # a structural study
        from experiments.inference.structural import robustness

        return robustness(root, quiet=quiet)
    written: dict[str, Path] = {}
    configs = {j: _job_config(j) for j in jobs}
    collected = design.collect_rows(root, jobs)
    if collected is not None:
        rows, path, cfg = collected
        written["results"] = path
        d = cfg["design"]
        from experiments.outputs import plots

        n_expected = len(design.from_settings(d))
        if len(rows) < n_expected:
            if not quiet:
                print(f"aggregate: {len(rows)} of {n_expected} design rows complete; the analysis needs them all")
            return written
        if d["method"] == "lhs":  # scenario discovery, not sensitivity indices
            from experiments.analysis.discover import discover

            written.update(discover(root, quiet=quiet))
            if not quiet:
                print(f"aggregate: {len(jobs)} complete jobs in {root}")
            return written
        replicates = int(cfg.get("run", {}).get("replicates", 1))
        indices = design.analyse(d["method"], d["parameters"], rows, d["seed"], replicates)
        path = root / "sensitivity.csv"
        atomic_write_bytes(path, indices.to_csv(index=False).encode())
        written["summary"] = path
        fig = plots.morris(indices) if d["method"] == "morris" else plots.sobol(indices)
        written["figure"] = plots.save(fig, root / "sweep.png")
        if replicates > 1:
            noise = design.noise_share(rows, replicates)
            path = root / "replicate_noise.csv"
            atomic_write_bytes(path, noise.to_csv(index=False).encode())
            written["noise"] = path
        if d["method"] == "sobol":
            conv = design.convergence(d["parameters"], rows, d["seed"], replicates)
            if not conv.empty and conv["N"].nunique() > 1:
                path = root / "sensitivity_convergence.csv"
                atomic_write_bytes(path, conv.to_csv(index=False).encode())
                written["convergence"] = path
                written["convergence_figure"] = plots.save(plots.sobol_convergence(conv),
                                                           root / "convergence.png")
                if {"surrogate_share", "surrogate_held_out_share"} <= set(indices.columns):
                    tables = design.sobol_tables(indices, conv)  # as docs/experiments.md shows them
                    path = root / "sensitivity.md"
                    atomic_write_bytes(path, "\n".join(tables).encode())
                    written["tables"] = path
    else:
        frames, sizes = [], {}
        for j in jobs:
            f = pd.read_parquet(j / "results.parquet")
            f["job"] = j.name
            frames.append(f)
            if (j / "leader_effects.parquet").exists():  # Cohen's d per replicate (paired jobs)
                sizes[j.name] = pd.read_parquet(j / "leader_effects.parquet")
        results = pd.concat(frames, ignore_index=True)
        path = root / "sweep_results.parquet"
        atomic_write_parquet(results, path)
        written["results"] = path
        if "arm" in results:
            summary = sweep_summary(results, configs, sizes)
            path = root / "sweep_summary.csv"
            atomic_write_bytes(path, summary.to_csv(index=False).encode())
            written["summary"] = path
            settings = configs[jobs[0]].get("sweep") or {}
            fig = sweep_figure(summary, results, settings)
            if fig is not None:
                from experiments.outputs import plots

                written["figure"] = plots.save(fig, root / "sweep.png")
    if not quiet:
        print(f"aggregate: {len(jobs)} complete jobs in {root}")
        for k, p in written.items():
            print(f"  {k}: {p}")
    return written


def sweep_summary(results: pd.DataFrame, configs: dict, leader_effects: dict | None = None) -> pd.DataFrame:
    """Effect sizes with 95% intervals per job at the programme's end and weeks 52 and 104, with
    Cohen's d where the job measured it (job name -> its leader_effects)."""
    rows = []
    swept = _swept_columns(results)
    ends = {j.name: programme_end(build_interventions(c.get("intervention"))) for j, c in configs.items()}
    configs_by_name = {j.name: c for j, c in configs.items()}
    for job, d in results.groupby("job", sort=False):
        end = ends[job] or int(d["week"].max())
        weeks = effect_weeks(end, int(d["week"].max()))
        # a sweep's jobs whose replicates ran at posterior draws report the range over them
        drawn = (configs_by_name.get(job) or {}).get("uncertainty", {})
        kind = "range" if drawn.get("draws", "posterior") == "posterior" and drawn.get("posterior_file") else "mean"
        e = effect_table(d, weeks, (leader_effects or {}).get(job), kind)
        e["interval"] = kind
        for c in swept:
            e[c] = d[c].iloc[0]
        e["job"] = job
        e["programme_end"] = end
        rows.append(e)
    return pd.concat(rows, ignore_index=True)


def sweep_figure(summary: pd.DataFrame, results: pd.DataFrame, settings: dict):
    from experiments.outputs import plots

    kind = settings.get("figure")
    x = settings.get("x")
    outcomes = settings.get("outcomes") or ["orientation_participants", "orientation_others",
                                            "strong_cross_ties_participants", "issue_success_rate"]
    if kind == "dose_response" and x in summary:
        return plots.dose_response(summary, x, outcomes, hue=settings.get("hue"))
    if kind in ("strategy", "ablation") and x:
        keys = [x] if isinstance(x, str) else list(x)
        keys = [k for k in keys if k in summary]
        if keys:
            return plots.effect_bars(summary, keys, outcomes)
    if kind == "decay" and x in results:
        return plots.effect_trajectories(results, x, settings.get("metrics") or
                                         ["strong_cross_ties_participants", "orientation_participants"])
    return None


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Aggregate a sweep directory")
    ap.add_argument("directory")
    args = ap.parse_args(argv)
    if not Path(args.directory).is_dir():
        print(f"error: directory={args.directory!r}: not a directory", file=sys.stderr)
        sys.exit(2)
    try:
        aggregate(Path(args.directory))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
