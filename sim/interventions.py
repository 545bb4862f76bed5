"""Submodel 0, interventions: programmes and reforms acting on their schedule.

An intervention is any object with two methods:

    setup(model)  once, after the burn-in, before the first survey wave
                  (e.g. select and mark a cohort);
    apply(model)  at the start of every week (model.week is the week number).

It acts through the model's state arrays and by adding conversations with
`model.add_conversations(a, b)`, which then go through the same tie, trust and
perception rules as any other meeting. Built-in interventions are registered by
name (see `INTERVENTIONS`); `build_interventions` turns a mapping of
{name: settings} into objects. To add your own, register a factory:

    from sim.interventions import register_intervention
    register_intervention("mentoring_circles", MyMentoringCircles.from_dict)

or name a class in the settings: {"mine": {"type": "mypkg.module:MyClass", ...}};
the class is built with `MyClass.from_dict(settings)`.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from sim.meetings import group_conversations
from sim.params import ConfigError
from sim.params import check_number as _check
from sim.scenario import ROLES

SELECTIONS = ("random", "seniority", "brokerage", "quota", "teams")
FOLLOW_ON = ("none", "alumni_sets")


# ------------------------------------------------------------------ cohort selection

def select_cohort(strategy: str, size: int, eligible: np.ndarray, model, rng: np.random.Generator) -> np.ndarray:
    """Leader ids of the cohort, chosen among `eligible` by one of SELECTIONS.

    random: uniform; seniority: executives before directors (random within role);
    brokerage: lowest Burt network constraint first (networkx, tie strength as
    weight); quota: as equal a number per organisation as possible; teams: whole
    organisations' eligible leaders, organisations in random order.
    """
    size = min(size, eligible.size)
    if size == 0:
        return np.zeros(0, np.int64)
    L = model.leaders
    if strategy == "random":
        chosen = rng.choice(eligible, size, replace=False)
    elif strategy == "seniority":
        order = np.lexsort((rng.random(eligible.size), L.role[eligible]))
        chosen = eligible[order[:size]]
    elif strategy == "brokerage":
        import networkx as nx

        # for all nodes at once: networkx is far slower when given a subset of nodes
        constraint = nx.constraint(model.network(), weight="weight")
        c = np.array([constraint[int(i)] for i in eligible])
        c = np.where(np.isnan(c), np.inf, c)  # isolates broker nothing
        order = np.lexsort((rng.random(eligible.size), c))
        chosen = eligible[order[:size]]
    elif strategy == "quota":
        # organisations take turns, in random order, each sending a random member per turn
        shuffled = eligible[rng.permutation(eligible.size)]
        orgs = L.org[shuffled]
        turn_of_org = {int(o): t for t, o in enumerate(rng.permutation(np.unique(orgs)))}
        seen: dict[int, int] = {}
        round_no = np.empty(shuffled.size, np.int64)
        for j, o in enumerate(orgs.tolist()):
            round_no[j] = seen.get(o, 0)
            seen[o] = round_no[j] + 1
        turn = np.array([turn_of_org[o] for o in orgs.tolist()])
        chosen = shuffled[np.lexsort((turn, round_no))[:size]]
    elif strategy == "teams":
        org_order = rng.permutation(np.unique(L.org[eligible]))
        ranked = np.concatenate([eligible[L.org[eligible] == o] for o in org_order])
        chosen = ranked[:size]
    else:
        raise ConfigError(f"selection={strategy!r}: unknown (choose from {', '.join(SELECTIONS)})")
    return np.sort(chosen.astype(np.int64))


def action_learning_sets(cohort: np.ndarray, org: np.ndarray, set_size: int) -> list[np.ndarray]:
    """Partition the cohort into sets of about `set_size`, spreading each organisation's
    members over different sets (sorted by organisation, then dealt round-robin)."""
    if cohort.size == 0:
        return []
    n_sets = max(1, math.ceil(cohort.size / set_size))
    ordered = cohort[np.argsort(org[cohort], kind="stable")]
    return [np.sort(ordered[k::n_sets]) for k in range(n_sets)]


# ------------------------------------------------------------------ the programme

@dataclass
class LeadershipProgramme:
    """The seed's system leadership programme, with every component switchable.

    During `duration_weeks` from `start_week`: cohort workshops every
    `workshop_every_weeks` (structured cross-organisation mixing when `mixing`),
    action-learning sets of about `set_size` leaders from different organisations
    meeting every `set_every_weeks`, coaching and mentoring that raise listening,
    system-sight content (a sight bonus, an efficacy gain, and a system-first
    influence source in the orientation update), and governance and risk-appetite sessions that raise
    risk appetite (lowering the perceived statutory cost of system-first action).
    Each participant's engagement e ~ Beta (mean `engagement_mean`) scales both
    attendance (probability e) and gains: passive participants gain little
    (Burt & Ronchi 2007). After the programme, gains decay linearly by
    `skill_decay_sd_per_month` baseline SDs a month (Arthur et al. 1998), half as
    fast while alumni sets (follow_on = alumni_sets) still meet quarterly.

    With `active=False` the cohort is selected and marked but nothing else
    happens: the counterfactual arm of a paired comparison.
    """

    cohort_size: int = 60
    selection: str = "random"
    eligible_roles: tuple[str, ...] = ("executive", "director")
    start_week: int = 1
    duration_weeks: int = 26
    workshops: bool = True
    mixing: bool = True
    workshop_every_weeks: int = 4
    workshop_contacts: float = 3.0
    action_learning: bool = True
    set_size: int = 6
    set_every_weeks: int = 4
    set_contacts: float = 2.0
    coaching: bool = True
    coaching_gain_sd: float = 0.8
    """Listening gain at full engagement over the programme, in baseline SDs
    (coaching d 0.3-0.5 for average engagement: Jones et al. 2016; Theeboom et al. 2014)."""
    system_sight: bool = True
    sight_content_gain: float = 0.15
    """System-sight bonus at full engagement by the programme's end."""
    efficacy_content_gain: float = 0.15
    """Efficacy gain at full engagement by the programme's end: content on the
    influence and personal impact leaders can have (Bandura's verbal persuasion
    and vicarious experience)."""
    content_influence: float = 3.0
    """While the programme runs, its content ('what it means to be a leader in the
    system', from organisation-first to system-first) is a source holding
    orientation 1 with this weight x engagement in each participant's W (a tie of
    strength 1 and full trust weighs 1)."""
    governance: bool = True
    governance_gain: float = 0.25
    """Risk-appetite gain at full engagement by the programme's end."""
    engagement_mean: float = 0.65
    engagement_concentration: float = 4.0
    skill_decay_sd_per_month: float = 0.07
    follow_on: str = "none"
    follow_on_every_weeks: int = 13
    follow_on_decay_factor: float = 0.5
    active: bool = True
    name: str = "leadership_programme"

    cohort: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64), repr=False)
    sets: list = field(default_factory=list, repr=False)

    # ------------------------------------------------------------ construction
    @classmethod
    def from_dict(cls, values: Mapping[str, Any] | None, key: str = "intervention.leadership_programme",
                  **defaults: Any) -> "LeadershipProgramme":
        values = {**defaults, **dict(values or {})}
        values.pop("type", None)
        known = {f.name for f in fields(cls)} - {"cohort", "sets"}
        for k in values:
            if k not in known:
                raise ConfigError(f"{key}.{k}={values[k]!r}: unknown setting")
        if "eligible_roles" in values:
            roles = values["eligible_roles"]
            roles = (roles,) if isinstance(roles, str) else tuple(roles)
            for r in roles:
                if r not in ROLES:
                    raise ConfigError(f"{key}.eligible_roles={r!r}: unknown role")
            values["eligible_roles"] = roles
        p = cls(**values)
        p.validate(key)
        return p

    def validate(self, key: str) -> None:
        _check(self.cohort_size, f"{key}.cohort_size", 0, 1e6, integer=True)
        for name in ("start_week", "duration_weeks", "workshop_every_weeks", "set_size",
                     "set_every_weeks", "follow_on_every_weeks"):
            _check(getattr(self, name), f"{key}.{name}", 1, 1e4, integer=True)
        for name in ("workshop_contacts", "set_contacts", "coaching_gain_sd", "content_influence"):
            _check(getattr(self, name), f"{key}.{name}", 0, 20)
        for name in ("sight_content_gain", "efficacy_content_gain", "governance_gain", "engagement_mean",
                     "follow_on_decay_factor"):
            _check(getattr(self, name), f"{key}.{name}", 0, 1)
        _check(self.engagement_concentration, f"{key}.engagement_concentration", 0.1, 1000)
        _check(self.skill_decay_sd_per_month, f"{key}.skill_decay_sd_per_month", 0, 10)
        if self.selection not in SELECTIONS:
            raise ConfigError(f"{key}.selection={self.selection!r}: unknown (choose from {', '.join(SELECTIONS)})")
        if self.follow_on not in FOLLOW_ON:
            raise ConfigError(f"{key}.follow_on={self.follow_on!r}: unknown (choose from {', '.join(FOLLOW_ON)})")
        for name in ("workshops", "mixing", "action_learning", "coaching", "system_sight", "governance", "active"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"{key}.{name}={getattr(self, name)!r}: must be true or false")

    @property
    def end_week(self) -> int:
        """First week after the programme."""
        return self.start_week + self.duration_weeks

    # ------------------------------------------------------------ hooks
    def setup(self, model) -> None:
        rng = model.streams["interventions"]
        L = model.leaders
        role_codes = [ROLES.index(r) for r in self.eligible_roles]
        eligible = np.flatnonzero(np.isin(L.role, role_codes) & ~L.participant)
        self.cohort = select_cohort(self.selection, self.cohort_size, eligible, model, rng)
        L.participant[self.cohort] = True
        m = np.clip(self.engagement_mean, 1e-3, 1 - 1e-3)
        L.engagement[self.cohort] = rng.beta(m * self.engagement_concentration,
                                             (1 - m) * self.engagement_concentration, self.cohort.size)
        self.sets = action_learning_sets(self.cohort, L.org, self.set_size)
        self._set_pos = [np.searchsorted(self.cohort, m) for m in self.sets]  # cohort is sorted
        # baseline spreads: gains and decay are expressed in baseline SDs
        self._sd = {"listening": float(L.listening.std()) or 0.1,
                    "risk_appetite": float(L.risk_appetite.std()) or 0.1,
                    "sight_bonus": float(L.sight.std()) or 0.1,
                    "efficacy": float(L.efficacy.std()) or 0.1}
        self._gains = {name: np.zeros(self.cohort.size) for name in self._sd}

    def apply(self, model) -> None:
        if not self.active or self.cohort.size == 0:
            return
        week, L, rng = model.week, model.leaders, model.streams["interventions"]
        e = L.engagement[self.cohort]
        p = model.params
        if self.start_week <= week < self.end_week:
            k = week - self.start_week
            if self.workshops and k % self.workshop_every_weeks == 0:
                present = self.cohort[rng.random(self.cohort.size) < e]
                a, b = group_conversations(rng, [present], np.array([self.mixing]), L.org, 1.0,
                                           self.workshop_contacts, p.homophily)
                model.add_conversations(a, b)
            if self.action_learning and k % self.set_every_weeks == self.set_every_weeks // 2:
                self._meet_sets(model, rng, e)
            per_week = 1.0 / self.duration_weeks
            if self.coaching:
                self._gain(L, "listening", e * self.coaching_gain_sd * self._sd["listening"] * per_week)
            if self.system_sight:
                self._gain(L, "sight_bonus", e * self.sight_content_gain * per_week)
                self._gain(L, "efficacy", e * self.efficacy_content_gain * per_week)
                L.system_pull[self.cohort] = self.content_influence * e
            if self.governance:
                self._gain(L, "risk_appetite", e * self.governance_gain * per_week)
        elif week >= self.end_week:
            L.system_pull[self.cohort] = 0.0
            alumni = self.follow_on == "alumni_sets"
            if alumni and (week - self.end_week) % self.follow_on_every_weeks == 0:
                self._meet_sets(model, rng, e)
            step = self.skill_decay_sd_per_month * 12.0 / 52.0  # SDs a week
            if alumni:
                step *= self.follow_on_decay_factor
            for name, sd in self._sd.items():
                self._decay(L, name, step * sd)

    # ------------------------------------------------------------ helpers
    def _meet_sets(self, model, rng, e) -> None:
        groups = [s[rng.random(s.size) < e[pos]] for s, pos in zip(self.sets, self._set_pos)]
        a, b = group_conversations(rng, groups, np.ones(len(groups), bool), model.leaders.org, 1.0,
                                   self.set_contacts, model.params.homophily)
        model.add_conversations(a, b)

    def _gain(self, L, name: str, amount: np.ndarray) -> None:
        arr = getattr(L, name)
        before = arr[self.cohort].copy()
        arr[self.cohort] = np.clip(before + amount, 0.0, 1.0)
        self._gains[name] += arr[self.cohort] - before

    def _decay(self, L, name: str, amount: float) -> None:
        g = self._gains[name]
        drop = np.minimum(g, amount)
        getattr(L, name)[self.cohort] -= drop
        g -= drop


