"""The model's state: one object holding everything the weekly processes touch.

`ModelState` gathers the population of leaders (`sim.population`), the
organisations, the forums, the tie table, inter-organisational trust evidence,
the rolling windows behind the weekly rates, the clock, the named random
streams, the running interventions and the last observed metrics. A snapshot
(the shared burn-in of a paired comparison) is a deep copy of this one object,
so no field can be forgotten.

`Week` is the record of one week, built once per step: what the processes of
that week produced (conversations, issue representatives, choices, outcomes,
perceptions) for the processes after them, for interventions and for tests.
Its fields are declared once, in `RECORD`.

`Process` is the interface of a weekly process (docs/ODD.md, section 3).
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

STREAMS = ("setup", "meetings", "issues", "perception", "interventions", "survey", "turnover")
"""Independent random streams, spawned in this order from the run's SeedSequence, so
that a change in one process (say, extra meetings from an intervention) leaves the
draws of the others unchanged: common random numbers across scenarios run with the
same seed. A stream added later goes at the end, so every earlier stream keeps its draws."""

WINDOW = 4
"""Weeks over which choice and success rates are averaged."""

COMPONENTS = ("leaders", "organisations", "forums", "ties", "org_trust", "windows")
"""The parts of the state whose arrays the process kernels read and write; each names its
arrays for the kernels in `kernel_fields()` (`sim.kernels`)."""


@dataclass
class Organisations:
    names: list[str]
    types: list[str]
    anchor: np.ndarray
    """Formal stance on system working in [0, 1]; statutory pressure = 1 - anchor."""
    start: np.ndarray
    """First leader slot of each organisation (slots are numbered organisation by organisation)."""
    size: np.ndarray

    @property
    def pressure(self) -> np.ndarray:
        return 1.0 - self.anchor

    @property
    def n(self) -> int:
        return int(self.anchor.size)

    def kernel_fields(self) -> dict[str, str]:
        return {"anchor": "anchor", "org_start": "start", "org_size": "size", "n_orgs": "n"}


@dataclass
class OrgTrust:
    """Inter-organisational trust evidence, kept apart from interpersonal trust (Zaheer,
    McEvily & Perrone 1998): K x K counts of cooperation (`trust_pos`) and defection
    (`trust_neg`) that organisation a's representatives have perceived from b's."""

    trust_pos: np.ndarray
    trust_neg: np.ndarray
    prior: float
    """Prior mean trust between organisations (the mean trust propensity)."""

    @classmethod
    def empty(cls, k: int, prior: float) -> "OrgTrust":
        return cls(np.zeros((k, k)), np.zeros((k, k)), prior)

    def kernel_fields(self) -> dict[str, str]:
        return {"org_trust_pos": "trust_pos", "org_trust_neg": "trust_neg", "org_trust_prior": "prior"}


WINDOW_COUNTS = ("decisions", "contributions", "issues", "successes", "decisions_participants",
                 "contributions_participants", "decisions_others", "contributions_others")
RATES = ("system_first_share", "issue_success_rate", "system_first_participants", "system_first_others")


@dataclass
class Windows:
    """Rolling event counts over the last `WINDOW` weeks (a row per `WINDOW_COUNTS`), behind the
    weekly rates (`RATES`, whose last values stand when a window holds no events)."""

    counts: np.ndarray = field(default_factory=lambda: np.zeros((len(WINDOW_COUNTS), WINDOW)))
    rates: np.ndarray = field(default_factory=lambda: np.zeros(len(RATES)))

    def kernel_fields(self) -> dict[str, str]:
        return {"window_counts": "counts", "window_rates": "rates"}


# ------------------------------------------------------------------ the week record

@dataclass(frozen=True)
class Field:
    """A field of the week record: its element type, its dimensions (a 2-d field has one row per
    issue and `orgs_per_issue` columns) and what it holds."""

    dtype: Any
    ndim: int
    meaning: str


RECORD: dict[str, Field] = {
    "added_a": Field(np.int64, 1, "conversations interventions added this week (`Week.add_conversations`): "
                     "one side"),
    "added_b": Field(np.int64, 1, "... the other side"),
    "added_ids": Field(np.uint64, 1, "... and an id per conversation (keys what is perceived in it)"),
    "conversation_a": Field(np.int64, 1, "this week's conversations (meetings and interventions): one side"),
    "conversation_b": Field(np.int64, 1, "... the other side"),
    "conversation_ids": Field(np.uint64, 1, "an id per conversation, derived from the keyed draws that made it"),
    "representatives": Field(np.int64, 2, "leader representing each organisation of each issue"),
    "representative_orgs": Field(np.int64, 2, "the organisations of each issue"),
    "contributed": Field(np.bool_, 2, "whether each representative contributed, shaped like representatives"),
    "observers": Field(np.int64, 1, "ordered pairs (observer, partner) of representatives within each issue, "
                       "row-major: observers"),
    "partners": Field(np.int64, 1, "... partners"),
    "used_rows": Field(np.int64, 1, "tie-table rows used this week: each conversation's, then each ordered "
                       "pair's (`Week.conversation_rows`, `Week.issue_rows`)"),
    "used_cols": Field(np.int64, 1, "the evidence column of each: a's view of b, the observer's view of the "
                       "partner"),
    "success": Field(np.bool_, 1, "whether each issue succeeded"),
    "contributors": Field(np.int64, 1, "one entry per contribution: the contributor"),
    "contributor_success": Field(np.bool_, 1, "... and whether its issue succeeded"),
    "perceived_actions": Field(np.float64, 1, "what each observer perceived of its partner's action (pairs as "
                               "observers)"),
    "conduct_observers": Field(np.int64, 1, "cross-organisation conversations: who saw"),
    "conduct_partners": Field(np.int64, 1, "... whom"),
    "conduct_rows": Field(np.int64, 1, "... on which tie row"),
    "conduct_cols": Field(np.int64, 1, "... in which evidence column"),
    "perceived_conduct": Field(np.float64, 1, "... and what they perceived of the partner's conduct"),
    "metric_values": Field(np.float64, 1, "the week's observed metrics (`sim.metrics.ALL_NAMES` order)"),
}
"""Every field of the week record, once: the processes fill them in order (`sim.processes`),
their kernels name them as arguments and results (`sim.kernels`), and the compiled week
starts each as an empty array of its type (`sim.compiled_weeks`)."""


def _empty(dtype, shape=(0,)) -> np.ndarray:
    """An empty array. It has no element to change, so it is shared; it stays writable, because a
    read-only array is another type to numba (every kernel given one would compile again)."""
    return np.empty(shape, dtype)


_FIELDS_2D = tuple(name for name, f in RECORD.items() if f.ndim == 2)


@functools.lru_cache(maxsize=None)
def _empty_rows(dtype, k: int) -> np.ndarray:
    return _empty(dtype, (0, k))


class Week:
    """The record of one week, built once per step and filled in by the processes in order
    (its fields: `RECORD`). A field no process has filled (yet) reads as an empty array."""

    def __init__(self, number: int, clock: int, orgs_per_issue: int = 0):
        self.number = number
        """The week's number: 1, 2, ... once recording starts; the burn-in's weeks are numbered
        up to 0 (week 0 is the last burn-in week, which the week-0 observation sees)."""
        self.clock = clock
        """Weeks simulated in all, burn-in included (drives meeting schedules)."""
        for name in _FIELDS_2D:  # the 1-d fields' empty defaults are the class's own (below)
            setattr(self, name, _empty_rows(RECORD[name].dtype, orgs_per_issue))

    @property
    def conversations(self) -> tuple[np.ndarray, np.ndarray]:
        """This week's conversations (a, b)."""
        return self.conversation_a, self.conversation_b

    @property
    def conversation_rows(self) -> np.ndarray:
        """Tie-table row of each conversation (the first part of `used_rows`)."""
        return self.used_rows[:self.conversation_a.size]

    @property
    def conversation_cols(self) -> np.ndarray:
        return self.used_cols[:self.conversation_a.size]

    @property
    def issue_rows(self) -> np.ndarray:
        """Tie-table row of each ordered pair of representatives (the rest of `used_rows`)."""
        return self.used_rows[self.conversation_a.size:]

    @property
    def issue_cols(self) -> np.ndarray:
        return self.used_cols[self.conversation_a.size:]

    def contributions(self) -> tuple[np.ndarray, np.ndarray]:
        """(contributor ids, whether their issue succeeded), one entry per contribution."""
        return self.contributors, self.contributor_success

    def add_conversations(self, a, b, ids=None) -> None:
        """Conversations from an intervention; they join this week's meetings (self-pairs dropped).

        `ids` (one per conversation) key what is perceived in them; without them, ids are
        derived from the pair, the week and how many sets were added before this one."""
        a, b = np.asarray(a, np.int64), np.asarray(b, np.int64)
        if ids is None:
            from sim.streams import pair_ids

            ids = pair_ids(a, b, np.uint64(self.clock), np.uint64(getattr(self, "_added_sets", 0) + 1))
        self._added_sets = getattr(self, "_added_sets", 0) + 1
        ids = np.asarray(ids, np.uint64)
        keep = a != b
        self.added_a = np.concatenate([self.added_a, a[keep]])
        self.added_b = np.concatenate([self.added_b, b[keep]])
        self.added_ids = np.concatenate([self.added_ids, ids[keep]])


