"""How many replicates? Coefficient of variation and interval width against replicate count.

    python -m experiments.replicates outputs/<date>/<time>     # a case-study output directory

Following Lorscheid, Heine & Meyer (2012), the number of replicates is where the
coefficient of variation (CV = SD / mean across replicates) of the key outputs
stops changing; for paired effects we also ask that the 95% interval of the mean
effect be narrower than a tenth of the effect. Prints a table for R = 5 ... all.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from sim.interventions import build_interventions, programme_end
from experiments.analysis.effects import mean_interval, paired_differences, survey_statistics

OUTPUTS = {  # name: (metric, kind); each at the programme's end
    "orientation effect, participants": ("orientation_participants", "effect"),
    "orientation effect, non-participants": ("orientation_others", "effect"),
    "system-first effect, participants": ("system_first_participants", "leader"),
    "system-first effect, non-participants": ("system_first_others", "leader"),
    "cross-org ties effect, participants": ("strong_cross_ties_participants", "effect"),
    "cross-org ties effect, non-participants": ("strong_cross_ties_others", "effect"),
    "issue success effect": ("issue_success_rate", "leader"),
    "network agree at end": ("network_agree_end", "survey"),
    "see the system strongly agree at end": ("see_system_strongly_agree_end", "survey"),
    "influence disagree at end": ("influence_disagree_end", "survey"),
}
"""The headline outputs: every effect the printed case study reports, each as the summary computes
it (system-first choices from the per-leader shares, `experiments.analysis.effects.WINDOWED`)."""

COUNTS = (5, 10, 20, 30, 40, 50, 60, 80, 100, 150, 200)


def table(results: pd.DataFrame, survey: pd.DataFrame, leader_effects: pd.DataFrame | None, end: int = 26
          ) -> pd.DataFrame:
    """CV and interval half-width over the mean for each headline output at R = 5 ... all replicates."""
    stats_ = survey_statistics(survey, end)
    series = {}
    for name, (metric, kind) in OUTPUTS.items():
        if kind == "effect":
            d = paired_differences(results, metric, [end]).sort_values("replicate")
            series[name] = d["effect"].to_numpy()
        elif kind == "leader":
            if leader_effects is None:
                continue
            d = leader_effects[(leader_effects["metric"] == metric) & (leader_effects["week"] == end)]
            series[name] = d.sort_values("replicate")["effect"].to_numpy()
        else:
            s = stats_[stats_["arm"] == "intervention"].sort_values("replicate")
            series[name] = s[metric].to_numpy()
    n = min(len(v) for v in series.values())
    rows = []
    for r in [k for k in COUNTS if k <= n] + ([n] if n not in COUNTS else []):
        row = {"replicates": r}
        for name, v in series.items():
            x = v[:r]
            mean, lo, hi = mean_interval(x)
            row[f"{name}: CV"] = x.std(ddof=1) / abs(mean) if mean else np.nan
            row[f"{name}: half-width / mean"] = (hi - lo) / 2 / abs(mean) if mean else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("directory")
    args = ap.parse_args()
    d = Path(args.directory)
    sizes = d / "leader_effects.parquet"
    results = pd.read_parquet(d / "results.parquet")
    config = json.loads((d / "provenance.json").read_text())["config"]
    end = min(programme_end(build_interventions(config.get("intervention"))) or 10**9, int(results["week"].max()))
    t = table(results, pd.read_parquet(d / "survey.parquet"),
              pd.read_parquet(sizes) if sizes.exists() else None, end)
    long = t.melt(id_vars="replicates", var_name="output", value_name="value")
    long[["output", "measure"]] = long["output"].str.rsplit(": ", n=1, expand=True)
    wide = long.pivot_table(index=["output", "measure"], columns="replicates", values="value", sort=False)
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print(wide.round(3).to_string())


if __name__ == "__main__":
    main()
