"""The compiled engine with keyed random numbers is statistically the same model as the engine
before it: the case study's key effects, from 40 paired replicates, agree with the values
recorded from the previous main (tests/data/reference_main_case_study.json, 100 replicates).

The comparison runs at the settings of that main (`THEN`: its calibrated tie growth and
content_influence, and the values its constants had before the recalibration to the published
patterns: bridge decay, no preference for known people at mixers, its choice intensity,
engagement, conversations per forum meeting and the six constants fitted since the screening of
assumed constants), every replicate at those values (no posterior
draws), so later changes of the parameters do not touch it. Where a mechanism changed on purpose and cannot be set back by a
constant (dose and retention, docs/ODD.md 7.0), the key outputs at the programme's end still
agree; a change to the engine that moved them would not. The survey outputs of
the reference are not compared: the instrument itself changed on purpose (fixed construct units,
response shift from sourced priors; docs/ODD.md 7.9), so they no longer measure the engine."""

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import special

from experiments.analysis.effects import paired_differences
from experiments.running.config import apply_overrides, compose_checked
from experiments.running.execution import run_replicates

REFERENCE = json.loads((Path(__file__).parent / "data" / "reference_main_case_study.json").read_text())
OUTPUTS = {k: v for k, v in REFERENCE["outputs"].items() if k.startswith("effect:")}
THEN = {"behaviour.tie_growth": 0.2079, "intervention.leadership_programme.content_influence": 3.0,
        "behaviour.bridge_decay": 0.04, "behaviour.acquaintance_preference": 1.0, "behaviour.logit_beta": 4.0,
        "intervention.leadership_programme.engagement_mean": 0.65, "behaviour.forum_contacts": 4.0,
        # assumed then, fitted since (the screening of assumed constants found headline outputs on them)
        "behaviour.risk_appetite_mean": 0.3, "behaviour.orientation_rate": 0.1, "behaviour.tie_use_rate": 0.04,
        "behaviour.issue_rate": 3.0, "behaviour.forum_attendance": 0.8,
        "intervention.leadership_programme.workshop_contacts": 3.0,
        "uncertainty.draws": "medians"}
# one test over all outputs at 95%: Bonferroni over the outputs compared
Z = special.ndtri(1 - 0.05 / (2 * len(OUTPUTS)))


@pytest.fixture(scope="module")
def now():
    config = apply_overrides(compose_checked(), {"run.replicates": 40, "run.weeks": REFERENCE["week"],
                                                 "run.base_seed": 4242, **THEN})
    reps = run_replicates(config, {}, workers=2)
    out = {}
    for key in OUTPUTS:
        name = key.split(":")[1]
        out[key] = paired_differences(reps.results, name, [REFERENCE["week"]])["effect"].to_numpy()
    return out


@pytest.mark.parametrize("key", list(OUTPUTS))
def test_key_output_agrees_with_the_previous_engine(now, key):
    ref = OUTPUTS[key]
    x = now[key]
    se = np.sqrt(x.var(ddof=1) / x.size + ref["sd"] ** 2 / ref["n"])
    difference = x.mean() - ref["mean"]
    assert abs(difference) <= Z * se, (f"{key}: now {x.mean():+.4f}, before {ref['mean']:+.4f}, "
                                       f"difference {difference:+.4f} beyond {Z:.2f} SE ({se:.4f})")


def test_the_comparison_detects_a_changed_mechanism():
    """Companion: with the content's system-first message switched off, the orientation
    effects move far beyond the allowed difference, so the test above would fail."""
    config = apply_overrides(compose_checked(), {"run.replicates": 12, "run.weeks": REFERENCE["week"],
                                                 "run.base_seed": 4242, **THEN,
                                                 "intervention.leadership_programme.content_influence": 0.0})
    reps = run_replicates(config, {}, workers=2)
    ref = OUTPUTS["effect:orientation_participants"]
    x = paired_differences(reps.results, "orientation_participants", [REFERENCE["week"]])["effect"]
    se = np.sqrt(x.var(ddof=1) / x.size + ref["sd"] ** 2 / ref["n"])
    assert abs(x.mean() - ref["mean"]) > 10 * Z * se
