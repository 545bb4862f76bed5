"""Interventions alone and in the model: cohorts, sets, gains and decay, bad settings."""

import numpy as np
import pytest

from sim import CollaborationModel, ConfigError
from sim.interventions import (GovernanceAlignment, LeadershipProgramme, action_learning_sets,
                               build_interventions, counterfactual, programme_end, register_intervention,
                               select_cohort)


@pytest.fixture(scope="module")
def model():
    return CollaborationModel(n_weeks=1, burn_in_weeks=8, rng=11)


def _eligible(m):
    return np.flatnonzero(m.leaders.role > 0)


@pytest.mark.parametrize("strategy", ["random", "seniority", "brokerage", "quota", "teams"])
def test_cohort_size_and_eligibility(model, strategy):
    rng = np.random.default_rng(1)
    c = select_cohort(strategy, 60, _eligible(model), model.state, rng)
    assert c.size == 60 and np.unique(c).size == 60
    assert np.all(model.leaders.role[c] > 0)


def test_seniority_takes_executives_first(model):
    c = select_cohort("seniority", 60, _eligible(model), model.state, np.random.default_rng(2))
    n_exec = int((model.leaders.role == 1).sum())
    assert (model.leaders.role[c] == 1).sum() == min(60, n_exec)


def test_quota_spreads_over_organisations(model):
    c = select_cohort("quota", 39, _eligible(model), model.state, np.random.default_rng(3))
    counts = np.bincount(model.leaders.org[c], minlength=model.organisations.n)
    assert counts.max() - counts.min() <= 1


def test_teams_take_whole_organisations(model):
    c = select_cohort("teams", 60, _eligible(model), model.state, np.random.default_rng(4))
    orgs, counts = np.unique(model.leaders.org[c], return_counts=True)
    eligible_per_org = np.bincount(model.leaders.org[_eligible(model)], minlength=model.organisations.n)
    # all but at most one organisation are taken whole
    assert (counts < eligible_per_org[orgs]).sum() <= 1


def test_brokerage_picks_low_constraint(model):
    import networkx as nx

    c = select_cohort("brokerage", 30, _eligible(model), model.state, np.random.default_rng(5))
    constraint = nx.constraint(model.network(), weight="weight")
    chosen = np.array([constraint[int(i)] for i in c])
    rest = np.array([constraint[int(i)] for i in np.setdiff1d(_eligible(model), c)])
    assert np.nanmax(chosen) <= np.nanmin(rest) + 1e-12


def test_action_learning_sets_mix_organisations():
    org = np.repeat(np.arange(10), 6)
    cohort = np.arange(60)
    sets = action_learning_sets(cohort, org, 6)
    assert len(sets) == 10 and sorted(np.concatenate(sets).tolist()) == list(range(60))
    assert all(np.unique(org[s]).size == s.size for s in sets)


def _pair(seed=3, weeks=40, **settings):
    programme = build_interventions({"leadership_programme": settings})
    arms = {}
    for active, interventions in ((True, programme), (False, counterfactual(programme))):
        m = CollaborationModel(n_weeks=weeks, burn_in_weeks=20, rng=seed, interventions=interventions)
        m.run()
        arms[active] = m
    return arms


def test_programme_raises_listening_among_participants_only():
    arms = _pair()
    on, off = arms[True], arms[False]
    np.testing.assert_array_equal(on.leaders.participant, off.leaders.participant)  # same cohort
    part = on.leaders.participant
    df_on = on.datacollector.get_model_vars_dataframe()
    df_off = off.datacollector.get_model_vars_dataframe()
    assert df_on.loc[26, "listening_participants"] > df_off.loc[26, "listening_participants"] + 0.02
    np.testing.assert_array_equal(on.leaders.listening[~part], off.leaders.listening[~part])


def test_without_coaching_the_programme_leaves_listening_alone():
    """Companion: switch coaching off and participants' listening is the same in both arms, so the
    test above fails unless coaching is what raises listening (the other components do not)."""
    arms = _pair(coaching=False)
    on, off = arms[True], arms[False]
    np.testing.assert_array_equal(on.leaders.listening, off.leaders.listening)
    df_on = on.datacollector.get_model_vars_dataframe()
    df_off = off.datacollector.get_model_vars_dataframe()
    assert not df_on.loc[26, "listening_participants"] > df_off.loc[26, "listening_participants"] + 0.02


EFFICACY_ONLY = dict(workshops=False, action_learning=False, coaching=False, governance=False, system_sight=True,
                     sight_content_gain=0.0, content_influence=0.0, retention_half_life_months=0.5)


