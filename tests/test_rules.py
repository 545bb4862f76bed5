"""Each weekly rule alone: closed forms where they exist, properties elsewhere."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim import efficacy, issues, orientation, perception, ties, trust
from sim.params import BehaviourParams


# ----------------------------------------------------------------- orientation
def _random_weights(rng, n, density=0.4):
    a = (rng.random((n, n)) < density).astype(float) * rng.random((n, n))
    np.fill_diagonal(a, 0)
    a = np.triu(a) + np.triu(a).T
    return a


def _edge_list(a):
    u, v = np.nonzero(np.triu(a))
    return u, v


def test_friedkin_johnsen_iteration_reaches_closed_form_equilibrium():
    rng = np.random.default_rng(1)
    n, self_w = 12, 0.7
    a = _random_weights(rng, n)
    u, v = _edge_list(a)
    # directed weights: u's weight on v differs from v's on u (trust is asymmetric)
    w_uv = a[u, v] * rng.uniform(0.2, 1.0, u.size)
    w_vu = a[u, v] * rng.uniform(0.2, 1.0, u.size)
    lam = rng.uniform(0.3, 0.9, n)
    anchor = rng.random(n)
    dense = np.zeros((n, n))
    dense[u, v] = w_uv
    dense[v, u] = w_vu
    dense += self_w * np.eye(n)
    W = dense / dense.sum(axis=1, keepdims=True)
    expected = orientation.fj_equilibrium(W, lam, anchor)
    s = rng.random(n)
    for _ in range(3000):
        s = orientation.step_towards(s, orientation.fj_target(s, lam, anchor, u, v, w_uv, w_vu, self_w), 0.3)
    np.testing.assert_allclose(s, expected, atol=1e-10)


def test_degroot_consensus_is_left_eigenvector_weighted_average():
    rng = np.random.default_rng(2)
    n = 10
    a = _random_weights(rng, n, density=0.6)
    # a ring makes sure the graph is connected
    for i in range(n):
        a[i, (i + 1) % n] = a[(i + 1) % n, i] = 0.5
    u, v = _edge_list(a)
    w_uv, w_vu = a[u, v] * rng.uniform(0.2, 1, u.size), a[u, v] * rng.uniform(0.2, 1, u.size)
    dense = np.zeros((n, n))
    dense[u, v], dense[v, u] = w_uv, w_vu
    dense += np.eye(n)
    W = dense / dense.sum(axis=1, keepdims=True)
    vals, vecs = np.linalg.eig(W.T)
    pi = np.real(vecs[:, np.argmax(np.real(vals))])
    pi /= pi.sum()
    s0 = rng.random(n)
    s = s0.copy()
    for _ in range(5000):
        s = orientation.fj_target(s, np.ones(n), np.zeros(n), u, v, w_uv, w_vu, 1.0)
    np.testing.assert_allclose(s, np.full(n, pi @ s0), atol=1e-9)


def test_isolated_leader_moves_to_own_anchor_mix():
    s = np.array([0.9])
    target = orientation.fj_target(s, np.array([0.5]), np.array([0.1]), np.zeros(0, int),
                                   np.zeros(0, int), np.zeros(0), np.zeros(0), 1.0)
    assert target[0] == pytest.approx(0.5 * 0.9 + 0.5 * 0.1)


def test_small_wins_direction_and_bounds():
    s = np.array([0.2, 0.5, 0.99])
    out = orientation.small_wins(s, np.array([0, 1, 2]), np.array([True, False, True]), 0.5, 0.5)
    assert out[0] > 0.2 and out[1] < 0.5 and out[2] <= 1.0
    assert np.all((out >= 0) & (out <= 1))


# ----------------------------------------------------------------- trust
def test_beta_reputation_mean_closed_form():
    r = np.array([0.0, 3.0, 10.0, 2.5])
    s = np.array([0.0, 1.0, 0.0, 7.5])
    np.testing.assert_allclose(trust.trust_value(r, s, 0.5), (r + 1) / (r + s + 2))


def test_no_evidence_gives_propensity():
    p = np.array([0.3, 0.7])
    np.testing.assert_allclose(trust.trust_value(np.zeros(2), np.zeros(2), p), p)


def test_evidence_update_closed_form():
    r, s = trust.update_evidence(np.array([2.0]), np.array([1.0]), np.array([1.0]), 1.0, 0.9, 2.0, 1.5)
    assert r[0] == pytest.approx(0.9 * 2 + 1.5) and s[0] == pytest.approx(0.9 * 1)


@given(r=st.floats(0, 50), s=st.floats(0, 50), p=st.floats(0.05, 0.95),
       loss=st.floats(1.01, 5), phi=st.floats(0.8, 1.0))
@settings(max_examples=200, deadline=None)
def test_trust_is_asymmetric_one_defection_costs_more_than_one_cooperation_earns(r, s, p, loss, phi):
    # compare with the trust that forgetting alone would leave
    base = trust.trust_value(phi * r, phi * s, p)
    rc, sc = trust.update_evidence(r, s, 1.0, 1.0, phi, loss)
    rd, sd = trust.update_evidence(r, s, 0.0, 1.0, phi, loss)
    gain = trust.trust_value(rc, sc, p) - base
    drop = base - trust.trust_value(rd, sd, p)
    # from trust of one half or more, a defection costs more than a cooperation earns (L > 1)
    if base >= 0.5:
        assert drop > gain
    # and with L = 1 and trust of exactly one half, they are equal
    rc, sc = trust.update_evidence(1.0, 1.0, 1.0, 1.0, 1.0, 1.0)
    rd, sd = trust.update_evidence(1.0, 1.0, 0.0, 1.0, 1.0, 1.0)
    assert trust.trust_value(rc, sc, 0.5) - 0.5 == pytest.approx(0.5 - trust.trust_value(rd, sd, 0.5))


def test_apply_observations_accumulates_repeated_cells():
    r = np.zeros((3, 2))
    s = np.zeros((3, 2))
    trust.apply_observations(r, s, np.array([1, 1, 2]), np.array([0, 0, 1]), np.array([1.0, 0.5, 0.0]),
                             1.0, 0.9, 2.0)
    assert r[1, 0] == pytest.approx(1.5) and s[1, 0] == pytest.approx(1.0)
    assert r[2, 1] == 0 and s[2, 1] == pytest.approx(2.0)
    assert r[0].sum() == 0 and s[0].sum() == 0


def test_listening_gain_increases_with_partner_listening():
    g = trust.listening_gain(np.array([0.0, 0.5, 1.0]), 0.5)
    np.testing.assert_allclose(g, [1.0, 1.25, 1.5])


# ----------------------------------------------------------------- issues
@pytest.mark.parametrize("n_others,needed", [(3, 2), (5, 1), (4, 4), (6, 3)])
def test_success_probability_is_binomial_tail(n_others, needed):
    q = np.linspace(0, 1, 11)
    np.testing.assert_allclose(issues.success_probability(q, n_others, needed),
                               stats.binom.sf(needed - 1, n_others, q), atol=1e-12)


def test_success_probability_edge_cases():
    q = np.array([0.3])
    assert issues.success_probability(q, 3, 0)[0] == 1.0
    assert issues.success_probability(q, 3, 4)[0] == 0.0


def test_logit_choice_and_utility():
    assert issues.choice_probability(np.array([0.0]), 4.0)[0] == pytest.approx(0.5)
    du = issues.utility_gain(np.array([1.0, 0.0]), 2.0, np.array([0.5, 0.5]), np.array([1.0, 1.0]))
    np.testing.assert_allclose(du, [1.0, -1.0])
    # statutory pressure makes contributing costly; risk appetite discounts it
    cost = issues.statutory_cost(1.0, np.array([0.7, 0.7]), np.array([0.0, 0.5]))
    np.testing.assert_allclose(cost, [0.7, 0.35])


def test_draw_issues_picks_distinct_organisations_and_their_members():
    start = np.array([0, 5, 9, 20])
    size = np.array([5, 4, 11, 3])
    reps, orgs = issues.draw_issues(np.uint64(3), 7, 50.0, 3, start, size)
    assert reps.shape == orgs.shape and reps.shape[1] == 3
    assert all(len(set(row)) == 3 for row in orgs)
    assert np.all((reps >= start[orgs]) & (reps < start[orgs] + size[orgs]))


def _issues_one_by_one(state, params, week, rng, game="stag_hunt"):
    """The issues process as separate calls (draw, pairs, the tie table's `ensure`, decide): what the
    process's single compiled call must reproduce."""
    orgs, leaders, tie_table = state.organisations, state.leaders, state.ties
    reps, rep_orgs = issues.draw_issues(rng.key, week.clock, params.issue_rate, params.orgs_per_issue, orgs.start,
                                        orgs.size)
    conv_a, conv_b = week.conversations
    observers, partners, all_a, all_b = issues._pairs_after(reps, conv_a, conv_b)
    rows, cols = tie_table.ensure(all_a, all_b, leaders.org, leaders.trust_propensity)
    n_conv = conv_a.size
    decided = issues.decide(rng.key, week.clock, reps, rep_orgs, rows[n_conv:], cols[n_conv:], tie_table.trust,
                            state.org_trust.trust_pos, state.org_trust.trust_neg, leaders.trust_propensity,
                            leaders.org, leaders.orientation, leaders.risk_appetite, orgs.anchor,
                            params.interpersonal_weight, params.issue_threshold, params.system_benefit,
                            params.contribution_cost, params.logit_beta, game == "public_goods",
                            leaders.issue_decisions, leaders.system_first_choices, leaders.system_first_chances,
                            leaders.issue_success_chances)
    return reps, observers, partners, rows, cols, decided


@pytest.mark.parametrize("room", ["enough", "none"])
def test_the_issues_process_in_one_call_equals_its_steps_one_by_one(room):
    """`CollectiveIssues.step` draws, pairs, finds or creates ties and decides in one compiled call;
    the week record and the tie table are exactly those of the separate calls, also when the tie
    table has no room for the week's new ties (the process then takes the separate calls itself)."""
    import copy

    from sim import CollaborationModel
    from sim.network import TieTable
    from sim.state import Week

    model = CollaborationModel(rng=5, burn_in_weeks=30, n_weeks=1)
    state, params = model.state, model.params
    week = Week(31, 31, params.orgs_per_issue)
    model.processes[1].step(state, params, week, state.streams["meetings"])  # this week's conversations
    if room == "none":  # a table holding only the colleagues' ties, at full capacity
        old = state.ties
        keep = ~old.cross
        state.ties = TieTable(n=old.n, capacity=16)
        state.ties.add_initial(old.u[keep], old.v[keep], old.w[keep], old.trust_pos[keep, 0], old.trust_neg[keep, 0],
                               state.leaders.org, state.leaders.trust_propensity)
        assert state.ties.count + week.conversations[0].size > state.ties.capacity
    other = copy.deepcopy(state)
    rng = state.streams["issues"]
    issues.CollectiveIssues().step(state, params, week, rng)
    reps, observers, partners, rows, cols, decided = _issues_one_by_one(other, params, week, rng)
    n_conv = week.conversations[0].size
    np.testing.assert_array_equal(week.representatives, reps)
    np.testing.assert_array_equal(week.observers, observers)
    np.testing.assert_array_equal(week.partners, partners)
    np.testing.assert_array_equal(week.used_rows, rows)
    np.testing.assert_array_equal(week.conversation_cols, cols[:n_conv])
    np.testing.assert_array_equal(week.issue_cols, cols[n_conv:])
    for mine, theirs in zip((week.contributed, week.success, week.contributors, week.contributor_success), decided):
        np.testing.assert_array_equal(mine, theirs)
    assert state.ties.count == other.ties.count > 0
    for name in ("u", "v", "w", "trust", "cross", "embedded"):
        np.testing.assert_array_equal(getattr(state.ties, name), getattr(other.ties, name))
    np.testing.assert_array_equal(state.ties._deg, other.ties._deg)
    for name in ("issue_decisions", "system_first_choices", "system_first_chances", "issue_success_chances"):
        np.testing.assert_array_equal(getattr(state.leaders, name), getattr(other.leaders, name))


def test_outcomes_threshold():
    c = np.array([[1, 1, 0, 0], [1, 1, 1, 0]], bool)
    np.testing.assert_array_equal(issues.outcomes(c, 3), [False, True])


# ----------------------------------------------------------------- perception
def test_perception_noise_falls_with_listening():
    noise = np.random.default_rng(4).standard_normal(20000)
    actual = np.full(20000, 0.5)
    low = perception.perceive(actual, np.full(20000, 0.1), 0.1, noise)
    high = perception.perceive(actual, np.full(20000, 0.9), 0.1, noise)
    assert high.std() < low.std()
    assert low.std() == pytest.approx(0.1 * 0.9, rel=0.05)
    assert high.std() == pytest.approx(0.1 * 0.1, rel=0.05)
    assert perception.perceive(actual, np.ones(20000), 0.3, noise).std() == 0
    wide = perception.perceive(actual, np.zeros(20000), 2.0, noise)
    assert wide.min() >= 0 and wide.max() <= 1


def test_perceived_actions_carry_the_noise_listening_allows():
    """The compiled kernel: a contribution (1) seen by an observer of listening l has noise
    of SD nu0 (1 - l), clipped to [0, 1]; keyed noise is standard normal."""
    n_issues, k = 4000, 2
    reps = np.arange(n_issues * k).reshape(n_issues, k)
    contributed = np.zeros((n_issues, k), bool)
    listening = np.where(reps.ravel() % 2 == 0, 0.2, 0.8)
    seen = perception.perceive_actions(np.uint64(11), 3, reps, contributed, listening, 0.3)
    # observer i = position 0 watches position 1 and vice versa; action 0 is clipped at 0 from below
    first, second = seen[0::2], seen[1::2]
    # for a normal with SD s, E[max(0, s e)] = s / sqrt(2 pi)
    assert first.mean() == pytest.approx(0.3 * 0.8 / np.sqrt(2 * np.pi), rel=0.05)
    assert second.mean() == pytest.approx(0.3 * 0.2 / np.sqrt(2 * np.pi), rel=0.05)
    assert (seen >= 0).all() and (seen <= 1).all()


# ----------------------------------------------------------------- ties
def test_unused_tie_decay_closed_form():
    w = np.array([0.6, 0.6])
    used = np.zeros(2, bool)
    emb = np.array([False, True])
    for _ in range(10):
        w = ties.update_strength(w, used, emb, 0.2, 0.04, 0.01)
    np.testing.assert_allclose(w, [0.6 * 0.96**10, 0.6 * 0.99**10])


def test_bridges_fade_within_a_year_embedded_ties_do_not():
    """The rule in closed form at the model's own decay rates (BehaviourParams defaults): an
    unused tie at the strong threshold is dropped within a year if it is a bridge and outlives the
    year if it is embedded. (How many of the model's bridges actually go in a year, where ties are
    also used, is measured in tests/test_model.py.)"""
    p = BehaviourParams()
    assert ties.weeks_to_fade(p.strong_tie, p.bridge_decay, p.tie_removal) <= 52
    assert ties.weeks_to_fade(p.strong_tie, p.embedded_decay, p.tie_removal) > 52


def test_bridges_would_outlive_the_year_at_the_embedded_rate():
    """Companion: were bridges to decay like embedded ties, the first assertion above would fail."""
    p = BehaviourParams()
    assert ties.weeks_to_fade(p.strong_tie, p.embedded_decay, p.tie_removal) > 52


def test_used_tie_grows_towards_one():
    w = ties.update_strength(np.array([0.0, 0.5]), np.ones(2, bool), np.zeros(2, bool), 0.2, 0.04, 0.01)
    np.testing.assert_allclose(w, [0.2, 0.6])


# ----------------------------------------------------------------- efficacy and sight
def test_efficacy_smoothing():
    e = efficacy.update_efficacy(np.array([0.5, 0.5]), np.array([0, 1]), np.array([True, False]), 0.1)
    np.testing.assert_allclose(e, [0.55, 0.45])


def test_organisation_reach_counts_other_orgs_within_two_steps_first_across():
    import scipy.sparse as sp

    # 0 (org 0) -- 1 (org 1) -- 2 (org 2) -- 3 (org 3); 0 -- 4 (org 0)
    org = np.array([0, 1, 2, 3, 0])
    edges = [(0, 1), (1, 2), (2, 3), (0, 4)]
    u, v = np.array(edges).T
    a = sp.csr_matrix((np.ones(8), (np.r_[u, v], np.r_[v, u])), shape=(5, 5))
    cross = org[u] != org[v]
    c = sp.csr_matrix((np.ones(2 * cross.sum()), (np.r_[u[cross], v[cross]], np.r_[v[cross], u[cross]])),
                      shape=(5, 5))
    reach = efficacy.organisation_reach(a, c, org, 4)
    # leader 0 reaches orgs 1 and 2 (via 1); leader 1 reaches 0, 2 and 3 (via 2);
    # leader 4 reaches nothing: its only tie is internal
    np.testing.assert_allclose(reach, [2 / 3, 1.0, 1.0, 2 / 3, 0.0])


def test_the_success_probability_is_the_poisson_binomial_tail():
    """Closed form: enumerate every combination of choices."""
    import itertools

    from sim.issues import success_probability_of

    probs = np.array([0.2, 0.5, 0.9, 0.35])
    for threshold in range(0, 6):
        exact = sum(np.prod([p if c else 1 - p for p, c in zip(probs, combo)])
                    for combo in itertools.product((0, 1), repeat=probs.size) if sum(combo) >= threshold)
        assert success_probability_of(probs, threshold, np.empty(probs.size + 1)) == pytest.approx(exact, abs=1e-12)


def test_expected_issue_success_tracks_the_realised_rate():
    """Docking: over two years of issues, the expected success (from the choice probabilities)
    and the share of issues that succeeded agree within sampling error."""
    from sim import CollaborationModel, synthetic_partnership
    from sim.metrics import decision_record, issue_success_share

    model = CollaborationModel(synthetic_partnership(), n_weeks=104, rng=5)
    start = decision_record(model.state.leaders)
    successes = issues = 0
    for _ in range(104):
        model.step()
        successes += int(model.state.last_week.success.sum())
        issues += int(model.state.last_week.success.size)
    expected = issue_success_share(start, decision_record(model.state.leaders))
    realised = successes / issues
    assert issues > 200 and abs(expected - realised) < 3 * np.sqrt(realised * (1 - realised) / issues) + 0.01
