"""A job's report: the printed tables and lines, summary.csv, survey_summary.csv and figures."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.analysis.effects import (ROLES, cascade_line, decay_line, effect_table, format_survey_table,
                                         mean_interval, survey_effects, survey_statistics, survey_table)
from experiments.analysis.sources import screening_line, unidentified_line
from experiments.running.config import CheckedConfig, apply_overrides, effect_weeks
from experiments.running.uncertainty import configured_value
from experiments.outputs.files import atomic_write_bytes
from experiments.outputs.spreadsheet import write_summary
from experiments.running.workers import start


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    """Per metric: mean at week 0 and at the last week, with a 95% t-interval across replicates."""
    last = results["week"].max()
    rows = []
    for metric, d in results.groupby("metric", sort=False):
        start = d[d["week"] == 0]["value"]
        mean, lo, hi = mean_interval(d[d["week"] == last]["value"].to_numpy())
        rows.append({"metric": metric, "week 0": start.mean(), f"week {last}": mean,
                     "95% low": lo, "95% high": hi})
    return pd.DataFrame(rows)


def format_table(table: pd.DataFrame) -> str:
    return table.to_string(index=False, float_format=lambda x: f"{x:.3f}")


def follow_up_weeks(config: CheckedConfig, last: int) -> tuple[int, list[int]]:
    """The programme's end (or the last week, if the run stops first) and the weeks effects
    are reported at: the end, 52 and 104, within the run."""
    weeks = effect_weeks(config.programme_end, last)
    return weeks[0], weeks


def rests_on(config: CheckedConfig, table: pd.DataFrame, effects: pd.DataFrame, end: int) -> str:
    """What the headline figures rest on: the response-shift priors and their share of each
    simulated rise, the held-out figure's prediction, content_influence (fitted to a published
    pattern, not measured in the case), the assumed constants the screening found under headline
    figures and the fitted ones the calibration leaves close to their priors."""
    s = config.survey
    lines = ["What these figures rest on (docs/ODD.md 9, docs/calibration/identifiability.md):",
             f"- Response shift: survey.end_shift={s.end_shift:.2f} and survey.retrospective_shift="
             f"{s.retrospective_shift:.2f} item SDs (posterior medians) rest mostly on their priors, from studies of "
             "pre-post and retrospective self-reports of training: the case's figures barely tell them from real "
             "change."]
    parts = [f"{r['item'].replace('_', ' ')} {r['response_shift_share']:.0%}"
             for _, r in table.iterrows() if np.isfinite(r["response_shift_share"])
             and r["statistic"] != "network_agree_start"]
    if parts:
        lines.append("  Share of each simulated rise that is response shift: " + ", ".join(parts) + ".")
    for _, r in table[table.get("role", pd.Series(dtype=str)) == ROLES["held_out"]].iterrows():
        verdict = "hit" if r["covered"] else "MISS"
        lines.append(f"- Held-out test ({r['item'].replace('_', ' ')}: {r['answer']}, not fitted): observed "
                     f"{r['observed']:.0%}, simulated {r['reported']:.0%} [{r['reported_low']:.0%}, "
                     f"{r['reported_high']:.0%}]: {verdict}.")
    programme = config.interventions.get("leadership_programme")
    if programme is not None and programme.system_sight:
        e = effects[effects["week"] == end].set_index("metric")
        if {"orientation_participants", "orientation_others"} <= set(e.index):
            lines.append(
                f"- Orientation effect (participants {e.loc['orientation_participants', 'effect']:+.3f}) and cascade "
                f"(non-participants {e.loc['orientation_others', 'effect']:+.3f}) scale with "
                f"content_influence={programme.content_influence:g}, fitted to a published pattern (training's "
                "effect on attitudes is smaller than its overall g = .38: Bezrukova et al. 2016), not measured in "
                "this case (docs/validation.md; "
                + ("the curve below)." if config.run.assumption_curve else "run.assumption_curve=true prints "
                   "the curve)."))
    for line in ((screening_line(lambda path: configured_value(config, path)), unidentified_line())
                 if programme is not None else ()):
        if line:
            lines.append(line)
    return "\n".join(lines)


def _points(x: float) -> str:
    return "-" if not np.isfinite(x) else f"{x * 100:+.1f}"


def system_first_table(effects: pd.DataFrame, weeks: list[int]) -> str:
    """System-first choices of participants and of leaders who did not take part, with and without
    the programme, at each reported week, the difference in percentage points with its 95% interval
    (printed with the case study; the numbers are summary.csv's system_first rows)."""
    rows = []
    for metric, who in (("system_first_participants", "participants"), ("system_first_others", "non-participants")):
        e = effects[effects["metric"] == metric].set_index("week")
        for week in weeks:
            if week not in e.index:
                continue
            r = e.loc[week]
            base, effect = float(r["counterfactual"]), float(r["effect"])
            interval = (f" [{_points(r['low'])}, {_points(r['high'])}]" if np.isfinite(r["low"]) else "")
            rows.append(f"{who:<18} {week:>5} {base + effect:>15.1%} {base:>17.1%}   "
                        f"{_points(effect)} points{interval}")
    if not rows:
        return ""
    head = (f"System-first choices (share of collective-issue decisions that put the system first):\n"
            f"{'':<18} {'week':>5} {'with programme':>15} {'without programme':>17}   "
            "difference [95% interval]")
    return "\n".join([head, *rows])


def content_curve(config: CheckedConfig, end: int, replicates: int = 10) -> pd.DataFrame | None:
    """The orientation effect and cascade at the programme's end over content_influence's plausible
    range (same seeds for every value); printed and returned."""
    from experiments.inference import content_influence

    programme = config.interventions["leadership_programme"]
    if not programme.system_sight:
        return None
    low, high = content_influence.posterior_range(config)
    values = sorted({0.0, low, high, float(programme.content_influence)})
    at_medians = apply_overrides(config, {"uncertainty.draws": "medians"})
    curve = content_influence.curve(at_medians, values, min(replicates, config.run.replicates), weeks=(end,),
                                    workers=config.run.workers)
    print(f"\nHow the orientation effect and the cascade follow content_influence (week {end}, "
          f"{curve['replicates'].iloc[0]} paired replicates each at the posterior medians of everything else; its "
          f"posterior's 95% interval {low:g}-{high:g}; the attitude pattern it is fitted to: "
          f"{content_influence.PLAUSIBLE_SD[0]:g}-{content_influence.PLAUSIBLE_SD[1]:g} baseline SD):")
    print(content_influence.format_table(curve, current=float(programme.content_influence)))
    return curve


def draw(figure: str, args: tuple, path: Path) -> None:
    """Draw `experiments.outputs.plots.<figure>(*args)` and save it (atomically) to `path`."""
    from experiments.outputs import plots

    plots.save(getattr(plots, figure)(*args), path)


def start_figures(config: CheckedConfig, out: Path, results: pd.DataFrame, table: pd.DataFrame, networks: dict,
                  end: int) -> list[tuple[str, Future]]:
    """The paired run's figures, drawn on the job's shared workers while the report goes on
    (`experiments.running.workers.start`); (file name, its Future) each."""
    metrics = {"system_first": "system-first choices", "strong_cross_ties": "strong cross-organisation ties per leader",
               "orientation": "system orientation", "cross_org_trust": "trust across organisations"}
    figures = {"survey_bars.png": ("survey_bars", (table,)),
               "time_series.png": ("time_series", (results, metrics, end))}
    if networks:
        titles = {"week_0": "Before the programme (week 0)", f"week_{end}": f"Added by its end (week {end})"}
        figures["network.png"] = ("organisation_network", (networks, config.behaviour.strong_tie, titles))
    return [(name, start(draw, figure, args, out / name)) for name, (figure, args) in figures.items()]


def report_paired(config: CheckedConfig, out: Path, results: pd.DataFrame, survey: pd.DataFrame,
                  networks: dict, figures: bool, leader_effects: pd.DataFrame | None = None,
                  uncertainty: str = "", meanwhile: Callable[[], list[str]] | None = None) -> list[str]:
    """Effects, survey comparison, cascade and decay lines, figures; returns the files written.
    `meanwhile`: more of the caller's files to write here while the job's workers draw the
    figures (its file names are returned with the rest)."""
    last = int(results["week"].max())
    end, follow = follow_up_weeks(config, last)
    kind = "range" if uncertainty.startswith("parameter") else "mean"
    stats_ = survey_statistics(survey, end)
    observed = (config.case or {}).get("observed") or {}
    table = survey_table(stats_, observed, (config.case or {}).get("fitted"))
    # the figures start first: the workers draw them while this process makes the tables
    drawings = start_figures(config, out, results, table, networks, end) if figures else []
    effects = effect_table(results, follow, leader_effects, kind)
    summary = pd.concat([effects, survey_effects(stats_, end, kind)], ignore_index=True)
    summary["interval_includes"] = uncertainty.split(":")[0]  # parameter and Monte Carlo, or Monte Carlo only
    atomic_write_bytes(out / "summary.csv", summary.to_csv(index=False).encode())
    atomic_write_bytes(out / "survey_summary.csv", table.to_csv(index=False).encode())
    write_summary(out, summary, table)
    files = ["summary.csv", "survey_summary.csv", "summary.xlsx", *(name for name, _ in drawings)]
    if meanwhile is not None:
        files += meanwhile()
    print()
    print(format_survey_table(table))
    print()
    behaviour = system_first_table(effects, follow)
    if behaviour:
        print(behaviour)
        print()
    print(cascade_line(effects, end))
    for metric in ("strong_cross_ties_participants", "orientation_participants"):
        line = decay_line(effects, metric, follow)
        if line:
            print(line)
    print()
    print(rests_on(config, table, effects, end))
    if config.run.assumption_curve:
        curve = content_curve(config, end) if "leadership_programme" in config.interventions else None
        if curve is None:
            print("(run.assumption_curve: not applicable, this run has no leadership programme with system content)")
        else:
            atomic_write_bytes(out / "content_influence_curve.csv", curve.to_csv(index=False).encode())
            files.append("content_influence_curve.csv")
    for _, drawing in drawings:  # the figures drawn on the job's workers meanwhile
        drawing.result()
    return files
