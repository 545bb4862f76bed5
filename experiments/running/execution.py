"""Execution: replicates of one configuration, paired runs, and chunks of a design.

Replicate r is seeded from SeedSequence(base_seed, spawn_key=(r,)), so replicate
r of two configurations shares its random numbers (common random numbers) and no
seed depends on job order, launcher or worker count. With any intervention, a
replicate is a pair: the intervention arm and its counterfactual, run from one
shared burn-in with the same seed (`RunSpec.pair`, experiments.running.spec).
The counterfactual arm runs each intervention's `counterfactual()` settings:
programmes still select and mark their cohort (so participants are compared
with their untreated selves) but deliver nothing; reforms are left out.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from threadpoolctl import ThreadpoolController
from tqdm import tqdm

from experiments.outputs.files import tidy
from experiments.running.config import CheckedConfig, apply_overrides
from experiments.running.spec import ARMS
from experiments.analysis.leaders import cohens_d, per_leader
from experiments.running.uncertainty import describe, replicate_draws
from experiments.running.workers import parallel_map
from sim.metrics import decision_record, issue_success_share
from sim import CollaborationModel


_CONTROLLER: list = [None, -1]  # this process's ThreadpoolController, and len(sys.modules) when it was made


def _threadpools() -> ThreadpoolController:
    """The thread pools loaded in this process. Finding them reads the process's memory map (about
    2 ms, more than a short simulation's set-up), so it is done again only after new modules were
    imported (which may have loaded another BLAS or OpenMP library)."""
    if _CONTROLLER[0] is None or _CONTROLLER[1] != len(sys.modules):
        _CONTROLLER[:] = [ThreadpoolController(), len(sys.modules)]
    return _CONTROLLER[0]


def single_threaded(fn):
    """Run `fn` with BLAS and OpenMP pools limited to one thread: a run's work stays on one
    core, and parallelism comes from replicates and jobs (two busy BLAS threads on a two-core
    machine shared with another process slowed a run 1.6-11x)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with _threadpools().limit(limits=1):
            return fn(*args, **kwargs)

    return wrapper


def replicate_seed(base_seed: int, replicate: int) -> int:
    """The integer seed of replicate r: independent of job order, launcher and scenario."""
    ss = np.random.SeedSequence(base_seed, spawn_key=(replicate,))
    return int(ss.generate_state(1, dtype=np.uint64)[0] & np.uint64(2**63 - 1))


class NetworkSnapshot(NamedTuple):
    """The intervention arm's network at one week, by people: each tie's two leader ids (`u`, `v`),
    strength and whether it crosses organisations; and each slot's leader id, organisation, role
    and programme participation that week (so the capture stays right under turnover)."""

    week: int
    u: np.ndarray
    v: np.ndarray
    w: np.ndarray
    cross: np.ndarray
    ids: np.ndarray
    org: np.ndarray
    role: np.ndarray
    participant: np.ndarray


@dataclass
class PairResult:
    results: pd.DataFrame
    survey: pd.DataFrame
    networks: dict[str, Any] = field(default_factory=dict)
    """Optional snapshots of the intervention arm's network: "week_<w>" -> NetworkSnapshot, and
    "organisations" -> the organisations' names."""
    left: pd.DataFrame | None = None
    """Survey respondents who had left the partnership by each wave (turnover), by arm."""
    leader_effects: pd.DataFrame | None = None
    """Cohen's d of each per-leader outcome, by group and effect week (`experiments.analysis.leaders`)."""


@dataclass
class Replicates:
    """All replicates of one configuration, in replicate order."""

    results: pd.DataFrame
    survey: pd.DataFrame | None
    networks: dict[str, Any]
    seeds: dict[int, int]
    left: pd.DataFrame | None = None
    """Survey respondents who had left the partnership by each wave: replicate, arm, week, left, respondents."""
    leader_effects: pd.DataFrame | None = None
    """Per replicate and effect week: Cohen's d of each per-leader outcome, the difference in
    group means (effect) and the counterfactual's mean; and the expected issue success's
    difference over the window (metric issue_success_rate, no d)."""
    draws: dict = field(default_factory=dict)
    """{replicate: {"draw": index, setting: value}}: each replicate's posterior draw (empty: none)."""
    uncertainty: str = ""
    """What the intervals across these replicates include (`uncertainty.describe`)."""

    def draw_table(self) -> pd.DataFrame:
        """The posterior draws as a table: replicate, draw, then one column per setting."""
        return pd.DataFrame([{"replicate": r, **d} for r, d in sorted(self.draws.items())])


def _network_snapshot(model: CollaborationModel) -> NetworkSnapshot:
    t, leaders = model.state.ties, model.state.leaders
    return NetworkSnapshot(int(model.week), leaders.ids[t.u], leaders.ids[t.v], t.w.copy(), t.cross.copy(),
                           leaders.ids.copy(), leaders.org.copy(), leaders.role.copy(), leaders.participant.copy())


