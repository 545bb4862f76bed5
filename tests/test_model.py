"""The assembled model: API, bounds, determinism, Mesa integration, garbage collection."""

import gc
import weakref
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mesa
from sim import METRICS, BehaviourParams, CollaborationModel, ConfigError, synthetic_partnership
from sim.agents import Leader

BOUNDED = ["mean_orientation", "system_first_share", "issue_success_rate", "cross_org_trust",
           "interorg_trust", "strong_cross_share", "mean_listening", "mean_efficacy", "mean_system_sight"]


def test_default_model_is_bnssg_and_runs_104_weeks():
    model = CollaborationModel(rng=1)
    model.run_for(104)
    df = model.datacollector.get_model_vars_dataframe()
    assert len(df) == 105 and list(df.columns) == list(METRICS)
    assert model.partnership.name == "bnssg" and not model.running
    assert len(model.agents) == model.leaders.n
    # the baseline is organisation-first: most strong ties lie inside organisations
    assert df["ei_index"].iloc[0] < 0 and df["ei_index"].iloc[-1] < 0


def test_agents_are_views_of_the_arrays(small_run):
    agent = next(iter(small_run.agents_by_type[Leader]))
    assert agent.orientation == small_run.leaders.orientation[agent.index]
    agent.listening = 0.9
    assert small_run.leaders.listening[agent.index] == 0.9
    assert agent.role in ("chief_executive", "executive", "director")
    assert agent.organisation in small_run.organisations.names


def test_state_bounds_and_no_nan(small_run):
    L = small_run.leaders
    for name in ("orientation", "susceptibility", "listening", "trust_propensity", "risk_appetite", "efficacy",
                 "system_sight"):
        x = getattr(L, name)
        assert np.all(np.isfinite(x)) and np.all((x >= 0) & (x <= 1)), name
    t = small_run.ties
    assert np.all((t.w >= small_run.params.tie_removal) & (t.w <= 1))
    assert np.all(t.trust_pos >= 0) and np.all(t.trust_neg >= 0)


params_strategy = st.fixed_dictionaries({
    "homophily": st.floats(1, 20), "forum_contacts": st.floats(0, 6), "issue_rate": st.floats(0, 10),
    "logit_beta": st.floats(0, 30), "perception_noise": st.floats(0, 2), "loss_aversion": st.floats(1, 5),
    "trust_forgetting": st.floats(0.5, 1), "orientation_rate": st.floats(0, 1),
    "tie_growth": st.floats(0, 1), "bridge_decay": st.floats(0, 1), "embedded_decay": st.floats(0, 1),
    "win_reinforcement": st.floats(0, 1), "failure_discouragement": st.floats(0, 1),
    "listening_trust_gain": st.floats(0, 5), "meeting_evidence": st.floats(0, 1),
    "structure_every": st.integers(1, 6), "tie_use_rate": st.floats(0, 1),
})


@given(params=params_strategy, seed=st.integers(0, 2**32 - 1))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_metrics_bounded_and_finite_for_any_valid_parameters(params, seed):
    model = CollaborationModel("small", n_weeks=10, burn_in_weeks=2, rng=seed, **params)
    model.run()
    df = model.datacollector.get_model_vars_dataframe()
    assert np.isfinite(df.to_numpy()).all()
    assert ((df[BOUNDED] >= 0) & (df[BOUNDED] <= 1)).all().all()
    assert ((df["ei_index"] >= -1) & (df["ei_index"] <= 1)).all()
    for name in ("orientation", "efficacy", "system_sight"):
        x = getattr(model.leaders, name)
        assert np.all((x >= 0) & (x <= 1))


def _frame(seed, **kw):
    m = CollaborationModel("small", n_weeks=15, burn_in_weeks=3, rng=seed, **kw)
    m.run()
    return m.datacollector.get_model_vars_dataframe()


def test_same_seed_identical_different_seed_differs():
    pd.testing.assert_frame_equal(_frame(11), _frame(11))
    assert not _frame(11).equals(_frame(12))


