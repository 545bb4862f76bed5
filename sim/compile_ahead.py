"""Compiling the week's kernels ahead, in a second process, while the kernel cache is cold.

The first run of a new version of `sim/` compiles every kernel it calls (numba,
`cache=True`; the cache is keyed by `sim/`'s source: `sim.kernel_cache`). Numba
compiles one function at a time in a process, so on a machine with two cores
the cold start used one of them: about 16 s, most of it the processes' kernels
typed in the order the week calls them (meetings, issues, perception, trust,
orientation, ties, then the observation's metrics).

When a model is built and some of its processes' kernels are not in the cache,
`start` launches `python -m sim.compile_ahead` with those kernels and their
argument types, **last process first**; it compiles them into the same cache
while the model compiles in its own order. Numba looks in its cache before
compiling a function, so each kernel the helper has saved by the time the model
reaches it is loaded instead of compiled; where the two meet, both compile the
same kernel and either's copy will do. What is computed does not change: a
cached kernel is the same machine code, and a run never waits for the helper.

The argument types are those the kernel is called with (the one namespace,
`sim.kernels.resolve`): each argument is evaluated over the built model's state,
its parameters and an empty week record, whose empty arrays have the element
type and dimension of the arrays the earlier processes put there
(`sim.state.RECORD`); `tests/test_compile_ahead.py` checks that they are the
types the run compiles.

The helper starts at most once per process, only where more than one CPU is
available to the process and about one of them idle (the load average),
never while another helper holds the cache's lock,
and not at all with `COLLABSIM_COMPILE_AHEAD=0`. It compiles only this
package's kernels, for the processes that act in the run, at the lowest
priority (nice 19), so that beside other work the model's own compiling comes
first; a kernel it cannot compile is left to the model. It is stopped when the
process that started it exits. Two processes saving compiled versions of one
function at once could give both the same data file; saves into the cache are
therefore serialised (`sim.kernel_cache.serialise_cache_saves`).
"""

from __future__ import annotations

import atexit
import importlib
import logging
import os
import pickle
import subprocess
import sys
from pathlib import Path

from sim.kernels import resolve, state_fields
from sim.state import Week

log = logging.getLogger(__name__)

ENVIRONMENT = "COLLABSIM_COMPILE_AHEAD"
"""Set to 0 to never start the helper."""
LOCK_NAME = "compile-ahead.lock"
"""The lock file, in numba's cache directory, that a running helper holds."""
MIN_KERNELS = 2
"""Fewer kernels missing from the cache than this are not worth a second process."""
MIN_IDLE = 0.5
"""A helper starts only where at least this much CPU is idle (`idle_cpus`): beside other work it
only competes (measured: a cold start 18.5-18.7 s with it, 17.4-17.7 s without, while a study
held both cores)."""

_started = False
_helper: subprocess.Popen | None = None
_starter_pid: int | None = None


def kernel_signatures(model) -> list[tuple[str, str, tuple]]:
    """(module, qualified name, argument types) of each process's kernel, in the processes'
    order: the types numba compiles the kernel for when the model calls it."""
    import numba

    state, params = model.state, model.params
    fields = state_fields(state)
    week = Week(1, state.clock + 1, params.orgs_per_issue)
    out = []
    for process in model.processes:
        kernel = process.kernel
        if kernel is None:
            continue
        key = state.streams[process.stream].key if process.stream else None
        namespace = {"state": state, "params": params, "week": week, "process": process, "key": key}
        types = tuple(numba.typeof(eval(resolve(name, process, fields), namespace))  # noqa: S307
                      for name in kernel.arguments)
        function = kernel.python_function
        out.append((function.__module__, function.__qualname__, types))
    return out


def dispatcher_of(module: str, qualname: str):
    """The numba dispatcher `module.qualname`."""
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def is_cached(dispatcher) -> bool:
    """Whether numba's cache holds any compiled version of `dispatcher` (its index file exists).
    A dispatcher without a file cache counts as cached: there is nothing to compile ahead."""
    cache_file = getattr(getattr(dispatcher, "_cache", None), "_cache_file", None)
    index = getattr(cache_file, "_index_path", None)
    return index is None or os.path.exists(index)


def cpus_available() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def uncached(processes) -> list:
    """The processes whose kernel is not in the cache, in order."""
    return [p for p in processes if p.kernel is not None and not is_cached(p.kernel.function)]


