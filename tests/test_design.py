"""Sensitivity designs: nesting of Sobol samples, convergence and replicate noise, on known functions."""

import numpy as np
import pandas as pd
import pytest

from experiments.analysis import design

PARAMS = {"a": [0.0, 1.0], "b": [0.0, 1.0], "inert": [0.0, 1.0]}


def test_the_first_n_base_samples_are_the_n_sample_design():
    """Sobol sequences are extensible: the N = 16 design is the first rows of the N = 64 one, which is
    what lets one run report indices at several N."""
    small, large = design.build("sobol", 16, PARAMS, 3), design.build("sobol", 64, PARAMS, 3)
    pd.testing.assert_frame_equal(small, large.iloc[:len(small)])


def _rows(n: int, noise_sd: float = 0.0, replicates: int = 2, seed: int = 0) -> pd.DataFrame:
    rows = design.build("sobol", n, PARAMS, 3)
    rng = np.random.default_rng(seed)
    signal = 3.0 * rows["a"] + 1.0 * rows["b"] ** 2  # 'inert' does nothing
    reps = signal.to_numpy()[:, None] + noise_sd * rng.standard_normal((len(rows), replicates))
    rows["orientation_effect"] = reps.mean(axis=1)
    rows["orientation_effect_sd"] = reps.std(axis=1, ddof=1)
    return rows


def test_convergence_reports_each_n_and_finds_the_inert_parameter():
    conv = design.convergence(PARAMS, _rows(256, noise_sd=0.3), 3, replicates=2, sizes=(32, 64, 128, 256))
    assert sorted(conv["N"].unique()) == [32, 64, 128, 256]
    last = conv[conv["N"] == 256].set_index("parameter")
    assert last.loc["a", "ST"] > 0.8 and abs(last.loc["inert", "ST"]) < 0.05
    # the interval narrows as N grows
    a = conv[conv["parameter"] == "a"].set_index("N")
    width = a["ST_high"] - a["ST_low"]
    assert width.loc[256] < width.loc[32]


def test_replicate_noise_share_closed_form():
    """Without noise the share is 0; with noise of SD s and R replicates it is about
    (s^2 / R) / Var(row means)."""
    clean = design.noise_share(_rows(64), 2).set_index("output")
    assert clean.loc["orientation_effect", "noise_share"] == pytest.approx(0.0)
    noisy_rows = _rows(256, noise_sd=0.5, replicates=2)
    noisy = design.noise_share(noisy_rows, 2).set_index("output")
    expected = (0.5 ** 2 / 2) / noisy_rows["orientation_effect"].var(ddof=1)
    assert noisy.loc["orientation_effect", "noise_share"] == pytest.approx(expected, rel=0.15)


def _noisy_design(n: int, noise_sd: float, replicates: int, seed: int = 0) -> tuple[pd.DataFrame, float]:
    """A known function (Ishigami-like: S1 a = 0.75, b = 0.25 of the signal variance; no
    interaction; 'inert' nothing) with independent noise in every row, like design rows with
    their own seeds; returns the rows and the noise share of the row means' variance expected."""
    rows = design.build("sobol", n, PARAMS, 3)
    rng = np.random.default_rng(seed)
    signal = np.sqrt(3) * (rows["a"].to_numpy() - 0.5) * 2 + (rows["b"].to_numpy() - 0.5) * 2
    reps = signal[:, None] + noise_sd * rng.standard_normal((len(rows), replicates))
    rows["orientation_effect"] = reps.mean(axis=1)
    rows["orientation_effect_sd"] = reps.std(axis=1, ddof=1)
    signal_variance = 3 / 3 + 1 / 3  # Var(sqrt(3) U) + Var(U), U uniform on [-1, 1]
    noise = noise_sd ** 2 / replicates
    return rows, noise / (signal_variance + noise)


