"""The compiled week is the stepped week, bit for bit, for every process and mechanism variant.

The compiled loop is generated from the processes' own kernels (`sim.compiled_weeks`); these
tests compare it with the processes' own steps (`CollaborationModel(compiled=False)`) on the
whole state: every array and number reachable from `model.state` (population, tie table,
organisations, forums, trust, windows, streams, running interventions, the last week's record),
at the defaults, at 20 draws from the Sobol design's bounds and in every mechanism variant, with
and without turnover. What runs stepped-only is listed here with the log line that says so.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim import CollaborationModel, compiled_weeks, default_processes, synthetic_partnership
from sim.mechanisms import CONTENT, GAMES, INFLUENCE, LISTENING
from sim.orientation import Orientation
from sim.processes import insert_after
from sim.state import Process
from sim.streams import Stream

REPO = Path(__file__).resolve().parents[1]
WEEKS = 52


# ------------------------------------------------------------------ the whole state

def assert_same(a, b, path="state"):
    """Every array and number reachable from `a` equals `b`'s, bit for bit (NaN equal to NaN)."""
    if isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape, path
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), path
    elif isinstance(a, Stream):
        assert a.key == b.key, path
        assert a.sequential.bit_generator.state == b.sequential.bit_generator.state, path
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            assert_same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, float):
        assert a == b or (np.isnan(a) and np.isnan(b)), path
    elif isinstance(a, (int, str, bool, np.generic, type(None))):
        assert a == b, path
    elif dataclasses.is_dataclass(a) and getattr(type(a), "__dataclass_params__").frozen:
        assert a == b, path  # settings
    elif hasattr(a, "__dict__"):
        assert type(a) is type(b), path
        assert_same(vars(a), vars(b), path)
    else:
        raise AssertionError(f"{path}: cannot compare {type(a).__name__}")


def both(weeks=WEEKS, **kwargs):
    """The same run compiled and stepped, with the compiled one's log records."""
    seed = kwargs.pop("rng", 3)
    compiled = CollaborationModel(rng=seed, **kwargs)
    stepped = CollaborationModel(rng=seed, compiled=False, **kwargs)
    compiled.run_for(weeks)
    stepped.run_for(weeks)
    return compiled, stepped


def compare(compiled, stepped):
    assert_same(compiled.state, stepped.state)
    for a, b in zip(compiled.datacollector.get_model_vars_dataframe().to_numpy(),
                    stepped.datacollector.get_model_vars_dataframe().to_numpy()):
        np.testing.assert_array_equal(a, b)


def compiled_weeks_ran(model, recording: bool) -> bool:
    """Whether the model ran some weeks of that kind through a compiled loop."""
    return any(key[0] == recording and value is not None for key, value in model._prepared.items())


# ------------------------------------------------------------------ the Sobol design's bounds

def sobol_draws(n=20, seed=5):
    """`n` points drawn uniformly within the Sobol design's bounds (as checked: the calibrated ones
    read from the posterior), as model arguments."""
    from experiments.running.config import compose_checked

    parameters = compose_checked(["experiment=sensitivity_sobol"]).design.parameters
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        behaviour, programme, survey = {}, {}, {}
        for path, (low, high) in parameters.items():
            value = float(rng.uniform(low, high))
            parts = path.split(".")
            {"behaviour": behaviour, "intervention": programme, "survey": survey}[parts[0]][parts[-1]] = value
        behaviour["turnover_rate"] = 0.0 if i % 2 else float(rng.uniform(0.002, 0.03))
        out.append((behaviour, programme, survey))
    return out


@pytest.mark.parametrize("case", range(21))
def test_compiled_and_stepped_weeks_agree_at_the_defaults_and_sobol_draws(case, caplog):
    """The BNSSG partnership, a 104-week burn-in and 52 recorded weeks: without an intervention
    (every week compiled) and with the programme (its weeks stepped in both, the burn-in compiled),
    at the defaults (case 0) and at 20 draws within the Sobol design's bounds, half with turnover."""
    behaviour, programme, survey = ({}, {}, {}) if case == 0 else sobol_draws()[case - 1]
    caplog.set_level(logging.INFO, logger="sim.model")
    compiled, stepped = both(rng=case, **behaviour)
    assert compiled_weeks_ran(compiled, recording=False) and compiled_weeks_ran(compiled, recording=True)
    assert not caplog.records  # no week fell back
    compare(compiled, stepped)
    compiled, stepped = both(rng=case, interventions={"leadership_programme": programme}, survey=survey, **behaviour)
    compare(compiled, stepped)
    assert compiled.survey.frame().equals(stepped.survey.frame())


@pytest.mark.parametrize("mechanisms", [{"influence": i} for i in INFLUENCE[1:]] + [{"game": g} for g in GAMES[1:]]
                         + [{"content": c} for c in CONTENT[1:]] + [{"listening": x} for x in LISTENING[1:]])
@pytest.mark.parametrize("turnover_rate", [0.0, 0.01])
def test_every_mechanism_variant_agrees(mechanisms, turnover_rate):
    compiled, stepped = both(mechanisms=mechanisms, turnover_rate=turnover_rate)
    assert compiled_weeks_ran(compiled, recording=True)
    compare(compiled, stepped)
    compiled, stepped = both(mechanisms=mechanisms, turnover_rate=turnover_rate,
                             interventions={"leadership_programme": {}})
    compare(compiled, stepped)


