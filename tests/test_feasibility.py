"""Each feasibility rule is stated once, in the settings' own check: the cohort-size rule (at most
the eligible leaders), and the survey's comparison pool, which learns the cohorts from the
interventions' settings (`cohort()`); the notebook glossary and the explorer take their bounds
from the schema and the partnership."""

import re
from pathlib import Path

import numpy as np
import pytest

from experiments.interfaces.glossary import people_range
from experiments.running.config import compose_checked
from sim.interventions import Cohort, LeadershipProgramme, cohorts, select_cohort
from sim.scenario import load_partnership
from sim.schema import ConfigError
from sim.survey import SurveyParams

REPO = Path(__file__).resolve().parents[1]


def test_the_cohort_size_rule_is_stated_once():
    """One function raises 'more than the N eligible leaders': the settings' check and the
    selection (whose pool is what other cohorts left) both call it."""
    sources = [*(REPO / "sim").rglob("*.py"), *(REPO / "experiments").rglob("*.py")]
    raising = [f"{p.relative_to(REPO)}:{i}" for p in sources
               for i, line in enumerate(p.read_text().splitlines(), 1) if "eligible leaders{" in line]
    assert len(raising) == 1 and raising[0].startswith("sim/interventions.py:"), raising
    with pytest.raises(ConfigError, match=r"^cohort_size=5: more than the 3 eligible leaders \(at most 3\)$"):
        select_cohort("random", 5, np.arange(3), None, np.random.default_rng(1))
    small = load_partnership("small")
    with pytest.raises(ConfigError, match=r"^intervention.leadership_programme.cohort_size=36: more than the 35 "
                                          r"eligible leaders \(executive, director\) of small \(at most 35\)$"):
        LeadershipProgramme(cohort_size=36).check_feasible(small, None)
    assert LeadershipProgramme().eligible(small) == 35


def test_the_survey_learns_the_cohorts_from_the_settings():
    small = load_partnership("small")
    assert cohorts({"leadership_programme": LeadershipProgramme(cohort_size=10)}) == [
        Cohort(10, ("executive", "director"))]
    assert cohorts([object()]) == []
    survey = SurveyParams(comparison_size=20)
    survey.check_feasible(small, None, [Cohort(15, ("executive", "director"))])
    # a cohort from roles the survey does not ask is not taken out of its pool
    survey.check_feasible(small, None, [Cohort(30, ("chief_executive", "executive"))])
    with pytest.raises(ConfigError, match=r"^survey.comparison_size=20: more than the 15 non-participants of the "
                                          r"respondent roles \(at most 15\)$"):
        survey.check_feasible(small, None, [Cohort(10, ("executive",)), Cohort(10, ("director",))])


def test_every_programme_s_cohort_leaves_the_comparison_pool():
    """Two programmes: both cohorts leave the pool (the configuration's check once counted only the
    first, and the run then failed in the survey's set-up instead of in the preflight)."""
    both = ["intervention=[leadership_programme,coaching_only]"]
    compose_checked([*both, "survey.comparison_size=114"])
    with pytest.raises(ConfigError, match=r"^survey.comparison_size=115: more than the 114 non-participants"):
        compose_checked([*both, "survey.comparison_size=115"])


def test_the_glossary_and_the_explorer_take_their_bounds_from_the_schema_and_the_partnership():
    assert people_range(compose_checked(["scenario=small", "intervention.leadership_programme.cohort_size=10"])) \
        == (1, 35)
    assert people_range(compose_checked()) == (1, 234)
    pytest.importorskip("solara", reason="needs mesa[viz] (the [notebooks] extra)")
    from experiments.interfaces.app import FEWEST, MOST

    assert (FEWEST, MOST) == (1, 234)  # the cohort slider's range
    text = (REPO / "experiments" / "interfaces" / "app.py").read_text()
    assert not re.search(r'cohort_size.*max=\d', text)
