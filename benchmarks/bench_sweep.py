"""Throughput of a 1,000-run design: Hydra entry point + joblib launcher vs a plain serial loop.

    python -m benchmarks.bench_sweep            # the full benchmark (a few minutes)
    python -m benchmarks.bench_sweep --rows 40  # a smaller design, same comparison

The design is `conf/experiment/benchmark_design.yaml`: 500 Morris rows, each a
paired run (programme and counterfactual), so 1,000 model runs. The serial loop
calls the same row function in one process; the sweep cuts the design into
`--jobs` coarse Hydra jobs (default 4 of 125 rows) run by the joblib launcher
on two cores, then aggregates them (Morris indices and figure) as every sweep does. Both give the same outputs
(checked). Target (issue 4): the sweep reaches at least 1.6x the loop's throughput.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=500, help="design rows (each is two model runs)")
    ap.add_argument("--jobs", type=int, default=4, help="Hydra jobs the design is cut into")
    args = ap.parse_args()
    from experiments.running.config import apply_overrides, compose_checked
    from experiments.analysis.design import build
    from experiments.running.execution import run_design_row

    n = max(1, args.rows // 5)  # Morris rows = n * (k + 1), k = 4
    chunk_size = -(-5 * n // args.jobs)
    config = compose_checked(["experiment=benchmark_design", f"design.n={n}", f"design.chunk_size={chunk_size}"])
    params = {k: list(v) for k, v in config.design.parameters.items()}
    design = build(config.design.method, n, params, config.design.seed)
    rows_config = apply_overrides(config, {"run.weeks": 26})
    runs = 2 * len(design)

    t = time.perf_counter()
    serial = [run_design_row(rows_config, {k: row[k] for k in params}) for _, row in design.iterrows()]
    t_serial = time.perf_counter() - t

    with tempfile.TemporaryDirectory() as tmp:
        n_chunks = -(-len(design) // chunk_size)
        cmd = [sys.executable, "-m", "experiments.run", "-m", "experiment=benchmark_design", f"design.n={n}",
               f"design.chunk_size={chunk_size}", f"design.chunk=range(0,{n_chunks})",
               f"hydra.sweep.dir={tmp}/sweep", "hydra/launcher=local", "hydra.launcher.n_jobs=2"]
        t = time.perf_counter()
        subprocess.run(cmd, cwd=REPO, check=True, capture_output=True, text=True)
        t_sweep = time.perf_counter() - t
        swept = pd.read_parquet(Path(tmp) / "sweep" / "sweep_results.parquet").sort_values("row")
    same = pd.DataFrame(serial).reset_index(drop=True).equals(
        swept[list(pd.DataFrame(serial).columns)].reset_index(drop=True))

    print(f"design: {len(design)} rows x 2 arms = {runs} model runs, {n_chunks} Hydra jobs")
    print(f"{'':<34} {'seconds':>8} {'runs/s':>8}")
    print(f"{'plain serial loop':<34} {t_serial:>8.1f} {runs / t_serial:>8.2f}")
    print(f"{'Hydra + joblib launcher, 2 cores':<34} {t_sweep:>8.1f} {runs / t_sweep:>8.2f}")
    print(f"speed-up: {t_serial / t_sweep:.2f}x (target >= 1.6x); identical outputs: {same}")


if __name__ == "__main__":
    main()
