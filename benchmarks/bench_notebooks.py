"""The notebooks' compute at their shipped size, beside Mesa's BoltzmannWealth measured in the same run.

    python -m benchmarks.bench_notebooks                 # every notebook of notebooks/
    python -m benchmarks.bench_notebooks 01 02           # some of them

Each notebook is executed headless as a user would run it (no COLLABSIM_QUICK), in a fresh
kernel, with an empty sweep directory where it runs sweeps; its time is printed
beside BoltzmannWealth(250 agents, 104 steps), timed before and after, and scaled to a machine
where BoltzmannWealth takes 100 ms. The target (issue 25): under two minutes each at that speed.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from benchmarks.bench_model import _median_time, boltzmann

REPO = Path(__file__).resolve().parents[1]
TARGET_S = 120.0
REFERENCE_MS = 100.0


def run_notebook(path: Path) -> float:
    """Seconds to execute the notebook in a fresh kernel; sweeps land in a fresh directory
    (COLLABSIM_MULTIRUN), so a notebook that runs them runs them, whatever multirun/ holds."""
    import os
    import tempfile

    import nbclient
    import nbformat

    with tempfile.TemporaryDirectory() as sweeps:
        os.environ["COLLABSIM_MULTIRUN"] = sweeps
        try:
            return _execute(path, nbclient, nbformat)
        finally:
            del os.environ["COLLABSIM_MULTIRUN"]


def _execute(path: Path, nbclient, nbformat) -> float:

    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=1800, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    notebooks = sorted((REPO / "notebooks").glob("*.ipynb"))
    if argv:
        notebooks = [p for p in notebooks if any(p.stem.startswith(a) for a in argv)]
    boltzmann()  # warm up Mesa's imports
    before = _median_time(boltzmann, 15)
    times = {p.stem: run_notebook(p) for p in notebooks}
    after = _median_time(boltzmann, 15)
    reference = statistics.mean([before, after])
    print(f"BoltzmannWealth (250 agents, 104 steps): {before * 1000:.0f} ms before, {after * 1000:.0f} ms after")
    print(f"{'notebook':<28} {'seconds here':>12} {'at 100 ms BoltzmannWealth':>26}  target {TARGET_S:.0f} s")
    for name, seconds in times.items():
        scaled = seconds * REFERENCE_MS / (reference * 1000)
        print(f"{name:<28} {seconds:>12.1f} {scaled:>26.1f}  {'met' if scaled < TARGET_S else 'MISSED'}")


if __name__ == "__main__":
    main()
