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

from sim.state import Process


@njit(cache=True)
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


@njit(cache=True)
def _ties_week(used_rows, w, embedded, count, growth, bridge_rate, embedded_rate, removal):
    """Growth and decay of every tie (in place); returns the mask of ties that stay and whether
    any goes."""
    used = np.zeros(count, np.bool_)
    for i in range(used_rows.size):
        used[used_rows[i]] = True
    keep = _strength_step(w[:count], used, embedded[:count], growth, bridge_rate, embedded_rate, removal)
    dropped = False
    for r in range(count):
        if not keep[r]:
            dropped = True
            break
    return keep, dropped


class Ties(Process):
    """6. Ties: growth of the ties used this week, decay of the others (bridges fastest),
    pruning; every `structure_every` weeks the embeddedness of each tie is recomputed."""

    name = "ties"

    def step(self, state, params, week, rng) -> None:
        ties = state.ties
        keep, dropped = _ties_week(week.used_rows, ties._w, ties._embedded, ties.count, params.tie_growth,
                                   params.bridge_decay, params.embedded_decay, params.tie_removal)
        if dropped:
            ties.keep(keep)
        if week.clock % params.structure_every == 0:
            refresh_embeddedness(ties, params.strong_tie)
