"""Submodel 1, meetings: who talks to whom this week.

Four channels, each a compiled kernel with keyed random draws (`sim.streams`):
forum meetings on their schedules, use of existing ties (more likely the
stronger the tie), introductions to friends of friends (triadic closure) and
rare chance encounters. Conversations across organisations are accepted with
probability 1 / homophily relative to same-organisation ones (McPherson et al.
2001; Ingram & Morris 2007), except in structured (facilitated) meetings, where
conversations are steered across boundaries (Boudreau et al. 2017).

Every draw is keyed by week, purpose and entity: whether leader i attends
forum f this week, how many conversations it starts and with whom depends only
on (f, i, week) and on who else attends; whether tie u-v is used only on (u, v,
week); and so on. Each conversation carries an id derived from its draws, which
keys the perception noise of what is seen in it (`sim.perception`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from sim.kernels import Kernel
from sim.network import _lookup
from sim.state import Process
from sim.streams import GOLDEN, base_state, entity_state, mix64, next_uniform, poisson_cdf, poisson_from_cdf

# purposes of the draws (each stream has its own key, so purposes need only differ within a stream), as
# int64: a plain int constant would make numba compile a copy of the callee per value
FORUM, TIE_USE, INTRODUCTION, ENCOUNTER, TIE_THINNING = (np.int64(p) for p in (1, 2, 3, 4, 5))


@dataclass
class Forums:
    """Compiled forum instances: membership and schedule as arrays."""

    names: list[str]
    members: list[np.ndarray]
    period: np.ndarray
    """Weeks between meetings."""
    phase: np.ndarray
    """A forum meets in week t when t % period == phase."""
    structured: np.ndarray
    familiarity: np.ndarray
    """Probability that two members from different organisations know each other at the start."""
    prior_trust: np.ndarray
    """Cooperation such acquaintances have seen from each other before the start."""

    def meeting(self, week: int) -> np.ndarray:
        """Indices of the forum instances that meet in this week."""
        if not self.names:
            return np.zeros(0, np.int64)
        return np.flatnonzero(week % self.period == self.phase)

    def add(self, name: str, members: np.ndarray, period: int, phase: int, structured: bool = False,
            familiarity: float = 0.0, prior_trust: float = 0.5) -> int:
        """Add a forum instance; returns its index."""
        self.names.append(name)
        self.members.append(np.asarray(members, np.int64))
        self.period = np.append(self.period, period).astype(np.int64)
        self.phase = np.append(self.phase, phase % period).astype(np.int64)
        self.structured = np.append(self.structured, structured).astype(bool)
        self.familiarity = np.append(self.familiarity, familiarity)
        self.prior_trust = np.append(self.prior_trust, prior_trust)
        self._packed = None
        return len(self.names) - 1

    def packed(self) -> tuple[np.ndarray, np.ndarray]:
        """Memberships as (offsets, concatenated members), for the compiled kernels."""
        if getattr(self, "_packed", None) is None:
            sizes = np.array([m.size for m in self.members], np.int64)
            offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
            flat = np.concatenate(self.members).astype(np.int64) if self.members else np.zeros(0, np.int64)
            self._packed = (offsets, flat)
        return self._packed

    @property
    def offsets(self) -> np.ndarray:
        """Where each forum's members start in `flat_members` (and, last, where they end)."""
        return self.packed()[0]

    @property
    def flat_members(self) -> np.ndarray:
        """Every forum's members (leader slots), one forum after another."""
        return self.packed()[1]

    def kernel_fields(self) -> dict[str, str]:
        return {"forum_offsets": "offsets", "forum_members": "flat_members", "forum_period": "period",
                "forum_phase": "phase", "forum_structured": "structured"}

    @classmethod
    def empty(cls) -> "Forums":
        return cls([], [], np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, bool),
                   np.zeros(0), np.zeros(0))


