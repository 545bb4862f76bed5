"""Submodel 3, perception: seeing partners' actions through noise that listening reduces.

A leader with listening l perceives an action x in [0, 1] as
clip(x + nu0 * (1 - l) * e, 0, 1), e ~ N(0, 1) (Steiglechner et al. 2024's
ambiguity noise; the brief's nu = nu0 (1 - listening)).
"""

from __future__ import annotations

import numpy as np

from sim.state import Process


def noise_scale(listening: np.ndarray, nu0: float) -> np.ndarray:
    """Standard deviation of perception noise for each observer."""
    return nu0 * (1.0 - np.asarray(listening, float))


def perceive(rng: np.random.Generator, actual: np.ndarray, observer_listening: np.ndarray,
             nu0: float) -> np.ndarray:
    """What each observer perceives of the actual action (same shapes)."""
    actual = np.asarray(actual, float)
    scale = noise_scale(observer_listening, nu0)
    return np.clip(actual + scale * rng.standard_normal(actual.shape), 0.0, 1.0)


def partner_values(values: np.ndarray, k: int) -> np.ndarray:
    """values[:, j] arranged like the `partners` of `sim.issues.ordered_pairs`."""
    _, j_idx = np.nonzero(~np.eye(k, dtype=bool))
    return values[:, j_idx].ravel()


class Perception(Process):
    """3. Perception: each issue representative sees each partner's choice, and each side
    of a cross-organisation conversation sees the other's conduct (1 + orientation) / 2
    (a system-minded leader is open about constraints and needs, an organisation-first
    one guarded), all through noise that listening reduces."""

    name = "perception"
    stream = "perception"

    def step(self, state, params, week, rng) -> None:
        leaders = state.leaders
        if week.observers.size:
            actual = partner_values(week.contributed.astype(float), week.representatives.shape[1])
            week.perceived_actions = perceive(rng, actual, leaders.listening[week.observers],
                                              params.perception_noise)
        a, b = week.conversations
        cross = leaders.org[a] != leaders.org[b]
        if params.meeting_evidence > 0 and cross.any():
            a, b = a[cross], b[cross]
            rows, cols = week.conversation_rows[cross], week.conversation_cols[cross]
            observers, partners = np.concatenate([a, b]), np.concatenate([b, a])
            week.conduct_observers, week.conduct_partners = observers, partners
            week.conduct_rows = np.concatenate([rows, rows])
            week.conduct_cols = np.concatenate([cols, 1 - cols])
            week.perceived_conduct = perceive(rng, 0.5 * (1.0 + leaders.orientation[partners]),
                                              leaders.listening[observers], params.perception_noise)
