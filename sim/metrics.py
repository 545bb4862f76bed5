"""Observation (model level): the weekly metrics the DataCollector records.

All are cheap, vectorised summaries of the state arrays and the tie table.
Choice and success rates are over a rolling window of the last few weeks, so a
week without issues does not leave a gap.
"""

from __future__ import annotations

import numpy as np

from sim.network import TieTable
from sim.state import WINDOW, Process
from sim.trust import trust_value

METRICS: dict[str, str] = {
    "mean_orientation": "mean system orientation of all leaders",
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
    "system_sight": "mean system sight",
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
    value = np.concatenate([trust_value(ties.trust_pos[c, 0], ties.trust_neg[c, 0], propensity[ties.u[c]]),
                            trust_value(ties.trust_pos[c, 1], ties.trust_neg[c, 1], propensity[ties.v[c]])])
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
        out[f"orientation_{g}"] = float(leaders.orientation[m].sum() / k)
        out[f"system_first_{g}"] = system_first[g]
        out[f"strong_cross_ties_{g}"] = float(strong_cross[m].sum() / k)
        tn = trust_n[m].sum()
        out[f"cross_org_trust_{g}"] = (float(trust_sum[m].sum() / tn) if tn
                                       else float(leaders.trust_propensity[m].mean()))
        out[f"listening_{g}"] = float(leaders.listening[m].sum() / k)
        out[f"system_sight_{g}"] = float(leaders.system_sight[m].sum() / k)
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


def interorg_trust(trust_pos: np.ndarray, trust_neg: np.ndarray, prior: float) -> float:
    k = trust_pos.shape[0]
    if k < 2:
        return prior
    off = ~np.eye(k, dtype=bool)
    return float(trust_value(trust_pos[off], trust_neg[off], prior).mean())


def window_share(numerators: np.ndarray, denominators: np.ndarray, default: float) -> float:
    """Ratio of window sums; `default` (the last value) when the window holds no events."""
    den = denominators.sum()
    return float(numerators.sum() / den) if den > 0 else default


def initial_metrics() -> dict[str, float]:
    """The rates' values before any event has been observed."""
    return {k: 0.0 for k in ("system_first_share", "issue_success_rate", "system_first_participants",
                             "system_first_others")}


class Metrics(Process):
    """8. Observation: the week's model-level metrics (`METRICS`, and `GROUP_METRICS` by
    group once an intervention has marked a cohort), which Mesa's DataCollector records."""

    name = "metrics"
    during_burn_in = False
    observation = True

    def step(self, state, params, week, rng) -> None:
        leaders, w, m = state.leaders, state.windows.counts, state.metrics
        slot = week.number % WINDOW
        w["decisions"][slot] = week.contributed.size
        w["contributions"][slot] = week.contributed.sum()
        w["issues"][slot] = week.success.size
        w["successes"][slot] = week.success.sum()
        m["system_first_share"] = window_share(w["contributions"], w["decisions"], m["system_first_share"])
        m["issue_success_rate"] = window_share(w["successes"], w["issues"], m["issue_success_rate"])
        m["mean_orientation"] = float(leaders.orientation.mean())
        m["interorg_trust"] = interorg_trust(state.org_trust.trust_pos, state.org_trust.trust_neg,
                                             state.org_trust.prior)
        m["mean_listening"] = float(leaders.listening.mean())
        m["mean_efficacy"] = float(leaders.efficacy.mean())
        m["mean_system_sight"] = float(leaders.system_sight.mean())
        trust = cross_trust(state.ties, leaders.trust_propensity)
        m.update(tie_metrics(state.ties, leaders.trust_propensity, params.strong_tie, trust))
        if leaders.participant.any():
            in_cohort = leaders.participant[week.representatives]
            masks = {"participants": leaders.participant, "others": ~leaders.participant}
            for g, mask in (("participants", in_cohort), ("others", ~in_cohort)):
                w[f"decisions_{g}"][slot] = mask.sum()
                w[f"contributions_{g}"][slot] = (week.contributed & mask).sum()
                m[f"system_first_{g}"] = window_share(w[f"contributions_{g}"], w[f"decisions_{g}"],
                                                      m[f"system_first_{g}"])
            m.update(group_metrics(state.ties, leaders, params.strong_tie, masks,
                                   {g: m[f"system_first_{g}"] for g in GROUPS}, trust))
