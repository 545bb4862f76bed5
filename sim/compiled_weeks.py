"""The default week's processes 1-7 in one compiled call: the burn-in's weeks in one loop, and
each recorded week while no intervention is running.

Stepped from Python, a week makes a dozen kernel calls, passes about a hundred
arrays and returns about twenty: the Python boundary, not the work, was about a
quarter of the week (docs/performance.md). `_weeks` runs the same process
kernels, in the same order and with the same arguments, inside one compiled
loop over weeks, so the state it leaves is bit for bit the state the processes
reach one by one, and it returns the last week's record, which a recorded week
then holds as the processes would have set it (`tests/test_compiled_weeks.py`
compares both, including the weeks that leave the loop).

The loop hands a week back to Python when the tie table needs what only Python
does: more room for the week's new ties (the week then finishes through the
processes' own steps, which grow the table), or a rebuilt pair index after many
removals. It applies only when every process is the default one with a rule the
loop knows (`applies`); otherwise, and in a week in which an intervention runs,
the model steps the processes as usual.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.efficacy import EfficacyAndSight, _efficacy_in_place, _sight_week, reach, refresh_sight
from sim.interventions import Interventions
from sim.issues import CollectiveIssues, _issues_week, decide, record_issues
from sim.meetings import Meetings, weekly_conversations
from sim.metrics import Metrics
from sim.network import BITSET_MAX, _refresh_bitsets
from sim.orientation import Orientation, _ones, _orientation_week
from sim.perception import Perception, perceive_actions, perceive_conduct
from sim.state import Week
from sim.ties import Ties, _ties_week_pruned
from sim.trust import Trust, _learn

DEFAULT_TYPES = (Interventions, Meetings, CollectiveIssues, Perception, Trust, Orientation, Ties, EfficacyAndSight,
                 Metrics)
"""The default week's process classes, in order (`sim.processes.default_processes`)."""

DONE, NEEDS_ROOM, NEEDS_REHASH, NEEDS_REFRESH = 0, 1, 2, 3
"""How the compiled loop stopped: all weeks run; a week's new ties did not fit (the week's
meetings are done, the rest is Python's); the pair index holds too many deleted keys; a
structure refresh above `BITSET_MAX` leaders (processes 1-6 are done, the refresh and
process 7 are Python's, so the sorted-list kernels are not compiled into the loop)."""


def applies(model) -> bool:
    """Whether processes 1-7 run as one compiled call: the default processes, exactly (their own
    classes and `step` methods), with an influence rule it knows (Friedkin-Johnsen or DeGroot)
    and listening acting on perception."""
    processes = model.processes
    if tuple(type(p) for p in processes) != DEFAULT_TYPES:
        return False
    if any(getattr(p.step, "__func__", None) is not type(p).step for p in processes):
        return False  # a step replaced on the object itself
    by_name = {p.name: p for p in processes}
    return (by_name["orientation"].influence in ("friedkin_johnsen", "degroot")
            and by_name["ties"].listening == "perception")


