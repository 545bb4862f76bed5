"""experiments.running.workers: results in task order whatever the worker count, errors raised, workers
forked after the first task ran here, kept for a job's whole body by shared_workers(), and no
fork from a process running other Python threads.

Each case runs in a fresh interpreter: whether this process may fork depends on the threads
it runs, which earlier tests of a session can leave behind."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from experiments.running import workers

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers need Linux")

PRELUDE = """
import json, os, threading
from experiments.running import workers
from experiments.running.workers import parallel_map, shared_workers, start

def square_with_pid(x):
    return x * x, os.getpid()

def fails_on_three(x):
    if x == 3:
        raise ValueError("task 3 failed")
    return x

me = os.getpid()
"""


def isolated(body: str) -> dict:
    """Run PRELUDE + body in a fresh interpreter; body ends by printing one JSON line."""
    code = PRELUDE + textwrap.dedent(body)
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_results_come_in_task_order_whatever_the_worker_count():
    out = isolated("""
        tasks = [(x,) for x in range(25)]
        one = [r for r, _ in parallel_map(square_with_pid, tasks, 1)]
        two = list(parallel_map(square_with_pid, tasks, 2))
        print(json.dumps({"can_fork": workers.can_fork(), "one": one, "two": [r for r, _ in two],
                          "first_here": two[0][1] == me, "others": sorted({p for _, p in two[1:]}),
                          "me": me}))
    """)
    assert out["can_fork"]
    assert out["two"] == out["one"] == [x * x for x in range(25)]
    # the first task runs here (it loads what the tasks need before the workers are forked), the
    # others in (at most two) forked workers
    assert out["first_here"]
    assert out["me"] not in out["others"]  # none of the rest ran here
    assert len(out["others"]) <= 2


def test_an_error_in_a_worker_is_raised_to_the_caller():
    out = isolated("""
        try:
            list(parallel_map(fails_on_three, [(x,) for x in range(6)], 2))
            raised = None
        except ValueError as exc:
            raised = str(exc)
        print(json.dumps({"raised": raised}))
    """)
    assert out["raised"] == "task 3 failed"


def test_shared_workers_keep_the_same_processes_for_every_fan_out():
    out = isolated("""
        with shared_workers():
            first = [p for _, p in parallel_map(square_with_pid, [(x,) for x in range(8)], 2)]
            second = [p for _, p in parallel_map(square_with_pid, [(x,) for x in range(8)], 2)]
            later = start(square_with_pid, 7).result()
        print(json.dumps({"first": first, "second": second, "later": list(later), "me": me,
                          "threads_after": threading.active_count()}))
    """)
    assert out["first"][0] == out["me"] and out["later"][0] == 49
    # the second fan-out goes straight to the pool (nothing more runs here), and so does a started
    # task; no other process than the two workers forked for the first fan-out ever ran a task
    used = {*out["first"][1:], *out["second"], out["later"][1]}
    assert out["me"] not in used and len(used) <= 2
    assert out["threads_after"] == 1  # the block's end shut the pool down


def test_start_without_workers_runs_here_and_keeps_its_error_for_result():
    assert workers.start(divmod, 17, 5).result() == (3, 2)
    failed = workers.start(divmod, 1, 0)
    with pytest.raises(ZeroDivisionError):
        failed.result()


def test_with_another_thread_running_the_work_goes_to_fresh_workers_instead():
    out = isolated("""
        stop = threading.Event()
        other = threading.Thread(target=stop.wait)
        other.start()
        try:
            may_fork = workers.can_fork()
            results = list(parallel_map(square_with_pid, [(x,) for x in range(6)], 2))
        finally:
            stop.set()
            other.join()
        print(json.dumps({"may_fork": may_fork, "results": [r for r, _ in results],
                          "pids": sorted({p for _, p in results}), "me": me}))
    """)
    assert not out["may_fork"]  # a forked child could wait for ever on a lock that thread holds
    assert out["results"] == [x * x for x in range(6)]
    assert out["me"] not in out["pids"]  # loky's fresh workers ran them all, none here
