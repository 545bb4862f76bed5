"""Submodel 3, perception: seeing partners' actions through noise that listening reduces.

A leader with listening l perceives an action x in [0, 1] as
clip(x + nu0 * (1 - l) * e, 0, 1), e ~ N(0, 1) (Steiglechner et al. 2024's
ambiguity noise; the brief's nu = nu0 (1 - listening)). The noise e of an
observation is keyed (`sim.streams`) by the week and what is observed: an issue
partner by (issue, observer's position, partner's position), a conversation by
its id and side, so it does not depend on what else happened this week.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.kernels import Kernel
from sim.state import Process
from sim.streams import base_state, entity_state, next_normal, next_normal_pair

ACTIONS, CONDUCT = np.int64(1), np.int64(2)  # purposes (int64: see sim.meetings)


def noise_scale(listening: np.ndarray, nu0: float) -> np.ndarray:
    """Standard deviation of perception noise for each observer."""
    return nu0 * (1.0 - np.asarray(listening, float))


def perceive(actual: np.ndarray, observer_listening: np.ndarray, nu0: float, noise: np.ndarray) -> np.ndarray:
    """What each observer perceives of the actual action, given standard normal noise."""
    return np.clip(np.asarray(actual, float) + noise_scale(observer_listening, nu0) * noise, 0.0, 1.0)


@njit(cache=True, inline="always")  # compiled inside perception_week, its one caller
def perceive_actions(key, clock, reps, contributed, listening, nu0):
    """Each representative's perception of each partner's choice, pairs laid out like
    `sim.issues.ordered_pairs` (row-major over issues, observer, partner)."""
    n_issues, k = reps.shape
    out = np.empty(n_issues * k * (k - 1))
    base = base_state(key, ACTIONS, clock)
    m = 0
    for q in range(n_issues):
        for i in range(k):
            scale = nu0 * (1.0 - listening[reps[q, i]])
            for j in range(k):
                if j == i:
                    continue
                st = entity_state(base, (q * k + i) * k + j)
                st, e = next_normal(st)
                x = (1.0 if contributed[q, j] else 0.0) + scale * e
                out[m] = min(max(x, 0.0), 1.0)
                m += 1
    return out


@njit(cache=True, inline="always")  # compiled inside perception_week, its one caller
def perceive_conduct(key, clock, a, b, ids, conv_rows, conv_cols, org, orientation, listening, nu0):
    """Cross-organisation conversations: each side perceives the other's conduct
    (1 + orientation) / 2. Returns (observer, partner, tie row, evidence column, perceived),
    both sides of each cross conversation, a's view first."""
    n = 0
    for c in range(a.size):
        if org[a[c]] != org[b[c]]:
            n += 1
    observer = np.empty(2 * n, np.int64)
    partner = np.empty(2 * n, np.int64)
    rows = np.empty(2 * n, np.int64)
    cols = np.empty(2 * n, np.int64)
    seen = np.empty(2 * n)
    base = base_state(key, CONDUCT, clock)
    m = 0
    for c in range(a.size):
        if org[a[c]] == org[b[c]]:
            continue
        st = entity_state(base, ids[c])
        st, e_a, e_b = next_normal_pair(st)  # what a sees of b, and b of a
        for s in range(2):
            me, other, e = (a[c], b[c], e_a) if s == 0 else (b[c], a[c], e_b)
            x = 0.5 * (1.0 + orientation[other]) + nu0 * (1.0 - listening[me]) * e
            observer[m], partner[m], rows[m] = me, other, conv_rows[c]
            cols[m] = conv_cols[c] if s == 0 else 1 - conv_cols[c]
            seen[m] = min(max(x, 0.0), 1.0)
            m += 1
    return observer, partner, rows, cols, seen


@njit(cache=True)
def perception_week(key, clock, representatives, contributed, listening, perception_noise, meeting_evidence,
                    conversation_a, conversation_b, conversation_ids, used_rows, used_cols, org,
                    orientation):
    """The week's perceptions: every representative's view of each partner's choice
    (`perceive_actions`), and, when conversations count as evidence, each side's view of the
    other's conduct in cross-organisation conversations (`perceive_conduct`). Returns the record's
    perceived_actions, conduct_observers, conduct_partners, conduct_rows, conduct_cols and
    perceived_conduct (empty where there is nothing to perceive)."""
    actions = np.empty(0)
    if representatives.shape[0]:
        actions = perceive_actions(key, clock, representatives, contributed, listening, perception_noise)
    no_ints = conversation_a[:0]
    observers, partners, rows, cols, seen = no_ints, no_ints, no_ints, no_ints, np.empty(0)
    if meeting_evidence > 0 and conversation_ids.size:
        observers, partners, rows, cols, seen = perceive_conduct(
            key, clock, conversation_a, conversation_b, conversation_ids, used_rows, used_cols, org,
            orientation, listening, perception_noise)
    return actions, observers, partners, rows, cols, seen


class Perception(Process):
    """3. Perception: each issue representative sees each partner's choice, and each side
    of a cross-organisation conversation sees the other's conduct (1 + orientation) / 2
    (a system-minded leader is open about constraints and needs, an organisation-first
    one guarded), all through noise that listening reduces."""

    name = "perception"
    stream = "perception"
    kernel = Kernel(perception_week, returns=("perceived_actions", "conduct_observers", "conduct_partners",
                                              "conduct_rows", "conduct_cols", "perceived_conduct"))
