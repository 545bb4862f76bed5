"""Paired runs: each replicate runs the intervention and its counterfactual with the
same seed (common random numbers) from one shared burn-in.

The counterfactual arm builds the same interventions inactive: programmes still
select and mark their cohort (so participants can be compared with their
untreated selves) but deliver nothing; reforms are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from experiments.outputs import tidy
from sim import BehaviourParams, CollaborationModel, Partnership
from sim.interventions import build_interventions
from sim.survey import SurveyParams

ARMS = ("intervention", "counterfactual")


@dataclass
class PairResult:
    results: pd.DataFrame
    survey: pd.DataFrame
    networks: dict[str, Any] = field(default_factory=dict)
    """Optional snapshots of the intervention arm's network: name -> (u, v, w, cross)."""


def _network_snapshot(model: CollaborationModel):
    t = model.ties
    return (t.u.copy(), t.v.copy(), t.w.copy(), t.cross.copy())


def run_pair(partnership: Partnership, behaviour: BehaviourParams, interventions: dict[str, Any],
             survey: SurveyParams, weeks: int, burn_in_weeks: int, replicate: int, seed: int,
             groups: dict[str, Any], capture_network_at: tuple[int, ...] = ()) -> PairResult:
    """One replicate: both arms, tidy metrics with an `arm` column, and the survey."""
    frames, surveys, networks = [], [], {}
    shared = None
    for arm in ARMS:
        model = CollaborationModel(partnership, n_weeks=weeks, burn_in_weeks=burn_in_weeks, behaviour=behaviour,
                                   interventions=build_interventions(interventions, active=arm == ARMS[0]),
                                   survey=survey, rng=seed, keep_burn_in=shared is None, start_state=shared)
        if shared is None:
            shared = model.burn_in_state
        capture = sorted(w for w in capture_network_at if w <= weeks) if arm == ARMS[0] else []
        if 0 in capture:
            networks["week_0"] = _network_snapshot(model)
        for week in [w for w in capture if w > 0]:
            model.run_for(week - model.week)
            networks[f"week_{week}"] = _network_snapshot(model)
        model.run()
        if arm == ARMS[0] and capture:
            networks["org"] = model.leaders.org.copy()
            networks["participant"] = model.leaders.participant.copy()
            networks["organisations"] = list(model.organisations.names)
        frames.append(tidy(model.datacollector.get_model_vars_dataframe(), replicate, seed,
                           {**groups, "arm": arm}))
        s = model.survey.frame()
        s.insert(0, "arm", arm)
        s.insert(0, "seed", np.int64(seed))
        s.insert(0, "replicate", np.int64(replicate))
        surveys.append(s)
    return PairResult(pd.concat(frames, ignore_index=True), pd.concat(surveys, ignore_index=True), networks)
