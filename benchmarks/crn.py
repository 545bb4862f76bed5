"""How well do the two arms of a paired run share their random numbers?

    python -m benchmarks.crn OUTPUT_DIR        # a case-study output directory (results.parquet)

For each of non-participants' main outcomes at weeks 26 and 52: the correlation
between the arms across replicates, and the ratio of the unpaired to the paired
standard error of the effect. With common random numbers that hold, the arms
move together (correlation near 1) and the paired difference is far less noisy
than the difference of two independent arms (ratio well above 1). Goals
(docs/performance.md): correlation >= 0.9, ratio >= 2.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

OUTCOMES = ("orientation_others", "strong_cross_ties_others", "system_first_others", "cross_org_trust_others")


def table(results: pd.DataFrame, weeks=(26, 52)) -> pd.DataFrame:
    rows = []
    for metric in OUTCOMES:
        d = results[(results["metric"] == metric) & results["week"].isin(weeks)]
        wide = d.pivot_table(index=["replicate", "week"], columns="arm", values="value").reset_index()
        for week, w in wide.groupby("week"):
            a, b = w["intervention"].to_numpy(), w["counterfactual"].to_numpy()
            n = a.size
            paired = np.std(a - b, ddof=1) / np.sqrt(n)
            unpaired = np.sqrt(np.var(a, ddof=1) / n + np.var(b, ddof=1) / n)
            rows.append({"outcome": metric, "week": int(week), "correlation": float(np.corrcoef(a, b)[0, 1]),
                         "unpaired / paired SE": float(unpaired / paired) if paired > 0 else np.inf,
                         "replicates": n})
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("directory")
    args = ap.parse_args()
    t = table(pd.read_parquet(Path(args.directory) / "results.parquet"))
    print(t.to_string(index=False, float_format=lambda x: f"{x:.3f}"))


if __name__ == "__main__":
    main()
