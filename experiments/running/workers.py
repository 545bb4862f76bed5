"""Worker processes for replicates, design rows and calibration batches: one way to fan out.

`parallel_map(fn, tasks, workers)` calls `fn(*task)` for each task and yields the
results in task order, whatever the worker count, so no output depends on how
the work was spread (each task carries its own seed).

On Linux the workers are forked from this process: the first task runs here,
which loads whatever the tasks need (the compiled kernels of the processes and
interventions they use), and the workers then fork for the rest and start with
all of it, in about 0.05 s, where a fresh interpreter that imports the project
and loads its kernels (joblib's loky workers) takes about 1.5 s, a quarter of
the case study's run time. Within `shared_workers()` (a job's whole body) every
fan-out reuses the same workers, so a later one (the case study's content curve
after its replicates) finds them started and warm, and `start` hands them
single tasks (the job's files and figures) while the caller goes on.

A process forks only when it may (`can_fork`): on Linux, not a daemonic
process, and with no other Python thread running, since a thread may hold a
lock the child would wait on for ever (a notebook's kernel and a web server
have such threads; a job has none). The BLAS libraries' idle pool threads do
not count: numpy's OpenBLAS installs a `pthread_atfork` handler that parks them
around a fork. Otherwise the work goes to joblib's loky backend, as before.

A forked worker's first task runs about 0.1 s slower than its later ones: on
this machine kind a page fault costs about 30 µs, and the worker's first writes
fault on the pages it shares with its parent (about 2,400 faults).
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import sys
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from joblib import Parallel, delayed

_NO_TASK = object()
_SCOPES: list[dict] = []  # the open shared_workers() scopes, innermost last


def can_fork() -> bool:
    """Whether this process can start its workers by forking itself (see the module's docstring)."""
    return (sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods()
            and not mp.current_process().daemon and threading.active_count() == 1)


@contextlib.contextmanager
def shared_workers():
    """Keep the forked workers for the whole block: every `parallel_map` inside with the same
    worker count uses them (started at the first, shut down at the end of the block)."""
    scope: dict = {"workers": None, "pool": None}
    _SCOPES.append(scope)
    try:
        yield
    finally:
        _SCOPES.remove(scope)
        if scope["pool"] is not None:
            scope["pool"].shutdown(wait=True, cancel_futures=True)


@contextlib.contextmanager
def _fork_quietly():
    with warnings.catch_warnings():
        # Python 3.12 warns on any fork of a process with threads; the BLAS pool threads are idle
        # and OpenBLAS parks them around a fork (see the module's docstring)
        warnings.filterwarnings("ignore", message=r".*use of fork\(\) may lead to deadlocks",
                                category=DeprecationWarning)
        yield


def start(fn: Callable[..., Any], *args: Any) -> Future:
    """fn(*args) on the shared workers when a `shared_workers()` scope has forked them (the caller
    goes on while they work), otherwise here and now; either way a Future of its result."""
    pool = _SCOPES[-1]["pool"] if _SCOPES else None
    if pool is not None:
        return pool.submit(fn, *args)
    done: Future = Future()
    try:
        done.set_result(fn(*args))
    except Exception as exc:  # raised again by done.result(), as a worker's would be
        done.set_exception(exc)
    return done


def _call(fn_and_task):
    fn, task = fn_and_task
    return fn(*task)


def parallel_map(fn: Callable[..., Any], tasks: Iterable[tuple], workers: int) -> Iterator[Any]:
    """fn(*task) for each task, in task order, on `workers` processes (1: in this process).

    Results are yielded in order as they are ready, so a caller can show progress; an error in
    any task is raised here. Workers not kept by `shared_workers()` are shut down when the
    iteration ends or fails."""
    if workers <= 1:
        for task in tasks:
            yield fn(*task)
        return
    scope = _SCOPES[-1] if _SCOPES and _SCOPES[-1]["workers"] in (None, workers) else None
    pool = scope["pool"] if scope is not None else None
    if pool is None and not can_fork():
        yield from Parallel(n_jobs=workers, backend="loky", return_as="generator")(
            delayed(fn)(*task) for task in tasks)
        return
    tasks = iter(tasks)
    if pool is None:  # the workers are forked now: the first task runs here to load what they need
        first = next(tasks, _NO_TASK)
        if first is _NO_TASK:
            return
        yield fn(*first)
        tasks = list(tasks)
        if not tasks:
            return
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork"))  # forks at its first submit
        if scope is not None:
            scope["workers"], scope["pool"] = workers, pool
    try:
        with _fork_quietly():
            results = pool.map(_call, ((fn, task) for task in tasks))
        yield from results
    finally:
        if scope is None:
            pool.shutdown(wait=True, cancel_futures=True)
