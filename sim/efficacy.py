"""Submodel 7, efficacy and system sight.

Efficacy (Bandura 1997) is exponentially smoothed success of the collective
actions a leader joined: e <- e + rho (success - e) for each contribution.

System sight is the share of the other organisations a leader reaches through
strong ties within two steps, the first step across the boundary (what one's own
cross-organisation contacts see, not what one's chief executive sees), discounted
by perception error, and smoothed:
sight <- sight + sigma (reach * (1 - nu0 (1 - listening)) + bonus - sight), where
the bonus is system knowledge from outside the network (programme content). It
is refreshed with the network structure every few weeks.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from sim.state import Process


def update_efficacy(efficacy: np.ndarray, who: np.ndarray, success: np.ndarray, rate: float) -> np.ndarray:
    eff = efficacy.copy()
    np.add.at(eff, who, rate * (success.astype(float) - eff[who]))
    return np.clip(eff, 0.0, 1.0)


def organisation_reach(strong, strong_cross, org: np.ndarray, n_orgs: int) -> np.ndarray:
    """Share of the other organisations each leader reaches within two strong-tie steps,
    the first of them a cross-organisation tie. Takes dense or sparse adjacency matrices."""
    n = org.size
    if n_orgs <= 1:
        return np.zeros(n)
    if sp.issparse(strong):
        member = sp.csr_matrix((np.ones(n), (np.arange(n), org)), shape=(n, n_orgs))
        reach = (member + strong_cross @ (member + strong @ member)).tocsr()
        reach.data = (reach.data > 0).astype(float)
        reached = np.asarray(reach.sum(axis=1)).ravel()
    else:
        member = np.zeros((n, n_orgs), strong.dtype)
        member[np.arange(n), org] = 1.0
        reached = ((member + strong_cross @ (member + strong @ member)) > 0).sum(axis=1)
    return (reached - 1.0) / (n_orgs - 1)  # minus own organisation


def sight_target(reach: np.ndarray, listening: np.ndarray, nu0: float,
                 bonus: np.ndarray | float = 0.0) -> np.ndarray:
    """Reach discounted by perception error, plus knowledge from outside the network."""
    return np.clip(reach * (1.0 - nu0 * (1.0 - listening)) + bonus, 0.0, 1.0)


def update_sight(sight: np.ndarray, target: np.ndarray, rate: float) -> np.ndarray:
    return sight + rate * (target - sight)


def refresh_sight(state, params, first: bool = False) -> None:
    """System sight towards (or, at set-up, set to) its target from the current strong ties."""
    leaders, ties = state.leaders, state.ties
    reach = organisation_reach(ties.adjacency(params.strong_tie), ties.adjacency(params.strong_tie, cross_only=True),
                               leaders.org, state.organisations.n)
    target = sight_target(reach, leaders.listening, params.perception_noise, leaders.sight_bonus)
    leaders.system_sight[:] = target if first else update_sight(leaders.system_sight, target, params.sight_rate)


class EfficacyAndSight(Process):
    """7. Efficacy and system sight: every `structure_every` weeks sight moves towards the
    organisations one's strong cross-boundary ties reach; every week contributors' efficacy
    moves towards the outcome of their issue."""

    name = "efficacy_sight"

    def step(self, state, params, week, rng) -> None:
        if week.clock % params.structure_every == 0:
            refresh_sight(state, params)
        if week.representatives.size:
            who, won = week.contributions()
            state.leaders.efficacy[:] = update_efficacy(state.leaders.efficacy, who, won, params.efficacy_rate)
