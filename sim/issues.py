"""Submodel 2, collective issues: a threshold public-goods dilemma with logit choice.

Issues arrive as a Poisson stream. Each involves `k` organisations, each
represented by one of its leaders, and succeeds if at least M of them contribute
(N-person stag hunt: Pacheco et al. 2009; collective-risk variant: Santos &
Pacheco 2011). A representative i weighs

    dU_i = o_i * B * P(success | i contributes) - (1 - o_i) * c_i

where o_i is system orientation, B the system benefit, and c_i the cost to the
own organisation: c * statutory pressure * (1 - risk appetite). The success
probability uses the expected contribution q_i of the other representatives,
which comes from trust: P = P(Binomial(k - 1, q_i) >= M - 1). Choice is logit:
P(contribute) = 1 / (1 + exp(-beta * dU)).

Draws are keyed (`sim.streams`): the number of issues by week, an issue's
organisations and representatives by (week, issue), a representative's choice
by (week, issue, position), so both arms of a paired comparison meet the same
issues and compare the same uniform draw with their own choice probabilities.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numba import njit

from sim.network import _ensure
from sim.kernels import Kernel
from sim.state import Process
from sim.streams import base_state, entity_state, next_uniform, poisson_from_uniform

# purposes of the draws, as int64 (a plain int constant would make numba compile a copy of the
# callee per value)
COUNT, COMPOSITION, CHOICE = np.int64(1), np.int64(2), np.int64(3)


@njit(cache=True, inline="always")
def draw_issues(key, clock, rate, k, org_start, org_size):
    """This week's issues: (representatives, organisations), each of shape (n_issues, k).

    The number is Poisson(rate); each issue draws k distinct organisations (a partial
    Fisher-Yates shuffle) and a uniformly drawn leader of each (leaders are numbered
    organisation by organisation)."""
    st = entity_state(base_state(key, COUNT, clock), np.int64(0))
    st, u = next_uniform(st)
    n_issues = poisson_from_uniform(u, rate)
    n_orgs = org_start.size
    reps = np.empty((n_issues, k), np.int64)
    orgs = np.empty((n_issues, k), np.int64)
    base = base_state(key, COMPOSITION, clock)
    order = np.empty(n_orgs, np.int64)
    for q in range(n_issues):
        st = entity_state(base, q)
        for o in range(n_orgs):
            order[o] = o
        for j in range(k):
            st, u = next_uniform(st)
            pick = j + int(u * (n_orgs - j))
            order[j], order[pick] = order[pick], order[j]
            orgs[q, j] = order[j]
        for j in range(k):
            st, u = next_uniform(st)
            o = orgs[q, j]
            reps[q, j] = org_start[o] + int(u * org_size[o])
    return reps, orgs


@njit(cache=True, inline="always")
def _choose(n, k):
    c = 1.0
    for j in range(1, k + 1):
        c = c * (n - k + j) / j
    return c


@njit(cache=True, inline="always")
def binomial_tail(q, n_others, needed):
    """P(at least `needed` of `n_others` contribute), each independently with probability q."""
    if needed <= 0:
        return 1.0
    if needed > n_others:
        return 0.0
    q = min(max(q, 0.0), 1.0)
    total = 0.0
    for j in range(needed, n_others + 1):
        total += _choose(n_others, j) * q ** j * (1.0 - q) ** (n_others - j)
    return min(total, 1.0)


@njit(cache=True, inline="always")
def public_goods_gain(q, n_others, threshold, group):
    """Threshold public goods (Pacheco et al. 2009): the expected share of the benefit that
    contributing adds, E[(j + 1) 1{j + 1 >= M} - j 1{j >= M}] / N, with j ~ Binomial(N - 1, q) the
    other contributors, M the threshold and N the group. A success pays everyone, contributors or
    not, in proportion to the number of contributors, so holding back still earns a share."""
    q = min(max(q, 0.0), 1.0)
    total = 0.0
    for j in range(n_others + 1):
        p = _choose(n_others, j) * q ** j * (1.0 - q) ** (n_others - j)
        with_me = (j + 1.0) if j + 1 >= threshold else 0.0
        without = float(j) if j >= threshold else 0.0
        total += p * (with_me - without)
    return total / group


def selection_gradient(x: np.ndarray, group: int, threshold: int, factor: float, cost: float = 1.0) -> np.ndarray:
    """f_C - f_D of Pacheco et al. (2009)'s N-person stag hunt in an infinite well-mixed population
    with a share x of contributors, from this module's payoff rule: a contributor pays `cost`, a
    success yields factor x cost x contributors / N to every member. (In the model's terms, a
    leader with orientation 1/2, own cost c and system benefit B = F c.) Its interior roots are
    the replicator dynamics' interior fixed points."""
    x = np.atleast_1d(np.asarray(x, float))
    return np.array([factor * cost * public_goods_gain(v, group - 1, threshold, group) - cost for v in x])


