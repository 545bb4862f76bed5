"""Process 8, turnover: leaders leave and newcomers take their slots.

Each week each leader leaves with probability `turnover_rate` (a keyed draw by
week and leader id: the uniform of the leader's starting point, `uniform_of`, so both arms of a paired comparison see the same leavers
wherever their people agree). A leaver takes their ties with them (every tie
with them is removed, and with it the trust others had built in them); a
newcomer takes the slot, with the same organisation, role and forum seats, a
new id (`sim.population`), no ties, and every trait drawn from its initialiser,
as at set-up (keyed by week and the newcomer's id). A programme's participant
who leaves stops being one, and a newcomer is not one; the survey follows its
respondents by id.

Rate: the named setting `NHS_SENIOR_LEADERS` (0.0043 a week, about one leader in
five a year) is from Anandaciva et al. (2018, *Leadership in today's NHS:
delivering the impossible*, The King's Fund and NHS Providers): NHS trust chief
executives' median tenure was about three years, and about one in five board
directors had been appointed within the previous twelve months. A share of 0.2
leaving a year is a weekly hazard of -ln(0.8) / 52 = 0.0043; a median tenure of
three years, ln 2 / (3 x 52) = 0.0044. The default is 0 (no turnover: the case's
six months and the figures calibrated to them).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.kernels import Kernel
from sim.network import _remove
from sim.population import BETA, BETA_BY_ORGANISATION, UNIFORM
from sim.state import Process
from sim.streams import base_state, entity_state, next_beta, next_uniform, uniform_of

NHS_SENIOR_LEADERS = round(-math.log(0.8) / 52, 4)
"""Weekly leaving probability of NHS senior leaders (0.0043): a fifth leaving a year
(Anandaciva et al. 2018; see the module docstring)."""

LEAVE, JOIN = np.int64(1), np.int64(2)  # draw purposes (int64: see sim.meetings)
REHASH = 1
"""The kernel's status when the pair index holds too many deleted keys after the leavers' ties went."""


@njit(cache=True, inline="always")
def _newcomer_value(st, kind, a, b, anchor):
    """A newcomer's value of one float trait from its initialiser (`sim.population`)."""
    if kind == BETA or kind == BETA_BY_ORGANISATION:
        mean = anchor if kind == BETA_BY_ORGANISATION else a
        mean = min(max(mean, 1e-3), 1.0 - 1e-3)
        return next_beta(st, mean * b, (1.0 - mean) * b)
    if kind == UNIFORM:
        st, u = next_uniform(st)
        return st, a + (b - a) * u
    return st, a


@njit(cache=True)
def turnover_week(key, clock, turnover_rate, leader_ids, next_leader_id, org, anchor, float_traits, float_trait_kind,
                  float_trait_a, float_trait_b, flag_traits, flag_trait_value, tie_u, tie_v, tie_w, tie_trust_pos,
                  tie_trust_neg, tie_trust, tie_cross, tie_embedded, tie_count, n_leaders, tie_index, tie_adj,
                  tie_degree, tie_at, tie_due, tie_deleted, tie_deleted_limit):
    """In place: this week's leavers (each leader with probability `turnover_rate`, keyed by week
    and id), their ties removed, and a newcomer in each of their slots with the next id and traits
    drawn from their initialisers. Returns (status, tie count, deleted index slots, next id)."""
    leaving = np.empty(n_leaders, np.bool_)
    any_leaving = False
    dropped = False
    base = base_state(key, LEAVE, clock)
    for i in range(n_leaders):
        leaving[i] = uniform_of(entity_state(base, leader_ids[i])) < turnover_rate
        any_leaving = any_leaving or leaving[i]
        dropped = dropped or (leaving[i] and tie_degree[i] > 0)
    if not any_leaving:
        return 0, tie_count, tie_deleted, next_leader_id
    if dropped:  # the leavers' ties, found from their adjacency rows
        keep = np.empty(tie_count, np.bool_)
        for r in range(tie_count):
            keep[r] = True
        for i in range(n_leaders):
            if leaving[i]:
                for k in range(tie_degree[i]):
                    keep[tie_adj[i, k, 1]] = False
        tie_count, freed = _remove(keep, tie_u, tie_v, tie_w, tie_trust_pos, tie_trust_neg, tie_trust, tie_cross,
                                   tie_embedded, tie_count, n_leaders, tie_index, tie_adj, tie_degree, tie_at, tie_due)
        tie_deleted += freed
    join = base_state(key, JOIN, clock)
    for i in range(n_leaders):
        if not leaving[i]:
            continue
        leader_ids[i] = next_leader_id
        st = entity_state(join, next_leader_id)
        next_leader_id += 1
        for t in range(len(float_traits)):
            st, value = _newcomer_value(st, float_trait_kind[t], float_trait_a[t], float_trait_b[t], anchor[org[i]])
            float_traits[t][i] = value
        for t in range(len(flag_traits)):
            flag_traits[t][i] = flag_trait_value[t]
    status = REHASH if tie_deleted > tie_deleted_limit else 0
    return status, tie_count, tie_deleted, next_leader_id


class Turnover(Process):
    """8. Turnover: leaders leave with probability `turnover_rate` a week, taking their ties;
    newcomers take their slots with new ids and traits drawn as at set-up."""

    name = "turnover"
    stream = "turnover"
    kernel = Kernel(turnover_week, returns=("status", "tie_count", "tie_deleted", "next_leader_id"),
                    writes=("leader_ids", "float_traits", "flag_traits", "tie_u", "tie_v", "tie_w", "tie_trust_pos",
                            "tie_trust_neg", "tie_trust", "tie_cross", "tie_embedded", "tie_index", "tie_adj",
                            "tie_degree", "tie_at", "tie_due"))

    def idle(self, state, params) -> bool:
        return params.turnover_rate <= 0.0

    def finish(self, state, params, week, status) -> bool:
        """Rebuild the pair index after the leavers' ties went."""
        state.ties.rehash()
        return False
