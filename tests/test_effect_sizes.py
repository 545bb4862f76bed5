"""Cohen's d on per-leader values (issue 23, item 2): its closed form, the per-leader values it
reads agreeing with the group metrics the summary reports, and the summary carrying it in place
of the old Glass's delta on replicate means."""

import numpy as np
import pandas as pd
import pytest

from experiments.analysis.effects import EFFECT_COLUMNS, effect_table, summarise_d
from experiments.analysis.leaders import OUTCOMES, cohens_d, per_leader
from experiments.running.config import compose_checked
from sim.metrics import decision_record


def test_cohens_d_is_the_difference_in_means_over_the_untreated_sd():
    untreated = {o: np.array([1.0, 2.0, 3.0, 4.0, np.nan]) for o in OUTCOMES}
    treated = {o: np.array([2.0, 3.0, 4.0, 5.0, 9.0]) for o in OUTCOMES}
    rows = cohens_d(treated, untreated, {"participants": np.arange(5), "others": np.array([0])})
    by = {r["metric"]: r for r in rows}
    # the leader without a value in the untreated arm is left out of both means
    assert by["orientation_participants"]["cohens_d"] == pytest.approx(1.0 / np.std([1, 2, 3, 4], ddof=1))
    assert by["orientation_participants"]["leaders"] == 4
    assert np.isnan(by["orientation_others"]["cohens_d"])  # one leader: no spread, no d


def test_d_does_not_shrink_with_group_size_as_a_delta_on_replicate_means_would():
    rng = np.random.default_rng(3)
    ds = []
    for n in (50, 5000):
        untreated = {o: rng.normal(0, 1, n) for o in OUTCOMES}
        treated = {o: untreated[o] + 0.5 for o in OUTCOMES}
        ds.append(cohens_d(treated, untreated, {"participants": np.arange(n)})[0]["cohens_d"])
    assert ds[0] == pytest.approx(ds[1], rel=0.2) and ds[1] == pytest.approx(0.5, rel=0.1)


@pytest.fixture(scope="module")
def programme_run():
    config = compose_checked(["experiment=case_study", "run.weeks=30"])
    arm, model = next(iter(config.spec.pair(11)))
    before = decision_record(model.state.leaders)
    model.run_for(26)
    return model, per_leader(model, before, decision_record(model.state.leaders))


@pytest.mark.parametrize("outcome", ["orientation", "strong_cross_ties", "listening", "system_sight", "efficacy"])
def test_per_leader_values_average_to_the_group_metrics(programme_run, outcome):
    """Docking: the group means of the per-leader values are the weekly group metrics."""
    model, values = programme_run
    participant = model.state.leaders.participant
    for group, mask in (("participants", participant), ("others", ~participant)):
        assert values[outcome][mask].mean() == pytest.approx(model.state.metrics[f"{outcome}_{group}"], rel=1e-9)


def test_per_leader_system_first_shares_are_shares_over_the_window(programme_run):
    model, values = programme_run
    share = values["system_first"]
    made = np.isfinite(share)
    assert made.sum() > model.state.leaders.n / 2  # most leaders met a collective issue in 26 weeks
    assert ((share[made] >= 0) & (share[made] <= 1)).all()


def test_the_summary_reports_cohens_d_from_the_replicates_and_no_glass_delta():
    results = pd.DataFrame([{"metric": "orientation_participants", "week": 26, "replicate": r, "arm": arm,
                             "value": v} for r in range(3) for arm, v in (("intervention", 1.0 + r),
                                                                           ("counterfactual", 0.5 + r))])
    sizes = pd.DataFrame({"replicate": [0, 1, 2], "week": 26, "metric": "orientation_participants",
                          "cohens_d": [0.2, 0.3, 0.4], "leaders": 60})
    table = effect_table(results, [26], sizes)
    assert list(table.columns) == EFFECT_COLUMNS and "standardised" not in table
    row = table.iloc[0]
    assert row["effect"] == pytest.approx(0.5) and row["cohens_d"] == pytest.approx(0.3)
    assert row["cohens_d_low"] < 0.3 < row["cohens_d_high"]
    assert summarise_d(sizes.iloc[:0]).empty


def test_with_posterior_draws_the_interval_is_the_range_of_the_replicates():
    """Each replicate at its own draw: the summary's interval is the 2.5-97.5% range of the
    replicates' effects (what the parameters and one future's chance leave open), which does not
    shrink as replicates are added; at fixed parameters it is the interval of the mean."""
    rng = np.random.default_rng(0)
    results = pd.DataFrame([{"metric": "orientation_participants", "week": 26, "replicate": r, "arm": arm,
                             "value": v} for r in range(400) for arm, v in
                            (("intervention", 1.0 + rng.normal(0, 1)), ("counterfactual", 0.0))])
    spread = effect_table(results, [26], interval="range").iloc[0]
    mean = effect_table(results, [26], interval="mean").iloc[0]
    assert spread["low"] == pytest.approx(1 - 1.96, abs=0.25) and spread["high"] == pytest.approx(1 + 1.96, abs=0.25)
    assert mean["high"] - mean["low"] == pytest.approx(2 * 1.96 / 20, rel=0.15)
