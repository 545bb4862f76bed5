"""Calibration and recovery: their pieces against closed forms, and quick end-to-end runs."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from experiments.inference import calibrate as cal
from experiments.running.config import compose_checked

REPO = Path(__file__).resolve().parents[1]


def test_weighted_quantile_closed_form():
    x = np.array([3.0, 1.0, 2.0, 4.0])
    w = np.array([0.25, 0.25, 0.25, 0.25])
    assert cal.weighted_quantile(x, w, 0.5) == pytest.approx(2.5)
    assert cal.weighted_quantile(x, np.array([0.0, 0.0, 0.0, 1.0]), 0.5) == pytest.approx(4.0)


def test_contraction_is_zero_for_the_prior_and_one_for_a_point():
    rng = np.random.default_rng(4)
    n = 20_000
    prior_draws = pd.DataFrame({p.name: p.frozen().rvs(size=n, random_state=rng) for p in cal.PARAMETERS})
    prior_draws["weight"] = 1.0 / n
    s = cal.posterior_summary(prior_draws).set_index("parameter")
    assert np.allclose(s["contraction"], 0.0, atol=0.05)
    point = prior_draws.copy()
    for p in cal.PARAMETERS:
        point[p.name] = p.frozen().mean()
    s = cal.posterior_summary(point).set_index("parameter")
    assert np.allclose(s["contraction"], 1.0) and s["identified"].all()


def test_real_change_share_closed_form():
    d = {"network_agree_reported": 0.8, "network_agree_real_change": 0.6, "network_agree_counterfactual": 0.4}
    assert cal.real_change_share(d) == pytest.approx(0.5)
    assert np.isnan(cal.real_change_share({**d, "network_agree_reported": 0.4}))


def test_priors_are_the_documented_ones():
    """The response-shift priors as re-sourced (docs/ODD.md 9): the end-of-programme shift centred on
    0 (the direction of pre-post response shift is against a rise, trainees' own ratings for it; no
    size published), the retrospective inflation above 0 and wide."""
    shift = cal.BY_NAME["end_shift"].frozen()
    assert abs(shift.mean()) < 1e-9 and shift.std() == pytest.approx(0.2)
    retro = cal.BY_NAME["retrospective_shift"].frozen()
    assert retro.ppf(0.0) == 0.0 and retro.std() > 0.25
    assert cal.BY_NAME["tie_growth"].prior == ("uniform", 0.08, 0.4)
    assert set(cal.FITTED) == {"network_agree_end", "see_system_strongly_agree_end"}  # influence held out
    assert set(cal.CASE.fitted) == set(cal.FITTED) | {p.name for p in cal.PATTERNS if p.role == "fitted"}


def test_the_network_cut_rises_with_tie_growth():
    """In fixed units, a denser baseline network needs a higher cut for the same 44% to agree;
    were the cut re-anchored on each run's own spread (the old instrument) it would not move."""
    config = compose_checked(["experiment=case_study"])
    table = cal.CutTable.build(config, 0.15, 0.35, points=3, runs=4)
    assert np.all(np.diff(table.cut) > 0.1)
    assert table(0.25) == pytest.approx(np.interp(0.25, table.tie_growth, table.cut))


def _calibrate(out, *args):
    return subprocess.run([sys.executable, "-m", "experiments.calibrate", "--quick", "--out", str(out),
                           "--write-config", str(out / "calibrated.yaml"), *args], cwd=REPO,
                          capture_output=True, text=True, timeout=600)


