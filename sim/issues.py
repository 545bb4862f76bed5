"""Submodel 2, collective issues: a threshold public-goods dilemma with logit choice.

Issues arrive as a Poisson stream. Each involves `k` organisations, each
represented by one of its leaders, and succeeds if at least M of them contribute
(N-person stag hunt: Pacheco et al. 2009; collective-risk variant: Santos &
Pacheco 2011). A representative i weighs

    dU_i = o_i * B * P(success | i contributes) - (1 - o_i) * c_i

where o_i is system orientation, B the system benefit, and c_i the cost to the
own organisation: c * statutory pressure * (1 - risk appetite). The success
probability uses the expected contribution q_i of the other representatives,
which comes from trust: P = P(Binomial(k - 1, q_i) >= M - 1). Choice is logit:
P(contribute) = 1 / (1 + exp(-beta * dU)).
"""

from __future__ import annotations

import numpy as np
from scipy.special import betainc, expit

from sim.state import Process
from sim.trust import trust_value


def draw_issues(rng: np.random.Generator, rate: float, k: int, org_start: np.ndarray,
                org_size: np.ndarray):
    """This week's issues: (representatives, organisations), each of shape (n_issues, k).

    Organisations are drawn without replacement per issue; the representative is
    a uniformly drawn leader of each (leaders are numbered organisation by organisation).
    """
    n_orgs = org_start.size
    n_issues = rng.poisson(rate)
    orgs = np.argsort(rng.random((n_issues, n_orgs)), axis=1)[:, :k]
    reps = org_start[orgs] + np.floor(rng.random(orgs.shape) * org_size[orgs]).astype(np.int64)
    return reps, orgs


def success_probability(q: np.ndarray, n_others: int, needed: int) -> np.ndarray:
    """P(at least `needed` of `n_others` contribute), each independently with probability q."""
    q = np.clip(np.asarray(q, float), 0.0, 1.0)
    if needed <= 0:
        return np.ones_like(q)
    if needed > n_others:
        return np.zeros_like(q)
    # Binomial upper tail as a regularised incomplete beta function
    return betainc(needed, n_others - needed + 1, q)


def statutory_cost(cost: float, pressure: np.ndarray, risk_appetite: np.ndarray) -> np.ndarray:
    """Own-organisation cost of contributing, discounted by risk appetite."""
    return cost * pressure * (1.0 - risk_appetite)


def utility_gain(orientation: np.ndarray, benefit: float, p_success: np.ndarray,
                 own_cost: np.ndarray) -> np.ndarray:
    """dU = U(contribute) - U(hold back) with U = (1 - o) own payoff + o system payoff."""
    return orientation * benefit * p_success - (1.0 - orientation) * own_cost


def choice_probability(du: np.ndarray, beta: float) -> np.ndarray:
    """Logit (quantal response) probability of contributing."""
    return expit(beta * du)


def outcomes(contributed: np.ndarray, threshold: int) -> np.ndarray:
    """Success of each issue: at least `threshold` contributions (rows are issues)."""
    return contributed.sum(axis=1) >= threshold


def ordered_pairs(representatives: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All ordered pairs (i, j), i != j, of representatives within each issue, row-major."""
    n_issues, k = representatives.shape
    i_idx, j_idx = np.nonzero(~np.eye(k, dtype=bool))
    return representatives[:, i_idx].ravel(), representatives[:, j_idx].ravel()


def expected_contribution(personal: np.ndarray, organisational: np.ndarray, interpersonal_weight: float,
                          n_issues: int, k: int) -> np.ndarray:
    """Each representative's expected partner contribution q_i: the mean over partners of
    omega x interpersonal + (1 - omega) x inter-organisational trust."""
    expected = interpersonal_weight * personal + (1 - interpersonal_weight) * organisational
    return expected.reshape(n_issues, k, k - 1).mean(axis=2)


class CollectiveIssues(Process):
    """2. Collective issues: arrivals, representatives, the logit choice, outcomes.

    This week's conversations and co-working pairs get their tie-table rows here, in
    one insertion (new ties start at zero strength and grow in the ties process)."""

    name = "issues"
    stream = "issues"

    def step(self, state, params, week, rng) -> None:
        orgs, leaders, ties = state.organisations, state.leaders, state.ties
        k = params.orgs_per_issue
        reps, rep_orgs = draw_issues(rng, params.issue_rate, k, orgs.start, orgs.size)
        observers, partners = ordered_pairs(reps)
        conv_a, conv_b = week.conversations
        rows, cols = ties.ensure(np.concatenate([conv_a, observers]), np.concatenate([conv_b, partners]),
                                 params.strong_tie)
        n_conv = conv_a.size
        week.conversation_rows, week.conversation_cols = rows[:n_conv], cols[:n_conv]
        week.issue_rows, week.issue_cols = rows[n_conv:], cols[n_conv:]
        week.used_rows = rows
        week.representatives, week.representative_orgs = reps, rep_orgs
        week.observers, week.partners = observers, partners

        propensity = leaders.trust_propensity[observers]
        personal = trust_value(ties.trust_pos[week.issue_rows, week.issue_cols],
                               ties.trust_neg[week.issue_rows, week.issue_cols], propensity)
        oa, ob = leaders.org[observers], leaders.org[partners]
        organisational = trust_value(state.org_trust.trust_pos[oa, ob], state.org_trust.trust_neg[oa, ob],
                                     propensity)
        q = expected_contribution(personal, organisational, params.interpersonal_weight, reps.shape[0], k)
        p_success = success_probability(q, k - 1, params.issue_threshold - 1)
        cost = statutory_cost(params.contribution_cost, orgs.pressure[rep_orgs], leaders.risk_appetite[reps])
        du = utility_gain(leaders.orientation[reps], params.system_benefit, p_success, cost)
        week.contributed = rng.random(reps.shape) < choice_probability(du, params.logit_beta)
        week.success = outcomes(week.contributed, params.issue_threshold)
