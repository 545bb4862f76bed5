"""Submodel 1, meetings: who talks to whom this week.

Four channels, each a pure function of arrays and a random generator:
forum meetings on their schedules, use of existing ties (more likely the
stronger the tie), introductions to friends of friends (triadic closure) and
rare chance encounters. Conversations across organisations are accepted with
probability 1 / homophily relative to same-organisation ones (McPherson et al.
2001; Ingram & Morris 2007), except in structured (facilitated) meetings, where
conversations are steered across boundaries (Boudreau et al. 2017).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.state import Process


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
        return len(self.names) - 1

    @classmethod
    def empty(cls) -> "Forums":
        return cls([], [], np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, bool),
                   np.zeros(0), np.zeros(0))


def accept_homophily(rng: np.random.Generator, a: np.ndarray, b: np.ndarray, org: np.ndarray,
                     homophily: float) -> np.ndarray:
    """Mask of conversations that happen: same-organisation always, cross with p = 1/homophily."""
    same = org[a] == org[b]
    return same | (rng.random(a.size) < 1.0 / homophily)


def group_conversations(rng: np.random.Generator, groups: list[np.ndarray], structured: np.ndarray,
                        org: np.ndarray, attendance: float, contacts: float, homophily: float):
    """Conversations inside meetings of the given groups.

    Each member attends with probability `attendance`; each attendee starts a
    Poisson(`contacts`) number of conversations with uniformly drawn other
    attendees of the same meeting. Returns the pairs (a, b).
    """
    if not groups:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    sizes = np.fromiter((g.size for g in groups), np.int64, len(groups))
    members = np.concatenate(groups)
    gid = np.repeat(np.arange(len(groups)), sizes)
    present = rng.random(members.size) < attendance
    members, gid = members[present], gid[present]
    counts = np.bincount(gid, minlength=len(groups))
    start = np.cumsum(counts) - counts
    n_conv = rng.poisson(contacts, members.size)
    pos = np.repeat(np.arange(members.size), n_conv)
    g = gid[pos]
    m = counts[g]
    ok = m >= 2
    pos, g, m = pos[ok], g[ok], m[ok]
    step = 1 + np.floor(rng.random(pos.size) * (m - 1)).astype(np.int64)
    partner = start[g] + (pos - start[g] + step) % m
    a, b = members[pos], members[partner]
    same = org[a] == org[b]
    chance = rng.random(a.size) < 1.0 / homophily
    keep = np.where(structured[g], ~same, same | chance)
    return a[keep], b[keep]


def forum_conversations(rng: np.random.Generator, forums: Forums, week: int, org: np.ndarray,
                        attendance: float, contacts: float, homophily: float):
    """Conversations in the forums that meet this week."""
    today = forums.meeting(week)
    return group_conversations(rng, [forums.members[i] for i in today], forums.structured[today],
                               org, attendance, contacts, homophily)


def tie_use(rng: np.random.Generator, strength: np.ndarray, rate: float) -> np.ndarray:
    """Mask of ties used this week: a tie of strength w is used with probability rate * w."""
    return rng.random(strength.size) < rate * strength


def introductions(rng: np.random.Generator, indptr: np.ndarray, nbrs: np.ndarray, rate: float,
                  org: np.ndarray, homophily: float):
    """Triadic closure: some leaders are introduced by a contact to one of that contact's contacts."""
    n = indptr.size - 1
    deg = np.diff(indptr)
    i = np.flatnonzero((rng.random(n) < rate) & (deg > 0))
    j = nbrs[indptr[i] + np.floor(rng.random(i.size) * deg[i]).astype(np.int64)]
    k = nbrs[indptr[j] + np.floor(rng.random(j.size) * deg[j]).astype(np.int64)]
    keep = k != i
    i, k = i[keep], k[keep]
    keep = accept_homophily(rng, i, k, org, homophily)
    return i[keep], k[keep]


def encounters(rng: np.random.Generator, n: int, rate: float, org: np.ndarray, homophily: float):
    """Chance encounters: about rate * n / 2 uniformly random pairs, filtered by homophily."""
    m = rng.poisson(rate * n / 2.0)
    a = rng.integers(0, n, m)
    b = rng.integers(0, n, m)
    keep = a != b
    a, b = a[keep], b[keep]
    keep = accept_homophily(rng, a, b, org, homophily)
    return a[keep], b[keep]


class Meetings(Process):
    """1. Meetings: forum conversations, tie use, introductions, chance encounters, and the
    conversations interventions added this week."""

    name = "meetings"
    stream = "meetings"

    def step(self, state, params, week, rng) -> None:
        org = state.leaders.org
        fa, fb = forum_conversations(rng, state.forums, week.clock, org, params.forum_attendance,
                                     params.forum_contacts, params.homophily)
        used = tie_use(rng, state.ties.w, params.tie_use_rate)
        indptr, nbrs = state.ties.neighbours()
        ta, tb = introductions(rng, indptr, nbrs, params.triadic_rate, org, params.homophily)
        ea, eb = encounters(rng, state.leaders.n, params.random_encounter_rate, org, params.homophily)
        added_a = [a for a, _ in week.added_conversations]
        added_b = [b for _, b in week.added_conversations]
        week.conversations = (np.concatenate([fa, state.ties.u[used], ta, ea, *added_a]).astype(np.int64),
                              np.concatenate([fb, state.ties.v[used], tb, eb, *added_b]).astype(np.int64))