@njit(cache=True)
def _attendance(key, purpose, clock, groups, offsets, members, attendance, contacts, n):
    """First pass over the meetings: who attends (a draw each) and how many conversations each
    attendee starts (Poisson, from the next draw). Returns (attendee, its meeting, the rest of
    its sequence, conversations it starts, first attendee of each meeting, total started)."""
    base = base_state(key, purpose, clock)
    total = 0
    for g in groups:
        total += offsets[g + 1] - offsets[g]
    who = np.empty(total, np.int64)
    group_of = np.empty(total, np.int64)
    states = np.empty(total, np.uint64)
    starts = np.empty(total, np.int64)
    first = np.empty(groups.size + 1, np.int64)
    cdf = poisson_cdf(contacts)
    m = 0
    for gi in range(groups.size):
        g = groups[gi]
        first[gi] = m
        for p in range(offsets[g], offsets[g + 1]):
            st = entity_state(base, np.uint64(g) * np.uint64(n) + np.uint64(members[p]))
            st, u = next_uniform(st)
            if u < attendance[p]:
                st, u = next_uniform(st)
                who[m], group_of[m], states[m] = members[p], gi, st
                starts[m] = poisson_from_cdf(u, contacts, cdf)
                m += 1
    first[groups.size] = m
    started = 0
    for i in range(m):
        if first[group_of[i] + 1] - first[group_of[i]] >= 2:
            started += starts[i]
    return who[:m], group_of[:m], states[:m], starts[:m], first, started


@njit(cache=True)
def _group_into(a, b, ids, size, groups, structured, org, homophily, preference, index, n, who, group_of, states,
                starts, first):
    """Second pass: each attendee's conversations with uniformly drawn other attendees, written
    from `size` on into buffers with room for them all. Returns the new size.

    A candidate from another organisation is accepted with probability 1 / homophily, or
    1 / (homophily x `preference`) when the two have no tie yet (an unstructured meeting's
    preference for people one knows: `acquaintance_preference`); in a structured meeting every
    cross-organisation candidate is accepted."""
    accept = 1.0 / homophily
    accept_stranger = accept / preference
    for i in range(who.size):
        gi = group_of[i]
        lo, size_g = first[gi], first[gi + 1] - first[gi]
        if size_g < 2:
            continue
        pos = i - lo
        st = states[i]
        me = who[i]
        crossing_only = structured[groups[gi]]
        for _ in range(starts[i]):
            st, u1 = next_uniform(st)
            st, u2 = next_uniform(st)
            j = pos + 1 + int(u1 * (size_g - 1))  # another attendee, uniformly (no slow integer modulo)
            partner = who[lo + (j - size_g if j >= size_g else j)]
            same = org[me] == org[partner]
            if crossing_only:
                take = not same
            elif same or u2 < accept_stranger:
                take = True
            elif u2 < accept:  # a candidate the preference may turn down: only if a stranger
                first_end, second_end = min(me, partner), max(me, partner)
                take = _lookup(index, first_end * n + second_end) >= 0
            else:
                take = False
            if take:
                a[size], b[size], ids[size] = me, partner, st
                size += 1
    return size


@njit(cache=True)
def group_conversations(key, purpose, clock, groups, offsets, members, attendance, structured, org, contacts,
                        homophily, preference, index, n):
    """Conversations inside the meetings of the given groups.

    `groups` are the ids of the groups meeting (their members are
    members[offsets[g]:offsets[g + 1]]). Each member attends with its own
    probability `attendance[position]`; each attendee starts a Poisson(`contacts`)
    number of conversations with uniformly drawn other attendees of the same
    meeting; a conversation happens if it crosses organisations in a structured
    meeting, and otherwise if it stays inside one or passes the homophily filter
    (1 / homophily; a stranger 1 / (homophily x preference), `_group_into`). Returns (a, b,
    conversation ids, the attendees)."""
    who, group_of, states, starts, first, started = _attendance(key, purpose, clock, groups, offsets, members,
                                                                attendance, contacts, n)
    a = np.empty(started, np.int64)
    b = np.empty(started, np.int64)
    ids = np.empty(started, np.uint64)
    size = _group_into(a, b, ids, 0, groups, structured, org, homophily, preference, index, n, who, group_of, states,
                       starts, first)
    return a[:size], b[:size], ids[:size], who


