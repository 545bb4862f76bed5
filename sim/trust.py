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
    decay = forgetting ** weight
    np.multiply.at(trust_pos, (rows, cols), decay)
    np.multiply.at(trust_neg, (rows, cols), decay)
    np.add.at(trust_pos, (rows, cols), weight * gain * perceived)
    np.add.at(trust_neg, (rows, cols), weight * loss_aversion * (1.0 - perceived))


def listening_gain(partner_listening: np.ndarray, gamma: float) -> np.ndarray:
    """Trust-gain multiplier from being listened to by the partner."""
    return 1.0 + gamma * np.asarray(partner_listening, float)


class Trust(Process):
    """4. Trust: this week's perceptions become evidence, interpersonal (on the tie table)
    and inter-organisational (K x K), with the partner's listening raising the gain."""

    name = "trust"

    def step(self, state, params, week, rng) -> None:
        leaders, ties = state.leaders, state.ties
        if week.observers.size:
            gain = listening_gain(leaders.listening[week.partners], params.listening_trust_gain)
            apply_observations(ties.trust_pos, ties.trust_neg, week.issue_rows, week.issue_cols,
                               week.perceived_actions, 1.0, params.trust_forgetting, params.loss_aversion, gain)
            apply_observations(state.org_trust.trust_pos, state.org_trust.trust_neg,
                               leaders.org[week.observers], leaders.org[week.partners], week.perceived_actions,
                               1.0, params.trust_forgetting, params.loss_aversion)
        if week.conduct_observers.size:
            gain = listening_gain(leaders.listening[week.conduct_partners], params.listening_trust_gain)
            apply_observations(ties.trust_pos, ties.trust_neg, week.conduct_rows, week.conduct_cols,
                               week.perceived_conduct, params.meeting_evidence, params.trust_forgetting,
                               params.loss_aversion, gain)
