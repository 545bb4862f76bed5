"""Regression runs: has the model's behaviour changed since the committed reference?

    python -m experiments.regress                      # compare with the reference (make regress)
    python -m experiments.regress --quick              # a smaller set (make test runs it)
    python -m experiments.regress --update --why "recalibrated after the efficacy fix"

A fixed reference set runs at small settings with fixed seeds (`CASES`): the
calibrated case study, the baseline without intervention, and two shipped
experiments (selection strategy, statutory pressure) at two points each. Two
comparisons with the reference committed in tests/data/regression/:

- exact: a hash of each case's tidy outputs (results and survey); any
  numerical change of any output shows, including a harmless reordering of
  random draws;
- statistical: each key outcome's values over replicates against the
  reference's, with Welch's two-sample interval for the difference. An
  outcome has *moved* when the difference is both significant (Bonferroni over
  the outcomes, family-wise 5%) and larger than the equivalence margin (a
  quarter of the reference's between-replicate SD, or 0.002 if that is
  smaller): a refactor that only reorders random draws passes, a behavioural
  change fails.

It prints one table (case, outcome, reference, now, difference [interval],
margin, verdict) and exits 1 if an outcome moved (statistical mode, the
default) or any hash changed (`--exact`). `--update --why` writes a new
reference with the reason, date and commit, and appends them to history.jsonl.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from experiments.analysis.effects import paired_differences, survey_statistics
from experiments.running.config import apply_overrides, compose_checked
from experiments.running.execution import run_replicates
from experiments.outputs.files import atomic_write_bytes, atomic_write_json
from sim.schema import ConfigError

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "regression"
P = "intervention.leadership_programme."
CASES = {  # name: (composition overrides, value overrides, replicates, quick)
    "case_study": (["experiment=case_study"], {"run.weeks": 52, "run.assumption_curve": False}, 20, True),
    "baseline": (["experiment=baseline"], {"run.weeks": 52}, 10, True),
    "selection_brokerage": (["experiment=selection_strategy"], {P + "selection": "brokerage", "run.weeks": 26}, 12,
                            False),
    "selection_teams": (["experiment=selection_strategy"], {P + "selection": "teams", "run.weeks": 26}, 12, False),
    "pressure_0.5": (["experiment=statutory_pressure"], {"behaviour.pressure_scale": 0.5, "run.weeks": 26}, 12,
                     False),
    "pressure_1.4": (["experiment=statutory_pressure"], {"behaviour.pressure_scale": 1.4, "run.weeks": 26}, 12,
                     False),
}
SEED = 424242
EFFECTS = ("orientation_participants", "orientation_others", "strong_cross_ties_participants",
           "cross_org_trust_participants", "issue_success_rate")
LEVELS = ("mean_orientation", "strong_cross_share", "cross_org_trust", "issue_success_rate")
SURVEY = ("network_agree_end", "network_agree_end_without_shift", "see_system_strongly_agree_end",
          "influence_disagree_end")


def frame_hash(frame: pd.DataFrame) -> str:
    """A hash of a tidy frame's content (row order and dtypes included)."""
    h = hashlib.sha256()
    h.update(",".join(f"{c}:{frame[c].dtype}" for c in frame.columns).encode())
    h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


def run_case(name: str, workers: int, extra: dict | None = None, seed: int = SEED) -> dict:
    """One case of the reference set: its hash and its key outcomes per replicate (`extra`:
    overrides applied on top, e.g. to preview a change)."""
    compose, values, replicates, _ = CASES[name]
    base = compose_checked(compose)
    # an intervention's override applies to the cases that have that intervention
    extra = {k: v for k, v in (extra or {}).items()
             if not k.startswith("intervention.") or k.split(".")[1] in base.interventions}
    # at the posterior medians: a guard against unintended change compares the model at fixed
    # parameters, where the replicates' spread is Monte Carlo noise alone
    config = apply_overrides(base, {**values, "run.replicates": replicates, "run.base_seed": seed,
                                    "uncertainty.draws": "medians", **extra})
    reps = run_replicates(config, {}, workers=workers)
    digest = frame_hash(reps.results) + ("" if reps.survey is None else frame_hash(reps.survey))
    outcomes: dict[str, list[float]] = {}
    last = int(reps.results["week"].max())
    if config.interventions:
        end = min(config.programme_end, last)
        for metric in EFFECTS:
            d = paired_differences(reps.results, metric, [end]).sort_values("replicate")
            outcomes[f"effect:{metric}"] = d["effect"].tolist()
        s = survey_statistics(reps.survey, end)
        s = s[s["arm"] == "intervention"].sort_values("replicate")
        for key in SURVEY:
            outcomes[f"survey:{key}"] = s[key].astype(float).tolist()
    else:
        d = reps.results[reps.results["week"] == last]
        for metric in LEVELS:
            outcomes[f"level:{metric}"] = d[d["metric"] == metric].sort_values("replicate")["value"].tolist()
    return {"hash": hashlib.sha256(digest.encode()).hexdigest(), "replicates": replicates, "outcomes": outcomes}


def run_set(quick: bool, workers: int, extra: dict | None = None, seed: int = SEED) -> dict:
    return {name: run_case(name, workers, extra, seed) for name, case in CASES.items() if case[3] or not quick}


def margin(reference: np.ndarray) -> float:
    """The equivalence margin: a quarter of the reference's between-replicate SD (at least 0.002)."""
    sd = float(np.std(reference, ddof=1)) if reference.size > 1 else 0.0
    return max(0.25 * sd, 0.002)


