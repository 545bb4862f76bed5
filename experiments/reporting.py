"""A job's report: the printed tables and lines, summary.csv, survey_summary.csv and figures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from experiments import analysis
from experiments.config import CheckedConfig
from experiments.outputs import atomic_write_bytes


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    """Per metric: mean at week 0 and at the last week, with a 95% t-interval across replicates."""
    last = results["week"].max()
    rows = []
    for metric, d in results.groupby("metric", sort=False):
        start = d[d["week"] == 0]["value"]
        mean, lo, hi = analysis.mean_interval(d[d["week"] == last]["value"].to_numpy())
        rows.append({"metric": metric, "week 0": start.mean(), f"week {last}": mean,
                     "95% low": lo, "95% high": hi})
    return pd.DataFrame(rows)


def format_table(table: pd.DataFrame) -> str:
    return table.to_string(index=False, float_format=lambda x: f"{x:.3f}")


def follow_up_weeks(config: CheckedConfig, last: int) -> tuple[int, list[int]]:
    """The programme's end (or the last week, if the run stops first) and the weeks effects
    are reported at: the end, 52 and 104, within the run."""
    end = min(config.programme_end or last, last)
    return end, [w for w in (end, 52, 104) if w <= last]


def report_paired(config: CheckedConfig, out: Path, results: pd.DataFrame, survey: pd.DataFrame,
                  networks: dict, figures: bool) -> list[str]:
    """Effects, survey comparison, cascade and decay lines, figures; returns the files written."""
    last = int(results["week"].max())
    end, follow = follow_up_weeks(config, last)
    effects = analysis.effect_table(results, follow)
    stats_ = analysis.survey_statistics(survey, end)
    observed = (config.case or {}).get("observed") or {}
    table = analysis.survey_table(stats_, observed)
    atomic_write_bytes(out / "summary.csv", effects.to_csv(index=False).encode())
    atomic_write_bytes(out / "survey_summary.csv", table.to_csv(index=False).encode())
    files = ["summary.csv", "survey_summary.csv"]
    print()
    print(analysis.format_survey_table(table))
    print()
    print(analysis.cascade_line(effects, end))
    for metric in ("strong_cross_ties_participants", "orientation_participants"):
        line = analysis.decay_line(effects, metric, follow)
        if line:
            print(line)
    if figures:
        from experiments import plots

        plots.save(plots.survey_bars(table), out / "survey_bars.png")
        metrics = {"orientation": "system orientation", "system_first": "system-first choices (4-week share)",
                   "strong_cross_ties": "strong cross-organisation ties per leader",
                   "cross_org_trust": "cross-organisation trust"}
        plots.save(plots.time_series(results, metrics, end), out / "time_series.png")
        files += ["survey_bars.png", "time_series.png"]
        if networks:
            titles = {"week_0": "before the programme", f"week_{end}": "end of the programme"}
            plots.save(plots.network_before_after(networks, config.behaviour.strong_tie, titles),
                       out / "network.png")
            files.append("network.png")
    return files
