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
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import ndtr  # the standard normal CDF (scipy.stats is slow to import)

from sim.params import ConfigError
from sim.scenario import ROLES

ITEMS = {
    "network": "I have a strong network in the system",
    "see_system": "I have improved my ability to see the system",
    "influence": "I can influence the system",
}
CATEGORIES = ("strongly disagree", "disagree", "neither agree nor disagree", "agree", "strongly agree")


@dataclass
class SurveyParams:
    waves: tuple[int, ...] = ()
    """Weeks to survey; empty: 0, each programme's last week, 52 and 104 (within the run)."""
    response_rate: float = 0.85
    comparison_size: int = 60
    respondent_roles: tuple[str, ...] = ("executive", "director")
    baseline_agree_network: float = 0.44
    """Share of the cohort agreeing with the network item at wave 0: anchors that
    item's cuts (the case's start-of-programme figure, used as the brief says)."""
    cut_offsets: tuple[float, ...] = (-1.6, -0.6, 0.0, 1.0)
    """Network item cuts relative to the neither|agree cut."""
    symmetric_cuts: tuple[float, ...] = (-1.5, -0.5, 0.5, 1.5)
    """Cuts of the see_system and influence items."""
    kappa_network: float = 1.0
    kappa_sight: float = 1.0
    kappa_influence: float = 1.0
    end_bias: float = 0.3
    bias_half_life_weeks: float = 26.0
    retrospective_bias: float = 1.0

    @classmethod
    def from_dict(cls, values: dict[str, Any] | None, prefix: str = "survey") -> "SurveyParams":
        values = dict(values or {})
        known = {f.name for f in fields(cls)}
        for k in values:
            if k not in known:
                raise ConfigError(f"{prefix}.{k}={values[k]!r}: unknown setting")
        for k in ("waves", "cut_offsets", "symmetric_cuts", "respondent_roles"):
            if k in values:
                values[k] = tuple(values[k])
        p = cls(**values)
        p.validate(prefix)
        return p

    def validate(self, prefix: str = "survey") -> None:
        def bad(key, value, why):
            raise ConfigError(f"{prefix}.{key}={value!r}: {why}")

        if any((not isinstance(w, int)) or w < 0 for w in self.waves):
            bad("waves", list(self.waves), "must be a list of week numbers >= 0")
        if self.waves and 0 not in self.waves:
            bad("waves", list(self.waves), "must include the baseline wave 0")
        for key in ("response_rate", "baseline_agree_network"):
            v = getattr(self, key)
            if not (isinstance(v, (int, float)) and 0 < v <= 1) or (key == "baseline_agree_network" and v >= 1):
                bad(key, v, "must be in (0, 1)" if key != "response_rate" else "must be in (0, 1]")
        if not isinstance(self.comparison_size, int) or self.comparison_size < 0:
            bad("comparison_size", self.comparison_size, "must be a whole number >= 0")
        for key in ("cut_offsets", "symmetric_cuts"):
            cuts = getattr(self, key)
            if len(cuts) != 4 or any(b <= a for a, b in zip(cuts, cuts[1:])):
                bad(key, list(cuts), "must be 4 increasing numbers")
        for key in ("kappa_network", "kappa_sight", "kappa_influence"):
            v = getattr(self, key)
            if not (isinstance(v, (int, float)) and 0 <= v <= 20):
                bad(key, v, "must be in [0, 20]")
        for key in ("end_bias", "retrospective_bias"):
            v = getattr(self, key)
            if not (isinstance(v, (int, float)) and -5 <= v <= 5):
                bad(key, v, "must be in [-5, 5]")
        if not (isinstance(self.bias_half_life_weeks, (int, float)) and self.bias_half_life_weeks > 0):
            bad("bias_half_life_weeks", self.bias_half_life_weeks, "must be > 0")
        for r in self.respondent_roles:
            if r not in ROLES:
                bad("respondent_roles", r, "unknown role")


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


def network_strength(model) -> np.ndarray:
    """Total strength of each leader's strong cross-organisation ties."""
    t, n = model.ties, model.leaders.n
    sel = t.cross & (t.w >= model.params.strong_tie)
    return np.bincount(t.u[sel], t.w[sel], n) + np.bincount(t.v[sel], t.w[sel], n)


# ------------------------------------------------------------------ the instrument

