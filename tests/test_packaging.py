"""The package stands alone: installed outside the repository, the built-in scenarios
come with it and `CollaborationModel()` runs."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_installed_package_runs_the_default_model_outside_the_repository(tmp_path):
    pytest.importorskip("setuptools", reason="needs the [test] extra (setuptools, wheel)")
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    for package in ("sim", "experiments"):
        shutil.copytree(REPO / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    target = tmp_path / "site"
    build = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                            "--target", str(target), str(source)], capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[-2000:]
    assert (target / "sim" / "data" / "scenario" / "bnssg.yaml").is_file()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = ("import sim; from sim import CollaborationModel, available_scenarios\n"
            "m = CollaborationModel(n_weeks=2, burn_in_weeks=1, rng=1); m.run()\n"
            "print(sim.__file__); print(m.partnership.name, m.leaders.n, sorted(available_scenarios()))")
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}
    res = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, capture_output=True, text=True, env=env,
                         timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    where, summary = res.stdout.strip().splitlines()[-2:]
    assert where.startswith(str(target)), where
    assert summary.startswith("bnssg 247") and "small" in summary
