"""A small, plain-language API for notebooks: run a programme, compare designs, load a sweep.

    from experiments.interfaces.explore import run_programme, compare, load_sweep, glossary

    result = run_programme(people_on_programme=60, who_we_pick="at random")
    result.headline()           # a few sentences in plain words
    result.survey_table         # observed | as reported | real change only | no programme
    result.plot_survey(); result.plot_over_time(); result.plot_network()

Settings have plain names (see `glossary()`, shared with the explorer), turned into
configuration values and applied to the case study's configuration (composed once
with Hydra's compose API, never `@hydra.main` in a notebook) by the same
`apply_overrides` the command line uses, so a notebook runs exactly what
`python -m experiments.run` would.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.analysis.effects import effect_table, interval_kind, survey_effects, survey_statistics, survey_table
from experiments.outputs import plots, words
from experiments.running.config import CheckedConfig, apply_overrides, compose_checked
from experiments.running.execution import run_replicates
from experiments.interfaces.glossary import (GLOSSARY, WHO_WE_PICK, SettingError, glossary, plain_error,
                                             to_overrides)

__all__ = ["run_programme", "compare", "describe_comparison", "plot_comparison", "load_sweep", "configure",
           "case_study", "Result", "COMPARED", "glossary", "GLOSSARY", "WHO_WE_PICK", "SettingError", "plain_error"]


@functools.lru_cache(maxsize=1)
def case_study() -> CheckedConfig:
    """The case study's checked configuration (composed once per process)."""
    return compose_checked(["experiment=case_study"])


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
    config: CheckedConfig | None = field(repr=False, default=None)
    uncertainty: str = ""
    """What the intervals across the futures include (parameter and Monte Carlo, or Monte Carlo only)."""

    def effect(self, metric: str, week: int | None = None) -> float:
        e = self.effects[(self.effects["metric"] == metric) & (self.effects["week"] == (week or self.end_week))]
        return float(e["effect"].iloc[0]) if len(e) else float("nan")

    def headline(self) -> str:
        """What the numbers say, in plain words, each sentence generated from the tables beside it
        (`survey_view()` and `effects`; `experiments.outputs.words`)."""
        e, end = self.effects, self.end_week
        lines = list(words.survey_network(self.survey_table, end))
        lines += [words.relationships(e, end), words.system_first(e, end), words.others(e, end)]
        ori_p = words.row(e, "orientation_participants", end)
        if ori_p is not None and _finite(float(ori_p["effect"])):
            lines.append(f"Participants' system orientation moves by {words.amount(ori_p, 'orientation')}. It rests on "
                         "how much the programme's content shifts attitudes (content_influence), fitted to what "
                         "training studies find (Bezrukova et al. 2016), not measured in this case "
                         "(docs/validation.md).")
        lines.append(words.lasting(e, end))
        lines.append(words.intervals(self.uncertainty))
        return "\n".join(line for line in lines if line)

    def save(self, directory: str | Path) -> Path:
        """Write this result as a run's output directory (the files `make run` writes)."""
        from datetime import datetime, timezone

        from experiments.outputs.files import atomic_write_bytes, atomic_write_json, atomic_write_parquet, provenance

        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        atomic_write_parquet(self.results, d / "results.parquet")
        atomic_write_parquet(self.survey, d / "survey.parquet")
        stats_ = survey_statistics(self.survey, self.end_week)
        kind = "range" if self.uncertainty.startswith("parameter") else "mean"
        summary = pd.concat([self.effects, survey_effects(stats_, self.end_week, kind)], ignore_index=True)
        atomic_write_bytes(d / "summary.csv", summary.to_csv(index=False).encode())
        atomic_write_bytes(d / "survey_summary.csv", self.survey_table.to_csv(index=False).encode())
        from experiments.outputs.spreadsheet import write_summary

        write_summary(d, summary, self.survey_table)
        now = datetime.now(timezone.utc)
        raw = self.config.raw if self.config is not None else {}
        atomic_write_json(provenance(raw, [f"{k}={v}" for k, v in self.settings.items()], {}, now,
                                     {"source": "experiments.explore.run_programme"}), d / "provenance.json")
        plots.save(self.plot_survey(), d / "survey_bars.png")
        plots.save(self.plot_over_time(), d / "time_series.png")
        if self.networks:
            plots.save(self.plot_network(), d / "network.png")
        return d

    def report(self, path: str | Path = "report.html") -> Path:
        """A shareable, self-contained HTML report of this result (experiments.outputs.report)."""
        import tempfile

        from experiments.outputs import report

        with tempfile.TemporaryDirectory() as tmp:
            self.save(tmp)
            return report.write(Path(tmp), Path(path))

    def survey_view(self) -> pd.DataFrame:
        """The survey table for reading: the questions quoted, shares as percentages."""
        from experiments.outputs.plots import QUESTIONS

        rows = []
        for _, r in self.survey_table.iterrows():
            share = r["response_shift_share"]
            rows.append({"question": QUESTIONS.get(r["item"], r["item"]).replace("\n", " "),
                         "answer counted": r["answer"],
                         "observed (case)": _pct(r["observed"]),
                         "simulated, as reported": f"{_pct(r['reported'])} [{_pct(r['reported_low'])}, "
                                                   f"{_pct(r['reported_high'])}]",
                         "real change only": _pct(r["real_change"]),
                         "no programme": _pct(r["counterfactual"]),
                         "share of the rise that is response shift": _pct(share)})
        return pd.DataFrame(rows)

    def plot_survey(self):
        return plots.survey_bars(self.survey_table)

    def plot_over_time(self):
        metrics = {"system_first": "system-first choices", "strong_cross_ties": "strong cross-organisation ties per leader",
                   "orientation": "system orientation", "cross_org_trust": "trust across organisations"}
        return plots.time_series(self.results, metrics, self.end_week)

    def plot_network(self):
        titles = {"week_0": "Before the programme (week 0)",
                  f"week_{self.end_week}": f"Added by its end (week {self.end_week})"}
        return plots.organisation_network(self.networks, self.strong_tie, titles)

    def plot_leaders(self):
        """The individual leaders and their strong ties (one simulated future): detailed, but a tangle."""
        titles = {"week_0": "before the programme", f"week_{self.end_week}": "end of the programme"}
        return plots.network_before_after(self.networks, self.strong_tie, titles)


