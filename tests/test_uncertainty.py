"""Effect intervals with the posterior in them (issue 23, item 1): each paired replicate runs at
its own posterior draw, chosen by its seed, so draws do not depend on workers; explicit settings
stay as set; the medians option and a configuration without a posterior give Monte Carlo noise
only; a bad posterior file is a one-line error naming it."""

import numpy as np
import pandas as pd
import pytest

from experiments.running.config import apply_overrides, compose_checked
from experiments.running.execution import replicate_seed, run_replicates
from experiments.running.uncertainty import describe, replicate_draws
from sim.schema import ConfigError

SMALL = ["experiment=case_study", "scenario=small", "intervention.leadership_programme.cohort_size=10",
         "run.weeks=30", "run.replicates=6"]


def posterior(tmp_path, rows, name="draws.csv"):
    path = tmp_path / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return str(path)


def around(config, path: str, low: float, high: float) -> list[float]:
    """Three draws of a setting whose median (equal weights) is its configured value."""
    from experiments.running.uncertainty import configured_value

    return [low, float(configured_value(config, path)), high]


def test_each_replicate_takes_a_weighted_draw_with_its_own_seed(tmp_path):
    base = compose_checked(SMALL)
    growth = around(base, "behaviour.tie_growth", 0.1, 0.5)
    file = posterior(tmp_path, {"weight": [1.0, 2.0, 1.0], "behaviour.tie_growth": growth,
                                "survey.end_shift": around(base, "survey.end_shift", -0.2, 0.4)})
    config = apply_overrides(base, {"uncertainty.posterior_file": file})
    seeds = {r: replicate_seed(7, r) for r in range(400)}
    draws = replicate_draws(config, seeds)
    picked = np.array([d["draw"] for d in draws.values()])
    assert (picked == 1).mean() == pytest.approx(0.5, abs=0.07)  # weight 2 of 4
    assert all(d["behaviour.tie_growth"] == growth[d["draw"]] for d in draws.values())
    assert replicate_draws(config, seeds) == draws  # a function of the seeds alone


def test_settings_someone_set_stay_as_set_and_medians_turn_draws_off(tmp_path):
    """Drawn only where nobody set the setting: not pinned by an override, and holding the value
    the calibration wrote (its median); a value set in the configuration otherwise is kept."""
    base = compose_checked(SMALL)
    file = posterior(tmp_path, {"weight": [1.0, 1.0, 1.0],
                                "behaviour.tie_growth": around(base, "behaviour.tie_growth", 0.1, 0.5),
                                "survey.end_shift": around(base, "survey.end_shift", -0.2, 0.4)})
    config = apply_overrides(base, {"uncertainty.posterior_file": file})
    pinned = apply_overrides(config, {"behaviour.tie_growth": 0.25})
    draws = replicate_draws(pinned, {0: 1, 1: 2})
    assert all("behaviour.tie_growth" not in d and "survey.end_shift" in d for d in draws.values())
    assert "held at their set values: behaviour.tie_growth" in describe(pinned, draws)
    # set in a composed configuration's overrides: pinned too
    composed = compose_checked([*SMALL, f"uncertainty.posterior_file={file}", "survey.end_shift=0.05"])
    assert all("survey.end_shift" not in d for d in replicate_draws(composed, {0: 1}).values())
    medians = apply_overrides(config, {"uncertainty.draws": "medians"})
    assert replicate_draws(medians, {0: 1}) == {}
    assert describe(medians, {}).startswith("Monte Carlo error of the average only")


def test_draws_do_not_depend_on_the_worker_count_and_each_replicate_is_its_draw(tmp_path):
    base = compose_checked(SMALL)
    growth = around(base, "behaviour.tie_growth", 0.12, 0.4)
    file = posterior(tmp_path, {"weight": [1.0, 1.0, 1.0], "behaviour.tie_growth": growth})
    config = apply_overrides(base, {"uncertainty.posterior_file": file})
    one = run_replicates(config, {}, workers=1)
    two = run_replicates(config, {}, workers=2)
    pd.testing.assert_frame_equal(one.results, two.results)
    assert one.draws == two.draws and len({d["draw"] for d in one.draws.values()}) >= 2

    def effects(reps):
        r = reps.results[(reps.results["metric"] == "strong_cross_ties_participants") & (reps.results["week"] == 26)]
        wide = r.pivot_table(index="replicate", columns="arm", values="value")
        return (wide["intervention"] - wide["counterfactual"]).to_numpy()

    # each replicate is, seed for seed, the run at its draw's value
    drawn = effects(one)
    for i, tie_growth in enumerate(growth):
        at = np.array([d["draw"] == i for d in one.draws.values()])
        if not at.any():
            continue
        fixed = effects(run_replicates(apply_overrides(config, {"uncertainty.draws": "medians",
                                                                "behaviour.tie_growth": tie_growth}), {}, workers=1))
        np.testing.assert_array_equal(drawn[at], fixed[at])


