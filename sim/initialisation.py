"""Initialisation: leaders' traits, forum memberships and the starting network.

Everything here runs once, from the scenario (a `Partnership`), the behavioural
parameters and the set-up random stream. The starting network is synthetic
(`initial_ties`, a rough guess the burn-in replaces) unless the run starts from a
measured network (`sim.network_io.MeasuredNetwork`): its ties are then the
measured ones (`measured_ties`), at set-up and again after the burn-in
(`start_from_measured`), so that week 0 begins from the network people reported.
"""

from __future__ import annotations

import functools

import numpy as np

from sim.meetings import Forums
from sim.metrics import initial_metrics
from sim.network import TieTable
from sim.params import BehaviourParams
from sim.scenario import ROLES, Partnership
from sim.schema import ConfigError
from sim.population import TRAITS, Population, Trait
from sim.state import ModelState, Organisations, OrgTrust, Week, Windows


def check_pressure(p: Partnership, pressure_scale: float, key: str = "behaviour.pressure_scale") -> None:
    """A scaled statutory pressure above 1 (an anchor below 0) cannot take effect: an error naming
    the organisation and the largest scale this partnership admits."""
    worst = max(p.organisations, key=lambda o: 1.0 - o.anchor)
    pressure = 1.0 - worst.anchor
    if pressure > 0 and pressure_scale * pressure > 1.0 + 1e-12:
        raise ConfigError(f"{key}={pressure_scale:g}: would put {worst.name}'s statutory pressure at "
                          f"{pressure_scale * pressure:.2f} (at most 1); the largest this partnership admits is "
                          f"{1.0 / pressure:.3g}")


def build_organisations(p: Partnership, pressure_scale: float = 1.0) -> Organisations:
    """Organisations as arrays; statutory pressure 1 - anchor is scaled by `pressure_scale`."""
    check_pressure(p, pressure_scale)
    size = np.array([o.size for o in p.organisations], np.int64)
    anchor = np.array([o.anchor for o in p.organisations], float)
    anchor = 1.0 - pressure_scale * (1.0 - anchor)
    return Organisations(names=[o.name for o in p.organisations],
                         types=[o.type for o in p.organisations],
                         anchor=anchor, start=np.cumsum(size) - size, size=size)


def build_leaders(p: Partnership, orgs: Organisations, params: BehaviourParams, rng: np.random.Generator,
                  traits: tuple[Trait, ...] = TRAITS) -> Population:
    """The population at set-up: one slot per leader, organisation by organisation and within each
    by role, every trait drawn from `rng` in `traits` order (`sim.population`)."""
    org = np.repeat(np.arange(orgs.n), orgs.size)
    role = np.concatenate([np.repeat(np.arange(len(ROLES)), [o.leaders[r] for r in ROLES])
                           for o in p.organisations]).astype(np.int64)
    return Population.build(org, role, traits, params, orgs.anchor, rng)


def seats(pools: list[np.ndarray], k: int, rng: np.random.Generator) -> np.ndarray:
    """At most k members drawn at random, without replacement, from each pool (all at once:
    each member gets a uniform and the k smallest of each pool win). Sorted."""
    pools = [q for q in pools if q.size]
    if not pools:
        return np.zeros(0, np.int64)
    members = np.concatenate(pools)
    group = np.repeat(np.arange(len(pools)), [q.size for q in pools])
    order = np.lexsort((rng.random(members.size), group))
    start = np.concatenate([[0], np.cumsum([q.size for q in pools])[:-1]])
    rank = np.arange(members.size) - start[group[order]]
    return np.sort(members[order][rank < k])