def test_seed_sequence_and_int_agree():
    a = CollaborationModel("small", n_weeks=3, burn_in_weeks=0, rng=np.random.SeedSequence(5))
    b = CollaborationModel("small", n_weeks=3, burn_in_weeks=0, rng=5)
    np.testing.assert_array_equal(a.leaders.orientation, b.leaders.orientation)


def test_common_random_numbers_keep_setup_identical_across_behaviour():
    a = CollaborationModel("small", n_weeks=1, burn_in_weeks=0, rng=3)
    b = CollaborationModel("small", n_weeks=1, burn_in_weeks=0, rng=3, issue_rate=9.0)
    np.testing.assert_array_equal(a.leaders.listening, b.leaders.listening)
    np.testing.assert_array_equal(a.ties.w, b.ties.w)


def test_keyword_parameters_and_behaviour_object():
    m = CollaborationModel("small", n_weeks=1, behaviour=BehaviourParams(homophily=5.0), rng=1, issue_rate=1.0)
    assert m.params.homophily == 5.0 and m.params.issue_rate == 1.0
    with pytest.raises(ConfigError, match=r"^behaviour.homophily=0.5: must be in \[1, 50\]$"):
        CollaborationModel("small", homophily=0.5)
    with pytest.raises(ConfigError, match=r"^behaviour.not_a_parameter=1: unknown parameter \(known: "):
        CollaborationModel("small", not_a_parameter=1)
    with pytest.raises(ConfigError, match=r"^behaviour.homophilly=1: unknown parameter \(did you mean 'homophily'"):
        CollaborationModel("small", homophilly=1)
    with pytest.raises(ConfigError, match=r"^n_weeks=0"):
        CollaborationModel("small", n_weeks=0)
    with pytest.raises(ConfigError, match=r"^behaviour.orgs_per_issue=5: more than the scenario's 4"):
        CollaborationModel("small", orgs_per_issue=5, issue_threshold=3)


def test_synthetic_partnership_runs():
    m = CollaborationModel(synthetic_partnership(n_organisations=20, n_leaders=400), n_weeks=5,
                           burn_in_weeks=2, rng=2)
    m.run()
    assert m.leaders.n == 400 and len(m.ties) > 400


def test_mesa_batch_run_drives_the_model():
    results = mesa.batch_run(CollaborationModel,
                             parameters={"scenario": "small", "n_weeks": 6, "burn_in_weeks": 1,
                                         "homophily": [2.0, 4.0]},
                             rng=[1, 2], max_steps=100, display_progress=False, number_processes=1)
    df = pd.DataFrame(results)
    assert len(df) == 4 and set(df["homophily"]) == {2.0, 4.0}
    assert (df["Step"] == 6).all() and df["mean_orientation"].between(0, 1).all()


def test_model_is_garbage_collected_after_a_run():
    model = CollaborationModel("small", n_weeks=5, burn_in_weeks=1, rng=3)
    model.run()
    ref = weakref.ref(model)
    agent_ref = weakref.ref(next(iter(model.agents)))
    del model
    gc.collect()
    assert ref() is None and agent_ref() is None


def test_network_export(small_run):
    g = small_run.network(min_strength=small_run.params.strong_tie)
    assert g.number_of_nodes() == small_run.leaders.n
    assert all("organisation" in d for _, d in g.nodes(data=True))


def test_leader_network_is_small_world():
    """Pattern: high clustering and short path lengths (brief, patterns to reproduce)."""
    import networkx as nx

    g = CollaborationModel(rng=4, n_weeks=1).network()
    assert nx.is_connected(g)
    # clustering far above a random graph of the same density, paths short
    assert nx.average_clustering(g) > 3 * nx.density(g)
    assert nx.average_shortest_path_length(g) < 3.5


