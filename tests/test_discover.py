"""Scenario discovery: PRIM finds a known box, regret in closed form, and the sweep end to end."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ema_workbench", reason="needs ema-workbench (the [discover] extra)")

from experiments.analysis.discover import prim_box, regret  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def test_prim_finds_the_box_that_generated_the_cases():
    rng = np.random.default_rng(3)
    x = pd.DataFrame({"a": rng.random(2000), "b": rng.random(2000), "c": rng.random(2000)})
    y = ((x["a"] < 0.3) & (x["b"] > 0.5)).to_numpy()
    trajectory, limits, chosen = prim_box(x, y, min_density=0.9)
    lim = limits.set_index("parameter")
    assert set(lim.index) == {"a", "b"}  # c is irrelevant and left unrestricted
    assert lim.loc["a", "high"] == pytest.approx(0.3, abs=0.05) and lim.loc["b", "low"] == pytest.approx(0.5, abs=0.05)
    assert trajectory.loc[chosen, "density"] >= 0.9 and trajectory.loc[chosen, "coverage"] > 0.8


def test_regret_closed_form():
    rows = pd.DataFrame({"future": [0, 0, 1, 1], "policy": [0, 1, 0, 1], "lever": ["x", "y", "x", "y"],
                         "issue_success_effect": [0.1, 0.3, 0.5, 0.2]})
    r = regret(rows, ["lever"]).set_index("lever")
    assert r.loc["x", "best in futures"] == 1 and r.loc["y", "best in futures"] == 1
    assert r.loc["x", "mean regret"] == pytest.approx(0.1) and r.loc["y", "mean regret"] == pytest.approx(0.15)
    assert r.loc["y", "max regret"] == pytest.approx(0.3)


def test_deep_uncertainty_sweep_and_discovery_end_to_end(tmp_path):
    out = tmp_path / "du"
    res = subprocess.run([sys.executable, "-m", "experiments.run", "-m", "experiment=deep_uncertainty",
                          "design.n=3", "design.chunk_size=54", "design.chunk=range(0,2)", "run.burn_in_weeks=20",
                          f"hydra.sweep.dir={out}"], cwd=REPO, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]
    for name in ("sweep_results.parquet", "discovery.md", "regret.csv", "discovery_trajectory.csv"):
        assert (out / name).is_file(), name
    text = (out / "discovery.md").read_text()
    assert "fails to raise collective-issue success" in text and "mean regret" in text
    empty = tmp_path / "empty"
    empty.mkdir()
    bad = subprocess.run([sys.executable, "-m", "experiments.discover", str(empty)], cwd=REPO,
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode != 0 and "no complete jobs" in bad.stderr + bad.stdout
