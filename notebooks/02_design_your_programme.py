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
# # Design your own programme
#
# Change **how many people** go on the programme, **who** you pick and **how long**
# it runs, and compare each design with the programme as it was run in the case.
# Every design is tested against the same simulated futures, so differences
# between rows are the design's doing, not luck.
#
# The settings have plain names; the table below says what each one does.

# %%
import os

import matplotlib.pyplot as plt

from experiments.explore import compare, glossary

QUICK = os.environ.get("COLLABSIM_QUICK") == "1"
REPEATS = 3 if QUICK else 20
glossary()

# %% [markdown]
# ## Your designs
#
# Edit this cell: each entry is a name you choose and the settings that differ
# from the case (60 people, picked at random, six months, all components on).

# %%
designs = {
    "as in the case": {},
    "smaller cohort (30)": {"people_on_programme": 30},
    "bigger cohort (90)": {"people_on_programme": 90},
    "pick the brokers": {"who_we_pick": "best-connected brokers"},
    "whole teams": {"who_we_pick": "whole teams"},
    "three months": {"programme_months": 3},
    "with alumni follow-on": {"alumni_follow_on": True},
}
if QUICK:
    designs = dict(list(designs.items())[:3])

table = compare(designs, repeats=REPEATS, years_followed=1)
table.round(3)

# %% [markdown]
# ## What the numbers say
#
# The next cell writes the comparison out in words, from the table above.

# %%
base = table.loc["as in the case"]
for name, row in table.iterrows():
    if name == "as in the case":
        continue
    d_ties = row["new cross-org ties per participant"] - base["new cross-org ties per participant"]
    d_cascade = row["orientation shift, others"] - base["orientation shift, others"]
    better = "more" if d_ties > 0 else "fewer"
    print(f"- {name}: {abs(d_ties):.2f} {better} new cross-organisation relationships per participant "
          f"than the case; the effect on colleagues who did not take part is "
          f"{'larger' if d_cascade > 0 else 'smaller'} ({row['orientation shift, others']:+.3f} vs "
          f"{base['orientation shift, others']:+.3f}).")

# %%
ax = table["orientation shift, others"].plot.barh(color="#2166ac")
ax.set_xlabel("shift in system orientation of leaders who did NOT take part (the cascade)")
plt.tight_layout()