@njit(cache=True)
def _geometric(u, rate, log_stay):
    """Weeks to the next success of a Bernoulli(rate) process: 1, 2, ... (inversion).
    `log_stay` is log1p(-rate), which the caller computes once for all its draws."""
    if rate >= 1.0:
        return 1
    never = 1 << 40
    if rate <= 0.0:
        return never
    gap = math.log(1.0 - u) / log_stay
    return 1 + int(gap) if gap < never else never


@njit(cache=True, inline="always")
def _tie_use_into(a, b, ids, size, key, clock, u, v, w, due, count, rate, n):
    """Ties used this week, written from `size` on; returns the new size.

    Tie u-v is used with probability rate x w each week, independently: its candidate weeks
    form a Bernoulli(rate) process (keyed geometric gaps from the week it was first seen,
    `due` holding the next one, -1 for a new tie), and a candidate week uses the tie with
    probability w (a keyed thinning draw). Only due ties draw, not every tie every week."""
    base_gap = base_state(key, TIE_USE, clock)
    base_thin = base_state(key, TIE_THINNING, clock)
    log_stay = math.log1p(-rate) if 0.0 < rate < 1.0 else 0.0  # unused outside (0, 1)
    for r in range(count):
        d = due[r]
        if d < 0:  # first seen: the first candidate week from this one on
            st = entity_state(base_gap, np.uint64(u[r]) * np.uint64(n) + np.uint64(v[r]))
            st, x = next_uniform(st)
            d = clock - 1 + _geometric(x, rate, log_stay)
            due[r] = d
        if d != clock:
            continue
        e = np.uint64(u[r]) * np.uint64(n) + np.uint64(v[r])
        st = entity_state(base_thin, e)
        st, x = next_uniform(st)
        st2 = entity_state(base_gap, e)
        st2, _ = next_uniform(st2)  # the first draw of (week, tie) schedules a tie first seen now
        st2, y = next_uniform(st2)
        due[r] = clock + _geometric(y, rate, log_stay)
        if x < w[r]:
            a[size], b[size], ids[size] = u[r], v[r], st
            size += 1
    return size


@njit(cache=True)
def tie_use(key, clock, u, v, w, due, count, rate, n):
    """Ties used this week: (a, b, conversation ids); see `_tie_use_into`."""
    a = np.empty(count, np.int64)
    b = np.empty(count, np.int64)
    ids = np.empty(count, np.uint64)
    size = _tie_use_into(a, b, ids, 0, key, clock, u, v, w, due, count, rate, n)
    return a[:size], b[:size], ids[:size]


@njit(cache=True, inline="always")
def _keyed_neighbour(st, node, adj, deg):
    """A uniformly chosen neighbour of `node`: the one with the smallest keyed priority, so the
    choice depends only on the set of neighbours, not on their order (-1 without any)."""
    best, best_key = -1, np.uint64(0)
    for e in range(deg[node]):
        other = adj[node, e, 0]
        k = mix64(st + (np.uint64(other) + np.uint64(1)) * GOLDEN)
        if best < 0 or k < best_key:
            best, best_key = other, k
    return best


@njit(cache=True, inline="always")
def _introductions_into(a, b, ids, size, key, clock, adj, deg, rate, org, homophily, n):
    base = base_state(key, INTRODUCTION, clock)
    for i in range(n):
        if deg[i] == 0:
            continue
        st = entity_state(base, i)
        st, x = next_uniform(st)
        if x >= rate:
            continue
        st, _ = next_uniform(st)
        j = _keyed_neighbour(st, i, adj, deg)
        st, _ = next_uniform(st)
        k = _keyed_neighbour(st, j, adj, deg)
        st, y = next_uniform(st)
        if k < 0 or k == i:
            continue
        if org[i] == org[k] or y < 1.0 / homophily:
            a[size], b[size], ids[size] = i, k, st
            size += 1
    return size