def test_efficacy_after_the_programme_never_ends_below_the_counterfactual():
    """A programme that changes only efficacy (which drives no behaviour, so both arms meet the
    same issues with the same choices): experience wears part of the gain away, the decay takes
    back only what is left, and no participant ends below its untreated self."""
    arms = _pair(weeks=104, **EFFICACY_ONLY)
    part = arms[True].leaders.participant
    on, off = arms[True].leaders.efficacy[part], arms[False].leaders.efficacy[part]
    assert np.all(on >= off - 1e-9), (on - off).min()
    np.testing.assert_allclose(on, off, atol=1e-6)  # by week 104 the gain (half-life two weeks) is gone
    np.testing.assert_array_equal(arms[True].leaders.efficacy[~part], arms[False].leaders.efficacy[~part])


def test_subtracting_the_recorded_gain_would_end_below():
    """Companion, in closed form: a gain g worn down by m smoothing steps leaves g (1 - rate)^m;
    subtracting the whole recorded g (the old rule) would leave the leader g (1 - (1 - rate)^m)
    below where experience alone would have put it."""
    from sim.efficacy import _efficacy_in_place, remaining_gain

    rate, g, m = 0.1, 0.2, 5
    with_gain, base = np.array([0.5 + g]), np.array([0.5])
    gain = np.array([g])
    for week in range(m):
        _efficacy_in_place(with_gain, gain, np.array([0]), np.array([week % 2 == 0]), rate)
        _efficacy_in_place(base, np.zeros(1), np.array([0]), np.array([week % 2 == 0]), rate)
    assert gain[0] == pytest.approx(remaining_gain(g, m, rate))
    assert with_gain[0] - gain[0] == pytest.approx(base[0])  # taking back what is left ends at base
    assert with_gain[0] - g < base[0] - 0.05 * g  # the old rule ends below it


def test_gains_follow_the_dose_response_and_decay_only_in_weeks_of_non_use():
    """Coaching alone: after s sessions a participant's listening is up by 2 x gain x SD x
    dose_share(s) (uncapped here); after the programme the gain keeps 0.5 ** (12 / (52 h)) of itself in
    each week the participant had no cross-organisation conversation, and all of it otherwise. A
    linear decay, or one that ignored use, fails the second part."""
    from sim.interventions import dose_share

    p = LeadershipProgramme(cohort_size=20, duration_weeks=9, coaching_every_weeks=4, coaching_gain_sd=0.4,
                            retention_half_life_months=2.0, workshops=False, action_learning=False,
                            system_sight=False, governance=False)
    m = CollaborationModel("small", n_weeks=40, burn_in_weeks=2, rng=4, interventions=[p])
    running = m.state.interventions[0]
    cohort = running.cohort
    base = m.leaders.listening.copy()
    m.run_for(9)  # coaching in weeks 1, 5 and 9
    sessions = running.sessions["coaching"]
    assert sessions.max() == 3 and np.all(sessions <= 3)
    sd = running.baseline_sd["listening"]
    expected = 2 * 0.4 * sd * dose_share(sessions, 8.0, 1.75)
    np.testing.assert_allclose(m.leaders.listening[cohort] - base[cohort], expected, atol=1e-12)
    gain = expected.copy()
    kept = 0.5 ** (12 / (52 * 2.0))
    for _ in range(20):
        last = m.state.last_week
        cross = m.leaders.org[last.conversation_a] != m.leaders.org[last.conversation_b]
        talked = np.isin(cohort, np.concatenate([last.conversation_a[cross], last.conversation_b[cross]]))
        m.step()
        gain = np.where(talked, gain, gain * kept)
    np.testing.assert_allclose(m.leaders.listening[cohort] - base[cohort], gain, atol=1e-12)
    assert (gain < expected).all() and (gain > expected * kept ** 20).any()  # weeks of use kept what they had


def test_dose_share_is_the_log_normal_dose_response():
    from scipy.stats import lognorm

    from sim.interventions import dose_share

    s = np.array([0, 1, 2, 4, 8, 26, 52])
    np.testing.assert_allclose(dose_share(s, 8.0, 1.75)[1:], lognorm(1.75, scale=8.0).cdf(s[1:]))
    assert dose_share(0, 8.0, 1.75) == 0.0 and dose_share(8, 8.0, 1.75) == pytest.approx(0.5)
    assert dose_share(26, 8.0, 1.75) == pytest.approx(0.75, abs=0.01)  # Howard et al. 1986: 75% by 26


def test_a_longer_programme_gives_a_larger_dose():
    """With the same schedule, a 26-week programme's participants attend more sessions and gain more
    than a one-week programme's (the gains no longer accrue per week whatever the length)."""
    gains = {}
    for weeks in (1, 26):
        p = LeadershipProgramme(duration_weeks=weeks, action_learning=False)  # a one-week programme has no sets
        m = CollaborationModel(n_weeks=26, burn_in_weeks=10, rng=3, interventions=[p])
        cohort = m.state.interventions[0].cohort
        base = m.leaders.risk_appetite[cohort].copy()
        m.run_for(weeks)
        gains[weeks] = (m.leaders.risk_appetite[cohort] - base).mean()
    assert 0 < gains[1] < gains[26] / 2


