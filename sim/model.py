"""CollaborationModel: senior leaders of a partnership, one week per step.

The state the weekly rules touch lives in numpy arrays (`Leaders` over leaders,
`TieTable` over ties, two K x K evidence tables for inter-organisational trust),
so a week costs time in proportion to leaders plus ties. Each leader is also a
Mesa agent (`sim.agents.Leader`), the user-facing view of those arrays.

Order of a week (see docs/ODD.md, process overview):
  0. interventions act on their schedule
  1. meetings          (sim.meetings)
  2. collective issues (sim.issues)
  3. perception        (sim.perception)
  4. trust             (sim.trust)
  5. orientation       (sim.orientation)
  6. ties              (sim.ties)
  7. efficacy, sight   (sim.efficacy)
  8. observation       (sim.metrics, DataCollector)
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from sim import efficacy as eff_mod
from sim import issues as iss
from sim import meetings as meet
from sim import orientation as ori
from sim import ties as ties_mod
from sim import trust as tr
from sim.agents import Leader
from sim.initialisation import (build_forums, build_leaders, build_organisations, initial_ties)
from sim.interventions import build_interventions
from sim.metrics import (GROUP_METRICS, GROUPS, METRICS, cross_trust, group_metrics, interorg_trust,
                          tie_metrics, window_share)
from sim.params import BehaviourParams, ConfigError
from sim.perception import perceive
from sim.scenario import Partnership, load_partnership
from sim.survey import Survey, SurveyParams

STREAMS = ("setup", "meetings", "issues", "perception", "interventions", "survey")
"""Independent random streams, so that a change in one process (say, extra
meetings from an intervention) leaves the draws of the others unchanged:
common random numbers across scenarios run with the same seed."""

WINDOW = 4
"""Weeks over which choice and success rates are averaged."""


@dataclass
class WeekRecord:
    """What happened in the current week (for interventions, surveys and tests)."""

    conversations: tuple[np.ndarray, np.ndarray]
    reps: np.ndarray
    contributed: np.ndarray
    success: np.ndarray


class CollaborationModel(mesa.Model):
    """Leaders in a partnership of organisations; one step is one week.

    Args:
        scenario: a built-in scenario name (`"bnssg"`, `"small"`), a YAML path,
            a mapping, or a `Partnership` (e.g. from `sim.synthetic_partnership`).
        n_weeks: the model stops (``running = False``) after this many weeks.
        behaviour: a `BehaviourParams`; individual fields can also be passed as
            keyword arguments, which take precedence (so Mesa's `batch_run` can
            sweep them).
        burn_in_weeks: weeks the rules run before week 0, without interventions
            or records, so that week 0 is the model's own quasi-stationary
            network rather than the scenario's rough starting guess.
        interventions: objects with ``setup(model)`` (called once after the
            burn-in) and ``apply(model)`` (called at the start of every week), or
            a mapping {name: settings} of registered interventions
            (`sim.interventions`).
        survey: `SurveyParams` (or a mapping, or True for the defaults) to run
            the survey instrument; None for no survey.
        rng: seed (int or `numpy.random.SeedSequence`) or Generator.
        start_state: a `burn_in_state` from another model of the same scenario
            and parameters: start from it instead of building and burning in
            (the two arms of a paired comparison then share their burn-in).
        keep_burn_in: keep a copy of the state after the burn-in as
            ``self.burn_in_state``.
    """

    def __init__(self, scenario: str | Path | dict | Partnership = "bnssg", *, n_weeks: int = 104,
                 burn_in_weeks: int = 104, behaviour: BehaviourParams | dict | None = None,
                 interventions=(), survey: SurveyParams | dict | bool | None = None,
                 rng: Any = None, start_state: dict | None = None, keep_burn_in: bool = False,
                 **params: Any):
        super().__init__(rng=rng)
        base = asdict(behaviour) if isinstance(behaviour, BehaviourParams) else dict(behaviour or {})
        self.params = BehaviourParams.from_dict({**base, **params})
        self.partnership = load_partnership(scenario)
        for name, value, low in (("n_weeks", n_weeks, 1), ("burn_in_weeks", burn_in_weeks, 0)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
                raise ConfigError(f"{name}={value!r}: must be a whole number >= {low}")
        self.n_weeks = int(n_weeks)
        self.burn_in_weeks = int(burn_in_weeks)
        p = self.params
        if p.orgs_per_issue > self.partnership.n_organisations:
            raise ConfigError(f"behaviour.orgs_per_issue={p.orgs_per_issue}: more than the "
                              f"scenario's {self.partnership.n_organisations} organisations")

        # independent streams from one SeedSequence (common random numbers)
        if isinstance(rng, np.random.SeedSequence):
            root = rng
        elif isinstance(rng, (int, np.integer)):
            root = np.random.SeedSequence(int(rng))
        else:
            root = np.random.SeedSequence(int(self.rng.integers(2**63)))
        self.seed_sequence = root
        self.streams = dict(zip(STREAMS, (np.random.default_rng(c) for c in root.spawn(len(STREAMS)))))

        if isinstance(interventions, dict):
            interventions = build_interventions(interventions)
        self.interventions = list(interventions)
        if start_state is not None:
            self._restore(start_state)
        else:
            self._build_and_burn_in()
        if keep_burn_in:
            self.burn_in_state = self._snapshot()

        for intervention in self.interventions:
            intervention.setup(self)
        self.has_cohort = bool(self.leaders.participant.any())
        if survey is True:
            survey = SurveyParams()
        elif isinstance(survey, dict):
            survey = SurveyParams.from_dict(survey)
        self.survey = Survey(survey) if survey else None
        if self.survey is not None:
            self.survey.setup(self)

        Leader.create_agents(self, self.leaders.n, index=np.arange(self.leaders.n))
        names = list(METRICS)
        if self.has_cohort:
            names += [f"{m}_{g}" for g in GROUPS for m in GROUP_METRICS]
        self.metrics: dict[str, float] = {k: 0.0 for k in ("system_first_share", "issue_success_rate",
                                                          "system_first_participants", "system_first_others")}
        self.datacollector = mesa.DataCollector(model_reporters={name: _metric_reporter(name) for name in names})
        self.running = True
        self.observe()
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ set-up
    _STATE = ("organisations", "leaders", "forums", "ties", "org_r", "org_s", "org_prior", "streams",
              "_window", "week_record", "_extra", "clock")

    def _build_and_burn_in(self) -> None:
        """Initialisation (sim.initialisation), then the burn-in weeks."""
        p = self.params
        setup = self.streams["setup"]
        self.organisations = build_organisations(self.partnership, p.pressure_scale)
        self.leaders = build_leaders(self.partnership, self.organisations, p, setup)
        self.forums = build_forums(self.partnership, self.organisations, self.leaders, setup)
        self.ties = initial_ties(self.partnership, self.organisations, self.leaders, self.forums, p, setup)
        k = self.organisations.n
        self.org_r = np.zeros((k, k))
        self.org_s = np.zeros((k, k))
        self.org_prior = 0.5 * (p.trust_propensity_low + p.trust_propensity_high)
        self._window = {k: np.zeros(WINDOW) for k in
                        ("decisions", "contributions", "issues", "successes", "decisions_participants",
                         "contributions_participants", "decisions_others", "contributions_others")}
        self.week_record = WeekRecord((np.zeros(0, np.int64),) * 2, np.zeros((0, p.orgs_per_issue), np.int64),
                                      np.zeros((0, p.orgs_per_issue), bool), np.zeros(0, bool))
        self._extra: list[tuple[np.ndarray, np.ndarray]] = []
        self.clock = 0
        """Weeks simulated in all, burn-in included (drives meeting schedules)."""
        self.refresh_structure(first=True)
        for _ in range(self.burn_in_weeks):
            self.advance()

    def _snapshot(self) -> dict:
        return copy.deepcopy({"params": self.params, "partnership": self.partnership,
                              "burn_in_weeks": self.burn_in_weeks,
                              **{k: getattr(self, k) for k in self._STATE}})

    def _restore(self, state: dict) -> None:
        for key in ("params", "partnership", "burn_in_weeks"):
            if state[key] != getattr(self, key):
                raise ConfigError(f"start_state: its {key} differs from this model's")
        state = copy.deepcopy(state)
        for k in self._STATE:
            setattr(self, k, state[k])

    # ------------------------------------------------------------------ week
    @property
    def week(self) -> int:
        """Weeks completed (0 before the first step)."""
        return self.steps

    def step(self) -> None:
        """One week: interventions, then the weekly processes, then observation."""
        for intervention in self.interventions:
            intervention.apply(self)
        self.advance()
        self.observe()
        self.datacollector.collect(self)
        if self.survey is not None:
            self.survey.observe(self)
        if self.steps >= self.n_weeks:
            self.running = False

    def advance(self) -> None:
        """The weekly processes 1-7 in their fixed order."""
        self.clock += 1
        conversations = self.meet()
        reps, rep_orgs = iss.draw_issues(self.streams["issues"], self.params.issue_rate,
                                         self.params.orgs_per_issue, self.organisations.start,
                                         self.organisations.size)
        # one tie-table insertion per week: conversations and issue co-working both create ties
        ia, ib = _ordered_pairs(reps)
        rows, cols = self.ties.ensure(np.concatenate([conversations[0], ia]),
                                      np.concatenate([conversations[1], ib]), self.params.strong_tie)
        n_conv = conversations[0].size
        conv_rows, conv_cols = rows[:n_conv], cols[:n_conv]
        iss_rows, iss_cols = rows[n_conv:], cols[n_conv:]

        contributed, success = self.decide(reps, rep_orgs, ia, ib, iss_rows, iss_cols)
        self.learn_trust(reps, contributed, ia, ib, iss_rows, iss_cols, conversations, conv_rows, conv_cols)
        self.update_orientation(reps, contributed, success)
        self.update_ties(np.concatenate([conv_rows, iss_rows]))
        self.update_efficacy(reps, contributed, success)
        self.week_record = WeekRecord(conversations, reps, contributed, success)

    # ------------------------------------------------------------------ submodels
    def meet(self) -> tuple[np.ndarray, np.ndarray]:
        """1. Meetings: forum conversations, tie use, introductions, chance encounters."""
        p, rng, org = self.params, self.streams["meetings"], self.leaders.org
        fa, fb = meet.forum_conversations(rng, self.forums, self.clock, org, p.forum_attendance,
                                          p.forum_contacts, p.homophily)
        used = meet.tie_use(rng, self.ties.w, p.tie_use_rate)
        indptr, nbrs = self.ties.neighbours()
        ta, tb = meet.introductions(rng, indptr, nbrs, p.triadic_rate, org, p.homophily)
        ea, eb = meet.encounters(rng, self.leaders.n, p.random_encounter_rate, org, p.homophily)
        extra_a = [a for a, _ in self._extra]
        extra_b = [b for _, b in self._extra]
        self._extra = []
        return (np.concatenate([fa, self.ties.u[used], ta, ea, *extra_a]).astype(np.int64),
                np.concatenate([fb, self.ties.v[used], tb, eb, *extra_b]).astype(np.int64))

    def add_conversations(self, a: np.ndarray, b: np.ndarray) -> None:
        """Conversations from interventions; they join this week's meetings."""
        a, b = np.asarray(a, np.int64), np.asarray(b, np.int64)
        keep = a != b
        self._extra.append((a[keep], b[keep]))

    def trust_in(self, a: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Interpersonal trust of leaders a in their partners on the given tie rows/columns."""
        return tr.trust_value(self.ties.r[rows, cols], self.ties.s[rows, cols], self.leaders.propensity[a])

    def decide(self, reps, rep_orgs, ia, ib, rows, cols):
        """2. Collective issues: expected partner contribution, logit choice, outcome."""
        p, L = self.params, self.leaders
        k = p.orgs_per_issue
        oa, ob = L.org[ia], L.org[ib]
        personal = self.trust_in(ia, rows, cols)
        organisational = tr.trust_value(self.org_r[oa, ob], self.org_s[oa, ob], L.propensity[ia])
        expected = p.interpersonal_weight * personal + (1 - p.interpersonal_weight) * organisational
        q = expected.reshape(reps.shape[0], k, k - 1).mean(axis=2)
        p_success = iss.success_probability(q, k - 1, p.issue_threshold - 1)
        cost = iss.statutory_cost(p.contribution_cost, self.organisations.pressure[rep_orgs],
                                  L.risk_appetite[reps])
        du = iss.utility_gain(L.s[reps], p.system_benefit, p_success, cost)
        prob = iss.choice_probability(du, p.logit_beta)
        contributed = self.streams["issues"].random(reps.shape) < prob
        success = iss.outcomes(contributed, p.issue_threshold)
        return contributed, success

    def learn_trust(self, reps, contributed, ia, ib, iss_rows, iss_cols, conversations, conv_rows, conv_cols):
        """3-4. Perception of partners' actions and conduct, then trust updates."""
        p, L, rng = self.params, self.leaders, self.streams["perception"]
        ties = self.ties
        if reps.size:
            k = p.orgs_per_issue
            actual = _partner_values(contributed.astype(float), k)
            seen = perceive(rng, actual, L.listening[ia], p.perception_noise)
            gain = tr.listening_gain(L.listening[ib], p.listening_trust_gain)
            tr.apply_observations(ties.r, ties.s, iss_rows, iss_cols, seen, 1.0, p.trust_forgetting,
                                  p.loss_aversion, gain)
            tr.apply_observations(self.org_r, self.org_s, L.org[ia], L.org[ib], seen, 1.0,
                                  p.trust_forgetting, p.loss_aversion)
        # cross-organisation conversations: each side sees the other's conduct, (1 + s) / 2: a
        # system-minded leader is open about constraints and needs, an organisation-first one guarded
        a, b = conversations
        cross = L.org[a] != L.org[b]
        if p.meeting_evidence > 0 and cross.any():
            a, b = a[cross], b[cross]
            rows, cols = conv_rows[cross], conv_cols[cross]
            obs_a = np.concatenate([a, b])
            obs_b = np.concatenate([b, a])
            seen = perceive(rng, 0.5 * (1.0 + L.s[obs_b]), L.listening[obs_a], p.perception_noise)
            gain = tr.listening_gain(L.listening[obs_b], p.listening_trust_gain)
            tr.apply_observations(ties.r, ties.s, np.concatenate([rows, rows]), np.concatenate([cols, 1 - cols]), seen,
                                  p.meeting_evidence, p.trust_forgetting, p.loss_aversion, gain)

    def update_orientation(self, reps, contributed, success):
        """5. Friedkin-Johnsen step towards the anchor-weighted social target, then small wins."""
        p, L, t = self.params, self.leaders, self.ties
        t_uv = tr.trust_value(t.r[:, 0], t.s[:, 0], L.propensity[t.u])
        t_vu = tr.trust_value(t.r[:, 1], t.s[:, 1], L.propensity[t.v])
        anchor = self.organisations.anchor[L.org]
        target = ori.fj_target(L.s, L.susceptibility, anchor, t.u, t.v, t.w * t_uv, t.w * t_vu,
                               p.self_weight, L.system_pull)
        s = ori.step_towards(L.s, target, p.orientation_rate)
        if reps.size:
            who = reps[contributed]
            won = np.broadcast_to(success[:, None], reps.shape)[contributed]
            s = ori.small_wins(s, who, won, p.win_reinforcement, p.failure_discouragement)
        L.s[:] = s

    def update_ties(self, used_rows):
        """6. Growth of used ties, decay of unused ones (bridges fastest), pruning."""
        p, t = self.params, self.ties
        used = np.zeros(len(t), bool)
        used[used_rows] = True
        t.w = ties_mod.update_strength(t.w, used, t.embedded, p.tie_growth, p.bridge_decay,
                                       p.embedded_decay)
        keep = ties_mod.survivors(t.w, p.tie_removal)
        if not keep.all():
            t.keep(keep)
        if self.clock % p.structure_every == 0:
            self.refresh_structure()

    def refresh_structure(self, first: bool = False):
        """Embeddedness of ties and each leader's reach (drives bridge decay and system sight)."""
        p, L = self.params, self.leaders
        self.ties.embedded = self.ties.common_neighbours(p.strong_tie) > 0
        reach = eff_mod.organisation_reach(self.ties.adjacency(p.strong_tie),
                                           self.ties.adjacency(p.strong_tie, cross_only=True),
                                           L.org, self.organisations.n)
        target = eff_mod.sight_target(reach, L.listening, p.perception_noise, L.sight_bonus)
        L.sight[:] = target if first else eff_mod.update_sight(L.sight, target, p.sight_rate)

    def update_efficacy(self, reps, contributed, success):
        """7. Efficacy from the outcomes of issues a leader contributed to."""
        if reps.size:
            who = reps[contributed]
            won = np.broadcast_to(success[:, None], reps.shape)[contributed]
            self.leaders.efficacy[:] = eff_mod.update_efficacy(self.leaders.efficacy, who, won,
                                                               self.params.efficacy_rate)

    def observe(self):
        """8. Weekly model-level metrics (read by the DataCollector)."""
        L, rec, w = self.leaders, self.week_record, self._window
        slot = self.week % WINDOW
        w["decisions"][slot] = rec.contributed.size
        w["contributions"][slot] = rec.contributed.sum()
        w["issues"][slot] = rec.success.size
        w["successes"][slot] = rec.success.sum()
        m = self.metrics
        m["system_first_share"] = window_share(w["contributions"], w["decisions"], m["system_first_share"])
        m["issue_success_rate"] = window_share(w["successes"], w["issues"], m["issue_success_rate"])
        m["mean_orientation"] = float(L.s.mean())
        m["interorg_trust"] = interorg_trust(self.org_r, self.org_s, self.org_prior)
        m["mean_listening"] = float(L.listening.mean())
        m["mean_efficacy"] = float(L.efficacy.mean())
        m["mean_system_sight"] = float(L.sight.mean())
        trust = cross_trust(self.ties, L.propensity)
        m.update(tie_metrics(self.ties, L.propensity, self.params.strong_tie, trust))
        if self.has_cohort:
            in_cohort = L.participant[rec.reps]
            masks = {"participants": L.participant, "others": ~L.participant}
            for g, mask in (("participants", in_cohort), ("others", ~in_cohort)):
                w[f"decisions_{g}"][slot] = mask.sum()
                w[f"contributions_{g}"][slot] = (rec.contributed & mask).sum()
                m[f"system_first_{g}"] = window_share(w[f"contributions_{g}"], w[f"decisions_{g}"],
                                                      m[f"system_first_{g}"])
            m.update(group_metrics(self.ties, L, self.params.strong_tie, masks,
                                   {g: m[f"system_first_{g}"] for g in GROUPS}, trust))

    # ------------------------------------------------------------------ helpers for users
    def network(self, min_strength: float = 0.0):
        """The leader network as a networkx Graph (nodes carry organisation and orientation)."""
        import networkx as nx

        g = nx.Graph()
        L = self.leaders
        for i in range(L.n):
            g.add_node(i, organisation=self.organisations.names[L.org[i]], org=int(L.org[i]),
                       orientation=float(L.s[i]), participant=bool(L.participant[i]))
        sel = self.ties.w >= min_strength
        g.add_weighted_edges_from(zip(self.ties.u[sel].tolist(), self.ties.v[sel].tolist(),
                                      self.ties.w[sel].tolist()))
        return g

    def run(self) -> "CollaborationModel":
        """Run until `n_weeks` (what remains of it) and return self."""
        self.run_for(self.n_weeks - self.steps)
        return self


def _metric_reporter(name: str):
    def report(model: CollaborationModel) -> float:
        return model.metrics[name]

    report.__name__ = name
    return report


def _ordered_pairs(reps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All ordered pairs (i, j), i != j, of representatives within each issue, row-major."""
    n_issues, k = reps.shape
    i_idx, j_idx = np.nonzero(~np.eye(k, dtype=bool))
    return reps[:, i_idx].ravel(), reps[:, j_idx].ravel()


def _partner_values(values: np.ndarray, k: int) -> np.ndarray:
    """values[:, j] arranged like `_ordered_pairs`'s second element."""
    _, j_idx = np.nonzero(~np.eye(k, dtype=bool))
    return values[:, j_idx].ravel()
