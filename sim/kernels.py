"""A process's compiled kernel, and the one namespace its arguments are named from.

A process whose work is compiled declares its kernel once (`Kernel`): the numba
function, the names of what it returns, and the arrays it writes in place. The
kernel's **parameter names are its declaration of what it reads**: each names a
value of the week's namespace (`namespace`), which is

- `clock` (weeks simulated in all) and `week_number` (the week's number);
- `key`: the process's own random stream's key (`sim.streams`);
- a field of the week record (`sim.state.RECORD`): what earlier processes of the
  week produced;
- an array or number of the state's components (`sim.state.COMPONENTS`, each
  naming its own in `kernel_fields()`: the population's traits and ids, the
  organisations, forums, tie table, inter-organisational trust, rate windows);
- a behaviour parameter (`sim.params.BehaviourParams`), by its name;
- one of the process's own attributes listed in its `kernel_constants`.

What a kernel returns is named likewise: `status` first if it may need Python
(`Process.finish`), then record fields (set on the week) and state numbers that
the kernel advanced (the tie count, say: written back to their component).

`run_kernel` (every such process's `step`) and the compiled week
(`sim.compiled_weeks`) both resolve arguments and results through this one
namespace, so the stepped and compiled paths cannot pass a kernel different
arguments. The stepped call is a small Python function generated once per
kernel and kind of state (`caller`), as fast as a hand-written call.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass
from typing import Any

from sim.schema import ConfigError
from sim.state import COMPONENTS, RECORD

WEEK_NAMES = {"clock": "week.clock", "week_number": "week.number"}
"""Names the week itself provides."""


@dataclass(frozen=True)
class Kernel:
    """A process's compiled step.

    function: a numba dispatcher whose parameter names are names of the namespace;
    returns: the names of what it returns, in order (`status` first if it may ask for
        `Process.finish`);
    writes: the names of the arrays it changes in place (documentation, checked by the tests).
    """

    function: Any
    returns: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()

    @property
    def python_function(self):
        return getattr(self.function, "py_func", self.function)

    @property
    def arguments(self) -> tuple[str, ...]:
        """The names the kernel reads: its parameters."""
        return tuple(inspect.signature(self.python_function).parameters)

    @property
    def has_status(self) -> bool:
        return bool(self.returns) and self.returns[0] == "status"

    @property
    def label(self) -> str:
        f = self.python_function
        return f"{f.__module__}.{f.__qualname__}"


# ------------------------------------------------------------------ the namespace

def state_fields(state) -> dict[str, str]:
    """{name: Python expression over `state`} for every array and number the state's components
    name for kernels; a name two components both claim is an error."""
    out: dict[str, str] = {}
    for component in COMPONENTS:
        for name, attribute in getattr(state, component).kernel_fields().items():
            if name in out:
                raise ConfigError(f"kernel name {name!r}: named by two parts of the state ({out[name]} and "
                                  f"state.{component}.{attribute})")
            out[name] = f"state.{component}.{attribute}"
    return out


@functools.lru_cache(maxsize=None)
def parameter_names() -> frozenset[str]:
    from sim.params import BehaviourParams

    return frozenset(BehaviourParams.specs())


def resolve(name: str, process, fields: dict[str, str]) -> str:
    """The Python expression (over state, params, week, process and key) that a kernel argument
    `name` of `process` stands for."""
    if name == "key":
        return "key"
    if name in getattr(process, "kernel_constants", ()):
        return f"process.{name}"
    if name in WEEK_NAMES:
        return WEEK_NAMES[name]
    if name in RECORD:
        return f"week.{name}"
    if name in fields:
        return fields[name]
    if name in parameter_names():
        return f"params.{name}"
    raise ConfigError(f"{type(process).__name__}: its kernel's argument {name!r} names nothing (a kernel's "
                      "parameters must be names of the week's namespace: sim.kernels)")


def target(name: str, process, fields: dict[str, str]) -> str:
    """Where a kernel's result `name` goes: the status, a record field or a state number."""
    if name == "status":
        return "status"
    if name in RECORD:
        return f"week.{name}"
    if name in fields:
        return fields[name]
    raise ConfigError(f"{type(process).__name__}: its kernel returns {name!r}, which is neither a field of the "
                      "week record (sim.state.RECORD) nor a number of the state")


def _signature(process, state) -> tuple:
    """What a generated caller depends on: the kernel, the process's constants and the state's make-up."""
    return (process.kernel, tuple(getattr(process, "kernel_constants", ())),
            tuple(type(getattr(state, c)) for c in COMPONENTS),
            tuple(sorted(state.leaders.kernel_fields())))


_CALLERS: dict[tuple, Any] = {}


def caller(process, state):
    """The stepped call of `process`'s kernel: a generated function
    `call(process, state, params, week, key) -> status` that passes the kernel its arguments and
    puts its results where they go (made once per kernel and kind of state)."""
    sig = _signature(process, state)
    fn = _CALLERS.get(sig)
    if fn is None:
        kernel = process.kernel
        fields = state_fields(state)
        args = ", ".join(resolve(a, process, fields) for a in kernel.arguments)
        targets = [target(r, process, fields) for r in kernel.returns]
        lines = ["def call(process, state, params, week, key):"]
        if targets:
            lines.append(f"    {', '.join(targets)} = kernel({args})")  # one result: returned bare
        else:
            lines.append(f"    kernel({args})")
        lines.append("    return status" if kernel.has_status else "    return 0")
        namespace = {"kernel": kernel.function}
        exec(compile("\n".join(lines), f"<stepped call of {kernel.label}>", "exec"), namespace)
        fn = _CALLERS[sig] = namespace["call"]
    return fn


def run_kernel(process, state, params, week, rng) -> None:
    """A process's step through its kernel: call it; while it returns a non-zero status, let the
    process finish in Python, and call it again if the process asks for that."""
    cached = process.__dict__.get("_stepped_call")
    if cached is None or cached[0] is not state:  # looked up once per state (a snapshot is another state)
        cached = process.__dict__["_stepped_call"] = (state, caller(process, state))
    call = cached[1]
    key = rng.key if rng is not None else None
    status = call(process, state, params, week, key)
    while status:
        if not process.finish(state, params, week, status):
            return
        status = call(process, state, params, week, key)
