"""The survey instrument: the ordered-probit rule against its closed form, fixed cuts,
response shift recorded apart from real change, waves."""

import math

import numpy as np
import pytest
from scipy import stats

from sim import CollaborationModel, ConfigError
from sim.survey import (SurveyParams, anchor_cut, answer, category_probabilities, expected_shares, item_hits,
                        shares)


@pytest.mark.parametrize("mu,sigma,kappa,bias", [(0.0, 1.0, 1.0, 0.0), (0.5, 0.7, 1.5, 0.3), (-1.0, 0.2, 0.8, 1.0)])
def test_category_shares_match_closed_form_for_normal_latent(mu, sigma, kappa, bias):
    rng = np.random.default_rng(1)
    cuts = (-1.5, -0.5, 0.5, 1.5)
    n = 200_000
    z = rng.normal(mu, sigma, n)
    answers = answer(rng.standard_normal(n), kappa * z + bias, cuts)
    observed = np.bincount(answers, minlength=6)[1:] / n
    expected = category_probabilities(mu, sigma, kappa, bias, cuts)
    assert expected.sum() == pytest.approx(1.0)
    se = np.sqrt(expected * (1 - expected) / n)
    assert np.all(np.abs(observed - expected) < 4 * se + 1e-12)
    assert stats.chisquare(observed * n, expected * n).pvalue > 1e-4


def test_anchor_cut_gives_the_target_share():
    means = np.random.default_rng(2).normal(0.3, 0.8, 500)
    tau = anchor_cut(means, 0.44)
    assert stats.norm.sf(tau - means).mean() == pytest.approx(0.44, abs=1e-9)


def test_answers_are_likert_and_ordered():
    a = answer(np.random.default_rng(3).standard_normal(1000), np.linspace(-5, 5, 1000), (-1.5, -0.5, 0.5, 1.5))
    assert set(np.unique(a)) <= {1, 2, 3, 4, 5}
    assert a[:100].mean() < a[-100:].mean()


def test_loading_follows_the_single_item_reliability():
    """kappa = sqrt(rho / (1 - rho)): the share of latent variance the construct explains is rho."""
    for rho in (0.45, 0.6, 0.69):
        k = SurveyParams(reliability=rho).kappa
        assert k ** 2 / (1 + k ** 2) == pytest.approx(rho)


def test_survey_params_reject_bad_values():
    with pytest.raises(ConfigError, match=r"^survey.response_rate=1.5: must be in \[0.01, 1\]$"):
        SurveyParams.from_dict({"response_rate": 1.5})
    with pytest.raises(ConfigError, match=r"^survey.cut_offsets=\[0, 0, 1, 2\]: must be 4 increasing numbers in "):
        SurveyParams.from_dict({"cut_offsets": [0, 0, 1, 2]})
    with pytest.raises(ConfigError, match=r"^survey.colour='blue': unknown setting"):
        SurveyParams.from_dict({"colour": "blue"})
    with pytest.raises(ConfigError, match="must include the baseline wave 0"):
        SurveyParams.from_dict({"waves": [26]})
    with pytest.raises(ConfigError, match=r"^survey.anchor_on='everyone': unknown \(choose from cohort, eligible\)$"):
        SurveyParams.from_dict({"anchor_on": "everyone"})
    with pytest.raises(ConfigError, match=r"^survey.baseline_agree_network=1.2: must be in"):
        SurveyParams.from_dict({"baseline_agree_network": 1.2})


def test_survey_rows_waves_and_items():
    m = CollaborationModel("small", n_weeks=8, burn_in_weeks=4, rng=5,
                           interventions={"leadership_programme": {"cohort_size": 10, "duration_weeks": 4}},
                           survey=SurveyParams(waves=(0, 4, 8), comparison_size=8))
    m.run()
    f = m.survey.frame()
    assert set(f["week"]) == {0, 4, 8}
    assert set(f["group"]) == {"participant", "comparison"}
    assert set(f[f["week"] == 0]["item"]) == {"network", "influence"}  # no retrospective item at the start
    assert set(f[f["week"] == 4]["item"]) == {"network", "influence", "see_system"}
    assert f["response"].between(1, 5).all() and f["response_without_shift"].between(1, 5).all()
    assert set(f[f["group"] == "participant"]["leader"]) <= set(np.flatnonzero(m.leaders.participant))
    s = shares(f)
    assert s["network_agree"].between(0, 1).all()


