"""The pattern panel: the model against the published patterns and the case's figures.

    python -m experiments.validate                    # 40 paired replicates; writes docs/validation/
    python -m experiments.validate --quick            # a few replicates (make test)
    python -m experiments.validate --out outputs/validation behaviour=default

For each pattern of `experiments.analysis.patterns.PATTERNS` (its source, published figure and
target interval, its mapping onto the model and whether it is fitted or a test are declared
there and in docs/validation.md, fixed before any fitting), paired replicates of the case study
(the calibrated behaviour, the programme and its counterfactual from one shared burn-in with
the same seed) give the model's figure with a 95% interval across replicates, and a verdict:
**inside** when the model's figure lies in the target interval, **outside** otherwise. The
case's survey figures are checked the same way (the observed share against the model's 95%
interval of what about 50 respondents would say).

The panel also runs the **dose check**: the programme at lengths of one week and 1, 2, 4, 6 and
12 months, with its schedule unchanged (a one-week programme has no action-learning set), and
the participants' real-change survey figures at each programme's end (expected shares from
real change alone, no response shift, no respondent sampling), which must rise with length.

Writes, atomically: `panel.csv` (one row per pattern or figure: target, model mean and 95%
interval, verdict, role), `replicates.csv` (every statistic of every replicate), `dose.csv`,
`who_answers.csv` (could engagement-selected response explain the held-out item? `who_answers`)
and `validation.png`.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.analysis.effects import mean_interval, wilson
from experiments.analysis.patterns import CASE, PATTERNS, measure_pair
from experiments.outputs.files import atomic_write_bytes
from experiments.running.config import apply_overrides, compose_checked
from experiments.running.execution import progress_bar, replicate_seed, single_threaded
from experiments.running.workers import parallel_map
from sim.survey import expected_shares

DOSE_WEEKS = (1, 4, 9, 17, 26, 52)
"""Programme lengths of the dose check: one week, and 1, 2, 4, 6 and 12 months."""
REAL_CHANGE = ("network_agree", "see_system_strongly_agree", "influence_disagree")


@single_threaded
def panel_replicate(config, seed: int) -> dict[str, float]:
    end = config.programme_end
    return measure_pair(config.spec, seed, end)


@single_threaded
def dose_replicate(config, weeks: int, seed: int) -> dict[str, float]:
    """The programme arm of one length to its end: participants' expected real-change figures."""
    model = config.spec.model(seed, weeks=weeks)
    model.run()
    out = expected_shares(model.survey, model, without_shift=True)
    return {"weeks": weeks, "seed": seed, **out}


@single_threaded
def who_answers(config, seed: int) -> dict[str, float]:
    """For the held-out influence item: participants' disagreement at the programme's end among all
    respondents, and among the more engaged half and quarter of the cohort. If answering the end
    survey rose with engagement (respondents are upward-selected: Goos & Salomons 2017; Standish &
    Umbach 2019; Grosset 1994; no size published), the observed share would move towards the
    engaged respondents'; this measures how far it could."""
    end = config.programme_end
    model = config.spec.model(seed, weeks=end)
    model.run()
    leaders = model.state.leaders
    answers = model.survey.frame()
    d = answers[(answers["week"] == end) & (answers["group"] == "participant") & (answers["item"] == "influence")]
    engagement = leaders.engagement[d["leader"].to_numpy()]
    disagree = d["response"].to_numpy() <= 2
    cohort = leaders.engagement[leaders.participant]
    return {"seed": seed, "respondents": float(disagree.mean()),
            "above_median_engagement": float(disagree[engagement >= np.median(cohort)].mean()),
            "top_quarter_engagement": float(disagree[engagement >= np.quantile(cohort, 0.75)].mean())}


def pool(rows: pd.DataFrame) -> pd.DataFrame:
    """The panel: each pattern's and case figure's model mean with a 95% interval across
    replicates, its target and verdict."""
    out = []
    for p in PATTERNS:
        x = rows[p.name].dropna().to_numpy()
        mean, low, high = mean_interval(x)
        out.append({"pattern": p.name, "role": p.role, "source": p.source, "target_low": p.low, "target_high": p.high,
                    "model": mean, "model_low": low, "model_high": high, "replicates": x.size,
                    "verdict": "inside" if p.low <= mean <= p.high else "outside"})
    return pd.DataFrame(out)


