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
