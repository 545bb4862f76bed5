"""A small, plain-language API for notebooks: run a programme, compare designs, load a sweep.

    from experiments.explore import run_programme, compare, load_sweep, glossary

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

import pandas as pd

from experiments import analysis, plots
from experiments.config import CheckedConfig, apply_overrides, compose_checked
from experiments.execution import run_replicates
from experiments.glossary import GLOSSARY, WHO_WE_PICK, glossary, to_overrides  # noqa: F401 (re-exported)


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

    def effect(self, metric: str, week: int | None = None) -> float:
        e = self.effects[(self.effects["metric"] == metric) & (self.effects["week"] == (week or self.end_week))]
        return float(e["effect"].iloc[0]) if len(e) else float("nan")

    def headline(self) -> str:
        """What the numbers say, in plain words, with what drives each of them."""
        t = self.survey_table.set_index("statistic")
        net = t.loc["network_agree_end"]
        reported, real, without = net["reported"], net["real_change"], net["counterfactual"]
        ties_p = self.effect("strong_cross_ties_participants")
        ori_p = self.effect("orientation_participants")
        ori_o = self.effect("orientation_others")
        later = [w for w in (52, 104) if w in set(self.effects["week"])]
        lines = [
            f"By the end of the programme (week {self.end_week}), {reported:.0%} of participants say they have a "
            f"strong network in the system, against {without:.0%} had there been no programme.",
            _split_sentence(reported, real, without),
            f"Each participant gains on average {ties_p:+.1f} strong relationships across organisations.",
            f"Participants' system orientation moves by {ori_p:+.3f} (on a 0-1 scale); leaders who did not take "
            f"part move by {ori_o:+.3f}: {'some' if ori_o > 0.002 else 'almost none'} of it cascades. Both rest on "
            "how much the programme's content shifts attitudes (content_influence), an assumed constant set "
            "from training studies, not measured in this case (docs/experiments.md).",
        ]
        if later:
            w = later[-1]
            kept = self.effect("strong_cross_ties_participants", w)
            lines.append(f"At week {w}, the gain in cross-organisation relationships is {kept:+.1f}: "
                         + ("it lasts." if ties_p and kept > 0.5 * ties_p else "most of it has faded."))
        return "\n".join(lines)

    def save(self, directory: str | Path) -> Path:
        """Write this result as a run's output directory (the files `make run` writes)."""
        from datetime import datetime, timezone

        from experiments.outputs import atomic_write_bytes, atomic_write_json, atomic_write_parquet, provenance

        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        atomic_write_parquet(self.results, d / "results.parquet")
        atomic_write_parquet(self.survey, d / "survey.parquet")
        stats_ = analysis.survey_statistics(self.survey, self.end_week)
        summary = pd.concat([self.effects, analysis.survey_effects(stats_, self.end_week)], ignore_index=True)
        atomic_write_bytes(d / "summary.csv", summary.to_csv(index=False).encode())
        atomic_write_bytes(d / "survey_summary.csv", self.survey_table.to_csv(index=False).encode())
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
        """A shareable, self-contained HTML report of this result (experiments.report)."""
        import tempfile

        from experiments import report

        with tempfile.TemporaryDirectory() as tmp:
            self.save(tmp)
            return report.write(Path(tmp), Path(path))

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


def _split_sentence(reported: float, real: float, without: float) -> str:
    """How much of a simulated survey rise is real change and how much response shift, in words."""
    rise = reported - without
    if not abs(rise) >= 0.02:
        return "The programme barely moves that answer."
    real_part = real - without
    shift = reported - real
    return (f"Of that {rise * 100:+.0f}-point difference, {real_part * 100:+.0f} points come from real change in "
            f"participants' relationships and {shift * 100:+.0f} points ({shift / rise:.0%}) from response shift: "
            "people rating themselves more generously after a programme. The size of that shift is an assumption "
            "taken from other studies (it cannot be told apart from real change in this case's figures), not a "
            "finding.")


def run_programme(repeats: int = 20, years_followed: float = 2, seed: int = 20261126, workers: int = 2,
                  **settings: Any) -> Result:
    """Run the leadership programme with plain-language settings against no programme."""
    values = to_overrides({"repeats": repeats, "years_followed": years_followed, **settings})
    config = apply_overrides(case_study(), {**values, "run.base_seed": seed})
    end = config.programme_end
    reps = run_replicates(config, {"label": "notebook"}, capture_network_at=(0, end), workers=workers)
    follow = [w for w in (end, 52, 104) if w <= config.run.weeks]
    effects = analysis.effect_table(reps.results, follow)
    observed = (config.case or {}).get("observed") or {}
    table = analysis.survey_table(analysis.survey_statistics(reps.survey, end), observed,
                                  (config.case or {}).get("fitted"))
    return Result(settings, reps.results, reps.survey, effects, table, reps.networks, end,
                  config.behaviour.strong_tie, config)


def compare(options: dict[str, dict[str, Any]], repeats: int = 20, **common: Any) -> pd.DataFrame:
    """Run several designs (same random futures for each) and tabulate their effects.

    `options` maps a name you choose to plain-language settings.
    """
    rows = []
    for name, settings in options.items():
        r = run_programme(repeats=repeats, **{**common, **settings})
        t = r.survey_table.set_index("statistic")
        rows.append({"design": name,
                     "network agree at end (as reported)": t.loc["network_agree_end", "reported"],
                     "network agree at end (real change only)": t.loc["network_agree_end", "real_change"],
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