def test_quick_calibration_holds_out_a_figure_and_does_not_depend_on_workers(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    res = _calibrate(a, "--workers", "2")
    assert res.returncode == 0, res.stderr[-2000:]
    assert _calibrate(b, "--workers", "1").returncode == 0
    for name in ("posterior.parquet", "posterior_draws.csv", "posterior_summary.csv", "correlations.csv", "ppc.csv",
                 "ppc.png", "predictions.csv", "calibration.json", "calibrated.yaml", "leadership_programme.yaml"):
        assert (a / name).stat().st_size > 0, name
    pd.testing.assert_frame_equal(pd.read_parquet(a / "posterior.parquet"), pd.read_parquet(b / "posterior.parquet"))
    preds = pd.read_csv(a / "predictions.csv").set_index("statistic")
    assert preds.loc["influence_disagree_end", "role"] == "held out"
    assert "(held out;" in res.stdout and "contraction" in res.stdout
    written = yaml.safe_load((a / "calibrated.yaml").read_text())
    assert set(written["survey"]) == {"end_shift", "retrospective_shift", "baseline_agree_network", "anchor_on"}
    assert written["case"]["fitted"] == list(cal.CASE.fitted)
    assert Path(written["uncertainty"]["posterior_file"]).resolve() == (a / "posterior_draws.csv").resolve()
    draws = pd.read_csv(a / "posterior_draws.csv")
    assert set(draws.columns) == {"weight", *(p.path for p in cal.PARAMETERS)}
    programme = yaml.safe_load((a / "leadership_programme.yaml").read_text())["leadership_programme"]
    assert programme["governance_gain"] == pytest.approx(
        pd.read_csv(a / "posterior_summary.csv").set_index("parameter").loc["governance_gain", "median"], rel=1e-3)
    # the written file is a valid behaviour group for the case study
    compose_checked(["experiment=case_study"])


def test_fitting_every_figure_says_there_is_no_test_left(tmp_path):
    res = _calibrate(tmp_path, "--fit", "network_agree_end", "--fit", "see_system_strongly_agree_end",
                     "--fit", "influence_disagree_end", "--write-config", "")
    assert res.returncode == 0, res.stderr[-2000:]
    assert "no figure is held out" in res.stdout


def test_quick_recovery_study_runs(tmp_path):
    res = subprocess.run([sys.executable, "-m", "experiments.recovery", "--quick", "--out", str(tmp_path)],
                         cwd=REPO, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    rec = pd.read_csv(tmp_path / "recovery.csv")
    assert set(rec["parameter"]) == {p.name for p in cal.PARAMETERS} and rec["set"].nunique() == 2
    fits = pd.read_csv(tmp_path / "fits.csv")
    assert {"final_epsilon", "generations", "simulations", "converged"} <= set(fits.columns)
    summary = pd.read_csv(tmp_path / "summary.csv").set_index("quantity")
    assert {"mean_contraction", "coverage_50", "coverage_90", "sbc_p", "sbc_error_ratio", "verdict"} <= set(summary.columns)
    assert set(summary["verdict"]) <= {"identified", "weakly identified", "not identified"}
    assert "real_change_share_of_network_rise" in summary.index
    for name in ("recovery.png", "sbc.png", "sbc.csv", "sbc_ranks.csv"):
        assert (tmp_path / name).stat().st_size > 0
    # an interrupted study resumes from the reference table's chunks
    again = subprocess.run([sys.executable, "-m", "experiments.recovery", "--quick", "--out", str(tmp_path)],
                           cwd=REPO, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "summary.csv"), summary.reset_index())


def test_rejection_abc_on_the_table_recovers_a_known_posterior():
    """Docking the reference-table sampler: a conjugate normal model (prior N(0, 1), data y ~
    N(theta, 0.5^2)) simulated into a table; the posterior from rejection with regression
    adjustment matches the closed form N(y 0.8, 0.2) in mean and SD."""
    from experiments.inference.recovery import abc_posterior

    class Normal:
        name, prior = "theta", ("normal", 0.0, 1.0)

    rng = np.random.default_rng(2)
    theta = rng.normal(0, 1, 40_000)
    table = pd.DataFrame({"theta": theta, "y": theta + 0.5 * rng.standard_normal(theta.size)})
    post = abc_posterior(table, [Normal], {"y": {"value": 1.0, "sd": 0.5}}, ("y",), nearest=800)["posterior"]
    mean = float(np.sum(post["weight"] * post["theta"]))
    sd = float(np.sqrt(np.sum(post["weight"] * (post["theta"] - mean) ** 2)))
    assert mean == pytest.approx(0.8, abs=0.03) and sd == pytest.approx(np.sqrt(0.2), abs=0.03)


def test_sbc_ranks_are_uniform_for_a_calibrated_posterior_and_not_for_a_biased_one():
    """The rank test flags a miscalibrated posterior: uniform ranks pass, ranks bunched by a biased
    posterior (every posterior shifted up) fail."""
    from experiments.inference.recovery import sbc_tests

    rng = np.random.default_rng(3)
    good = pd.DataFrame({"parameter": "x", "rank_fraction": rng.uniform(size=300), "truth": 0.0, "median": 0.1,
                         "prior_mean": 0.5})
    biased = good.assign(rank_fraction=rng.beta(1, 3, size=300))
    assert sbc_tests(good)["uniform"].iloc[0] and not sbc_tests(biased)["uniform"].iloc[0]


def test_quick_bayes_factor_runs_and_checks_its_confusion(tmp_path):
    res = subprocess.run([sys.executable, "-m", "experiments.bayes_factor", "--quick", "--out", str(tmp_path)],
                         cwd=REPO, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    runs = pd.read_csv(tmp_path / "runs.csv")
    assert {"p_programme", "p_response_shift_only", "bayes_factor", "final_epsilon"} <= set(runs.columns)
    assert np.allclose(runs["p_programme"] + runs["p_response_shift_only"], 1.0)
    confusion = pd.read_csv(tmp_path / "confusion.csv")
    assert set(confusion["true_model"]) == {"programme", "response shift only"}
    assert "Bayes factor" in res.stdout and "confusion" in res.stdout