@single_threaded
def at_draw(config, draw: dict | None):
    """The configuration a replicate runs: at its draw's values, or as configured."""
    if not draw:
        return config
    return apply_overrides(config, {k: v for k, v in draw.items() if k != "draw"}, prefix="uncertainty")


def run_single(config: CheckedConfig, replicate: int, seed: int, groups: dict, draw: dict | None = None
               ) -> pd.DataFrame:
    """One run without interventions (at its posterior draw, if any): tidy weekly metrics."""
    config = at_draw(config, draw)
    model = config.spec.model(seed, survey=False)
    model.run()
    return tidy(model.datacollector.model_vars, replicate, seed, groups)


@single_threaded
def run_pair(config: CheckedConfig, replicate: int, seed: int, groups: dict[str, Any],
             capture_network_at: tuple[int, ...] = (), draw: dict | None = None) -> PairResult:
    """One replicate, both arms at its posterior draw if any (`experiments.running.uncertainty`):
    tidy metrics with an `arm` column, the survey, and Cohen's d of each per-leader outcome at the
    effect weeks (the intervention arm's values kept until the counterfactual arm reaches the same
    weeks)."""
    config = at_draw(config, draw)
    frames, surveys, networks, left, effects = [], [], {}, [], []
    weeks = config.run.weeks
    effect_weeks = config.effect_weeks
    values: dict[int, dict] = {}
    for arm, model in config.spec.pair(seed):
        capture = sorted(w for w in capture_network_at if w <= weeks) if arm == ARMS[0] else []
        if 0 in capture:
            networks["week_0"] = _network_snapshot(model)
        decisions = decision_record(model.state.leaders)
        for week in sorted({*(w for w in capture if w > 0), *effect_weeks}):
            model.run_for(week - model.week)
            if week in capture:
                networks[f"week_{week}"] = _network_snapshot(model)
            if week in effect_weeks:
                now = decision_record(model.state.leaders)
                current = per_leader(model, decisions, now)
                success = issue_success_share(decisions, now)
                decisions = now
                if arm == ARMS[0]:
                    values[week] = current, success
                else:  # the counterfactual arm marks the same cohort without delivering to it
                    participant = model.state.leaders.participant
                    groups_now = {"participants": np.flatnonzero(participant), "others": np.flatnonzero(~participant)}
                    treated, treated_success = values[week]
                    effects += [{"replicate": replicate, "week": week, **row}
                                for row in cohens_d(treated, current, groups_now)]
                    effects.append({"replicate": replicate, "week": week, "metric": "issue_success_rate",
                                    "cohens_d": np.nan, "leaders": 0, "effect": treated_success - success,
                                    "counterfactual": success})
        if model.week < weeks:  # (a capture or effect week at the last week has run it all: no empty run_for)
            model.run()
        if arm == ARMS[0] and capture:
            networks["organisations"] = list(model.state.organisations.names)
        frames.append(tidy(model.datacollector.model_vars, replicate, seed, {**groups, "arm": arm}))
        answers = model.survey.frame()
        left += [{"replicate": replicate, "arm": arm, "week": week, "left": count,
                  "respondents": int(model.survey.respondent_ids.size)} for week, count in model.survey.left.items()]
        n = len(answers)
        # built as one frame: DataFrame.insert on the answers' object columns copied them three times
        surveys.append(pd.DataFrame({"replicate": np.full(n, replicate, np.int64),
                                     "seed": np.full(n, seed, np.int64),
                                     "arm": np.full(n, arm, dtype=object),
                                     **{column: answers[column].to_numpy() for column in answers.columns}}))
    return PairResult(pd.concat(frames, ignore_index=True), pd.concat(surveys, ignore_index=True), networks,
                      pd.DataFrame(left), pd.DataFrame(effects))


class _Bar(tqdm):
    monitor_interval = 0  # no monitor thread: the job's workers are forked only from a single-threaded process


def progress_bar(iterable, total: int, enabled: bool | str, desc: str):
    """tqdm over an iterable; silent unless enabled and stderr is a terminal, or `enabled` is
    "notebook" (a notebook's own progress bar, tqdm.auto, wherever it runs)."""
    if enabled == "notebook":
        from tqdm.auto import tqdm

        return tqdm(iterable, total=total, desc=desc, leave=False)
    return _Bar(iterable, total=total, desc=desc, disable=not (enabled and sys.stderr.isatty()), leave=False)