@dataclass
class GovernanceAlignment:
    """A shared outcomes framework: organisation anchors move towards the system,
    `a <- a + shift (1 - a)`, phased in linearly over `ramp_weeks` from `start_week`
    (the lever statutory reform would pull)."""

    shift: float = 0.3
    start_week: int = 1
    ramp_weeks: int = 26
    name: str = "governance_alignment"

    @classmethod
    def from_dict(cls, values, key: str = "intervention.governance_alignment") -> "GovernanceAlignment":
        values = dict(values or {})
        values.pop("type", None)
        known = {f.name for f in fields(cls)}
        for k in values:
            if k not in known:
                raise ConfigError(f"{key}.{k}={values[k]!r}: unknown setting")
        g = cls(**values)
        _check(g.shift, f"{key}.shift", 0, 1)
        _check(g.start_week, f"{key}.start_week", 1, 1e4, integer=True)
        _check(g.ramp_weeks, f"{key}.ramp_weeks", 1, 1e4, integer=True)
        return g

    def setup(self, model) -> None:
        self._initial = model.organisations.anchor.copy()

    def apply(self, model) -> None:
        done = (model.week - self.start_week + 1) / self.ramp_weeks
        if done > 0:
            a0 = self._initial
            model.organisations.anchor[:] = a0 + self.shift * min(done, 1.0) * (1 - a0)