class Helper:
    """The second process: started before the model's state is built (it spends that time
    importing numba and `sim`), then given its kernels' argument types (`send`)."""

    def __init__(self, process: subprocess.Popen, kernels: list):
        self.process = process
        self.kernels = kernels
        """The uncached kernels' dispatchers, in the processes' order."""

    def send(self, model) -> None:
        """Give the helper the uncached kernels with their argument types, last process first;
        it compiles them in that order. If the types cannot be worked out, the helper is stopped
        and the model compiles everything itself (logged)."""
        try:
            wanted = {id(p.kernel.function) for p in model.processes
                      if p.kernel is not None and not p.idle(model.state, model.params)} & set(map(id, self.kernels))
            todo = [(module, qualname, types) for module, qualname, types in kernel_signatures(model)
                    if id(function := dispatcher_of(module, qualname)) in wanted and not is_cached(function)][::-1]
            self.process.stdin.write(pickle.dumps(todo))
            self.process.stdin.close()
        except Exception as error:  # an optimisation must never stop a run
            log.warning("compiling ahead: stopped (%s); the run compiles its kernels itself", error)
            _stop()
            return
        log.debug("compiling %d kernels ahead in process %d", len(todo), self.process.pid)


    def cancel(self) -> None:
        """The model was not built: the helper exits without compiling anything."""
        try:
            self.process.stdin.close()
        except OSError:
            pass


def idle_cpus() -> float:
    """CPUs available to this process less the load average over the last minute (this process
    counts itself): about one on an idle two-core machine, below zero beside other work."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return 0.0
    return cpus_available() - load


def start(processes) -> Helper | None:
    """Start the helper if it is worth it (see the module's docstring): `processes`' kernels, at
    least `MIN_KERNELS` of them not in the cache. Returns it, or None."""
    global _started, _helper, _starter_pid
    if _started or os.environ.get(ENVIRONMENT, "1") == "0" or cpus_available() < 2 or idle_cpus() < MIN_IDLE:
        return None
    import numba

    cache = numba.config.CACHE_DIR
    if numba.config.DISABLE_JIT or not cache:
        return None
    _started = True
    # only this package's kernels: the helper imports the modules it compiles, and a user's
    # process kernel may live in a script it must not run
    todo = [p for p in uncached(processes) if p.kernel.python_function.__module__.startswith("sim.")]
    if len(todo) < MIN_KERNELS:
        return None
    try:
        import fcntl
    except ImportError:  # not a POSIX system: no helper
        return None
    try:
        Path(cache).mkdir(parents=True, exist_ok=True)
        lock = os.open(os.path.join(cache, LOCK_NAME), os.O_WRONLY | os.O_CREAT, 0o644)
    except OSError as error:  # a cache numba cannot use either: it falls back, and so does the run
        log.debug("compiling ahead: no helper (%s)", error)
        return None
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # another helper is compiling into this cache
            return None
        package_root = str(Path(__file__).resolve().parents[1])
        env = {**os.environ, "NUMBA_CACHE_DIR": cache, ENVIRONMENT: "0",
               "PYTHONPATH": os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)}
        # -P: the helper imports this very package (from PYTHONPATH), never one in its working
        # directory; it inherits the locked file, so the lock lasts as long as the helper
        try:
            _helper = subprocess.Popen([sys.executable, "-P", "-m", "sim.compile_ahead"], stdin=subprocess.PIPE,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                                       pass_fds=(lock,))
        except OSError as error:
            log.debug("compiling ahead: no helper (%s)", error)
            return None
    finally:
        os.close(lock)
    _starter_pid = os.getpid()
    atexit.register(_stop)
    return Helper(_helper, [p.kernel.function for p in todo])


def _stop() -> None:
    """Stop a helper still running when the process that started it exits (a forked worker that
    inherited the handle leaves it alone)."""
    if _helper is not None and os.getpid() == _starter_pid and _helper.poll() is None:
        _helper.terminate()
        _helper.wait()


def compile_all(items) -> int:
    """Compile each (module, qualified name, argument types), in order, into numba's cache; those
    already cached are loaded instead. Returns how many were compiled or loaded."""
    done = 0
    for module, qualname, types in items:
        try:
            dispatcher_of(module, qualname).compile(types)
        except Exception:  # noqa: BLE001 - the model compiles what the helper could not
            continue
        done += 1
    return done


def main() -> None:
    try:
        os.nice(19)  # beside other work, the model's own compiling comes first
    except OSError:
        pass
    data = sys.stdin.buffer.read()
    if data:  # nothing when the model that started it could not send its kernels
        compile_all(pickle.loads(data))


if __name__ == "__main__":
    main()