def success_probability(q: np.ndarray, n_others: int, needed: int) -> np.ndarray:
    """P(at least `needed` of `n_others` contribute), element-wise over q."""
    q = np.asarray(q, float)
    return np.array([binomial_tail(x, n_others, needed) for x in q.ravel()]).reshape(q.shape)


def statutory_cost(cost: float, pressure: np.ndarray, risk_appetite: np.ndarray) -> np.ndarray:
    """Own-organisation cost of contributing, discounted by risk appetite."""
    return cost * pressure * (1.0 - risk_appetite)


def utility_gain(orientation: np.ndarray, benefit: float, p_success: np.ndarray,
                 own_cost: np.ndarray) -> np.ndarray:
    """dU = U(contribute) - U(hold back) with U = (1 - o) own payoff + o system payoff."""
    return orientation * benefit * p_success - (1.0 - orientation) * own_cost


def choice_probability(du: np.ndarray, beta: float) -> np.ndarray:
    """Logit (quantal response) probability of contributing."""
    return 1.0 / (1.0 + np.exp(-beta * np.asarray(du, float)))


def outcomes(contributed: np.ndarray, threshold: int) -> np.ndarray:
    """Success of each issue: at least `threshold` contributions (rows are issues)."""
    return contributed.sum(axis=1) >= threshold


@functools.lru_cache(maxsize=None)
def _pair_positions(k: int) -> tuple[np.ndarray, np.ndarray]:
    return np.nonzero(~np.eye(k, dtype=bool))