for _name, _f in RECORD.items():
    if _f.ndim == 1:
        setattr(Week, _name, _empty(_f.dtype))


# ------------------------------------------------------------------ the state

@dataclass
class ModelState:
    """Everything the weekly processes read and write (see the module docstring)."""

    organisations: Organisations
    leaders: Any
    """`sim.population.Population`: who holds each slot, and every per-leader array."""
    forums: Any
    """`sim.meetings.Forums`: memberships and schedules."""
    ties: Any
    """`sim.network.TieTable`: the sparse dyadic state."""
    org_trust: OrgTrust
    windows: Windows
    streams: dict
    """Named random streams (`sim.streams.Stream`): keyed draws and a sequential Generator each."""
    clock: int = 0
    """Weeks simulated in all, burn-in included."""
    last_week: Week | None = None
    """The record of the most recent week."""
    interventions: list = field(default_factory=list)
    """Running interventions (empty during the burn-in)."""
    metrics: dict[str, float] = field(default_factory=dict)
    """The last observed model-level metrics."""
    extra: dict[str, Any] = field(default_factory=dict)
    """State of processes a user adds (kept in snapshots like everything else)."""

    def snapshot(self) -> "ModelState":
        """An independent copy (random streams included)."""
        return copy.deepcopy(self)


# ------------------------------------------------------------------ the process interface

