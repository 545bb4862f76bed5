"""The run specification: what a checked configuration says a run is, and the one place that
builds models from it.

    spec = config.spec                                   # experiments.running.config.CheckedConfig
    model = spec.model(seed)                             # the intervention arm, as configured
    model = spec.model(seed, arm="none", weeks=1, survey=False, observe=False)
    for arm, model in spec.pair(seed):                   # ("intervention", ...), ("counterfactual", ...)
        model.run()

A paired comparison runs the intervention arm and its counterfactual from one
shared burn-in with the same seed: the counterfactual runs each intervention's
`counterfactual()` settings (`sim.interventions.counterfactual`: a programme
still selects and marks its cohort but delivers nothing; a reform is left out),
starting from the intervention arm's burned-in state, so the two arms differ
only by what the interventions do. Every caller that runs the model (execution,
calibration, the structural study, the content-influence curve, the survey's
reference population, the notebook API and the explorer) builds it here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sim import CollaborationModel
from sim.interventions import counterfactual
from sim.mechanisms import Mechanisms
from sim.model import BurnIn
from sim.params import BehaviourParams
from sim.scenario import Partnership
from sim.survey import SurveyParams

ARMS = ("intervention", "counterfactual")
"""The arms of a paired comparison, in the order they run."""


@dataclass(frozen=True)
class RunSpec:
    """A run as the checked configuration specifies it: the partnership, the behaviour, the rule
    set, the interventions, the survey instrument, and how long the run and its burn-in are."""

    partnership: Partnership
    behaviour: BehaviourParams
    mechanisms: Mechanisms
    interventions: Mapping[str, Any]
    """{name: intervention settings} (`sim.interventions`), as configured."""
    survey: SurveyParams
    weeks: int
    burn_in_weeks: int
    network: Any = None
    """A measured network to start from (`sim.network_io.MeasuredNetwork`), or None: synthetic."""

    def replace(self, **changes: Any) -> "RunSpec":
        """A copy with some fields changed, e.g. `spec.replace(behaviour=b)` or `burn_in_weeks=52`."""
        return dataclasses.replace(self, **changes)

    def arm(self, arm: str) -> list:
        """The intervention settings an arm runs: "intervention" (as configured), "counterfactual"
        (each one's `counterfactual()`; those without one are left out) or "none"."""
        if arm == "intervention":
            return list(self.interventions.values())
        if arm == "counterfactual":
            return list(counterfactual(self.interventions).values())
        if arm == "none":
            return []
        raise ValueError(f"arm={arm!r}: one of {', '.join(ARMS)}, none")

    def arguments(self, seed: Any, *, arm: str = "intervention", weeks: int | None = None,
                  survey: bool | SurveyParams = True, observe: bool = True, start_state: BurnIn | None = None,
                  keep_burn_in: bool = False) -> dict[str, Any]:
        """`CollaborationModel`'s keyword arguments for one run (a model class of one's own, such as
        the explorer's, passes them to its base class; everyone else calls `model`).

        seed: the run's seed (replicate r's is `execution.replicate_seed(base_seed, r)`);
        arm: see `arm`; weeks: the recorded weeks (default: the configured run's);
        survey: True for the configured instrument, False for none, or other settings;
        observe: record the weekly metrics (False: only the state and the survey are read);
        start_state: a burned-in state to start from (another arm's `burn_in_state`), else the
        run burns in itself; keep_burn_in: keep this run's burned-in state as `model.burn_in_state`."""
        if isinstance(survey, bool):
            survey = self.survey if survey else None
        return {"scenario": self.partnership, "n_weeks": self.weeks if weeks is None else weeks,
                "burn_in_weeks": self.burn_in_weeks, "behaviour": self.behaviour, "mechanisms": self.mechanisms,
                "interventions": self.arm(arm), "survey": survey, "rng": seed, "keep_burn_in": keep_burn_in,
                "start_state": start_state, "observe": observe, "network": self.network}

    def model(self, seed: Any, **options: Any) -> CollaborationModel:
        """One run's model, burned in (or started from `start_state`) and ready to step; the
        options are `arguments`'."""
        return CollaborationModel(**self.arguments(seed, **options))

    def pair(self, seed: Any, **options: Any) -> Iterator[tuple[str, CollaborationModel]]:
        """The two arms of a paired comparison for one seed, in order: ("intervention", model),
        then ("counterfactual", model) started from the intervention arm's burned-in state. Each
        is built when asked for, after the caller has done what it wants with the one before.
        The options (weeks, survey, observe) are `arguments`' and apply to both arms."""
        first = self.model(seed, arm=ARMS[0], keep_burn_in=True, **options)
        yield ARMS[0], first
        shared = first.burn_in_state
        del first  # the caller's reference is all that keeps the first arm alive, as it always was
        yield ARMS[1], self.model(seed, arm=ARMS[1], start_state=shared, **options)