def ordered_pairs(representatives: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All ordered pairs (i, j), i != j, of representatives within each issue, row-major."""
    i_idx, j_idx = _pair_positions(representatives.shape[1])
    return representatives[:, i_idx].ravel(), representatives[:, j_idx].ravel()


@njit(cache=True, inline="always")
def _pairs_after(reps, conv_a, conv_b):
    """(observers, partners) of `ordered_pairs`, and the same appended to this week's
    conversations (so the tie table is asked once for both)."""
    n_issues, k = reps.shape
    n_conv = conv_a.size
    a = np.empty(n_conv + n_issues * k * (k - 1), np.int64)
    b = np.empty(a.size, np.int64)
    for i in range(n_conv):  # a loop: a slice assignment's shape check costs about 2 s of compile time
        a[i], b[i] = conv_a[i], conv_b[i]
    m = n_conv
    for q in range(n_issues):
        for i in range(k):
            for j in range(k):
                if i != j:
                    a[m], b[m] = reps[q, i], reps[q, j]
                    m += 1
    return a[n_conv:], b[n_conv:], a, b


@njit(cache=True)
def decide(key, clock, reps, rep_orgs, rows, cols, trust, org_pos, org_neg, propensity, org, orientation,
           risk_appetite, anchor, interpersonal_weight, threshold, benefit, cost, beta, public_goods, decisions,
           choices, chances, success_chances):
    """Each representative's choice (contributed, shape like reps), each issue's success, and
    one entry per contribution (contributor, whether its issue succeeded). Each representative's
    running counts go up in place: `decisions` by one, `choices` by one for a system-first choice
    (a contribution), `chances` by the choice's probability (`sim.metrics.system_first_share`),
    `success_chances` by the probability that the issue succeeds given every representative's
    choice probability (`success_probability_of`; the expected issue success
    `sim.metrics.issue_success_share` reads).

    rows/cols: the tie row and evidence column of each ordered pair (observer, partner),
    laid out like `ordered_pairs`. Expected partner contribution q_i is the mean over
    partners of omega x interpersonal + (1 - omega) x inter-organisational trust."""
    n_issues, k = reps.shape
    contributed = np.empty((n_issues, k), np.bool_)  # np.empty and a loop: np.zeros is one more compilation
    success = np.empty(n_issues, np.bool_)
    for q in range(n_issues):
        for i in range(k):
            contributed[q, i] = False
    contributors = np.empty(n_issues * k, np.int64)
    contributor_success = np.empty(n_issues * k, np.bool_)
    n_contributions = 0
    base = base_state(key, CHOICE, clock)
    pair = 0
    probs = np.empty(k)
    tail = np.empty(k + 1)
    for q in range(n_issues):
        n_yes = 0
        for i in range(k):
            me = reps[q, i]
            p = propensity[me]
            expected = 0.0
            for j in range(k):
                if j == i:
                    continue
                personal = trust[rows[pair], cols[pair]]
                oa, ob = org[me], org[reps[q, j]]
                organisational = (org_pos[oa, ob] + 2.0 * p) / (org_pos[oa, ob] + org_neg[oa, ob] + 2.0)
                expected += interpersonal_weight * personal + (1.0 - interpersonal_weight) * organisational
                pair += 1
            expected /= k - 1
            if public_goods:
                system_gain = public_goods_gain(expected, k - 1, threshold, k)
            else:
                system_gain = binomial_tail(expected, k - 1, threshold - 1)
            o = orientation[me]
            own_cost = cost * (1.0 - anchor[rep_orgs[q, i]]) * (1.0 - risk_appetite[me])
            du = o * benefit * system_gain - (1.0 - o) * own_cost
            prob = 1.0 / (1.0 + math.exp(-beta * du))
            st = entity_state(base, q * k + i)
            st, u = next_uniform(st)
            decisions[me] += 1.0
            chances[me] += prob
            probs[i] = prob
            if u < prob:
                contributed[q, i] = True
                choices[me] += 1.0
                n_yes += 1
        success[q] = n_yes >= threshold
        if k:
            p_success = success_probability_of(probs, threshold, tail)
            for i in range(k):
                success_chances[reps[q, i]] += p_success
        for i in range(k):
            if contributed[q, i]:
                contributors[n_contributions] = reps[q, i]
                contributor_success[n_contributions] = success[q]
                n_contributions += 1
    return contributed, success, contributors[:n_contributions], contributor_success[:n_contributions]


@njit(cache=True)
def success_probability_of(probs, threshold, counts):
    """The probability that at least `threshold` of independent choices with probabilities `probs`
    are contributions (the Poisson-binomial tail, by dynamic programming over the choices;
    `counts` is scratch of length len(probs) + 1)."""
    k = probs.size
    counts[0] = 1.0
    for j in range(1, k + 1):
        counts[j] = 0.0
    for i in range(k):
        for j in range(i + 1, 0, -1):
            counts[j] = counts[j] * (1.0 - probs[i]) + counts[j - 1] * probs[i]
        counts[0] *= 1.0 - probs[i]
    total = 0.0
    for j in range(max(threshold, 0), k + 1):
        total += counts[j]
    return total


NEEDS_ROOM = 1
"""The issues kernel's status when the tie table has no room for the week's new ties (or a leader's
adjacency row is full): `CollectiveIssues.finish` makes room and the kernel runs again."""


@njit(cache=True)
def issues_week(key, clock, issue_rate, orgs_per_issue, org_start, org_size, conversation_a, conversation_b,
                n_leaders, tie_u, tie_v, tie_w, tie_trust_pos, tie_trust_neg, tie_trust, tie_cross, tie_embedded, org,
                trust_propensity, tie_count, tie_index, tie_adj, tie_degree, tie_at, tie_due, tie_snap_bits,
                tie_snap_indptr, tie_snap_ids, org_trust_pos, org_trust_neg, orientation, risk_appetite, anchor,
                interpersonal_weight, issue_threshold, system_benefit, contribution_cost, logit_beta, public_goods,
                issue_decisions, system_first_choices, system_first_chances, issue_success_chances):
    """The week's issues: `draw_issues`, the ordered pairs of representatives (`_pairs_after`), the
    tie-table rows of every conversation and pair (`sim.network._ensure`, creating ties), then each
    representative's choice and each issue's outcome (`decide`). Returns (status, tie count, then
    the record: representatives, representative_orgs, observers, partners, used_rows, used_cols,
    contributed, success, contributors, contributor_success). Status `NEEDS_ROOM` when the table has no room for every
    pair (nothing created) or a leader's adjacency row filled up (the ties made so far stay): the
    process then makes room, and this kernel, run again, finds the ties made and goes on."""
    reps, rep_orgs = draw_issues(key, clock, issue_rate, orgs_per_issue, org_start, org_size)
    observers, partners, all_a, all_b = _pairs_after(reps, conversation_a, conversation_b)
    n_conv = conversation_a.size
    need = tie_count + all_a.size
    done = 0
    rows, cols = all_a[:0], all_a[:0]
    if need <= tie_u.size and 4 * need <= 3 * tie_index.shape[0]:
        # np.int64(0), not 0: a plain constant would make numba compile _ensure a second time
        rows, cols, tie_count, done = _ensure(all_a, all_b, np.int64(0), n_leaders, tie_u, tie_v, tie_w,
                                              tie_trust_pos, tie_trust_neg, tie_trust, tie_cross, tie_embedded, org,
                                              trust_propensity, tie_count, tie_index, tie_adj, tie_degree, tie_at,
                                              tie_due, tie_snap_bits, tie_snap_indptr, tie_snap_ids)
    status = 0
    if done < all_a.size:  # the rows and choices stay empty: the kernel runs again once there is room
        status = NEEDS_ROOM
        rows, cols, n_conv = all_a[:0], all_a[:0], 0
        reps_decided = reps[:0]
    else:
        reps_decided = reps
    contributed, success, contributors, contributor_success = decide(
        key, clock, reps_decided, rep_orgs, rows[n_conv:], cols[n_conv:], tie_trust, org_trust_pos, org_trust_neg,
        trust_propensity, org, orientation, risk_appetite, anchor, interpersonal_weight, issue_threshold,
        system_benefit, contribution_cost, logit_beta, public_goods, issue_decisions, system_first_choices,
        system_first_chances, issue_success_chances)
    return (status, tie_count, reps, rep_orgs, observers, partners, rows, cols, contributed, success, contributors,
            contributor_success)


class CollectiveIssues(Process):
    """2. Collective issues: arrivals, representatives, the logit choice, outcomes.

    This week's conversations and co-working pairs get their tie-table rows here, in
    one insertion (new ties start at zero strength and grow in the ties process).
    `game`: `stag_hunt` (default) or `public_goods` (`sim.mechanisms`)."""

    name = "issues"
    stream = "issues"
    kernel = Kernel(issues_week, returns=("status", "tie_count", "representatives", "representative_orgs",
                                          "observers", "partners", "used_rows", "used_cols", "contributed",
                                          "success", "contributors", "contributor_success"),
                    writes=("tie_u", "tie_v", "tie_w", "tie_trust_pos", "tie_trust_neg", "tie_trust", "tie_cross",
                            "tie_embedded", "tie_index", "tie_adj", "tie_degree", "tie_at", "tie_due",
                            "issue_decisions", "system_first_choices", "system_first_chances",
                            "issue_success_chances"))
    kernel_constants = ("public_goods",)

    def __init__(self, game: str = "stag_hunt"):
        self.game = game

    @property
    def public_goods(self) -> bool:
        return self.game == "public_goods"

    def __repr__(self) -> str:
        return f"CollectiveIssues(game={self.game!r})"

    def finish(self, state, params, week, status) -> bool:
        """The tie table needs room for this week's new ties: make it, then run the kernel again."""
        state.ties.make_room(week.conversation_a.size + week.observers.size)
        return True