def test_inactive_programme_changes_nothing_but_the_cohort_flag():
    programme = build_interventions({"leadership_programme": {"cohort_size": 10}})
    a = CollaborationModel("small", n_weeks=10, burn_in_weeks=3, rng=9, interventions=counterfactual(programme))
    b = CollaborationModel("small", n_weeks=10, burn_in_weeks=3, rng=9)
    a.run()
    b.run()
    np.testing.assert_array_equal(a.leaders.orientation, b.leaders.orientation)
    np.testing.assert_array_equal(a.ties.w, b.ties.w)
    assert a.leaders.participant.sum() == 10 and b.leaders.participant.sum() == 0


def test_governance_alignment_moves_anchors_in_closed_form():
    g = GovernanceAlignment(shift=0.5, ramp_weeks=10)
    m = CollaborationModel("small", n_weeks=20, burn_in_weeks=0, rng=1, interventions=[g])
    a0 = m.organisations.anchor.copy()
    m.run_for(5)
    np.testing.assert_allclose(m.organisations.anchor, a0 + 0.5 * 0.5 * (1 - a0))
    m.run_for(15)
    np.testing.assert_allclose(m.organisations.anchor, a0 + 0.5 * (1 - a0))


@pytest.mark.parametrize("spec,message", [
    ({"leadership_programme": {"cohort_size": -5}},
     "intervention.leadership_programme.cohort_size=-5: must be a whole number in [0, 100000]"),
    ({"leadership_programme": {"selection": "lottery"}}, "intervention.leadership_programme.selection='lottery': unknown"),
    ({"leadership_programme": {"mixing": "yes"}}, "intervention.leadership_programme.mixing='yes': must be true or false"),
    ({"leadership_programme": {"colour": 1}}, "intervention.leadership_programme.colour=1: unknown setting"),
    ({"telepathy": {}}, "intervention.telepathy='telepathy': unknown intervention"),
    ({"x": {"type": "no_such_module:Thing"}}, "intervention.x.type='no_such_module:Thing': cannot import"),
])
def test_bad_intervention_settings(spec, message):
    with pytest.raises(ConfigError) as info:
        build_interventions(spec)
    assert str(info.value).startswith(message) and "\n" not in str(info.value)


def test_users_can_register_their_own_intervention(monkeypatch):
    """A retreat of all chief executives in one week: settings, a running part, and its
    conversations go through the model's rules like any meeting."""
    from sim import interventions

    monkeypatch.setattr(interventions, "INTERVENTIONS", dict(interventions.INTERVENTIONS))  # registered for this test
    class RunningRetreat:
        def __init__(self, week):
            self.week, self.applied = week, 0

        def step(self, state, params, week, rng):
            if week.number == self.week:
                ceos = np.flatnonzero(state.leaders.role == 0)
                week.add_conversations(ceos[:-1], ceos[1:])
                self.applied += 1

    class Retreat:
        def __init__(self, week):
            self.week = week

        def start(self, model):
            return RunningRetreat(self.week)

    register_intervention("retreat", lambda v, key: Retreat(**v))
    settings = build_interventions({"retreat": {"week": 2}})
    m = CollaborationModel("small", n_weeks=3, burn_in_weeks=0, rng=1, interventions=settings)
    m.run_for(1)
    m.step()
    seen = m.state.last_week.conversations
    m.run()
    assert m.state.interventions[0].applied == 1
    ceos = np.flatnonzero(m.leaders.role == 0)
    pairs = set(zip(seen[0].tolist(), seen[1].tolist()))
    assert {(int(a), int(b)) for a, b in zip(ceos[:-1], ceos[1:])} <= pairs
    assert counterfactual(settings) == {}  # no counterfactual part: left out of the other arm


def test_effects_grow_with_cohort_size():
    """Paired replicates: a cohort of 80 shifts everyone's orientation more than one of 20."""
    from scipy import stats

    effects = {20: [], 80: []}
    for seed in range(8):
        for size in effects:
            arms = _pair(seed=seed, weeks=26, cohort_size=size)
            on = arms[True].datacollector.get_model_vars_dataframe()
            off = arms[False].datacollector.get_model_vars_dataframe()
            effects[size].append(on.loc[26, "mean_orientation"] - off.loc[26, "mean_orientation"])
    small, large = np.array(effects[20]), np.array(effects[80])
    assert np.all(small > 0)
    assert stats.ttest_rel(large, small, alternative="greater").pvalue < 0.01