@njit(cache=True)
def _weeks(first_clock, last_clock, keys, offsets, members, period, phase, structured, org, attendance, contacts,
           homophily, tie_use_rate, triadic_rate, encounter_rate, n, u, v, w, pos, neg, trust, cross, embedded,
           tie_org, propensity, count, index, adj, deg, at, due, snap_bits, snap_indptr, snap_ids, deleted, deleted_limit,
           issue_rate, k, org_start, org_size, org_pos, org_neg, anchor, trust_propensity, orientation, risk_appetite,
           interpersonal_weight, threshold, benefit, cost, beta, public_goods, listening, nu0, meeting_evidence,
           forgetting, loss_aversion, listening_gain, lam, self_weight, pull, orientation_rate, win, fail, growth,
           bridge_rate, embedded_rate, removal, structure_every, strong, n_orgs, sight, sight_bonus, sight_rate,
           efficacy, efficacy_gain, efficacy_rate, first_sight):
    """Weeks `first_clock`..`last_clock` of processes 1-7, each step as its process makes it.
    Returns (how it stopped, the clock it stopped at, tie count, deleted index slots, the record
    of the last week it ran: `RECORD`'s fields; of a week it stopped in for room, only the
    conversations are filled). `first_sight` is False, passed in
    so that numba types it as the sight process does (a literal would compile `_sight_week` again)."""
    no_ints = np.empty(0, np.int64)
    no_floats = np.empty(0)
    no_flags = np.empty(0, np.bool_)
    a, b, ids, rows, cols, all_a, all_b = no_ints, no_ints, np.empty(0, np.uint64), no_ints, no_ints, no_ints, no_ints
    reps = rep_orgs = np.empty((0, k), np.int64)
    contributed = np.empty((0, k), np.bool_)
    success, contributors, contributor_success, actions = no_flags, no_ints, no_flags, no_floats
    conduct_observers, conduct_partners, conduct_rows, conduct_cols, conduct = (no_ints, no_ints, no_ints, no_ints,
                                                                                 no_floats)
    clock = first_clock
    while clock <= last_clock:
        # 1 meetings
        a, b, ids = weekly_conversations(keys[0], clock, offsets, members, period, phase, structured, org,
                                         attendance, contacts, homophily, u, v, w, due, count, tie_use_rate, adj,
                                         deg, triadic_rate, encounter_rate, n)
        # 2 collective issues
        ok, reps, rep_orgs, all_a, all_b, rows, cols, count = _issues_week(
            keys[1], clock, issue_rate, k, org_start, org_size, a, b, n, u, v, w, pos, neg, trust, cross, embedded,
            tie_org, propensity, count, index, adj, deg, at, due, snap_bits, snap_indptr, snap_ids)
        if not ok:
            return NEEDS_ROOM, clock, count, deleted, (a, b, ids, rows, cols, reps, rep_orgs, all_a, all_b,
                                                       contributed, success, contributors, contributor_success,
                                                       actions, conduct_observers, conduct_partners, conduct_rows,
                                                       conduct_cols, conduct)
        n_conv = a.size
        contributed, success, contributors, contributor_success = decide(
            keys[1], clock, reps, rep_orgs, rows[n_conv:], cols[n_conv:], trust, org_pos, org_neg, trust_propensity, org,
            orientation, risk_appetite, anchor, interpersonal_weight, threshold, benefit, cost, beta, public_goods)
        # 3 perception
        actions = perceive_actions(keys[2], clock, reps, contributed, listening, nu0) if reps.shape[0] else no_floats
        conduct_observers, conduct_partners, conduct_rows, conduct_cols, conduct = (no_ints, no_ints, no_ints,
                                                                                     no_ints, no_floats)
        if meeting_evidence > 0 and ids.size:
            conduct_observers, conduct_partners, conduct_rows, conduct_cols, conduct = perceive_conduct(
                keys[2], clock, a, b, ids, rows[:n_conv], cols[:n_conv], org, orientation, listening, nu0)
        # 4 trust
        _learn(pos, neg, trust, propensity, u, v, org_pos, org_neg, org, listening, rows[n_conv:], cols[n_conv:],
               all_a[n_conv:], all_b[n_conv:], actions, conduct_rows, conduct_cols, conduct_partners, conduct,
               meeting_evidence, forgetting, loss_aversion, listening_gain)
        # 5 orientation
        _orientation_week(orientation, lam, org, anchor, u, v, w, trust, count, self_weight, pull, orientation_rate,
                          contributors, contributor_success, win, fail)
        # 6 ties
        count, freed = _ties_week_pruned(rows, w, embedded, count, growth, bridge_rate, embedded_rate, removal,
                                         (u, v, pos, neg, trust, cross, n, index, adj, deg, at, due))
        deleted += freed
        refresh = clock % structure_every == 0
        if refresh and snap_bits.shape[0] == 0:  # above BITSET_MAX the refresh is Python's, and the rest
            clock += 1                                # of the week with it (`_finish_refresh`)
            return NEEDS_REFRESH, clock, count, deleted, (a, b, ids, rows, cols, reps, rep_orgs, all_a, all_b,
                                                          contributed, success, contributors, contributor_success,
                                                          actions, conduct_observers, conduct_partners, conduct_rows,
                                                          conduct_cols, conduct)
        if refresh:
            _refresh_bitsets(u, v, w, count, strong, snap_bits, embedded)
        # 7 efficacy and sight
        if refresh:
            _sight_week(sight, reach(u, v, w, cross, count, org, n_orgs, strong), listening, sight_bonus, nu0,
                        sight_rate, first_sight)
        if contributors.size:
            _efficacy_in_place(efficacy, efficacy_gain, contributors, contributor_success, efficacy_rate)
        clock += 1
        if deleted > deleted_limit:
            break
    status = NEEDS_REHASH if deleted > deleted_limit else DONE
    return status, clock, count, deleted, (a, b, ids, rows, cols, reps, rep_orgs, all_a, all_b, contributed, success,
                                           contributors, contributor_success, actions, conduct_observers,
                                           conduct_partners, conduct_rows, conduct_cols, conduct)


