"""Per-leader values of a run, and Cohen's d between the two arms of a paired replicate.

The weekly metrics are group means; an effect size that means what it says is a difference in
per-leader values over their spread across leaders (Cohen 1988), not over the spread of group
means across replicates (which shrinks as the group grows). `per_leader` reads each leader's
value of every outcome the summary reports; `cohens_d` compares the two arms of one replicate,
leader for leader, over the counterfactual arm's SD across the group's leaders. The per-leader
system-first share is the project's one definition (`sim.metrics.system_first_share`), over the
window since the previous measurement.
"""

from __future__ import annotations

import numpy as np

from sim.metrics import system_first_share

OUTCOMES = ("orientation", "system_first", "strong_cross_ties", "cross_org_trust", "listening", "system_sight",
            "efficacy")
"""The per-leader outcomes, named as the group metrics (`sim.metrics.GROUP_METRICS`)."""


def per_leader(model, decisions_before: dict, decisions_now: dict) -> dict[str, np.ndarray]:
    """Each slot's value of every outcome now (system-first share over the window between the
    two decision records; cross-organisation trust: the mean trust the leader holds in their
    cross-organisation ties, NaN without one)."""
    leaders, ties = model.state.leaders, model.state.ties
    n = leaders.n
    strong = ties.cross & (ties.w >= model.params.strong_tie)
    cross = ties.cross
    held = np.bincount(ties.u[cross], ties.trust[cross, 0], n) + np.bincount(ties.v[cross], ties.trust[cross, 1], n)
    count = np.bincount(ties.u[cross], minlength=n) + np.bincount(ties.v[cross], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        trust = np.where(count > 0, held / count, np.nan)
    return {"orientation": leaders.orientation.copy(),
            "system_first": system_first_share(decisions_before, decisions_now),
            "strong_cross_ties": (np.bincount(ties.u[strong], minlength=n)
                                  + np.bincount(ties.v[strong], minlength=n)).astype(float),
            "cross_org_trust": trust, "listening": leaders.listening.copy(),
            "system_sight": leaders.system_sight.copy(), "efficacy": leaders.efficacy.copy()}


def cohens_d(treated: dict[str, np.ndarray], untreated: dict[str, np.ndarray], groups: dict[str, np.ndarray]
             ) -> list[dict]:
    """For each outcome and group (name -> slots), Cohen's d: the mean of the treated arm's values
    minus the mean of the untreated arm's, over the same leaders (those with a value in both
    arms), over the untreated arm's SD across them (NaN with fewer than two leaders or no
    spread); also that difference (`effect`) and the untreated mean (`counterfactual`)."""
    rows = []
    for outcome in OUTCOMES:
        for group, slots in groups.items():
            a, b = treated[outcome][slots], untreated[outcome][slots]
            both = np.isfinite(a) & np.isfinite(b)
            a, b = a[both], b[both]
            sd = b.std(ddof=1) if b.size > 1 else np.nan
            difference = float(a.mean() - b.mean()) if b.size else np.nan
            d = difference / sd if b.size > 1 and sd > 0 else np.nan
            rows.append({"metric": f"{outcome}_{group}", "cohens_d": d, "leaders": int(b.size),
                         "effect": difference, "counterfactual": float(b.mean()) if b.size else np.nan})
    return rows
