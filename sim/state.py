"""The model's state: one object holding everything the weekly processes touch.

`ModelState` gathers the leader arrays, the organisations, the forums, the tie
table, inter-organisational trust evidence, the rolling windows behind the
weekly rates, the clock, the named random streams, the running interventions
and the last observed metrics. A snapshot (the shared burn-in of a paired
comparison) is a deep copy of this one object, so no field can be forgotten.

`Week` is the record of one week, built once per step: what the processes of
that week produced (conversations, issue representatives, choices, outcomes,
perceptions) for the processes after them, for interventions and for tests.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

STREAMS = ("setup", "meetings", "issues", "perception", "interventions", "survey")
"""Independent random streams, spawned in this order from the run's SeedSequence, so
that a change in one process (say, extra meetings from an intervention) leaves the
draws of the others unchanged: common random numbers across scenarios run with the
same seed."""

WINDOW = 4
"""Weeks over which choice and success rates are averaged."""


@dataclass
class Leaders:
    """Per-leader state as arrays (index = leader id = the Mesa agent's `index`).

    The Mesa `Leader` agent reads and writes these arrays under the same names."""

    org: np.ndarray
    """Index of the leader's organisation (leaders are numbered organisation by organisation)."""
    role: np.ndarray
    """Role code: 0 chief executive, 1 executive, 2 director (`sim.scenario.ROLES`)."""
    orientation: np.ndarray
    """System orientation in [0, 1]: weight on the system against one's own organisation."""
    susceptibility: np.ndarray
    """1 - stubbornness towards the organisation's anchor (Friedkin-Johnsen lambda)."""
    listening: np.ndarray
    """Accuracy of perceiving others' actions and conduct, in [0, 1]."""
    trust_propensity: np.ndarray
    """Trust extended to strangers: the prior mean of interpersonal trust."""
    risk_appetite: np.ndarray
    """Discount on the statutory cost of system-first action."""
    efficacy: np.ndarray
    """Belief one can influence the system."""
    efficacy_gain: np.ndarray
    """The part of efficacy added by programme content that experience has not yet worn away
    (each efficacy update keeps a share 1 - efficacy_rate of it); what a programme's decay
    may still take back."""
    system_sight: np.ndarray
    """Share of the other organisations seen through one's own strong cross-boundary ties."""
    sight_bonus: np.ndarray
    """System knowledge from outside one's network (e.g. programme content); adds to sight."""
    system_pull: np.ndarray
    """Weight on an external system-first source in the orientation update (interventions)."""
    participant: np.ndarray
    engagement: np.ndarray

    @property
    def n(self) -> int:
        return int(self.org.size)


@dataclass
class Organisations:
    names: list[str]
    types: list[str]
    anchor: np.ndarray
    """Formal stance on system working in [0, 1]; statutory pressure = 1 - anchor."""
    start: np.ndarray
    """First leader id of each organisation."""
    size: np.ndarray

    @property
    def pressure(self) -> np.ndarray:
        return 1.0 - self.anchor

    @property
    def n(self) -> int:
        return int(self.anchor.size)


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


WINDOW_COUNTS = ("decisions", "contributions", "issues", "successes", "decisions_participants",
                 "contributions_participants", "decisions_others", "contributions_others")
RATES = ("system_first_share", "issue_success_rate", "system_first_participants", "system_first_others")


@dataclass
class Windows:
    """Rolling event counts over the last `WINDOW` weeks (a row per `WINDOW_COUNTS`), behind the
    weekly rates (`RATES`, whose last values stand when a window holds no events)."""

    counts: np.ndarray = field(default_factory=lambda: np.zeros((len(WINDOW_COUNTS), WINDOW)))
    rates: np.ndarray = field(default_factory=lambda: np.zeros(len(RATES)))


def _constant(dtype, shape=(0,)):
    a = np.zeros(shape, dtype)
    a.flags.writeable = False
    return a


_NO_INTS = _constant(np.int64)
_NO_IDS = _constant(np.uint64)
_NO_FLOATS = _constant(np.float64)
_NO_FLAGS = _constant(bool)


@functools.lru_cache(maxsize=None)
def _no_issues(k: int) -> np.ndarray:
    return _constant(np.int64, (0, k))


@functools.lru_cache(maxsize=None)
def _no_choices(k: int) -> np.ndarray:
    return _constant(bool, (0, k))


class Week:
    """The record of one week, built once per step and filled in by the processes in order.

    A field no process has filled (yet) reads as an empty, read-only array (the class-level
    defaults below)."""

    conversations = (_NO_INTS, _NO_INTS)
    """This week's conversations (a, b), from meetings and interventions."""
    conversation_ids = _NO_IDS
    """An id per conversation, derived from the keyed draws that made it (keys its perception)."""
    conversation_rows = conversation_cols = _NO_INTS
    """Tie-table row of each conversation and the evidence column of a's view of b."""
    observers = partners = _NO_INTS
    """Ordered pairs (observer, partner) of representatives within each issue, row-major."""
    issue_rows = issue_cols = _NO_INTS
    success = _NO_FLAGS
    contributors = _NO_INTS
    contributor_success = _NO_FLAGS
    """One entry per contribution: the contributor and whether its issue succeeded."""
    perceived_actions = _NO_FLOATS
    """What each observer perceived of its partner's action (pairs as `observers`)."""
    conduct_observers = conduct_partners = conduct_rows = conduct_cols = _NO_INTS
    perceived_conduct = _NO_FLOATS
    """Cross-organisation conversations: who saw whom, on which tie row and column, and what."""
    used_rows = _NO_INTS
    """Tie rows used this week (conversations and co-working)."""

    def __init__(self, number: int, clock: int, orgs_per_issue: int = 0):
        self.number = number
        """The week's number: 1, 2, ... once recording starts; the burn-in's weeks are numbered
        up to 0 (week 0 is the last burn-in week, which the week-0 observation sees)."""
        self.clock = clock
        """Weeks simulated in all, burn-in included (drives meeting schedules)."""
        self.added_conversations: list = []
        """Conversations interventions add this week (`add_conversations`); meetings take them in."""
        self.representatives = self.representative_orgs = _no_issues(orgs_per_issue)
        """Leader representing each organisation of each issue, (n_issues, orgs_per_issue)."""
        self.contributed = _no_choices(orgs_per_issue)
        """Whether each representative contributed, shaped like `representatives`."""

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

            ids = pair_ids(a, b, np.uint64(self.clock), np.uint64(len(self.added_conversations) + 1))
        ids = np.asarray(ids, np.uint64)
        keep = a != b
        self.added_conversations.append((a[keep], b[keep], ids[keep]))


@dataclass
class ModelState:
    """Everything the weekly processes read and write (see the module docstring)."""

    organisations: Organisations
    leaders: Leaders
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


class Process:
    """One weekly process of the ODD's list (section 3): a small object with one signature.

    `step(state, params, week, rng)` reads and writes the `ModelState` and this
    week's `Week` record; `rng` is the process's named random stream (`stream`, a
    `sim.streams.Stream`: `rng.key` for keyed draws in compiled kernels,
    `rng.generator(week.clock)` for a numpy Generator), or None for a process that
    draws nothing. Processes keep no state of their
    own (what they need to remember lives in the state, e.g. `state.extra`), so
    a snapshot of the state is a snapshot of the model.

    `during_burn_in`: whether the process runs in the burn-in weeks.
    `observation`: whether it observes (it also runs once at set-up, on the last
    burn-in week, to record week 0).
    """

    name: str = "process"
    stream: str | None = None
    during_burn_in: bool = True
    observation: bool = False

    def step(self, state: ModelState, params, week: Week, rng) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
