# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Sweep analysis (for researchers)
#
# Load a finished sweep, plot it, and read the sensitivity indices and the
# scenario discovery. A sweep is run from the command line, e.g.
#
# ```bash
# python -m experiments.run -m experiment=cohort_size
# python -m experiments.run -m experiment=sensitivity_morris
# python -m experiments.run -m experiment=deep_uncertainty
# ```
#
# and lands in `multirun/<label>/`. This notebook runs a small version of the
# cohort-size sweep and of the Morris screening if their directories do not
# exist yet (a bar counts the finished jobs; about a minute in all), and reads
# the committed Sobol indices and scenario discovery from `docs/` (those take
# 45 and 10 minutes to run).
#
# **To run it larger**, set `LARGER = True` below: the shipped experiments at
# their own sizes (30 replicates per cohort size, Morris with 10 trajectories;
# several minutes), or run any sweep yourself and point `load_sweep` at its
# directory.

# %%
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from experiments.outputs import plots
from experiments.explore import load_sweep
from experiments.interfaces.glossary import plain_parameter

QUICK = os.environ.get("COLLABSIM_QUICK") == "1"
LARGER = False
REPO = Path.cwd() if (Path.cwd() / "conf").is_dir() else Path.cwd().parent
ROOT = Path(os.environ.get("COLLABSIM_MULTIRUN", REPO / "multirun"))  # where sweeps land (and are looked for)


def ensure(label, *args, jobs=None):
    """The sweep's directory, running the sweep first if needed (a progress bar counts its jobs)."""
    size = "quick" if QUICK else ("full" if LARGER else "notebook")
    d = ROOT / f"{label}_{size}"
    if not (d / "sweep_results.parquet").is_file():
        cmd = [sys.executable, "-u", "-m", "experiments.run", "-m", f"experiment={label}", *args,
               f"run.label={d.name}", f"hydra.sweep.dir={d}"]
        with subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc, \
                tqdm(total=jobs, desc=label, unit="job") as bar:
            for line in proc.stdout:
                if line.startswith("[done]"):
                    bar.update(1)
        if proc.returncode:
            raise RuntimeError(f"the {label} sweep failed (run the command in a terminal to see why): {cmd}")
    return d


if QUICK:
    cohort_args, cohort_jobs = ["run.replicates=2", "run.weeks=30", "run.burn_in_weeks=20",
                                "intervention.leadership_programme.cohort_size=10,60"], 2
elif LARGER:
    cohort_args, cohort_jobs = [], 8
else:
    cohort_args, cohort_jobs = ["run.replicates=8", "run.weeks=52",
                                "intervention.leadership_programme.cohort_size=10,30,60,90,120"], 5
cohort_dir = ensure("cohort_size", *cohort_args, jobs=cohort_jobs)
sweep = load_sweep(cohort_dir)
sweep["results"].head()

# %% [markdown]
# ## Dose-response: effect against cohort size
#
# Each point is the programme's effect at its end (programme minus
# counterfactual, same seeds), with a 95% band over replicates. The horizontal
# line is no effect; each panel's axis starts at or below zero, so the size of an
# effect can be read against it.

# %%
summary = sweep["sweep_summary"]
plots.dose_response(summary, "intervention.leadership_programme.cohort_size",
                    ["system_first_participants", "orientation_others", "strong_cross_ties_participants",
                     "issue_success_rate"]);

# %%
end = summary["programme_end"].iloc[0]
table = summary[(summary["week"] == end) & summary["metric"].isin(["system_first_participants", "orientation_others"])]
table.pivot_table(index="intervention.leadership_programme.cohort_size", columns="metric",
                  values=["effect", "low", "high"]).round(4)

# %% [markdown]
# ## Sensitivity: which parameters do the conclusions hang on?
#
# Morris screening moves one parameter at a time along random paths through
# the parameter ranges:
#
# - **mu\*** is the average size of the change in an output when a parameter
#   moves (whatever its direction): the larger, the more the output hangs on it.
# - **sigma** is how much that change varies from place to place: a large sigma
#   means the parameter's effect depends on the others (interactions) or is not
#   a straight line.
#
# Each panel numbers the five parameters with the largest mu\* and names them in
# its key.

# %%
if QUICK:
    morris_args, morris_jobs = ["design.n=2", "design.chunk_size=26", "design.chunk=range(0,1)",
                                "run.replicates=1", "run.burn_in_weeks=20"], 1
elif LARGER:
    morris_args, morris_jobs = [], 9
else:
    morris_args, morris_jobs = ["design.n=4", "design.chunk_size=26", "design.chunk=range(0,2)",
                                "run.replicates=1"], 2
morris_dir = ensure("sensitivity_morris", *morris_args, jobs=morris_jobs)
indices = load_sweep(morris_dir)["sensitivity"]
plots.morris(indices);

# %%
top = indices.sort_values(["output", "mu_star"], ascending=[True, False]).groupby("output").head(3).copy()
top["parameter"] = top["parameter"].map(plain_parameter)
top.round(4)

# %% [markdown]
# Sobol indices go further: **S1** is the share of an output's variance a
# parameter explains on its own, **ST** the share it is involved in once its
# interactions with the others are counted; ST much larger than S1 means
# interactions matter. Both are shares of the variance of the *mean response*:
# each design row averages two paired futures with seeds of its own, and the
# part of the rows' variance that is only chance between futures (the **noise
# share**) is taken out. The committed study (`experiment=sensitivity_sobol`,
# about 34 minutes; `docs/experiments.md` has its convergence and reading) for
# participants' system-first share, with each output's noise share below:

# %%
sobol = pd.read_csv(REPO / "docs" / "sensitivity" / "sensitivity.csv")
first = "system_first_participants_effect" if "system_first_participants_effect" in set(sobol["output"]) \
    else sobol["output"].iloc[0]
plots.sobol(sobol[sobol["output"] == first].sort_values("ST"));

# %%
noise = sobol.groupby("output", sort=False)[["noise_share", "noise_share_low", "noise_share_high"]].first()
if "estimator" in sobol:
    noise["indices from"] = sobol.groupby("output", sort=False)["estimator"].first()
noise.round(3)

# %% [markdown]
# ## Scenario discovery: where does the programme fail?
#
# `experiment=deep_uncertainty` runs every design of the programme in many
# sampled futures (about 10 minutes); `experiments.discover` (PRIM) finds the
# regions of parameter space where the programme fails to raise
# collective-issue success, or where its relationships have faded by week 52.
# **Coverage** is the share of all such futures that fall inside the box;
# **density** the share of the box's futures that are such failures. The
# committed run's findings (from `docs/discovery/`; a run of your own in
# `multirun/deep_uncertainty/` is read instead when it exists):

# %%
from IPython.display import Markdown, display  # noqa: E402

own = ROOT / "deep_uncertainty" / "discovery.md"
display(Markdown((own if own.is_file() else REPO / "docs" / "discovery" / "discovery.md").read_text()))
