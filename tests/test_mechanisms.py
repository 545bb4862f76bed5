"""Mechanism variants: each rule against a closed form or property, docked against its published
result, and shown to change what it should in the model (with a companion that would fail)."""

import numpy as np
import pytest
from scipy import stats

from sim import CollaborationModel, ConfigError
from sim.issues import public_goods_gain, selection_gradient
from sim.mechanisms import Mechanisms
from sim.orientation import deffuant_step, opinion_clusters
from sim.processes import default_processes
from sim.ties import listening_growth

# ------------------------------------------------------------------ configuration


def test_mechanisms_choose_the_processes():
    m = Mechanisms(influence="bounded_confidence", game="public_goods", listening="relationships")
    procs = {p.name: p for p in default_processes(m)}
    assert procs["orientation"].influence == "bounded_confidence"
    assert procs["issues"].game == "public_goods"
    assert procs["ties"].listening == "relationships"
    assert Mechanisms().is_default and not m.is_default
    assert m.label == "bounded_confidence/public_goods/direct/relationships"


def test_bad_and_ineffective_mechanism_settings_are_errors():
    with pytest.raises(ConfigError, match=r"^mechanisms.influence='voter': unknown \(choose from friedkin_johnsen, "):
        Mechanisms.from_dict({"influence": "voter"})
    with pytest.raises(ConfigError, match=r"^mechanisms.confidence_bound=0.2: has no effect unless "
                                          r"mechanisms.influence=bounded_friedkin_johnsen or bounded_confidence"):
        Mechanisms.from_dict({"confidence_bound": 0.2})
    with pytest.raises(ConfigError, match=r"^mechanisms.listening_tie_gain=3.0: has no effect unless"):
        Mechanisms.from_dict({"listening_tie_gain": 3})


def test_a_shared_burn_in_must_have_the_same_mechanisms():
    a = CollaborationModel("small", n_weeks=2, burn_in_weeks=2, rng=1, keep_burn_in=True)
    with pytest.raises(ConfigError, match="its mechanisms differs"):
        CollaborationModel("small", n_weeks=2, burn_in_weeks=2, rng=1, start_state=a.burn_in_state,
                           mechanisms={"game": "public_goods"})


# ------------------------------------------------------------------ bounded confidence


def _deffuant(bound: float, seed: int, n: int = 1000, rounds: int = 40) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.random(n)
    for _ in range(rounds):
        deffuant_step(x, rng.integers(0, n, 50 * n), rng.integers(0, n, 50 * n), bound, 0.5)
    return x


@pytest.mark.parametrize("clusters", [1, 2, 3, 4])
def test_bounded_confidence_docks_with_deffuant_et_al(clusters):
    """Deffuant et al. (2000): with opinions uniform on [0, 1] and random encounters, the number of
    (major) opinion clusters is the integer part of 1 / (2 d). At d = 1 / (2k + 1), mid-way in
    each plateau, the rule the model uses gives k clusters in every run."""
    bound = 1.0 / (2 * clusters + 1)
    assert int(1 / (2 * bound)) == clusters
    for seed in range(3):
        assert opinion_clusters(_deffuant(bound, seed), gap=0.05) == clusters


def test_bounded_confidence_conserves_the_mean_and_ignores_distant_partners():
    rng = np.random.default_rng(7)
    x = rng.random(200)
    a, b = rng.integers(0, 200, 5000), rng.integers(0, 200, 5000)
    y = x.copy()
    deffuant_step(y, a, b, 0.25, 0.3)
    assert y.mean() == pytest.approx(x.mean(), abs=1e-12)
    assert y.min() >= x.min() and y.max() <= x.max()
    z = np.array([0.1, 0.9])
    deffuant_step(z, np.array([0]), np.array([1]), 0.5, 0.5)
    np.testing.assert_array_equal(z, [0.1, 0.9])  # 0.8 apart: beyond the bound, nothing moves