def test_one_programme_end_everywhere():
    """The programme's end is its last week of delivery, and the survey's end-of-programme
    wave and response shift use that week."""
    p = LeadershipProgramme(start_week=3, duration_weeks=10, cohort_size=20)
    assert p.last_week == 12 and programme_end({"a": p, "b": GovernanceAlignment()}) == 12
    assert programme_end({"b": GovernanceAlignment()}) is None
    m = CollaborationModel("small", n_weeks=20, burn_in_weeks=2, rng=1, interventions=[p], survey=True)
    assert 12 in m.survey.waves and m.survey.last_week == 12
    assert m.survey.shift(11) == 0 and m.survey.shift(12) == m.survey.params.end_shift * m.survey.params.item_sd


def test_settings_are_frozen_and_checked_on_replace():
    p = LeadershipProgramme()
    with pytest.raises(Exception):
        p.cohort_size = 5
    with pytest.raises(ConfigError, match="^intervention.leadership_programme.duration_weeks=0: must be a whole"):
        p.replace("intervention.leadership_programme", duration_weeks=0)
    assert p.counterfactual().active is False and p.counterfactual().cohort_size == p.cohort_size


@pytest.mark.parametrize("settings,message", [
    ({"cohort_size": 400}, r"^intervention.leadership_programme.cohort_size=400: more than the 234 eligible leaders "
                           r"\(executive, director\) of bnssg \(at most 234\)$"),
    ({"cohort_size": 10, "set_size": 12}, r"^intervention.leadership_programme.set_size=12: larger than the cohort"),
    ({"duration_weeks": 2, "set_every_weeks": 4}, r"^intervention.leadership_programme.set_every_weeks=4: the sets "
                                                   r"would never meet in a 2-week programme"),
])
def test_programme_settings_that_cannot_take_effect_are_errors(settings, message):
    """A cohort larger than the eligible leaders used to be quietly reduced; sets larger than the
    cohort or that never meet were accepted: each is now a one-line error."""
    with pytest.raises(ConfigError, match=message):
        CollaborationModel("bnssg", n_weeks=2, burn_in_weeks=0, rng=1,
                           interventions={"leadership_programme": settings})


def test_a_programme_longer_than_the_run_is_an_error_in_the_configuration():
    from experiments.running.config import compose_checked

    with pytest.raises(ConfigError, match=r"ends after the run's last week \(20\); lengthen the run"):
        compose_checked(["run.weeks=20"])
    with pytest.raises(ConfigError, match=r"^intervention.governance_alignment.start_week=60: after the run's "
                                          r"last week \(52\)"):
        compose_checked(["intervention=governance_alignment", "intervention.governance_alignment.start_week=60",
                         "run.weeks=52"])


def test_statutory_pressure_beyond_the_maximum_is_an_error():
    from sim.initialisation import check_pressure
    from sim.scenario import load_partnership

    p = load_partnership("bnssg")
    check_pressure(p, 1.4)
    with pytest.raises(ConfigError, match=r"^behaviour.pressure_scale=1.5: would put \w+'s statutory pressure at "
                                          r"1.05 \(at most 1\); the largest this partnership admits is 1.43$"):
        check_pressure(p, 1.5)


def test_programme_gain_and_take_back_kernels_closed_form():
    """The programme's gain adds each participant's amount, capped to [0, 1], and remembers it; the
    decay keeps a share of what is left (for efficacy, taking no more than experience left)."""
    from sim.interventions import _NOTHING, _add_gain, _take_back

    values = np.array([0.2, 0.95, 0.5, 0.0])
    cohort = np.array([0, 1, 3])
    gains = np.zeros(3)
    record = np.zeros(4)
    _add_gain(values, cohort, np.array([0.1, 0.1, 0.05]), gains, record)
    assert np.allclose(values, [0.3, 1.0, 0.5, 0.05])  # leader 1 capped at 1, leader 2 not in the cohort
    assert np.allclose(gains, [0.1, 0.05, 0.05]) and np.allclose(record, [0.1, 0.05, 0.0, 0.05])
    _add_gain(values, cohort, np.array([0.1, 0.1, 0.05]), gains, _NOTHING)  # other traits: no record
    assert np.allclose(record, [0.1, 0.05, 0.0, 0.05])
    record[:] = [0.02, 0.05, 0.0, 0.0]  # experience wore most of the efficacy gain away
    _take_back(values, cohort, gains, np.array([0.5, 0.5, 1.0]), record)
    assert np.allclose(gains, [0.2 - 0.02, 0.05 - 0.025, 0.1]) and np.allclose(record, [0.0, 0.025, 0.0, 0.0])
    assert np.allclose(values, [0.38, 0.975, 0.5, 0.1])
    _take_back(values, cohort, gains, np.zeros(3), _NOTHING)  # keeping nothing: everything left goes
    assert np.allclose(gains, 0.0) and np.allclose(values, [0.2, 0.95, 0.5, 0.0])  # back where it started
