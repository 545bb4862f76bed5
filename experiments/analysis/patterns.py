"""The published patterns the model is held against, and how each is measured on a paired run.

Each `Pattern` says where its figure comes from, what the figure and its interval are, how it
maps onto the model's outputs (which leaders, which weeks, which denominator, which SD), and
whether the calibration fits it or it stays a test. The mappings are the ones docs/validation.md
fixed before any fitting; `measure_pair` computes every statistic from one paired replicate (the
programme and its counterfactual from one shared burn-in, with the same seed), and
`experiments.analysis.validate` pools them over replicates into verdicts.

Definitions used throughout:

- **participants**: the programme's cohort still in the partnership;
- **d** (a standardised effect, Cohen's d on per-leader values): the mean over participants in
  the programme arm minus the mean over the same people in the counterfactual arm, over the SD
  across participants in the counterfactual arm;
- **trained capacities**: what the programme's sessions raise: listening (coaching), system sight
  (content), efficacy (content), risk appetite (governance);
- **per-leader system-first share**: `sim.metrics.system_first_share` (expected shares).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.meetings import acquaintance_mixing, mixing_odds_ratio
from sim.metrics import decision_record, system_first_share
from sim.survey import expected_shares

CAPACITIES = ("listening", "system_sight", "efficacy", "risk_appetite")
"""The capacities the programme trains (learning and retention are measured on them)."""


@dataclass(frozen=True)
class Pattern:
    name: str
    source: str
    published: str
    """The published figure, in words."""
    low: float
    high: float
    """The target interval the model's figure must fall in."""
    mapping: str
    role: str
    """"fitted" (a constant is calibrated to it) or "test" (never used in fitting)."""


PATTERNS = (
    Pattern("learning_d", "Lacerenza et al. 2017 (335 samples); Arthur et al. 2003 (k = 234); Collins & Holton 2004",
            "leadership training raises learning by delta .73 (Lacerenza; pooled over pre-post and control-group "
            "designs); organisational training's learning d .63 (Arthur et al.); managerial knowledge d .96 in "
            "control-group designs (Collins & Holton)", 0.63, 0.96,
            "participants' d on the four trained capacities (listening, system sight, efficacy, risk appetite) at "
            "the programme's end, averaged over the four", "test"),
    Pattern("transfer_d", "Lacerenza et al. 2017; Avolio et al. 2009; Collins & Holton 2004",
            "transfer to on-the-job behaviour delta .82 (Lacerenza; an upper bound: pooled with single-group "
            "pre-post designs); leadership interventions in experimental and quasi-experimental studies d about "
            ".58 (Avolio et al.: 66% probability of a positive outcome); managerial expertise d .35 in control-"
            "group designs (Collins & Holton)", 0.35, 0.82,
            "participants' d on their per-leader system-first share over the 26 weeks after the programme "
            "(weeks 27-52; expected shares, leaders with at least one decision in both arms)", "fitted"),
    Pattern("attitude_d", "Bezrukova, Spell, Perry & Jehn 2016 (260 samples)",
            "training's effects on attitudinal and affective learning are smaller than its overall effect (Hedges "
            "g .38) and decay over time; no attitudinal figure of their own is published in the abstract, so the "
            "upper bound is the overall .38 and the lower bound 0.10 (a small effect) is a judgement", 0.10, 0.38,
            "participants' d on system orientation (the attitude the programme's system-first message moves) at "
            "the programme's end", "fitted"),
    Pattern("retention_share", "Tatel & Ackerman 2025 (1,344 effect sizes); Arthur et al. 1998",
            "half of procedural-skill gains lost after about 6.5 (accuracy) to 13 (speed) months of non-use: "
            "28-53% of a gain left after twelve months without use", 0.28, 0.53,
            "participants' mean d on the four trained capacities 52 weeks after the programme's end (week 78) over "
            "the same at its end (week 26)", "test"),
    Pattern("bridges_gone", "Burt 2002 (bankers in one organisation, four years)",
            "nine in ten bridges one year are gone the next; bridges decay faster than other relationships",
            0.80, 0.95,
            "in the counterfactual arm (no programme): the strong cross-organisation ties that are bridges (their "
            "ends share no strong contact) at week 0, and the share of them that are no longer strong ties at "
            "week 52 (a relationship no longer named)", "fitted"),
    Pattern("mixing_odds_ratio", "Ingram & Morris 2007 (about 100 guests at a mixer, electronic name tags)",
            "guests knew about a third of the others beforehand, yet about half of their 14 encounters on "
            "average were with people they knew: an odds ratio of about 2 for meeting a known person", 1.5, 3.0,
            "at the partnership's unstructured forums in the counterfactual arm at week 26: the odds that a "
            "cross-organisation conversation is with someone the leader has a tie with, over the odds that a "
            "cross-organisation pair of attendees has a tie (`sim.meetings.acquaintance_mixing`, 20 probe "
            "meetings of every forum)", "fitted"),
)
"""The published patterns (docs/validation.md), in the order the panel reports them."""

CASE = {
    "network_agree_start": ("the case: 44% of participants agreed they had a strong network at the start", "sets the "
                            "network item's cut (reference population)"),
    "network_agree_end": ("the case: 82% agreed at the end", "fitted"),
    "see_system_strongly_agree_end": ("the case: 80% strongly agreed they had improved their ability to see the "
                                      "system", "fitted"),
    "influence_disagree_end": ("the case: 0% disagreed that they could influence the system", "test (held out)"),
}
"""The case's four survey figures (docs/case.md)."""


