"""Observation (model level): the weekly metrics the DataCollector records.

All are summaries of the state arrays and the tie table, computed in one
compiled pass over ties and leaders. Choice and success rates are over a rolling
window of the last few weeks, so a week without issues does not leave a gap.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.kernels import Kernel
from sim.state import WINDOW, Process

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


@njit(cache=True, inline="always")
def _summaries(u, v, w, trust, cross, embedded, count, propensity, orientation, listening, sight, efficacy,
               participant, strong, org_pos, org_neg, org_prior):
    """Tie-level counts, inter-organisational trust, and per-group means: returns
    (tie values [cross_org_trust, strong_cross_share, ei_index, bridges, cross_org_ties, n_ties,
    interorg_trust], group values [2 x 6: orientation, strong_cross_ties, cross_org_trust,
    listening, system_sight, efficacy], group sizes)."""
    n = orientation.size
    # np.empty and loops, not np.zeros: each np.zeros signature is one more compilation (docs/performance.md)
    strong_cross = np.empty(n)
    trust_sum = np.empty(n)
    trust_n = np.empty(n)
    for i in range(n):
        strong_cross[i] = trust_sum[i] = trust_n[i] = 0.0
    n_strong = 0
    ext = 0
    bridges = 0
    n_cross = 0
    all_trust, all_n = 0.0, 0
    for r in range(count):
        a, b = u[r], v[r]
        is_strong = w[r] >= strong
        if is_strong:
            n_strong += 1
        if cross[r]:
            n_cross += 1
            if not embedded[r]:
                bridges += 1
            if is_strong:
                ext += 1
                strong_cross[a] += 1
                strong_cross[b] += 1
            t_ab, t_ba = trust[r, 0], trust[r, 1]
            trust_sum[a] += t_ab
            trust_sum[b] += t_ba
            trust_n[a] += 1
            trust_n[b] += 1
            all_trust += t_ab + t_ba
            all_n += 2
    share = ext / n_strong if n_strong else 0.0
    k = org_pos.shape[0]
    interorg = org_prior
    if k >= 2:
        total = 0.0
        for x in range(k):
            for y in range(k):
                if x != y:
                    total += (org_pos[x, y] + 2.0 * org_prior) / (org_pos[x, y] + org_neg[x, y] + 2.0)
        interorg = total / (k * (k - 1))
    # plain loops and assignments here: numpy reductions and np.array([...]) each add compile time
    mean_propensity = 0.0
    for i in range(n):
        mean_propensity += propensity[i]
    mean_propensity /= n
    ties = np.empty(7)
    ties[0] = all_trust / all_n if all_n else mean_propensity
    ties[1], ties[2] = share, 2.0 * share - 1.0 if n_strong else -1.0
    ties[3], ties[4], ties[5], ties[6] = float(bridges), float(n_cross), float(count), interorg
    groups = np.empty((2, 6))
    size = np.empty(2)
    t_sum = np.empty(2)
    t_n = np.empty(2)
    p_sum = np.empty(2)
    for g in range(2):
        size[g] = t_sum[g] = t_n[g] = p_sum[g] = 0.0
        for c in range(6):
            groups[g, c] = 0.0
    for i in range(n):
        g = 0 if participant[i] else 1
        size[g] += 1
        groups[g, 0] += orientation[i]
        groups[g, 1] += strong_cross[i]
        groups[g, 3] += listening[i]
        groups[g, 4] += sight[i]
        groups[g, 5] += efficacy[i]
        t_sum[g] += trust_sum[i]
        t_n[g] += trust_n[i]
        p_sum[g] += propensity[i]
    for g in range(2):
        m = max(size[g], 1.0)
        for c in (0, 1, 3, 4, 5):
            groups[g, c] /= m
        groups[g, 2] = t_sum[g] / t_n[g] if t_n[g] else (p_sum[g] / size[g] if size[g] else np.nan)
    return ties, groups, size


@njit(cache=True, inline="always")
def _rates(slot, contributed, success, reps, participant, counts, rates):
    """This week's events into the rolling window (slot), then the window rates (in place);
    a rate keeps its last value while its window holds no events."""
    n_issues, k = contributed.shape
    decisions = n_issues * k
    yes = 0
    yes_p = 0
    dec_p = 0
    for q in range(n_issues):
        for i in range(k):
            p = participant[reps[q, i]]
            dec_p += p
            if contributed[q, i]:
                yes += 1
                yes_p += p
    won = 0
    for q in range(n_issues):
        won += success[q]
    week = (decisions, yes, n_issues, won, dec_p, yes_p, decisions - dec_p, yes - yes_p)
    for row in range(8):
        counts[row, slot] = week[row]
    for j, (num, den) in enumerate(((1, 0), (3, 2), (5, 4), (7, 6))):
        total = 0.0
        events = 0.0
        for s in range(counts.shape[1]):
            total += counts[den, s]
            events += counts[num, s]
        if total > 0:
            rates[j] = events / total


@njit(cache=True)
def metrics_week(week_number, contributed, success, representatives, participant, window_counts, window_rates, tie_u,
                 tie_v, tie_w, tie_trust, tie_cross, tie_embedded, tie_count, trust_propensity, orientation, listening,
                 system_sight, efficacy, strong_tie, org_trust_pos, org_trust_neg, org_trust_prior):
    """Every metric of the week, in the order of `ALL_NAMES` (the week's events go into the
    rolling windows first)."""
    _rates(week_number % WINDOW, contributed, success, representatives, participant, window_counts, window_rates)
    ties, groups, size = _summaries(tie_u, tie_v, tie_w, tie_trust, tie_cross, tie_embedded, tie_count,
                                    trust_propensity, orientation, listening, system_sight, efficacy, participant,
                                    strong_tie, org_trust_pos, org_trust_neg, org_trust_prior)
    rates = window_rates
    total = max(size[0] + size[1], 1.0)
    everyone = np.empty(6)
    for c in range(6):
        everyone[c] = (groups[0, c] * size[0] + groups[1, c] * size[1]) / total
    out = np.empty(13 + 14)
    out[0] = everyone[0]
    out[1], out[2] = rates[0], rates[1]
    # ties: cross_org_trust, strong_cross_share, ei_index, bridges, cross_org_ties, n_ties, interorg_trust
    out[3], out[4], out[5], out[6] = ties[0], ties[6], ties[1], ties[2]
    out[7], out[8], out[9] = ties[3], ties[4], ties[5]
    out[10], out[11], out[12] = everyone[3], everyone[5], everyone[4]
    for g in range(2):
        base = 13 + 7 * g
        out[base] = groups[g, 0]
        out[base + 1] = rates[2 + g]
        out[base + 2], out[base + 3] = groups[g, 1], groups[g, 2]
        out[base + 4], out[base + 5], out[base + 6] = groups[g, 3], groups[g, 4], groups[g, 5]
    return out


ALL_NAMES = (*METRICS, *(f"{m}_{g}" for g in GROUPS for m in GROUP_METRICS))
"""`METRICS`, then `GROUP_METRICS` for participants, then for others."""
assert ALL_NAMES[:13] == ("mean_orientation", "system_first_share", "issue_success_rate", "cross_org_trust",
                          "interorg_trust", "strong_cross_share", "ei_index", "bridges", "cross_org_ties", "n_ties",
                          "mean_listening", "mean_efficacy", "mean_system_sight")


def window_share(numerators: np.ndarray, denominators: np.ndarray, default: float) -> float:
    """Ratio of window sums; `default` (the last value) when the window holds no events."""
    den = denominators.sum()
    return float(numerators.sum() / den) if den > 0 else default


def initial_metrics() -> dict[str, float]:
    """The rates' values before any event has been observed."""
    return {k: 0.0 for k in ("system_first_share", "issue_success_rate", "system_first_participants",
                             "system_first_others")}


