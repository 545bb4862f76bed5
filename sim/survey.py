"""Observation (survey): an ordered-probit instrument comparable with a real survey.

Each item maps a leader's latent state to a five-point Likert answer
(Liddell & Kruschke 2018):

    y* = kappa z + b(t) + e,   e ~ N(0, 1),   answer = 1 + #{cuts below y*},

where z is the item's latent construct in baseline standard deviations (all
leaders at wave 0 are the reference), and b(t) a response-bias term.

Items (as the case reported them):

- `network`, "I have a strong network in the system": z from log(1 + total
  strength of one's strong cross-organisation ties). Its cuts are fixed at wave 0
  so that the share agreeing among the cohort equals the case's baseline figure
  (the brief's anchoring); every later answer is then a genuine test.
- `see_system`, "I have improved my ability to see the system" (retrospective,
  asked from the first wave after the start): z from the change in system sight
  since wave 0, plus a retrospective bias for participants (Taylor, Russ-Eft &
  Taylor 2009); symmetric cuts around no change.
- `influence`, "I can influence the system": z from efficacy; symmetric cuts
  around the baseline mean.

b(t) is a response shift of participants after the programme: `end_bias` at its
end, halving every `bias_half_life_weeks` (a 44% to 82% shift is a latent move of
about 1.07 SD, more than meta-analytic training transfer, so not all of it can be
real change). Respondents: the cohort and a comparison sample of non-participants
of the same roles; each answers each wave with probability `response_rate`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import ndtr  # the standard normal CDF (scipy.stats is slow to import)

from sim.interventions import last_weeks, programme_end
from sim.scenario import ROLES
from sim.schema import ConfigError, Settings, choices, number, numbers

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
    response_rate: float = number(0.85, 0.01, 1.0, "probability that a respondent answers a wave", "assumed")
    comparison_size: int = number(60, 0, 1_000_000, "non-participants of the same roles surveyed for "
                                  "comparison", "assumed", integer=True)
    respondent_roles: tuple[str, ...] = choices(("executive", "director"), ROLES, "roles of the comparison "
                                                "sample", "the case: executives and directors")
    baseline_agree_network: float = number(0.44, 0.001, 0.999, "share of the cohort agreeing with the network "
                                           "item at wave 0: anchors that item's cuts",
                                           "the case's start-of-programme figure")
    cut_offsets: tuple[float, ...] = numbers((-1.6, -0.6, 0.0, 1.0), "network item cuts relative to the "
                                             "neither|agree cut", "assumed", length=4, increasing=True)
    symmetric_cuts: tuple[float, ...] = numbers((-1.5, -0.5, 0.5, 1.5), "cuts of the see_system and "
                                                "influence items", "assumed", length=4, increasing=True)
    kappa_network: float = number(1.0, 0, 20, "loading of the network construct", "assumed")
    kappa_sight: float = number(1.0, 0, 20, "loading of the change in system sight", "assumed")
    kappa_influence: float = number(1.0, 0, 20, "loading of efficacy", "assumed")
    end_bias: float = number(0.3, -5, 5, "participants' response shift at the programme's end (latent SDs)",
                             "calibrated")
    bias_half_life_weeks: float = number(26.0, 0.01, 1_000_000, "half-life of the response shift after the "
                                         "programme", "assumed")
    retrospective_bias: float = number(1.0, -5, 5, "inflation of 'have you improved' answers of participants "
                                       "(latent SDs)", "Taylor, Russ-Eft & Taylor 2009; calibrated")

    def check_together(self, prefix: str = "survey") -> None:
        if self.waves and 0 not in self.waves:
            raise ConfigError(f"{prefix}.waves={list(self.waves)}: must include the baseline wave 0")

    @classmethod
    def from_dict(cls, values: dict[str, Any] | None = None, prefix: str = "survey") -> "SurveyParams":
        return super().from_dict(values, prefix)


# ------------------------------------------------------------------ the ordered-probit rule

def answer(rng: np.random.Generator, mean: np.ndarray, cuts) -> np.ndarray:
    """Likert answers 1..5 for latent means (kappa z + b); adds N(0, 1) noise."""
    y = np.asarray(mean, float) + rng.standard_normal(np.shape(mean))
    return 1 + np.searchsorted(np.asarray(cuts, float), y)


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


# ------------------------------------------------------------------ the instrument

@dataclass
class Survey:
    params: SurveyParams
    rows: list = field(default_factory=list, repr=False)

    def setup(self, model) -> None:
        """Choose respondents, fix the reference and the network item's cuts, ask wave 0."""
        p, state = self.params, model.state
        leaders, rng = state.leaders, state.streams["survey"].sequential
        self.strong_tie = model.params.strong_tie
        self.cohort = np.flatnonzero(leaders.participant)
        roles = [ROLES.index(r) for r in p.respondent_roles]
        pool = np.flatnonzero(~leaders.participant & np.isin(leaders.role, roles))
        self.comparison = np.sort(rng.choice(pool, min(p.comparison_size, pool.size), replace=False))
        self.respondents = np.concatenate([self.cohort, self.comparison])
        self.group = np.array(["participant"] * self.cohort.size + ["comparison"] * self.comparison.size)
        net = np.log1p(network_strength(state, self.strong_tie))
        self.ref = {"network": (net.mean(), net.std() or 1.0),
                    "sight": (leaders.system_sight.mean(), leaders.system_sight.std() or 1.0),
                    "influence": (leaders.efficacy.mean(), leaders.efficacy.std() or 1.0)}
        self.sight0 = leaders.system_sight.copy()
        anchor_group = self.cohort if self.cohort.size else self.comparison
        z0 = self._z("network", net[anchor_group])
        self.network_cuts = anchor_cut(p.kappa_network * z0, p.baseline_agree_network) + np.asarray(p.cut_offsets)
        treated = [s for s in model.intervention_settings if getattr(s, "active", False)]
        self.last_week = programme_end(treated)
        """The last week of delivery of a programme delivered in this arm (None: untreated)."""
        if p.waves:
            self.waves = tuple(sorted(set(p.waves)))
        else:
            lasts = last_weeks(model.intervention_settings)
            self.waves = tuple(w for w in sorted({0, 52, 104, *lasts}) if w <= model.n_weeks)
        self.record(model, 0)

    def _z(self, item: str, x: np.ndarray) -> np.ndarray:
        mean, sd = self.ref[item]
        return (x - mean) / sd

    def bias(self, week: int) -> float:
        """b(t) for participants: the response shift from the programme's last week on."""
        if self.last_week is None or week < self.last_week:
            return 0.0
        return self.params.end_bias * 0.5 ** (max(0, week - self.last_week) / self.params.bias_half_life_weeks)

    def observe(self, model) -> None:
        if model.week in self.waves and model.week > 0:
            self.record(model, model.week)

    def record(self, model, week: int) -> None:
        p, state = self.params, model.state
        leaders, rng = state.leaders, state.streams["survey"].sequential
        who = self.respondents
        responds = rng.random(who.size) < p.response_rate
        who, group = who[responds], self.group[responds]
        b = np.where(group == "participant", self.bias(week), 0.0)
        net = np.log1p(network_strength(state, self.strong_tie))[who]
        answers = {
            "network": answer(rng, p.kappa_network * self._z("network", net) + b, self.network_cuts),
            "influence": answer(rng, p.kappa_influence * self._z("influence", leaders.efficacy[who]) + b,
                                p.symmetric_cuts),
        }
        if week > 0:
            change = (leaders.system_sight[who] - self.sight0[who]) / self.ref["sight"][1]
            # retrospective inflation comes from having been trained: none without a programme
            treated = self.last_week is not None
            retro = np.where((group == "participant") & treated, p.retrospective_bias, 0.0)
            answers["see_system"] = answer(rng, p.kappa_sight * change + b + retro, p.symmetric_cuts)
        for item, resp in answers.items():
            self.rows.append((week, who, group, item, resp))

    def frame(self) -> pd.DataFrame:
        """One row per respondent, item and wave: week, leader, group, item, response."""
        if not self.rows:
            return pd.DataFrame(columns=["week", "leader", "group", "item", "response"])
        sizes = [who.size for _, who, _, _, _ in self.rows]
        return pd.DataFrame({
            "week": np.repeat(np.array([w for w, *_ in self.rows], np.int64), sizes),
            "leader": np.concatenate([who for _, who, _, _, _ in self.rows]).astype(np.int64),
            "group": np.concatenate([g for _, _, g, _, _ in self.rows]),
            "item": np.repeat(np.array([i for _, _, _, i, _ in self.rows], dtype=object), sizes),
            "response": np.concatenate([r for *_, r in self.rows]).astype(np.int64)})