def _pct(x) -> str:
    return f"{x:.0%}" if _finite(x) else "-"


def _finite(*values) -> bool:
    import math

    return all(isinstance(v, (int, float)) and math.isfinite(v) for v in values)


def _split_sentence(reported: float, real: float, without: float, share: float = float("nan")) -> str:
    """How much of a simulated survey rise is real change and how much response shift, in words."""
    return words.split(reported, real, without, share)


def configure(repeats: int = 20, years_followed: float = 2, seed: int = 20261126, **settings: Any) -> CheckedConfig:
    """The case study's configuration with plain-language settings applied; a setting that cannot take
    effect is a one-line `SettingError` naming it as typed."""
    from sim.schema import ConfigError

    try:
        values = to_overrides({"repeats": repeats, "years_followed": years_followed, **settings})
        months = settings.get("programme_months", 6)
        if values["run.weeks"] < values.get(P_DURATION, round(6 * 52 / 12)):
            raise SettingError(f"years_followed={years_followed!r}: shorter than the programme ({months:g} months); "
                               f"follow for at least {values.get(P_DURATION, 26) / 52:.2g} years")
        return apply_overrides(case_study(), {**values, "run.base_seed": seed})
    except ConfigError as exc:
        text = str(exc)
        if text.startswith("behaviour.orgs_per_issue="):
            given = settings.get("partnership")
            name = given.get("name", "your partnership") if isinstance(given, dict) else given
            raise SettingError(f"partnership={name!r}: each collective issue involves "
                               f"{case_study().behaviour.orgs_per_issue} organisations; describe at least that many "
                               f"({text.split(': ', 1)[1]})") from None
        raise plain_error(exc) from None


