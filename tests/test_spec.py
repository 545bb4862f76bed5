"""The run specification: the checked configuration's `spec` builds every model of the experiments,
and a pair's arms share one burn-in and one seed."""

import re
from pathlib import Path

import numpy as np
import pytest

from experiments.running.config import apply_overrides, compose_checked
from experiments.running.spec import ARMS
from sim import CollaborationModel

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def config():
    return apply_overrides(compose_checked(["scenario=small", "intervention.leadership_programme.cohort_size=10",
                                            "survey.comparison_size=10"]),
                           {"run.weeks": 30, "run.burn_in_weeks": 6})


def test_the_spec_builds_the_model_the_configuration_describes(config):
    by_hand = CollaborationModel(config.partnership, n_weeks=30, burn_in_weeks=6, behaviour=config.behaviour,
                                 mechanisms=config.mechanisms,
                                 interventions=list(config.interventions.values()), survey=config.survey, rng=5)
    built = config.spec.model(5)
    for model in (by_hand, built):
        model.run()
    assert built.n_weeks == 30 and built.burn_in_weeks == 6 and built.survey is not None
    assert built.datacollector.model_vars == by_hand.datacollector.model_vars
    assert built.survey.frame().equals(by_hand.survey.frame())


def test_options_change_only_what_they_name(config):
    spec = config.spec
    model = spec.model(5, arm="none", weeks=2, survey=False, observe=False)
    assert model.n_weeks == 2 and model.survey is None and not model.observe
    assert not model.intervention_settings and not model.leaders.participant.any()
    assert spec.arm("counterfactual")[0].active is False and spec.arm("intervention")[0].active is True
    assert spec.replace(burn_in_weeks=3).burn_in_weeks == 3 and spec.burn_in_weeks == 6
    with pytest.raises(ValueError, match="^arm='placebo': one of intervention, counterfactual, none$"):
        spec.arm("placebo")


def test_a_pair_shares_its_burn_in_and_seed(config):
    arms = {}
    for arm, model in config.spec.pair(11, weeks=8):
        arms[arm] = (model.leaders.orientation.copy(), model.leaders.participant.copy(),
                     [type(s).__name__ for s in model.intervention_settings],
                     [getattr(s, "active", None) for s in model.intervention_settings])
        model.run()
    assert list(arms) == list(ARMS)
    (o1, p1, names1, active1), (o2, p2, names2, active2) = arms.values()
    np.testing.assert_array_equal(o1, o2)  # the same burned-in state
    np.testing.assert_array_equal(p1, p2)  # the same cohort, marked in both arms
    assert p1.sum() == 10 and names1 == names2 and active1 == [True] and active2 == [False]


def test_no_module_of_experiments_builds_a_model_but_the_spec():
    builders = [str(p.relative_to(REPO)) for p in (REPO / "experiments").rglob("*.py")
                if re.search(r"\bCollaborationModel\(", p.read_text())]
    assert builders == ["experiments/running/spec.py"]
