"""The survey instrument's fixed units and network cut, from a stated reference population.

    python -m experiments.survey_reference                  # the shipped constants (BNSSG)
    python -m experiments.survey_reference --runs 400       # more runs, tighter constants
    python -m experiments.survey_reference behaviour.tie_growth=0.3   # the cut in another world

The reference population is every eligible leader (the survey's
`respondent_roles`: executives and directors) of the BNSSG scenario at baseline
(week 0, after the burn-in), pooled over `--runs` independent runs. It fixes the
instrument once (docs/ODD.md 7.9):

- the units, from the model at its default behaviour (`behaviour=default`, the
  centre of the calibration's priors), so that they do not move when the
  model is recalibrated: `network_centre` and `network_scale` (mean and SD of
  log(1 + total strength of strong cross-organisation ties)), `efficacy_centre`
  and `efficacy_scale` (mean and SD of efficacy), `sight_scale` (SD of system
  sight: the unit of a change in sight);
- the cut, for the configured behaviour (the case study's: calibrated):
  `network_agree_cut`, where the case's start figure
  (`case.observed.network_agree_start`, 44%) of the reference population agrees
  with the network item.

The calibration (experiments.inference.calibrate) sets the cut for every parameter set it
tries (`CutTable`) and writes the cut at the posterior median with the
calibrated defaults.
"""

from __future__ import annotations

import argparse

import numpy as np

from experiments.running.config import CheckedConfig, apply_overrides, compose_checked
from experiments.running.execution import replicate_seed, single_threaded
from experiments.running.workers import parallel_map
from sim.scenario import ROLES
from sim.survey import SurveyParams, anchor_cut, constructs

CONSTANTS = ("network_centre", "network_scale", "network_agree_cut", "efficacy_centre", "efficacy_scale",
             "sight_scale")
REFERENCE_SEED = 7_000_001
"""Base seed of the reference runs: fixed and apart from the case study's, so the instrument
does not change with the seed of an experiment."""


@single_threaded
def baseline_constructs(config: CheckedConfig, seed: int, behaviour=None) -> dict[str, np.ndarray]:
    """The raw constructs of the eligible leaders of one run at week 0 (after the burn-in)."""
    behaviour = behaviour or config.behaviour
    model = config.spec.replace(behaviour=behaviour).model(seed, arm="none", weeks=1, survey=False, observe=False)
    roles = [ROLES.index(r) for r in config.survey.respondent_roles]
    eligible = np.isin(model.state.leaders.role, roles)
    return {k: v[eligible] for k, v in constructs(model.state, behaviour.strong_tie).items()}


def units_from(pooled: dict[str, np.ndarray]) -> dict[str, float]:
    """The instrument's units from pooled baseline constructs (module docstring)."""
    network, efficacy, sight = pooled["network"], pooled["efficacy"], pooled["sight"]
    scale = float(network.std())
    if scale <= 0:
        raise ValueError("reference population: no leader has a strong cross-organisation tie at baseline, "
                         "so the network item has no unit (is behaviour.tie_growth positive?)")
    return {"network_centre": float(network.mean()), "network_scale": scale,
            "efficacy_centre": float(efficacy.mean()), "efficacy_scale": float(max(efficacy.std(), 1e-3)),
            "sight_scale": float(max(sight.std(), 1e-3))}


def cut_for(network: np.ndarray, survey: SurveyParams, agree_share: float) -> float:
    """The network item's agree cut at which `agree_share` of leaders with raw network constructs
    `network` agree, in `survey`'s units and loading."""
    z = (np.asarray(network, float) - survey.network_centre) / survey.network_scale
    return anchor_cut(survey.kappa * z, agree_share)


def pooled_baseline(config: CheckedConfig, runs: int, behaviour=None, workers: int = 1,
                    seed: int = REFERENCE_SEED) -> dict[str, np.ndarray]:
    """The eligible leaders' baseline constructs of `runs` independent runs, pooled."""
    tasks = ((config, replicate_seed(seed, r), behaviour) for r in range(runs))
    parts = list(parallel_map(baseline_constructs, tasks, workers))
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def start_share(config: CheckedConfig) -> float:
    """The case's start figure for the network item (44% if the configuration has none)."""
    observed = (config.case or {}).get("observed") or {}
    return float(observed.get("network_agree_start", {}).get("share", 0.44))


def reference_constants(config: CheckedConfig, runs: int = 100, workers: int = 1) -> dict[str, float]:
    """Units from `config`'s reference population, and the cut in those units."""
    pooled = pooled_baseline(config, runs, workers=workers)
    units = units_from(pooled)
    survey = config.survey.replace(**units)
    return {**units, "network_agree_cut": cut_for(pooled["network"], survey, start_share(config))}


def network_cut(config: CheckedConfig, runs: int = 100, workers: int = 1) -> float:
    """The cut, in `config.survey`'s units, for `config`'s behaviour."""
    pooled = pooled_baseline(config, runs, workers=workers)
    return cut_for(pooled["network"], config.survey, start_share(config))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=100, help="independent baseline runs pooled")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("overrides", nargs="*", help="Hydra overrides of the case study (for the cut)")
    args = ap.parse_args(argv)
    if args.runs < 1:
        ap.error("--runs: must be a whole number >= 1")
    reference = compose_checked(["experiment=case_study", "behaviour=default"])
    units = units_from(pooled_baseline(reference, args.runs, workers=args.workers))
    config = compose_checked(["experiment=case_study", *args.overrides])
    config = apply_overrides(config, {f"survey.{k}": v for k, v in units.items()})
    cut = network_cut(config, args.runs, workers=args.workers)
    survey = config.survey
    print(f"# reference population: eligible leaders ({', '.join(survey.respondent_roles)}) of "
          f"{reference.partnership.name} at baseline, {args.runs} runs\n"
          f"# units at the default behaviour; the cut at tie_growth={config.behaviour.tie_growth:g}\nsurvey:")
    for k in CONSTANTS:
        print(f"  {k}: {(cut if k == 'network_agree_cut' else units[k]):.4g}")


if __name__ == "__main__":
    main()