P_DURATION = "intervention.leadership_programme.duration_weeks"


def run_programme(repeats: int = 20, years_followed: float = 2, seed: int = 20261126, workers: int = 2,
                  progress: bool = True, **settings: Any) -> Result:
    """Run the leadership programme with plain-language settings against no programme (a progress
    bar counts the simulated futures, `progress=False` hides it)."""
    config = configure(repeats=repeats, years_followed=years_followed, seed=seed, **settings)
    end = config.programme_end
    reps = run_replicates(config, {"label": "notebook"}, capture_network_at=(0, end), workers=workers,
                          progress="notebook" if progress else False)
    effects = effect_table(reps.results, config.effect_weeks, reps.leader_effects, interval_kind(reps.draws))
    observed = (config.case or {}).get("observed") or {}
    table = survey_table(survey_statistics(reps.survey, end), observed,
                                  (config.case or {}).get("fitted"))
    return Result(settings, reps.results, reps.survey, effects, table, reps.networks, end,
                  config.behaviour.strong_tie, config, uncertainty=reps.uncertainty)


def _interval(r: "Result", metric: str, week: int | None = None) -> tuple[float, float, float]:
    e = r.effects[(r.effects["metric"] == metric) & (r.effects["week"] == (week or r.end_week))]
    if not len(e):
        return float("nan"), float("nan"), float("nan")
    row = e.iloc[0]
    return float(row["effect"]), float(row["low"]), float(row["high"])


COMPARED = {  # column: (metric, week: None = the programme's end)
    "new cross-org ties per participant": ("strong_cross_ties_participants", None),
    "ties left a year on": ("strong_cross_ties_participants", 52),
    "orientation shift, participants": ("orientation_participants", None),
    "orientation shift, others": ("orientation_others", None),
    "system-first change, participants": ("system_first_participants", None),
    "system-first change, others": ("system_first_others", None),
}


def compare(options: dict[str, dict[str, Any]], repeats: int = 20, **common: Any) -> pd.DataFrame:
    """Run several designs and tabulate their effects, each with its 95% interval (`... low`,
    `... high` columns). Every design meets the same random events (common random numbers), but a
    design that picks other people also has other people's no-programme answers: hence the
    'without programme' column can differ between designs.

    `options` maps a name you choose to plain-language settings."""
    from tqdm.auto import tqdm

    rows = []
    for name, settings in tqdm(options.items(), total=len(options), desc="designs"):
        r = run_programme(repeats=repeats, **{**common, **settings})
        t = r.survey_table.set_index("statistic")
        row = {"design": name,
               "network agree at end (as reported)": t.loc["network_agree_end", "reported"],
               "network agree at end (real change only)": t.loc["network_agree_end", "real_change"],
               "without programme": t.loc["network_agree_end", "counterfactual"]}
        for column, (metric, week) in COMPARED.items():
            mean, low, high = _interval(r, metric, week)
            row.update({column: mean, f"{column} low": low, f"{column} high": high})
        rows.append(row)
    return pd.DataFrame(rows).set_index("design")


def _differs(row, base, column: str) -> str:
    """'more' / 'fewer' / 'about the same as' for one column, judged by the two designs' intervals."""
    lo, hi, blo, bhi = row[f"{column} low"], row[f"{column} high"], base[f"{column} low"], base[f"{column} high"]
    if lo > bhi:
        return "more"
    if hi < blo:
        return "less"
    return "about the same"


