"""Turnover (docs/ODD.md 7.12): leaders leave, newcomers take their slots with new ids, no ties and
traits drawn as at set-up; whatever follows people follows ids."""

import numpy as np
import pytest
from scipy import stats

from sim import CollaborationModel, default_processes
from sim.turnover import NHS_SENIOR_LEADERS


def _ids_by_week(model, weeks):
    out = [model.state.leaders.ids.copy()]
    for _ in range(weeks):
        model.step()
        out.append(model.state.leaders.ids.copy())
    return out


def test_the_nhs_rate_is_a_fifth_a_year():
    assert NHS_SENIOR_LEADERS == pytest.approx(-np.log(0.8) / 52, abs=1e-4)
    assert 1 - (1 - NHS_SENIOR_LEADERS) ** 52 == pytest.approx(0.2, abs=0.002)


def test_leavers_come_at_the_rate_and_newcomers_get_new_ids():
    rate, weeks = 0.02, 60
    model = CollaborationModel(rng=1, burn_in_weeks=0, turnover_rate=rate)
    history = _ids_by_week(model, weeks)
    left = sum(int(np.count_nonzero(a != b)) for a, b in zip(history, history[1:]))
    n = model.state.leaders.n
    expected, sd = rate * n * weeks, np.sqrt(rate * (1 - rate) * n * weeks)
    assert abs(left - expected) < 4 * sd
    ids = np.concatenate(history)
    assert model.state.leaders.next_id == n + left  # ids are never reused
    assert np.unique(history[-1]).size == n
    assert set(np.unique(ids)) == set(range(n + left))


def test_a_leaver_takes_their_ties_and_the_newcomer_starts_without_any():
    model = CollaborationModel(rng=2, burn_in_weeks=30, turnover_rate=0.05)
    before = model.state.leaders.ids.copy()
    model.step()
    replaced = np.flatnonzero(model.state.leaders.ids != before)
    assert replaced.size > 0
    ties = model.state.ties
    np.testing.assert_array_equal(ties.degree[replaced], 0)
    assert not np.isin(ties.u, replaced).any() and not np.isin(ties.v, replaced).any()
    # a newcomer is not a participant and has nothing from a programme
    leaders = model.state.leaders
    assert not leaders.participant[replaced].any()
    np.testing.assert_array_equal(leaders.efficacy_gain[replaced], 0.0)


def test_newcomers_traits_are_drawn_from_their_initialisers():
    """A Kolmogorov-Smirnov test of newcomers' traits against the set-up distributions (a newcomer
    drawn from another distribution, or given a constant, fails it)."""
    model = CollaborationModel(rng=3, burn_in_weeks=0, n_weeks=30, turnover_rate=0.3, scenario="small")
    params, leaders = model.params, model.state.leaders
    seen = {name: [] for name in ("susceptibility", "listening", "trust_propensity", "efficacy")}
    for _ in range(30):
        before = leaders.ids.copy()
        model.step()
        new = leaders.ids != before
        # traits that the week's other processes do not change before turnover redraws them
        for name in seen:
            seen[name].append(getattr(leaders, name)[new].copy())
    c = params.trait_concentration
    expected = {"susceptibility": stats.beta(params.susceptibility_mean * c, (1 - params.susceptibility_mean) * c),
                "listening": stats.beta(params.listening_mean * c, (1 - params.listening_mean) * c),
                "trust_propensity": stats.uniform(params.trust_propensity_low,
                                                  params.trust_propensity_high - params.trust_propensity_low),
                "efficacy": stats.beta(0.5 * c, 0.5 * c)}
    for name, values in seen.items():
        values = np.concatenate(values)
        assert values.size > 300
        assert stats.kstest(values, expected[name].cdf).pvalue > 0.001, name
    # and the companion: the same draws are not from a neighbouring distribution
    values = np.concatenate(seen["listening"])
    assert stats.kstest(values, stats.beta(0.5 * c, 0.5 * c).cdf).pvalue < 1e-6


def test_both_arms_of_a_pair_lose_the_same_leaders():
    kwargs = dict(n_weeks=52, turnover_rate=0.01, rng=4)
    programme = CollaborationModel(interventions={"leadership_programme": {}}, keep_burn_in=True, **kwargs)
    counterfactual = CollaborationModel(interventions={"leadership_programme": {"active": False}},
                                        start_state=programme.burn_in_state, **kwargs)
    programme.run(), counterfactual.run()
    np.testing.assert_array_equal(programme.state.leaders.ids, counterfactual.state.leaders.ids)
    assert programme.state.leaders.next_id > programme.state.leaders.n


