"""The model's speed and memory targets, measured as ratios in one process (docs/performance.md).

    python -m benchmarks.bench_model            # the full table (a few minutes)
    python -m benchmarks.bench_model --quick    # fewer repeats; no 10,000 leaders, no load, no case study

Targets (issue 9):
- the default run (BNSSG, about 250 leaders, 104 weeks after a 104-week burn-in, construction
  included) in at most 0.3x the time of Mesa's BoltzmannWealth (250 agents, 104 steps),
  timed in the same process, both warm;
- the compiled kernels' cold compile time (empty numba cache, fresh process) at most 15 s,
  reported apart from the timed runs;
- under load (one CPU-bound process beside it) the default run at most 1.5x its idle time;
- 10,000 leaders within 1.5x of linear extrapolation from 250, under 1 GB;
- `make run` (the case study, 100 paired replicates, 2 workers) at most 8 s after set-up.

Each scale runs in a fresh process so its peak memory is its own. This is a benchmark, not a
test: it prints measurements and whether each target is met, and never fails a build.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

logging.getLogger("MESA").setLevel(logging.WARNING)
REPO = Path(__file__).resolve().parents[1]


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


def peak_resident_mb() -> float:
    """This process's peak resident memory. Linux's VmHWM belongs to the process image, so a
    child started by `subprocess` reports its own peak; `ru_maxrss` would carry over the
    parent's resident size at the fork (kept through exec), which after a compile is larger
    than the child's whole run."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(n_leaders: int, repeats: int) -> None:
    import tracemalloc

    scale_run(n_leaders)  # warm-up (imports, compiled kernels)
    seconds = _median_time(lambda: scale_run(n_leaders), repeats)
    peak_mb = peak_resident_mb()
    tracemalloc.start()  # after timing: it slows allocation
    scale_run(n_leaders)
    model_mb = tracemalloc.get_traced_memory()[1] / 2**20
    print(json.dumps({"n": n_leaders, "seconds": seconds, "peak_mb": peak_mb, "model_mb": model_mb}))


def cold_compile() -> tuple[float, float]:
    """(first run, second run) in seconds, in a fresh process with an empty numba cache."""
    code = ("import time; t = time.perf_counter(); from sim import CollaborationModel\n"
            "CollaborationModel(rng=1, interventions={'leadership_programme': {}}, survey=True).run_for(104)\n"
            "t1 = time.perf_counter(); CollaborationModel(rng=2, interventions={'leadership_programme': {}},"
            " survey=True).run_for(104)\n"
            "print(t1 - t, time.perf_counter() - t1)")
    with tempfile.TemporaryDirectory() as cache:
        out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True,
                             env={**os.environ, "NUMBA_CACHE_DIR": cache})
    first, second = map(float, out.stdout.split())
    return first, second


def under_load(repeats: int) -> float:
    """Median default run with one CPU-bound process running beside it."""
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        return _median_time(default_run, repeats)
    finally:
        busy.kill()
        busy.wait()


def case_study_seconds() -> float:
    """Wall time of `python -m experiments.run` (the main job), compiled kernels cached."""
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "experiments.run", f"hydra.run.dir={tmp}/case"], cwd=REPO,
                       capture_output=True, text=True, check=True)
        return time.perf_counter() - t


def explorer_step_ms(steps: int = 10) -> float | None:
    """One explorer step at 250 leaders: the model's week and both figures rendered as PNG (what
    the page redraws), in ms; None without the explorer's dependencies."""
    try:
        from experiments.interfaces.app import ExplorerModel, network_png, over_time_png
    except ImportError:
        return None
    model = ExplorerModel()
    for _ in range(5):
        model.step()
    t = time.perf_counter()
    for _ in range(steps):
        model.step()
        network_png(model), over_time_png(model)
    return (time.perf_counter() - t) / steps * 1000


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


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
    if not args.quick:
        first, second = cold_compile()
        print(f"cold compile (empty numba cache, fresh process): {first - second:5.1f} s "
              f"(first run {first:.1f} s, second {second:.2f} s); target <= 15 s: {verdict(first - second <= 15)}\n")
    default_run(), boltzmann()  # warm-up: imports, compiled kernels from the cache
    t_model = _median_time(default_run, repeats)
    t_boltz = _median_time(boltzmann, repeats)
    ratio = t_model / t_boltz
    print(f"default run (BNSSG, 104 weeks + 104-week burn-in): {t_model * 1000:8.1f} ms (median of {repeats})")
    print(f"BoltzmannWealth (250 agents, 104 steps):           {t_boltz * 1000:8.1f} ms")
    print(f"ratio: {ratio:.2f}x; target <= 0.3x: {verdict(ratio <= 0.3)}\n")
    if not args.quick:
        t_load = under_load(repeats)
        print(f"under load (one busy process beside it): {t_load * 1000:.1f} ms = {t_load / t_model:.2f}x idle; "
              f"target <= 1.5x: {verdict(t_load / t_model <= 1.5)}\n")
    sizes = [250, 1000] if args.quick else [250, 1000, 10000]
    rows = []
    for n in sizes:
        reps = 1 if n >= 10000 else max(1, repeats // 3)
        out = subprocess.run([sys.executable, "-m", "benchmarks.bench_model", "--child", str(n),
                              "--repeats", str(reps)], capture_output=True, text=True, check=True, cwd=REPO)
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
    big = rows[-1]
    if big["n"] >= 10000:
        scaling = big["seconds"] / (base["seconds"] * big["n"] / base["n"])
        print(f"10,000 leaders: {scaling:.2f}x linear (target <= 1.5x: {verdict(scaling <= 1.5)}), "
              f"{big['peak_mb']:.0f} MB (target <= 1024 MB: {verdict(big['peak_mb'] <= 1024)})\n")
    explorer = explorer_step_ms()
    if explorer is not None:
        print(f"explorer step (250 leaders, model + both figures as PNG): {explorer:.0f} ms; target <= 200 ms: "
              f"{verdict(explorer <= 200)}\n")
    if not args.quick:
        t_case = case_study_seconds()
        print(f"case study (python -m experiments.run: 100 paired replicates, 2 workers): {t_case:.1f} s; "
              f"target <= 8 s: {verdict(t_case <= 8)}")


if __name__ == "__main__":
    main()
