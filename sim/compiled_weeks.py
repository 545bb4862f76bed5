"""The compiled week: the processes' own kernels, in the processes' order, in one compiled loop.

Stepped from Python, a week makes a dozen kernel calls, each passing its arrays
through the Python boundary, which was about a quarter of the week
(docs/performance.md). This module composes the week's compiled kernels into one
numba loop over weeks. Nothing of the week is written here: the loop is
**generated** from the process list (`sim.processes`): for each process, in
order, a call of its declared kernel (`Process.kernel`) with the arguments its
parameter names name, its results assigned to the names it declares
(`sim.kernels`), and the week record's fields initialised from their one
declaration (`sim.state.RECORD`). A kernel is called in the loop exactly as
`run_kernel` calls it in a stepped week, so the two reach the same state bit for
bit (`tests/test_compiled_weeks.py`).

**Which weeks.** A week runs compiled when every process that acts in it has a
kernel and the generic step (`plan`). A process without a kernel (the running
interventions, a user's Python process) or with a step of its own makes the whole
week run stepped; the model logs which process and why, once (`sim.model`).
Processes that are idle this week (`Process.idle`: no intervention running,
turnover at rate 0) are left out of both ways of running it. Observation runs
after the loop, in Python.

**Hand-backs.** A kernel that returns a non-zero `status` needs Python (the tie
table must grow, its index be rebuilt, or its structure refreshed from sorted
lists): the loop returns at once, with the week's record so far; the process's
`finish` runs, then the kernel again if it asks, then the rest of that week's
processes stepped, and the loop resumes the next week.

**Caching.** The loop's source is written to the kernel cache directory
(`sim.kernel_cache`), named by a digest of its text and of any kernel source
outside `sim/`, so numba caches its compiled code like any other kernel.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim import kernel_cache
from sim.kernels import WEEK_NAMES, resolve, run_kernel, state_fields, target
from sim.state import RECORD, Process, Week

SIM_DIR = Path(__file__).resolve().parent


def plan(model, recording: bool) -> tuple[list, str | None]:
    """The processes the compiled loop runs in a week (a recorded week, or the burn-in's), in
    order; or (None, why) when the week must run stepped."""
    state, params = model.state, model.params
    out = []
    for process in model.processes:
        if process.observation:
            if not (recording and model.observe):
                continue
        elif not (recording or process.during_burn_in):
            continue
        if process.idle(state, params):
            continue
        if process.kernel is None:
            return None, f"process {process.name!r} ({type(process).__name__}) has no compiled kernel"
        if getattr(process.step, "__func__", None) is not Process.step:
            return None, (f"process {process.name!r} ({type(process).__name__}) has a step of its own; the compiled "
                          "week runs only kernels")
        if not process.observation and getattr(process.after, "__func__", None) is not Process.after:
            return None, (f"process {process.name!r} ({type(process).__name__}) has an epilogue (after) but is not an "
                          "observation; only observations may have one")
        out.append(process)
    return out, None


# ------------------------------------------------------------------ generating the loop

@dataclass
class Loop:
    """A generated compiled week for one sequence of kernels."""

    weeks: Any
    """The numba loop: weeks(first_clock, last_clock, week_offset, *arguments) -> (process index it
    stopped at or -1, status, clock, state numbers, record fields)."""
    arguments: Any
    """Python: arguments(state, params, processes) -> the loop's arguments after the first three."""
    write_back: Any
    """Python: write_back(state, numbers) puts the state numbers the kernels advanced back."""
    record: tuple[str, ...]
    """The record fields the loop returns, in order."""
    rows_fields: tuple[str, ...]
    """The record's 2-d fields the loop does not return (they start empty in each week's record)."""


_LOOPS: dict[tuple, Loop] = {}
_DTYPES = {"bool": "bool_", "int64": "int64", "uint64": "uint64", "float64": "float64"}
"""numpy's name of each record field's element type, as the generated source writes it."""


def _constant(i: int, name: str) -> str:
    return f"p{i}_{name}"


def _key(i: int) -> str:
    return f"p{i}_key"


def loop_for(processes, state) -> Loop:
    """The compiled loop running `processes`' kernels in order (generated and compiled once per
    sequence of kernels and kind of state)."""
    signature = tuple((p.kernel, tuple(getattr(p, "kernel_constants", ())), p.stream) for p in processes)
    fields = state_fields(state)
    signature += (tuple(sorted(fields.items())),)
    loop = _LOOPS.get(signature)
    if loop is None:
        loop = _LOOPS[signature] = _generate(processes, fields)
    return loop


def _generate(processes, fields: dict[str, str]) -> Loop:
    kernels = [p.kernel for p in processes]
    first_producer: dict[str, int] = {}
    for i, kernel in enumerate(kernels):
        for name in kernel.returns:
            if name in RECORD:
                first_producer.setdefault(name, i)
    constant_fields: list[str] = []  # record fields read but never produced in the loop: empty throughout
    weekly_fields: list[str] = []    # record fields read before a later kernel produces them: emptied each week
    arguments: list[str] = []   # the loop's parameters after first_clock, last_clock, week_offset
    expressions: list[str] = []  # the Python expression of each
    shared: dict[str, str] = {}  # namespace name -> loop parameter
    produced: list[str] = []     # record fields some kernel returns, in order of first appearance
    numbers: list[str] = []      # state numbers some kernel returns (written back after the loop)
    calls = []
    for i, (process, kernel) in enumerate(zip(processes, kernels)):
        args = []
        for name in kernel.arguments:
            expression = resolve(name, process, fields)
            if name == "key":
                local = _key(i)
                arguments.append(local)
                expressions.append(f"state.streams[processes[{i}].stream].key")
            elif expression.startswith("process."):
                local = _constant(i, name)
                arguments.append(local)
                expressions.append(f"processes[{i}].{name}")
            elif name == "clock":
                local = "clock"
            elif name == "week_number":
                local = "(clock - week_offset)"
            elif name in RECORD:
                local = name
                producer = first_producer.get(name)
                if producer is None and name not in constant_fields:
                    constant_fields.append(name)
                elif producer is not None and producer >= i and name not in weekly_fields:
                    weekly_fields.append(name)
            else:
                local = shared.get(name)
                if local is None:
                    local = shared[name] = name
                    arguments.append(name)
                    expressions.append(expression)
            args.append(local)
        results = []
        for name in kernel.returns:
            where = target(name, process, fields)
            if name in RECORD and name not in produced:
                produced.append(name)
            elif where.startswith("state.") and name not in numbers:
                numbers.append(name)
                if name not in shared:  # a number the kernels advance is also an argument
                    shared[name] = name
                    arguments.append(name)
                    expressions.append(where)
            results.append(name)
        calls.append((i, kernel, args, results))
    if any(RECORD[name].ndim == 2 for name in (*produced, *constant_fields)) and "orgs_per_issue" not in shared:
        shared["orgs_per_issue"] = "orgs_per_issue"
        arguments.append("orgs_per_issue")
        expressions.append(resolve("orgs_per_issue", processes[0], fields))

    numbers_tuple = f"({', '.join(numbers)}{',' if len(numbers) == 1 else ''})"
    record_tuple = f"({', '.join(produced)}{',' if len(produced) == 1 else ''})"
    lines = [
        '"""Generated by sim.compiled_weeks from the processes\' kernels (do not edit):',
        *(f"    {i}: {kernel.label}" for i, kernel, _, _ in calls),
        '"""',
        "import numpy as np",
        "from numba import njit",
        "",
        "",
        "@njit(cache=True)",
        f"def weeks(first_clock, last_clock, week_offset, {', '.join(arguments)}):",
    ]
    def empty(name: str, indent: str) -> str:
        f = RECORD[name]
        shape = "(0, orgs_per_issue)" if f.ndim == 2 else "0"
        return f"{indent}{name} = np.empty({shape}, np.{_DTYPES[np.dtype(f.dtype).name]})"

    lines += [empty(name, "    ") for name in (*produced, *constant_fields)]
    lines += ["    clock = first_clock", "    stopped = -1", "    status = 0", "    while clock <= last_clock:"]
    lines += [empty(name, "        ") for name in weekly_fields]
    for i, kernel, args, results in calls:
        call = f"k{i}({', '.join(args)})"
        if results:
            lines.append(f"        {', '.join(results)} = {call}")  # one result: returned bare
        else:
            lines.append(f"        {call}")
        if kernel.has_status:
            lines += ["        if status != 0:", f"            stopped = {i}", "            break"]
    lines += ["        clock += 1", f"    return stopped, status, clock, {numbers_tuple}, {record_tuple}", ""]
    source = "\n".join(lines)

    module = _load(source, {f"k{i}": kernel.function for i, kernel, _, _ in calls}, kernels)
    build = ["def arguments(state, params, processes):",
             f"    return ({', '.join(expressions)}{',' if len(expressions) == 1 else ''})"]
    write = ["def write_back(state, numbers):"]
    if numbers:
        write.append(f"    {', '.join(fields[n] for n in numbers)}{',' if len(numbers) == 1 else ''} = numbers")
    else:
        write.append("    pass")
    namespace: dict[str, Any] = {}
    exec(compile("\n".join(build) + "\n\n" + "\n".join(write), "<compiled week: arguments>", "exec"), namespace)
    missing_rows = tuple(name for name, f in RECORD.items() if f.ndim == 2 and name not in produced)
    return Loop(module.weeks, namespace["arguments"], namespace["write_back"], tuple(produced), missing_rows)


def _outside_sources(kernels) -> bytes:
    """The source files of kernels defined outside `sim/` (the cache directory's key covers `sim/`)."""
    out = b""
    for kernel in kernels:
        path = inspect.getsourcefile(kernel.python_function)
        if path and SIM_DIR not in Path(path).resolve().parents:
            out += Path(path).read_bytes()
    return out


def generated_dir() -> Path:
    """Where generated loops are written: inside the kernel cache directory (keyed by `sim/`'s
    source), or a temporary directory when the package directory cannot be written."""
    path = kernel_cache.cache_dir() / "generated"
    try:
        path.mkdir(parents=True, exist_ok=True)
        if os.access(path, os.W_OK):
            return path
    except OSError:
        pass
    path = Path(tempfile.gettempdir()) / f"collabsim-{kernel_cache.source_digest()}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _load(source: str, kernels_by_name: dict, kernels):
    """Write the loop's source (once: its name is its digest) and load it as a module whose
    globals hold the kernels it calls."""
    digest = hashlib.sha256(source.encode() + _outside_sources(kernels)).hexdigest()[:20]
    name = f"sim_generated_week_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    path = generated_dir() / f"week_{digest}.py"
    if not path.is_file() or path.read_text() != source:
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(source)
        os.replace(tmp, path)  # atomic: workers generating the same loop never see half a file
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    module.__dict__.update(kernels_by_name)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------ running weeks

def run_weeks(model, processes, loop: Loop, weeks: int) -> Week:
    """Run `weeks` weeks of `processes` (a `plan`) through their compiled `loop` (`loop_for`),
    handing a week to Python when a kernel asks for it; returns the last week's record
    (`state.last_week` is set)."""
    state, params = model.state, model.params
    observing = processes[-1].observation
    if weeks > 1 and observing:
        raise ValueError("a compiled week with observation runs one week at a time")
    offset = model.burn_in_weeks
    clock, last = state.clock + 1, state.clock + weeks
    week = None
    while clock <= last:
        stopped, status, clock, numbers, record = loop.weeks(clock, last, offset,
                                                             *loop.arguments(state, params, processes))
        loop.write_back(state, numbers)
        if stopped < 0:
            clock -= 1  # the loop ran every week to `last`
        week = _record(loop, clock - offset, clock, record, params.orgs_per_issue)
        state.clock = clock
        if stopped >= 0:  # a kernel asked for Python: its finish, then the rest of the week stepped
            process = processes[stopped]
            if process.finish(state, params, week, status):
                run_kernel(process, state, params, week, _stream(state, process))
            process.after(state, params, week)
            for process in processes[stopped + 1:]:
                process.step(state, params, week, _stream(state, process))
        elif observing:
            for process in processes:
                if process.observation:
                    process.after(state, params, week)
        state.last_week = week
        clock += 1
    return week


def _record(loop: Loop, number: int, clock: int, record: tuple, orgs_per_issue: int) -> Week:
    """The week record the loop returned, as a `Week`."""
    week = Week.__new__(Week)
    week.number, week.clock = number, clock
    week.__dict__.update(zip(loop.record, record))
    for name in loop.rows_fields:
        setattr(week, name, np.empty((0, orgs_per_issue), RECORD[name].dtype))
    return week


def _stream(state, process):
    return state.streams[process.stream] if process.stream else None


__all__ = ["plan", "loop_for", "run_weeks", "Loop", "WEEK_NAMES"]
