"""experiments.workers: results in task order whatever the worker count, errors raised, workers
forked after the first task ran here, and kept for a job's whole body by shared_workers()."""

import os

import pytest

from experiments import workers
from experiments.workers import parallel_map, shared_workers, start

pytestmark = pytest.mark.skipif(not workers.can_fork(), reason="forked workers need Linux")


def square_with_pid(x):
    return x * x, os.getpid()


def fails_on_three(x):
    if x == 3:
        raise ValueError("task 3 failed")
    return x


def test_results_come_in_task_order_whatever_the_worker_count():
    tasks = [(x,) for x in range(25)]
    one = [r for r, _ in parallel_map(square_with_pid, tasks, 1)]
    two = list(parallel_map(square_with_pid, tasks, 2))
    assert [r for r, _ in two] == one == [x * x for x in range(25)]
    pids = [pid for _, pid in two]
    # the first task runs here (it loads what the tasks need before the workers are forked), the others
    # in (at most two) forked workers
    assert pids[0] == os.getpid()
    assert 1 <= len(set(pids[1:])) <= 2 and os.getpid() not in pids[1:]


def test_an_error_in_a_worker_is_raised_to_the_caller():
    with pytest.raises(ValueError, match="task 3 failed"):
        list(parallel_map(fails_on_three, [(x,) for x in range(6)], 2))


def test_shared_workers_keep_the_same_processes_for_every_fan_out():
    with shared_workers():
        first = [pid for _, pid in parallel_map(square_with_pid, [(x,) for x in range(8)], 2)]
        second = [pid for _, pid in parallel_map(square_with_pid, [(x,) for x in range(8)], 2)]
        later = start(square_with_pid, 7).result()
    assert later[0] == 49
    # the second fan-out goes straight to the pool (nothing more runs here), and so does a started task;
    # no other process than the two workers forked for the first fan-out ever ran a task
    used = {*first[1:], *second, later[1]}
    assert os.getpid() not in used and len(used) <= 2


def test_start_without_workers_runs_here_and_keeps_its_error_for_result():
    assert start(square_with_pid, 4).result() == (16, os.getpid())
    failed = start(fails_on_three, 3)
    with pytest.raises(ValueError, match="task 3 failed"):
        failed.result()


def test_with_another_thread_running_the_work_goes_to_fresh_workers_instead():
    import threading

    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not workers.can_fork()  # a forked child could wait for ever on a lock that thread holds
        results = list(parallel_map(square_with_pid, [(x,) for x in range(6)], 2))
    finally:
        stop.set()
        other.join()
        from joblib.externals.loky import get_reusable_executor

        get_reusable_executor().shutdown(wait=True)  # and its manager thread with it
    assert workers.can_fork()
    assert [r for r, _ in results] == [x * x for x in range(6)]
    assert os.getpid() not in {pid for _, pid in results}  # loky ran them all, none here