def test_leader_agents_answer_contacts_trust_and_organisation(small_run):
    """The Mesa agent is a window on the state: contacts are Leader agents linked by ties,
    trust_in is the beta-reputation mean of the evidence on that tie."""
    from sim.trust import trust_value

    agents = small_run.leader_agents
    t, L = small_run.ties, small_run.leaders
    row = int(np.argmax(t.w))
    a, b = agents[t.u[row]], agents[t.v[row]]
    assert b in a.contacts() and a in b.contacts(strong=True)
    assert all(isinstance(c, Leader) for c in a.contacts())
    assert len(a.contacts(strong=True)) <= len(a.contacts())
    assert a.tie_strength(b) == t.w[row]
    assert a.trust_in(b) == trust_value(t.trust_pos[row, 0], t.trust_neg[row, 0], L.trust_propensity[a.index])
    assert b.trust_in(a) == trust_value(t.trust_pos[row, 1], t.trust_neg[row, 1], L.trust_propensity[b.index])
    stranger = next(x for x in agents if x is not a and x not in a.contacts())
    assert a.trust_in(stranger) == L.trust_propensity[a.index]
    assert a.organisation == small_run.organisations.names[L.org[a.index]]
    assert [x.index for x in agents] == list(range(L.n))


def test_burn_in_snapshot_copies_the_whole_state():
    """Two models from one burn-in snapshot run identically to a model that burned in itself;
    and changing one does not touch the snapshot."""
    a = CollaborationModel("small", n_weeks=8, burn_in_weeks=6, rng=21, keep_burn_in=True)
    b = CollaborationModel("small", n_weeks=8, burn_in_weeks=6, rng=21, start_state=a.burn_in_state)
    a.run()
    b.run()
    pd.testing.assert_frame_equal(a.datacollector.get_model_vars_dataframe(),
                                  b.datacollector.get_model_vars_dataframe())
    assert a.burn_in_state.state.clock == 6 and a.state.clock == 14
    with pytest.raises(ConfigError, match="start_state: its params differs"):
        CollaborationModel("small", n_weeks=8, burn_in_weeks=6, rng=21, start_state=a.burn_in_state, homophily=9)


def test_a_researcher_replaces_one_process():
    """Swapping the orientation slot for a rule that keeps orientation fixed changes only
    what that rule does: orientation stays at its week-0 value, everything else runs."""
    from sim import Process, default_processes

    class FrozenOrientation(Process):
        name = "orientation"

        def step(self, state, params, week, rng):
            pass

    m = CollaborationModel("small", n_weeks=10, burn_in_weeks=3, rng=5, processes={"orientation": FrozenOrientation()})
    start = m.leaders.orientation.copy()
    m.run()
    np.testing.assert_array_equal(m.leaders.orientation, start)
    assert [p.name for p in m.processes] == [p.name for p in default_processes()]
    moving = CollaborationModel("small", n_weeks=10, burn_in_weeks=3, rng=5)
    moving.run()
    assert not np.array_equal(moving.leaders.orientation, start)
    with pytest.raises(ConfigError, match=r"^processes.orientaton: no such slot"):
        CollaborationModel("small", processes={"orientaton": FrozenOrientation()})


def test_a_researcher_adds_a_process_with_its_own_state():
    """An added process keeps its state in state.extra, so it survives snapshots."""
    from sim import Process, default_processes, insert_after

    class CountSuccesses(Process):
        name = "success_counter"

        def step(self, state, params, week, rng):
            state.extra["successes"] = state.extra.get("successes", 0) + int(week.success.sum())

    m = CollaborationModel("small", n_weeks=12, burn_in_weeks=0, rng=2,
                           processes=insert_after(default_processes(), "issues", CountSuccesses()))
    m.run()
    assert [p.name for p in m.processes][3] == "success_counter"
    df = m.datacollector.get_model_vars_dataframe()
    assert m.state.extra["successes"] > 0 and df["issue_success_rate"].max() > 0


