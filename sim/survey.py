"""Observation (survey): an ordered-probit instrument comparable with a real survey.

Each item maps a leader's state to a five-point Likert answer (Liddell &
Kruschke 2018):

    y* = kappa z + s + e,   e ~ N(0, 1),   answer = 1 + #{cuts below y*},

where z is the item's construct in **fixed units** (below), kappa its loading
and s the response shift (participants only). Everything that places a leader
on an item is a constant of the instrument, not recomputed per run: a cohort of
brokers therefore answers "strong network" more often at baseline than a random
cohort, and two designs, scenarios or sweeps can be compared on the survey.

- **Loading.** kappa = sqrt(rho / (1 - rho)) for every item, rho the single-item
  reliability (`reliability`; Wanous, Reichers & Hudy 1997: minimum reliability
  of single-item measures 0.45-0.69).
- **Constructs, in fixed units** (centre and scale are properties of a stated
  reference population: all eligible leaders, executives and directors, of the
  BNSSG scenario at baseline under the default behaviour, pooled over 400 runs;
  `python -m experiments.survey_reference`):
  - `network`, "I have a strong network in the system": z = (log(1 + total
    strength of one's strong cross-organisation ties) - `network_centre`) /
    `network_scale`; "agree or strongly agree" above `network_agree_cut`, set so
    that 44% of the reference population agree at baseline (the case's
    start-of-programme figure, whose random cohort was a sample of that
    population); the calibration sets it for the calibrated behaviour.
  - `see_system`, "I have improved my ability to see the system" (retrospective,
    asked from the first wave after the start): z = change in system sight since
    wave 0 / `sight_scale` (a fixed unit, so it cannot collapse when the
    population's spread of sight does); symmetric cuts around no change.
  - `influence`, "I can influence the system": z = (efficacy - `efficacy_centre`)
    / `efficacy_scale`; symmetric cuts.
- **Response shift** (participants of a delivered programme): `end_shift` item
  SDs at the programme's last week, halving every `shift_half_life_weeks`, on
  every item; plus `retrospective_shift` on the retrospective item. In latent
  units a shift of d item SDs is d sqrt(1 + kappa^2). Both are priors from the
  literature (docs/ODD.md 7.9, 9), not findings.

Every answer is recorded twice from the same latent noise: as reported, and
**without the response-shift terms** (`response_without_shift`): the same
respondents answering from real change alone. The difference between the two
is the part of a simulated survey effect that is response shift.

A user who has their own baseline figure sets `baseline_agree_network`: the
network cut is then anchored, in that run, so that this share of the cohort
(or of all eligible leaders, `anchor_on: eligible`) agrees at wave 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import ndtr  # the standard normal CDF (scipy.stats is slow to import)

from sim.interventions import Cohort, eligible_leaders, last_weeks, programme_end
from sim.scenario import ROLES
from sim.schema import ConfigError, Settings, choice, choices, number, numbers

ITEMS = {
    "network": "I have a strong network in the system",
    "see_system": "I have improved my ability to see the system",
    "influence": "I can influence the system",
}
CATEGORIES = ("strongly disagree", "disagree", "neither agree nor disagree", "agree", "strongly agree")


@dataclass
class SurveyParams(Settings):
    """Settings of the survey instrument (docs/ODD.md 7.9)."""

    waves: tuple[int, ...] = numbers((), "weeks to survey; empty: 0, each programme's last week, 52 and 104 "
                                     "(within the run)", "the case: start and end of the programme",
                                     low=0, high=1_000_000, integer=True)
    response_rate: float = number(0.85, 0.01, 1.0, "probability that a respondent answers a wave",
                                  "assumed (the case had about 50 of 60 participants answering)")
    comparison_size: Any = number(None, 0, 1_000_000, "non-participants of the respondent roles surveyed for "
                                  "comparison (null: as many as the cohort, 60 without one; all there are if "
                                  "fewer)",
                                  "assumed", integer=True, optional=True)
    respondent_roles: tuple[str, ...] = choices(("executive", "director"), ROLES, "roles of the comparison "
                                                "sample and of the reference population", "the case: executives "
                                                "and directors")
    reliability: float = number(0.6, 0.3, 0.95, "single-item reliability rho; every item's loading is "
                                "sqrt(rho / (1 - rho))",
                                "Wanous, Reichers & Hudy 1997: minimum reliability of single-item measures "
                                "0.45-0.69")
    network_centre: float = number(0.1148, -10, 10, "centre of the network construct log(1 + strong "
                                   "cross-organisation strength) (reference population)",
                                   "computed: python -m experiments.survey_reference")
    network_scale: float = number(0.3527, 0.001, 10, "unit of the network construct: its SD in the reference "
                                  "population", "computed: python -m experiments.survey_reference")
    network_agree_cut: float = number(-0.05652, -10, 10, "latent cut between 'neither' and 'agree' on the network "
                                      "item: 44% of the reference population agree at baseline",
                                      "the case's start figure (44%), on the reference population at the default "
                                      "behaviour (the calibrated behaviour anchors each run's cut instead: "
                                      "baseline_agree_network); python -m experiments.survey_reference")
    efficacy_centre: float = number(0.4807, 0, 1, "centre of the influence construct (efficacy) (reference "
                                    "population)", "computed: python -m experiments.survey_reference")
    efficacy_scale: float = number(0.1409, 0.001, 1, "unit of the influence construct: SD of efficacy in the "
                                   "reference population", "computed: python -m experiments.survey_reference")
    sight_scale: float = number(0.1745, 0.001, 1, "unit of the see-the-system construct (a change in system "
                                "sight): SD of sight in the reference population",
                                "computed: python -m experiments.survey_reference")
    cut_offsets: tuple[float, ...] = numbers((-1.6, -0.6, 0.0, 1.0), "network item cuts relative to the "
                                             "neither|agree cut", "assumed", length=4, increasing=True)
    symmetric_cuts: tuple[float, ...] = numbers((-1.5, -0.5, 0.5, 1.5), "cuts of the see_system and "
                                                "influence items", "assumed", length=4, increasing=True)
    end_shift: float = number(0.3, -2, 3, "participants' response shift at the programme's last week, in item "
                              "SDs (d), on every item",
                              "calibrated (docs/calibration), prior N(0, 0.2): pre-post self-reports of training "
                              "understate change through response shift (Howard 1980; Pratt et al. 2000) and "
                              "trainees' own ratings show the most transfer (Taylor, Russ-Eft & Taylor 2009a); no "
                              "size is published for leadership programmes, so centred on 0, as wide as health-"
                              "outcome recalibration (|d| 0.2-0.3: Sawatzky et al. 2024)")
    shift_half_life_weeks: float = number(26.0, 0.5, 1000, "half-life of the response shift after the "
                                          "programme", "assumed (reactions decay after training: Bezrukova et "
                                          "al. 2016; no rate found); in the sensitivity analysis")
    retrospective_shift: float = number(0.5, -2, 3, "extra inflation of participants' retrospective 'I have "
                                        "improved' answers, in item SDs (d)",
                                        "calibrated (docs/calibration), prior N(0.4, 0.4) truncated at 0: "
                                        "retrospective 'I have improved' answers are inflated (Taylor, Russ-Eft & "
                                        "Taylor 2009b; Hill & Betz 2005; Nolte et al. 2012); no size is published, "
                                        "so a wide prior above 0")
    baseline_agree_network: Any = number(None, 0.001, 0.999, "your own baseline figure: the share agreeing "
                                         "with the network item at wave 0; anchors that item's cut in the run "
                                         "(null: the fixed cut)", "user's survey", optional=True)
    anchor_on: str = choice("cohort", ("cohort", "eligible"), "whom `baseline_agree_network` describes: the "
                            "programme's cohort, or all eligible leaders", "user's survey")

    def check_together(self, prefix: str = "survey") -> None:
        if self.waves and 0 not in self.waves:
            raise ConfigError(f"{prefix}.waves={list(self.waves)}: must include the baseline wave 0")
        default_cut = type(self).__dataclass_fields__["network_agree_cut"].default
        if self.baseline_agree_network is not None and self.network_agree_cut != default_cut:
            raise ConfigError(f"{prefix}.network_agree_cut={self.network_agree_cut:g}: has no effect while "
                              f"{prefix}.baseline_agree_network={self.baseline_agree_network:g} sets each run's cut; "
                              f"set {prefix}.baseline_agree_network=null to use a fixed cut")

    def check_feasible(self, partnership, weeks: int | None, cohorts: Sequence[Cohort] = (),
                       prefix: str = "survey") -> None:
        """Errors for settings that could not take effect in this partnership and run: a wave after
        the run, a comparison sample larger than the non-participants of the respondent roles
        (`cohorts`: the interventions' participants, `sim.interventions.cohorts`)."""
        late = [w for w in self.waves if weeks is not None and w > weeks]
        if late:
            raise ConfigError(f"{prefix}.waves={list(self.waves)}: week {late[0]} is after the run's last week "
                              f"({weeks})")
        if self.comparison_size is not None:
            pool = eligible_leaders(partnership, self.respondent_roles)
            pool -= sum(c.size for c in cohorts if set(c.roles) <= set(self.respondent_roles))
            if self.comparison_size > pool:
                raise ConfigError(f"{prefix}.comparison_size={self.comparison_size}: more than the {pool} "
                                  f"non-participants of the respondent roles (at most {pool})")

    @classmethod
    def from_dict(cls, values: dict[str, Any] | None = None, prefix: str = "survey") -> "SurveyParams":
        return super().from_dict(values, prefix)

    @property
    def kappa(self) -> float:
        """The items' loading: sqrt(rho / (1 - rho))."""
        return math.sqrt(self.reliability / (1.0 - self.reliability))

    @property
    def item_sd(self) -> float:
        """SD of an item's latent response for a leader at a given construct value... of the
        population's latent response (z standardised): sqrt(1 + kappa^2)."""
        return math.sqrt(1.0 + self.kappa ** 2)


# ------------------------------------------------------------------ the ordered-probit rule

def answer(noise: np.ndarray, mean: np.ndarray, cuts) -> np.ndarray:
    """Likert answers 1..5 for latent means (kappa z + shift) and standard normal noise."""
    return 1 + np.searchsorted(np.asarray(cuts, float), np.asarray(mean, float) + noise)


def category_probabilities(mu: float, sigma: float, kappa: float, bias: float, cuts) -> np.ndarray:
    """Closed form: category shares when z ~ N(mu, sigma^2): P(y* <= tau) = Phi((tau - kappa mu - b)
    / sqrt(1 + kappa^2 sigma^2))."""
    scale = math.sqrt(1.0 + (kappa * sigma) ** 2)
    cdf = ndtr((np.asarray(cuts, float) - kappa * mu - bias) / scale)
    return np.diff(np.concatenate([[0.0], cdf, [1.0]]))


def anchor_cut(means: np.ndarray, share: float) -> float:
    """The cut tau with mean_i P(means_i + e > tau) = share."""
    means = np.asarray(means, float)
    f = lambda tau: ndtr(-(tau - means)).mean() - share  # noqa: E731
    lo, hi = means.min() - 10.0, means.max() + 10.0
    return float(brentq(f, lo, hi, xtol=1e-10))


def network_strength(state, strong_tie: float) -> np.ndarray:
    """Total strength of each leader's strong cross-organisation ties."""
    t, n = state.ties, state.leaders.n
    sel = t.cross & (t.w >= strong_tie)
    return np.bincount(t.u[sel], t.w[sel], n) + np.bincount(t.v[sel], t.w[sel], n)


def constructs(state, strong_tie: float) -> dict[str, np.ndarray]:
    """Each leader's raw constructs: log(1 + strong cross strength), efficacy, system sight."""
    return {"network": np.log1p(network_strength(state, strong_tie)),
            "efficacy": state.leaders.efficacy.copy(), "sight": state.leaders.system_sight.copy()}


# ------------------------------------------------------------------ the instrument

@dataclass
class Survey:
    params: SurveyParams
    rows: list = field(default_factory=list, repr=False)

    def setup(self, model) -> None:
        """Choose respondents, fix the network cut (or anchor it to a given baseline figure), ask wave 0."""
        p, state = self.params, model.state
        leaders, rng = state.leaders, state.streams["survey"].sequential
        self.strong_tie = model.params.strong_tie
        self.cohort = np.flatnonzero(leaders.participant)
        roles = [ROLES.index(r) for r in p.respondent_roles]
        self.eligible = np.flatnonzero(np.isin(leaders.role, roles))
        pool = np.flatnonzero(~leaders.participant & np.isin(leaders.role, roles))
        if p.comparison_size is None:
            size = min(self.cohort.size or 60, pool.size)
        elif p.comparison_size > pool.size:
            raise ConfigError(f"survey.comparison_size={p.comparison_size}: more than the {pool.size} "
                              f"non-participants of the respondent roles (at most {pool.size})")
        else:
            size = p.comparison_size
        self.comparison = np.sort(rng.choice(pool, size, replace=False))
        self.respondents = np.concatenate([self.cohort, self.comparison])
        """The respondents' slots at set-up."""
        self.respondent_ids = leaders.ids[self.respondents].copy()
        """Their leader ids: the survey follows people, not slots (`sim.population`)."""
        self.group = np.array(["participant"] * self.cohort.size + ["comparison"] * self.comparison.size)
        self.left: dict[int, int] = {}
        """Respondents who had left the partnership by each wave (`sim.turnover`), by week; they drop
        out of that wave and every later one, and so out of paired comparisons between waves."""
        self.sight0 = leaders.system_sight.copy()
        self.network_cut = p.network_agree_cut
        if p.baseline_agree_network is not None:
            group = self.cohort if p.anchor_on == "cohort" and self.cohort.size else self.eligible
            z = self.z("network", constructs(state, self.strong_tie)["network"][group])
            self.network_cut = anchor_cut(p.kappa * z, p.baseline_agree_network)
        treated = [s for s in model.intervention_settings if getattr(s, "active", False)]
        self.last_week = programme_end(treated)
        """The last week of delivery of a programme delivered in this arm (None: untreated)."""
        if p.waves:
            late = [w for w in p.waves if w > model.n_weeks]
            if late:
                raise ConfigError(f"survey.waves={list(p.waves)}: week {late[0]} is after the run's last week "
                                  f"({model.n_weeks})")
            self.waves = tuple(sorted(set(p.waves)))
        else:
            lasts = last_weeks(model.intervention_settings)
            self.waves = tuple(w for w in sorted({0, 52, 104, *lasts}) if w <= model.n_weeks)
        self.record(model, 0)

    def z(self, item: str, x: np.ndarray) -> np.ndarray:
        """A construct in the instrument's fixed units."""
        p = self.params
        if item == "network":
            return (x - p.network_centre) / p.network_scale
        if item == "influence":
            return (x - p.efficacy_centre) / p.efficacy_scale
        return x / p.sight_scale  # see_system: x is the change in sight since wave 0

    @property
    def network_cuts(self) -> np.ndarray:
        return self.network_cut + np.asarray(self.params.cut_offsets)

    def shift(self, week: int) -> float:
        """The end-of-programme response shift of participants, in latent units, at `week`."""
        p = self.params
        if self.last_week is None or week < self.last_week:
            return 0.0
        return p.end_shift * p.item_sd * 0.5 ** ((week - self.last_week) / p.shift_half_life_weeks)

    def latent_means(self, state, who: np.ndarray, group: np.ndarray, week: int):
        """{item: (mean without shift, shift)} for the respondents `who`."""
        p = self.params
        c = constructs(state, self.strong_tie)
        participant = group == "participant"
        s = np.where(participant, self.shift(week), 0.0)
        out = {"network": (p.kappa * self.z("network", c["network"][who]), s),
               "influence": (p.kappa * self.z("influence", c["efficacy"][who]), s)}
        if week > 0:
            treated = self.last_week is not None  # retrospective inflation comes from having been trained
            retro = np.where(participant & treated, p.retrospective_shift * p.item_sd, 0.0)
            out["see_system"] = (p.kappa * self.z("see_system", c["sight"][who] - self.sight0[who]), s + retro)
        return out

    def observe(self, model) -> None:
        if model.week in self.waves and model.week > 0:
            self.record(model, model.week)

    def present(self, leaders) -> np.ndarray:
        """Which respondents are still in the partnership (in their slot)."""
        return leaders.present(self.respondent_ids, self.respondents)

    def record(self, model, week: int) -> None:
        p, state = self.params, model.state
        rng = state.streams["survey"].sequential
        here = self.present(state.leaders)
        self.left[week] = int(here.size - np.count_nonzero(here))
        who, ids, group = self.respondents[here], self.respondent_ids[here], self.group[here]
        responds = rng.random(who.size) < p.response_rate
        who, ids, group = who[responds], ids[responds], group[responds]
        for item, (real, shift) in self.latent_means(state, who, group, week).items():
            noise = rng.standard_normal(who.size)
            cuts = self.network_cuts if item == "network" else p.symmetric_cuts
            self.rows.append((week, ids, group, item, answer(noise, real + shift, cuts), answer(noise, real, cuts)))

    def statistics(self, week: int, group: str = "participant", without_shift: bool = False) -> dict[str, float]:
        """The case's statistics (`STATISTICS`) of one wave and respondent group, straight from
        the answers: the values `shares(self.frame())` gives for that wave and group, without
        building a DataFrame (the calibration asks for them thousands of times). NaN for an
        item nobody in the group answered."""
        hits = {item: [] for item in STATISTICS}
        for wave, _, groups, item, response, unshifted in self.rows:
            if wave == week:
                answers = (unshifted if without_shift else response)[groups == group]
                hits[item].append(item_hits(np.full(answers.size, item), answers))
        out = {}
        for item, name in STATISTICS.items():
            h = np.concatenate(hits[item]) if hits[item] else np.zeros(0, bool)
            out[name] = float(h.mean()) if h.size else float("nan")
        return out

    def frame(self) -> pd.DataFrame:
        """One row per respondent, item and wave: week, leader (id), group, item, response (as reported),
        response_without_shift (the same latent noise, without the response-shift terms)."""
        columns = ["week", "leader", "group", "item", "response", "response_without_shift"]
        if not self.rows:
            return pd.DataFrame(columns=columns)
        sizes = [r[1].size for r in self.rows]
        return pd.DataFrame({
            "week": np.repeat(np.array([r[0] for r in self.rows], np.int64), sizes),
            "leader": np.concatenate([r[1] for r in self.rows]).astype(np.int64),
            "group": np.concatenate([r[2] for r in self.rows]),
            "item": np.repeat(np.array([r[3] for r in self.rows], dtype=object), sizes),
            "response": np.concatenate([r[4] for r in self.rows]).astype(np.int64),
            "response_without_shift": np.concatenate([r[5] for r in self.rows]).astype(np.int64)})


STATISTICS = {"network": "network_agree", "see_system": "see_system_strongly_agree",
              "influence": "influence_disagree"}
"""The case's statistic of each item: agree or strongly agree with the network item, strongly
agree with the see-the-system item, disagree or strongly disagree with the influence item."""


def item_hits(item: np.ndarray, response: np.ndarray) -> np.ndarray:
    """Whether each answer counts towards its item's statistic (`STATISTICS`)."""
    return np.select([item == "network", item == "see_system", item == "influence"],
                     [response >= 4, response == 5, response <= 2], False)


def shares(frame: pd.DataFrame, by=("week", "group"), response: str = "response") -> pd.DataFrame:
    """The case's statistics per group of rows (default: week and respondent group): network
    agree, see_system strongly agree, influence disagree; with the number of respondents (to
    the network item). `response="response_without_shift"` gives them without response shift."""
    by = list(by)
    columns = [*by, *STATISTICS.values(), "respondents"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    item = frame["item"].to_numpy()
    hits = pd.DataFrame({**{k: frame[k].to_numpy() for k in by}, "item": item,
                         "hit": item_hits(item, frame[response].to_numpy())})
    agg = hits.groupby([*by, "item"], sort=True, observed=True)["hit"].agg(["mean", "size"])
    wide = agg["mean"].unstack("item").rename(columns=STATISTICS)
    for col in STATISTICS.values():
        if col not in wide:
            wide[col] = np.nan
    count = agg["size"].unstack("item")
    wide["respondents"] = (count["network"] if "network" in count else 0)
    wide["respondents"] = wide["respondents"].fillna(0).astype(np.int64)
    return wide.reset_index()[columns]


def expected_shares(survey: Survey, model, without_shift: bool = False) -> dict[str, float]:
    """The case's statistics among the whole cohort now, as expected values (no respondent
    sampling): the closed form of the ordered probit, for live displays."""
    here = survey.present(model.state.leaders)
    participants = here & (survey.group == "participant")
    chosen = participants if participants.any() else here & (survey.group == "comparison")
    who, group = survey.respondents[chosen], survey.group[chosen]
    means = survey.latent_means(model.state, who, group, model.week)
    p = survey.params

    def mean_of(item):
        real, shift = means[item]
        return real if without_shift else real + shift

    out = {"network_agree": float(ndtr(mean_of("network") - survey.network_cut).mean()),
           "influence_disagree": float(ndtr(p.symmetric_cuts[1] - mean_of("influence")).mean())}
    out["see_system_strongly_agree"] = (float(ndtr(mean_of("see_system") - p.symmetric_cuts[3]).mean())
                                        if "see_system" in means else float("nan"))
    return out