def build_forums(p: Partnership, orgs: Organisations, leaders: Population,
                 rng: np.random.Generator) -> Forums:
    """Each organisation's own leadership meeting, then the partnership's forums.

    Forum instances draw their organisations and seats; each gets a random phase.
    """
    names, members, period, phase, structured, familiarity, prior_trust = [], [], [], [], [], [], []

    def add(name, who, every, structured_=False, familiarity_=0.0, prior_trust_=0.5):
        names.append(name)
        members.append(np.asarray(who, np.int64))
        period.append(every)
        phase.append(int(rng.integers(every)))
        structured.append(structured_)
        familiarity.append(familiarity_)
        prior_trust.append(prior_trust_)

    for o in range(orgs.n):
        add(f"{orgs.names[o]}_leadership", np.arange(orgs.start[o], orgs.start[o] + orgs.size[o]),
            p.internal_meetings_every_weeks)
    name_to_org = {o.name: i for i, o in enumerate(p.organisations)}
    role_code = {r: i for i, r in enumerate(ROLES)}
    for spec in p.forums:
        listed = np.array([name_to_org[o] for o in spec.organisations], np.int64)
        admitted = np.zeros(len(ROLES), bool)
        admitted[[role_code[r] for r in spec.roles]] = True
        # each organisation's eligible leaders (leaders are numbered organisation by organisation)
        eligible = np.flatnonzero(admitted[leaders.role])
        by_org = np.split(eligible, np.searchsorted(eligible, orgs.start[1:]))
        pools = {int(o): by_org[o] for o in listed}
        for inst in range(spec.instances):
            if spec.organisations_per_instance and spec.organisations_per_instance < listed.size:
                chosen = rng.choice(listed, spec.organisations_per_instance, replace=False)
            else:
                chosen = listed
            who = seats([pools[int(o)] for o in np.sort(chosen)], spec.seats_per_organisation, rng)
            name = spec.name if spec.instances == 1 else f"{spec.name}_{inst + 1}"
            add(name, who, spec.meets_every_weeks, spec.structured, spec.familiarity, spec.prior_trust)
    return Forums(names, members, np.array(period, np.int64), np.array(phase, np.int64) % np.array(period),
                  np.array(structured, bool), np.array(familiarity, float), np.array(prior_trust, float))


@functools.lru_cache(maxsize=64)
def _pairs_of(size: int) -> tuple[np.ndarray, np.ndarray]:
    """The index pairs i < j of `size` members (`np.triu_indices`, made once per size)."""
    i, j = np.triu_indices(size, 1)
    i.flags.writeable = j.flags.writeable = False
    return i, j