def test_deconvolved_indices_recover_the_mean_response_under_heavy_noise():
    """With the noise half the variance of the row means, the naive estimators would put the
    noise into every total index (and into 'inert'); the deconvolved pick-freeze ones and the
    surrogate's recover the mean response's indices, and S1 + noise share stays at most 1."""
    rows, share = _noisy_design(1024, noise_sd=1.6, replicates=2)
    r = design.analyse("sobol", PARAMS, rows, 3, replicates=2, resamples=300).set_index("parameter")
    assert r["noise_share"].iloc[0] == pytest.approx(share, abs=0.05)
    truth = {"a": 0.75, "b": 0.25, "inert": 0.0}
    for prefix, tolerance in (("pick_freeze_", 0.12), ("", 0.03)):
        for name, value in truth.items():
            assert r.loc[name, f"{prefix}ST"] == pytest.approx(value, abs=tolerance), (prefix, name)
            assert r.loc[name, f"{prefix}S1"] == pytest.approx(value, abs=tolerance), (prefix, name)
            assert r.loc[name, f"{prefix}ST_low"] - 0.01 <= value <= r.loc[name, f"{prefix}ST_high"] + 0.01, \
                (prefix, name)
        # the decomposition of the row means' variance: the first-order parts plus noise <= 1
        assert r[f"{prefix}S1_low"].sum() * (1 - r["noise_share"].iloc[0]) + r["noise_share_low"].iloc[0] <= 1


def test_the_surrogate_gives_narrow_intervals_where_pick_freeze_cannot():
    """17 inputs, N = 1024, a function like the model's outputs (a dominant linear input, a
    quadratic, an interaction, a smooth non-linear one, a small one, twelve inert): the
    surrogate's total indices match the closed form within 0.01 and their intervals are under
    0.05 wide; the pick-freeze ones on the same rows are wider than 0.05 for the top input."""
    k = 17
    params = {f"p{i}": [0.0, 1.0] for i in range(k)}
    rows = design.build("sobol", 1024, params, 3)
    x = rows[list(params)].to_numpy()
    f = 3 * x[:, 0] + 2 * x[:, 1] ** 2 + 1.5 * x[:, 2] * x[:, 3] + np.sin(3 * x[:, 4]) + 0.3 * x[:, 5]
    reps = f[:, None] + 0.3 * np.random.default_rng(1).standard_normal((len(f), 2))
    rows["orientation_effect"], rows["orientation_effect_sd"] = reps.mean(axis=1), reps.std(axis=1, ddof=1)
    r = design.analyse("sobol", params, rows, 3, replicates=2, resamples=300).set_index("parameter")
    v = {"p0": 0.75, "p1": 4 * (1 / 5 - 1 / 9), "p2": 0.75 ** 2 / 12 + 2.25 * (1 / 9 - 1 / 16) - 2 * 0.75 ** 2 / 12,
         "p4": 0.5 - np.sin(6) / 12 - ((1 - np.cos(3)) / 3) ** 2, "p5": 0.09 / 12}
    total = v["p0"] + v["p1"] + 2.25 * (1 / 9 - 1 / 16) + v["p4"] + v["p5"]
    for name, part in v.items():
        assert r.loc[name, "ST"] == pytest.approx(part / total, abs=0.01), name
    top = r.nlargest(3, "ST")
    assert ((top["ST_high"] - top["ST_low"]) < 0.05).all()
    assert r.loc["p0", "pick_freeze_ST_high"] - r.loc["p0", "pick_freeze_ST_low"] > 0.05


def test_without_deconvolution_noise_would_show_as_total_effect():
    """The companion: the same rows analysed as if noiseless (no replicates recorded) give the
    inert parameter a pick-freeze total index of about the noise share; the correction is what
    removes it."""
    rows, share = _noisy_design(1024, noise_sd=1.6, replicates=2)
    naive = design.analyse("sobol", PARAMS, rows, 3, replicates=1, resamples=100).set_index("parameter")
    assert naive.loc["inert", "pick_freeze_ST"] == pytest.approx(share, abs=0.08)
    assert naive.loc["inert", "pick_freeze_ST_low"] > 0.2


def _function_rows(f, k: int, n: int = 1024, noise_sd: float = 0.05, replicates: int = 2):
    params = {f"p{i}": [0.0, 1.0] for i in range(k)}
    rows = design.build("sobol", n, params, 3)
    x = rows[list(params)].to_numpy()
    reps = f(x)[:, None] + noise_sd * np.random.default_rng(5).standard_normal((len(rows), replicates))
    rows["orientation_effect"], rows["orientation_effect_sd"] = reps.mean(axis=1), reps.std(axis=1, ddof=1)
    return params, rows