class Process:
    """One weekly process of the ODD's list (section 3): a small object with one signature.

    `step(state, params, week, rng)` reads and writes the `ModelState` and this
    week's `Week` record; `rng` is the process's named random stream (`stream`, a
    `sim.streams.Stream`: `rng.key` for keyed draws in compiled kernels,
    `rng.generator(week.clock)` for a numpy Generator), or None for a process that
    draws nothing. Processes keep no state of their own (what they need to remember
    lives in the state, e.g. `state.extra`), so a snapshot of the state is a
    snapshot of the model.

    A process whose work is a compiled kernel declares it (`kernel`, a
    `sim.kernels.Kernel`: the function, the record fields and state scalars it
    returns, the arrays it writes in place); its `step` is then that kernel called
    with the arguments its parameter names name (`sim.kernels`), and the compiled
    week (`sim.compiled_weeks`) calls the same kernel, in the same place, with the
    same arguments. A kernel may return a `status` first: non-zero asks for
    `finish(state, params, week, status)`, Python's part of the process (growing
    the tie table, say), which returns True when the kernel is to run again.
    A process without a kernel runs the week stepped, and says so once in the log.

    An observation process may add a Python epilogue, `after(state, params, week)`.

    `kernel_constants`: names of this process's own attributes that its kernel
    takes as arguments (rule choices such as a variant's flag).
    `traits`: per-leader arrays this process adds to the population
    (`sim.population.Trait`, each with the value a newcomer starts from).
    `during_burn_in`: whether the process runs in the burn-in weeks.
    `observation`: whether it observes (it also runs once at set-up, on the last
    burn-in week, to record week 0).
    """

    name: str = "process"
    stream: str | None = None
    during_burn_in: bool = True
    observation: bool = False
    kernel: Any = None
    kernel_constants: tuple[str, ...] = ()
    traits: tuple = ()

    def idle(self, state: ModelState, params) -> bool:
        """Whether the process has nothing to do this week (both ways of running a week then
        leave it out); e.g. the interventions with none running, turnover at rate 0."""
        return False

    def step(self, state: ModelState, params, week: Week, rng) -> None:
        """The kernel with its arguments (`sim.kernels.run_kernel`), then `after`."""
        if self.kernel is None:
            raise NotImplementedError(f"{type(self).__name__}: a process needs a step or a kernel")
        from sim.kernels import run_kernel

        run_kernel(self, state, params, week, rng)
        self.after(state, params, week)

    def after(self, state: ModelState, params, week: Week) -> None:
        """An observation's Python epilogue once its kernel has run (e.g. storing the metrics it
        computed); in the compiled week it runs after the loop returns. Only observation
        processes may have one (they come last in the week)."""

    def finish(self, state: ModelState, params, week: Week, status: int) -> bool:
        """Python's part of the process after its kernel returned `status` (non-zero); True to
        run the kernel again."""
        raise NotImplementedError(f"{type(self).__name__}: its kernel returned status {status} and the process "
                                  "has no finish")

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