def test_without_the_bound_everyone_agrees():
    """Companion: with a bound of 1 (no bound) every run ends in one cluster, so the docking test
    above fails unless the bound is what splits opinions."""
    assert opinion_clusters(_deffuant(1.0, 0), gap=0.05) == 1


# ------------------------------------------------------------------ the collective-issue game


def test_public_goods_gain_closed_form():
    """E[(j + 1) 1{j + 1 >= M} - j 1{j >= M}] / N with j ~ Binomial(N - 1, q), against scipy."""
    n, m = 8, 4
    for q in (0.0, 0.2, 0.5, 0.9, 1.0):
        j = np.arange(n)
        pmf = stats.binom.pmf(j, n - 1, q)
        expected = np.sum(pmf * ((j + 1) * (j + 1 >= m) - j * (j >= m))) / n
        assert public_goods_gain(q, n - 1, m, n) == pytest.approx(expected, abs=1e-12)


def _regime(group: int, threshold: int, ratio: float):
    x = np.linspace(0.0005, 0.9995, 4000)
    sign = np.sign(selection_gradient(x, group, threshold, ratio * group))
    changes = np.flatnonzero(np.diff(sign) != 0)
    return len(changes), sign[0], sign[-1]


@pytest.mark.parametrize("group,threshold", [(6, 3), (10, 5), (20, 10)])
def test_public_goods_docks_with_pacheco_et_al_table_2(group, threshold):
    """Pacheco et al. (2009), Table 2, infinite populations: below a critical F/N = lambda* only the
    end points are fixed points (defection dominates); for lambda* < F/N <= 1 there are two interior
    ones, x_L (unstable) and x_R (stable), so selection is negative, positive, negative; for
    F/N > 1 one, x_L, with full cooperation stable. The model's payoff rule reproduces all three
    regimes, for each N and M."""
    ratios = np.linspace(0.05, 2.0, 80)
    regimes = [_regime(group, threshold, r) for r in ratios]
    critical = ratios[next(i for i, r in enumerate(regimes) if r[0] > 0)]
    assert 0 < critical < 1
    for r, (roots, first, last) in zip(ratios, regimes):
        if r < critical:
            assert roots == 0 and first < 0 and last < 0
        elif r <= 1:
            assert roots == 2 and first < 0 and last < 0
        else:
            assert roots == 1 and first < 0 and last > 0


def test_a_threshold_of_one_leaves_no_interior_fixed_point_below_f_equal_n():
    """Pacheco et al. (2009): with M = 1 the game is the N-person prisoner's dilemma, in which
    defection dominates for F < N."""
    for ratio in (0.3, 0.6, 0.95):
        assert _regime(10, 1, ratio)[0] == 0


def _contribution_share(game: str, seeds=range(3)) -> float:
    shares = []
    for seed in seeds:
        m = CollaborationModel(rng=seed, n_weeks=26, burn_in_weeks=26, mechanisms={"game": game})
        m.run()
        shares.append(m.datacollector.get_model_vars_dataframe()["system_first_share"].mean())
    return float(np.mean(shares))


def test_free_riding_lowers_contributions():
    """In the public-goods game holding back still earns a share of a success, so fewer
    representatives contribute than in the stag hunt, where it earns nothing."""
    assert _contribution_share("public_goods") < _contribution_share("stag_hunt") - 0.05


# ------------------------------------------------------------------ programme content


def _orientation_effect(**mechanisms) -> float:
    arms = {}
    for active in (True, False):
        m = CollaborationModel(rng=4, n_weeks=26, burn_in_weeks=26, mechanisms=mechanisms,
                               interventions={"leadership_programme": {"active": active}})
        m.run()
        arms[active] = m.datacollector.get_model_vars_dataframe()["orientation_participants"].iloc[-1]
    return arms[True] - arms[False]