def test_a_bad_posterior_file_is_one_line_naming_it(tmp_path):
    config = compose_checked(SMALL)
    with pytest.raises(ConfigError, match=r"^uncertainty.posterior_file='nowhere.csv': no such file"):
        apply_overrides(config, {"uncertainty.posterior_file": "nowhere.csv"})
    file = posterior(tmp_path, {"weight": [1.0, 1.0], "behaviour.tie_growth": ["0.2", "high"]}, "bad.csv")
    with pytest.raises(ConfigError, match=r"row 3, column behaviour.tie_growth: not a number"):
        apply_overrides(config, {"uncertainty.posterior_file": file})
    file = posterior(tmp_path, {"weight": [1.0], "behaviour.tie_grow": [0.2]}, "typo.csv")
    with pytest.raises(ConfigError, match=r"column behaviour.tie_grow: not a behaviour, survey or intervention"):
        apply_overrides(config, {"uncertainty.posterior_file": file})


# ------------------------------------------------------------------ design ranges from the posterior

SOBOL = ["experiment=sensitivity_sobol"]


def test_the_sobol_study_reads_its_calibrated_ranges_from_the_posterior():
    """The Sobol design's calibrated inputs say `posterior`; once checked, each is the central 95%
    interval that docs/calibration/posterior_summary.csv reports (to three decimals), in the design
    and in the configuration's record (what provenance and a job's identity see)."""
    import yaml

    from experiments.running.config import CONF_DIR

    declared = yaml.safe_load((CONF_DIR / "experiment" / "sensitivity_sobol.yaml").read_text())["design"]["parameters"]
    from_posterior = [path for path, bounds in declared.items() if bounds == "posterior"]
    summary = pd.read_csv("docs/calibration/posterior_summary.csv").set_index("path")
    assert set(from_posterior) == set(summary.index)  # every calibrated constant, nothing else
    config = compose_checked(SOBOL)
    for path in from_posterior:
        expected = [round(summary.loc[path, "low"], 3), round(summary.loc[path, "high"], 3)]
        assert config.design.parameters[path] == expected, path
        assert config.raw["design"]["parameters"][path] == expected, path
    assert list(config.design.parameters) == list(declared)  # the sampling order is the declared order


def sobol_raw(parameters: dict | None = None, **sections) -> dict:
    """The Sobol study's configuration as plain data, with other design parameters or sections."""
    from omegaconf import OmegaConf

    from experiments.running.config import compose

    raw = OmegaConf.to_container(compose(SOBOL), resolve=True)
    if parameters is not None:
        raw["design"]["parameters"] = parameters
    for name, values in sections.items():
        raw[name] = {**raw.get(name, {}), **values}
    return raw


def test_posterior_ranges_follow_the_posterior_file(tmp_path):
    """Another posterior, other ranges; a narrow one keeps the digits that tell its bounds apart."""
    from experiments.running.config import check

    file = posterior(tmp_path, {"weight": [1.0] * 5, "behaviour.tie_growth": [0.1, 0.2, 0.3, 0.4, 0.5],
                                "behaviour.bridge_decay": [0.10001, 0.10002, 0.10002, 0.10003, 0.10004]})
    config = check(sobol_raw({"behaviour.tie_growth": "posterior", "behaviour.bridge_decay": "posterior",
                              "behaviour.homophily": [1.5, 6.0]}, uncertainty={"posterior_file": file}))
    low, high = config.design.parameters["behaviour.tie_growth"]
    assert 0.1 <= low < 0.12 and 0.48 < high <= 0.5
    low, high = config.design.parameters["behaviour.bridge_decay"]
    assert 0.10001 <= low < high <= 0.10004 and round(low, 3) == round(high, 3)
    assert config.design.parameters["behaviour.homophily"] == [1.5, 6.0]


@pytest.mark.parametrize("case, words", [("not calibrated", "not a calibrated setting"),
                                         ("no posterior", "no posterior to read"),
                                         ("missing file", "does not exist"),
                                         ("misspelt", "or posterior")])
def test_posterior_ranges_that_cannot_be_read_are_one_line_errors(case, words):
    from experiments.running.config import check

    if case == "not calibrated":
        raw = sobol_raw({"behaviour.tie_growth": "posterior", "behaviour.homophily": "posterior"})
    elif case == "missing file":
        raw = sobol_raw({"behaviour.tie_growth": "posterior"}, uncertainty={"posterior_file": "nowhere/draws.csv"})
    elif case == "misspelt":
        raw = sobol_raw({"behaviour.tie_growth": "posterier"})
    else:
        raw = sobol_raw({"behaviour.tie_growth": "posterior"}, uncertainty={"posterior_file": None})
    with pytest.raises(ConfigError) as error:
        check(raw)
    message = str(error.value)
    assert "\n" not in message and "design.parameters.behaviour." in message and words in message
