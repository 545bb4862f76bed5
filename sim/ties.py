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

from sim.kernels import Kernel
from sim.network import _refresh_bitsets, _remove
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


REHASH, REFRESH = 1, 2
"""Bits of the ties kernel's status: the pair index holds too many deleted keys (the tie table
rebuilds it), and a structure refresh is due in a network too large for bitsets (the tie table
refreshes from sorted lists in Python). `Ties.finish` does both."""


@njit(cache=True, inline="always")
def _prune_and_refresh(clock, keep, dropped, tie_u, tie_v, tie_w, tie_trust_pos, tie_trust_neg, tie_trust, tie_cross,
                       tie_embedded, tie_count, n_leaders, tie_index, tie_adj, tie_degree, tie_at, tie_due, tie_deleted,
                       tie_deleted_limit, structure_every, strong_tie, tie_snap_bits):
    """The end of the ties process: dropped ties leave the table, then the structure refresh when
    it is due (bitsets: here; sorted lists: asked of Python). Returns (status, count, deleted)."""
    if dropped:
        tie_count, freed = _remove(keep, tie_u, tie_v, tie_w, tie_trust_pos, tie_trust_neg, tie_trust, tie_cross,
                                   tie_embedded, tie_count, n_leaders, tie_index, tie_adj, tie_degree, tie_at, tie_due)
        tie_deleted += freed
    status = REHASH if tie_deleted > tie_deleted_limit else 0
    if clock % structure_every == 0:
        if tie_snap_bits.shape[0]:
            _refresh_bitsets(tie_u, tie_v, tie_w, tie_count, strong_tie, tie_snap_bits, tie_embedded)
        else:
            status |= REFRESH
    return status, tie_count, tie_deleted


@njit(cache=True)
def ties_week(clock, used_rows, tie_w, tie_embedded, tie_count, tie_growth, bridge_decay, embedded_decay, tie_removal,
              tie_u, tie_v, tie_trust_pos, tie_trust_neg, tie_trust, tie_cross, n_leaders, tie_index, tie_adj,
              tie_degree, tie_at, tie_due, tie_deleted, tie_deleted_limit, structure_every, strong_tie, tie_snap_bits):
    """Growth and decay of every tie (`_ties_week`), the dropped ties out of the table, and the
    structure refresh when due. Returns (status, tie count, deleted index slots)."""
    keep, dropped = _ties_week(used_rows, tie_w, tie_embedded, tie_count, tie_growth, bridge_decay, embedded_decay,
                               tie_removal)
    return _prune_and_refresh(clock, keep, dropped, tie_u, tie_v, tie_w, tie_trust_pos, tie_trust_neg, tie_trust,
                              tie_cross, tie_embedded, tie_count, n_leaders, tie_index, tie_adj, tie_degree, tie_at,
                              tie_due, tie_deleted, tie_deleted_limit, structure_every, strong_tie, tie_snap_bits)


def listening_growth(growth: float, listening_u, listening_v, gain: float, reference: float) -> np.ndarray:
    """The relationships variant's tie growth for a conversation between leaders with listening
    l_u and l_v: g max(0, 1 + gain ((l_u + l_v) / 2 - reference))."""
    mean = 0.5 * (np.asarray(listening_u, float) + np.asarray(listening_v, float))
    return growth * np.maximum(0.0, 1.0 + gain * (mean - reference))


@njit(cache=True)
def ties_week_listening(clock, used_rows, tie_w, tie_embedded, tie_count, tie_growth, bridge_decay, embedded_decay,
                        tie_removal, tie_u, tie_v, listening, listening_tie_gain, listening_mean, tie_trust_pos,
                        tie_trust_neg, tie_trust, tie_cross, n_leaders, tie_index, tie_adj, tie_degree, tie_at, tie_due,
                        tie_deleted, tie_deleted_limit, structure_every, strong_tie, tie_snap_bits):
    """As `ties_week`, with each used tie growing at the rate `listening_growth` gives it."""
    used = np.empty(tie_count, np.bool_)  # np.empty and a loop: np.zeros would be one more compilation
    for r in range(tie_count):
        used[r] = False
    for i in range(used_rows.size):
        used[used_rows[i]] = True
    keep = np.empty(tie_count, np.bool_)
    dropped = False
    for r in range(tie_count):
        if used[r]:
            g = tie_growth * max(0.0, 1.0 + listening_tie_gain * (0.5 * (listening[tie_u[r]] + listening[tie_v[r]])
                                                                  - listening_mean))
            tie_w[r] = min(tie_w[r] + g * (1.0 - tie_w[r]), 1.0)
        else:
            tie_w[r] = tie_w[r] * (1.0 - (embedded_decay if tie_embedded[r] else bridge_decay))
        keep[r] = tie_w[r] >= tie_removal
        if not keep[r]:
            dropped = True
    return _prune_and_refresh(clock, keep, dropped, tie_u, tie_v, tie_w, tie_trust_pos, tie_trust_neg, tie_trust,
                              tie_cross, tie_embedded, tie_count, n_leaders, tie_index, tie_adj, tie_degree, tie_at,
                              tie_due, tie_deleted, tie_deleted_limit, structure_every, strong_tie, tie_snap_bits)


_TIE_TABLE = ("tie_u", "tie_v", "tie_w", "tie_trust_pos", "tie_trust_neg", "tie_trust", "tie_cross", "tie_embedded",
              "tie_index", "tie_adj", "tie_degree", "tie_at", "tie_due", "tie_snap_bits")
_STRENGTH = Kernel(ties_week, returns=("status", "tie_count", "tie_deleted"), writes=_TIE_TABLE)
_LISTENING = Kernel(ties_week_listening, returns=("status", "tie_count", "tie_deleted"), writes=_TIE_TABLE)


class Ties(Process):
    """6. Ties: growth of the ties used this week, decay of the others (bridges fastest),
    pruning; every `structure_every` weeks the embeddedness of each tie is recomputed.

    `listening="relationships"` (`sim.mechanisms`): a tie grows faster the better its two
    leaders listen (`listening_growth`)."""

    name = "ties"
    kernel_constants = ("listening_tie_gain",)

    def __init__(self, listening: str = "perception", listening_tie_gain: float = 1.5):
        self.listening = listening
        self.listening_tie_gain = float(listening_tie_gain)

    @property
    def kernel(self) -> Kernel:
        return _LISTENING if self.listening == "relationships" else _STRENGTH

    def __repr__(self) -> str:
        return f"Ties(listening={self.listening!r})"

    def finish(self, state, params, week, status) -> bool:
        """Rebuild the pair index and, in a network too large for bitsets, refresh the structure
        from sorted lists (`TieTable.refresh_structure`)."""
        if status & REHASH:
            state.ties.rehash()
        if status & REFRESH:
            state.ties.refresh_structure(params.strong_tie)
        return False