def compare(reference: dict, now: dict) -> pd.DataFrame:
    """One row per case and outcome: reference and current means, the difference with its
    family-wise interval, the margin and the verdict (same / moved / new / missing)."""
    keys = [(c, o) for c in now for o in now[c]["outcomes"]]
    alpha = 0.05 / max(len(keys), 1)
    rows = []
    for case, out in keys:
        x = np.asarray(now[case]["outcomes"][out], float)
        ref = reference.get(case, {}).get("outcomes", {}).get(out)
        if ref is None:
            rows.append({"case": case, "outcome": out, "reference": math.nan, "now": float(np.nanmean(x)),
                         "difference": math.nan, "low": math.nan, "high": math.nan, "margin": math.nan,
                         "verdict": "new"})
            continue
        r = np.asarray(ref, float)
        x, r = x[np.isfinite(x)], r[np.isfinite(r)]
        diff = float(x.mean() - r.mean())
        se = math.sqrt(x.var(ddof=1) / x.size + r.var(ddof=1) / r.size) if x.size > 1 and r.size > 1 else 0.0
        if se > 0:
            dof = se ** 4 / ((x.var(ddof=1) / x.size) ** 2 / (x.size - 1) + (r.var(ddof=1) / r.size) ** 2 / (r.size - 1))
            half = float(stats.t.ppf(1 - alpha / 2, dof)) * se
        else:
            half = 0.0
        m = margin(r)
        significant = abs(diff) > half if se > 0 else diff != 0
        rows.append({"case": case, "outcome": out, "reference": float(r.mean()), "now": float(x.mean()),
                     "difference": diff, "low": diff - half, "high": diff + half, "margin": m,
                     "verdict": "moved" if significant and abs(diff) > m else "same"})
    for case in reference:
        for out in reference[case]["outcomes"]:
            if case in now and out not in now[case]["outcomes"]:
                rows.append({"case": case, "outcome": out, "reference": math.nan, "now": math.nan,
                             "difference": math.nan, "low": math.nan, "high": math.nan, "margin": math.nan,
                             "verdict": "missing"})
    return pd.DataFrame(rows)


def format_table(table: pd.DataFrame, hashes: dict[str, bool]) -> str:
    lines = [f"{'case':<20} {'outcome':<44} {'reference':>10} {'now':>10} {'difference [interval]':>30} "
             f"{'margin':>8}  verdict"]
    for _, r in table.iterrows():
        interval = ("-" if not np.isfinite(r["difference"]) else
                    f"{r['difference']:+.4f} [{r['low']:+.4f}, {r['high']:+.4f}]")
        lines.append(f"{r['case']:<20} {r['outcome']:<44} {r['reference']:>10.4f} {r['now']:>10.4f} "
                     f"{interval:>30} {r['margin']:>8.4f}  {r['verdict'].upper() if r['verdict'] != 'same' else 'same'}")
    lines.append("exact: " + ", ".join(f"{c} {'identical' if same else 'CHANGED'}" for c, same in hashes.items()))
    return "\n".join(lines)


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REFERENCE_DIR.parents[2], capture_output=True,
                              text=True, timeout=10).stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="the case study and the baseline only")
    ap.add_argument("--exact", action="store_true", help="fail on any change of the outputs' hashes")
    ap.add_argument("--update", action="store_true", help="accept the current behaviour as the new reference")
    ap.add_argument("--why", default="", help="the reason for --update (required with it)")
    ap.add_argument("--reference", default=str(REFERENCE_DIR / "reference.json"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=SEED, help="base seed (another seed = the same model with its "
                    "random draws reordered)")
    ap.add_argument("overrides", nargs="*", help="KEY=VALUE applied to every case (to preview a change)")
    args = ap.parse_args(argv)
    extra = {}
    for item in args.overrides:
        key, sep, value = item.partition("=")
        if not sep:
            ap.error(f"{item}: overrides are KEY=VALUE")
        extra[key] = yaml.safe_load(value)
    if args.update and not args.why.strip():
        ap.error("--update needs --why \"the reason for the change\"")
    if args.update and args.quick:
        ap.error("--update records the full set: drop --quick")
    t0 = time.perf_counter()
    if args.update and (extra or args.seed != SEED):
        ap.error("--update records the model as it is: drop the overrides and --seed")
    try:
        now = run_set(args.quick, args.workers, extra, args.seed)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    path = Path(args.reference)
    if args.update:
        record = {"date": date.today().isoformat(), "commit": _commit(), "why": args.why.strip(), "seed": SEED}
        atomic_write_json({"about": record, "cases": now}, path)
        history = path.parent / "history.jsonl"
        previous = history.read_text() if history.is_file() else ""
        atomic_write_bytes(history, (previous + json.dumps(record) + "\n").encode())
        print(f"new reference written to {path} ({record['date']}, {record['commit']}): {record['why']}")
        return
    if not path.is_file():
        print(f"error: --reference={path}: no reference (create one with --update --why \"...\")", file=sys.stderr)
        sys.exit(2)
    reference = json.loads(path.read_text())
    table = compare(reference["cases"], now)
    hashes = {c: reference["cases"].get(c, {}).get("hash") == now[c]["hash"] for c in now}
    print(format_table(table, hashes))
    about = reference.get("about", {})
    print(f"reference: {about.get('date')} at {about.get('commit')} ({about.get('why')}); "
          f"{time.perf_counter() - t0:.1f} s")
    moved = table[table["verdict"].isin(["moved", "missing"])]
    if args.exact and not all(hashes.values()):
        print("exact mode: outputs changed", file=sys.stderr)
        sys.exit(1)
    if len(moved):
        print(f"{len(moved)} outcome(s) moved beyond noise: {', '.join(moved['case'] + ':' + moved['outcome'])}",
              file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
