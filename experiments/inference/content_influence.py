"""How the orientation effect and the cascade depend on `content_influence`.

    python -m experiments.content_influence                          # the curve (docs/experiments.md)
    python -m experiments.content_influence --out docs/content_influence --replicates 40

`content_influence` is the weight of the programme's system-first message in a
participant's opinion update (docs/ODD.md 7.5). Nothing in the case measures
attitudes, so the calibration fits the constant to a published pattern: the
attitude shift of participants by the programme's end, in baseline SDs of
orientation, lies in the attitude pattern's interval (docs/validation.md:
Bezrukova et al. 2016, attitudinal effects of training smaller than the overall
g = 0.38). This script runs the case study's paired design over a grid of values
(at the posterior medians of everything else) and reports, per value,
participants' orientation effect (raw and in baseline SDs) and the cascade
(non-participants' effect), at the programme's end and at week 52; then the
values that give the pattern's bounds and its middle.

Writes (atomically) curve.csv and curve.png to --out, and prints the table.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.running.config import CheckedConfig, apply_overrides, compose_checked
from experiments.running.execution import replicate_seed, single_threaded
from experiments.outputs.files import atomic_write_bytes
from experiments.running.workers import parallel_map

KEY = "intervention.leadership_programme.content_influence"
PLAUSIBLE_SD = next((p.low, p.high) for p in __import__("experiments.analysis.patterns", fromlist=["PATTERNS"]).PATTERNS
                    if p.name == "attitude_d")
"""The attitude pattern's interval (docs/validation.md: Bezrukova et al. 2016), in baseline SDs of
participants' orientation at the programme's end: what the calibration fits content_influence to."""
TARGET_SD = 0.5 * (PLAUSIBLE_SD[0] + PLAUSIBLE_SD[1])
PLAUSIBLE_VALUES = (0.50, 1.95)
"""The posterior's 95% interval of content_influence (docs/calibration/posterior_summary.csv), used
when a configuration has no posterior to read it from (`posterior_range`)."""


def posterior_range(config) -> tuple[float, float]:
    """content_influence's 95% interval in the configuration's posterior (`uncertainty.posterior_file`),
    or PLAUSIBLE_VALUES."""
    from experiments.running.uncertainty import weighted_quantile
    from experiments.running.uncertainty import posterior_of

    posterior = posterior_of(config)
    if posterior is None or KEY not in posterior.settings:
        return PLAUSIBLE_VALUES
    x = posterior.values[:, posterior.settings.index(KEY)]
    return (round(weighted_quantile(x, posterior.weights, 0.025), 2), round(weighted_quantile(x, posterior.weights, 0.975), 2))
GRID = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0)


@single_threaded
def paired_orientation(configs: list[CheckedConfig], seed: int, weeks: tuple[int, ...]) -> list[dict]:
    """One paired replicate per configuration (the same seed; the configurations differ only in the
    programme's content): participants' and non-participants' mean orientation, programme minus
    counterfactual, at `weeks`; and the SD of participants' orientation at week 0. The burn-in and
    the counterfactual do not depend on the content, so they run once and every programme arm
    starts from the same burned-in state (common random numbers make this exact)."""
    last = max(weeks)
    shared = None

    def arm(config: CheckedConfig, which: str) -> tuple[dict, float]:
        nonlocal shared
        model = config.spec.model(seed, arm=which, weeks=last, survey=False, start_state=shared,
                                  keep_burn_in=shared is None)
        if shared is None:
            shared = model.burn_in_state
        leaders = model.state.leaders
        p = leaders.participant.copy()
        sd0 = float(leaders.orientation[p].std())
        means = {}
        for week in weeks:
            model.run_for(week - model.week)
            o = leaders.orientation
            means[week] = (float(o[p].mean()), float(o[~p].mean()))
        return means, sd0

    programmes = [arm(config, "intervention") for config in configs]
    off, _ = arm(configs[0], "counterfactual")
    out = []
    for on, sd0 in programmes:
        row = {"baseline_sd": sd0}
        for week in weeks:
            row[f"participants_{week}"] = on[week][0] - off[week][0]
            row[f"others_{week}"] = on[week][1] - off[week][1]
        out.append(row)
    return out


def curve(config: CheckedConfig, values=GRID, replicates: int = 20, weeks: tuple[int, ...] | None = None,
          workers: int = 1, base_seed: int | None = None) -> pd.DataFrame:
    """Per content_influence value (same seeds for every value): mean effects with 95% intervals,
    participants' effect in baseline SDs, at the programme's end and at later weeks."""
    from experiments.analysis.effects import mean_interval

    end = config.programme_end
    if end is None:
        raise ValueError("content_influence curve: the configuration has no leadership programme")
    weeks = tuple(sorted({end, *(weeks if weeks is not None else (52,))}))
    weeks = tuple(w for w in weeks if w <= max(config.run.weeks, end))
    base_seed = config.run.base_seed if base_seed is None else base_seed
    seeds = [replicate_seed(base_seed, r) for r in range(replicates)]
    configs = {v: apply_overrides(config, {KEY: float(v)}) for v in values}
    per_seed = list(parallel_map(paired_orientation, (([configs[v] for v in values], s, weeks) for s in seeds),
                                 workers))
    rows = []
    for i, v in enumerate(values):
        part = pd.DataFrame([runs[i] for runs in per_seed])
        sd = float(part["baseline_sd"].mean())
        for week in weeks:
            for group, label in (("participants", "participants"), ("others", "non-participants")):
                mean, lo, hi = mean_interval(part[f"{group}_{week}"].to_numpy())
                rows.append({"content_influence": float(v), "week": week, "group": label, "effect": mean,
                             "low": lo, "high": hi, "baseline_sd": sd, "effect_sd": mean / sd if sd else np.nan,
                             "replicates": replicates})
    return pd.DataFrame(rows)


def value_for(table: pd.DataFrame, target_sd: float, week: int) -> float:
    """The content_influence at which participants' effect at `week` is `target_sd` baseline SDs
    (linear interpolation on the curve; NaN outside it)."""
    d = table[(table["group"] == "participants") & (table["week"] == week)].sort_values("content_influence")
    x, y = d["content_influence"].to_numpy(), d["effect_sd"].to_numpy()
    if not (y.min() <= target_sd <= y.max()):
        return float("nan")
    order = np.argsort(y)
    return float(np.interp(target_sd, y[order], x[order]))


def figure(table: pd.DataFrame, end: int, current: float | None = None):
    from experiments.outputs import plots

    plots._style()
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for ax, group, colour in ((axes[0], "participants", plots.COLOURS["participants"]),
                              (axes[1], "non-participants", plots.COLOURS["non-participants"])):
        for week, style in zip(sorted(table["week"].unique()), ("-", "--", ":")):
            d = table[(table["group"] == group) & (table["week"] == week)].sort_values("content_influence")
            label = "programme's end" if week == end else f"week {week}"
            ax.plot(d["content_influence"], d["effect"], style, color=colour, label=label)
            ax.fill_between(d["content_influence"], d["low"], d["high"], color=colour, alpha=0.15, lw=0)
        if current is not None:
            ax.axvline(current, color="black", lw=0.8, ls=":")
        ax.set_xlabel("content_influence (assumed)")
        ax.set_title(f"{group}: orientation effect (programme minus none)", fontsize=9)
        ax.axhline(0, color="grey", lw=0.5)
    d = table[(table["group"] == "participants") & (table["week"] == end)]
    sd = d["baseline_sd"].mean()
    lo, hi = PLAUSIBLE_SD
    axes[0].axhspan(lo * sd, hi * sd, color="#fee08b", alpha=0.4, lw=0,
                    label=f"{lo:g}-{hi:g} baseline SD (training literature)")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def format_table(table: pd.DataFrame, current: float | None = None) -> str:
    """One line per value and week: participants' effect (and in baseline SDs), non-participants'."""
    def cell(r):
        return f"{r['effect']:+.4f} [{r['low']:+.4f}, {r['high']:+.4f}]"

    lines = [f"{'content_influence':>17} {'week':>5} {'participants [95%]':>28} {'baseline SD':>11} "
             f"{'non-participants [95%]':>28}"]
    for (value, week), d in table.groupby(["content_influence", "week"]):
        p = d[d["group"] == "participants"].iloc[0]
        o = d[d["group"] == "non-participants"].iloc[0]
        mark = "  <- this run" if current is not None and abs(value - current) < 1e-12 else ""
        lines.append(f"{value:>17g} {week:>5} {cell(p):>28} {p['effect_sd']:>11.2f} {cell(o):>28}{mark}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replicates", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default="outputs/content_influence")
    ap.add_argument("--values", type=float, nargs="+", default=list(GRID))
    ap.add_argument("overrides", nargs="*", help="Hydra overrides of the case study")
    args = ap.parse_args(argv)
    if args.replicates < 2:
        ap.error("--replicates: must be a whole number >= 2")
    if any(v < 0 for v in args.values):
        ap.error("--values: content_influence must be >= 0")
    config = compose_checked(["experiment=case_study", *args.overrides])
    if "leadership_programme" not in config.interventions:
        ap.error("the configuration has no leadership_programme (intervention=leadership_programme)")
    table = curve(config, sorted(set(args.values)), args.replicates, workers=args.workers)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(out / "curve.csv", table.to_csv(index=False).encode())
    current = config.interventions["leadership_programme"].content_influence
    from experiments.outputs import plots

    plots.save(figure(table, config.programme_end, current), out / "curve.png")
    print(format_table(table, current))
    end = config.programme_end
    for target in (PLAUSIBLE_SD[0], TARGET_SD, PLAUSIBLE_SD[1]):
        print(f"participants' effect of {target:g} baseline SD at the programme's end: content_influence "
              f"{value_for(table, target, end):.2f}")
    print(f"outputs: {out}")


if __name__ == "__main__":
    main()
