"""Submodel 5, orientation: Friedkin-Johnsen anchored influence plus small wins (and two variants).

Each week every leader moves a fraction mu of the way to the Friedkin-Johnsen
target (Friedkin & Johnsen 1990, 2011):

    target_i = lambda_i * sum_j W_ij o_j + (1 - lambda_i) * a_org(i),

where o is orientation and W is row-normalised over i's ties weighted by
strength x i's trust in j, plus a self-weight and, while an intervention
provides one, a weight on an external source holding orientation 1 (Friedkin &
Johnsen's exogenous input). For fixed W the fixed point is the FJ equilibrium
x* = (I - Lambda W)^-1 (I - Lambda) a, whatever mu in (0, 1]. Contributors to a
successful collective issue move towards the system (small wins: Ansell & Gash
2008); contributors to a failure move back (Vangen & Huxham 2003).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.kernels import Kernel
from sim.state import Process


@njit(cache=True)
def _fj_target(orientation, lam, anchor, u, v, weight_uv, weight_vu, self_weight, system_pull):
    n = orientation.size
    num = self_weight * orientation + system_pull
    den = self_weight + system_pull
    for r in range(u.size):
        num[u[r]] += weight_uv[r] * orientation[v[r]]
        den[u[r]] += weight_uv[r]
        num[v[r]] += weight_vu[r] * orientation[u[r]]
        den[v[r]] += weight_vu[r]
    out = np.empty(n)
    for i in range(n):
        social = num[i] / den[i] if den[i] > 0 else orientation[i]
        out[i] = lam[i] * social + (1.0 - lam[i]) * anchor[i]
    return out


def fj_target(orientation: np.ndarray, lam: np.ndarray, anchor: np.ndarray, u: np.ndarray, v: np.ndarray,
              weight_uv: np.ndarray, weight_vu: np.ndarray, self_weight: float,
              system_pull: np.ndarray | float = 0.0) -> np.ndarray:
    """Friedkin-Johnsen target for each leader from a sparse, directed weight list.

    weight_uv is u's weight on v's opinion, weight_vu v's on u's. `system_pull` is
    each leader's weight on an external source holding orientation 1 (e.g. a
    programme's content), an extra column of W.
    """
    o = np.asarray(orientation, float)
    pull = np.broadcast_to(np.asarray(system_pull, float), o.shape).astype(float)
    return _fj_target(o, np.asarray(lam, float), np.asarray(anchor, float), np.asarray(u, np.int64),
                      np.asarray(v, np.int64), np.asarray(weight_uv, float), np.asarray(weight_vu, float),
                      float(self_weight), pull)


@njit(cache=True, inline="always")
def _fj_target_ties(orientation, susceptibility, anchored, org, org_anchor, u, v, w, trust, count, self_weight, pull,
                    bound):
    """The target with W from the tie table: each tie weighs strength x the truster's trust, and
    nothing when the two orientations differ by `bound` or more (bounded confidence in averaging
    form, Hegselmann & Krause 2002; a bound above 1 never binds); lambda_i is the leader's
    susceptibility when `anchored` (Friedkin-Johnsen), else 1 (DeGroot)."""
    num = self_weight * orientation + pull
    den = self_weight + pull
    for r in range(count):
        a, b = u[r], v[r]
        if abs(orientation[a] - orientation[b]) >= bound:
            continue
        w_ab, w_ba = w[r] * trust[r, 0], w[r] * trust[r, 1]
        num[a] += w_ab * orientation[b]
        den[a] += w_ab
        num[b] += w_ba * orientation[a]
        den[b] += w_ba
    out = np.empty(orientation.size)
    for i in range(orientation.size):
        social = num[i] / den[i] if den[i] > 0 else orientation[i]
        lam = susceptibility[i] if anchored else 1.0
        out[i] = lam * social + (1.0 - lam) * org_anchor[org[i]]
    return out


def step_towards(orientation: np.ndarray, target: np.ndarray, rate: float) -> np.ndarray:
    """Partial adjustment: o + rate * (target - o)."""
    return orientation + rate * (target - orientation)


@njit(cache=True, inline="always")
def _small_wins(orientation, who, success, win, fail):
    o = orientation.copy()
    gain = np.empty(who.size)
    for i in range(who.size):  # simultaneous: every gain from the orientation before this week's wins
        x = orientation[who[i]]
        gain[i] = win * (1.0 - x) if success[i] else -fail * x
    for i in range(who.size):
        o[who[i]] += gain[i]
    for i in range(o.size):
        o[i] = min(max(o[i], 0.0), 1.0)
    return o


def small_wins(orientation: np.ndarray, who: np.ndarray, success: np.ndarray, win: float,
               fail: float) -> np.ndarray:
    """Contributors move towards 1 after success, towards 0 after failure (copy returned)."""
    return _small_wins(np.asarray(orientation, float), np.asarray(who, np.int64), np.asarray(success, bool),
                       float(win), float(fail))


@njit(cache=True)
def orientation_week(orientation, susceptibility, anchored, influence_bound, org, anchor, tie_u, tie_v, tie_w,
                     tie_trust, tie_count, self_weight, system_pull, orientation_rate, contributors,
                     contributor_success, win_reinforcement, failure_discouragement):
    """In place: one Friedkin-Johnsen step towards the target (DeGroot's when not `anchored`;
    ties across `influence_bound` or more carry no weight), then small wins and failures."""
    target = _fj_target_ties(orientation, susceptibility, anchored, org, anchor, tie_u, tie_v, tie_w, tie_trust,
                             tie_count, self_weight, system_pull, influence_bound)
    for i in range(orientation.size):
        orientation[i] += orientation_rate * (target[i] - orientation[i])
    if contributors.size:
        moved = _small_wins(orientation, contributors, contributor_success, win_reinforcement, failure_discouragement)
        for i in range(orientation.size):  # a loop, not orientation[:] = moved (see sim.efficacy)
            orientation[i] = moved[i]


@njit(cache=True)
def deffuant_step(orientation, a, b, bound, rate):
    """In place, sequentially over the pairs (a[i], b[i]) who talked: if their orientations differ by
    less than `bound`, each moves a share `rate` of the way to the other (Deffuant et al. 2000).
    Each interaction keeps the pair's sum, so the mean of everyone's orientation is conserved."""
    for i in range(a.size):
        x, y = orientation[a[i]], orientation[b[i]]
        if abs(x - y) < bound:
            orientation[a[i]] = x + rate * (y - x)
            orientation[b[i]] = y + rate * (x - y)


@njit(cache=True)
def bounded_week(orientation, conversation_a, conversation_b, confidence_bound, orientation_rate, self_weight,
                 system_pull, contributors, contributor_success, win_reinforcement, failure_discouragement):
    """In place: the week's conversations under bounded confidence, then the programme's message (a
    source at orientation 1, weighed like a partner of weight `system_pull` against `self_weight`,
    heard only within the bound), then small wins and failures."""
    deffuant_step(orientation, conversation_a, conversation_b, confidence_bound, orientation_rate)
    for i in range(orientation.size):
        if system_pull[i] > 0 and 1.0 - orientation[i] < confidence_bound:
            orientation[i] += (orientation_rate * system_pull[i] / (self_weight + system_pull[i])
                               * (1.0 - orientation[i]))
    if contributors.size:
        moved = _small_wins(orientation, contributors, contributor_success, win_reinforcement, failure_discouragement)
        for i in range(orientation.size):  # a loop, not orientation[:] = moved (see sim.efficacy)
            orientation[i] = moved[i]


_ANCHORED = Kernel(orientation_week, writes=("orientation",))
_BOUNDED = Kernel(bounded_week, writes=("orientation",))


class Orientation(Process):
    """5. Orientation: a Friedkin-Johnsen step towards the anchor-weighted social target
    (W over ties weighted by strength x trust, plus any programme's system-first source),
    then small wins and failures of this week's contributors.

    Variants (`sim.mechanisms`): `degroot`, the same step with no anchor (lambda = 1);
    `bounded_friedkin_johnsen`, the same step in which ties between leaders whose orientations
    differ by the confidence bound or more carry no weight (the bound alone);
    `bounded_confidence`, Deffuant-Weisbuch moves between the leaders who talked this week (no
    anchor, and the programme's message heard only within the bound)."""

    name = "orientation"
    kernel_constants = ("anchored", "influence_bound", "confidence_bound")

    def __init__(self, influence: str = "friedkin_johnsen", confidence_bound: float = 0.3):
        self.influence = influence
        self.confidence_bound = float(confidence_bound)

    @property
    def kernel(self) -> Kernel:
        return _BOUNDED if self.influence == "bounded_confidence" else _ANCHORED

    @property
    def anchored(self) -> bool:
        """Whether the organisation's anchor holds leaders back (Friedkin-Johnsen, bounded or not;
        not DeGroot)."""
        return self.influence in ("friedkin_johnsen", "bounded_friedkin_johnsen")

    @property
    def influence_bound(self) -> float:
        """The orientation difference from which a tie carries no influence in the averaging step:
        the confidence bound for `bounded_friedkin_johnsen`, otherwise 2 (orientations lie in
        [0, 1], so it never binds)."""
        return self.confidence_bound if self.influence == "bounded_friedkin_johnsen" else 2.0

    def __repr__(self) -> str:
        return f"Orientation(influence={self.influence!r})"


def opinion_clusters(opinions: np.ndarray, gap: float = 0.01, min_share: float = 0.02) -> int:
    """The number of opinion clusters: groups of sorted opinions separated by more than `gap`,
    counting those holding at least `min_share` of everyone (major clusters)."""
    x = np.sort(np.asarray(opinions, float))
    breaks = np.flatnonzero(np.diff(x) > gap)
    sizes = np.diff(np.concatenate([[0], breaks + 1, [x.size]]))
    return int((sizes >= min_share * x.size).sum())


def fj_equilibrium(W: np.ndarray, lam: np.ndarray, anchor: np.ndarray) -> np.ndarray:
    """Closed form x* = (I - Lambda W)^-1 (I - Lambda) a for a dense row-stochastic W."""
    n = anchor.size
    L = np.diag(lam)
    return np.linalg.solve(np.eye(n) - L @ W, (np.eye(n) - L) @ anchor)