def case_rows(rows: pd.DataFrame, observed: dict) -> pd.DataFrame:
    """The case's figures: observed share (with its Wilson interval), the model's mean and 95%
    interval across replicates of what the respondents say, and whether the interval covers it."""
    out = []
    for name, (text, role) in CASE.items():
        if name not in rows or name not in observed:
            continue
        x = rows[name].dropna().to_numpy()
        lo, hi = np.quantile(x, [0.025, 0.975]) if x.size else (math.nan, math.nan)
        o = observed[name]
        wlo, whi = wilson(o["share"], o["n"])
        out.append({"pattern": name, "role": role, "source": text, "target_low": wlo, "target_high": whi,
                    "observed": o["share"], "model": float(x.mean()), "model_low": float(lo), "model_high": float(hi),
                    "real_change": float(rows[f"{name.rsplit('_', 1)[0]}_end_real_change"].mean())
                    if name.endswith("_end") and f"{name.rsplit('_', 1)[0]}_end_real_change" in rows else math.nan,
                    "replicates": x.size, "verdict": "hit" if lo <= o["share"] <= hi else "miss"})
    return pd.DataFrame(out)


def dose_table(rows: pd.DataFrame) -> pd.DataFrame:
    out = []
    for weeks, d in rows.groupby("weeks", sort=True):
        for item in REAL_CHANGE:
            mean, low, high = mean_interval(d[item].to_numpy())
            out.append({"weeks": weeks, "item": item, "real_change": mean, "low": low, "high": high,
                        "replicates": len(d)})
    return pd.DataFrame(out)


def dose_verdict(table: pd.DataFrame) -> dict[str, bool]:
    """Whether each real-change figure moves monotonically with length over programmes of 1, 2, 4,
    6 and 12 months (up for the agree items, down for the influence item's disagreement) and
    whether 26 weeks beats one week with non-overlapping 95% intervals."""
    out = {}
    for item in REAL_CHANGE:
        d = table[table["item"] == item].set_index("weeks")
        sign = -1.0 if item == "influence_disagree" else 1.0
        # monotone over the programmes of one month and more (1, 2, 4, 6 and 12 months): a one-week and
        # a one-month programme both hold one workshop and one coaching session (monthly schedule)
        values = sign * d.loc[[w for w in d.index if w >= 4], "real_change"].to_numpy()
        out[f"{item}_monotone"] = bool(np.all(np.diff(values) > 0))
        one, six = d.loc[min(d.index)], d.loc[26] if 26 in d.index else None
        if six is not None:
            out[f"{item}_26_beats_1"] = bool(six["low"] > one["high"]) if sign > 0 else bool(six["high"] < one["low"])
    return out


