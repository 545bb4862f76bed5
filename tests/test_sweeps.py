"""Sweeps: every shipped experiment end to end (small settings), aggregation, resume
after a kill, launcher independence, quiet progress."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
SMALL = ["scenario=small", "run.replicates=2", "run.weeks=8", "run.burn_in_weeks=4",
         "intervention.leadership_programme.cohort_size=8", "intervention.leadership_programme.duration_weeks=4",
         "intervention.leadership_programme.workshop_every_weeks=2", "intervention.leadership_programme.set_every_weeks=2",
         "survey.comparison_size=8"]
# each experiment's sweep cut down to two or three jobs
SMALL_SWEEPS = {
    "cohort_size": ["intervention.leadership_programme.cohort_size=0,8"],
    "selection_strategy": ["intervention.leadership_programme.selection=brokerage,teams"],
    "duration_intensity": ["intervention.leadership_programme.duration_weeks=2,4",
                           "intervention.leadership_programme.workshop_every_weeks=2"],
    "component_ablation": ["intervention.leadership_programme.mixing=true,false",
                           "intervention.leadership_programme.coaching=true",
                           "intervention.leadership_programme.system_sight=true",
                           "intervention.leadership_programme.governance=false"],
    "statutory_pressure": ["behaviour.pressure_scale=0.5,1.4"],
    "follow_on": [],
    "sensitivity_morris": ["design.n=2", "design.chunk_size=13", "design.chunk=range(0,2)", "run.replicates=1"],
    "sensitivity_sobol": ["design.n=2", "design.chunk_size=25", "design.chunk=range(0,2)", "design.follow_to_week=12"],
    "sensitivity_assumed": ["design.n=2", "design.chunk_size=35", "design.chunk=range(0,2)",
                            "design.follow_to_week=12"],
}


def sweep(out, *args, launcher=None, timeout=600):
    cmd = [sys.executable, "-m", "experiments.run", "-m", *args, f"hydra.sweep.dir={out}"]
    if launcher:
        cmd.append(f"hydra/launcher={launcher}")
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout)


def test_every_shipped_experiment_has_a_small_setting_here():
    shipped = {p.stem for p in (REPO / "conf" / "experiment").glob("*.yaml")}
    assert set(SMALL_SWEEPS) <= shipped


@pytest.mark.parametrize("experiment", sorted(SMALL_SWEEPS))
def test_shipped_experiment_runs_end_to_end(tmp_path, experiment):
    out = tmp_path / experiment
    extra = [a for a in SMALL if experiment not in ("sensitivity_morris", "sensitivity_sobol", "sensitivity_assumed")
             or not a.startswith("run.weeks")]
    res = sweep(out, f"experiment={experiment}", *extra, *SMALL_SWEEPS[experiment])
    assert res.returncode == 0, res.stderr[-3000:]
    assert (out / "sweep_results.parquet").is_file()
    assert "[done]" in res.stdout and "aggregate:" in res.stdout
    if experiment.startswith("sensitivity"):
        design = pd.read_parquet(out / "design.parquet")
        rows = pd.read_parquet(out / "sweep_results.parquet")
        assert len(design) == len(rows) and list(design["row"]) == sorted(rows["row"])
        idx = pd.read_csv(out / "sensitivity.csv")
        cols = {"mu_star", "sigma"} if experiment.endswith("morris") else {"S1", "ST", "S1_low", "ST_high", "noise_share"}
        assert cols <= set(idx.columns) and len(idx) > 0
    else:
        summary = pd.read_csv(out / "sweep_summary.csv")
        assert {"effect", "low", "high", "week", "job"} <= set(summary.columns)
        assert summary["job"].nunique() >= 2
    assert (out / "sweep.png").stat().st_size > 0


def test_aggregate_cli(tmp_path):
    out = tmp_path / "agg"
    assert sweep(out, "experiment=smoke", "run.weeks=3", "run.burn_in_weeks=1", "behaviour.homophily=2,3").returncode == 0
    (out / "sweep_results.parquet").unlink()
    res = subprocess.run([sys.executable, "-m", "experiments.aggregate", str(out)], cwd=REPO,
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    df = pd.read_parquet(out / "sweep_results.parquet")
    assert df["job"].nunique() == 2 and "behaviour.homophily" in df.columns
    bad = subprocess.run([sys.executable, "-m", "experiments.aggregate", str(tmp_path / "nope")], cwd=REPO,
                         capture_output=True, text=True)
    assert bad.returncode != 0 and bad.stderr.strip().startswith("error:")


def _job_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("results.parquet"))}


def test_killed_sweep_resumes_and_loses_nothing(tmp_path):
    """Kill a sweep mid-way, run it again: finished jobs are skipped, only the missing run,
    and the results equal those of an uninterrupted sweep."""
    args = ["experiment=smoke", "run.weeks=10", "run.burn_in_weeks=4", "behaviour.homophily=1.5,2,3,4,5"]
    reference = tmp_path / "reference"
    assert sweep(reference, *args, launcher="basic").returncode == 0
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "experiments.run", "-m", *args, f"hydra.sweep.dir={out}", "hydra/launcher=basic"]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(out.rglob("complete.json"))) < 2:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = len(list(out.rglob("complete.json")))
    assert 2 <= done_before < 5, "the sweep should have been killed part-way"
    res = sweep(out, *args, launcher="basic")
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("[skip]") == done_before
    assert res.stdout.count("[done]") == 5 - done_before
    assert _job_files(out) == _job_files(reference)
    assert not list(out.rglob(".*.tmp"))


def test_corrupt_output_is_recomputed(tmp_path):
    out = tmp_path / "sweep"
    args = ["experiment=smoke", "run.weeks=3", "run.burn_in_weeks=1", "behaviour.homophily=2,3"]
    assert sweep(out, *args).returncode == 0
    first = _job_files(out)
    victim = next(out.rglob("results.parquet"))
    victim.write_bytes(b"not parquet")
    res = sweep(out, *args)
    assert res.stdout.count("[skip]") == 1 and res.stdout.count("[done]") == 1
    assert _job_files(out) == first


@pytest.mark.parametrize("launcher", ["joblib", "submitit_local"])
def test_launchers_give_bit_identical_results(tmp_path, launcher):
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher", reason="needs the [hpc] extra")
    args = ["experiment=smoke", "run.weeks=4", "run.burn_in_weeks=2", "behaviour.homophily=2,3"]
    base = tmp_path / "basic"
    other = tmp_path / launcher
    assert sweep(base, *args, launcher="basic").returncode == 0
    res = sweep(other, *args, launcher=launcher)
    assert res.returncode == 0, res.stderr[-2000:]
    assert _job_files(base) == _job_files(other) and len(_job_files(base)) == 2


def test_progress_is_quiet_when_not_on_a_terminal(tmp_path):
    res = subprocess.run([sys.executable, "-m", "experiments.run", "experiment=smoke", "run.replicates=3",
                          "run.weeks=3", "run.burn_in_weeks=1", f"hydra.run.dir={tmp_path / 'q'}"],
                         cwd=REPO, capture_output=True, text=True)
    assert res.returncode == 0
    assert "it/s" not in res.stderr and "replicates:" not in res.stderr


def test_sobol_indices_recover_a_known_function():
    """The design and analysis path (parameter order included) on a function with known indices:
    y = x1 + 2 x2 (x3 irrelevant) - Sobol S1 = 0.2, 0.8, 0."""
    from experiments.analysis import design

    params = {"behaviour.c": [0.0, 1.0], "behaviour.a": [0.0, 1.0], "behaviour.b": [0.0, 1.0]}
    rows = design.build("sobol", 1024, params, seed=1)
    rows["system_first_effect"] = rows["behaviour.a"] + 2 * rows["behaviour.b"]
    shuffled = rows.sample(frac=1.0, random_state=0)  # chunks arrive in any order
    idx = design.analyse("sobol", dict(sorted(params.items())), shuffled, seed=1).set_index("parameter")
    assert idx.loc["behaviour.a", "S1"] == pytest.approx(0.2, abs=0.05)
    assert idx.loc["behaviour.b", "S1"] == pytest.approx(0.8, abs=0.05)
    assert abs(idx.loc["behaviour.c", "S1"]) < 0.05
