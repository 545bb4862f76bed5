# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Sweep analysis (for researchers)
#
# Load a finished sweep, plot it, and read the sensitivity indices. A sweep is
# run from the command line, e.g.
#
# ```bash
# python -m experiments.run -m experiment=cohort_size
# python -m experiments.run -m experiment=sensitivity_morris
# ```
#
# and lands in `multirun/<label>/`. If the directory below does not exist yet,
# this notebook runs a small version of each sweep first.

# %%
import os
import subprocess
import sys
from pathlib import Path

from experiments import plots
from experiments.explore import load_sweep

QUICK = os.environ.get("COLLABSIM_QUICK") == "1"
REPO = Path.cwd() if (Path.cwd() / "conf").is_dir() else Path.cwd().parent
ROOT = REPO / "multirun"
SMALL = ["run.replicates=2", "run.weeks=30", "run.burn_in_weeks=20"] if QUICK else ["run.replicates=10"]


def ensure(label, *args):
    d = ROOT / (label + ("_quick" if QUICK else ""))
    if not (d / "sweep_results.parquet").is_file():
        subprocess.run([sys.executable, "-m", "experiments.run", "-m", f"experiment={label}", *SMALL, *args,
                        f"run.label={d.name}"], cwd=REPO, check=True, capture_output=True)
    return d


cohort_dir = ensure("cohort_size", *(["intervention.leadership_programme.cohort_size=10,60"] if QUICK else []))
sweep = load_sweep(cohort_dir)
sweep["results"].head()

# %% [markdown]
# ## Dose-response: effect against cohort size
#
# Each point is the programme's effect at its end (programme minus
# counterfactual, same seeds), with a 95% band over replicates.

# %%
summary = sweep["sweep_summary"]
plots.dose_response(summary, "intervention.leadership_programme.cohort_size",
                    ["orientation_participants", "orientation_others", "strong_cross_ties_participants",
                     "issue_success_rate"]);

# %%
end = summary["programme_end"].iloc[0]
table = summary[(summary["week"] == end) & summary["metric"].isin(["orientation_others", "orientation_participants"])]
table.pivot_table(index="intervention.leadership_programme.cohort_size", columns="metric",
                  values=["effect", "low", "high"]).round(4)

# %% [markdown]
# ## Sensitivity: which parameters do the conclusions hang on?
#
# Morris screening ranks parameters by mu* (the mean absolute elementary effect);
# a large sigma means the effect depends on other parameters (interactions or
# non-linearity).

# %%
morris_args = ["design.n=2", "design.chunk_size=18", "design.chunk=range(0,1)",
               "run.replicates=1"] if QUICK else []
morris_dir = ensure("sensitivity_morris", *morris_args)
indices = load_sweep(morris_dir)["sensitivity"]
plots.morris(indices);

# %%
indices.sort_values(["output", "mu_star"], ascending=[True, False]).groupby("output").head(3).round(4)
