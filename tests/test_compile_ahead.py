"""Compiling the week's kernels ahead in a second process (`sim.compile_ahead`): the argument
types it is given are those the run compiles the kernels for, what it compiles a fresh process
loads from the cache, and it starts only where it is worth it."""

import fcntl
import io
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numba
import pytest

from sim import CollaborationModel, compile_ahead

REPO = Path(__file__).resolve().parents[1]


def _model(**kw):
    return CollaborationModel("small", n_weeks=6, burn_in_weeks=4, rng=3, survey={"waves": [0, 6]},
                              behaviour={"turnover_rate": 0.2},
                              interventions={"leadership_programme": {"cohort_size": 12, "duration_weeks": 4}}, **kw)


def test_the_types_sent_are_the_types_the_run_compiles():
    """Worked out from the built state and an empty week record, before any week runs, each
    process's argument types are a signature its kernel is compiled for once the weeks have run
    (stepped and compiled). It fails if the record's empty arrays were of another type (say
    read-only) than those the processes put there, or if an argument were resolved otherwise."""
    model = _model()
    sent = compile_ahead.kernel_signatures(model)
    model.run()
    assert [q.split(".")[-1] for _, q, _ in sent] == [p.kernel.python_function.__name__ for p in model.processes
                                                       if p.kernel is not None]
    assert len(sent) >= 9
    for module, qualname, types in sent:
        compiled = [tuple(s) for s in compile_ahead.dispatcher_of(module, qualname).signatures]
        assert types in compiled, (qualname, types, compiled)


def test_what_the_helper_compiles_a_fresh_process_loads(tmp_path):
    """`python -m sim.compile_ahead` compiles the kernels it is sent into numba's cache, and a
    fresh process with that cache loads the kernel for those types instead of compiling it."""
    orientation = [item for item in compile_ahead.kernel_signatures(_model()) if item[1] == "orientation_week"]
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), compile_ahead.ENVIRONMENT: "0"}
    subprocess.run([sys.executable, "-m", "sim.compile_ahead"], input=pickle.dumps(orientation), cwd=REPO, env=env,
                   check=True, capture_output=True)
    check = ("import pickle, sys; from sim import compile_ahead\n"
             "(module, qualname, types), = pickle.loads(sys.stdin.buffer.read())\n"
             "f = compile_ahead.dispatcher_of(module, qualname)\n"
             "cached = compile_ahead.is_cached(f); f.compile(types)\n"
             "print(cached, f.stats.cache_hits[types], f.stats.cache_misses[types])")
    out = subprocess.run([sys.executable, "-c", check], input=pickle.dumps(orientation), cwd=REPO, env=env,
                         check=True, capture_output=True).stdout.decode().split()
    assert out == ["True", "1", "0"]


class _Pipe(io.BytesIO):
    def close(self):
        self.sent = self.getvalue()
        super().close()


class _FakePopen:
    started = []

    def __init__(self, args, **kw):
        self.args, self.kw, self.pid = args, kw, 12345
        self.stdin = _Pipe()
        _FakePopen.started.append(self)

    def poll(self):
        return 0


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """A process that has not started a helper, a cache directory of its own, two CPUs, every
    kernel uncached, and a Popen that records what it would start."""
    monkeypatch.setattr(compile_ahead, "_started", False)
    monkeypatch.setattr(compile_ahead, "_helper", None)
    monkeypatch.setattr(numba.config, "CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(compile_ahead, "cpus_available", lambda: 2)
    monkeypatch.setattr(compile_ahead.os, "getloadavg", lambda: (0.9, 0.9, 0.9))  # this process alone
    monkeypatch.setattr(compile_ahead, "is_cached", lambda dispatcher: False)
    monkeypatch.setattr(compile_ahead.subprocess, "Popen", _FakePopen)
    monkeypatch.delenv(compile_ahead.ENVIRONMENT, raising=False)
    _FakePopen.started.clear()
    return tmp_path


def test_the_helper_gets_the_uncached_kernels_last_process_first(fresh):
    model = _model(compiled=False)  # built without a helper: it is started by hand below
    helper = compile_ahead.start(model.processes)
    assert helper is not None and len(_FakePopen.started) == 1
    assert _FakePopen.started[0].args[-2:] == ["-m", "sim.compile_ahead"]
    helper.send(model)
    sent = pickle.loads(helper.process.stdin.sent)
    order = [p.kernel.python_function.__qualname__ for p in model.processes if p.kernel is not None]
    assert [qualname for _, qualname, _ in sent] == order[::-1]
    assert compile_ahead.start(model.processes) is None  # once per process


@pytest.mark.parametrize("why", ["switched off", "one cpu", "all cached", "another helper", "jit off",
                                 "unusable cache", "busy machine"])
def test_the_helper_is_not_started_where_it_cannot_help(fresh, monkeypatch, why):
    processes = _model(compiled=False).processes
    if why == "unusable cache":  # numba falls back to another folder; the build must not fail either
        (fresh / "a file").write_text("")
        monkeypatch.setattr(numba.config, "CACHE_DIR", str(fresh / "a file"))
    elif why == "busy machine":  # a study on both cores: no idle one for the helper
        monkeypatch.setattr(compile_ahead.os, "getloadavg", lambda: (3.0, 3.0, 3.0))
    elif why == "switched off":
        monkeypatch.setenv(compile_ahead.ENVIRONMENT, "0")
    elif why == "one cpu":
        monkeypatch.setattr(compile_ahead, "cpus_available", lambda: 1)
    elif why == "all cached":
        monkeypatch.setattr(compile_ahead, "is_cached", lambda dispatcher: True)
    elif why == "jit off":
        monkeypatch.setattr(numba.config, "DISABLE_JIT", True)
    else:
        held = os.open(fresh / compile_ahead.LOCK_NAME, os.O_WRONLY | os.O_CREAT)
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        assert compile_ahead.start(processes) is None
        assert _FakePopen.started == []
    finally:
        if why == "another helper":
            os.close(held)


def test_a_model_that_cannot_be_built_sends_the_helper_nothing(fresh, monkeypatch):
    """A setting the build refuses ends the helper's wait (its input closes empty) and the error
    reaches the caller as it would without a helper."""
    import sim.model

    def refuse(*args, **kw):
        raise ValueError("refused")

    monkeypatch.setattr(sim.model, "build_state", refuse)
    with pytest.raises(ValueError, match="refused"):
        _model()
    assert len(_FakePopen.started) == 1 and _FakePopen.started[0].stdin.sent == b""

