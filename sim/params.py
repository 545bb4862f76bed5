"""Behavioural parameters of the model, with their ranges and sources.

`BehaviourParams` is declared with the project's one schema helper
(`sim.schema.number`): the model takes it (or its fields as keyword arguments),
the Hydra entry point registers the same class as the structured config of the
`behaviour` group, and `sim.schema.parameter_table()` documents it with every
other declared setting. `from_dict` checks each value and names the first bad
one in a one-line `ConfigError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.schema import ConfigError, Settings, check_number, number, numbers

__all__ = ["BehaviourParams", "ConfigError", "check_number", "parameter_table"]


@dataclass
class BehaviourParams(Settings):
    """Every behavioural parameter of the model (see docs/ODD.md, section 8)."""

    _noun = "parameter"

    # --- initial leader traits (drawn once per leader) -----------------------
    susceptibility_mean: float = number(
        0.65, 0.05, 0.95, "mean of Beta-distributed susceptibility lambda (1 - stubbornness)",
        "Friedkin & Johnsen 2011: 0.5-0.8")
    listening_mean: float = number(
        0.4, 0.01, 0.99, "mean initial listening skill", "Kluger et al. listening meta-analysis (value assumed)")
    trust_propensity_low: float = number(
        0.3, 0.0, 1.0, "lower bound of uniform trust propensity", "Colquitt et al. 2007: 0.3-0.7")
    trust_propensity_high: float = number(
        0.7, 0.0, 1.0, "upper bound of uniform trust propensity", "Colquitt et al. 2007: 0.3-0.7")
    risk_appetite_mean: float = number(
        0.3, 0.01, 0.99, "mean risk appetite (discount on statutory cost)",
        "fitted with the other constants to the case and the published patterns (prior U(0.1, 0.7): no measure of "
        "leaders' risk appetite in these units was found); the case study runs at its posterior "
        "(docs/calibration/identifiability.md)")
    trait_concentration: float = number(
        10.0, 2.0, 200.0, "concentration (a+b) of Beta trait draws", "assumed")
    pressure_scale: float = number(
        1.0, 0.0, 3.0, "multiplies every organisation's statutory pressure 1 - anchor (1 = as in the scenario)",
        "scenario lever (statutory reform; brief question 6)")

    # --- the starting network (before the burn-in) ---------------------------------
    colleague_strength: tuple[float, ...] = numbers(
        (0.3, 0.9), "strength range of starting ties between colleagues (uniform)",
        "assumed; the burn-in replaces this guess", low=0.0, high=1.0, length=2, increasing=True)
    forum_acquaintance_strength: tuple[float, ...] = numbers(
        (0.5, 0.9), "strength range of starting ties between forum members who already know each other "
        "(uniform)", "assumed; the burn-in replaces this guess", low=0.0, high=1.0, length=2, increasing=True)
    weak_tie_strength: tuple[float, ...] = numbers(
        (0.05, 0.3), "strength range of the few starting weak cross-organisation acquaintances (uniform)",
        "assumed; the burn-in replaces this guess", low=0.0, high=1.0, length=2, increasing=True)

    # --- meetings -------------------------------------------------------------
    forum_attendance: float = number(
        0.8, 0.0, 1.0, "probability a forum member attends a meeting",
        "fitted with the other constants to the case and the published patterns (prior U(0.4, 1): no attendance "
        "record of such forums was found); the case study runs at its posterior (docs/calibration/identifiability.md)")
    forum_contacts: float = number(
        4.0, 0.0, 20.0, "conversations each attendee starts per meeting",
        "Ingram & Morris 2007 bound it: about 7 begun per guest at an evening mixer of about 100 business people "
        "(14 encounters of a minute or more each); fitted with the other constants to the case and the patterns, "
        "not identified: the intervals carry its posterior (docs/calibration/identifiability.md)")
    homophily: float = number(
        3.0, 1.0, 50.0, "odds ratio of same- vs cross-organisation conversation",
        "McPherson et al. 2001; Ingram & Morris 2007")
    acquaintance_preference: float = number(
        1.0, 1.0, 20.0, "at an unstructured meeting, odds ratio of a cross-organisation conversation with someone "
        "one already knows against a stranger (a stranger is turned down 1 - 1/preference more often)",
        "Ingram & Morris 2007: guests knew about a third of the others, yet up to half of their encounters were "
        "with people they knew (odds ratio about 2); fitted to that pattern (docs/validation.md)")
    tie_use_rate: float = number(
        0.04, 0.0, 1.0, "weekly probability a tie of strength 1 is used",
        "fitted with the other constants to the case and the published patterns (prior U(0.01, 0.16)); Burt's "
        "bridge pattern responds to it; the case study runs at its posterior (docs/calibration/identifiability.md)")
    triadic_rate: float = number(
        0.05, 0.0, 1.0, "weekly probability a leader is introduced to a friend of a friend",
        "Davidsen et al. 2002")
    random_encounter_rate: float = number(
        0.02, 0.0, 1.0, "weekly probability of a chance encounter per leader", "Davidsen et al. 2002")
    meeting_evidence: float = number(
        0.2, 0.0, 1.0, "weight of a cross-organisation conversation as trust evidence",
        "assumed (an issue observation has weight 1)")

    # --- collective issues -------------------------------------------------------
    issue_rate: float = number(
        3.0, 0.0, 50.0, "collective issues arriving per week (Poisson mean)",
        "fitted with the other constants to the case and the published patterns (prior U(1, 9): no count of such "
        "issues was found); the case study runs at its posterior (docs/calibration/identifiability.md)")
    orgs_per_issue: int = number(
        4, 2, 50, "organisations an issue involves", "Pacheco et al. 2009 (group size N)",
        integer=True)
    issue_threshold: int = number(
        3, 1, 50, "contributions needed for success (M)", "Pacheco et al. 2009 (threshold M)",
        integer=True)
    system_benefit: float = number(
        1.5, 0.0, 20.0, "system payoff of a successful issue (B)", "Santos & Pacheco 2011")
    contribution_cost: float = number(
        1.5, 0.0, 20.0, "own-organisation cost of contributing at full statutory pressure (c)",
        "Santos & Pacheco 2011")
    logit_beta: float = number(
        4.0, 0.0, 100.0, "logit choice intensity (beta)", "McFadden 1974; Pacheco et al. 2009")
    interpersonal_weight: float = number(
        0.6, 0.0, 1.0, "weight of interpersonal vs inter-organisational trust in expectations",
        "Zaheer, McEvily & Perrone 1998")

    # --- perception ----------------------------------------------------------------
    perception_noise: float = number(
        0.25, 0.0, 2.0, "perception noise at zero listening (nu0)",
        "Steiglechner et al. 2024: 0.1-0.4")

    # --- trust -----------------------------------------------------------------------
    trust_forgetting: float = number(
        0.9, 0.5, 1.0, "forgetting factor on trust evidence per observation (phi)",
        "Josang & Ismail 2002: 0.8-0.98")
    loss_aversion: float = number(
        1.5, 1.0, 10.0, "weight of a perceived defection relative to a cooperation",
        "Slovic 1993: 1-5")
    listening_trust_gain: float = number(
        0.5, 0.0, 5.0, "extra trust gain in a partner per unit of that partner's listening",
        "brief: being listened to raises trust gain (Kluger et al.)")
    prior_history: float = number(
        6.0, 0.0, 100.0, "observations behind the trust of ties that exist at the start", "assumed")
    within_org_conduct: float = number(
        0.8, 0.0, 1.0, "cooperation seen from same-organisation colleagues at the start", "assumed")

    # --- orientation ----------------------------------------------------------------
    orientation_rate: float = number(
        0.1, 0.0, 1.0, "weekly step towards the Friedkin-Johnsen target",
        "Friedkin & Johnsen 1990 give the form, not the pace; fitted with the other constants to the case and the "
        "published patterns (prior U(0.03, 0.3)); the attitude pattern responds to it; the case study runs at its "
        "posterior (docs/calibration/identifiability.md)")
    self_weight: float = number(
        1.0, 0.0, 100.0, "weight a leader puts on own opinion in W", "Friedkin & Johnsen 1990")
    win_reinforcement: float = number(
        0.03, 0.0, 1.0, "orientation gain of contributors after a joint success",
        "Ansell & Gash 2008 (small wins)")
    failure_discouragement: float = number(
        0.02, 0.0, 1.0, "orientation loss of contributors after a failed issue",
        "Vangen & Huxham 2003")

    # --- ties ----------------------------------------------------------------------
    tie_growth: float = number(
        0.2, 0.0, 1.0, "strength gain per interaction, w += g (1 - w)", "Burt 2000")
    bridge_decay: float = number(
        0.04, 0.0, 1.0, "weekly decay of an unused bridge (ends share no strong contact)",
        "Burt 2002 (bankers: about nine in ten bridges gone within a year); fitted to that pattern, which "
        "bounds it from below (docs/validation.md; ODD 1)")
    embedded_decay: float = number(
        0.02, 0.0, 1.0, "weekly decay of an unused embedded tie",
        "Burt 2002 suggests ~0.01; 0.02 so the baseline is stationary within the burn-in (ODD 7.6)")
    tie_removal: float = number(
        0.1, 0.0, 0.5, "ties weaker than this are dropped", "assumed")
    strong_tie: float = number(
        0.5, 0.0, 1.0, "strength from which a tie counts as strong", "Granovetter 1973 (assumed)")

    # --- efficacy and system sight ----------------------------------------------------
    efficacy_rate: float = number(
        0.1, 0.0, 1.0, "smoothing rate of efficacy on joined issues", "Bandura 1997")
    sight_rate: float = number(
        0.2, 0.0, 1.0, "smoothing rate of system sight towards network reach", "assumed")
    structure_every: int = number(
        4, 1, 52, "weeks between recomputations of embeddedness and reach", "assumed (monthly)",
        integer=True)

    # --- turnover --------------------------------------------------------------------------
    turnover_rate: float = number(
        0.0, 0.0, 1.0, "weekly probability that a leader leaves (a newcomer takes the slot)",
        "0: none (the case's six months); NHS senior leaders 0.0043 (sim.turnover.NHS_SENIOR_LEADERS: about a "
        "fifth of board directors appointed within a year, chief executives' median tenure about three years; "
        "Anandaciva et al. 2018)")

    def check_together(self, prefix: str = "behaviour") -> None:
        if self.trust_propensity_low > self.trust_propensity_high:
            raise ConfigError(
                f"{prefix}.trust_propensity_low={self.trust_propensity_low!r}: "
                f"must not exceed trust_propensity_high={self.trust_propensity_high!r}")
        if self.issue_threshold > self.orgs_per_issue:
            raise ConfigError(
                f"{prefix}.issue_threshold={self.issue_threshold!r}: "
                f"must not exceed orgs_per_issue={self.orgs_per_issue!r}")

    @classmethod
    def from_dict(cls, values: dict[str, Any] | None = None, prefix: str = "behaviour") -> "BehaviourParams":
        return super().from_dict(values, prefix)


def parameter_table() -> list[dict[str, Any]]:
    """One row per declared setting of the model: behaviour, survey and every registered
    intervention (with that intervention's own defaults): group, name, default,
    admissible values, meaning, source. docs/ODD.md section 8 lists the same."""
    from sim.interventions import INTERVENTIONS
    from sim.schema import rows
    from sim.survey import SurveyParams

    from sim.mechanisms import Mechanisms

    out = rows("behaviour", BehaviourParams) + rows("survey", SurveyParams) + rows("mechanisms", Mechanisms)
    for name, factory in INTERVENTIONS.items():
        settings = factory({}, f"intervention.{name}")
        out += rows(f"intervention.{name}", type(settings), settings)
    return out