@pytest.mark.parametrize("kwargs", [
    {"scenario": synthetic_partnership(n_organisations=8, n_leaders=160), "burn_in_weeks": 120},
    # above BITSET_MAX: embeddedness from sorted strong-contact lists, each refresh handed to Python
    {"scenario": synthetic_partnership(n_organisations=110, n_leaders=2100), "burn_in_weeks": 30},
])
def test_other_partnerships_agree_including_every_hand_back(kwargs):
    compiled, stepped = both(weeks=20, turnover_rate=0.005, **kwargs)
    compare(compiled, stepped)


def test_the_hand_backs_are_exercised(monkeypatch):
    """The default run leaves the loop for room in the tie table and to rebuild its index; both
    are then finished in Python, and the comparisons above cover those weeks."""
    from sim.issues import CollectiveIssues
    from sim.ties import Ties

    finished = []
    for cls in (CollectiveIssues, Ties):
        original = cls.finish
        monkeypatch.setattr(cls, "finish", lambda self, *a, _f=original: (finished.append(self.name), _f(self, *a))[1])
    CollaborationModel(rng=3).run_for(10)
    assert "issues" in finished and "ties" in finished


# ------------------------------------------------------------------ what runs stepped, and says so

class _Louder(Process):
    """A user's Python process without a kernel."""

    name = "louder"

    def step(self, state, params, week, rng):
        state.leaders.orientation[:] = np.minimum(1.0, state.leaders.orientation * 1.001)


class _OwnStep(Orientation):
    """A process with a kernel and a step of its own: the loop cannot know what the step adds."""

    def step(self, state, params, week, rng):
        super().step(state, params, week, rng)
        state.extra["calls"] = state.extra.get("calls", 0) + 1


def test_a_running_intervention_makes_its_weeks_stepped_and_says_so(caplog):
    caplog.set_level(logging.INFO, logger="sim.model")
    model = CollaborationModel(rng=4, burn_in_weeks=10, interventions={"leadership_programme": {}})
    model.run_for(3)
    lines = [r.getMessage() for r in caplog.records]
    assert lines == ["the week runs stepped, not compiled: process 'interventions' (Interventions) has no compiled "
                     "kernel"]
    assert compiled_weeks_ran(model, recording=False) and not compiled_weeks_ran(model, recording=True)


def test_a_counterfactual_programme_runs_compiled_and_agrees_with_its_steps():
    """The counterfactual arm's programme marks its cohort and delivers nothing (`idle`), so its
    recorded weeks run compiled, bit for bit as stepped, across the programme's end; the arm with
    the programme delivered stays stepped. Were the idle programme not left out, the counterfactual's
    weeks would run stepped (its step has no kernel) and the first assertion would fail."""
    off = {"leadership_programme": {"active": False, "duration_weeks": 6}}
    compiled, stepped = both(weeks=12, burn_in_weeks=10, interventions=off)
    assert compiled_weeks_ran(compiled, recording=True)
    assert compiled.state.leaders.participant.sum() > 0  # the cohort is marked all the same
    compare(compiled, stepped)
    on = CollaborationModel(rng=3, burn_in_weeks=10, interventions={"leadership_programme": {"duration_weeks": 6}})
    on.run_for(12)
    assert not compiled_weeks_ran(on, recording=True)


@pytest.mark.parametrize("processes, why", [
    (insert_after(default_processes(), "trust", _Louder()), "process 'louder' (_Louder) has no compiled kernel"),
    ({"orientation": _OwnStep()}, "process 'orientation' (_OwnStep) has a step of its own"),
])
def test_a_process_the_loop_cannot_run_makes_the_week_stepped_and_says_so(processes, why, caplog):
    caplog.set_level(logging.INFO, logger="sim.model")
    model = CollaborationModel(rng=1, burn_in_weeks=5, processes=processes)
    model.run_for(4)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2  # once for the burn-in's weeks, once for the recorded weeks; never once a week
    assert all(line.startswith(f"the week runs stepped, not compiled: {why}") for line in lines)
    assert not compiled_weeks_ran(model, recording=True)
    if isinstance(processes, dict):
        assert model.state.extra["calls"] == 5 + 4  # the step ran every week


def test_an_idle_process_is_left_out_of_both_ways():
    model = CollaborationModel(rng=1, burn_in_weeks=3)
    processes, why = compiled_weeks.plan(model, recording=True)
    assert why is None and "turnover" not in [p.name for p in processes]  # turnover_rate = 0
    assert "interventions" not in [p.name for p in processes]  # none running
    busy = CollaborationModel(rng=1, burn_in_weeks=3, turnover_rate=0.01)
    assert "turnover" in [p.name for p in compiled_weeks.plan(busy, recording=True)[0]]


def test_the_loop_is_generated_from_the_process_list():
    """Its calls are the week's kernels in the processes' order, and a process added to the list
    with a kernel of its own is in it."""
    model = CollaborationModel(rng=1, burn_in_weeks=1)
    processes, _ = compiled_weeks.plan(model, recording=True)
    loop = compiled_weeks.loop_for(processes, model.state)
    source = Path(loop.weeks.py_func.__code__.co_filename).read_text()
    calls = [line.split(":", 1)[1].strip() for line in source.splitlines()[1:] if line.startswith("    ") and ": " in
             line and "sim." in line]
    assert calls == [p.kernel.label for p in processes]
    assert [p.name for p in processes] == [p.name for p in model.processes if p.name not in ("interventions",
                                                                                              "turnover")]
    assert isinstance(processes[0], Process)