def initial_ties(p: Partnership, orgs: Organisations, leaders: Population, forums: Forums,
                 params: BehaviourParams, rng: np.random.Generator) -> TieTable:
    """Within-organisation colleagues, forum acquaintances and a few weak cross-boundary ties."""
    ties = TieTable(n=leaders.n)
    org, propensity = leaders.org, leaders.trust_propensity
    hist = params.prior_history
    # colleagues: about within_org_degree / 2 pairs per leader, uniform inside each organisation
    pairs_per_org = np.minimum(np.round(orgs.size * p.within_org_degree / 2.0),
                               orgs.size * (orgs.size - 1) // 2).astype(np.int64)
    o = np.repeat(np.arange(orgs.n), pairs_per_org)
    a = orgs.start[o] + np.floor(rng.random(o.size) * orgs.size[o]).astype(np.int64)
    b = orgs.start[o] + np.floor(rng.random(o.size) * orgs.size[o]).astype(np.int64)
    keep = a != b
    a, b = a[keep], b[keep]
    ties.add_initial(a, b, rng.uniform(*params.colleague_strength, a.size),
                     np.full(a.size, hist * params.within_org_conduct),
                     np.full(a.size, hist * (1 - params.within_org_conduct)), org, propensity)
    # forum members from different organisations who already know each other
    fa, fb, fw, fr, fs = [], [], [], [], []
    for f, members in enumerate(forums.members):
        if forums.familiarity[f] <= 0:
            continue
        i, j = _pairs_of(members.size)
        a, b = members[i], members[j]
        keep = (leaders.org[a] != leaders.org[b]) & (rng.random(a.size) < forums.familiarity[f])
        a, b = a[keep], b[keep]
        fa.append(a)
        fb.append(b)
        fw.append(rng.uniform(*params.forum_acquaintance_strength, a.size))
        fr.append(np.full(a.size, hist * forums.prior_trust[f]))
        fs.append(np.full(a.size, hist * (1 - forums.prior_trust[f])))
    if fa:
        ties.add_initial(np.concatenate(fa), np.concatenate(fb), np.concatenate(fw),
                         np.concatenate(fr), np.concatenate(fs), org, propensity)
    # weak acquaintances across organisations
    m = int(round(leaders.n * p.cross_org_degree / 2.0))
    a = rng.integers(0, leaders.n, m)
    b = rng.integers(0, leaders.n, m)
    keep = leaders.org[a] != leaders.org[b]
    a, b = a[keep], b[keep]
    ties.add_initial(a, b, rng.uniform(*params.weak_tie_strength, a.size), np.zeros(a.size), np.zeros(a.size), org,
                     propensity)
    return ties


def measured_ties(network, orgs: Organisations, leaders: Population, forums: Forums,
                  params: BehaviourParams) -> TieTable:
    """The measured network as the tie table (docs/ODD.md 5.1). Person i (the partnership's
    integer id) holds slot i at set-up. Strength: as measured (`sim.network_io`), at least the
    weakest tie the model keeps (`tie_removal`). Trust evidence, as the synthetic start gives the
    same kind of tie: between colleagues, `prior_history` observations of `within_org_conduct`;
    across organisations, for a strong tie (at least `strong_tie`), `prior_history` observations
    of the `prior_trust` of the forums the two share (the highest), or of the partnership's
    forums on average if they share none; for a weak one, none (trust is the truster's
    propensity)."""
    ties = TieTable(n=leaders.n, capacity=max(64, 2 * network.u.size))
    u, v = np.asarray(network.u, np.int64), np.asarray(network.v, np.int64)
    w = np.maximum(np.asarray(network.w, float), params.tie_removal)
    hist = params.prior_history
    same = leaders.org[u] == leaders.org[v]
    conduct = np.full(u.size, params.within_org_conduct)
    evidence = np.full(u.size, hist)
    cross_strong = ~same & (w >= params.strong_tie)
    if cross_strong.any():
        shared = np.full(u.size, -1.0)
        for f in range(orgs.n, len(forums.members)):  # the scenario's forums (cross-organisation)
            member = np.zeros(leaders.n, bool)
            member[forums.members[f]] = True
            both = member[u] & member[v]
            shared[both] = np.maximum(shared[both], forums.prior_trust[f])
        # the scenario's forums (not the organisations' own leadership teams, which have no prior trust)
        scenario = forums.prior_trust[len(orgs.names):]
        mean = float(scenario.mean()) if scenario.size else 0.6
        conduct[cross_strong] = np.where(shared[cross_strong] >= 0, shared[cross_strong], mean)
    weak_cross = ~same & ~cross_strong
    evidence[weak_cross] = 0.0
    ties.add_initial(u, v, w, evidence * conduct, evidence * (1 - conduct), leaders.org, leaders.trust_propensity)
    return ties


def start_from_measured(state: ModelState, network, params: BehaviourParams) -> None:
    """After the burn-in: the ties back to the measured network (`measured_ties`), embeddedness and
    system sight from it (sight set to its target, as at set-up). What the burn-in settled that a
    network survey does not measure stays: orientation, trust between organisations, efficacy."""
    from sim.efficacy import refresh_sight
    from sim.ties import refresh_embeddedness

    state.ties = measured_ties(network, state.organisations, state.leaders, state.forums, params)
    refresh_embeddedness(state.ties, params.strong_tie)
    refresh_sight(state, params, first=True)


def build_state(partnership: Partnership, params: BehaviourParams, streams: dict,
                traits: tuple[Trait, ...] = TRAITS, network=None) -> ModelState:
    """The state at the start of the burn-in: organisations, leaders, forums, the starting
    network (all from the `setup` stream), no trust evidence between organisations yet,
    and embeddedness and system sight computed once."""
    from sim.efficacy import refresh_sight
    from sim.ties import refresh_embeddedness

    setup = streams["setup"].sequential
    organisations = build_organisations(partnership, params.pressure_scale)
    leaders = build_leaders(partnership, organisations, params, setup, traits)
    forums = build_forums(partnership, organisations, leaders, setup)
    if network is None:
        ties = initial_ties(partnership, organisations, leaders, forums, params, setup)
    else:
        ties = measured_ties(network, organisations, leaders, forums, params)
    prior = 0.5 * (params.trust_propensity_low + params.trust_propensity_high)
    state = ModelState(organisations=organisations, leaders=leaders, forums=forums, ties=ties,
                       org_trust=OrgTrust.empty(organisations.n, prior), windows=Windows(), streams=streams,
                       clock=0, metrics=initial_metrics())
    state.last_week = Week(number=0, clock=0, orgs_per_issue=params.orgs_per_issue)
    refresh_embeddedness(ties, params.strong_tie)
    refresh_sight(state, params, first=True)
    return state
