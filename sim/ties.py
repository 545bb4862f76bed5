"""Submodel 6, ties: growth with use, decay without, bridges decaying fastest.

A tie used this week grows w <- w + g (1 - w) (Burt 2000). An unused tie decays
w <- w (1 - d), with d = d_bridge for a bridge (its ends share no strong contact
at the last structure refresh, or at its creation) and d_embedded otherwise
(Burt 2002: bridges decay much faster than embedded ties). Ties weaker than the
removal threshold are dropped. New ties come from meetings (including triadic
introductions, Davidsen et al. 2002) and start from zero strength.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.network import _remove
from sim.state import Process


@njit(cache=True, inline="always")
def _strength_step(w, used, embedded, growth, bridge_rate, embedded_rate, removal):
    """In place: growth of used ties, decay of the others; returns the mask of ties that stay."""
    keep = np.empty(w.size, np.bool_)
    for r in range(w.size):
        if used[r]:
            w[r] = w[r] + growth * (1.0 - w[r])
        else:
            w[r] = w[r] * (1.0 - (embedded_rate if embedded[r] else bridge_rate))
        keep[r] = w[r] >= removal
    return keep


def update_strength(w: np.ndarray, used: np.ndarray, embedded: np.ndarray, growth: float,
                    bridge_rate: float, embedded_rate: float) -> np.ndarray:
    """One week of growth (used ties) and decay (unused ties); returns new strengths."""
    out = np.array(w, float)
    _strength_step(out, np.asarray(used, bool), np.asarray(embedded, bool), float(growth), float(bridge_rate),
                   float(embedded_rate), -np.inf)
    return out


def survivors(w: np.ndarray, removal: float) -> np.ndarray:
    """Mask of ties that stay."""
    return w >= removal


def weeks_to_fade(w0: float, rate: float, removal: float) -> float:
    """Closed form: unused weeks until a tie of strength w0 falls below removal."""
    if w0 < removal:
        return 0.0
    return float(np.ceil(np.log(removal / w0) / np.log(1.0 - rate)))


def refresh_embeddedness(ties, strong_tie: float) -> None:
    """A tie is embedded when its ends share a contact through two strong ties (ties created
    before the next refresh are judged against the strong ties of this one)."""
    ties.refresh_structure(strong_tie)


@njit(cache=True, inline="always")
def _ties_week(used_rows, w, embedded, count, growth, bridge_rate, embedded_rate, removal):
    """Growth and decay of every tie (in place); returns the mask of ties that stay and whether
    any goes."""
    used = np.empty(count, np.bool_)  # np.empty and a loop: np.zeros would be one more compilation
    for r in range(count):
        used[r] = False
    for i in range(used_rows.size):
        used[used_rows[i]] = True
    keep = _strength_step(w[:count], used, embedded[:count], growth, bridge_rate, embedded_rate, removal)
    dropped = False
    for r in range(count):
        if not keep[r]:
            dropped = True
            break
    return keep, dropped


@njit(cache=True)
def _ties_week_pruned(used_rows, w, embedded, count, growth, bridge_rate, embedded_rate, removal, table):
    """`_ties_week`, then the dropped ties leave the table in the same call (`table`:
    `TieTable.removal_arrays()`). Returns (new count, index slots freed), for `TieTable.removed`."""
    keep, dropped = _ties_week(used_rows, w, embedded, count, growth, bridge_rate, embedded_rate, removal)
    if not dropped:
        return count, 0
    u, v, pos, neg, trust, cross, n, index, adj, deg, at, due = table
    return _remove(keep, u, v, w, pos, neg, trust, cross, embedded, count, n, index, adj, deg, at, due)


def listening_growth(growth: float, listening_u, listening_v, gain: float, reference: float) -> np.ndarray:
    """The relationships variant's tie growth for a conversation between leaders with listening
    l_u and l_v: g max(0, 1 + gain ((l_u + l_v) / 2 - reference))."""
    mean = 0.5 * (np.asarray(listening_u, float) + np.asarray(listening_v, float))
    return growth * np.maximum(0.0, 1.0 + gain * (mean - reference))


@njit(cache=True)
def _ties_week_listening(used_rows, w, embedded, count, growth, bridge_rate, embedded_rate, removal, u, v,
                         listening, gain, reference):
    """As `_ties_week`, with each used tie growing at the rate `listening_growth` gives it."""
    used = np.empty(count, np.bool_)  # np.empty and a loop: np.zeros would be one more compilation
    for r in range(count):
        used[r] = False
    for i in range(used_rows.size):
        used[used_rows[i]] = True
    keep = np.empty(count, np.bool_)
    dropped = False
    for r in range(count):
        if used[r]:
            g = growth * max(0.0, 1.0 + gain * (0.5 * (listening[u[r]] + listening[v[r]]) - reference))
            w[r] = min(w[r] + g * (1.0 - w[r]), 1.0)
        else:
            w[r] = w[r] * (1.0 - (embedded_rate if embedded[r] else bridge_rate))
        keep[r] = w[r] >= removal
        if not keep[r]:
            dropped = True
    return keep, dropped


class Ties(Process):
    """6. Ties: growth of the ties used this week, decay of the others (bridges fastest),
    pruning; every `structure_every` weeks the embeddedness of each tie is recomputed.

    `listening="relationships"` (`sim.mechanisms`): a tie grows faster the better its two
    leaders listen (`listening_growth`)."""

    name = "ties"

    def __init__(self, listening: str = "perception", listening_tie_gain: float = 1.5):
        self.listening = listening
        self.listening_tie_gain = float(listening_tie_gain)

    def __repr__(self) -> str:
        return f"Ties(listening={self.listening!r})"

    def step(self, state, params, week, rng) -> None:
        ties = state.ties
        if self.listening == "relationships":
            keep, dropped = _ties_week_listening(week.used_rows, ties._w, ties._embedded, ties.count,
                                                 params.tie_growth, params.bridge_decay, params.embedded_decay,
                                                 params.tie_removal, ties._u, ties._v, state.leaders.listening,
                                                 self.listening_tie_gain, params.listening_mean)
            if dropped:
                ties.keep(keep)
        else:
            ties.removed(*_ties_week_pruned(week.used_rows, ties._w, ties._embedded, ties.count, params.tie_growth,
                                            params.bridge_decay, params.embedded_decay, params.tie_removal,
                                            ties.removal_arrays()))
        if week.clock % params.structure_every == 0:
            refresh_embeddedness(ties, params.strong_tie)