RECORD = ("conversation_a", "conversation_b", "conversation_ids", "rows", "cols", "representatives",
          "representative_orgs", "pairs_a", "pairs_b", "contributed", "success", "contributors",
          "contributor_success", "perceived_actions", "conduct_observers", "conduct_partners", "conduct_rows",
          "conduct_cols", "perceived_conduct")
"""The week record `_weeks` returns, in order (rows, cols and pairs_a, pairs_b cover the
conversations, then the co-working pairs, as the issues process lays them out)."""


def _field(record, name: str):
    """One field of a week record returned by `_weeks`, by its name in `RECORD`."""
    return record[RECORD.index(name)]


def _call(model, first: int, last: int):
    """`_weeks` over clocks first..last on the model's state (its arrays as they are now)."""
    state, params = model.state, model.params
    ties, leaders, orgs, forums = state.ties, state.leaders, state.organisations, state.forums
    constants = getattr(model, "_compiled_constants", None)
    if constants is None or constants[0] is not state:  # made once per state: the keys and the rules' choices
        by_name = {p.name: p for p in model.processes}
        constants = model._compiled_constants = (
            state, np.array([state.streams[s].key for s in ("meetings", "issues", "perception")], np.uint64),
            by_name["orientation"].influence == "friedkin_johnsen", by_name["issues"].game == "public_goods")
    _, keys, anchored, public_goods = constants
    lam = leaders.susceptibility if anchored else _ones(leaders.n)
    offsets, members = forums.packed()
    bits = ties._snapshot[0]
    if ties.n <= BITSET_MAX and bits.shape != (ties.n, (ties.n + 63) // 64):  # no bitsets yet: the
        ties.refresh_structure(params.strong_tie)  # processes' own refresh makes them
        bits = ties._snapshot[0]
    return _weeks(
        first, last, keys, offsets, members, forums.period, forums.phase, forums.structured, leaders.org,
        float(params.forum_attendance), params.forum_contacts, params.homophily, params.tie_use_rate,
        params.triadic_rate, params.random_encounter_rate, leaders.n, ties._u, ties._v, ties._w, ties._pos, ties._neg,
        ties._trust, ties._cross, ties._embedded, ties.org, ties.propensity, ties.count, ties._index, ties._adj,
        ties._deg, ties._at, ties._due, bits, *ties._snapshot[1:], ties._deleted, ties._index.shape[0] // 4,
        params.issue_rate, params.orgs_per_issue, orgs.start, orgs.size, state.org_trust.trust_pos,
        state.org_trust.trust_neg, orgs.anchor, leaders.trust_propensity, leaders.orientation, leaders.risk_appetite,
        params.interpersonal_weight, params.issue_threshold, params.system_benefit, params.contribution_cost,
        params.logit_beta, public_goods, leaders.listening, params.perception_noise,
        params.meeting_evidence, params.trust_forgetting, params.loss_aversion, params.listening_trust_gain, lam,
        float(params.self_weight), leaders.system_pull, params.orientation_rate, params.win_reinforcement,
        params.failure_discouragement, params.tie_growth, params.bridge_decay, params.embedded_decay,
        params.tie_removal, params.structure_every, params.strong_tie, orgs.n, leaders.system_sight,
        leaders.sight_bonus, params.sight_rate, leaders.efficacy, leaders.efficacy_gain, params.efficacy_rate,
        False)  # False: a variable, not a literal


def burn_in_weeks(model, weeks: int) -> dict[str, int]:
    """Run `weeks` burn-in weeks of `model` (for which `applies` holds) through the compiled
    loop, handing weeks back to the processes when the tie table needs Python. Returns how
    often it left the loop, by reason (for tests)."""
    state, ties = model.state, model.state.ties
    left = {"room": 0, "rehash": 0, "refresh": 0}
    clock, last = state.clock + 1, state.clock + weeks
    while clock <= last:
        status, clock, count, deleted, record = _call(model, clock, last)
        ties.count, ties._deleted = count, deleted
        if status == NEEDS_ROOM:
            left["room"] += 1
            state.clock = clock
            week = Week(clock - model.burn_in_weeks, clock, model.params.orgs_per_issue)
            _finish_week(model, week, record)
            state.last_week = week
            clock += 1
        else:
            state.clock = clock - 1
            if deleted > ties._index.shape[0] // 4:
                left["rehash"] += 1
                ties.removed(count, 0)  # the bookkeeping after removals: rebuilds the index
            if status == NEEDS_REFRESH:
                left["refresh"] += 1
                _finish_refresh(model, record)
    return left


def run_week(model, week: Week) -> None:
    """Processes 1-7 of one recorded week (`week`, its clock already set) through the compiled
    loop, filling the week's record as the processes would. For a model for which `applies`
    holds and no intervention is running (nothing adds conversations or changes the state
    between the processes)."""
    ties = model.state.ties
    status, _, count, deleted, record = _call(model, week.clock, week.clock)
    ties.count, ties._deleted = count, deleted
    if status == NEEDS_ROOM:
        _finish_week(model, week, record)
        return
    if deleted > ties._index.shape[0] // 4:
        ties.removed(count, 0)
    if status == NEEDS_REFRESH:
        _finish_refresh(model, record)
    a, b, ids, rows, cols, reps, rep_orgs, pairs_a, pairs_b, contributed, success, contributors, \
        contributor_success, actions, c_observers, c_partners, c_rows, c_cols, c_seen = record
    week.conversations, week.conversation_ids = (a, b), ids
    record_issues(week, a.size, rows, cols, reps, rep_orgs, pairs_a, pairs_b, contributed, success, contributors,
                  contributor_success)
    week.perceived_actions = actions
    if model.params.meeting_evidence > 0 and ids.size:  # as the perception process sets them
        week.conduct_observers, week.conduct_partners, week.conduct_rows, week.conduct_cols = (
            c_observers, c_partners, c_rows, c_cols)
        week.perceived_conduct = c_seen


def _finish_week(model, week: Week, record) -> None:
    """The rest of a week whose meetings the loop ran: processes 2-7 from their own steps (the
    issues step finds the ties the loop made and grows the table for the rest)."""
    state, params = model.state, model.params
    week.conversations = (_field(record, "conversation_a"), _field(record, "conversation_b"))
    week.conversation_ids = _field(record, "conversation_ids")
    for process in model.processes:
        if process.during_burn_in and process.name not in ("interventions", "meetings"):
            process.step(state, params, week, state.streams[process.stream] if process.stream else None)


def _finish_refresh(model, record) -> None:
    """The end of a structure-refresh week above `BITSET_MAX` leaders, as processes 6 and 7 end it:
    the refresh, the sight towards its target, then the contributors' efficacy."""
    state, params = model.state, model.params
    state.ties.refresh_structure(params.strong_tie)
    refresh_sight(state, params)
    contributors, contributor_success = _field(record, "contributors"), _field(record, "contributor_success")
    if contributors.size:
        _efficacy_in_place(state.leaders.efficacy, state.leaders.efficacy_gain, contributors, contributor_success,
                           params.efficacy_rate)
