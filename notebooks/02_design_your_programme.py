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
# # Design your own programme
#
# Change **how many people** go on the programme, **who** you pick and **how long**
# it runs, and compare each design with the programme as it was run in the case.
# Every design meets the same simulated random events, so differences between
# rows come from the design. One caution: a design that picks *other people* also
# has *other people's* answers without the programme, so the "without programme"
# column can differ between designs; compare each design's gain over its own
# "without programme", not the raw percentages.
#
# The settings have plain names; the table below says what each one does.

# %%
import os

import matplotlib.pyplot as plt

from experiments.explore import compare, describe_comparison, glossary, plot_comparison

QUICK = os.environ.get("COLLABSIM_QUICK") == "1"
REPEATS = 3 if QUICK else 20
glossary()

# %% [markdown]
# ## Your designs
#
# Edit this cell: each entry is a name you choose and the settings that differ
# from the case (60 people, picked at random, six months, all components on).
# Each design takes a few seconds; a bar counts the designs.
#
# **To run it larger**, raise `REPEATS` (20 simulated futures per design; 50
# narrows the intervals, at two and a half times the time) or add designs.

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
shown = ["network agree at end (as reported)", "network agree at end (real change only)", "without programme",
         "system-first change, participants", "system-first change, others",
         "new cross-org ties per participant", "ties left a year on", "orientation shift, others"]
points = {c: (lambda x: f"{x * 100:+.1f} pts") for c in shown[3:5]}
table[shown].style.format({c: "{:.0%}" for c in shown[:3]} | points | {c: "{:+.3f}" for c in shown[5:]})

# %% [markdown]
# ## What the numbers say
#
# The next cell writes the comparison out in words, from the table above (with
# the 95% intervals the table holds): "more" or "less" only where the two
# designs' intervals do not overlap.

# %%
for sentence in describe_comparison(table):
    print(sentence)

# %% [markdown]
# The cascade (how far the programme's effect reaches leaders who did not take
# part) for each design, with its 95% interval, drawn beside the participants'
# own change on the same scale (points on a 0-100 scale), so you can see how
# big it is: a difference between two designs' cascades of a few hundredths of a
# point is small beside what participants themselves change.

# %%
plot_comparison(table, "system-first change, others");

# %%
plot_comparison(table, "orientation shift, others");

# %% [markdown]
# ## Common mistakes, and what the computer says
#
# A setting that cannot work is refused with one line naming it, before anything
# runs. Each line below is what you would see.

# %%
from experiments.explore import SettingError, run_programme

mistakes = [
    {"people_on_programme": "sixty"},
    {"people_on_programme": "60"},
    {"people_on_programme": 400},
    {"people_on_programme": 0},
    {"programme_months": 0},
    {"programme_months": 36, "years_followed": 1},
    {"workshops_per_month": 0},
    {"who_we_pick": "our friends"},
    {"alumni_follow_on": "yes"},
]
for settings in mistakes:
    try:
        run_programme(repeats=2, **settings)
        print(f"{settings}: accepted")
    except SettingError as error:
        print(error)
