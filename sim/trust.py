"""Submodel 4, trust: beta reputation with forgetting and loss aversion.

Each directed dyad i -> j holds evidence counts (r, s) of cooperation and
defection that i has perceived from j (Josang & Ismail 2002). Trust is the
posterior mean with a prior centred on i's propensity p_i (Mayer, Davis &
Schoorman 1995):

    T_ij = (r + 2 p_i) / (r + s + 2),

which is the beta-reputation mean (r + 1) / (r + s + 2) when p_i = 1/2. An
observation x in [0, 1] of weight a updates

    r <- phi^a r + a g_j x,      s <- phi^a s + a L (1 - x),

with forgetting phi, loss aversion L >= 1 (a defection weighs more than a
cooperation: Slovic 1993) and a listening bonus g_j = 1 + gamma * listening_j
(being listened to by j raises i's trust gain in j).

Inter-organisational trust is kept apart from interpersonal trust (Zaheer,
McEvily & Perrone 1998): one pair of counts per ordered pair of organisations,
updated by the same rule from what their leaders perceive of each other.
"""

from __future__ import annotations

import numpy as np


def trust_value(r: np.ndarray, s: np.ndarray, propensity: np.ndarray | float) -> np.ndarray:
    """Posterior mean trust given evidence counts and the truster's propensity."""
    return (r + 2.0 * propensity) / (r + s + 2.0)


def update_evidence(r: np.ndarray, s: np.ndarray, perceived: np.ndarray, weight: np.ndarray | float,
                    forgetting: float, loss_aversion: float, gain: np.ndarray | float = 1.0):
    """New (r, s) after one observation each (element-wise, returns new arrays)."""
    decay = forgetting ** np.asarray(weight, float)
    r_new = decay * r + weight * gain * perceived
    s_new = decay * s + weight * loss_aversion * (1.0 - perceived)
    return r_new, s_new


def apply_observations(r: np.ndarray, s: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                       perceived: np.ndarray, weight: float, forgetting: float,
                       loss_aversion: float, gain: np.ndarray | float = 1.0) -> None:
    """Update evidence tables in place at (rows, cols); repeated cells accumulate.

    Observations in the same week are simultaneous: a cell seen twice is forgotten
    twice and gains both observations.
    """
    decay = forgetting ** weight
    np.multiply.at(r, (rows, cols), decay)
    np.multiply.at(s, (rows, cols), decay)
    np.add.at(r, (rows, cols), weight * gain * perceived)
    np.add.at(s, (rows, cols), weight * loss_aversion * (1.0 - perceived))


def listening_gain(partner_listening: np.ndarray, gamma: float) -> np.ndarray:
    """Trust-gain multiplier from being listened to by the partner."""
    return 1.0 + gamma * np.asarray(partner_listening, float)
