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
# # Your partnership
#
# From the spreadsheet you keep and the export of your network survey to a
# recommended cohort. This notebook walks the route on the shipped template
# (`docs/examples/partnership_template.xlsx`, the BNSSG partnership) and a
# made-up network survey of its people (`docs/examples/network_survey.csv`);
# put your own files in their place. The README's section "Your partnership"
# gives the same steps as commands.
#
# | step | what you give | what you get |
# |---|---|---|
# | 1 | a workbook: organisations, people (id, organisation, role), forums | a partnership the model can run |
# | 2 | your network survey's export (an edge list, GraphML or GEXF) | a run that starts from who already works with whom |
# | 3 | the people on the programme (a CSV with a column `id`) | the programme run for them |
# | 4 | a number of places | a recommended cohort, tested against picking by rule |
#
# Columns of the people sheet that hold names, emails or phone numbers are never
# read, and ids that are email addresses are replaced by pseudonyms in every
# output.

# %%
import os
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from experiments.analysis.effects import effect_table, survey_statistics, survey_table
from experiments.explore import Result, case_study
from experiments.running.config import apply_overrides
from experiments.running.execution import run_replicates
from sim import load_partnership
from sim.network_io import read_network

QUICK = os.environ.get("COLLABSIM_QUICK") == "1"
EXAMPLES = Path.cwd().parent / "docs" / "examples" if Path.cwd().name == "notebooks" else Path("docs/examples")
WORKBOOK = (EXAMPLES / "partnership_template.xlsx").resolve()   # your workbook here
SURVEY = (EXAMPLES / "network_survey.csv").resolve()            # your network survey's export here

# %% [markdown]
# ## 1. The partnership, from the workbook
#
# A mistake in the workbook stops here, with one line naming the sheet, the row
# and the column.

# %%
p = load_partnership(str(WORKBOOK), key="scenario_file")
print(f"{p.name}: {p.n_organisations} organisations, {p.n_leaders} people, {len(p.forums)} kinds of forum")
people = pd.DataFrame([{"id": x.id, "organisation": x.organisation, "role": x.role} for x in p.people])
people.groupby(["organisation", "role"]).size().unstack(fill_value=0)

# %% [markdown]
# ## 2. Who already works with whom: your network survey
#
# The one line below says what was read and what was dropped: people who are
# not in the partnership (leavers, outsiders), self-ties, blank rows, and how
# many ties were reported by both people (their answers averaged) or by one.
# Frequency words become tie strength: daily 0.9, weekly 0.75, monthly 0.55,
# quarterly 0.35, yearly 0.2 (docs/ODD.md 5.1).

# %%
network = read_network(SURVEY, p)
print(network.summary())

# %% [markdown]
# ## 3. Run the programme from your network
#
# Sixty people chosen at random, against the same partnership without the
# programme; at week 0 the model's ties are your survey's.

# %%
repeats, years = (3, 0.6) if QUICK else (20, 1)
base = apply_overrides(case_study(), {"scenario_file": str(WORKBOOK), "network_file": str(SURVEY),
                                      "run.replicates": repeats, "run.weeks": round(52 * years)})


def run(config, label):
    end = config.programme_end
    reps = run_replicates(config, {"label": label}, capture_network_at=(0, end), workers=2)
    follow = [w for w in (end, 52) if w <= config.run.weeks]
    table = survey_table(survey_statistics(reps.survey, end), {}, None)
    return Result({"design": label}, reps.results, reps.survey, effect_table(reps.results, follow), table,
                  reps.networks, end, config.behaviour.strong_tie, config)


at_random = run(base, "sixty at random")
print(at_random.headline())

# %% [markdown]
# The figures: over time (solid with the programme, dashed without; bands hold
# 95% of simulated futures), and one simulated future's network before and
# after, starting from your survey's.

# %%
at_random.plot_over_time();

# %%
at_random.plot_network();

