"""How leader turnover changes the programme's effects: who is still there, what relationships
survive, and the cascade.

    python -m experiments.turnover                          # rates 0, NHS, twice NHS; 40 paired replicates
    python -m experiments.turnover --replicates 10 --out outputs/turnover

For each weekly turnover rate (0; `sim.turnover.NHS_SENIOR_LEADERS`, 0.0043, about a fifth of
leaders a year; and twice that), paired replicates of the case study (the programme and its
counterfactual from one shared burn-in, with the same seed and the calibrated behaviour; both
arms lose the same leaders), measured at the programme's end and at weeks 52 and 104:

- `present`: the share of the cohort still in the partnership;
- `cohort_ties`: the programme's effect on the cohort's strong cross-organisation ties, per
  participant it started with (a participant who has left counts with none: what the
  partnership keeps of the programme's relationships);
- `ties_present`: the same per participant still present;
- `cascade_orientation`, `cascade_system_first`: non-participants' system orientation and
  system-first share (rolling window), programme minus counterfactual.

Writes `turnover.csv` (each replicate, rate and week) and `turnover_summary.csv` (means with
95% intervals across replicates), atomically; docs/experiments.md reads them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.analysis.effects import mean_interval
from experiments.outputs.files import atomic_write_bytes
from experiments.running.config import compose_checked
from experiments.running.execution import progress_bar, replicate_seed, single_threaded
from experiments.running.workers import parallel_map
from sim.turnover import NHS_SENIOR_LEADERS

RATES = (0.0, NHS_SENIOR_LEADERS, 2 * NHS_SENIOR_LEADERS)
MEASURES = {
    "present": "share of the cohort still in the partnership",
    "cohort_ties": "effect on strong cross-organisation ties per participant the programme started with",
    "ties_present": "effect on strong cross-organisation ties per participant still present",
    "cascade_orientation": "effect on non-participants' system orientation",
    "cascade_system_first": "effect on non-participants' system-first share",
}


def _strong_cross_ties(model) -> np.ndarray:
    """Each slot's number of strong cross-organisation ties."""
    ties, n = model.state.ties, model.state.leaders.n
    sel = ties.cross & (ties.w >= model.params.strong_tie)
    return np.bincount(ties.u[sel], minlength=n) + np.bincount(ties.v[sel], minlength=n)


def _observe(model) -> dict[str, float]:
    """One arm's measures now."""
    leaders = model.state.leaders
    programme = model.state.interventions[0]
    here = leaders.present(programme.cohort_ids, programme.cohort)
    ties = _strong_cross_ties(model)
    others = ~leaders.participant
    return {"present": float(here.mean()), "cohort_ties": float(ties[programme.cohort[here]].sum() / here.size),
            "ties_present": float(ties[programme.cohort[here]].mean()) if here.any() else np.nan,
            "orientation_others": float(leaders.orientation[others].mean()),
            "system_first_others": float(model.state.metrics["system_first_others"])}


@single_threaded
def replicate(config, rate: float, replicate_no: int, seed: int, weeks: tuple[int, ...]) -> list[dict]:
    """One paired replicate at one turnover rate: each measure at each week, and the effects."""
    seen = {}
    for arm, model in config.spec.pair(seed, survey=False):
        for week in weeks:
            model.run_for(week - model.week)
            seen[arm, week] = _observe(model)
    rows = []
    for week in weeks:
        a, b = seen["intervention", week], seen["counterfactual", week]
        rows.append({"rate": rate, "replicate": replicate_no, "seed": seed, "week": week, "present": a["present"],
                     "cohort_ties": a["cohort_ties"] - b["cohort_ties"],
                     "ties_present": a["ties_present"] - b["ties_present"],
                     "cascade_orientation": a["orientation_others"] - b["orientation_others"],
                     "cascade_system_first": a["system_first_others"] - b["system_first_others"]})
    return rows


def summarise(rows: pd.DataFrame) -> pd.DataFrame:
    """Each measure's mean and 95% interval across replicates, by rate and week."""
    out = []
    for (rate, week), d in rows.groupby(["rate", "week"], sort=True):
        for measure, meaning in MEASURES.items():
            x = d[measure].dropna().to_numpy()
            mean, low, high = mean_interval(x)
            out.append({"rate": rate, "week": week, "measure": measure, "mean": mean, "low": low, "high": high,
                        "replicates": x.size, "meaning": meaning})
    return pd.DataFrame(out)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replicates", type=int, default=40)
    ap.add_argument("--seed", type=int, default=20261126)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default="outputs/turnover")
    ap.add_argument("overrides", nargs="*", help="Hydra overrides for the case study")
    args = ap.parse_args(argv)
    if args.replicates < 2 or args.workers < 1:
        ap.error("--replicates: at least 2 (intervals); --workers: at least 1")
    configs = {rate: compose_checked(["experiment=case_study", *args.overrides, f"behaviour.turnover_rate={rate}"])
               for rate in RATES}
    end = configs[0.0].programme_end
    weeks = tuple(configs[0.0].effect_weeks)
    tasks = [(configs[rate], rate, r, replicate_seed(args.seed, r), weeks)
             for rate in RATES for r in range(args.replicates)]
    parts = list(progress_bar(parallel_map(replicate, tasks, args.workers), len(tasks), True, "paired replicates"))
    rows = pd.DataFrame([row for part in parts for row in part])
    summary = summarise(rows)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(out / "turnover.csv", rows.to_csv(index=False).encode())
    atomic_write_bytes(out / "turnover_summary.csv", summary.to_csv(index=False).encode())
    print(f"{args.replicates} paired replicates per rate; weeks {', '.join(map(str, weeks))}")
    for measure, meaning in MEASURES.items():
        print(f"\n{meaning}:")
        for rate in RATES:
            cells = []
            for week in weeks:
                r = summary[(summary["rate"] == rate) & (summary["week"] == week) & (summary["measure"] == measure)]
                r = r.iloc[0]
                cells.append(f"week {week}: {r['mean']:+.3f} [{r['low']:+.3f}, {r['high']:+.3f}]"
                             if measure != "present" else f"week {week}: {r['mean']:.0%}")
            print(f"  turnover {rate:.4f}/week  " + "; ".join(cells))
    print(f"\nwritten: {out / 'turnover.csv'}, {out / 'turnover_summary.csv'}", file=sys.stderr)


if __name__ == "__main__":
    main()
