"""Observation (model level): the weekly metrics the DataCollector records.

All are cheap, vectorised summaries of the state arrays and the tie table.
Choice and success rates are over a rolling window of the last few weeks, so a
week without issues does not leave a gap.
"""

from __future__ import annotations

import numpy as np

from sim.network import TieTable
from sim.trust import trust_value

METRICS: dict[str, str] = {
    "mean_orientation": "mean system orientation s of all leaders",
    "system_first_share": "share of collective-issue decisions that were contributions (rolling window)",
    "issue_success_rate": "share of collective issues that succeeded (rolling window)",
    "cross_org_trust": "mean interpersonal trust over cross-organisation ties (both directions)",
    "interorg_trust": "mean inter-organisational trust between distinct organisations",
    "strong_cross_share": "share of strong ties that cross organisations",
    "ei_index": "Krackhardt E-I index of strong ties: (external - internal) / all",
    "bridges": "cross-organisation ties with no common neighbour (last structure refresh)",
    "cross_org_ties": "number of cross-organisation ties",
    "n_ties": "number of ties",
    "mean_listening": "mean listening",
    "mean_efficacy": "mean efficacy",
    "mean_system_sight": "mean system sight",
}


GROUP_METRICS: dict[str, str] = {
    "orientation": "mean system orientation",
    "system_first": "share of the group's issue decisions that were contributions (rolling window)",
    "strong_cross_ties": "mean number of strong cross-organisation ties per leader",
    "cross_org_trust": "mean trust the group's members hold in their cross-organisation ties",
    "listening": "mean listening",
    "sight": "mean system sight",
    "efficacy": "mean efficacy",
}
"""Recorded for participants and for everyone else (suffixes `_participants`,
`_others`) when an intervention has marked a cohort."""

GROUPS = ("participants", "others")


def cross_trust(ties: TieTable, propensity: np.ndarray):
    """Trust over cross-organisation ties, both directions: (truster ids, trust values).
    Computed once a week and shared by the metrics that need it."""
    c = ties.cross
    truster = np.concatenate([ties.u[c], ties.v[c]])
    value = np.concatenate([trust_value(ties.r[c, 0], ties.s[c, 0], propensity[ties.u[c]]),
                            trust_value(ties.r[c, 1], ties.s[c, 1], propensity[ties.v[c]])])
    return truster, value


def group_metrics(ties: TieTable, leaders, strong: float, masks: dict[str, np.ndarray],
                  system_first: dict[str, float], trust) -> dict[str, float]:
    """GROUP_METRICS for each group mask over leaders; `trust` is `cross_trust`'s result."""
    n = leaders.n
    sel = ties.cross & (ties.w >= strong)
    strong_cross = np.bincount(ties.u[sel], minlength=n) + np.bincount(ties.v[sel], minlength=n)
    truster, value = trust
    trust_sum = np.bincount(truster, value, n)
    trust_n = np.bincount(truster, minlength=n)
    out = {}
    for g, m in masks.items():
        k = max(int(m.sum()), 1)
        out[f"orientation_{g}"] = float(leaders.s[m].sum() / k)
        out[f"system_first_{g}"] = system_first[g]
        out[f"strong_cross_ties_{g}"] = float(strong_cross[m].sum() / k)
        tn = trust_n[m].sum()
        out[f"cross_org_trust_{g}"] = float(trust_sum[m].sum() / tn) if tn else float(leaders.propensity[m].mean())
        out[f"listening_{g}"] = float(leaders.listening[m].sum() / k)
        out[f"sight_{g}"] = float(leaders.sight[m].sum() / k)
        out[f"efficacy_{g}"] = float(leaders.efficacy[m].sum() / k)
    return out


def tie_metrics(ties: TieTable, propensity: np.ndarray, strong: float, trust) -> dict[str, float]:
    """Tie-level metrics; `trust` is `cross_trust`'s result."""
    cross = ties.cross
    is_strong = ties.w >= strong
    n_strong = int(is_strong.sum())
    ext = int((is_strong & cross).sum())
    share = ext / n_strong if n_strong else 0.0
    cross_trust = float(trust[1].mean()) if trust[1].size else float(propensity.mean())
    return {
        "cross_org_trust": cross_trust,
        "strong_cross_share": share,
        "ei_index": 2.0 * share - 1.0 if n_strong else -1.0,
        "bridges": float((cross & ~ties.embedded).sum()),
        "cross_org_ties": float(cross.sum()),
        "n_ties": float(len(ties)),
    }


def interorg_trust(r_org: np.ndarray, s_org: np.ndarray, prior: float) -> float:
    k = r_org.shape[0]
    if k < 2:
        return prior
    off = ~np.eye(k, dtype=bool)
    return float(trust_value(r_org[off], s_org[off], prior).mean())


def window_share(numerators: np.ndarray, denominators: np.ndarray, default: float) -> float:
    """Ratio of window sums; `default` (the last value) when the window holds no events."""
    den = denominators.sum()
    return float(numerators.sum() / den) if den > 0 else default
