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


def fj_target(s: np.ndarray, lam: np.ndarray, anchor: np.ndarray, u: np.ndarray, v: np.ndarray,
              weight_uv: np.ndarray, weight_vu: np.ndarray, self_weight: float,
              system_pull: np.ndarray | float = 0.0) -> np.ndarray:
    """Friedkin-Johnsen target for each leader from a sparse, directed weight list.

    weight_uv is u's weight on v's opinion, weight_vu v's on u's. `system_pull` is
    each leader's weight on an external source holding orientation 1 (e.g. a
    programme's content), an extra column of W.
    """
    n = s.size
    num = (self_weight * s + np.bincount(u, weight_uv * s[v], n) + np.bincount(v, weight_vu * s[u], n)
           + system_pull)
    den = self_weight + np.bincount(u, weight_uv, n) + np.bincount(v, weight_vu, n) + system_pull
    social = np.divide(num, den, out=s.copy(), where=den > 0)
    return lam * social + (1.0 - lam) * anchor


def step_towards(s: np.ndarray, target: np.ndarray, rate: float) -> np.ndarray:
    """Partial adjustment: s + rate * (target - s)."""
    return s + rate * (target - s)


def small_wins(s: np.ndarray, who: np.ndarray, success: np.ndarray, win: float, fail: float) -> np.ndarray:
    """Contributors move towards 1 after success, towards 0 after failure (copy returned)."""
    s = s.copy()
    gain = np.where(success, win * (1.0 - s[who]), -fail * s[who])
    np.add.at(s, who, gain)
    return np.clip(s, 0.0, 1.0)


def fj_equilibrium(W: np.ndarray, lam: np.ndarray, anchor: np.ndarray) -> np.ndarray:
    """Closed form x* = (I - Lambda W)^-1 (I - Lambda) a for a dense row-stochastic W."""
    n = anchor.size
    L = np.diag(lam)
    return np.linalg.solve(np.eye(n) - L @ W, (np.eye(n) - L) @ anchor)