@njit(cache=True)
def introductions(key, clock, adj, deg, rate, org, homophily, n):
    """Triadic closure: with probability `rate` a leader with contacts is introduced by a random
    contact j to one of j's contacts k (k != the leader), subject to the homophily filter."""
    a = np.empty(n, np.int64)
    b = np.empty(n, np.int64)
    ids = np.empty(n, np.uint64)
    size = _introductions_into(a, b, ids, 0, key, clock, adj, deg, rate, org, homophily, n)
    return a[:size], b[:size], ids[:size]


@njit(cache=True, inline="always")
def _encounters_into(a, b, ids, size, key, clock, n, rate, org, homophily):
    base = base_state(key, ENCOUNTER, clock)
    for i in range(n):
        st = entity_state(base, i)
        st, x = next_uniform(st)
        if x >= 0.5 * rate:
            continue
        st, y = next_uniform(st)
        st, z = next_uniform(st)
        other = int(y * n)
        if other == i:
            continue
        if org[i] == org[other] or z < 1.0 / homophily:
            a[size], b[size], ids[size] = i, other, st
            size += 1
    return size


@njit(cache=True)
def encounters(key, clock, n, rate, org, homophily):
    """Chance encounters: each leader meets a uniformly drawn other leader with probability
    rate / 2 (about rate x n / 2 pairs a week), subject to the homophily filter."""
    a = np.empty(n, np.int64)
    b = np.empty(n, np.int64)
    ids = np.empty(n, np.uint64)
    size = _encounters_into(a, b, ids, 0, key, clock, n, rate, org, homophily)
    return a[:size], b[:size], ids[:size]


@njit(cache=True, inline="always")
def forums_meeting(clock, period, phase):
    out = np.empty(period.size, np.int64)
    m = 0
    for f in range(period.size):
        if clock % period[f] == phase[f]:
            out[m] = f
            m += 1
    return out[:m]


@njit(cache=True)
def meetings_week(key, clock, forum_offsets, forum_members, forum_period, forum_phase, forum_structured, org,
                  forum_attendance, forum_contacts, homophily, acquaintance_preference, tie_index, tie_u, tie_v, tie_w,
                  tie_due, tie_count, tie_use_rate, tie_adj, tie_degree, triadic_rate, random_encounter_rate, n_leaders,
                  added_a, added_b, added_ids):
    """The week's conversations in one buffer: the forums meeting this week, tie use, introductions,
    chance encounters, then the conversations interventions added (`Week.add_conversations`)."""
    groups = forums_meeting(clock, forum_period, forum_phase)
    att = np.full(forum_members.size, forum_attendance)
    who, group_of, states, starts, first, started = _attendance(key, FORUM, clock, groups, forum_offsets,
                                                                forum_members, att, forum_contacts, n_leaders)
    capacity = started + tie_count + 2 * n_leaders + added_a.size
    a = np.empty(capacity, np.int64)
    b = np.empty(capacity, np.int64)
    ids = np.empty(capacity, np.uint64)
    size = _group_into(a, b, ids, 0, groups, forum_structured, org, homophily, acquaintance_preference, tie_index,
                       n_leaders, who, group_of, states, starts, first)
    size = _tie_use_into(a, b, ids, size, key, clock, tie_u, tie_v, tie_w, tie_due, tie_count, tie_use_rate,
                         n_leaders)
    size = _introductions_into(a, b, ids, size, key, clock, tie_adj, tie_degree, triadic_rate, org, homophily,
                               n_leaders)
    size = _encounters_into(a, b, ids, size, key, clock, n_leaders, random_encounter_rate, org, homophily)
    for i in range(added_a.size):  # a loop: a slice assignment's shape check costs compile time
        a[size], b[size], ids[size] = added_a[i], added_b[i], added_ids[i]
        size += 1
    return a[:size], b[:size], ids[:size]