STATISTICS = {"network": "network_agree", "see_system": "see_system_strongly_agree",
              "influence": "influence_disagree"}
"""The case's statistic of each item: agree or strongly agree with the network item, strongly
agree with the see-the-system item, disagree or strongly disagree with the influence item."""


def item_hits(item: np.ndarray, response: np.ndarray) -> np.ndarray:
    """Whether each answer counts towards its item's statistic (`STATISTICS`)."""
    return np.select([item == "network", item == "see_system", item == "influence"],
                     [response >= 4, response == 5, response <= 2], False)


def shares(frame: pd.DataFrame, by=("week", "group")) -> pd.DataFrame:
    """The case's statistics per group of rows (default: week and respondent group): network
    agree, see_system strongly agree, influence disagree; with the number of respondents (to
    the network item)."""
    by = list(by)
    columns = [*by, *STATISTICS.values(), "respondents"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    item = frame["item"].to_numpy()
    hits = pd.DataFrame({**{k: frame[k].to_numpy() for k in by}, "item": item,
                         "hit": item_hits(item, frame["response"].to_numpy())})
    agg = hits.groupby([*by, "item"], sort=True, observed=True)["hit"].agg(["mean", "size"])
    wide = agg["mean"].unstack("item").rename(columns=STATISTICS)
    for col in STATISTICS.values():
        if col not in wide:
            wide[col] = np.nan
    count = agg["size"].unstack("item")
    wide["respondents"] = (count["network"] if "network" in count else 0)
    wide["respondents"] = wide["respondents"].fillna(0).astype(np.int64)
    return wide.reset_index()[columns]


def expected_shares(survey: Survey, model) -> dict[str, float]:
    """The case's statistics among the whole cohort now, as expected values (no respondent
    sampling): the closed form of the ordered probit, for live displays."""
    p, leaders = survey.params, model.state.leaders
    who = survey.cohort if survey.cohort.size else survey.comparison
    treated = survey.cohort.size > 0 and survey.last_week is not None
    b = survey.bias(model.week) if treated else 0.0
    net = p.kappa_network * survey._z("network", np.log1p(network_strength(model.state, survey.strong_tie))[who]) + b
    influence = p.kappa_influence * survey._z("influence", leaders.efficacy[who]) + b
    change = p.kappa_sight * (leaders.system_sight[who] - survey.sight0[who]) / survey.ref["sight"][1] + b
    if treated and model.week > 0:
        change = change + p.retrospective_bias
    return {"network_agree": float(ndtr(-(survey.network_cuts[2] - net)).mean()),
            "see_system_strongly_agree": float(ndtr(-(p.symmetric_cuts[3] - change)).mean()),
            "influence_disagree": float(ndtr(p.symmetric_cuts[1] - influence).mean())}