def test_a_participant_who_leaves_leaves_the_programme():
    """The newcomer in a participant's slot is not a participant and the programme stops acting on
    the slot: the newcomer keeps the listening they arrived with while coaching runs (a programme
    that went on coaching the slot would raise it)."""
    model = CollaborationModel(rng=5, burn_in_weeks=10, n_weeks=26, turnover_rate=0.02,
                               interventions={"leadership_programme": {}})
    programme = model.state.interventions[0]
    leaders = model.state.leaders
    cohort = programme.cohort.copy()
    arrived = {}  # slot -> (newcomer id, listening on arrival)
    for _ in range(26):
        before = leaders.ids.copy()
        model.step()
        for slot in cohort[leaders.ids[cohort] != before[cohort]]:
            arrived[int(slot)] = (int(leaders.ids[slot]), float(leaders.listening[slot]))
    assert len(arrived) >= 3, "too few participants left: raise the rate"
    for slot, (newcomer, listening) in arrived.items():
        assert not leaders.participant[slot] and leaders.engagement[slot] == 0.0
        if leaders.ids[slot] == newcomer:
            assert leaders.listening[slot] == listening
    left = np.count_nonzero(leaders.ids[cohort] != programme.cohort_ids)
    assert leaders.present(programme.cohort_ids, cohort).sum() == cohort.size - left == leaders.participant.sum()


def test_respondents_who_leave_drop_out_and_are_counted():
    model = CollaborationModel(rng=6, n_weeks=104, turnover_rate=0.01, survey=True,
                               interventions={"leadership_programme": {}})
    model.run()
    survey = model.survey
    frame = survey.frame()
    last = max(survey.waves)
    assert survey.left[0] == 0 and survey.left[last] > 0
    answered = set(frame.loc[frame["week"] == last, "leader"])
    gone = set(survey.respondent_ids[~survey.present(model.state.leaders)].tolist())
    assert gone and not (answered & gone)
    assert len(gone) == survey.left[last]


def test_at_rate_zero_turnover_changes_nothing_draw_for_draw():
    with_process = CollaborationModel(rng=7, interventions={"leadership_programme": {}}, survey=True).run()
    without = CollaborationModel(rng=7, interventions={"leadership_programme": {}}, survey=True,
                                 processes=[p for p in default_processes() if p.name != "turnover"]).run()
    a = with_process.datacollector.get_model_vars_dataframe().to_numpy()
    b = without.datacollector.get_model_vars_dataframe().to_numpy()
    np.testing.assert_array_equal(a, b)
    assert with_process.survey.frame().equals(without.survey.frame())


def test_turnover_runs_in_the_compiled_week():
    model = CollaborationModel(rng=8, turnover_rate=NHS_SENIOR_LEADERS)
    model.run_for(10)
    assert any(value is not None and "turnover" in [p.name for p in value[0]] and key[0]
               for key, value in model._prepared.items())


def test_the_turnover_study_runs_and_says_what_it_measured(tmp_path):
    """`python -m experiments.turnover` at a small setting: every rate and week, participants
    present falling with the rate (both arms lose the same leaders, so it is exact per seed)."""
    import pandas as pd

    from experiments.analysis.turnover import main

    main(["--replicates", "2", "--workers", "1", "--out", str(tmp_path), "run.weeks=52"])
    summary = pd.read_csv(tmp_path / "turnover_summary.csv")
    present = summary[summary["measure"] == "present"].pivot(index="week", columns="rate", values="mean")
    assert list(present.index) == [26, 52]
    assert (present[0.0] == 1.0).all() and (present.diff(axis=1).iloc[:, 1:] < 0).all().all()
    rows = pd.read_csv(tmp_path / "turnover.csv")
    assert len(rows) == 3 * 2 * 2


def test_a_paired_run_reports_the_respondents_who_left():
    from experiments.running.config import compose_checked
    from experiments.running.execution import run_pair

    config = compose_checked(["experiment=case_study", "scenario=small", "turnover=nhs_senior_leaders",
                              "intervention.leadership_programme.cohort_size=10", "run.weeks=52"])
    pair = run_pair(config, 0, 11, {})
    left = pair.left.set_index(["arm", "week"])["left"]
    assert left.loc[("intervention", 0)] == 0 and left.loc[("intervention", 52)] > 0
    assert left.loc[("intervention", 52)] == left.loc[("counterfactual", 52)]  # both arms lose the same people