def test_pick_freeze_tells_first_order_from_total_where_inputs_interact():
    """f = x0 + 20 + x1 x2 (uniform inputs; the offset must not matter): S1 = 12/19, 3/19, 3/19 and
    ST = 12/19, 4/19, 4/19 (V = 19/144; the x1 x2 interaction carries 1/144). A swap of the first-
    order and total estimators, or an uncentred output, would fail here."""
    params, rows = _function_rows(lambda x: x[:, 0] + 20 + x[:, 1] * x[:, 2], 4, n=4096)
    r = design.analyse("sobol", params, rows, 3, replicates=2, resamples=200).set_index("parameter")
    for name, s1, st in (("p0", 12 / 19, 12 / 19), ("p1", 3 / 19, 4 / 19), ("p2", 3 / 19, 4 / 19), ("p3", 0, 0)):
        assert r.loc[name, "pick_freeze_S1"] == pytest.approx(s1, abs=0.03), name
        assert r.loc[name, "pick_freeze_ST"] == pytest.approx(st, abs=0.02), name
        assert r.loc[name, "ST"] == pytest.approx(st, abs=0.01), name
    assert (r["pick_freeze_ST_high"] - r["pick_freeze_ST_low"]).max() < 0.1  # centred: intervals stay narrow


def test_a_surrogate_that_misses_the_response_gives_way_to_pick_freeze():
    """A pure three-way interaction (8 (x0-.5)(x1-.5)(x2-.5) + 0.3 (x3-.5)): the first, pairwise
    fit cannot see x0-x2, so the second stage enriches nothing; the surrogate carries a small share
    of the variance and would name x3 the driver; the reported indices are then the pick-freeze
    ones, which find x0-x2."""
    params, rows = _function_rows(
        lambda x: 8 * (x[:, 0] - .5) * (x[:, 1] - .5) * (x[:, 2] - .5) + 0.3 * (x[:, 3] - .5), 5, n=2048)
    r = design.analyse("sobol", params, rows, 3, replicates=2, resamples=200).set_index("parameter")
    assert (r["estimator"] == "pick-freeze").all() and r["surrogate_share"].iloc[0] < design.SURROGATE_SHARE
    assert r.loc["p3", "surrogate_ST"] > 0.9  # what the surrogate alone would have said
    assert min(r.loc[["p0", "p1", "p2"], "ST"]) > 0.6 and r.loc["p3", "ST"] < 0.3


def test_a_surrogate_that_fits_only_its_own_rows_gives_way_to_pick_freeze(monkeypatch):
    """Few rows for many inputs and noisy replicates (x0 + x1 / 2 over eight inputs, 32 base rows):
    the surrogate's terms fit the rows' noise, so it "carries" more than the whole variance on the
    rows it was fitted to and little of it on rows it was not (its overfitting check), and the
    pick-freeze indices are reported (as the screening of the assumed constants found for
    non-participants' ties). The companion: without the held-out check the surrogate's would be."""
    params, rows = _function_rows(lambda x: x[:, 0] + 0.5 * x[:, 1], 8, n=32, noise_sd=0.3)
    r = design.analyse("sobol", params, rows, 3, replicates=2, resamples=50)
    assert r["surrogate_share"].iloc[0] >= design.SURROGATE_SHARE
    assert r["surrogate_held_out_share"].iloc[0] < design.SURROGATE_HELD_OUT_SHARE
    assert (r["estimator"] == "pick-freeze").all()
    monkeypatch.setattr(design, "SURROGATE_HELD_OUT_SHARE", -np.inf)
    assert (design.analyse("sobol", params, rows, 3, replicates=2, resamples=50)["estimator"] == "surrogate").all()


def _three_way(x):
    """P1(x0) + P1(x1) + P1(x2) + 2 P1(x0) P1(x1) P1(x2), P1 the orthonormal Legendre polynomial of
    degree one on [0, 1]: V = 7, S1 = 1/7 and ST = 5/7 for x0-x2, 0 for x3."""
    p1 = np.sqrt(3.0) * (2 * x[:, :3] - 1)
    return p1.sum(axis=1) + 2 * p1.prod(axis=1)


