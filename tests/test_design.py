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
    conv = design.convergence(PARAMS, _rows(256), 3, sizes=(32, 64, 128, 256))
    assert sorted(conv["N"].unique()) == [32, 64, 128, 256]
    last = conv[conv["N"] == 256].set_index("parameter")
    assert last.loc["a", "ST"] > 0.8 and abs(last.loc["inert", "ST"]) < 0.05
    # the interval narrows as N grows
    a = conv[conv["parameter"] == "a"].set_index("N")["ST_conf"]
    assert a.loc[256] < a.loc[32]


def test_replicate_noise_share_closed_form():
    """Without noise the share is 0; with noise of SD s and R replicates it is about
    (s^2 / R) / Var(row means)."""
    clean = design.noise_share(_rows(64), 2).set_index("output")
    assert clean.loc["orientation_effect", "noise_share"] == pytest.approx(0.0)
    noisy_rows = _rows(256, noise_sd=0.5, replicates=2)
    noisy = design.noise_share(noisy_rows, 2).set_index("output")
    expected = (0.5 ** 2 / 2) / noisy_rows["orientation_effect"].var(ddof=1)
    assert noisy.loc["orientation_effect", "noise_share"] == pytest.approx(expected, rel=0.15)
