"""Calibration and recovery: their pieces against closed forms, and quick end-to-end runs."""

import math
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


def test_a_recovery_with_too_few_nearest_rows_is_refused(tmp_path, capsys):
    """A second stage draws around a fit's nearest rows with their covariance: with no more rows
    than fitted constants it is singular, so such a --min-accepted is refused in one line, before
    anything is written (the quick setting once crashed on it with sixteen constants)."""
    from experiments.inference import recovery

    _one_more_than_the_constants_is_the_least(recovery.main, "--min-accepted", tmp_path, capsys)


def _one_more_than_the_constants_is_the_least(main, option, tmp_path, capsys):
    """`main` refuses `option` at the number of fitted constants with one line naming the least it
    admits (one more), exits non-zero and writes nothing."""
    least = len(cal.PARAMETERS) + 1
    with pytest.raises(SystemExit) as exit_:
        main([option, str(least - 1), "--out", str(tmp_path / "out")])
    assert exit_.value.code != 0
    assert f"{option}={least - 1}: must be at least {least}" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_quick_recovery_study_runs(tmp_path):
    res = subprocess.run([sys.executable, "-m", "experiments.recovery", "--quick", "--out", str(tmp_path)],
                         cwd=REPO, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    rec = pd.read_csv(tmp_path / "recovery.csv")
    assert set(rec["parameter"]) == {p.name for p in cal.PARAMETERS} and rec["set"].nunique() == 2
    fits = pd.read_csv(tmp_path / "fits.csv")
    assert {"final_epsilon", "generations", "simulations", "converged"} <= set(fits.columns)
    summary = pd.read_csv(tmp_path / "summary.csv").set_index("quantity")
    assert {"mean_contraction", "coverage_50", "coverage_90", "sbc_p", "error_ratio", "verdict", "calibrated",
            "recovery_coverage_90"} <= set(summary.columns)
    assert set(summary["verdict"]) <= {"identified", "weakly identified", "not identified"}
    assert "real_change_share_of_network_rise" in summary.index
    for name in ("recovery.png", "sbc.png", "sbc.csv", "sbc_ranks.csv"):
        assert (tmp_path / name).stat().st_size > 0
    # an interrupted study resumes from the reference table's chunks
    again = subprocess.run([sys.executable, "-m", "experiments.recovery", "--quick", "--out", str(tmp_path)],
                           cwd=REPO, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "summary.csv"), summary.reset_index())
    # ... but never from pieces made with other settings: a one-line error, the folder left as it was
    other = subprocess.run([sys.executable, "-m", "experiments.recovery", "--quick", "--seed", "5", "--out",
                            str(tmp_path)], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert other.returncode == 2 and other.stderr.strip().count("\n") == 0
    assert str(tmp_path) in other.stderr and "seed differs" in other.stderr
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "summary.csv"), summary.reset_index())


class _Normal:
    """A parameter with a standard-normal prior, as the recovery study reads one."""
    name, prior = "theta", ("normal", 0.0, 1.0)

    @staticmethod
    def frozen():
        from scipy import stats

        return stats.norm(0.0, 1.0)


def _conjugate_table(n: int = 20_000, seed: int = 2) -> pd.DataFrame:
    """Prior N(0, 1), data y ~ N(theta, 0.5^2): the posterior given y is N(0.8 y, 0.2)."""
    rng = np.random.default_rng(seed)
    theta = rng.normal(0, 1, n)
    return pd.DataFrame({"theta": theta, "y": theta + 0.5 * rng.standard_normal(theta.size)})


def test_rejection_abc_on_the_table_recovers_a_known_posterior():
    """Docking the reference-table sampler on the conjugate normal model: the rows within a small
    epsilon of y = 1 have the closed-form posterior's mean and SD; with the nearest-rows fallback
    too (a small window)."""
    from experiments.inference.recovery import abc_posterior

    table = _conjugate_table(40_000)
    fit = abc_posterior(table, [_Normal], {"y": {"value": 1.0, "sd": 0.5}}, ("y",), {"y": 0.5}, epsilon=0.05,
                        nearest=100)
    post = fit["posterior"]
    mean = float(np.sum(post["weight"] * post["theta"]))
    sd = float(np.sqrt(np.sum(post["weight"] * (post["theta"] - mean) ** 2)))
    assert fit["converged"] and mean == pytest.approx(0.8, abs=0.05) and sd == pytest.approx(np.sqrt(0.2), abs=0.04)
    few = abc_posterior(table, [_Normal], {"y": {"value": 1.0, "sd": 0.5}}, ("y",), {"y": 0.5}, epsilon=1e-6,
                        nearest=100)
    assert not few["converged"] and len(few["posterior"]) == 100 and few["epsilon"] > 1e-6