# %% [markdown]
# ## 4. The people who were (or will be) on the programme
#
# A CSV with a column `id`, one row per person. It sets the cohort and its
# size; someone who is not in the partnership or not an executive or director
# is an error naming them. Here: the executives of four organisations, as an
# example.

# %%
folder = Path(tempfile.mkdtemp()) if QUICK else Path.cwd()
named = people[(people["role"] == "executive") & people["organisation"].isin(
    ["acute_trust_city", "commissioner", "city_council", "community_services"])]
cohort_file = folder / "our_cohort.csv"
named[["id"]].to_csv(cohort_file, index=False)
ours = run(apply_overrides(base, {"intervention.leadership_programme.cohort_file": str(cohort_file)}),
           f"our {len(named)} executives")
print(f"Our {len(named)} executives gain {ours.effect('strong_cross_ties_participants'):+.1f} strong "
      f"relationships across organisations each by the programme's end; sixty at random gain "
      f"{at_random.effect('strong_cross_ties_participants'):+.1f} each.")

# %% [markdown]
# ## 5. A recommended cohort
#
# The search starts from the best rule (random, seniority, brokerage, quota,
# teams), swaps people within a fixed budget on common random numbers, then
# tests the result on fresh simulated futures against choosing at random, by
# seniority and by brokerage. From the command line:
#
#     make cohort ARGS='scenario_file=my_partnership.xlsx network_file=my_survey.csv cohort.size=60'
#
# Here a small budget (the command's defaults take about five minutes for 250
# people).

# %%
from omegaconf import OmegaConf  # noqa: E402

from experiments.running.cohort_job import run_search  # noqa: E402
from experiments.running.config import compose  # noqa: E402

small = ["cohort.budget=20", "cohort.search_replicates=3", "cohort.fresh_replicates=6", "cohort.screening=4",
         "run.workers=1"] if QUICK else ["cohort.budget=200", "cohort.fresh_replicates=40"]
overrides = [f"scenario_file={WORKBOOK}", f"network_file={SURVEY}", "cohort.size=60",
             "intervention.leadership_programme.cohort_size=60", "run.progress=false", *small]
out = folder / "recommended_cohort"
run_search(OmegaConf.to_container(compose(overrides), resolve=True), out, overrides)
comparison = pd.read_csv(out / "comparison.csv")
comparison[["arm", "objective", "low", "high", "recommended_minus_arm", "difference_low", "difference_high"]]

# %% [markdown]
# Each bar is the new strong relationships across organisations per
# participant that a way of choosing gives, on simulated futures the search
# never saw (95% intervals). Read the summary's verdict before the bars: when
# the recommended cohort is not distinguishable from a rule, choose by the rule.

# %%
fig, ax = plt.subplots(figsize=(7, 3.2))
ax.barh(comparison["arm"], comparison["objective"],
        xerr=[comparison["objective"] - comparison["low"], comparison["high"] - comparison["objective"]],
        color="#4393c3")
ax.set_xlabel("new strong cross-organisation ties per participant (programme minus none)")
ax.set_ylabel("how the cohort is chosen")
ax.invert_yaxis()
fig.tight_layout()

# %% [markdown]
# Who is recommended, with features that describe them (not reasons: the model
# does not say why one person gains more than another).

# %%
print((out / "summary.md").read_text().split("\n\n")[3])
pd.read_csv(out / "cohort.csv")[["id", "organisation", "role", "features_in_words (descriptive, not causes)"]].head(8)

# %% [markdown]
# ## 6. Your own survey
#
# If your programme ran a before-and-after survey, calibrate the model to it,
# giving the programme's size and length with it, then run with the experiment
# it writes (it holds your figures, so runs compare against them):
#
#     make calibrate ARGS='--survey my_answers.csv --cohort-size 30 --programme-weeks 26 --scenario-file my_partnership.xlsx --network-file my_survey.csv --out outputs/mine'
#     cp outputs/mine/mine.yaml conf/experiment/mine.yaml
#     make cohort ARGS='experiment=mine cohort.size=30'
