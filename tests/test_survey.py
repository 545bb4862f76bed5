"""The survey instrument: the ordered-probit rule against its closed form, anchoring, waves."""

import numpy as np
import pytest
from scipy import stats

from sim import CollaborationModel, ConfigError
from sim.survey import SurveyParams, anchor_cut, answer, category_probabilities, shares


@pytest.mark.parametrize("mu,sigma,kappa,bias", [(0.0, 1.0, 1.0, 0.0), (0.5, 0.7, 1.5, 0.3), (-1.0, 0.2, 0.8, 1.0)])
def test_category_shares_match_closed_form_for_normal_latent(mu, sigma, kappa, bias):
    rng = np.random.default_rng(1)
    cuts = (-1.5, -0.5, 0.5, 1.5)
    n = 200_000
    z = rng.normal(mu, sigma, n)
    answers = answer(rng, kappa * z + bias, cuts)
    observed = np.bincount(answers, minlength=6)[1:] / n
    expected = category_probabilities(mu, sigma, kappa, bias, cuts)
    assert expected.sum() == pytest.approx(1.0)
    # each share within 4 binomial standard errors
    se = np.sqrt(expected * (1 - expected) / n)
    assert np.all(np.abs(observed - expected) < 4 * se + 1e-12)
    # and a chi-square goodness of fit that does not reject
    assert stats.chisquare(observed * n, expected * n).pvalue > 1e-4


def test_anchor_cut_gives_the_target_share():
    means = np.random.default_rng(2).normal(0.3, 0.8, 500)
    tau = anchor_cut(means, 0.44)
    assert stats.norm.sf(tau - means).mean() == pytest.approx(0.44, abs=1e-9)


def test_answers_are_likert_and_ordered():
    rng = np.random.default_rng(3)
    a = answer(rng, np.linspace(-5, 5, 1000), (-1.5, -0.5, 0.5, 1.5))
    assert set(np.unique(a)) <= {1, 2, 3, 4, 5}
    assert a[:100].mean() < a[-100:].mean()


def test_survey_params_reject_bad_values():
    with pytest.raises(ConfigError, match=r"^survey.response_rate=1.5: must be in \[0.01, 1\]$"):
        SurveyParams.from_dict({"response_rate": 1.5})
    with pytest.raises(ConfigError, match=r"^survey.cut_offsets=\[0, 0, 1, 2\]: must be 4 increasing numbers in "):
        SurveyParams.from_dict({"cut_offsets": [0, 0, 1, 2]})
    with pytest.raises(ConfigError, match=r"^survey.colour='blue': unknown setting"):
        SurveyParams.from_dict({"colour": "blue"})
    with pytest.raises(ConfigError, match="must include the baseline wave 0"):
        SurveyParams.from_dict({"waves": [26]})


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
    assert f["response"].between(1, 5).all()
    assert set(f[f["group"] == "participant"]["leader"]) <= set(np.flatnonzero(m.leaders.participant))
    s = shares(f)
    assert s["network_agree"].between(0, 1).all()


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
        # the mean change over replicates is within 3 standard errors of zero ...
        assert abs(d.mean()) < 3 * d.std(ddof=1) / np.sqrt(d.size) + 0.01, (w, d.mean())
        # ... and a single survey's change is of the size sampling alone gives (~0.1 for 50 respondents)
        assert np.abs(d).mean() < 0.15


def test_expected_shares_match_the_mean_of_sampled_answers():
    from sim.survey import expected_shares

    m = CollaborationModel("small", n_weeks=6, burn_in_weeks=4, rng=8,
                           interventions={"leadership_programme": {"cohort_size": 20, "duration_weeks": 4}},
                           survey=SurveyParams(waves=(0,), response_rate=1.0, comparison_size=0))
    m.run()
    expected = expected_shares(m.survey, m)
    sampled = {k: [] for k in expected}
    for _ in range(400):
        m.survey.rows = []
        m.survey.record(m, m.week)
        s = shares(m.survey.frame()).iloc[0]
        for k in sampled:
            sampled[k].append(s[k])
    for k, v in sampled.items():
        assert np.mean(v) == pytest.approx(expected[k], abs=0.02), k
