"""Behavioural parameters of the model, with their ranges and sources.

`BehaviourParams` is a plain dataclass: the model takes it (or its fields as
keyword arguments), and the Hydra entry point registers the same class as the
structured config of the `behaviour` group, so there is one list of parameters.
Each field's metadata holds its admissible range, a one-line meaning and its
source; `validate()` checks the ranges and `docs/ODD.md` lists the same table.
"""

from __future__ import annotations

import math
from dataclasses import MISSING, dataclass, field, fields
from typing import Any


class ConfigError(ValueError):
    """Bad input. The message is one line naming the offending key and value."""


def check_number(value: Any, key: str, lo: float, hi: float, integer: bool = False) -> float:
    """The value if it is a (whole) number in [lo, hi]; otherwise a one-line ConfigError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{key}={value!r}: must be a number")
    if integer and float(value) != int(value):
        raise ConfigError(f"{key}={value!r}: must be a whole number")
    if not math.isfinite(value) or not lo <= value <= hi:
        raise ConfigError(f"{key}={value!r}: must be in [{lo:g}, {hi:g}]")
    return int(value) if integer else float(value)


def _p(default: float, lo: float, hi: float, doc: str, source: str, *, integer: bool = False):
    return field(
        default=default,
        metadata={"range": (lo, hi), "doc": doc, "source": source, "integer": integer},
    )


@dataclass
class BehaviourParams:
    """Every behavioural parameter of the model (see docs/ODD.md, section 7)."""

    # --- initial leader traits (drawn once per leader) -----------------------
    susceptibility_mean: float = _p(
        0.65, 0.05, 0.95, "mean of Beta-distributed susceptibility lambda (1 - stubbornness)",
        "Friedkin & Johnsen 2011: 0.5-0.8")
    listening_mean: float = _p(
        0.4, 0.01, 0.99, "mean initial listening skill", "Kluger et al. listening meta-analysis (value assumed)")
    trust_propensity_low: float = _p(
        0.3, 0.0, 1.0, "lower bound of uniform trust propensity", "Colquitt et al. 2007: 0.3-0.7")
    trust_propensity_high: float = _p(
        0.7, 0.0, 1.0, "upper bound of uniform trust propensity", "Colquitt et al. 2007: 0.3-0.7")
    risk_appetite_mean: float = _p(
        0.3, 0.01, 0.99, "mean risk appetite (discount on statutory cost)", "assumed; calibrated")
    trait_concentration: float = _p(
        10.0, 2.0, 200.0, "concentration (a+b) of Beta trait draws", "assumed")
    pressure_scale: float = _p(
        1.0, 0.0, 3.0, "multiplies every organisation's statutory pressure 1 - anchor (1 = as in the scenario)",
        "scenario lever (statutory reform; brief question 6)")

    # --- meetings -------------------------------------------------------------
    forum_attendance: float = _p(
        0.8, 0.0, 1.0, "probability a forum member attends a meeting", "assumed")
    forum_contacts: float = _p(
        4.0, 0.0, 20.0, "conversations each attendee starts per meeting", "assumed")
    homophily: float = _p(
        3.0, 1.0, 50.0, "odds ratio of same- vs cross-organisation conversation",
        "McPherson et al. 2001; Ingram & Morris 2007")
    tie_use_rate: float = _p(
        0.04, 0.0, 1.0, "weekly probability a tie of strength 1 is used", "assumed")
    triadic_rate: float = _p(
        0.05, 0.0, 1.0, "weekly probability a leader is introduced to a friend of a friend",
        "Davidsen et al. 2002")
    random_encounter_rate: float = _p(
        0.02, 0.0, 1.0, "weekly probability of a chance encounter per leader", "Davidsen et al. 2002")
    meeting_evidence: float = _p(
        0.2, 0.0, 1.0, "weight of a cross-organisation conversation as trust evidence",
        "assumed (an issue observation has weight 1)")

    # --- collective issues -------------------------------------------------------
    issue_rate: float = _p(
        3.0, 0.0, 50.0, "collective issues arriving per week (Poisson mean)", "assumed")
    orgs_per_issue: int = _p(
        4, 2, 50, "organisations an issue involves", "Pacheco et al. 2009 (group size N)",
        integer=True)
    issue_threshold: int = _p(
        3, 1, 50, "contributions needed for success (M)", "Pacheco et al. 2009 (threshold M)",
        integer=True)
    system_benefit: float = _p(
        1.5, 0.0, 20.0, "system payoff of a successful issue (B)", "Santos & Pacheco 2011")
    contribution_cost: float = _p(
        1.5, 0.0, 20.0, "own-organisation cost of contributing at full statutory pressure (c)",
        "Santos & Pacheco 2011")
    logit_beta: float = _p(
        4.0, 0.0, 100.0, "logit choice intensity (beta)", "McFadden 1974; Pacheco et al. 2009")
    interpersonal_weight: float = _p(
        0.6, 0.0, 1.0, "weight of interpersonal vs inter-organisational trust in expectations",
        "Zaheer, McEvily & Perrone 1998")

    # --- perception ----------------------------------------------------------------
    perception_noise: float = _p(
        0.25, 0.0, 2.0, "perception noise at zero listening (nu0)",
        "Steiglechner et al. 2024: 0.1-0.4")

    # --- trust -----------------------------------------------------------------------
    trust_forgetting: float = _p(
        0.9, 0.5, 1.0, "forgetting factor on trust evidence per observation (phi)",
        "Josang & Ismail 2002: 0.8-0.98")
    loss_aversion: float = _p(
        1.5, 1.0, 10.0, "weight of a perceived defection relative to a cooperation",
        "Slovic 1993: 1-5")
    listening_trust_gain: float = _p(
        0.5, 0.0, 5.0, "extra trust gain in a partner per unit of that partner's listening",
        "brief: being listened to raises trust gain (Kluger et al.)")
    prior_history: float = _p(
        6.0, 0.0, 100.0, "observations behind the trust of ties that exist at the start", "assumed")
    within_org_conduct: float = _p(
        0.8, 0.0, 1.0, "cooperation seen from same-organisation colleagues at the start", "assumed")

    # --- orientation ----------------------------------------------------------------
    orientation_rate: float = _p(
        0.1, 0.0, 1.0, "weekly step towards the Friedkin-Johnsen target", "assumed")
    self_weight: float = _p(
        1.0, 0.0, 100.0, "weight a leader puts on own opinion in W", "Friedkin & Johnsen 1990")
    win_reinforcement: float = _p(
        0.03, 0.0, 1.0, "orientation gain of contributors after a joint success",
        "Ansell & Gash 2008 (small wins)")
    failure_discouragement: float = _p(
        0.02, 0.0, 1.0, "orientation loss of contributors after a failed issue",
        "Vangen & Huxham 2003")

    # --- ties ----------------------------------------------------------------------
    tie_growth: float = _p(
        0.2, 0.0, 1.0, "strength gain per interaction, w += g (1 - w)", "Burt 2000")
    bridge_decay: float = _p(
        0.04, 0.0, 1.0, "weekly decay of an unused bridge (ends share no strong contact)",
        "Burt 2002: ~90% of bridges gone in a year")
    embedded_decay: float = _p(
        0.02, 0.0, 1.0, "weekly decay of an unused embedded tie",
        "Burt 2002 suggests ~0.01; 0.02 so the baseline is stationary within the burn-in (ODD 7.6)")
    tie_removal: float = _p(
        0.1, 0.0, 0.5, "ties weaker than this are dropped", "assumed")
    strong_tie: float = _p(
        0.5, 0.0, 1.0, "strength from which a tie counts as strong", "Granovetter 1973 (assumed)")

    # --- efficacy and system sight ----------------------------------------------------
    efficacy_rate: float = _p(
        0.1, 0.0, 1.0, "smoothing rate of efficacy on joined issues", "Bandura 1997")
    sight_rate: float = _p(
        0.2, 0.0, 1.0, "smoothing rate of system sight towards network reach", "assumed")
    structure_every: int = _p(
        4, 1, 52, "weeks between recomputations of embeddedness and reach", "assumed (monthly)",
        integer=True)

    def validate(self, prefix: str = "behaviour") -> "BehaviourParams":
        """Check every field's type and range; raise ConfigError naming the first bad one."""
        for f in fields(self):
            lo, hi = f.metadata["range"]
            check_number(getattr(self, f.name), f"{prefix}.{f.name}", lo, hi, f.metadata["integer"])
        if self.trust_propensity_low > self.trust_propensity_high:
            raise ConfigError(
                f"{prefix}.trust_propensity_low={self.trust_propensity_low!r}: "
                f"must not exceed trust_propensity_high={self.trust_propensity_high!r}")
        if self.issue_threshold > self.orgs_per_issue:
            raise ConfigError(
                f"{prefix}.issue_threshold={self.issue_threshold!r}: "
                f"must not exceed orgs_per_issue={self.orgs_per_issue!r}")
        return self

    @classmethod
    def from_dict(cls, values: dict[str, Any] | None, prefix: str = "behaviour") -> "BehaviourParams":
        """Build from a mapping, refusing unknown keys; then validate."""
        values = dict(values or {})
        known = {f.name for f in fields(cls)}
        for key in values:
            if key not in known:
                raise ConfigError(f"{prefix}.{key}={values[key]!r}: unknown parameter")
        params = cls(**values)
        for f in fields(cls):  # ints given as floats (e.g. from a design matrix)
            if f.metadata["integer"]:
                v = getattr(params, f.name)
                if isinstance(v, float) and v.is_integer():
                    setattr(params, f.name, int(v))
        return params.validate(prefix)


def parameter_table() -> list[dict[str, Any]]:
    """Rows of (name, default, range, meaning, source): for docs and notebooks."""
    rows = []
    for f in fields(BehaviourParams):
        default = f.default if f.default is not MISSING else None
        rows.append({"name": f.name, "default": default, "range": f.metadata["range"],
                     "meaning": f.metadata["doc"], "source": f.metadata["source"]})
    return rows