# ------------------------------------------------------------------ registry

INTERVENTIONS: dict[str, Callable[..., Any]] = {}


def register_intervention(name: str, factory: Callable[..., Any]) -> None:
    """Make `factory(settings: dict, key: str)` available under `name`."""
    INTERVENTIONS[name] = factory


register_intervention("leadership_programme", LeadershipProgramme.from_dict)
register_intervention("coaching_only", lambda v, key: LeadershipProgramme.from_dict(
    v, key, name="coaching_only", workshops=False, action_learning=False, system_sight=False,
    governance=False))
register_intervention("networking_events", lambda v, key: LeadershipProgramme.from_dict(
    v, key, name="networking_events", mixing=False, action_learning=False, coaching=False,
    system_sight=False, governance=False))
register_intervention("governance_alignment", GovernanceAlignment.from_dict)


def _resolve(kind: str, key: str):
    if kind in INTERVENTIONS:
        return INTERVENTIONS[kind]
    if ":" in kind:
        module, _, attr = kind.partition(":")
        try:
            cls = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as exc:
            raise ConfigError(f"{key}.type={kind!r}: cannot import ({exc})") from None
        return lambda v, k: cls.from_dict(v)
    raise ConfigError(f"{key}={kind!r}: unknown intervention (known: {', '.join(sorted(INTERVENTIONS))})")


def build_interventions(spec: Mapping[str, Any] | None, active: bool = True, prefix: str = "intervention"):
    """Objects from {name: settings}. With active=False every programme is built as its
    counterfactual (cohort selected and marked, no treatment) and reforms are left out."""
    out = []
    for name, settings in (spec or {}).items():
        key = f"{prefix}.{name}"
        settings = dict(settings or {})
        kind = settings.get("type", name)
        obj = _resolve(str(kind), key)(settings, key)
        if not active:
            if not isinstance(obj, LeadershipProgramme):
                continue
            obj.active = False
        out.append(obj)
    return out


def cohort_of(interventions) -> np.ndarray:
    """Union of the cohorts of the given interventions (after setup)."""
    cohorts = [i.cohort for i in interventions if getattr(i, "cohort", None) is not None]
    return np.unique(np.concatenate(cohorts)) if cohorts else np.zeros(0, np.int64)