def test_sbc_passes_a_calibrated_procedure_and_fails_a_biased_one():
    """The whole SBC pipeline on the conjugate model: truths taken from the table, posteriors from
    the other rows, ranks uniform; the companion shifts the truths' data by 0.5 (a model that does
    not generate the data it is fitted to), and the rank test rejects."""
    from experiments.inference.recovery import sbc, sbc_tests

    table = _conjugate_table()
    args = dict(parameters=[_Normal], fitted=("y",), n_of={}, targets={"y": {"sd": 0.5}}, scale={"y": 0.5},
                count=300, epsilon=0.1, nearest=100)
    good = sbc_tests(sbc(table, **args)).iloc[0]
    shifted = table.copy()
    shifted.loc[:299, "y"] += 0.5
    bad = sbc_tests(sbc(shifted, **args)).iloc[0]
    assert good["uniform"] and not bad["uniform"]
    assert good["error_ratio"] < 0.7  # the data say much more than the prior


def test_quick_bayes_factor_runs_and_checks_its_confusion(tmp_path):
    res = subprocess.run([sys.executable, "-m", "experiments.bayes_factor", "--quick", "--out", str(tmp_path)],
                         cwd=REPO, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    runs = pd.read_csv(tmp_path / "runs.csv")
    assert {"accepted_programme", "accepted_response_shift_only", "bayes_factor", "bayes_factor_low",
            "bayes_factor_high", "simulations"} <= set(runs.columns)
    assert "Bayes factor" in res.stdout and "confusion" in res.stdout
    other = subprocess.run([sys.executable, "-m", "experiments.bayes_factor", "--quick", "--max-simulations", "50",
                            "--out", str(tmp_path)], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert other.returncode == 2 and "max_simulations differs" in other.stderr


def test_a_resumable_folder_is_claimed_once_and_checked_after(tmp_path):
    """Kept pieces are reused only by a study of the same settings; a folder with pieces and no
    record of their settings (a study from before records were kept) is refused too, and a refusal
    writes nothing."""
    from experiments.outputs.files import RESUMABLE, claim_for_resuming
    from sim.schema import ConfigError

    settings = {"study": "x", "seed": 1, "epsilon": 2.5}
    claim_for_resuming(tmp_path / "a", settings, "done/*.json")
    claim_for_resuming(tmp_path / "a", {**settings, "seed": 2}, "done/*.json")  # nothing kept yet: re-claimed
    settings["seed"] = 2
    (tmp_path / "a" / "done").mkdir()
    (tmp_path / "a" / "done" / "case_00.json").write_text("{}")
    claim_for_resuming(tmp_path / "a", dict(settings), "done/*.json")  # the same settings: resume
    with pytest.raises(ConfigError, match=r"a: holds a study begun with other settings \(epsilon differs\)"):
        claim_for_resuming(tmp_path / "a", {**settings, "epsilon": 3.0}, "done/*.json")
    (tmp_path / "b" / "done").mkdir(parents=True)
    (tmp_path / "b" / "done" / "case_00.json").write_text("{}")
    with pytest.raises(ConfigError, match="no record of their settings"):
        claim_for_resuming(tmp_path / "b", settings, "done/*.json")
    assert not (tmp_path / "b" / RESUMABLE).exists()


def test_the_factor_interval_is_the_binomial_one():
    """30 against 10 acceptances: the factor 3 with the exact interval of 30/40 turned into odds;
    no acceptance of the second model gives an infinite factor with a finite lower bound."""
    from scipy import stats

    from experiments.inference.bayes_factor import factor_interval

    bf, low, high = factor_interval(30, 10)
    lo_p, hi_p = stats.beta.ppf(0.025, 30, 11), stats.beta.ppf(0.975, 31, 10)
    assert bf == 3 and low == pytest.approx(lo_p / (1 - lo_p)) and high == pytest.approx(hi_p / (1 - hi_p))
    bf, low, high = factor_interval(40, 0)
    assert math.isinf(bf) and math.isinf(high) and 10 < low < 40


def test_the_proposal_keeps_an_effective_sample_in_fifteen_dimensions():
    """One step of the calibration's proposal (`calibrate.proposal`) from 400 particles spread
    evenly over a fifteen-parameter box: the importance weights (prior over proposal density) of
    400 draws keep an effective sample of more than 150 (about 230). The companion: kernels of the
    local covariance itself (pyabc's default scaling) barely overlap in fifteen dimensions and keep
    fewer than 120 (about 70), which is how fifteen fitted constants collapsed onto a few
    particles."""
    import pyabc

    dims = [f"p{i}" for i in range(15)]
    population = pd.DataFrame(np.random.default_rng(3).random((400, 15)), columns=dims)

    def effective_sample(transition) -> float:
        transition.fit(population, np.full(400, 1 / 400))
        rng = np.random.default_rng(5)  # the transition's own kernels, drawn in bulk
        roots = np.linalg.cholesky(transition.covs)
        inside = []
        while sum(len(x) for x in inside) < 400:
            pick = rng.integers(0, 400, 20_000)
            x = transition.X_arr[pick] + np.einsum("nij,nj->ni", roots[pick], rng.standard_normal((20_000, 15)))
            inside.append(x[((x >= 0) & (x <= 1)).all(axis=1)])  # inside the prior's support
        draws = pd.DataFrame(np.concatenate(inside)[:400], columns=dims)
        weights = 1.0 / transition.pdf(draws)
        return float(weights.sum() ** 2 / (weights ** 2).sum())

    assert effective_sample(cal.proposal()) > 150
    assert effective_sample(pyabc.LocalTransition(k_fraction=0.25)) < 120


def test_the_proposal_redraws_outside_the_support_as_pyabc_would():
    """The proposal's own redraw of draws outside the priors' support gives the very draws pyabc's
    loop (draw, evaluate the prior's density, draw again) gives, so only the time changes. The
    companion: without the parameters' bounds, draws outside the support come back."""
    import pyabc

    parameters = (cal.Parameter("a", "x.a", ("uniform", 0.0, 1.0), ""),
                  cal.Parameter("b", "x.b", ("normal", 0.0, 1.0), ""),
                  cal.Parameter("c", "x.c", ("truncnorm", 0.4, 0.4, 0.0), ""))
    prior = pyabc.Distribution(**{p.name: p.rv() for p in parameters})
    population = pd.DataFrame({"a": np.linspace(0.0, 0.1, 40), "b": np.linspace(-1, 1, 40),
                               "c": np.linspace(0.0, 0.2, 40)})

    def draws(transition, check_prior: bool, n: int = 30):
        transition.fit(population, np.full(40, 1 / 40))
        np.random.seed(9)
        out = []
        while len(out) < n:
            x = transition.rvs_single()
            if not check_prior or prior.pdf(x) > 0:
                out.append(dict(x))
        return pd.DataFrame(out)

    assert draws(cal.proposal(parameters), False).equals(draws(cal.proposal(), True))
    unchecked = draws(cal.proposal(), False)
    assert ((unchecked["a"] < 0) | (unchecked["c"] < 0)).any()


def test_the_proposal_draws_what_pyabc_draws():
    """The proposal's draws (its kernel factors computed once a generation) are pyabc's
    `LocalTransition` draws with the same scaling, redrawn outside the support, bit for bit: over
    sixteen parameters, uneven weights and a support that rejects most draws, as in a calibration."""
    import pyabc

    rng = np.random.default_rng(4)
    names = [f"p{i}" for i in range(16)]
    high = {n: 1.0 + i / 10 for i, n in enumerate(names)}  # a bound of its own for each parameter
    parameters = tuple(cal.Parameter(n, f"x.{n}", ("uniform", 0.0, high[n]), "") for n in reversed(names))
    population = pd.DataFrame(rng.random((150, 16)) * 0.6 + 0.2, columns=names)
    weights = rng.random(150)
    weights /= weights.sum()

    def draws(transition, bounded: bool, n: int = 200):
        transition.fit(population, weights)
        np.random.seed(11)
        out = []
        while len(out) < n:
            x = transition.rvs_single()
            if not bounded or all(0.0 <= x[k] <= high[k] for k in names):
                out.append([x[k] for k in names])
        return np.array(out)

    ours = draws(cal.proposal(parameters), False)
    assert np.array_equal(ours, draws(pyabc.LocalTransition(k_fraction=0.25, scaling=2.0), True))
    assert ((ours >= 0) & (ours <= np.array([high[k] for k in names]))).all()
    assert (ours > 1.0).any()  # the bounds beyond 1 are each parameter's own, not another's


def test_priors_stay_inside_the_settings_ranges():
    """Every calibrated constant's prior puts less than one in a billion of its mass beyond the
    range its setting admits (a bounded prior none), so truncating proposals at that range (the
    proposal's support) changes nothing a run can tell; the support is the prior's where the prior is
    bounded and the setting's where it is not."""
    from experiments.running.config import spec_of_path

    for p in cal.PARAMETERS:
        spec, prior = spec_of_path(p.path), p.frozen()
        assert prior.cdf(spec.low) + prior.sf(spec.high) < 1e-9, p.name
    by_name = {p.name: p for p in cal.PARAMETERS}
    assert by_name["tie_growth"].support() == (0.08, 0.4)           # U(0.08, 0.4) inside [0, 1]
    assert by_name["end_shift"].support() == (-2.0, 3.0)            # N(0, 0.2): the setting's [-2, 3]
    assert by_name["retrospective_shift"].support() == (0.0, 3.0)   # truncated at 0, the setting's 3


def test_a_population_too_small_for_the_proposal_is_refused(tmp_path, capsys):
    """No more particles than fitted constants leave each kernel's covariance singular (every weight
    zero): refused with one line naming --population and the least it admits (one more), before
    anything is written."""
    _one_more_than_the_constants_is_the_least(cal.main, "--population", tmp_path, capsys)
