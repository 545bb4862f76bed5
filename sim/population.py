"""The population of leaders: who holds each slot, and every per-leader array with its initialiser.

The model keeps one entry per leader in arrays; an entry's position is its
**slot**. A slot belongs to one organisation and one role for the whole run
(slots are numbered organisation by organisation). A **leader** is a person with
a persistent id: at set-up the leader in slot i has id i; a leader who leaves
(`sim.turnover`) is replaced in the slot by a newcomer with the next unused id,
so the partnership's size stays fixed while its people change. Whatever must
follow people rather than slots (a programme's cohort, the survey's respondents,
outputs) keeps ids, and finds a person's slot with `slots_of`.

Every per-leader array is declared once, as a `Trait` with its **initialiser**:
how a leader's value is drawn at set-up and how a newcomer's is drawn when they
join (`Beta`, `Uniform` or `Constant`, with parameters named from the behaviour
parameters). The set-up draws them from the set-up stream in `TRAITS` order; the
turnover process draws a newcomer's with keyed draws (`sim.turnover`), from the
same distributions. A process that keeps per-leader state of its own declares
its traits (`Process.traits`), and the population carries them like the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

CONSTANT, BETA, UNIFORM, BETA_BY_ORGANISATION = 0, 1, 2, 3
"""Kinds of initialiser, as the turnover kernel reads them."""


@dataclass(frozen=True)
class Beta:
    """Beta-distributed with the given mean and concentration a + b (each a number or the name
    of a behaviour parameter); mean "anchor": the organisation's anchor. Means are kept inside
    [0.001, 0.999]."""

    mean: str | float
    concentration: str | float


@dataclass(frozen=True)
class Uniform:
    """Uniform between `low` and `high` (numbers or names of behaviour parameters)."""

    low: str | float
    high: str | float


@dataclass(frozen=True)
class Constant:
    """The same value for everyone: at set-up and for every newcomer."""

    value: float | bool


@dataclass(frozen=True)
class Trait:
    """A per-leader array: its name (the array's, and the kernels' argument name), its type
    (float or bool), its initialiser and what it means."""

    name: str
    dtype: Any
    initial: Beta | Uniform | Constant
    meaning: str


TRAITS: tuple[Trait, ...] = (
    Trait("orientation", np.float64, Beta("anchor", "trait_concentration"),
          "system orientation in [0, 1]: weight on the system against one's own organisation"),
    Trait("susceptibility", np.float64, Beta("susceptibility_mean", "trait_concentration"),
          "1 - stubbornness towards the organisation's anchor (Friedkin-Johnsen lambda)"),
    Trait("listening", np.float64, Beta("listening_mean", "trait_concentration"),
          "accuracy of perceiving others' actions and conduct, in [0, 1]"),
    Trait("trust_propensity", np.float64, Uniform("trust_propensity_low", "trust_propensity_high"),
          "trust extended to strangers: the prior mean of interpersonal trust"),
    Trait("risk_appetite", np.float64, Beta("risk_appetite_mean", "trait_concentration"),
          "discount on the statutory cost of system-first action"),
    Trait("efficacy", np.float64, Beta(0.5, "trait_concentration"), "belief one can influence the system"),
    Trait("efficacy_gain", np.float64, Constant(0.0),
          "the part of efficacy added by programme content that experience has not yet worn away"),
    Trait("system_sight", np.float64, Constant(0.0),
          "share of the other organisations seen through one's own strong cross-boundary ties"),
    Trait("sight_bonus", np.float64, Constant(0.0),
          "system knowledge from outside one's network (e.g. programme content); adds to sight"),
    Trait("system_pull", np.float64, Constant(0.0),
          "weight on an external system-first source in the orientation update (interventions)"),
    Trait("issue_decisions", np.float64, Constant(0.0), "collective-issue decisions the leader has made so far"),
    Trait("system_first_choices", np.float64, Constant(0.0), "of which system-first (contributions)"),
    Trait("system_first_chances", np.float64, Constant(0.0),
          "the sum of those decisions' probabilities of being system-first (the logit choice probability)"),
    Trait("issue_success_chances", np.float64, Constant(0.0),
          "the sum, over those decisions, of the probability that the decision's issue succeeded (given every "
          "representative's choice probability)"),
    Trait("participant", np.bool_, Constant(False), "whether the leader is on a programme's cohort"),
    Trait("engagement", np.float64, Constant(0.0), "engagement in a programme (0 for non-participants)"),
)
"""The model's per-leader arrays, in the order the set-up draws them."""


def _value(x: str | float, params) -> float:
    return float(getattr(params, x)) if isinstance(x, str) else float(x)


def beta_draw(rng: np.random.Generator, mean: np.ndarray | float, concentration: float, size: int) -> np.ndarray:
    """Beta draws with the given mean(s) and concentration a + b (means kept in [0.001, 0.999])."""
    mean = np.clip(np.broadcast_to(np.asarray(mean, float), (size,)), 1e-3, 1 - 1e-3)
    return rng.beta(mean * concentration, (1.0 - mean) * concentration)


