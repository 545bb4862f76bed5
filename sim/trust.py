"""Submodel 4, trust: beta reputation with forgetting and loss aversion.

Each directed dyad i -> j holds evidence counts of cooperation (`trust_pos`, r)
and defection (`trust_neg`, s) that i has perceived from j (Josang & Ismail
2002). Trust is the posterior mean with a prior centred on i's propensity p_i
(Mayer, Davis & Schoorman 1995):

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
from numba import njit

from sim.network import _observe, add_evidence
from sim.kernels import Kernel
from sim.state import Process


def trust_value(trust_pos: np.ndarray, trust_neg: np.ndarray, propensity: np.ndarray | float) -> np.ndarray:
    """Posterior mean trust given evidence counts and the truster's propensity."""
    return (trust_pos + 2.0 * propensity) / (trust_pos + trust_neg + 2.0)


def update_evidence(trust_pos: np.ndarray, trust_neg: np.ndarray, perceived: np.ndarray,
                    weight: np.ndarray | float, forgetting: float, loss_aversion: float,
                    gain: np.ndarray | float = 1.0):
    """New (trust_pos, trust_neg) after one observation each (element-wise, new arrays)."""
    decay = forgetting ** np.asarray(weight, float)
    pos = decay * trust_pos + weight * gain * perceived
    neg = decay * trust_neg + weight * loss_aversion * (1.0 - perceived)
    return pos, neg


def apply_observations(trust_pos: np.ndarray, trust_neg: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                       perceived: np.ndarray, weight: float, forgetting: float,
                       loss_aversion: float, gain: np.ndarray | float = 1.0) -> None:
    """Update evidence tables in place at (rows, cols); repeated cells accumulate.

    Observations in the same week are simultaneous: a cell seen twice is forgotten
    twice and gains both observations.
    """
    rows = np.asarray(rows, np.int64)
    gain = np.broadcast_to(np.asarray(gain, float), rows.shape).astype(float)
    add_evidence(trust_pos, trust_neg, rows, np.asarray(cols, np.int64), np.asarray(perceived, float), float(weight),
           float(forgetting), float(loss_aversion), gain)


def listening_gain(partner_listening: np.ndarray, gamma: float) -> np.ndarray:
    """Trust-gain multiplier from being listened to by the partner."""
    return 1.0 + gamma * np.asarray(partner_listening, float)


@njit(cache=True)
def trust_week(tie_trust_pos, tie_trust_neg, tie_trust, trust_propensity, tie_u, tie_v, org_trust_pos, org_trust_neg,
               org, listening, conversation_a, used_rows, used_cols, observers, partners, perceived_actions,
               conduct_rows, conduct_cols, conduct_partners, perceived_conduct, meeting_evidence, trust_forgetting,
               loss_aversion, listening_trust_gain):
    """This week's evidence: issue observations (weight 1) on ties and between organisations,
    then conduct seen in cross-organisation conversations (weight `meeting_evidence`)."""
    issue_rows, issue_cols = used_rows[conversation_a.size:], used_cols[conversation_a.size:]
    n = issue_rows.size
    gain = np.empty(n)
    for i in range(n):
        gain[i] = 1.0 + listening_trust_gain * listening[partners[i]]
    _observe(tie_trust_pos, tie_trust_neg, tie_trust, trust_propensity, tie_u, tie_v, issue_rows, issue_cols,
             perceived_actions, 1.0, trust_forgetting, loss_aversion, gain)
    ones = np.empty(n)
    for i in range(n):
        ones[i] = 1.0
    oa = np.empty(n, np.int64)
    ob = np.empty(n, np.int64)
    for i in range(n):
        oa[i], ob[i] = org[observers[i]], org[partners[i]]
    add_evidence(org_trust_pos, org_trust_neg, oa, ob, perceived_actions, 1.0, trust_forgetting, loss_aversion, ones)
    m = conduct_rows.size
    if m:
        gain = np.empty(m)
        for i in range(m):
            gain[i] = 1.0 + listening_trust_gain * listening[conduct_partners[i]]
        _observe(tie_trust_pos, tie_trust_neg, tie_trust, trust_propensity, tie_u, tie_v, conduct_rows, conduct_cols,
                 perceived_conduct, meeting_evidence, trust_forgetting, loss_aversion, gain)


class Trust(Process):
    """4. Trust: this week's perceptions become evidence, interpersonal (on the tie table)
    and inter-organisational (K x K), with the partner's listening raising the gain."""

    name = "trust"
    kernel = Kernel(trust_week, writes=("tie_trust_pos", "tie_trust_neg", "tie_trust", "org_trust_pos",
                                        "org_trust_neg"))