def describe_comparison(table: pd.DataFrame, reference: str | None = None) -> list[str]:
    """One sentence per design against the reference design (default: the first row), generated from
    the table: what differs, where the 95% intervals do not overlap, and by how much."""
    reference = reference or table.index[0]
    base = table.loc[reference]
    out = []
    for name, row in table.iterrows():
        if name == reference:
            continue
        parts = []
        for column, words in (("new cross-org ties per participant", "new strong ties across organisations per "
                                                                       "participant at the programme's end"),
                              ("ties left a year on", "of those ties left a year on"),
                              ("orientation shift, others", "shift in the orientation of leaders who did not take "
                                                            "part (the cascade)")):
            how = _differs(row, base, column)
            if how == "less" and "ties" in column:
                how = "fewer"
            if how == "about the same":
                parts.append(f"about the same {words} ({row[column]:+.3f} vs {base[column]:+.3f}; the intervals "
                             "overlap)")
            else:
                parts.append(f"{how} {words} ({row[column]:+.3f} vs {base[column]:+.3f})")
        out.append(f"- {name}, compared with {reference}: " + "; ".join(parts) + ".")
    return out


SHIFTS = {"orientation shift, others": "orientation shift, participants",
          "system-first change, others": "system-first change, participants"}
"""A cascade column and the participants' column it is drawn beside, on the same scale."""


def plot_comparison(table: pd.DataFrame, column: str = "orientation shift, others"):
    """One design per row with its 95% interval, on an axis that starts at 0 and says how big a
    difference is: a cascade (the change among those who did not take part) is drawn beside the
    participants' own change on the same scale, in points on a 0-100 scale, so a small difference
    looks small."""
    import matplotlib.pyplot as plt

    plots._style()
    beside = SHIFTS.get(column) if SHIFTS.get(column) in table.columns else None
    scale = 100.0 if ("orientation" in column or "system-first" in column) else 1.0
    fig, ax = plt.subplots(figsize=(8, 0.75 * len(table) * (2 if beside else 1) + 2.0))
    y = np.arange(len(table), dtype=float)
    height = 0.38 if beside else 0.6
    series = [(beside, "participants", plots.COLOURS["participants"], -height / 2)] if beside else []
    series.append((column, "leaders who did not take part" if beside else None, plots.COLOURS["non-participants"],
                   height / 2 if beside else 0.0))
    for col, label, colour, offset in series:
        mid = table[col].to_numpy(float) * scale
        err = plots._yerr(mid, table[f"{col} low"] * scale, table[f"{col} high"] * scale)
        ax.barh(y + offset, mid, height, xerr=err, color=colour, capsize=3, label=label)
        for yy, m, hi in zip(y + offset, mid, table[f"{col} high"].to_numpy(float) * scale):
            ax.annotate(f"{m:+.2f}" if abs(m) < 10 else f"{m:+.1f}", (max(hi, m, 0), yy), xytext=(6, 0),
                        textcoords="offset points", va="center", fontsize=9)
    ax.set_yticks(y, table.index)
    ax.invert_yaxis()
    low = min(0.0, float(np.nanmin(table[[c for c, *_ in series]].to_numpy() * scale)))
    high = float(np.nanmax([table[f"{c} high"].max() * scale for c, *_ in series]))
    ax.set_xlim(low, high * 1.25 if high > 0 else 1)
    unit = "points on a 0-100 scale" if scale == 100.0 else ""
    ax.set_xlabel({"orientation shift, others": f"shift in system orientation ({unit})",
                   "system-first change, others": "change in decisions that put the system first (percentage "
                                                  "points)",
                   "new cross-org ties per participant": "new strong ties across organisations per participant"}
                  .get(column, column))
    ax.set_ylabel("design")
    ax.axvline(0, color="black", lw=0.8)
    if beside:
        ax.legend(loc="lower right", fontsize=9)
    ax.set_title("Each bar: the average over simulated futures, with its 95% interval (see the headline)", fontsize=10)
    fig.tight_layout()
    return fig


def load_sweep(directory: str | Path) -> dict[str, pd.DataFrame]:
    """A finished sweep's tables (aggregating it first if needed)."""
    from experiments.analysis.aggregate import aggregate

    d = Path(directory)
    if not (d / "sweep_results.parquet").is_file():
        aggregate(d, quiet=True)
    out = {"results": pd.read_parquet(d / "sweep_results.parquet")}
    for name in ("sweep_summary", "sensitivity"):
        if (d / f"{name}.csv").is_file():
            out[name] = pd.read_csv(d / f"{name}.csv")
    return out
