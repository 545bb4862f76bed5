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
from experiments.running.workers import parallel_map
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


@dataclass
class Replicates:
    """All replicates of one configuration, in replicate order."""

    results: pd.DataFrame
    survey: pd.DataFrame | None
    networks: dict[str, Any]
    seeds: dict[int, int]


def _network_snapshot(model: CollaborationModel) -> NetworkSnapshot:
    t, leaders = model.state.ties, model.state.leaders
    return NetworkSnapshot(int(model.week), leaders.ids[t.u], leaders.ids[t.v], t.w.copy(), t.cross.copy(),
                           leaders.ids.copy(), leaders.org.copy(), leaders.role.copy(), leaders.participant.copy())


@single_threaded
def run_single(config: CheckedConfig, replicate: int, seed: int, groups: dict) -> pd.DataFrame:
    """One run without interventions: tidy weekly metrics."""
    model = config.spec.model(seed, survey=False)
    model.run()
    return tidy(model.datacollector.model_vars, replicate, seed, groups)


@single_threaded
def run_pair(config: CheckedConfig, replicate: int, seed: int, groups: dict[str, Any],
             capture_network_at: tuple[int, ...] = ()) -> PairResult:
    """One replicate: both arms, tidy metrics with an `arm` column, and the survey."""
    frames, surveys, networks = [], [], {}
    weeks = config.run.weeks
    for arm, model in config.spec.pair(seed):
        capture = sorted(w for w in capture_network_at if w <= weeks) if arm == ARMS[0] else []
        if 0 in capture:
            networks["week_0"] = _network_snapshot(model)
        for week in [w for w in capture if w > 0]:
            model.run_for(week - model.week)
            networks[f"week_{week}"] = _network_snapshot(model)
        if model.week < weeks:  # (a capture at the last week has run it all: no empty run_for for Mesa to warn of)
            model.run()
        if arm == ARMS[0] and capture:
            networks["organisations"] = list(model.state.organisations.names)
        frames.append(tidy(model.datacollector.model_vars, replicate, seed, {**groups, "arm": arm}))
        answers = model.survey.frame()
        n = len(answers)
        # built as one frame: DataFrame.insert on the answers' object columns copied them three times
        surveys.append(pd.DataFrame({"replicate": np.full(n, replicate, np.int64),
                                     "seed": np.full(n, seed, np.int64),
                                     "arm": np.full(n, arm, dtype=object),
                                     **{column: answers[column].to_numpy() for column in answers.columns}}))
    return PairResult(pd.concat(frames, ignore_index=True), pd.concat(surveys, ignore_index=True), networks)


class _Bar(tqdm):
    monitor_interval = 0  # no monitor thread: the job's workers are forked only from a single-threaded process


def progress_bar(iterable, total: int, enabled: bool, desc: str):
    """tqdm over an iterable; silent unless enabled and stderr is a terminal."""
    return _Bar(iterable, total=total, desc=desc, disable=not (enabled and sys.stderr.isatty()), leave=False)


def run_replicates(config: CheckedConfig, groups: dict, capture_network_at=(), progress: bool = False,
                   workers: int | None = None) -> Replicates:
    """All replicates of one configuration (`config.run`), in replicate order whatever the
    worker count; with interventions each replicate is a pair."""
    run = config.run
    seeds = {r: replicate_seed(run.base_seed, r) for r in range(run.replicates)}
    if config.interventions:
        fn, tasks = run_pair, ((config, r, seeds[r], groups, capture_network_at if r == 0 else ())
                               for r in range(run.replicates))
    else:
        fn, tasks = run_single, ((config, r, seeds[r], groups) for r in range(run.replicates))
    # one worker runs in this process; results come back in submission order either way
    gen = parallel_map(fn, tasks, workers or run.workers)
    out = list(progress_bar(gen, run.replicates, progress, "replicates"))
    if config.interventions:
        return Replicates(pd.concat([o.results for o in out], ignore_index=True),
                          pd.concat([o.survey for o in out], ignore_index=True), out[0].networks, seeds)
    return Replicates(pd.concat(out, ignore_index=True), None, {}, seeds)


def run_design_row(config: CheckedConfig, values: dict) -> dict:
    """One design row: the configuration with the row's values, its paired replicates
    (in this process), and the row's key outputs."""
    from experiments.analysis import design

    row = apply_overrides(config, values, prefix="design.parameters", round_integers=True)
    reps = run_replicates(row, {}, workers=1)
    end = row.programme_end or row.run.weeks
    follow = row.design.follow_to_week or None
    return design.row_outputs(reps.results, reps.survey, end, follow)


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
    config = apply_overrides(config, values)
    varied = [*d.parameters, *(d.levers or {})]
    tasks = ((config, {k: _plain(row[k]) for k in varied}) for _, row in rows.iterrows())
    gen = parallel_map(run_design_row, tasks, config.run.workers)
    outputs = list(progress_bar(gen, len(rows), progress, f"design chunk {d.chunk}"))
    return pd.concat([rows.reset_index(drop=True), pd.DataFrame(outputs)], axis=1)
