"""Which of the calibration's statistics respond to one setting: before a constant joins the
calibration, does any fitted figure or pattern speak to it?

    python -m experiments.responses behaviour.forum_contacts 2 4 6 --replicates 100

At each value of the setting (everything else as configured: the calibrated case study), paired
replicates of the calibration's own pattern simulator (`experiments.inference.calibrate.simulate_patterns`:
the case's figures among responding participants and the patterns as the panel measures them), the
same seeds at every value (common random numbers). For each statistic, the mean and its standard
error at each value, and the largest change between two values (a) in the calibration's own
distance units (a case figure's binomial standard error, a pattern's target SD: what the fit can
see) and (b) in standard errors of the paired difference (whether the change is more than noise). A
fitted statistic **responds** when the change is at least half a distance unit and more than 3
standard errors. A response says the data could speak to the constant; whether they narrow it,
jointly with the other constants, is the calibration's and the recovery study's question.
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.inference import calibrate as cal
from experiments.outputs.files import atomic_write_bytes
from experiments.running.config import apply_overrides, compose_checked
from experiments.running.execution import replicate_seed
from experiments.running.workers import parallel_map
from sim.schema import ConfigError

VISIBLE = 0.5
"""A change of at least this much of the calibration's distance unit is one the fit can see."""
PRECISE = 3.0
"""... and more than this many standard errors of the paired difference is more than noise."""


def _one(config, path: str, value: float, seed: int) -> dict:
    return cal.simulate_patterns({}, apply_overrides(config, {path: value}), seed)


SET_BY_THE_SIMULATOR = ("survey.baseline_agree_network", "survey.anchor_on", "survey.waves", "survey.network_agree_cut")
"""Settings the calibration's simulator sets itself in every run (the network item's cut and the
survey's waves): a value given for them would never take effect."""


def responses(config, path: str, values: list[float], replicates: int, seed: int, workers: int) -> pd.DataFrame:
    """One row per statistic: its role, mean and standard error at each value, the largest change
    between two values (in the calibration's distance units and in standard errors), and whether
    it responds."""
    if path in SET_BY_THE_SIMULATOR:
        raise ConfigError(f"{path}: the calibration's simulator sets it in every run, so a value given here would "
                          f"not take effect (settings it sets: {', '.join(SET_BY_THE_SIMULATOR)})")
    if len(set(values)) != len(values) or len(values) < 2:
        raise ConfigError(f"values={values}: give two or more different values")
    for value in values:  # each value must be admissible: a one-line error before any run
        apply_overrides(config, {path: value})
    seeds = [replicate_seed(seed, r) for r in range(replicates)]
    tasks = [(config, path, v, s) for v in values for s in seeds]
    results = list(parallel_map(_one, tasks, workers))
    fitted = (*cal.FITTED, *cal.PATTERN_FITTED)
    scale = cal.distance_scales(cal.observed_figures(config, patterns=True), fitted)
    statistics = [k for k in (*cal.STATS, *cal.PATTERN_FITTED) if k in results[0]]
    rows = []
    for stat in statistics:
        table = np.array([[results[i * replicates + r].get(stat, math.nan) for r in range(replicates)]
                          for i in range(len(values))], float)
        row = {"statistic": stat, "role": "fitted" if stat in fitted else "held out or anchor"}
        for value, x in zip(values, table):
            x = x[np.isfinite(x)]
            row[f"mean_at_{value:g}"] = x.mean() if x.size else math.nan
            row[f"se_at_{value:g}"] = x.std(ddof=1) / math.sqrt(x.size) if x.size > 1 else math.nan
        change, in_se = 0.0, 0.0
        for i, j in itertools.combinations(range(len(values)), 2):
            d = table[j] - table[i]
            d = d[np.isfinite(d)]
            if d.size > 1 and abs(d.mean()) > change:
                change = abs(d.mean())
                in_se = change / (d.std(ddof=1) / math.sqrt(d.size)) if d.std(ddof=1) > 0 else math.inf
        row["largest_change"] = change
        row["in_distance_units"] = change / scale[stat] if stat in scale else math.nan
        row["in_standard_errors"] = in_se
        row["responds"] = bool(stat in scale and row["in_distance_units"] >= VISIBLE and in_se > PRECISE)
        rows.append(row)
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("setting", help="a dotted setting, e.g. behaviour.forum_contacts")
    ap.add_argument("values", nargs="+", type=float, help="two or more values of it")
    ap.add_argument("--replicates", type=int, default=100, help="paired replicates at each value")
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default=None, help="also write the table here (CSV)")
    ap.add_argument("--overrides", nargs="*", default=[], help="Hydra overrides of the case study")
    args = ap.parse_args(argv)
    for name in ("replicates", "workers"):
        if getattr(args, name) < 2 - (name == "workers"):
            ap.error(f"--{name}: must be a whole number >= {2 - (name == 'workers')}")
    try:
        config = compose_checked(["experiment=case_study", *args.overrides])
        table = responses(config, args.setting, args.values, args.replicates, args.seed, args.workers)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(table.round(3).to_string(index=False))
    responding = table.loc[table["responds"], "statistic"].tolist()
    print(f"{args.setting}: the fitted statistics that respond (a change of at least {VISIBLE:g} of the "
          f"calibration's distance unit and more than {PRECISE:g} standard errors): "
          + (", ".join(responding) if responding else "none"))
    if args.out:
        atomic_write_bytes(Path(args.out), table.to_csv(index=False).encode())


if __name__ == "__main__":
    main()
