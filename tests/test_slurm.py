"""A four-job sweep through a real single-node SLURM (submitit), identical to a local run.

`scripts/slurm_up.sh` starts the cluster (CI runs it first); without a working
SLURM this test skips and says why.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ARGS = ["experiment=smoke", "run.weeks=4", "run.burn_in_weeks=2", "behaviour.homophily=1.5,2,3,4"]


def _slurm_ready() -> str | None:
    if not shutil.which("sinfo"):
        return "SLURM is not installed (run scripts/slurm_up.sh as root)"
    try:
        state = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"sinfo failed: {exc}"
    if state.returncode != 0 or not any(s in state.stdout for s in ("idle", "mixed")):
        return f"no idle SLURM node: {(state.stdout + state.stderr).strip()[:200]}"
    try:
        import hydra_plugins.hydra_submitit_launcher  # noqa: F401
    except ImportError:
        return "hydra-submitit-launcher is not installed (the [hpc] extra)"
    return None


def _results(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("results.parquet"))}


def test_slurm_sweep_matches_local(tmp_path):
    reason = _slurm_ready()
    if reason:
        pytest.skip(reason)
    run = lambda out, launcher: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "experiments.run", "-m", *ARGS, f"hydra.sweep.dir={out}", f"hydra/launcher={launcher}",
         "hydra.launcher.cpus_per_task=1", "hydra.launcher.mem_gb=1", "hydra.launcher.timeout_min=10"]
        if launcher == "slurm" else
        [sys.executable, "-m", "experiments.run", "-m", *ARGS, f"hydra.sweep.dir={out}", f"hydra/launcher={launcher}"],
        cwd=REPO, capture_output=True, text=True, timeout=900)
    local = run(tmp_path / "local", "basic")
    assert local.returncode == 0, local.stderr[-2000:]
    slurm = run(tmp_path / "slurm", "slurm")
    assert slurm.returncode == 0, slurm.stderr[-3000:]
    assert len(_results(tmp_path / "slurm")) == 4
    assert _results(tmp_path / "slurm") == _results(tmp_path / "local")
    assert list((tmp_path / "slurm").glob(".submitit/*")), "jobs should have gone through submitit"