def _reference_metrics(model):
    """Every weekly metric straight from the state with plain numpy (rates excepted)."""
    from sim.trust import trust_value

    L, t, ot = model.leaders, model.ties, model.state.org_trust
    strong = t.w >= model.params.strong_tie
    n_strong, ext = strong.sum(), (strong & t.cross).sum()
    c = t.cross
    trust = np.concatenate([trust_value(t.trust_pos[c, 0], t.trust_neg[c, 0], L.trust_propensity[t.u[c]]),
                            trust_value(t.trust_pos[c, 1], t.trust_neg[c, 1], L.trust_propensity[t.v[c]])])
    k = ot.trust_pos.shape[0]
    off = ~np.eye(k, dtype=bool)
    out = {"mean_orientation": L.orientation.mean(), "cross_org_trust": trust.mean(),
           "interorg_trust": trust_value(ot.trust_pos[off], ot.trust_neg[off], ot.prior).mean(),
           "strong_cross_share": ext / n_strong, "ei_index": 2 * ext / n_strong - 1,
           "bridges": (c & ~t.embedded).sum(), "cross_org_ties": c.sum(), "n_ties": len(t),
           "mean_listening": L.listening.mean(), "mean_efficacy": L.efficacy.mean(),
           "mean_system_sight": L.system_sight.mean()}
    sel = c & strong
    per_leader = np.bincount(t.u[sel], minlength=L.n) + np.bincount(t.v[sel], minlength=L.n)
    truster = np.concatenate([t.u[c], t.v[c]])
    for g, mask in (("participants", L.participant), ("others", ~L.participant)):
        mine = mask[truster]
        out.update({f"orientation_{g}": L.orientation[mask].mean(), f"strong_cross_ties_{g}": per_leader[mask].mean(),
                    f"cross_org_trust_{g}": trust[mine].mean(), f"listening_{g}": L.listening[mask].mean(),
                    f"system_sight_{g}": L.system_sight[mask].mean(), f"efficacy_{g}": L.efficacy[mask].mean()})
    return out


def test_compiled_metrics_match_plain_numpy():
    m = CollaborationModel(n_weeks=12, burn_in_weeks=10, rng=6, interventions={"leadership_programme": {}})
    m.run()
    row = m.datacollector.get_model_vars_dataframe().iloc[-1]
    for name, value in _reference_metrics(m).items():
        assert row[name] == pytest.approx(value, rel=1e-9, abs=1e-12), name


def test_starting_network_uses_the_declared_strength_ranges():
    """Before the burn-in, colleague ties, forum acquaintances (cross-organisation, with prior
    evidence) and weak acquaintances (cross-organisation, no evidence) have strengths within
    their declared ranges (BehaviourParams), and each range is filled, so a declaration that
    disagreed with the code would fail here."""
    from sim.params import BehaviourParams

    p = BehaviourParams()
    t = CollaborationModel(burn_in_weeks=0, n_weeks=1, rng=3).state.ties
    evidence = (t.trust_pos + t.trust_neg).sum(axis=1) > 0
    groups = {"colleague_strength": ~t.cross, "forum_acquaintance_strength": t.cross & evidence,
              "weak_tie_strength": t.cross & ~evidence}
    for name, mask in groups.items():
        low, high = getattr(p, name)
        w = t.w[mask]
        assert w.size > 20, name
        assert w.min() >= low and w.max() <= high, (name, w.min(), w.max())
        assert w.min() < low + 0.1 * (high - low) and w.max() > high - 0.1 * (high - low), name


def _share_lost_in_a_year(overrides=(), seeds=range(4)):
    """Share of week-0 bridges (cross-organisation, not embedded) and of embedded
    cross-organisation ties no longer in the tie table at week 52, with no intervention, at the
    calibrated case study's parameters."""
    from experiments.running.config import compose_checked

    c = compose_checked(["experiment=case_study", *overrides])
    lost = []
    for seed in seeds:
        m = CollaborationModel(c.partnership, n_weeks=52, burn_in_weeks=104, behaviour=c.behaviour, rng=seed)
        t = m.state.ties
        keys = t.u.astype(np.int64) * 1_000_000 + t.v
        bridge, embedded = t.cross & ~t.embedded, t.cross & t.embedded
        strong = t.w >= c.behaviour.strong_tie
        m.run()
        t = m.state.ties
        alive = np.isin(keys, t.u.astype(np.int64) * 1_000_000 + t.v)
        lost.append([1 - alive[bridge].mean(), 1 - alive[embedded].mean(), 1 - alive[bridge & strong].mean()])
    return np.mean(lost, axis=0)