class Meetings(Process):
    """1. Meetings: forum conversations, tie use, introductions, chance encounters, and the
    conversations interventions added this week."""

    name = "meetings"
    stream = "meetings"
    kernel = Kernel(meetings_week, returns=("conversation_a", "conversation_b", "conversation_ids"),
                    writes=("tie_due",))


# ------------------------------------------------------------------ measuring who talks to whom

MIXING_PROBE = np.int64(99)
"""Draw purpose of `acquaintance_mixing`'s probe meetings (a purpose no process uses: the probe
draws nothing the run's processes draw, so it changes nothing)."""


def acquaintance_mixing(state, params, clocks) -> dict[str, int]:
    """How often the partnership's unstructured forums pair people who already know each other,
    as Ingram & Morris (2007) measured a mixer: for each forum with members from several
    organisations and unstructured mixing, a probe meeting of its members at each of `clocks`
    (attendance and conversations as the meetings process draws them, with a purpose of their
    own), counting the cross-organisation conversations and how many were between people with a
    tie, and the cross-organisation pairs of attendees and how many had a tie. The run is left
    as it was. Returns the four counts."""
    forums, leaders, ties = state.forums, state.leaders, state.ties
    key = state.streams["meetings"].key
    out = {"conversations": 0, "with_known": 0, "pairs": 0, "known_pairs": 0}
    org = leaders.org
    one_group, unstructured = np.array([0], np.int64), np.array([False])
    for f, members in enumerate(forums.members):
        if forums.structured[f] or np.unique(org[members]).size < 2:
            continue
        # the probes leave the ties as they are, so who knows whom among the members is looked up once
        cross, cross_known = _member_pairs(members, org, ties)
        position = np.full(leaders.n, -1, np.int64)
        position[members] = np.arange(members.size)
        offsets, attendance = np.array([0, members.size], np.int64), np.full(members.size, params.forum_attendance)
        for clock in clocks:
            a, b, _, who = group_conversations(
                key, MIXING_PROBE, int(clock), one_group, offsets, members, attendance, unstructured, org,
                params.forum_contacts, params.homophily, params.acquaintance_preference, ties.index_array, leaders.n)
            pa, pb = position[a], position[b]
            out["conversations"] += int(np.count_nonzero(cross[pa, pb]))
            out["with_known"] += int(np.count_nonzero(cross_known[pa, pb]))
            present = position[who]
            out["pairs"] += int(np.count_nonzero(cross[present][:, present])) // 2  # each pair is counted twice
            out["known_pairs"] += int(np.count_nonzero(cross_known[present][:, present])) // 2
    return out


def _member_pairs(members: np.ndarray, org: np.ndarray, ties) -> tuple[np.ndarray, np.ndarray]:
    """Over a group's members (in their order), symmetric with a False diagonal: whether each pair
    is from different organisations, and whether it is from different organisations and has a tie."""
    i, j = np.triu_indices(members.size, 1)
    cross = np.zeros((members.size, members.size), bool)
    cross_known = np.zeros_like(cross)
    cross[i, j] = org[members[i]] != org[members[j]]
    cross_known[i, j] = cross[i, j] & (ties.find(members[i], members[j])[0] >= 0)
    return cross | cross.T, cross_known | cross_known.T


def mixing_odds_ratio(counts: dict[str, int]) -> float:
    """The odds of a cross-organisation conversation being with someone known over the odds of a
    cross-organisation pair of attendees knowing each other (1: no preference)."""
    p = counts["with_known"] / max(counts["conversations"], 1)
    q = counts["known_pairs"] / max(counts["pairs"], 1)
    if p in (0.0, 1.0) or q in (0.0, 1.0):
        return float("nan")
    return (p / (1 - p)) / (q / (1 - q))
