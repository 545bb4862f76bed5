"""The main job: the calibrated case study, its outputs, and a regression guard."""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from experiments import analysis
from experiments.config import apply_overrides, compose_checked
from experiments.execution import run_replicates

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def case():
    config = apply_overrides(compose_checked(), {"run.replicates": 8, "run.weeks": 52, "run.base_seed": 77})
    reps = run_replicates(config, {"scenario": "bnssg", "label": "test"}, capture_network_at=(0, 26), workers=2)
    return config, reps.results, reps.survey, reps.networks


def test_calibrated_case_study_stays_within_the_case_sampling_error(case):
    """Regression guard: with a few replicates the calibrated model reproduces the
    case's end-of-programme figures within their sampling error (Wilson 95%)."""
    config, results, survey, _ = case
    stats_ = analysis.survey_statistics(survey, config.programme_end)
    on = stats_[stats_["arm"] == "intervention"].mean(numeric_only=True)
    assert 0.69 <= on["network_agree_end"] <= 0.90
    assert 0.67 <= on["see_system_strongly_agree_end"] <= 0.89
    assert on["influence_disagree_end"] <= 0.07
    assert 0.31 <= on["network_agree_start"] <= 0.58
    off = stats_[stats_["arm"] == "counterfactual"].mean(numeric_only=True)
    assert off["network_agree_end"] < on["network_agree_end"] - 0.1


def test_counterfactual_cascade_and_decay_are_reported(case):
    config, results, survey, _ = case
    effects = analysis.effect_table(results, (26, 52))
    e = effects.set_index(["metric", "week"])
    # the programme shifts participants' orientation; some of it reaches non-participants
    assert e.loc[("orientation_participants", 26), "low"] > 0
    assert e.loc[("orientation_others", 26), "low"] > 0
    assert e.loc[("orientation_others", 26), "effect"] < e.loc[("orientation_participants", 26), "effect"]
    # and it decays once the programme ends
    assert e.loc[("orientation_participants", 52), "effect"] < e.loc[("orientation_participants", 26), "effect"]
    assert "Cascade" in analysis.cascade_line(effects, 26)


def test_results_do_not_depend_on_worker_count():
    config = apply_overrides(compose_checked(["scenario=small", "intervention.leadership_programme.cohort_size=10"]),
                             {"run.replicates": 2, "run.weeks": 8, "run.burn_in_weeks": 4, "run.base_seed": 5})
    one = run_replicates(config, {"label": "x"}, workers=1)
    two = run_replicates(config, {"label": "x"}, workers=2)
    pd.testing.assert_frame_equal(one.results, two.results)
    pd.testing.assert_frame_equal(one.survey, two.survey)


def test_network_snapshots_for_the_figure(case):
    *_, networks = case
    assert {"week_0", "week_26", "org", "participant"} <= set(networks)
    u, v, w, cross = networks["week_26"]
    assert u.size == v.size == w.size == cross.size > 0


def test_main_job_prints_the_table_and_writes_files(tmp_path):
    out = tmp_path / "case"
    res = subprocess.run([sys.executable, "-m", "experiments.run", "run.replicates=2", "run.weeks=30",
                          "run.burn_in_weeks=20", f"hydra.run.dir={out}"], cwd=REPO,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    for name in ("results.parquet", "survey.parquet", "summary.csv", "survey_summary.csv", "provenance.json",
                 "survey_bars.png", "time_series.png", "network.png"):
        assert (out / name).stat().st_size > 0, name
    assert "observed" in res.stdout and "simulated [95% interval]" in res.stdout and "counterfactual" in res.stdout
    assert "Cascade" in res.stdout and "Decay" in res.stdout
    survey = pd.read_parquet(out / "survey.parquet")
    assert {"replicate", "seed", "arm", "week", "leader", "group", "item", "response"} <= set(survey.columns)
    summary = pd.read_csv(out / "summary.csv")
    assert {"outcome", "group", "week", "effect", "low", "high"} <= set(summary.columns)
    results = pd.read_parquet(out / "results.parquet")
    assert set(results["arm"]) == {"intervention", "counterfactual"}
    # the observed figures are compared with in the summary, never written into the model's outputs
    assert not any("observed" in c for c in list(results.columns) + list(survey.columns))
    assert set(pd.read_csv(out / "survey_summary.csv")["observed"].round(2)) == {0.44, 0.82, 0.80, 0.0}
