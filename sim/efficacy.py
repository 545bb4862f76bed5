"""Submodel 7, efficacy and system sight.

Efficacy (Bandura 1997) is exponentially smoothed success of the collective
actions a leader joined: e <- e + rho (success - e) for each contribution.

System sight is the share of the other organisations a leader reaches through
strong ties within two steps, the first step across the boundary (what one's own
cross-organisation contacts see, not what one's chief executive sees), discounted
by perception error, and smoothed:
sight <- sight + sigma (reach * (1 - nu0 (1 - listening)) + bonus - sight), where
the bonus is system knowledge from outside the network (programme content). It
is refreshed with the network structure every few weeks.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.kernels import Kernel
from sim.state import Process


@njit(cache=True, inline="always")
def _efficacy_step(efficacy, who, success, rate):
    out = efficacy.copy()
    gain = np.empty(who.size)
    for i in range(who.size):  # simultaneous within the week
        gain[i] = rate * ((1.0 if success[i] else 0.0) - efficacy[who[i]])
    for i in range(who.size):
        out[who[i]] += gain[i]
    for i in range(out.size):
        out[i] = min(max(out[i], 0.0), 1.0)
    return out


@njit(cache=True, inline="always")  # compiled inside efficacy_sight_week, its one caller
def _efficacy_in_place(efficacy, gain, who, success, rate):
    """In place: the smoothing step, and the programme gain still in each updated leader's
    efficacy shrinks by the same factor (e = base + g -> base' + (1 - rate) g)."""
    new = _efficacy_step(efficacy, who, success, rate)
    for i in range(efficacy.size):  # a loop: efficacy[:] = new would compile a shape check
        efficacy[i] = new[i]
    updates = np.empty(efficacy.size, np.int64)  # m updates in one week are simultaneous: 1 - m rate
    for i in range(efficacy.size):  # np.empty and a loop: np.zeros would be one more compilation
        updates[i] = 0
    for i in range(who.size):
        updates[who[i]] += 1
    for i in range(who.size):
        j = who[i]
        if updates[j] > 0:
            gain[j] = min(gain[j] * max(1.0 - updates[j] * rate, 0.0), efficacy[j])  # clipping can leave less
            updates[j] = 0


def remaining_gain(gain: float, updates: int, rate: float) -> float:
    """Closed form: what is left of an additive efficacy gain after `updates` smoothing steps in
    different weeks."""
    return gain * (1.0 - rate) ** updates


def update_efficacy(efficacy: np.ndarray, who: np.ndarray, success: np.ndarray, rate: float) -> np.ndarray:
    return _efficacy_step(np.asarray(efficacy, float), np.asarray(who, np.int64), np.asarray(success, bool),
                          float(rate))


@njit(cache=True, inline="always")  # compiled inside efficacy_sight_week, its one caller
def reach(u, v, w, cross, count, org, n_orgs, strong):
    """Share of the other organisations each leader reaches within two strong-tie steps,
    the first of them a cross-organisation tie. Two passes over the ties with a bitset of
    organisations per leader: first what each leader's strong contacts belong to (noting the
    strong cross-organisation ties), then what a leader sees through each of those."""
    n = org.size
    out = np.empty(n)  # np.empty and loops: each np.zeros signature is one more compilation
    for i in range(n):
        out[i] = 0.0
    if n_orgs <= 1:
        return out
    words = (n_orgs + 63) // 64
    one = np.uint64(1)
    near = np.empty((n, words), np.uint64)  # own organisation and those of strong contacts
    seen = np.empty((n, words), np.uint64)
    for i in range(n):
        for k in range(words):
            near[i, k] = seen[i, k] = 0
        near[i, org[i] >> 6] |= one << np.uint64(org[i] & 63)
    strong_cross = np.empty(count, np.int64)  # rows of the strong cross-organisation ties
    n_strong_cross = 0
    for r in range(count):
        if w[r] >= strong:
            a, b = u[r], v[r]
            near[a, org[b] >> 6] |= one << np.uint64(org[b] & 63)
            near[b, org[a] >> 6] |= one << np.uint64(org[a] & 63)
            if cross[r]:
                strong_cross[n_strong_cross] = r
                n_strong_cross += 1
    for i in range(n):
        seen[i, org[i] >> 6] |= one << np.uint64(org[i] & 63)
    for j in range(n_strong_cross):
        a, b = u[strong_cross[j]], v[strong_cross[j]]
        for k in range(words):
            seen[a, k] |= near[b, k]
            seen[b, k] |= near[a, k]
    for i in range(n):
        c = 0
        for k in range(words):
            x = seen[i, k]
            while x:
                x &= x - one
                c += 1
        out[i] = (c - 1.0) / (n_orgs - 1)
    return out


@njit(cache=True, inline="always")  # compiled inside efficacy_sight_week, its one caller
def _sight_week(sight, reach_, listening, bonus, nu0, rate, first):
    for i in range(sight.size):
        target = min(max(reach_[i] * (1.0 - nu0 * (1.0 - listening[i])) + bonus[i], 0.0), 1.0)
        sight[i] = target if first else sight[i] + rate * (target - sight[i])


def organisation_reach(strong, strong_cross, org: np.ndarray, n_orgs: int) -> np.ndarray:
    """The same measure from dense or sparse adjacency matrices (a reference for tests)."""
    import scipy.sparse as sp

    n = org.size
    if n_orgs <= 1:
        return np.zeros(n)
    if sp.issparse(strong):
        member = sp.csr_matrix((np.ones(n), (np.arange(n), org)), shape=(n, n_orgs))
        reach = (member + strong_cross @ (member + strong @ member)).tocsr()
        reach.data = (reach.data > 0).astype(float)
        reached = np.asarray(reach.sum(axis=1)).ravel()
    else:
        member = np.zeros((n, n_orgs), strong.dtype)
        member[np.arange(n), org] = 1.0
        reached = ((member + strong_cross @ (member + strong @ member)) > 0).sum(axis=1)
    return (reached - 1.0) / (n_orgs - 1)


def sight_target(reach: np.ndarray, listening: np.ndarray, nu0: float,
                 bonus: np.ndarray | float = 0.0) -> np.ndarray:
    """Reach discounted by perception error, plus knowledge from outside the network."""
    return np.clip(reach * (1.0 - nu0 * (1.0 - listening)) + bonus, 0.0, 1.0)


def update_sight(sight: np.ndarray, target: np.ndarray, rate: float) -> np.ndarray:
    return sight + rate * (target - sight)


def refresh_sight(state, params, first: bool = False) -> None:
    """System sight towards (or, at set-up, set to) its target from the current strong ties
    (`sight_target` and `update_sight`, in one compiled pass: the process's own kernel, with no
    contributors and the refresh due)."""
    leaders, ties = state.leaders, state.ties
    efficacy_sight_week(0, 1, ties.u, ties.v, ties.w, ties.cross, ties.count, leaders.org, state.organisations.n,
                        params.strong_tie, leaders.system_sight, leaders.listening, leaders.sight_bonus,
                        params.perception_noise, params.sight_rate, first, leaders.efficacy, leaders.efficacy_gain,
                        _NO_CONTRIBUTORS, _NO_SUCCESS, params.efficacy_rate)


_NO_CONTRIBUTORS = np.empty(0, np.int64)
_NO_SUCCESS = np.empty(0, np.bool_)


@njit(cache=True)
def efficacy_sight_week(clock, structure_every, tie_u, tie_v, tie_w, tie_cross, tie_count, org, n_orgs, strong_tie,
                        system_sight, listening, sight_bonus, perception_noise, sight_rate, first_sight, efficacy,
                        efficacy_gain, contributors, contributor_success, efficacy_rate):
    """In place: every `structure_every` weeks sight moves towards its target from the strong ties
    (`reach`, `_sight_week`); then contributors' efficacy moves towards their issues' outcomes."""
    if clock % structure_every == 0:
        _sight_week(system_sight, reach(tie_u, tie_v, tie_w, tie_cross, tie_count, org, n_orgs, strong_tie), listening,
                    sight_bonus, perception_noise, sight_rate, first_sight)
    if contributors.size:
        _efficacy_in_place(efficacy, efficacy_gain, contributors, contributor_success, efficacy_rate)


class EfficacyAndSight(Process):
    """7. Efficacy and system sight: every `structure_every` weeks sight moves towards the
    organisations one's strong cross-boundary ties reach; every week contributors' efficacy
    moves towards the outcome of their issue."""

    name = "efficacy_sight"
    kernel = Kernel(efficacy_sight_week, writes=("system_sight", "efficacy", "efficacy_gain"))
    kernel_constants = ("first_sight",)
    first_sight = False
    """Sight moves towards its target (it is set to it only at set-up, `refresh_sight(first=True)`)."""