def test_bridges_decay_faster_than_embedded_ties_at_the_models_parameters():
    """ODD section 1's pattern, measured at the calibrated parameters: most week-0 bridges are
    dropped from the tie table a year later (88%; Burt 2002 reports about nine in ten among
    bankers), against well under half as many embedded cross-organisation ties; strong bridges,
    which are used more, are dropped less often than bridges in general (54%), though most stop
    being strong (the panel)."""
    bridges, embedded, strong_bridges = _share_lost_in_a_year()
    assert 0.55 <= bridges <= 0.95, bridges
    assert embedded < 0.45 and bridges > 1.8 * embedded, (bridges, embedded)
    assert strong_bridges < bridges - 0.15, (strong_bridges, bridges)


def test_the_bridge_decay_rate_adds_to_the_difference():
    """Companion: with bridges decaying at the embedded rate, far fewer are dropped (32% against
    88%): the bridge-specific rate is what drops them from the table."""
    bridges, _, _ = _share_lost_in_a_year()
    equal, _, _ = _share_lost_in_a_year(["behaviour.bridge_decay=0.02"])
    assert equal < bridges - 0.05, (equal, bridges)



_ONE_SIGNATURE_CHECK = """
import json, sys
from numba.core.registry import CPUDispatcher
from sim import CollaborationModel
CollaborationModel(rng=1, interventions={'leadership_programme': {}}, survey=True).run_for(30)
out = {}
for name, module in list(sys.modules.items()):
    if name.startswith('sim.'):
        for attr, obj in vars(module).items():
            if isinstance(obj, CPUDispatcher) and obj.py_func.__module__ == name:
                out[name + '.' + attr] = [str(s) for s in obj.signatures]
print(json.dumps(out))
"""


def test_each_kernel_is_compiled_once_in_a_run():
    """Cold compile time (docs/performance.md) grows with every extra specialisation numba makes: a
    plain int or bool constant passed to a kernel (numba compiles one copy per value), or a read-only
    array where a writable one went before. In a fresh process, a run with a programme and the survey
    compiles each kernel for one signature (entity ids come as int64 and as uint64: two)."""
    import json
    import subprocess
    import sys

    import os
    import tempfile

    # an empty cache and no helper compiling ahead (sim.compile_ahead): kernels loaded from a cache
    # hide their callees
    with tempfile.TemporaryDirectory() as cache:
        out = subprocess.run([sys.executable, "-c", _ONE_SIGNATURE_CHECK], capture_output=True, text=True,
                             check=True, cwd=Path(__file__).resolve().parents[1],
                             env={**os.environ, "NUMBA_CACHE_DIR": cache, "COLLABSIM_COMPILE_AHEAD": "0"})
    signatures = json.loads(out.stdout.strip().splitlines()[-1])
    assert len(signatures) > 30  # the check sees the kernels
    allowed = {"sim.streams.entity_state": 2}
    extra = {name: sigs for name, sigs in signatures.items() if len(sigs) > allowed.get(name, 1)}
    assert not extra, f"kernels compiled more than once: {extra}"


def test_observe_false_records_nothing_and_changes_nothing_else():
    """`observe=False` (the calibration's simulator) skips the metrics and the DataCollector; the
    state and the survey's answers are those of a model that observes."""
    kw = dict(n_weeks=10, burn_in_weeks=6, rng=4, survey={"waves": [0, 10]},
              interventions={"leadership_programme": {"cohort_size": 20, "duration_weeks": 8}})
    seen = CollaborationModel("small", **kw).run()
    blind = CollaborationModel("small", observe=False, **kw).run()
    assert len(seen.datacollector.model_vars["mean_orientation"]) == 11
    assert all(len(v) == 0 for v in blind.datacollector.model_vars.values())
    np.testing.assert_array_equal(seen.state.leaders.orientation, blind.state.leaders.orientation)
    np.testing.assert_array_equal(seen.state.ties.w, blind.state.ties.w)
    pd.testing.assert_frame_equal(seen.survey.frame(), blind.survey.frame())
