"""How many replicates? Coefficient of variation and interval width against replicate count.

    python -m experiments.replicates outputs/<date>/<time>     # a case-study output directory

Following Lorscheid, Heine & Meyer (2012), the number of replicates is where the
coefficient of variation (CV = SD / mean across replicates) of the key outputs
stops changing; for paired effects we also ask that the 95% interval of the mean
effect be narrower than a tenth of the effect. Prints a table for R = 5 ... all.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.analysis.effects import mean_interval, paired_differences, survey_statistics

OUTPUTS = {  # (metric, week, kind)
    "orientation effect, participants": ("orientation_participants", 26, "effect"),
    "orientation effect, non-participants": ("orientation_others", 26, "effect"),
    "cross-org ties effect, participants": ("strong_cross_ties_participants", 26, "effect"),
    "network agree at end": ("network_agree_end", 26, "survey"),
}


def table(results: pd.DataFrame, survey: pd.DataFrame, end: int = 26) -> pd.DataFrame:
    stats_ = survey_statistics(survey, end)
    series = {}
    for name, (metric, week, kind) in OUTPUTS.items():
        if kind == "effect":
            d = paired_differences(results, metric, [week]).sort_values("replicate")
            series[name] = d["effect"].to_numpy()
        else:
            s = stats_[stats_["arm"] == "intervention"].sort_values("replicate")
            series[name] = s[metric].to_numpy()
    n = min(len(v) for v in series.values())
    rows = []
    for r in [k for k in (5, 10, 20, 30, 40, 50, 60, 80, 100, 150, 200) if k <= n] + ([n] if n not in (5, 10, 20, 30, 40, 50, 60, 80, 100, 150, 200) else []):
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
    t = table(pd.read_parquet(d / "results.parquet"), pd.read_parquet(d / "survey.parquet"))
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(t.round(3).to_string(index=False))


if __name__ == "__main__":
    main()
