"""A small, plain-language API for notebooks: run a programme, compare designs, load a sweep.

    from experiments.explore import run_programme, compare, load_sweep, glossary

    result = run_programme(people_on_programme=60, who_we_pick="at random")
    result.headline()           # a few sentences in plain words
    result.survey_table         # observed vs simulated vs no programme
    result.plot_survey(); result.plot_over_time(); result.plot_network()

Settings have plain names (see `glossary()`), mapped to the model's parameters
and composed through Hydra's compose API (never `@hydra.main` in a notebook), so a
notebook runs exactly what `python -m experiments.run` would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from experiments import analysis, plots
from experiments.calibrate import compose_checked
from experiments.run import programme_end, run_replicates

P = "intervention.leadership_programme."
WHO_WE_PICK = {
    "at random": "random",
    "most senior first": "seniority",
    "best-connected brokers": "brokerage",
    "equal numbers per organisation": "quota",
    "whole teams": "teams",
}

# plain name -> (model parameter, meaning, how the value is translated)
GLOSSARY: dict[str, tuple[str, str]] = {
    "people_on_programme": (P + "cohort_size", "how many leaders take part (the case: 60)"),
    "who_we_pick": (P + "selection", "how participants are chosen: " + ", ".join(WHO_WE_PICK)),
    "programme_months": (P + "duration_weeks", "how long the programme runs, in months (the case: 6)"),
    "workshops_per_month": (P + "workshop_every_weeks", "how often the whole cohort meets"),
    "mix_people_across_organisations": (P + "mixing", "workshops deliberately mix people from different organisations"),
    "action_learning_sets": (P + "action_learning", "small sets of leaders from different organisations"),
    "coaching_and_mentoring": (P + "coaching", "coaching that improves listening"),
    "system_content": (P + "system_sight", "teaching about the whole system and what system leadership means"),
    "governance_sessions": (P + "governance", "work on governance and risk appetite"),
    "alumni_follow_on": (P + "follow_on", "alumni sets keep meeting every quarter after the programme"),
    "statutory_pressure": ("behaviour.pressure_scale",
                           "how strongly each organisation's own targets pull (1 = as now, 0 = none, 1.5 = more)"),
    "partnership": ("scenario / scenario_file", "'bnssg', 'small', or the path of your own partnership file"),
    "repeats": ("run.replicates", "how many times the future is simulated (more = steadier answers, slower)"),
    "years_followed": ("run.weeks", "how long to follow up, in years (the case: 2)"),
}


def glossary() -> pd.DataFrame:
    """The plain-language settings, the model parameters they set, and what they mean."""
    return pd.DataFrame([{"setting": k, "model parameter": v[0], "meaning": v[1]} for k, v in GLOSSARY.items()])


def _overrides(settings: dict[str, Any]) -> list[str]:
    out = []
    for name, value in settings.items():
        if value is None:
            continue
        if name not in GLOSSARY:
            raise ValueError(f"{name}={value!r}: unknown setting (see glossary())")
        if name == "partnership":
            text = str(value)
            out.append(f"scenario_file={text}" if text.endswith((".yaml", ".yml")) else f"scenario={text}")
            continue
        key = GLOSSARY[name][0]
        if name == "who_we_pick":
            if value not in WHO_WE_PICK:
                raise ValueError(f"who_we_pick={value!r}: choose from {', '.join(WHO_WE_PICK)}")
            value = WHO_WE_PICK[value]
        elif name == "programme_months":
            value = max(1, round(float(value) * 52 / 12))
        elif name == "workshops_per_month":
            value = max(1, round(4.33 / float(value)))
        elif name == "alumni_follow_on":
            value = "alumni_sets" if value else "none"
        elif name == "years_followed":
            value = max(1, round(float(value) * 52))
        elif isinstance(value, bool):
            value = str(value).lower()
        out.append(f"{key}={value}")
    return out


@dataclass
class Result:
    """One design of the programme against no programme, over many simulated futures."""

    settings: dict[str, Any]
    results: pd.DataFrame
    survey: pd.DataFrame
    effects: pd.DataFrame
    survey_table: pd.DataFrame
    networks: dict = field(repr=False, default_factory=dict)
    end_week: int = 26
    strong_tie: float = 0.5

    def effect(self, metric: str, week: int | None = None) -> float:
        e = self.effects[(self.effects["metric"] == metric) & (self.effects["week"] == (week or self.end_week))]
        return float(e["effect"].iloc[0]) if len(e) else float("nan")

    def headline(self) -> str:
        """What the numbers say, in plain words."""
        t = self.survey_table.set_index("statistic")
        net_on = t.loc["network_agree_end", "simulated"]
        net_off = t.loc["network_agree_end", "counterfactual"]
        ties_p = self.effect("strong_cross_ties_participants")
        ori_p = self.effect("orientation_participants")
        ori_o = self.effect("orientation_others")
        later = [w for w in (52, 104) if w in set(self.effects["week"])]
        lines = [
            f"By the end of the programme (week {self.end_week}), {net_on:.0%} of participants say they have a "
            f"strong network in the system, against {net_off:.0%} had there been no programme.",
            f"Each participant gains on average {ties_p:+.1f} strong relationships across organisations.",
            f"Participants' system orientation moves by {ori_p:+.3f} (on a 0-1 scale); leaders who did not take "
            f"part move by {ori_o:+.3f}: {'some' if ori_o > 0.002 else 'almost none'} of the effect cascades.",
        ]
        if later:
            w = later[-1]
            kept = self.effect("strong_cross_ties_participants", w)
            lines.append(f"At week {w}, the gain in cross-organisation relationships is {kept:+.1f}: "
                         + ("it lasts." if ties_p and kept > 0.5 * ties_p else "most of it has faded."))
        return "\n".join(lines)

    def plot_survey(self):
        return plots.survey_bars(self.survey_table)

    def plot_over_time(self):
        metrics = {"orientation": "system orientation", "system_first": "system-first choices",
                   "strong_cross_ties": "strong cross-organisation ties per leader",
                   "cross_org_trust": "trust across organisations"}
        return plots.time_series(self.results, metrics, self.end_week)

    def plot_network(self):
        titles = {"week_0": "before the programme", f"week_{self.end_week}": "end of the programme"}
        return plots.network_before_after(self.networks, self.strong_tie, titles)


def run_programme(repeats: int = 20, years_followed: float = 2, seed: int = 20261126, workers: int = 2,
                  **settings: Any) -> Result:
    """Run the leadership programme with plain-language settings against no programme."""
    settings = {"repeats": repeats, "years_followed": years_followed, **settings}
    overrides = _overrides(settings)
    checked, cfg = compose_checked(overrides)
    end = programme_end(checked)
    results, survey, networks, _ = run_replicates(checked, cfg.run.replicates, cfg.run.weeks, cfg.run.burn_in_weeks,
                                                  seed, {"label": "notebook"}, workers=workers,
                                                  capture_network_at=(0, end))
    follow = [w for w in (end, 52, 104) if w <= cfg.run.weeks]
    effects = analysis.effect_table(results, follow)
    observed = {k: dict(v) for k, v in cfg.case.observed.items()} if cfg.case else {}
    table = analysis.survey_table(analysis.survey_statistics(survey, end), observed)
    return Result(settings, results, survey, effects, table, networks, end, checked.behaviour.strong_tie)


def compare(options: dict[str, dict[str, Any]], repeats: int = 20, **common: Any) -> pd.DataFrame:
    """Run several designs (same random futures for each) and tabulate their effects.

    `options` maps a name you choose to plain-language settings.
    """
    rows = []
    for name, settings in options.items():
        r = run_programme(repeats=repeats, **{**common, **settings})
        t = r.survey_table.set_index("statistic")
        rows.append({"design": name,
                     "network agree at end": t.loc["network_agree_end", "simulated"],
                     "without programme": t.loc["network_agree_end", "counterfactual"],
                     "new cross-org ties per participant": r.effect("strong_cross_ties_participants"),
                     "orientation shift, participants": r.effect("orientation_participants"),
                     "orientation shift, others": r.effect("orientation_others"),
                     "ties left a year on": r.effect("strong_cross_ties_participants", 52)})
    return pd.DataFrame(rows).set_index("design")


def load_sweep(directory: str | Path) -> dict[str, pd.DataFrame]:
    """A finished sweep's tables (aggregating it first if needed)."""
    from experiments.aggregate import aggregate

    d = Path(directory)
    if not (d / "sweep_results.parquet").is_file():
        aggregate(d, quiet=True)
    out = {"results": pd.read_parquet(d / "sweep_results.parquet")}
    for name in ("sweep_summary", "sensitivity"):
        if (d / f"{name}.csv").is_file():
            out[name] = pd.read_csv(d / f"{name}.csv")
    return out