class Metrics(Process):
    """9. Observation: the week's model-level metrics (`METRICS`, and `GROUP_METRICS` by
    group once an intervention has marked a cohort), which Mesa's DataCollector records."""

    name = "metrics"
    during_burn_in = False
    observation = True
    kernel = Kernel(metrics_week, returns=("metric_values",), writes=("window_counts", "window_rates"))

    def after(self, state, params, week) -> None:
        """The metrics the kernel computed, by name (`state.metrics`)."""
        values = week.metric_values.tolist()
        has_cohort = bool(state.leaders.participant.any())
        state.metrics.update(zip(ALL_NAMES if has_cohort else ALL_NAMES[:13], values))


# ------------------------------------------------------------------ per-leader system-first share

def decision_record(leaders) -> dict[str, np.ndarray]:
    """A snapshot of each slot's leader and running decision counts (`issue_decisions`,
    `system_first_choices`, `system_first_chances`, `issue_success_chances`), from which
    `system_first_share` and `issue_success_share` measure a window."""
    return {"ids": leaders.ids.copy(), "decisions": leaders.issue_decisions.copy(),
            "choices": leaders.system_first_choices.copy(), "chances": leaders.system_first_chances.copy(),
            "successes": leaders.issue_success_chances.copy()}


def system_first_share(start: dict[str, np.ndarray], end: dict[str, np.ndarray], expected: bool = True) -> np.ndarray:
    """Each slot's **per-leader system-first share** over the window between two `decision_record`s:
    the share of the leader's collective-issue decisions in the window that were system-first.

    With `expected` (the project's definition, docs/ODD.md 7.8), each decision counts by its
    probability of being system-first (the logit choice probability), so the share measures the
    leader's disposition in the situations they met rather than the coin flips of a handful of
    decisions, as a rating of on-the-job behaviour does; without, the realised choices. NaN for a
    leader who made no decision in the window, or whose slot changed hands (turnover) within it."""
    decisions = end["decisions"] - start["decisions"]
    numerator = (end["chances"] - start["chances"]) if expected else (end["choices"] - start["choices"])
    same = start["ids"] == end["ids"]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = numerator / decisions
    return np.where(same & (decisions > 0), share, np.nan)


def issue_success_share(start: dict[str, np.ndarray], end: dict[str, np.ndarray]) -> float:
    """The **expected issue success** over the window between two `decision_record`s: the mean,
    over the window's representative decisions, of the probability that the decision's issue
    succeeded given every representative's choice probability. It measures what the realised
    success rate (`issue_success_rate`) measures, without the coin flips of a few dozen issues.
    NaN when no decision fell in the window."""
    same = start["ids"] == end["ids"]
    decisions = np.where(same, end["decisions"] - start["decisions"], 0.0).sum()
    successes = np.where(same, end["successes"] - start["successes"], 0.0).sum()
    return float(successes / decisions) if decisions > 0 else float("nan")