def figure(panel: pd.DataFrame, case: pd.DataFrame):
    from experiments.outputs import plots

    plots._style()
    import matplotlib.pyplot as plt

    rows = pd.concat([panel, case], ignore_index=True)
    fig, axes = plt.subplots(len(rows), 1, figsize=(7.5, 0.9 * len(rows) + 0.6), squeeze=False)
    for ax, (_, r) in zip(axes.ravel(), rows.iterrows()):
        ax.axvspan(r["target_low"], r["target_high"], color="#9ecae1", alpha=0.6, lw=0, label="published / observed")
        if "observed" in r and not pd.isna(r.get("observed")):
            ax.axvline(r["observed"], color="#08519c", lw=2)
        ax.errorbar([r["model"]], [0], xerr=[[r["model"] - r["model_low"]], [r["model_high"] - r["model"]]],
                    fmt="o", color="#d94801", capsize=4, label="model, 95% interval")
        ax.set_yticks([])
        ax.set_title(f"{r['pattern']} ({r['role']}): {r['verdict']}", fontsize=10, loc="left")
        span = [r["target_low"], r["target_high"], r["model_low"], r["model_high"]]
        span = [v for v in span if np.isfinite(v)]
        pad = 0.1 * (max(span) - min(span) or 1.0)
        ax.set_xlim(min(span) - pad, max(span) + pad)
        ax.tick_params(labelsize=9)
    axes.ravel()[0].legend(fontsize=9, loc="upper right")
    fig.tight_layout()
    return fig


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replicates", type=int, default=40)
    ap.add_argument("--dose-replicates", type=int, default=20)
    ap.add_argument("--seed", type=int, default=20261205)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="a few replicates, for make test")
    ap.add_argument("--out", default="docs/validation")
    ap.add_argument("overrides", nargs="*", help="Hydra overrides of the case study")
    args = ap.parse_args(argv)
    if args.quick:
        args.replicates, args.dose_replicates = 4, 3
    if args.replicates < 2 or args.dose_replicates < 2:
        ap.error("--replicates and --dose-replicates: at least 2 (intervals)")
    config = compose_checked(["experiment=case_study", *args.overrides])
    end = config.programme_end
    config = apply_overrides(config, {"run.weeks": end + 52})
    seeds = [replicate_seed(args.seed, r) for r in range(args.replicates)]
    rows = pd.DataFrame(list(progress_bar(parallel_map(panel_replicate, ((config, s) for s in seeds), args.workers),
                                          len(seeds), True, "panel replicates")))
    observed = {k: {"share": float(v["share"]), "n": int(v["n"])}
                for k, v in ((config.case or {}).get("observed") or {}).items()}
    panel, case = pool(rows), case_rows(rows, observed)
    dose_tasks = []
    for weeks in DOSE_WEEKS:
        values = {"intervention.leadership_programme.duration_weeks": weeks, "run.weeks": max(weeks, 1),
                  "survey.waves": [0, weeks]}
        if weeks <= 2:  # the sets meet mid-period: a programme this short has none
            values["intervention.leadership_programme.action_learning"] = False
        c = apply_overrides(config, values)
        dose_tasks += [(c, weeks, replicate_seed(args.seed + 1, r)) for r in range(args.dose_replicates)]
    dose_rows = pd.DataFrame(list(progress_bar(parallel_map(dose_replicate, dose_tasks, args.workers),
                                               len(dose_tasks), True, "dose replicates")))
    dose = dose_table(dose_rows)
    verdicts = dose_verdict(dose)
    answering = pd.DataFrame(list(parallel_map(who_answers, ((config, replicate_seed(args.seed + 2, r))
                                                             for r in range(args.dose_replicates)), args.workers)))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table = pd.concat([panel, case], ignore_index=True)
    atomic_write_bytes(out / "panel.csv", table.to_csv(index=False).encode())
    atomic_write_bytes(out / "replicates.csv", rows.to_csv(index=False).encode())
    atomic_write_bytes(out / "dose.csv", dose.to_csv(index=False).encode())
    atomic_write_bytes(out / "who_answers.csv", answering.to_csv(index=False).encode())
    from experiments.outputs import plots

    plots.save(figure(panel, case), out / "validation.png")
    print(f"{args.replicates} paired replicates; {args.dose_replicates} per programme length in the dose check")
    for _, r in table.iterrows():
        print(f"  {r['pattern']:<30} {r['role']:<24} target [{r['target_low']:.2f}, {r['target_high']:.2f}]  model "
              f"{r['model']:.3f} [{r['model_low']:.3f}, {r['model_high']:.3f}]  {r['verdict']}")
    print("dose check (real change at each programme's end, participants):")
    for item in REAL_CHANGE:
        d = dose[dose["item"] == item]
        print(f"  {item:<28} " + "; ".join(f"{int(w)} wk {v:.0%} [{lo:.0%}, {hi:.0%}]"
                                            for w, v, lo, hi in d[["weeks", "real_change", "low", "high"]].to_numpy()))
    print("  " + ", ".join(f"{k}: {'yes' if v else 'NO'}" for k, v in verdicts.items()))
    means = answering.drop(columns="seed").mean()
    print(f"who answers (influence item, disagree at the end): all respondents {means['respondents']:.0%}, the more "
          f"engaged half {means['above_median_engagement']:.0%}, the top quarter {means['top_quarter_engagement']:.0%}")
    print(f"written: {out}")


if __name__ == "__main__":
    main()