def initial_values(trait: Trait, params, anchor_by_slot: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A trait's values at set-up, drawn from `rng` (nothing drawn for a constant)."""
    n = anchor_by_slot.size
    init = trait.initial
    if isinstance(init, Constant):
        return np.full(n, init.value, trait.dtype)
    if isinstance(init, Uniform):
        return rng.uniform(_value(init.low, params), _value(init.high, params), n)
    mean = anchor_by_slot if init.mean == "anchor" else _value(init.mean, params)
    return beta_draw(rng, mean, _value(init.concentration, params), n)


def initialiser_table(traits: tuple[Trait, ...], params) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The initialisers of float traits as the turnover kernel reads them: (kind, a, b) per trait,
    with (mean, concentration) for Beta, (low, high) for Uniform, (value, 0) for Constant."""
    kind, a, b = [], [], []
    for t in traits:
        init = t.initial
        if isinstance(init, Constant):
            kind.append(CONSTANT), a.append(float(init.value)), b.append(0.0)
        elif isinstance(init, Uniform):
            kind.append(UNIFORM), a.append(_value(init.low, params)), b.append(_value(init.high, params))
        elif init.mean == "anchor":
            kind.append(BETA_BY_ORGANISATION), a.append(0.0), b.append(_value(init.concentration, params))
        else:
            kind.append(BETA), a.append(_value(init.mean, params)), b.append(_value(init.concentration, params))
    return np.array(kind, np.int64), np.array(a, float), np.array(b, float)


class Population:
    """The leaders: each slot's organisation, role and current leader's id, and every trait array
    (an attribute named like the trait).

    Args:
        org, role: each slot's organisation index and role code (`sim.scenario.ROLES`).
        traits: the declared per-leader arrays, in set-up order.
        values: {trait name: array over slots}.
        params: the behaviour parameters (newcomers' initialisers read them).
    """

    def __init__(self, org: np.ndarray, role: np.ndarray, traits: tuple[Trait, ...], values: dict[str, np.ndarray],
                 params):
        self.org = np.asarray(org, np.int64)
        self.role = np.asarray(role, np.int64)
        self.traits = tuple(traits)
        names = [t.name for t in self.traits]
        if len(set(names)) != len(names):
            raise ValueError(f"traits: duplicate names among {', '.join(names)}")
        for t in self.traits:
            setattr(self, t.name, np.ascontiguousarray(values[t.name], t.dtype))
        self.ids = np.arange(self.org.size, dtype=np.int64)
        """The id of the leader in each slot."""
        self.next_id = int(self.org.size)
        """The id the next newcomer gets (ids are never reused)."""
        floats = tuple(t for t in self.traits if t.dtype is not np.bool_)
        flags = tuple(t for t in self.traits if t.dtype is np.bool_)
        self.float_traits = tuple(getattr(self, t.name) for t in floats)
        """The float trait arrays, in declaration order (the same objects as the attributes)."""
        self.float_trait_kind, self.float_trait_a, self.float_trait_b = initialiser_table(floats, params)
        self.flag_traits = tuple(getattr(self, t.name) for t in flags) or (np.zeros(self.org.size, np.bool_),)
        self.flag_trait_value = np.array([bool(t.initial.value) for t in flags] or [False], np.bool_)

    @classmethod
    def build(cls, org: np.ndarray, role: np.ndarray, traits: tuple[Trait, ...], params, anchor: np.ndarray,
              rng: np.random.Generator) -> "Population":
        """Draw every trait at set-up from `rng`, in `traits` order; `anchor` is each organisation's."""
        anchor_by_slot = np.asarray(anchor, float)[org]
        values = {t.name: initial_values(t, params, anchor_by_slot, rng) for t in traits}
        return cls(org, role, traits, values, params)

    @property
    def n(self) -> int:
        return int(self.org.size)

    def slots_of(self, ids: np.ndarray) -> np.ndarray:
        """The slot of each leader id (-1 for a leader who has left)."""
        ids = np.asarray(ids, np.int64)
        where = np.full(self.next_id, -1, np.int64)
        where[self.ids] = np.arange(self.n)
        inside = (ids >= 0) & (ids < self.next_id)
        out = np.full(ids.shape, -1, np.int64)
        out[inside] = where[ids[inside]]
        return out

    def present(self, ids: np.ndarray, slots: np.ndarray) -> np.ndarray:
        """Whether each leader (`ids`, last seen in `slots`) is still in that slot."""
        return self.ids[np.asarray(slots, np.int64)] == np.asarray(ids, np.int64)

    def kernel_fields(self) -> dict[str, str]:
        fields = {"org": "org", "role": "role", "leader_ids": "ids", "next_leader_id": "next_id",
                  "n_leaders": "n", "float_traits": "float_traits", "float_trait_kind": "float_trait_kind",
                  "float_trait_a": "float_trait_a", "float_trait_b": "float_trait_b",
                  "flag_traits": "flag_traits", "flag_trait_value": "flag_trait_value"}
        fields.update({t.name: t.name for t in self.traits})
        return fields

    def __repr__(self) -> str:
        return f"Population({self.n} slots, {self.next_id - self.n} newcomers so far)"
