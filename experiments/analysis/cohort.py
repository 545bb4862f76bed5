"""A recommended cohort: which people to put on the programme for a stated objective.

    python -m experiments.cohort scenario_file=my.xlsx network_file=my_survey.csv cohort.size=60
    make cohort ARGS='scenario_file=... network_file=... cohort.size=60'

**Objectives** (`cohort.objective`; each an effect: the programme arm minus
the same seed without the programme, over the programme's weeks):

- `relationships`: participants' new strong cross-organisation ties at the
  programme's end, per participant (the default). Each participant's own gain
  is seen in every run, so it can be optimised person by person;
- `issue_success`: the share of collective issues that succeed over the
  programme's weeks;
- `system_first_others`: the share of system-first choices by leaders who
  are not on the programme (the cascade), over the programme's weeks;
- `mix`: a weighted sum of the three (`cohort.weights`, each objective in its
  own units).

The last two are system-level: no run says which participant caused them, and
one swap moves them by far less than the chance variation between seeds (the
search measures this on its own swaps and says so: `noise_table`). At the
default budget they are **too noisy to optimise person by person**; for them
the search still proposes swaps by participants' own new relationships and
keeps a swap only if it improves the objective by more than its standard error.

**Search** (a fixed budget of `cohort.budget` cohorts, each evaluated on the
same `cohort.search_replicates` seeds, each seed with its own parameter draw
from the calibration's posterior, `cohort.posterior`: common random numbers,
so two cohorts are compared on the same chance events):

1. every seed's burn-in runs once and is shared by every cohort evaluated on it
   (`World`), and the seed's run without the programme once;
2. the rule-based cohorts (random, seniority, brokerage, quota, teams, each
   chosen once on the first seed's week-0 network) and `cohort.screening`
   random cohorts are evaluated: they give the starting point (the best rule)
   and an estimate of each eligible person's own gain in new relationships;
3. swaps (the participant with the smallest estimated gain out, the outsider
   with the largest optimistic estimate in: an upper confidence bound,
   evaluated lazily, one candidate at a time, as in lazy greedy influence
   maximisation: Kempe et al. 2003; Leskovec et al. 2007) are kept when the
   objective improves by more than one standard error of the paired difference
   over the seeds, and again on a second set of as many confirmation seeds
   (a swap judged on one set of seeds among hundreds tried would otherwise be
   kept for those seeds' chance events).

**Evaluation** on `cohort.fresh_replicates` fresh seeds and posterior draws that
the search never saw: the recommended cohort, the best rule's cohort as the
search started from it, and the rules as they would be used (random,
seniority and brokerage selection applied on each seed's own network), each
against the same seed without the programme; the differences between the
recommended cohort and each rule, with 95% intervals. When the recommended
cohort is not better than the best rule on the fresh seeds, the summary says
so.

Outputs (in the run's folder): `cohort.csv` (column `id`, usable as
`intervention.leadership_programme.cohort_file`, and each person's organisation,
role and descriptive features in plain words: features, not causes),
`comparison.csv`, `search.csv` (every cohort evaluated), `noise.csv`,
`summary.md` and `provenance.json`; with `timing.json` (the search's time beside
BoltzmannWealth(250, 104)'s, measured in the same run).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.analysis.effects import mean_interval
from experiments.running.config import CheckedConfig, apply_overrides
from experiments.running.execution import single_threaded
from sim.scenario import ROLES
from sim.schema import ConfigError

OBJECTIVE_WORDS = {"relationships": "participants' new strong cross-organisation relationships (per participant)",
                   "issue_success": "collective-issue success (share of issues, over the programme)",
                   "system_first_others": "non-participants' share of system-first choices (over the programme)",
                   "mix": "a weighted mix"}
OBJECTIVE_UNITS = {"relationships": "ties per participant", "issue_success": "share points",
                   "system_first_others": "share points"}
RULES = ("random", "seniority", "brokerage", "quota", "teams")
COMPARED = ("random", "seniority", "brokerage")
REPO = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------ posterior draws

def posterior_draws(path: str, n: int, rng: np.random.Generator) -> list[dict[str, float]]:
    """n parameter sets drawn by weight from a calibration's posterior ({config path: value});
    an empty path gives the configured values (n empty dicts)."""
    if not path:
        return [{} for _ in range(n)]
    p = Path(path)
    if not p.is_file() and (REPO / p).is_file():
        p = REPO / p
    if not p.is_file():
        raise ConfigError(f"cohort.posterior={path!r}: file not found (a calibration's posterior.parquet, or '' "
                          "for the configured values)")
    from experiments.inference.calibrate import BY_NAME

    post = pd.read_parquet(p)
    if "weight" not in post.columns:
        raise ConfigError(f"cohort.posterior={path!r}: no weight column (a calibration's posterior.parquet)")
    columns = {c: (BY_NAME[c].path if c in BY_NAME else c) for c in post.columns if c != "weight"
               and (c in BY_NAME or "." in c)}
    w = post["weight"].to_numpy(float)
    idx = rng.choice(len(post), size=n, p=w / w.sum())
    return [{path_: float(post.iloc[j][c]) for c, path_ in columns.items()} for j in idx]


# ------------------------------------------------------------------ one seed's world

@dataclass
class Outcome:
    """What a run to the programme's end shows, by leader id: strong cross-organisation ties at the
    end, and system-first choices and chances to make one over the programme; issues and successes."""

    cross: np.ndarray
    contributed: np.ndarray
    represented: np.ndarray
    issues: int
    successes: int


def _run(model, weeks: int) -> Outcome:
    n = model.state.leaders.next_id
    contributed = np.zeros(n + 64, np.int64)
    represented = np.zeros(n + 64, np.int64)
    issues = successes = 0
    for _ in range(weeks):
        model.step()
        week, ids = model.state.last_week, model.state.leaders.ids
        reps = np.asarray(week.representatives).ravel()
        if reps.size:
            who = ids[reps]
            if who.max() >= represented.size:
                grow = who.max() + 64 - represented.size
                represented, contributed = np.pad(represented, (0, grow)), np.pad(contributed, (0, grow))
            np.add.at(represented, who, 1)
            np.add.at(contributed, who, np.asarray(week.contributed).ravel().astype(np.int64))
        issues += int(np.asarray(week.success).size)
        successes += int(np.asarray(week.success).sum())
    leaders, t = model.state.leaders, model.state.ties
    strong = (t.w >= model.params.strong_tie) & t.cross
    cross = np.zeros(max(leaders.next_id, represented.size), float)
    np.add.at(cross, leaders.ids[t.u[strong]], 1.0)
    np.add.at(cross, leaders.ids[t.v[strong]], 1.0)
    size = max(cross.size, represented.size)
    return Outcome(np.pad(cross, (0, size - cross.size)), np.pad(contributed, (0, size - contributed.size)),
                   np.pad(represented, (0, size - represented.size)), issues, successes)


@dataclass
class World:
    """One seed with its parameter draw: the configuration, the shared burn-in and the run without
    the programme."""

    seed: int
    theta: dict
    config: CheckedConfig
    burn_in: Any
    baseline: Outcome
    week0: Any = field(repr=False, default=None)
    """The state at week 0 (the first world's: the rules' cohorts and the features are read there)."""


def _programme(config: CheckedConfig):
    return config.interventions["leadership_programme"]


@single_threaded
def make_world(config: CheckedConfig, seed: int, theta: dict, size: int, keep_state: bool = False) -> World:
    c = apply_overrides(config, theta) if theta else config
    programme = _programme(c)
    # the burn-in of a run that marks a named cohort: nobody leaves in it (sim.model), so any named cohort
    # evaluated from it finds its people at week 0
    labels = c.partnership.person_labels
    eligible = eligible_ids(c)
    cf = programme.named([labels[i] for i in eligible[:size]]).counterfactual()
    spec = c.spec.replace(interventions={"leadership_programme": cf})
    weeks = c.programme_end
    model = spec.model(seed, weeks=weeks, survey=False, observe=False, keep_burn_in=True)
    state = model.state.snapshot() if keep_state else None
    return World(seed, theta, c, model.burn_in_state, _run(model, weeks), state)


def eligible_ids(config: CheckedConfig) -> np.ndarray:
    """Integer ids of the people who may take part (the programme's eligible roles)."""
    programme = _programme(config)
    codes = [ROLES.index(r) for r in programme.eligible_roles]
    roles = np.concatenate([np.repeat(np.arange(len(ROLES)), [o.leaders[r] for r in ROLES])
                            for o in config.partnership.organisations])
    return np.flatnonzero(np.isin(roles, codes))


@single_threaded
def evaluate(world: World, cohort: np.ndarray | None, rule: str | None = None, size: int = 0) -> dict:
    """One cohort (integer ids; or a rule applied on this world's network) on one world: the three
    objectives as effects, and each participant's own gain in strong cross-organisation ties."""
    c = world.config
    programme = _programme(c)
    if rule is not None:
        settings = programme.replace(cohort_size=size, selection=rule)
    else:
        labels = c.partnership.person_labels
        settings = programme.named([labels[i] for i in cohort])
    spec = c.spec.replace(interventions={"leadership_programme": settings})
    model = spec.model(world.seed, weeks=c.programme_end, survey=False, observe=False, start_state=world.burn_in)
    members = np.sort(model.state.leaders.ids[model.state.leaders.participant])
    out = _run(model, c.programme_end)
    base = world.baseline
    n = max(out.cross.size, base.cross.size)
    pad = lambda a: np.pad(a, (0, n - a.size))  # noqa: E731
    gain = pad(out.cross)[members] - pad(base.cross)[members]
    others = np.ones(n, bool)
    others[members] = False
    def share(o):  # noqa: E306
        rep = pad(o.represented)[others]
        return pad(o.contributed)[others].sum() / max(rep.sum(), 1)
    issue = (out.successes / max(out.issues, 1)) - (base.successes / max(base.issues, 1))
    return {"relationships": float(gain.mean()) if gain.size else 0.0, "issue_success": float(issue),
            "system_first_others": float(share(out) - share(base)), "members": members, "gains": gain}


def objective_value(values: dict, objective: str, weights: dict) -> float:
    if objective != "mix":
        return values[objective]
    return sum(float(w) * values[k] for k, w in weights.items())


# ------------------------------------------------------------------ the search

@dataclass
class Search:
    config: CheckedConfig
    objective: str
    weights: dict
    size: int
    worlds: list[World]
    eligible: np.ndarray
    log: list = field(default_factory=list)
    gain_sum: np.ndarray = None
    gain_sq: np.ndarray = None
    gain_n: np.ndarray = None
    swaps: list = field(default_factory=list)
    """Each swap's paired differences (per objective): for the noise table."""

    def __post_init__(self):
        n = self.config.partnership.n_leaders
        self.gain_sum, self.gain_sq, self.gain_n = np.zeros(n), np.zeros(n), np.zeros(n)

    confirm: list[World] = field(default_factory=list)
    """A second set of worlds on which a swap that improved the objective must improve it again before
    it is kept (so a swap is not kept for the search seeds' chance events)."""

    def run(self, cohort: np.ndarray | None, label: str, rule: str | None = None, confirm: bool = False) -> dict:
        """Evaluate a cohort on every search world (or confirmation world); log it and learn participants'
        gains."""
        per = [evaluate(w, cohort, rule, self.size) for w in (self.confirm if confirm else self.worlds)]
        values = {k: np.array([p[k] for p in per]) for k in ("relationships", "issue_success", "system_first_others")}
        values["objective"] = np.array([objective_value({k: p[k] for k in values}, self.objective, self.weights)
                                        for p in per])
        for p in per:
            m = p["members"][p["members"] < self.gain_n.size]
            g = p["gains"][:m.size]
            np.add.at(self.gain_sum, m, g)
            np.add.at(self.gain_sq, m, g * g)
            np.add.at(self.gain_n, m, 1)
        members = per[0]["members"] if cohort is None else np.sort(cohort)
        self.log.append({"step": len(self.log), "cohort": label, "objective": float(values["objective"].mean()),
                         **{k: float(v.mean()) for k, v in values.items() if k != "objective"}})
        return {"members": members, "values": values}

    def estimates(self) -> tuple[np.ndarray, np.ndarray]:
        n = np.maximum(self.gain_n, 1)
        mean = self.gain_sum / n
        var = np.maximum(self.gain_sq / n - mean ** 2, 0.0)
        mean = np.where(self.gain_n > 0, mean, np.nan)
        return mean, np.sqrt(var / n)


def _paired(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    d = np.asarray(a, float) - np.asarray(b, float)
    se = d.std(ddof=1) / math.sqrt(d.size) if d.size > 1 else math.inf
    return float(d.mean()), float(se)


def search(config: CheckedConfig, worlds: list[World], progress=None, confirm: list[World] | None = None
           ) -> tuple[np.ndarray, dict, Search]:
    """The search of the module's docstring; returns (recommended cohort, best rule's cohort and name, the
    search's record). `confirm`: the worlds a swap must also improve on (default: none)."""
    cs = config.cohort
    eligible = eligible_ids(config)
    s = Search(config, cs.objective, dict(cs.weights or {}), cs.size, worlds, eligible, confirm=list(confirm or []))
    budget = cs.budget
    tick = progress or (lambda *a: None)
    # 1. the rules, each chosen once on the first world's week-0 network
    rules = {}
    for rule in RULES:
        if budget <= 0:
            break
        # the rule's cohort chosen on the first world's week-0 network, evaluated as a fixed cohort on every world
        members = evaluate(worlds[0], None, rule, cs.size)["members"]
        rules[rule] = s.run(members, f"rule: {rule}")
        budget -= 1
        tick(1)
    best_rule = max(rules, key=lambda r: rules[r]["values"]["objective"].mean())
    current = rules[best_rule]
    current_confirm = None
    # 2. screening: random cohorts, for each person's own gain
    rng = np.random.default_rng(np.random.SeedSequence(cs.seed, spawn_key=(4,)))
    for k in range(min(cs.screening, max(budget - 1, 0))):
        s.run(np.sort(rng.choice(eligible, cs.size, replace=False)), f"screening {k + 1}")
        budget -= 1
        tick(1)
    # 3. swaps, lazily: the weakest participant out, the most promising outsider in
    tried: set[tuple[int, int]] = set()
    while budget > 0:
        mean, se = s.estimates()
        members = current["members"]
        inside = members[np.argsort(np.nan_to_num(mean[members], nan=np.inf), kind="stable")]
        outside = np.setdiff1d(eligible, members)
        prior = np.nanmean(mean[eligible]) if np.isfinite(mean[eligible]).any() else 0.0
        optimistic = np.where(np.isfinite(mean[outside]), mean[outside] + se[outside], prior + 1.0)
        ranked = outside[np.argsort(-optimistic, kind="stable")]
        pair = next(((int(o), int(i)) for o in inside[:20] for i in ranked[:60] if (int(o), int(i)) not in tried), None)
        if pair is None:
            break
        tried.add(pair)
        out_, in_ = pair
        candidate = np.sort(np.append(members[members != out_], in_))
        trial = s.run(candidate, f"swap {out_}->{in_}")
        budget -= 1
        tick(1)
        d, se_d = _paired(trial["values"]["objective"], current["values"]["objective"])
        s.swaps.append({k: _paired(trial["values"][k], current["values"][k])
                        for k in ("relationships", "issue_success", "system_first_others")})
        if d > 0 and d > se_d:
            if s.confirm and budget > 0:  # again, on seeds the proposal has not been judged on
                if current_confirm is None:
                    current_confirm = s.run(members, "current (confirmation seeds)", confirm=True)
                    budget -= 1
                check = s.run(candidate, f"confirm {out_}->{in_}", confirm=True)
                budget -= 1
                tick(1)
                d2, se2 = _paired(check["values"]["objective"], current_confirm["values"]["objective"])
                if not (d2 > 0 and d2 > se2):
                    continue
                current_confirm = check
            current = trial
            s.log[-1]["accepted"] = True
    return current["members"], {"rule": best_rule, "members": rules[best_rule]["members"]}, s


def noise_table(s: Search) -> pd.DataFrame:
    """Per objective: how far one swap moved it (median absolute paired difference) against the standard
    error of that difference over the search's seeds, and whether it can be optimised person by person."""
    rows = []
    for k in ("relationships", "issue_success", "system_first_others"):
        pairs = [sw[k] for sw in s.swaps if np.isfinite(sw[k][1])]
        if not pairs:
            rows.append({"objective": k, "swaps": 0, "median_swap_effect": math.nan, "median_se": math.nan,
                         "median_t": math.nan, "optimisable_person_by_person": None})
            continue
        eff = np.array([abs(p[0]) for p in pairs])
        se = np.array([p[1] for p in pairs])
        e, u = float(np.median(eff)), float(np.median(se))
        t = e / u if u > 0 else (math.inf if e > 0 else 0.0)
        rows.append({"objective": k, "swaps": len(pairs), "median_swap_effect": e, "median_se": u, "median_t": t,
                     "optimisable_person_by_person": bool(e > 0 and t >= 1)})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ fresh evaluation

def fresh_evaluation(config: CheckedConfig, recommended: np.ndarray, start: dict, seeds: list[int],
                     thetas: list[dict], workers: int = 1, progress=None) -> pd.DataFrame:
    """Every arm on every fresh world: objective values per replicate (tidy)."""
    from experiments.running.workers import parallel_map

    tasks = ((config, seed, theta, recommended, start["members"]) for seed, theta in zip(seeds, thetas))
    rows = []
    for r, out in enumerate(parallel_map(_fresh_one, tasks, workers)):
        for arm, values in out.items():
            rows.append({"replicate": r, "arm": arm, **values})
        if progress:
            progress(1)
    return pd.DataFrame(rows)


@single_threaded
def _fresh_one(config: CheckedConfig, seed: int, theta: dict, recommended: np.ndarray, start: np.ndarray) -> dict:
    cs = config.cohort
    world = make_world(config, seed, theta, cs.size)
    arms = {"recommended": evaluate(world, recommended), "best rule (as the search started)": evaluate(world, start)}
    for rule in COMPARED:
        arms[rule] = evaluate(world, None, rule, cs.size)
    weights = dict(cs.weights or {})
    return {arm: {"relationships": v["relationships"], "issue_success": v["issue_success"],
                  "system_first_others": v["system_first_others"],
                  "objective": objective_value(v, cs.objective, weights)} for arm, v in arms.items()}


def comparison(fresh: pd.DataFrame) -> pd.DataFrame:
    """Each arm's objective with its 95% interval, and the recommended cohort minus each arm, paired by
    replicate, with its 95% interval."""
    wide = fresh.pivot(index="replicate", columns="arm", values="objective")
    rows = []
    for arm in wide.columns:
        m, lo, hi = mean_interval(wide[arm].to_numpy())
        if arm == "recommended":
            d = (math.nan,) * 3
        else:
            d = mean_interval((wide["recommended"] - wide[arm]).to_numpy())
        rows.append({"arm": arm, "objective": m, "low": lo, "high": hi, "recommended_minus_arm": d[0],
                     "difference_low": d[1], "difference_high": d[2], "replicates": int(wide[arm].notna().sum())})
    order = ["recommended", "best rule (as the search started)", *COMPARED]
    out = pd.DataFrame(rows).set_index("arm").loc[[a for a in order if a in wide.columns]].reset_index()
    for k in ("relationships", "issue_success", "system_first_others"):
        means = fresh.groupby("arm")[k].mean()
        out[f"{k}_mean"] = out["arm"].map(means)
    return out


# ------------------------------------------------------------------ features, in plain words

def features(config: CheckedConfig, state, cohort: np.ndarray, gains: np.ndarray) -> pd.DataFrame:
    """Each recommended person's descriptive features at week 0 (of the first search world): their
    organisation and role, the organisations they already bridge with strong ties, their strong ties
    inside and across organisations, their brokerage rank (Burt's constraint, lowest first), and the new
    relationships the search saw them gain on the programme. Features, not causes."""
    import networkx as nx

    p = config.partnership
    leaders, t = state.leaders, state.ties
    names = state.organisations.names
    strong = t.w >= config.behaviour.strong_tie
    slot_of = leaders.slots_of(cohort)
    g = nx.Graph()
    g.add_nodes_from(range(leaders.n))
    g.add_weighted_edges_from(zip(t.u.tolist(), t.v.tolist(), t.w.tolist()))
    constraint = nx.constraint(g, weight="weight")
    eligible_slots = leaders.slots_of(eligible_ids(config))
    ranked = sorted(eligible_slots.tolist(), key=lambda s_: (np.nan_to_num(constraint[s_], nan=np.inf), s_))
    rank = {s_: k + 1 for k, s_ in enumerate(ranked)}
    rows = []
    for leader, slot in zip(cohort.tolist(), slot_of.tolist()):
        mine = (t.u == slot) | (t.v == slot)
        other = np.where(t.u[mine] == slot, t.v[mine], t.u[mine])
        s_mine = strong[mine]
        across = other[s_mine & t.cross[mine]]
        inside = int((s_mine & ~t.cross[mine]).sum())
        bridged = sorted({names[leaders.org[o]] for o in across})
        org, role = names[leaders.org[slot]], ROLES[leaders.role[slot]].replace("_", " ")
        gain = gains[leader] if leader < gains.size and np.isfinite(gains[leader]) else math.nan
        words = (f"{role} at {org}; " + (f"already has strong ties with {', '.join(bridged)}" if bridged
                                         else "no strong tie across organisations yet")
                 + f"; {inside} strong ties inside {org}; brokerage rank {rank.get(slot, '-')} of {len(rank)}"
                 + (f"; gained {gain:+.1f} strong cross-organisation ties on the programme in the search's runs"
                    if np.isfinite(gain) else ""))
        rows.append({"id": p.public_label(p.label_of(leader)), "organisation": org, "role": role,
                     "feature_organisations_already_bridged": "; ".join(bridged),
                     "feature_strong_ties_across": int(across.size), "feature_strong_ties_inside": inside,
                     "feature_brokerage_rank": rank.get(slot), "feature_new_ties_in_search_runs": round(gain, 3),
                     "features_in_words (descriptive, not causes)": words})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ the summary

def summary_text(config: CheckedConfig, table: pd.DataFrame, noise: pd.DataFrame, start: dict, s: Search,
                 seconds: float, bw_ms: float) -> str:
    cs = config.cohort
    unit = OBJECTIVE_UNITS.get(cs.objective, "units of the weighted mix")
    t = table.set_index("arm")
    rec = t.loc["recommended"]
    lines = [f"# A recommended cohort of {cs.size} for {config.partnership.name}", "",
             f"Objective: {OBJECTIVE_WORDS[cs.objective]}"
             + (f", weights {dict(cs.weights)}" if cs.objective == "mix" else "") + f" ({unit}).",
             f"Search: {len(s.log)} cohorts evaluated on {len(s.worlds)} seeds with common random numbers (a swap "
             f"kept only if it also improved on {len(s.confirm)} confirmation seeds), starting "
             f"from the best rule ({start['rule']}); evaluated afterwards on {int(rec['replicates'])} fresh seeds, "
             "each with its own parameter draw from the calibration's posterior.", "",
             f"On the fresh seeds the recommended cohort gives {rec['objective']:+.3f} [{rec['low']:+.3f}, "
             f"{rec['high']:+.3f}] ({unit}; 95% interval).", ""]
    for arm in [a for a in t.index if a != "recommended"]:
        r = t.loc[arm]
        verdict = ("better" if r["difference_low"] > 0 else "worse" if r["difference_high"] < 0
                   else "not distinguishable")
        lines.append(f"- against {arm}: {r['recommended_minus_arm']:+.3f} [{r['difference_low']:+.3f}, "
                     f"{r['difference_high']:+.3f}]: {verdict}")
    best = t.loc["best rule (as the search started)"]
    lines.append("")
    beaten = [a for a in COMPARED if a in t.index and t.loc[a, "difference_high"] < 0]
    if config.network is None:
        lines.append("Without a measured network (network_file), every simulated future starts from its own "
                     "synthetic network, so a named cohort cannot be chosen for where people sit in it"
                     + (f": {', '.join(beaten)} selection, applied to each future's own network, does better. "
                        if beaten else ". ")
                     + "Give your network survey for a recommendation of people.")
        lines.append("")
    if not best["difference_low"] > 0:
        lines.append(f"The search found no gain over the best rule-based cohort ({start['rule']} selection) that "
                     "holds on fresh seeds: choosing by that rule does as well, as far as this model can tell.")
    else:
        lines.append(f"The recommended cohort beats the best rule-based cohort ({start['rule']} selection) on fresh "
                     "seeds.")
    lines += ["", "Which objectives can be optimised person by person at this budget (one swap's effect against "
              "its standard error over the search's seeds):"]
    for _, r in noise.iterrows():
        if r["swaps"] == 0:
            lines.append(f"- {r['objective']}: no swap was tried")
            continue
        if not r["median_swap_effect"] > 0:
            lines.append(f"- {r['objective']}: no swap moved it in the search's runs: it cannot be optimised person "
                         "by person")
            continue
        words = ("can be" if r["optimisable_person_by_person"] else "is too noisy to be")
        lines.append(f"- {r['objective']}: one swap moves it by about {r['median_swap_effect']:.2g} against a "
                     f"standard error of {r['median_se']:.2g}: it {words} optimised person by person")
    lines += ["", "The features in cohort.csv describe the people; they are not reasons or causes. Every figure is "
              "the model's, under its assumptions (docs/ODD.md), for one partnership as described.", "",
              f"Time: {seconds:.0f} s for the search and the evaluation; BoltzmannWealth(250, 104) took "
              f"{bw_ms:.0f} ms in the same run, so at 100 ms this would take about {seconds * 100 / bw_ms:.0f} s."]
    return "\n".join(lines) + "\n"


def boltzmann_ms(repeats: int = 3) -> float:
    """BoltzmannWealth(250 agents, 104 steps), median milliseconds (the project's speed yardstick)."""
    from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth

    times = []
    for seed in range(repeats + 1):
        t0 = time.perf_counter()
        BoltzmannWealth(BoltzmannScenario(n=250, width=10, height=10, rng=seed)).run_for(104)
        times.append(time.perf_counter() - t0)
    return 1000 * float(np.median(times[1:]))


def check(config: CheckedConfig) -> None:
    """What the search needs of the configuration: a leadership programme, and a cohort size the
    partnership's eligible people admit (the programme's own rule, `check_feasible`)."""
    if "leadership_programme" not in config.interventions:
        raise ConfigError("intervention=none: the cohort search needs a leadership programme "
                          "(intervention=leadership_programme)")
    programme = _programme(config)
    if programme.cohort_people:
        raise ConfigError(f"intervention.leadership_programme.cohort_file={programme.cohort_file!r}: the cohort "
                          "search chooses the cohort; leave cohort_file unset")
    try:
        programme.replace(cohort_size=config.cohort.size).check_feasible(config.partnership, config.run.weeks,
                                                                         "intervention.leadership_programme")
    except ConfigError as exc:
        raise ConfigError(str(exc).replace("intervention.leadership_programme.cohort_size", "cohort.size")) from None
    if config.cohort.objective == "mix":
        bad = [k for k in (config.cohort.weights or {}) if k not in OBJECTIVE_UNITS]
        if bad or not config.cohort.weights:
            raise ConfigError(f"cohort.weights={dict(config.cohort.weights or {})!r}: give weights of "
                              f"{', '.join(OBJECTIVE_UNITS)} for objective=mix")
    posterior_draws(config.cohort.posterior, 1, np.random.default_rng(0))


__all__ = ["search", "fresh_evaluation", "comparison", "features", "noise_table", "summary_text", "make_world",
           "posterior_draws", "check", "boltzmann_ms"]