def run_replicates(config: CheckedConfig, groups: dict, capture_network_at=(), progress: bool = False,
                   workers: int | None = None) -> Replicates:
    """All replicates of one configuration (`config.run`), in replicate order whatever the
    worker count; with interventions each replicate is a pair."""
    run = config.run
    seeds = {r: replicate_seed(run.base_seed, r) for r in range(run.replicates)}
    draws = replicate_draws(config, seeds)
    if config.interventions:
        fn, tasks = run_pair, ((config, r, seeds[r], groups, capture_network_at if r == 0 else (), draws.get(r))
                               for r in range(run.replicates))
    else:
        fn, tasks = run_single, ((config, r, seeds[r], groups, draws.get(r)) for r in range(run.replicates))
    # one worker runs in this process; results come back in submission order either way
    gen = parallel_map(fn, tasks, workers or run.workers)
    out = list(progress_bar(gen, run.replicates, progress, "replicates"))
    if config.interventions:
        return Replicates(pd.concat([o.results for o in out], ignore_index=True),
                          pd.concat([o.survey for o in out], ignore_index=True), out[0].networks, seeds,
                          pd.concat([o.left for o in out], ignore_index=True),
                          pd.concat([o.leader_effects for o in out], ignore_index=True), draws,
                          describe(config, draws))
    return Replicates(pd.concat(out, ignore_index=True), None, {}, seeds, draws=draws,
                      uncertainty=describe(config, draws))


def row_seed(config: CheckedConfig, row: int, design=None) -> int:
    """The base seed of design row `row`'s replicates: its own (SeedSequence(base_seed, (row,))) for
    Sobol and Latin hypercube designs, so each row's noise is independent of every other's and
    the noise can be deconvolved (`experiments.analysis.design.sobol_estimates`); Morris rows share
    the job's seeds, since its elementary effects difference neighbouring rows and common random
    numbers cancel the noise in them. A function of the row index alone: chunking and resuming
    give the same rows. `design`: the design's settings, when `config` no longer carries them."""
    if (design if design is not None else config.design).method == "morris":
        return config.run.base_seed
    return replicate_seed(config.run.base_seed, row)


def without_design(config: CheckedConfig) -> CheckedConfig:
    """The configuration a design's rows run from: the same, without the design, and at the
    configured values (`uncertainty.draws=medians`), as every configuration with a design runs (a
    design varies the parameters itself; without the design a row would draw the constants it
    does not vary from the posterior). A design row's values are checked against the design's
    bounds when the design is; checking the design again with every row's configuration would
    rebuild the whole design each time (about 130 ms a row for a Sobol design of 25,600 rows, as
    long as the row's two paired runs)."""
    if not config.design.method:
        return config
    return apply_overrides(config, {"design": {}, "uncertainty.draws": "medians"})


def run_design_row(config: CheckedConfig, values: dict, row: int = 0, design=None) -> dict:
    """One design row: the configuration with the row's values, its paired replicates
    (in this process, with the row's seeds), and the row's key outputs. `design`: the design's
    settings when `config` is `without_design` (as a chunk's rows are run)."""
    from experiments.analysis import design as design_mod

    d = design if design is not None else config.design
    at_row = apply_overrides(without_design(config), {**values, "run.base_seed": row_seed(config, row, d)},
                             prefix="design.parameters", round_integers=True)
    reps = run_replicates(at_row, {}, workers=1)
    end = at_row.programme_end or at_row.run.weeks
    follow = d.follow_to_week or None
    return design_mod.row_outputs(reps.results, reps.survey, end, follow, reps.leader_effects)


def _plain(value):
    """A design cell as a plain Python value (numpy scalars become int, float, bool or str)."""
    return value.item() if isinstance(value, np.generic) else value


def run_design_chunk(config: CheckedConfig, progress: bool = False) -> pd.DataFrame:
    """The job's chunk of design rows, each a paired run over run.replicates (common seeds),
    followed to the programme's end."""
    from experiments.analysis import design

    d = config.design
    full = design.from_settings(d)
    rows = design.chunk(full, d.chunk, d.chunk_size)
    end = config.programme_end or config.run.weeks
    values = {"run.weeks": max(min(config.run.weeks, end), d.follow_to_week)}
    if d.follow_to_week:  # the survey asks at the programme's end and at the follow-up week
        values["survey.waves"] = sorted({0, end, d.follow_to_week})
    rows_config = without_design(apply_overrides(config, values))  # once for the chunk, not once a row
    varied = [*d.parameters, *(d.levers or {})]
    tasks = ((rows_config, {k: _plain(row[k]) for k in varied}, int(row["row"]), d) for _, row in rows.iterrows())
    gen = parallel_map(run_design_row, tasks, rows_config.run.workers)
    outputs = list(progress_bar(gen, len(rows), progress, f"design chunk {d.chunk}"))
    return pd.concat([rows.reset_index(drop=True), pd.DataFrame(outputs)], axis=1)