def test_the_surrogate_adds_higher_interactions_among_the_inputs_that_matter():
    """A three-way interaction among inputs that also act alone: the first (pairwise) fit carries
    3/7 of the variance but gives x0-x2 total indices of 1/3, so the second stage adds their
    three-way term and carries it all (also on rows it was not fitted to): ST = 5/7, S1 = 1/7."""
    params, rows = _function_rows(_three_way, 4, n=512, noise_sd=0.05)
    r = design.analyse("sobol", params, rows, 3, replicates=2, resamples=100).set_index("parameter")
    assert (r["estimator"] == "surrogate").all()
    assert r["surrogate_share"].iloc[0] == pytest.approx(1.0, abs=0.08)  # against a sampled variance
    assert r["surrogate_held_out_share"].iloc[0] == pytest.approx(1.0, abs=0.03)
    for name in ("p0", "p1", "p2"):
        assert r.loc[name, "ST"] == pytest.approx(5 / 7, abs=0.02), name
        assert r.loc[name, "S1"] == pytest.approx(1 / 7, abs=0.02), name
    assert r.loc["p3", "ST"] < 0.01


def test_without_the_second_stage_the_same_response_falls_back_to_pick_freeze(monkeypatch):
    """The companion: with no input enriched, the pairwise surrogate carries 3/7 of the same
    response, so the pick-freeze estimates are reported."""
    monkeypatch.setattr(design, "ENRICH_AT", 2.0)
    params, rows = _function_rows(_three_way, 4, n=512, noise_sd=0.05)
    r = design.analyse("sobol", params, rows, 3, replicates=2, resamples=100)
    assert (r["estimator"] == "pick-freeze").all()
    assert r["surrogate_share"].iloc[0] == pytest.approx(3 / 7, abs=0.05)


def test_the_enriched_basis_is_orthonormal_and_adds_only_new_terms():
    """Among two enriched inputs of three, terms up to total degree 5 are added once each (the
    pairwise basis already holds P1P1, P1P2, P2P1): every column has mean 0 and variance 1 over
    uniform inputs, and distinct columns are uncorrelated."""
    unit = np.random.default_rng(2).random((200_000, 3))
    plain, _ = design.legendre_basis(unit)
    wide, involves = design.legendre_basis(unit, (0, 2), 5)
    pair_terms = sum(1 for a in range(1, 5) for b in range(1, 5) if a + b <= 5)
    assert wide.shape[1] == plain.shape[1] + 2 * 2 + pair_terms - 3  # own degrees 4-5, pairs less the three held
    assert involves.count((0, 2)) == pair_terms and involves.count((0, 1)) == 3
    cov = np.cov(wide, rowvar=False)
    assert np.abs(wide.mean(axis=0)).max() < 0.03
    assert np.abs(np.diag(cov) - 1).max() < 0.05
    assert np.abs(cov - np.diag(np.diag(cov))).max() < 0.05


def test_a_design_too_small_for_the_surrogate_uses_pick_freeze():
    """A smoke-sized design (N = 4, 17 inputs: 76 rows against the surrogate's ~200 terms) cannot
    fit the surrogate: the pick-freeze estimates are reported and the surrogate columns are empty."""
    k = 17
    params = {f"p{i}": [0.0, 1.0] for i in range(k)}
    rows = design.build("sobol", 4, params, 3)
    x = rows[list(params)].to_numpy()
    reps = (3 * x[:, 0])[:, None] + 0.3 * np.random.default_rng(1).standard_normal((len(rows), 2))
    rows["orientation_effect"], rows["orientation_effect_sd"] = reps.mean(axis=1), reps.std(axis=1, ddof=1)
    r = design.analyse("sobol", params, rows, 3, replicates=2, resamples=50)
    assert (r["estimator"] == "pick-freeze").all()
    assert r["surrogate_ST"].isna().all()
    assert design.pce_indices(x, rows["orientation_effect"].to_numpy()) is None