def test_content_through_sight_has_no_system_first_message():
    """Through sight only, the programme gives participants no system-first source and moves their
    orientation by almost nothing; with the direct message (the companion) it moves it clearly."""
    m = CollaborationModel(rng=4, n_weeks=10, burn_in_weeks=4, mechanisms={"content": "through_sight"},
                           interventions={"leadership_programme": {}})
    for _ in range(10):
        m.step()
        assert not m.leaders.system_pull.any()
    assert abs(_orientation_effect(content="through_sight")) < 0.003
    assert _orientation_effect(content="direct") > 0.01


# ------------------------------------------------------------------ listening


def test_listening_growth_closed_form():
    g = listening_growth(0.2, np.array([0.4, 0.9, 0.0]), np.array([0.4, 0.7, 0.0]), 1.5, 0.4)
    np.testing.assert_allclose(g, [0.2, 0.2 * (1 + 1.5 * 0.4), 0.2 * (1 - 1.5 * 0.4)])
    assert listening_growth(0.2, 0.0, 0.0, 10.0, 0.4) == 0.0  # never negative


def _coaching_tie_effect(listening: str, replicates: int = 6) -> np.ndarray:
    effects = []
    for seed in range(replicates):
        arms = {}
        for active in (True, False):
            m = CollaborationModel(rng=seed, n_weeks=26, burn_in_weeks=52, mechanisms={"listening": listening},
                                   interventions={"coaching_only": {"active": active}})
            m.run()
            arms[active] = m.datacollector.get_model_vars_dataframe()["strong_cross_ties_participants"].iloc[-1]
        effects.append(arms[True] - arms[False])
    return np.array(effects)


def test_when_listening_builds_relationships_coaching_adds_ties():
    """Coaching raises listening; when listening builds relationships, coached leaders' conversations
    turn into strong cross-organisation ties faster."""
    effect = _coaching_tie_effect("relationships")
    assert effect.mean() > 0.03 and stats.ttest_1samp(effect, 0.0, alternative="greater").pvalue < 0.01


def test_with_listening_as_perception_only_coaching_adds_no_ties():
    """Companion: in the default model listening only sharpens perception, and coaching leaves
    participants' strong cross-organisation ties exactly where they were: the default model cannot
    speak to coaching's effect on relationships (docs/ODD.md 7.11)."""
    np.testing.assert_array_equal(_coaching_tie_effect("perception"), 0.0)


def test_the_bound_alone_drops_ties_across_it_and_keeps_the_anchor():
    """bounded_friedkin_johnsen: a tie between orientations that differ by the bound or more carries
    no weight in the averaging; the anchor still holds (lambda = susceptibility). Closed form for a
    leader at 0.5 with a tie to 0.6 (inside a 0.3 bound) and one to 1.0 (outside it)."""
    import numpy as np

    from sim.orientation import _fj_target_ties

    o = np.array([0.5, 0.6, 1.0])
    lam = np.full(3, 0.8)
    org, anchor = np.zeros(3, np.int64), np.array([0.2])
    u, v = np.array([0, 0]), np.array([1, 2])
    w, trust = np.ones(2), np.ones((2, 2))
    pull = np.zeros(3)
    bounded = _fj_target_ties(o, lam, True, org, anchor, u, v, w, trust, 2, 1.0, pull.copy(), 0.3)
    free = _fj_target_ties(o, lam, True, org, anchor, u, v, w, trust, 2, 1.0, pull.copy(), 2.0)
    assert bounded[0] == pytest.approx(0.8 * (0.5 + 0.6) / 2 + 0.2 * 0.2)
    assert free[0] == pytest.approx(0.8 * (0.5 + 0.6 + 1.0) / 3 + 0.2 * 0.2)
    procs = {p.name: p for p in default_processes(Mechanisms(influence="bounded_friedkin_johnsen"))}
    assert procs["orientation"].anchored and procs["orientation"].influence_bound == 0.3
    plain = {p.name: p for p in default_processes(Mechanisms())}
    assert plain["orientation"].influence_bound == 2.0
