"""The week as an ordered tuple of processes: the ODD's list (docs/ODD.md, section 3).

    0 interventions    sim.interventions.Interventions
    1 meetings         sim.meetings.Meetings
    2 issues           sim.issues.CollectiveIssues
    3 perception       sim.perception.Perception
    4 trust            sim.trust.Trust
    5 orientation      sim.orientation.Orientation
    6 ties             sim.ties.Ties
    7 efficacy_sight   sim.efficacy.EfficacyAndSight
    8 turnover         sim.turnover.Turnover
    9 metrics          sim.metrics.Metrics (observation)

Each process is an object with `name`, `stream` and `step(state, params, week,
rng)` (`sim.state.Process`); processes 1-8 declare their compiled kernel
(`sim.kernels`), from which the compiled week is made (`sim.compiled_weeks`). A
researcher replaces a rule by giving the model another process for its slot, or
adds one by giving a whole sequence (CONTRIBUTING.md):

    CollaborationModel(processes={"orientation": MyOrientation()})
    CollaborationModel(processes=insert_after(default_processes(), "trust", MyRule()))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sim.efficacy import EfficacyAndSight
from sim.interventions import Interventions
from sim.issues import CollectiveIssues
from sim.mechanisms import Mechanisms
from sim.meetings import Meetings
from sim.metrics import Metrics
from sim.orientation import Orientation
from sim.perception import Perception
from sim.schema import ConfigError
from sim.state import STREAMS, Process
from sim.ties import Ties
from sim.trust import Trust
from sim.turnover import Turnover


def default_processes(mechanisms: Mechanisms | None = None) -> tuple[Process, ...]:
    """The model's week, in order (new objects each call), with the rules `mechanisms` chooses
    (`sim.mechanisms`; None: the defaults)."""
    m = mechanisms or Mechanisms()
    return (Interventions(), Meetings(), CollectiveIssues(game=m.game), Perception(), Trust(),
            Orientation(influence=m.influence, confidence_bound=m.confidence_bound),
            Ties(listening=m.listening, listening_tie_gain=m.listening_tie_gain), EfficacyAndSight(), Turnover(),
            Metrics())


PROCESS_NAMES = tuple(p.name for p in default_processes())


def resolve_processes(processes: Mapping[str, Process] | Sequence[Process] | None,
                      mechanisms: Mechanisms | None = None) -> tuple[Process, ...]:
    """The week's processes: the defaults (with `mechanisms`' rules), with slots replaced by name
    (a mapping), or exactly the given sequence. Checks each has a unique name, a `step` and a
    known stream."""
    if processes is None:
        out = default_processes(mechanisms)
    elif isinstance(processes, Mapping):
        unknown = set(processes) - set(PROCESS_NAMES)
        if unknown:
            name = sorted(unknown)[0]
            raise ConfigError(f"processes.{name}: no such slot (slots: {', '.join(PROCESS_NAMES)})")
        out = tuple(processes.get(p.name, p) for p in default_processes(mechanisms))
    else:
        out = tuple(processes)
    names = [getattr(p, "name", None) for p in out]
    for p, name in zip(out, names):
        if not callable(getattr(p, "step", None)) or not isinstance(name, str):
            raise ConfigError(f"processes: {p!r} is not a process (it needs a name and step(state, params, "
                              "week, rng))")
        stream = getattr(p, "stream", None)
        if stream is not None and stream not in STREAMS:
            raise ConfigError(f"processes.{name}.stream={stream!r}: unknown (choose from {', '.join(STREAMS)})")
    if len(set(names)) != len(names):
        raise ConfigError(f"processes: names must be unique, got {', '.join(names)}")
    return out


def insert_after(processes: Sequence[Process], name: str, process: Process) -> tuple[Process, ...]:
    """A copy of `processes` with `process` placed right after the slot called `name`."""
    names = [p.name for p in processes]
    if name not in names:
        raise ConfigError(f"insert_after: no slot {name!r} (slots: {', '.join(names)})")
    i = names.index(name) + 1
    return (*processes[:i], process, *processes[i:])
