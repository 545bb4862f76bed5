"""Submodel 2, collective issues: a threshold public-goods dilemma with logit choice.

Issues arrive as a Poisson stream. Each involves `k` organisations, each
represented by one of its leaders, and succeeds if at least M of them contribute
(N-person stag hunt: Pacheco et al. 2009; collective-risk variant: Santos &
Pacheco 2011). A representative i weighs

    dU_i = s_i * B * P(success | i contributes) - (1 - s_i) * c_i

where s_i is system orientation, B the system benefit, and c_i the cost to the
own organisation: c * statutory pressure * (1 - risk appetite). The success
probability uses the expected contribution q_i of the other representatives,
which comes from trust: P = P(Binomial(k - 1, q_i) >= M - 1). Choice is logit:
P(contribute) = 1 / (1 + exp(-beta * dU)).
"""

from __future__ import annotations

import numpy as np
from scipy.special import betainc, expit


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


def utility_gain(s: np.ndarray, benefit: float, p_success: np.ndarray, own_cost: np.ndarray) -> np.ndarray:
    """dU = U(contribute) - U(hold back) with U = (1 - s) own payoff + s system payoff."""
    return s * benefit * p_success - (1.0 - s) * own_cost


def choice_probability(du: np.ndarray, beta: float) -> np.ndarray:
    """Logit (quantal response) probability of contributing."""
    return expit(beta * du)


def outcomes(contributed: np.ndarray, threshold: int) -> np.ndarray:
    """Success of each issue: at least `threshold` contributions (rows are issues)."""
    return contributed.sum(axis=1) >= threshold