def standardised_effect(treated: np.ndarray, untreated: np.ndarray) -> float:
    """Cohen's d on per-leader values: mean(treated) - mean(untreated), over the SD of the untreated
    (NaN-free values; NaN when there are fewer than two untreated or their SD is 0)."""
    treated, untreated = np.asarray(treated, float), np.asarray(untreated, float)
    if untreated.size < 2 or treated.size < 1:
        return float("nan")
    sd = untreated.std(ddof=1)
    return float((treated.mean() - untreated.mean()) / sd) if sd > 0 else float("nan")


def _capacities(model, members: np.ndarray) -> dict[str, np.ndarray]:
    leaders = model.state.leaders
    return {name: getattr(leaders, name)[members].copy() for name in CAPACITIES}


def _strong(model) -> tuple[set, set]:
    """(strong cross-organisation bridges, strong embedded ties) as sets of leader-id pairs."""
    ties, ids = model.state.ties, model.state.leaders.ids
    strong = ties.w >= model.params.strong_tie
    embedded = ties.embedded_now(model.params.strong_tie)
    u, v = ids[ties.u], ids[ties.v]
    bridges = strong & ties.cross & ~embedded
    return set(zip(u[bridges].tolist(), v[bridges].tolist())), set(zip(u[strong & embedded].tolist(),
                                                                         v[strong & embedded].tolist()))


def _still_strong(model, pairs: set) -> float:
    ties, ids = model.state.ties, model.state.leaders.ids
    strong = ties.w >= model.params.strong_tie
    now = set(zip(ids[ties.u[strong]].tolist(), ids[ties.v[strong]].tolist()))
    return len(pairs & now) / len(pairs) if pairs else float("nan")


def _run_to(model, week: int) -> None:
    if week > model.week:
        model.run_for(week - model.week)


def measure_pair(spec, seed: int, end: int, follow: int = 52, retention_week: int | None = None) -> dict[str, float]:
    """Every statistic of the panel from one paired replicate of `spec` (a `RunSpec` with a
    programme ending in week `end`): the patterns' statistics, the case's survey figures (the
    programme arm's respondents, as reported and from real change alone), and the parts each is
    made of. Runs both arms to `retention_week` (default: 52 weeks after the end) or `follow`."""
    retention_week = retention_week or end + 52
    last = max(follow, retention_week)
    seen: dict[str, dict] = {}
    for arm, model in spec.pair(seed, weeks=last, observe=False):  # nothing here reads the weekly metrics
        programme = model.state.interventions[0]
        members = programme.members
        record = {"capacities_end": None, "capacities_late": None}
        if arm == "counterfactual":
            bridges, embedded = _strong(model)
        _run_to(model, end)
        record["capacities_end"] = _capacities(model, programme.members)
        record["orientation_end"] = model.state.leaders.orientation[programme.members].copy()
        record["members_end"] = programme.members.copy()
        record["ids_end"] = model.state.leaders.ids[programme.members].copy()
        start = decision_record(model.state.leaders)
        if arm == "intervention" and model.survey is not None:
            record["survey"] = model.survey.statistics(end, "participant")
            record["survey_real"] = model.survey.statistics(end, "participant", without_shift=True)
            record["survey_start"] = model.survey.statistics(0, "participant")
            record["expected"] = expected_shares(model.survey, model, without_shift=True)
        if arm == "counterfactual":
            record["mixing"] = acquaintance_mixing(model.state, model.params, range(10_000, 10_020))
        _run_to(model, follow)
        record["transfer"] = system_first_share(start, decision_record(model.state.leaders))[record["members_end"]]
        if arm == "counterfactual":
            record["bridges_kept"] = _still_strong(model, bridges)
            record["embedded_kept"] = _still_strong(model, embedded)
        _run_to(model, retention_week)
        record["members_late"] = programme.members.copy()
        record["capacities_late"] = _capacities(model, programme.members)
        seen[arm] = record
    a, b = seen["intervention"], seen["counterfactual"]
    out: dict[str, float] = {}
    end_d = {c: standardised_effect(a["capacities_end"][c], b["capacities_end"][c]) for c in CAPACITIES}
    late_d = {c: standardised_effect(a["capacities_late"][c], b["capacities_late"][c]) for c in CAPACITIES}
    for c in CAPACITIES:
        out[f"learning_d_{c}"] = end_d[c]
        out[f"late_d_{c}"] = late_d[c]
    out["learning_d"] = float(np.mean(list(end_d.values())))
    out["late_d"] = float(np.mean(list(late_d.values())))
    out["retention_share"] = out["late_d"] / out["learning_d"] if out["learning_d"] > 0 else float("nan")
    out["attitude_d"] = standardised_effect(a["orientation_end"], b["orientation_end"])
    both = ~np.isnan(a["transfer"]) & ~np.isnan(b["transfer"])
    out["transfer_d"] = standardised_effect(a["transfer"][both], b["transfer"][both])
    out["transfer_effect"] = float(np.nanmean(a["transfer"][both] - b["transfer"][both])) if both.any() else np.nan
    out["transfer_leaders"] = float(both.sum())
    out["bridges_gone"] = 1.0 - b["bridges_kept"]
    out["embedded_gone"] = 1.0 - b["embedded_kept"]
    out["mixing_odds_ratio"] = mixing_odds_ratio(b["mixing"])
    out["mixing_known_share"] = b["mixing"]["with_known"] / max(b["mixing"]["conversations"], 1)
    out["mixing_available_share"] = b["mixing"]["known_pairs"] / max(b["mixing"]["pairs"], 1)
    if "survey" in a:
        out["network_agree_start"] = a["survey_start"]["network_agree"]
        out["network_agree_end"] = a["survey"]["network_agree"]
        out["see_system_strongly_agree_end"] = a["survey"]["see_system_strongly_agree"]
        out["influence_disagree_end"] = a["survey"]["influence_disagree"]
        for k, v in a["survey_real"].items():
            out[f"{k}_end_real_change"] = v
    return out
