"""Submodel 5, orientation: Friedkin-Johnsen anchored influence plus small wins.

Each week every leader moves a fraction mu of the way to the Friedkin-Johnsen
target (Friedkin & Johnsen 1990, 2011):

    target_i = lambda_i * sum_j W_ij s_j + (1 - lambda_i) * a_org(i),

where W is row-normalised over i's ties weighted by strength x i's trust in j,
plus a self-weight and, while an intervention provides one, a weight on an
external source holding orientation 1 (Friedkin & Johnsen's exogenous input). For fixed W the fixed point is the FJ equilibrium
x* = (I - Lambda W)^-1 (I - Lambda) a, whatever mu in (0, 1]. Contributors to a
successful collective issue move towards the system (small wins: Ansell & Gash
2008); contributors to a failure move back (Vangen & Huxham 2003).
"""

from __future__ import annotations

import numpy as np

from sim.state import Process
from sim.trust import trust_value


def fj_target(orientation: np.ndarray, lam: np.ndarray, anchor: np.ndarray, u: np.ndarray, v: np.ndarray,
              weight_uv: np.ndarray, weight_vu: np.ndarray, self_weight: float,
              system_pull: np.ndarray | float = 0.0) -> np.ndarray:
    """Friedkin-Johnsen target for each leader from a sparse, directed weight list.

    weight_uv is u's weight on v's opinion, weight_vu v's on u's. `system_pull` is
    each leader's weight on an external source holding orientation 1 (e.g. a
    programme's content), an extra column of W.
    """
    o = orientation
    n = o.size
    num = (self_weight * o + np.bincount(u, weight_uv * o[v], n) + np.bincount(v, weight_vu * o[u], n)
           + system_pull)
    den = self_weight + np.bincount(u, weight_uv, n) + np.bincount(v, weight_vu, n) + system_pull
    social = np.divide(num, den, out=o.copy(), where=den > 0)
    return lam * social + (1.0 - lam) * anchor


def step_towards(orientation: np.ndarray, target: np.ndarray, rate: float) -> np.ndarray:
    """Partial adjustment: o + rate * (target - o)."""
    return orientation + rate * (target - orientation)


def small_wins(orientation: np.ndarray, who: np.ndarray, success: np.ndarray, win: float,
               fail: float) -> np.ndarray:
    """Contributors move towards 1 after success, towards 0 after failure (copy returned)."""
    o = orientation.copy()
    gain = np.where(success, win * (1.0 - o[who]), -fail * o[who])
    np.add.at(o, who, gain)
    return np.clip(o, 0.0, 1.0)


def fj_equilibrium(W: np.ndarray, lam: np.ndarray, anchor: np.ndarray) -> np.ndarray:
    """Closed form x* = (I - Lambda W)^-1 (I - Lambda) a for a dense row-stochastic W."""
    n = anchor.size
    L = np.diag(lam)
    return np.linalg.solve(np.eye(n) - L @ W, (np.eye(n) - L) @ anchor)


class Orientation(Process):
    """5. Orientation: a Friedkin-Johnsen step towards the anchor-weighted social target
    (W over ties weighted by strength x trust, plus any programme's system-first source),
    then small wins and failures of this week's contributors."""

    name = "orientation"

    def step(self, state, params, week, rng) -> None:
        leaders, ties = state.leaders, state.ties
        t_uv = trust_value(ties.trust_pos[:, 0], ties.trust_neg[:, 0], leaders.trust_propensity[ties.u])
        t_vu = trust_value(ties.trust_pos[:, 1], ties.trust_neg[:, 1], leaders.trust_propensity[ties.v])
        anchor = state.organisations.anchor[leaders.org]
        target = fj_target(leaders.orientation, leaders.susceptibility, anchor, ties.u, ties.v, ties.w * t_uv,
                           ties.w * t_vu, params.self_weight, leaders.system_pull)
        orientation = step_towards(leaders.orientation, target, params.orientation_rate)
        if week.representatives.size:
            who, won = week.contributions()
            orientation = small_wins(orientation, who, won, params.win_reinforcement,
                                     params.failure_discouragement)
        leaders.orientation[:] = orientation
