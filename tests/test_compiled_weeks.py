"""The compiled week reaches the state the processes reach one by one, bit for bit, in the
burn-in and in recorded weeks, including the weeks it hands back to Python (`sim.compiled_weeks`)."""

import numpy as np
import pytest

from sim import CollaborationModel, compiled_weeks, default_processes, synthetic_partnership
from sim.state import Week
from sim.orientation import Orientation
from sim.processes import insert_after


def _stepped(model, weeks):
    for _ in range(weeks):
        model._advance(recording=False)


def _state(model):
    leaders, ties, org_trust = model.state.leaders, model.state.ties, model.state.org_trust
    return [model.state.clock, ties.count, ties.u, ties.v, ties.w, ties.trust, ties.trust_pos, ties.trust_neg,
            ties.embedded, ties._due[:ties.count], leaders.orientation, leaders.efficacy, leaders.system_sight,
            org_trust.trust_pos, org_trust.trust_neg]


@pytest.mark.parametrize("kwargs", [{}, {"mechanisms": {"influence": "degroot"}},
                                    {"mechanisms": {"game": "public_goods"}},
                                    {"scenario": synthetic_partnership(n_organisations=8, n_leaders=160)},
                                    # above BITSET_MAX: embeddedness from sorted strong-contact lists
                                    {"scenario": synthetic_partnership(n_organisations=110, n_leaders=2100)}])
def test_the_compiled_burn_in_is_the_stepped_burn_in_bit_for_bit(kwargs):
    weeks = 103  # long enough that the default case leaves the loop for room and for a rehash
    stepped = CollaborationModel(rng=3, burn_in_weeks=0, **kwargs)
    _stepped(stepped, weeks)
    compiled = CollaborationModel(rng=3, burn_in_weeks=0, **kwargs)
    assert compiled_weeks.applies(compiled)
    left = compiled_weeks.burn_in_weeks(compiled, weeks)
    for a, b in zip(_state(stepped), _state(compiled)):
        np.testing.assert_array_equal(a, b)
    if not kwargs:  # the default case leaves the loop both ways: the comparison covers the hand-backs
        assert left["room"] >= 1 and left["rehash"] >= 1


def test_a_model_burns_in_through_the_loop_and_the_last_week_is_recorded_as_usual():
    model = CollaborationModel(rng=5, burn_in_weeks=30)
    stepped = CollaborationModel(rng=5, burn_in_weeks=0)
    _stepped(stepped, 30)
    for a, b in zip(_state(stepped), _state(model)):
        np.testing.assert_array_equal(a, b)
    assert model.state.last_week.clock == 30  # the week-0 observation sees the last burn-in week's record
    np.testing.assert_array_equal(model.state.last_week.representatives, stepped.state.last_week.representatives)


class _Replaced(Orientation):
    pass


class _Louder(Orientation):
    name = "louder"


def test_the_loop_runs_only_the_default_week_it_knows():
    assert compiled_weeks.applies(CollaborationModel(rng=1, burn_in_weeks=0))
    replaced = CollaborationModel(rng=1, burn_in_weeks=0, processes={"orientation": _Replaced()})
    assert not compiled_weeks.applies(replaced)
    added = CollaborationModel(rng=1, burn_in_weeks=0,
                               processes=insert_after(default_processes(), "trust", _Louder()))
    assert not compiled_weeks.applies(added)
    processes = default_processes()
    processes[5].step = lambda state, params, week, rng: None
    assert not compiled_weeks.applies(CollaborationModel(rng=1, burn_in_weeks=0, processes=processes))
    for mechanisms in ({"influence": "bounded_confidence"}, {"listening": "relationships"}):
        assert not compiled_weeks.applies(CollaborationModel(rng=1, burn_in_weeks=0, mechanisms=mechanisms))


def _recorded(model):
    frame = model.datacollector.get_model_vars_dataframe()
    return [frame.to_numpy(float), *_state(model)]


RECORD_FIELDS = [name for name in vars(Week) if not name.startswith("_") and not callable(getattr(Week, name))]


@pytest.mark.parametrize("kwargs", [{}, {"mechanisms": {"game": "public_goods"}}])
def test_recorded_weeks_through_the_compiled_call_are_the_stepped_weeks_bit_for_bit(kwargs):
    compiled = CollaborationModel(rng=4, burn_in_weeks=20, **kwargs)
    stepped = CollaborationModel(rng=4, burn_in_weeks=20, **kwargs)
    stepped._compiled = False  # every recorded week through the processes' own steps
    for _ in range(60):
        compiled.step()
        stepped.step()
        for name in RECORD_FIELDS + ["representatives", "representative_orgs", "contributed"]:
            a, b = getattr(compiled.state.last_week, name), getattr(stepped.state.last_week, name)
            for x, y in (zip(a, b) if isinstance(a, tuple) else [(a, b)]):
                np.testing.assert_array_equal(x, y, err_msg=name)
    for a, b in zip(_recorded(stepped), _recorded(compiled)):
        np.testing.assert_array_equal(a, b)


def test_a_running_intervention_keeps_the_stepped_week():
    model = CollaborationModel(rng=4, burn_in_weeks=10, interventions={"leadership_programme": {}})
    calls = []
    original = compiled_weeks.run_week
    compiled_weeks.run_week = lambda *args: calls.append(args)
    try:
        model.step()
    finally:
        compiled_weeks.run_week = original
    assert model.state.interventions and not calls