def _programme(shift=0.3, retro=0.5, weeks=12, **survey):
    m = CollaborationModel("small", n_weeks=weeks, burn_in_weeks=8, rng=11,
                           interventions={"leadership_programme": {"cohort_size": 30, "duration_weeks": 6}},
                           survey=SurveyParams(waves=(0, 6, weeks), comparison_size=5, end_shift=shift,
                                               retrospective_shift=retro, **survey))
    return m.run()


def test_response_shift_is_recorded_apart_from_real_change():
    """The same latent noise answers twice: with the shift, and without. Before the programme's
    end, and for the comparison sample, both are the same; after it, participants' answers with
    the shift are never lower (a positive shift moves every latent response up)."""
    f = _programme().survey.frame()
    same = (f["week"] < 6) | (f["group"] == "comparison")
    np.testing.assert_array_equal(f.loc[same, "response"], f.loc[same, "response_without_shift"])
    after = f[~same]
    assert (after["response"] >= after["response_without_shift"]).all()
    assert (after["response"] > after["response_without_shift"]).any()


def test_without_any_response_shift_both_records_agree():
    """Companion: with both shift terms at zero, the two records are identical, so the test above
    fails if the shift is not what separates them."""
    f = _programme(shift=0.0, retro=0.0).survey.frame()
    np.testing.assert_array_equal(f["response"], f["response_without_shift"])


def test_shift_closed_form():
    """s(t) = end_shift * sqrt(1 + kappa^2) * 0.5 ** ((t - end) / half-life) from the programme's
    last week, 0 before it."""
    m = _programme(shift=0.4, weeks=12, shift_half_life_weeks=3.0)
    s, end, sd = m.survey, m.survey.last_week, m.survey.params.item_sd
    assert end == 6
    assert s.shift(end - 1) == 0.0
    assert s.shift(end) == pytest.approx(0.4 * sd)
    assert s.shift(end + 3) == pytest.approx(0.2 * sd)
    assert s.shift(end + 6) == pytest.approx(0.1 * sd)


def test_counterfactual_arm_has_no_response_shift():
    m = CollaborationModel("small", n_weeks=8, burn_in_weeks=4, rng=5,
                           interventions={"leadership_programme": {"cohort_size": 10, "duration_weeks": 4,
                                                                   "active": False}},
                           survey=SurveyParams(waves=(0, 4, 8), end_shift=1.0, retrospective_shift=1.0))
    m.run()
    assert m.survey.last_week is None and m.survey.shift(8) == 0.0
    f = m.survey.frame()
    np.testing.assert_array_equal(f["response"], f["response_without_shift"])


def _baseline_share(selection: str, seeds=range(6), **survey) -> float:
    """The cohort's expected share agreeing with the network item at wave 0 (closed form)."""
    shares_ = []
    for seed in seeds:
        m = CollaborationModel("bnssg", n_weeks=1, burn_in_weeks=104, rng=seed,
                               interventions={"leadership_programme": {"cohort_size": 30, "selection": selection}},
                               survey=SurveyParams(**survey))
        shares_.append(expected_shares(m.survey, m)["network_agree"])
    return float(np.mean(shares_))


def test_fixed_cuts_let_a_broker_cohort_report_a_stronger_network():
    """The cuts are constants of the instrument, so a cohort of brokers (low Burt constraint)
    says 'strong network' more often at baseline than a random cohort of the same runs."""
    assert _baseline_share("brokerage") > _baseline_share("random") + 0.1


def test_re_anchoring_each_cohort_would_hide_the_difference():
    """Companion: anchoring the cut to 44% of each run's cohort (the old behaviour, available as
    baseline_agree_network with anchor_on=cohort) makes both cohorts answer 44%, and the
    assertion above would fail."""
    broker = _baseline_share("brokerage", baseline_agree_network=0.44, anchor_on="cohort")
    random = _baseline_share("random", baseline_agree_network=0.44, anchor_on="cohort")
    assert broker == pytest.approx(0.44, abs=1e-6) and random == pytest.approx(0.44, abs=1e-6)


def test_anchoring_on_eligible_leaders_fixes_their_share():
    m = CollaborationModel("bnssg", n_weeks=1, burn_in_weeks=104, rng=3,
                           interventions={"leadership_programme": {"cohort_size": 30, "selection": "brokerage"}},
                           survey=SurveyParams(baseline_agree_network=0.3, anchor_on="eligible"))
    s = m.survey
    from sim.survey import constructs

    z = s.z("network", constructs(m.state, s.strong_tie)["network"][s.eligible])
    assert stats.norm.sf(s.network_cut - s.params.kappa * z).mean() == pytest.approx(0.3, abs=1e-9)


