"""Which constants the headline outputs rest on: a constant whose total Sobol index for a
headline output is 0.1 or more needs a source or a posterior (tests/test_sources.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from experiments.analysis.design import OUTPUT_WORDS
from experiments.running.config import ASSUMED, spec_of_path

HEADLINE = ("system_first_participants_effect", "system_first_others_effect", "orientation_effect", "cascade_effect",
            "cross_org_ties_effect", "cross_org_ties_others_effect", "issue_success_effect", "network_agree_end",
            "see_system_end", "influence_disagree_end")
"""The headline outputs: participants' and non-participants' system-first share, orientation and
strong cross-organisation ties, issue success and the case's survey items (a constant whose
total index for one of them is 0.1 or more needs a source or a posterior: tests/test_sources.py)."""


def resting_on_assumptions(indices: pd.DataFrame, calibrated: set[str], threshold: float = 0.1,
                           outputs=HEADLINE) -> pd.DataFrame:
    """The (output, parameter) pairs where a headline output's total Sobol index is at least
    `threshold` for a constant that is neither sourced (its declared source calls it assumed)
    nor calibrated (a posterior fitted to named patterns: `calibrated` dotted paths); and, as
    rows with no index, every headline output or (output, parameter) pair the table lacks, so a
    stale or partial table cannot pass."""
    rows = []
    parameters = sorted(set(indices["parameter"]))
    for output in outputs:
        have = set(indices.loc[indices["output"] == output, "parameter"])
        for parameter in parameters:
            if parameter not in have:
                rows.append({"output": output, "parameter": parameter, "ST": np.nan, "source": "missing from the table"})
    for _, r in indices[indices["output"].isin(outputs) & (indices["ST"] >= threshold)].iterrows():
        spec = spec_of_path(r["parameter"])
        source = (spec.source if spec is not None else "").lower()
        if r["parameter"] in calibrated or (spec is not None and not any(w in source for w in ASSUMED)):
            continue
        rows.append({"output": r["output"], "parameter": r["parameter"], "ST": float(r["ST"]),
                     "source": spec.source if spec is not None else "(not a declared setting)"})
    return pd.DataFrame(rows, columns=["output", "parameter", "ST", "source"])


NOT_SCREENED = {
    "behaviour.colleague_strength": "starting strengths of ties; the 104-week burn-in replaces them",
    "behaviour.forum_acquaintance_strength": "starting strengths of ties; the 104-week burn-in replaces them",
    "behaviour.weak_tie_strength": "starting strengths of ties; the 104-week burn-in replaces them",
    "behaviour.strong_tie": "the threshold that defines a strong tie, in which the outputs are measured (a definition)",
    "behaviour.structure_every": "how often embeddedness and reach are recomputed (a computing cadence, whole weeks)",
    "survey.response_rate": "who answers is drawn at random: it changes the survey figures' sampling noise, not "
                            "their expected value",
    "survey.comparison_size": "off unless a user surveys a comparison group",
    "survey.cut_offsets": "four cut points (a tuple the design cannot vary); the network item's cuts move with "
                          "its anchored cut in every run, and the survey figures are fitted given them",
    "survey.symmetric_cuts": "four cut points (a tuple the design cannot vary); the survey figures are fitted "
                             "given them, and their effect is measured apart (docs/experiments.md: cuts 25% "
                             "closer or wider move the held-out item between 32% and 27%)",
    "mechanisms.confidence_bound": "acts only under the bounded-confidence rule sets of the structural study",
    "mechanisms.listening_tie_gain": "acts only under the relationship-building listening rule sets of the "
                                     "structural study",
    "intervention.leadership_programme.workshop_every_weeks": "the programme's schedule: a design choice the "
                                                              "duration_intensity sweep varies",
    "intervention.leadership_programme.set_every_weeks": "the programme's schedule: a design choice",
    "intervention.leadership_programme.coaching_every_weeks": "the programme's schedule: a design choice",
    "intervention.leadership_programme.follow_on_every_weeks": "the follow-on's schedule: a design choice the "
                                                               "follow_on sweep varies",
}
"""Assumed settings the case study uses that the screening design (conf/experiment/sensitivity_assumed.yaml)
leaves out, each with its reason; tests/test_sources.py fails for an assumed setting in neither."""


def assumed_case_settings() -> set[str]:
    """The dotted paths of the settings the case study uses (behaviour, survey, mechanisms, the
    leadership programme) whose declared source calls the value assumed."""
    from sim import parameter_table

    groups = ("behaviour", "survey", "mechanisms", "intervention.leadership_programme")
    return {f"{r['group']}.{r['name']}" for r in parameter_table()
            if r["group"] in groups and any(w in r["source"].lower() for w in ASSUMED)}


FOUND_BY_THE_SCREENING: dict[str, tuple[str, ...]] = {}
"""What the screening of the assumed constants found (docs/sensitivity/assumed/; docs/experiments.md,
"Screening the assumed constants"): each assumed constant with the headline outputs whose total
Sobol index on it is 0.1 or more. Empty since the screening over the sixteen-constant posterior: the
six constants the earlier screenings found are fitted. A constant found again enters here, and
tests/test_sources.py fails until it does; it leaves when it has a source or a posterior."""

NOT_CARRIED_BY_THE_SURROGATE: dict[str, str] = {
    "cross_org_ties_others_effect": (
        "a skewed count (most rows near 0, the top 1% above 0.10 new strong ties a non-participant): the "
        "polynomial surrogate carries 91% of its variance on the rows it was fitted to but 74% of rows it was "
        "not (81% at best over enrichment thresholds 0.02-0.1 and degrees 3-9), so its indices are the "
        "pick-freeze ones, with intervals 0.11-0.22 wide for the top three"),
}
"""The headline outputs whose Sobol indices in the shipped study (docs/sensitivity/sensitivity.csv)
are the pick-freeze estimates because the surrogate does not carry them (design.SURROGATE_SHARE,
SURROGATE_HELD_OUT_SHARE), with the reason: their total indices are wider than issue 23's 0.05, and
docs/experiments.md says so. tests/test_sources.py fails when the table and this record differ."""

SETTING_WORDS: dict[str, str] = {}
"""The screening's constants in plain words, for a board report (each key of FOUND_BY_THE_SCREENING)."""



