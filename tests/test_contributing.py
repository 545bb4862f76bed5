"""CONTRIBUTING.md's recipe for a new process, followed to the letter: a toy process that ships its
compiled kernel runs in the compiled week (no fallback line), every week, and gives the same
state as the stepped week."""

import logging
from pathlib import Path

import numpy as np
from numba import njit

from sim import CollaborationModel, Process, default_processes, insert_after
from sim.kernels import Kernel
from sim.population import Constant, Trait

REPO = Path(__file__).resolve().parents[1]


# --- the guide's example, verbatim (test_the_guide_shows_this_example checks it) ---------------------------
@njit(cache=True)
def weeks_known_week(weeks_known, contributors, efficacy, toy_efficacy_boost):
    """In place: every leader has been in the partnership one more week, and this week's
    contributors gain a little efficacy."""
    for i in range(weeks_known.size):
        weeks_known[i] += 1.0
    for j in range(contributors.size):
        efficacy[contributors[j]] = min(1.0, efficacy[contributors[j]] + toy_efficacy_boost)


class WeeksKnown(Process):
    """A toy process: each leader's weeks in the partnership (a trait, reset for a newcomer)."""

    name = "weeks_known"
    traits = (Trait("weeks_known", np.float64, Constant(0.0), "weeks this leader has been in the partnership"),)
    kernel = Kernel(weeks_known_week, writes=("weeks_known", "efficacy"))
    kernel_constants = ("toy_efficacy_boost",)

    def __init__(self, boost: float = 0.001):
        self.toy_efficacy_boost = float(boost)
# --- end of the guide's example -----------------------------------------------------------------------------


def test_the_guide_shows_this_example():
    guide = (REPO / "CONTRIBUTING.md").read_text()
    source = Path(__file__).read_text()
    example = source.split("verbatim (test_the_guide_shows_this_example checks it) ---")[1].split("\n", 1)[1]
    example = example.split("# --- end of the guide's example")[0].strip()
    assert example in guide


def _week():
    return insert_after(default_processes(), "trust", WeeksKnown())


def test_a_toy_process_with_its_own_kernel_runs_compiled_every_week(caplog):
    caplog.set_level(logging.INFO, logger="sim.model")
    burn_in, weeks = 30, 20
    compiled = CollaborationModel(rng=2, burn_in_weeks=burn_in, processes=_week())
    compiled.run_for(weeks)
    assert not caplog.records  # no week fell back to the stepped path
    assert any(p is not None and any(x.name == "weeks_known" for x in p[0]) for p in compiled._prepared.values())
    np.testing.assert_array_equal(compiled.state.leaders.weeks_known, burn_in + weeks)  # ran every week
    stepped = CollaborationModel(rng=2, burn_in_weeks=burn_in, processes=_week(), compiled=False)
    stepped.run_for(weeks)
    from test_compiled_weeks import assert_same

    assert_same(compiled.state, stepped.state)
