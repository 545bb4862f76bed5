"""Submodel 6, ties: growth with use, decay without, bridges decaying fastest.

A tie used this week grows w <- w + g (1 - w) (Burt 2000). An unused tie decays
w <- w (1 - d), with d = d_bridge for a bridge (its ends share no strong contact
at the last structure refresh, or at its creation) and d_embedded otherwise: about 4%/week vs 1%/week, so that
nine in ten bridges are gone within a year (Burt 2002). Ties weaker than the
removal threshold are dropped. New ties come from meetings (including triadic
introductions, Davidsen et al. 2002) and start from zero strength.
"""

from __future__ import annotations

import numpy as np

from sim.state import Process


def update_strength(w: np.ndarray, used: np.ndarray, embedded: np.ndarray, growth: float,
                    bridge_rate: float, embedded_rate: float) -> np.ndarray:
    """One week of growth (used ties) and decay (unused ties)."""
    rate = np.where(embedded, embedded_rate, bridge_rate)
    return np.where(used, w + growth * (1.0 - w), w * (1.0 - rate))


def survivors(w: np.ndarray, removal: float) -> np.ndarray:
    """Mask of ties that stay."""
    return w >= removal


def weeks_to_fade(w0: float, rate: float, removal: float) -> float:
    """Closed form: unused weeks until a tie of strength w0 falls below removal."""
    if w0 < removal:
        return 0.0
    return float(np.ceil(np.log(removal / w0) / np.log(1.0 - rate)))


class Ties(Process):
    """6. Ties: growth of the ties used this week, decay of the others (bridges fastest),
    pruning; every `structure_every` weeks the embeddedness of each tie is recomputed."""

    name = "ties"

    def step(self, state, params, week, rng) -> None:
        ties = state.ties
        used = np.zeros(len(ties), bool)
        used[week.used_rows] = True
        ties.w = update_strength(ties.w, used, ties.embedded, params.tie_growth, params.bridge_decay,
                                 params.embedded_decay)
        keep = survivors(ties.w, params.tie_removal)
        if not keep.all():
            ties.keep(keep)
        if week.clock % params.structure_every == 0:
            refresh_embeddedness(ties, params.strong_tie)


def refresh_embeddedness(ties, strong_tie: float) -> None:
    """A tie is embedded when its ends share a contact through two strong ties."""
    ties.embedded = ties.common_neighbours(strong_tie) > 0