def test_chunks_of_different_designs_are_not_aggregated_as_one(tmp_path):
    """Two complete jobs whose design bounds differ (a recalibration between chunks moves
    `posterior` bounds) are refused in one line, naming the job and the setting; with the same
    design they are collected."""
    import json

    import pytest

    from experiments.analysis.design import collect_rows
    from sim.schema import ConfigError

    def job(name, bounds, chunk):
        d = tmp_path / name
        d.mkdir()
        pd.DataFrame({"row": [chunk], "metric": ["x"], "value": [1.0]}).to_parquet(d / "design_rows.parquet")
        design = {"method": "sobol", "n": 2, "chunk": chunk, "parameters": {"behaviour.tie_growth": bounds}}
        (d / "provenance.json").write_text(json.dumps({"config": {"design": design}}))
        return d

    same = [job("a", [0.1, 0.4], 0), job("b", [0.1, 0.4], 1)]
    rows, _, config = collect_rows(tmp_path, same)
    assert list(rows["row"]) == [0, 1] and config["design"]["chunk"] == 0
    other = job("c", [0.2, 0.4], 2)
    with pytest.raises(ConfigError, match=r"c: its design.parameters differs from a's"):
        collect_rows(tmp_path, [*same, other])


def test_the_surrogate_fit_and_its_held_out_misfit_match_an_orthogonal_decomposition():
    """The surrogate's least squares through the normal equations (`design._least_squares`) and its
    held-out misfit (each fold's equations the whole's less the fold's) give numpy's `lstsq` fits
    on a Sobol design, to rounding; a design whose terms cannot be told apart (a duplicated
    column) is refused, as a rank check would refuse it."""
    from SALib.sample import sobol

    x = sobol.sample({"num_vars": 4, "names": list("abcd"), "bounds": [[0, 1]] * 4}, 64, calc_second_order=False,
                     seed=2)
    basis, _ = design.legendre_basis(x)
    y = np.sin(3 * x[:, 0]) + x[:, 1] * x[:, 2] + np.random.default_rng(0).normal(0, 0.1, len(x))
    y[7] = np.nan
    coef, _, resid = design._least_squares(basis, y, 6)
    keep = np.isfinite(y)
    full = np.column_stack([np.ones(len(y)), basis])
    expected, *_ = np.linalg.lstsq(full[keep], y[keep], rcond=None)
    assert np.allclose(coef, expected, rtol=0, atol=1e-10)
    fold = (np.arange(len(y)) // 6) % 5
    errors = []
    for f in range(5):
        train, test = keep & (fold != f), keep & (fold == f)
        c, *_ = np.linalg.lstsq(full[train], y[train], rcond=None)
        errors.append((y[test] - full[test] @ c) ** 2)
    assert design.held_out_misfit(basis, y, 6) == pytest.approx(float(np.mean(np.concatenate(errors))), rel=1e-9)
    assert design._least_squares(np.column_stack([basis, basis[:, :1]]), y, 6) is None


def test_a_design_row_runs_the_same_without_the_design_it_came_from():
    """A chunk runs its rows from the configuration without its design (`without_design`, so a
    row's check does not rebuild the whole design): a row's outputs are the same bit for bit as
    from the configuration that carries the design, for a Sobol row (which varies every calibrated
    constant) and a Morris row (which leaves most of them to the configuration: without the
    design they must still be held at their configured values, not drawn from the posterior,
    which the companion shows would change the row)."""
    from experiments.running.config import apply_overrides, compose_checked
    from experiments.running.execution import row_seed, run_design_row, run_replicates, without_design

    for experiment in ("sensitivity_sobol", "sensitivity_morris"):
        config = compose_checked([f"experiment={experiment}", "design.n=2", "design.chunk_size=50", "run.weeks=30"])
        config = apply_overrides(config, {"design.follow_to_week": 0})
        row = design.chunk(design.from_settings(config.design), 0, 50).iloc[3]
        values = {k: row[k].item() for k in config.design.parameters}
        plain = without_design(config)
        assert not plain.design.method and plain.uncertainty.draws == "medians"
        # the row as it ran before: its values applied to the configuration that carries the design
        at_row = apply_overrides(config, {**values, "run.base_seed": row_seed(config, 3)}, round_integers=True)
        reps = run_replicates(at_row, {}, workers=1)
        before = design.row_outputs(reps.results, reps.survey, at_row.programme_end, None, reps.leader_effects)
        assert run_design_row(plain, values, 3, config.design) == before, experiment
        assert run_design_row(config, values, 3) == before, experiment
    drawn = apply_overrides(plain, {"uncertainty.draws": "posterior"})  # the Morris row, drawing the rest
    assert run_design_row(drawn, values, 3, config.design) != run_design_row(config, values, 3)