def unidentified_under_headlines(indices: pd.DataFrame, summary: pd.DataFrame, threshold: float = 0.1,
                                 outputs=HEADLINE) -> dict[str, tuple[str, ...]]:
    """Fitted constants the calibration does not identify (`summary`, the posterior summary: its
    `identified` column, contraction below 0.5) whose total Sobol index for a headline output is at
    least `threshold`: each (dotted path) with those outputs, largest index first. Having a posterior
    does not make a constant known: the case's intervals carry these constants' nearly whole priors."""
    unidentified = set(summary.loc[~summary["identified"].astype(bool), "path"])
    rows = indices[indices["output"].isin(outputs) & indices["parameter"].isin(unidentified)
                   & (indices["ST"] >= threshold)].sort_values("ST", ascending=False)
    return {path: tuple(rows.loc[rows["parameter"] == path, "output"])
            for path in sorted(set(rows["parameter"]), key=lambda p: -rows.loc[rows["parameter"] == p, "ST"].max())}


NOT_IDENTIFIED_UNDER_HEADLINES = {
    "behaviour.risk_appetite_mean": (
        "influence_disagree_end", "issue_success_effect", "system_first_participants_effect"),
    "behaviour.logit_beta": (
        "system_first_participants_effect", "issue_success_effect", "system_first_others_effect"),
    "survey.retrospective_shift": ("see_system_end",),
    "behaviour.orientation_rate": (
        "cascade_effect", "system_first_others_effect", "orientation_effect", "issue_success_effect"),
    "behaviour.tie_use_rate": (
        "cross_org_ties_others_effect", "cross_org_ties_effect", "see_system_end", "network_agree_end"),
    "intervention.leadership_programme.engagement_mean": (
        "network_agree_end", "system_first_participants_effect", "cross_org_ties_effect",
        "cross_org_ties_others_effect", "issue_success_effect", "orientation_effect", "cascade_effect",
        "system_first_others_effect"),
    "behaviour.bridge_decay": ("network_agree_end", "cross_org_ties_others_effect", "see_system_end"),
    "survey.end_shift": ("influence_disagree_end", "see_system_end", "network_agree_end"),
    "intervention.leadership_programme.workshop_contacts": ("cross_org_ties_effect", "cross_org_ties_others_effect"),
    "behaviour.issue_rate": ("cross_org_ties_others_effect",),
}
"""What `unidentified_under_headlines` finds in the shipped tables (the Sobol study,
docs/sensitivity/sensitivity.csv, which varies every fitted constant over its posterior's 95% interval,
and docs/calibration/posterior_summary.csv; the screening of assumed constants at N = 256 names the
same ten constants); tests/test_sources.py fails when they say otherwise. The
case study's printout and the board report name them: fitted, not known."""

NOT_IDENTIFIED_WORDS = {
    "behaviour.risk_appetite_mean": "how much risk leaders will take for the system",
    "behaviour.tie_use_rate": "how often people use a relationship between meetings",
    "behaviour.logit_beta": "how closely leaders' choices follow what they stand to gain",
    "behaviour.orientation_rate": "how fast leaders' outlook moves",
    "survey.retrospective_shift": "how generously people rate their own improvement",
    "behaviour.bridge_decay": "how fast unused links between organisations fade",
    "intervention.leadership_programme.engagement_mean": "how fully participants take part",
    "intervention.leadership_programme.workshop_contacts": "how many people each participant talks to at a workshop",
    "survey.end_shift": "how the programme shifts the yardstick people answer by",
    "behaviour.issue_rate": "how many shared problems arise",
}
"""Plain words for each of NOT_IDENTIFIED_UNDER_HEADLINES, for a board report."""


def unidentified_line() -> str:
    """One printed line naming the fitted constants the case and the patterns leave close to their
    priors and the headline figures that rest on them (empty when there are none)."""
    if not NOT_IDENTIFIED_UNDER_HEADLINES:
        return ""
    parts = [f"{path.split('.')[-1]} ({OUTPUT_WORDS[outputs[0]]}"
             + (f" and {len(outputs) - 1} more" if len(outputs) > 1 else "") + ")"
             for path, outputs in NOT_IDENTIFIED_UNDER_HEADLINES.items()]
    return ("- Fitted but not identified (contraction below 0.5: the case and the published patterns narrow each "
            "little, so the intervals above carry most of its prior) and carrying headline figures (total Sobol "
            "index 0.1 or more; docs/calibration/identifiability.md): " + "; ".join(parts) + ".")


def screening_line(value_of) -> str:
    """One printed line naming the assumed constants the screening found under headline figures,
    each with its value in this run (`value_of(path)`) and what rests on it; empty when it found none."""
    if not FOUND_BY_THE_SCREENING:
        return ""
    parts = [f"{path.split('.')[-1]}={value_of(path):g} ({', '.join(OUTPUT_WORDS[o] for o in outputs)})"
             for path, outputs in FOUND_BY_THE_SCREENING.items()]
    return ("- Assumed, not calibrated yet, and carrying headline figures (total Sobol index 0.1 or more over half "
            "to twice their value; docs/experiments.md, 'Screening the assumed constants'): " + "; ".join(parts)
            + ". The intervals above leave them out.")