@dataclass
class Survey:
    params: SurveyParams
    rows: list = field(default_factory=list, repr=False)

    def setup(self, model) -> None:
        """Choose respondents, fix the reference and the network item's cuts, ask wave 0."""
        p, L, rng = self.params, model.leaders, model.streams["survey"]
        self.cohort = np.flatnonzero(L.participant)
        roles = [ROLES.index(r) for r in p.respondent_roles]
        pool = np.flatnonzero(~L.participant & np.isin(L.role, roles))
        self.comparison = np.sort(rng.choice(pool, min(p.comparison_size, pool.size), replace=False))
        self.respondents = np.concatenate([self.cohort, self.comparison])
        self.group = np.array(["participant"] * self.cohort.size + ["comparison"] * self.comparison.size)
        net = np.log1p(network_strength(model))
        self.ref = {"network": (net.mean(), net.std() or 1.0),
                    "sight": (L.sight.mean(), L.sight.std() or 1.0),
                    "influence": (L.efficacy.mean(), L.efficacy.std() or 1.0)}
        self.sight0 = L.sight.copy()
        anchor_group = self.cohort if self.cohort.size else self.comparison
        z0 = self._z("network", net[anchor_group])
        self.network_cuts = anchor_cut(p.kappa_network * z0, p.baseline_agree_network) + np.asarray(p.cut_offsets)
        ends = [getattr(i, "end_week", None) for i in model.interventions if getattr(i, "active", False)]
        ends = [e for e in ends if e is not None]
        self.end_week = min(ends) if ends else None
        if p.waves:
            self.waves = tuple(sorted(set(p.waves)))
        else:
            lasts = [i.end_week - 1 for i in model.interventions if hasattr(i, "end_week")]
            self.waves = tuple(w for w in sorted({0, 52, 104, *lasts}) if w <= model.n_weeks)
        self.record(model, 0)

    def _z(self, item: str, x: np.ndarray) -> np.ndarray:
        mean, sd = self.ref[item]
        return (x - mean) / sd

    def bias(self, week: int) -> float:
        """b(t) for participants: the response shift after the programme."""
        if self.end_week is None or week < self.end_week - 1:
            return 0.0
        return self.params.end_bias * 0.5 ** (max(0, week - (self.end_week - 1)) / self.params.bias_half_life_weeks)

    def observe(self, model) -> None:
        if model.week in self.waves and model.week > 0:
            self.record(model, model.week)

    def record(self, model, week: int) -> None:
        p, L, rng = self.params, model.leaders, model.streams["survey"]
        who = self.respondents
        responds = rng.random(who.size) < p.response_rate
        who, group = who[responds], self.group[responds]
        b = np.where(group == "participant", self.bias(week), 0.0)
        net = np.log1p(network_strength(model))[who]
        answers = {
            "network": answer(rng, p.kappa_network * self._z("network", net) + b, self.network_cuts),
            "influence": answer(rng, p.kappa_influence * self._z("influence", L.efficacy[who]) + b,
                                p.symmetric_cuts),
        }
        if week > 0:
            change = (L.sight[who] - self.sight0[who]) / self.ref["sight"][1]
            # retrospective inflation comes from having been trained: none without a programme
            treated = self.end_week is not None
            retro = np.where((group == "participant") & treated, p.retrospective_bias, 0.0)
            answers["see_system"] = answer(rng, p.kappa_sight * change + b + retro, p.symmetric_cuts)
        for item, resp in answers.items():
            self.rows.append(pd.DataFrame({"week": week, "leader": who, "group": group, "item": item,
                                           "response": resp.astype(np.int64)}))

    def frame(self) -> pd.DataFrame:
        if not self.rows:
            return pd.DataFrame(columns=["week", "leader", "group", "item", "response"])
        return pd.concat(self.rows, ignore_index=True)


def shares(frame: pd.DataFrame) -> pd.DataFrame:
    """The case's statistics per (week, group): network agree, see_system strongly agree,
    influence disagree; with the number of respondents."""
    out = []
    for (week, group), d in frame.groupby(["week", "group"], sort=True):
        row = {"week": week, "group": group}
        net = d.loc[d["item"] == "network", "response"]
        see = d.loc[d["item"] == "see_system", "response"]
        inf = d.loc[d["item"] == "influence", "response"]
        row["network_agree"] = float((net >= 4).mean()) if len(net) else np.nan
        row["see_system_strongly_agree"] = float((see == 5).mean()) if len(see) else np.nan
        row["influence_disagree"] = float((inf <= 2).mean()) if len(inf) else np.nan
        row["respondents"] = int(len(net))
        out.append(row)
    return pd.DataFrame(out)


def expected_shares(survey: Survey, model) -> dict[str, float]:
    """The case's statistics among the whole cohort now, as expected values (no respondent
    sampling): the closed form of the ordered probit, for live displays."""
    p, L = survey.params, model.leaders
    who = survey.cohort if survey.cohort.size else survey.comparison
    treated = survey.cohort.size > 0 and survey.end_week is not None
    b = survey.bias(model.week) if treated else 0.0
    net = p.kappa_network * survey._z("network", np.log1p(network_strength(model))[who]) + b
    influence = p.kappa_influence * survey._z("influence", L.efficacy[who]) + b
    change = p.kappa_sight * (L.sight[who] - survey.sight0[who]) / survey.ref["sight"][1] + b
    if treated and model.week > 0:
        change = change + p.retrospective_bias
    return {"network_agree": float(ndtr(-(survey.network_cuts[2] - net)).mean()),
            "see_system_strongly_agree": float(ndtr(-(p.symmetric_cuts[3] - change)).mean()),
            "influence_disagree": float(ndtr(p.symmetric_cuts[1] - influence).mean())}