def test_see_system_unit_does_not_collapse_with_the_population():
    """The see-the-system item reads a change in sight in a fixed unit (sight_scale), not in the
    population's current spread: the same change gives the same answer whatever the spread."""
    m = _programme()
    s = m.survey
    change = np.array([0.0, 0.05, 0.1])
    expected = change / s.params.sight_scale
    np.testing.assert_allclose(s.z("see_system", change), expected)
    m.state.leaders.system_sight[:] = 0.5  # no spread at all
    np.testing.assert_allclose(s.z("see_system", change), expected)


def test_item_hits_define_the_case_statistics():
    item = np.array(["network", "network", "see_system", "see_system", "influence", "influence"])
    response = np.array([4, 3, 5, 4, 2, 3])
    np.testing.assert_array_equal(item_hits(item, response), [True, False, True, False, True, False])


def test_no_intervention_leaves_the_survey_unchanged_between_waves():
    """With intervention=none the comparison sample's answers stay put, within sampling noise."""
    diffs = {26: [], 104: []}
    for seed in range(12):
        m = CollaborationModel(rng=seed, survey=SurveyParams(comparison_size=60, waves=(0, 26, 104)))
        m.run()
        s = shares(m.survey.frame()).set_index("week")
        for w in diffs:
            diffs[w].append(s.loc[w, "network_agree"] - s.loc[0, "network_agree"])
    for w, d in diffs.items():
        d = np.array(d)
        assert abs(d.mean()) < 3 * d.std(ddof=1) / np.sqrt(d.size) + 0.01, (w, d.mean())
        assert np.abs(d).mean() < 0.15


def test_expected_shares_match_the_mean_of_sampled_answers():
    m = CollaborationModel("small", n_weeks=6, burn_in_weeks=4, rng=8,
                           interventions={"leadership_programme": {"cohort_size": 20, "duration_weeks": 4}},
                           survey=SurveyParams(waves=(0,), response_rate=1.0, comparison_size=0))
    m.run()
    for without_shift, column in ((False, "response"), (True, "response_without_shift")):
        expected = expected_shares(m.survey, m, without_shift=without_shift)
        sampled = {k: [] for k in expected}
        for _ in range(400):
            m.survey.rows = []
            m.survey.record(m, m.week)
            s = shares(m.survey.frame(), response=column).iloc[0]
            for k in sampled:
                sampled[k].append(s[k])
        for k, v in sampled.items():
            if math.isnan(expected[k]):
                continue
            assert np.mean(v) == pytest.approx(expected[k], abs=0.02), (k, without_shift)


def test_survey_settings_that_cannot_take_effect_are_errors():
    from experiments.running.config import compose_checked

    with pytest.raises(ConfigError, match=r"^survey.waves=\[0, 200\]: week 200 is after the run's last week \(104\)$"):
        compose_checked(["survey.waves=[0,200]"])
    with pytest.raises(ConfigError, match=r"^survey.comparison_size=500: more than the 174 non-participants of "
                                          r"the respondent roles \(at most 174\)$"):
        compose_checked(["survey.comparison_size=500"])
    with pytest.raises(ConfigError, match=r"^survey.comparison_size=500: more than the"):
        CollaborationModel("bnssg", n_weeks=2, burn_in_weeks=0, rng=1, survey=SurveyParams(comparison_size=500))


def test_survey_statistics_equal_the_shares_of_its_frame():
    """`Survey.statistics` (what the calibration reads, without a DataFrame) gives exactly what
    `shares(frame)` gives, for every wave, group and response kind; NaN where nobody answered."""
    m = CollaborationModel("small", n_weeks=12, burn_in_weeks=4, rng=5,
                           interventions={"leadership_programme": {"cohort_size": 20, "duration_weeks": 6}},
                           survey=SurveyParams(waves=(0, 6, 12)))
    m.run()
    frame = m.survey.frame()
    for without_shift, column in ((False, "response"), (True, "response_without_shift")):
        table = shares(frame, response=column).set_index(["week", "group"])
        assert len(table) == 6
        for (week, group), row in table.iterrows():
            got = m.survey.statistics(week, group, without_shift)
            for name in ("network_agree", "see_system_strongly_agree", "influence_disagree"):
                assert got[name] == row[name] or (math.isnan(got[name]) and math.isnan(row[name])), \
                    (week, group, column, name)
    assert math.isnan(m.survey.statistics(0)["see_system_strongly_agree"])  # not asked at wave 0
    assert all(math.isnan(v) for v in m.survey.statistics(3).values())  # no wave in week 3
