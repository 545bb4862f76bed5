"""Time the default run against Mesa's BoltzmannWealth example, and the scaling in N.

    python -m benchmarks.bench_model            # full table (about a minute)
    python -m benchmarks.bench_model --quick    # fewer repeats, no 10,000-leader run

Targets (issue 2): the default run (BNSSG, ~250 leaders, 104 weeks, burn-in
included) in at most 0.3x the time of BoltzmannWealth (250 agents, 104 steps)
timed in the same process; 10,000 leaders within 1.5x of linear extrapolation
from 250; peak memory under 1 GB. Each scale runs in a fresh process so its
peak resident memory is its own.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import statistics
import subprocess
import sys
import time

logging.getLogger("MESA").setLevel(logging.WARNING)


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def boltzmann(seed: int = 1) -> None:
    from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth

    BoltzmannWealth(BoltzmannScenario(n=250, width=10, height=10, rng=seed)).run_for(104)


def default_run(seed: int = 1) -> None:
    from sim import CollaborationModel

    CollaborationModel(rng=seed).run_for(104)


def scale_run(n_leaders: int, seed: int = 1) -> None:
    from sim import CollaborationModel, synthetic_partnership

    p = synthetic_partnership(n_organisations=max(2, round(n_leaders / 19)), n_leaders=n_leaders)
    CollaborationModel(p, rng=seed).run_for(104)


def _child(n_leaders: int, repeats: int) -> None:
    import tracemalloc

    scale_run(n_leaders)  # warm-up (imports, caches)
    seconds = _median_time(lambda: scale_run(n_leaders), repeats)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()  # after timing: it slows allocation
    scale_run(n_leaders)
    model_mb = tracemalloc.get_traced_memory()[1] / 2**20
    print(json.dumps({"n": n_leaders, "seconds": seconds, "peak_mb": peak_mb, "model_mb": model_mb}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--repeats", type=int, default=None)
    args = ap.parse_args()
    if args.child:
        _child(args.child, args.repeats or 1)
        return
    repeats = args.repeats or (3 if args.quick else 9)
    default_run(), boltzmann()  # warm-up
    t_model = _median_time(default_run, repeats)
    t_boltz = _median_time(boltzmann, repeats)
    print(f"default run (BNSSG, 104 weeks + burn-in): {t_model * 1000:8.1f} ms (median of {repeats})")
    print(f"BoltzmannWealth (250 agents, 104 steps):  {t_boltz * 1000:8.1f} ms")
    print(f"ratio: {t_model / t_boltz:.2f}x (target <= 0.3x)\n")
    sizes = [250, 1000] if args.quick else [250, 1000, 10000]
    rows = []
    for n in sizes:
        reps = 1 if n >= 10000 else max(1, repeats // 3)
        out = subprocess.run([sys.executable, "-m", "benchmarks.bench_model", "--child", str(n),
                              "--repeats", str(reps)], capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    base = rows[0]
    print(f"{'leaders':>8} {'seconds':>9} {'linear from 250':>16} {'ratio':>6} "
          f"{'process peak MB':>16} {'model peak MB':>14}")
    for r in rows:
        linear = base["seconds"] * r["n"] / base["n"]
        print(f"{r['n']:>8} {r['seconds']:>9.3f} {linear:>16.3f} {r['seconds'] / linear:>6.2f} "
              f"{r['peak_mb']:>16.0f} {r['model_mb']:>14.0f}")
    print("(process peak: resident memory of a fresh process, imports included; "
          "model peak: Python allocations of one run, tracemalloc)")


if __name__ == "__main__":
    main()
