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
# # Getting started: does a system leadership programme change how leaders work together?
#
# This notebook runs the **case study**: a health and care partnership of 13
# organisations and about 250 senior leaders, and a six-month system leadership
# programme for 60 of them. The computer simulates the partnership's next two
# years many times over ("simulated futures"), once **with** the programme and
# once **without** it, using the same random events both times, so that any
# difference is the programme's doing.
#
# Every number below is an average over those simulated futures. Its interval
# says how sure we are of that average, not how much one real partnership's
# result could vary.
#
# You do not need to change anything: run each cell from the top (Shift+Enter).
# The first cell takes about half a minute; a bar shows its progress.
#
# **To run it larger**, set `REPEATS` below to 100 (the case study's number of
# simulated futures): the intervals narrow, and the cell takes about two and a
# half times as long.

# %%
import os

from experiments.explore import run_programme

QUICK = os.environ.get("COLLABSIM_QUICK") == "1"  # set by the automatic checks to keep them fast
REPEATS = 4 if QUICK else 40

result = run_programme(repeats=REPEATS, years_followed=1.2 if QUICK else 2)

# %% [markdown]
# ## What the numbers say
#
# These sentences are written by the computer from the results, so they always
# match the numbers further down (the survey table and the table of effects
# use the same figures; an automatic check compares them). Each figure has its
# 95% interval in brackets.

# %%
print(result.headline())

# %% [markdown]
# ## The survey, simulated and observed
#
# The real programme asked its participants three questions. For each, four bars:
#
# - **red**: what the real participants answered (the black line is the range
#   such a figure could take by chance with about 50 respondents);
# - **green, hatched**: what the simulated participants answer, **as reported**;
# - **light green**: what the same simulated people would answer from **real
#   change alone**: the same answers without "response shift", the tendency of
#   people to rate themselves more generously at the end of a programme;
# - **grey**: what they would have answered **without** the programme.
#
# Read it like this: if a hatched bar's line reaches the red bar, the model
# reproduces what was seen. Only the gap between **light green and grey** is
# change the programme made; the gap between hatched and light green is response
# shift. How big that shift is cannot be learned from this case's figures: it is
# set from studies of other programmes (see the last column of the table and
# docs/calibration/identifiability.md). So do not read the hatched bar's rise as
# the programme's effect. For the last question, "I can influence the system", a
# **lower** bar is better: it counts people who disagree.

# %%
result.plot_survey();

# %%
result.survey_view()

# %% [markdown]
# ## Over time: who changes, and does it last?
#
# Solid lines are with the programme, dashed lines the same people without it;
# green is participants, blue everyone else. Each shaded band is the 95%
# interval of the average. The pale yellow band is the six months of the
# programme. Measures on a 0-1 scale are drawn on the whole scale, so a gap
# looks as big as it is; each panel's title gives the participants' gap at the
# programme's end in numbers.
#
# - **Decisions that put the system first** are the share of leaders' decisions
#   on shared issues where they put the partnership before their own
#   organisation: the behaviour the programme is meant to change.
# - **System orientation** is how much leaders weigh the whole system against
#   their own organisation (0 to 1). Participants move during the programme; the
#   blue line shows how much of that reaches colleagues who did not take part.
# - **Strong cross-organisation ties** count the strong working relationships a
#   leader has with people in *other* organisations. If the green line falls back
#   after the programme, relationships built on the programme are fading.

# %%
result.plot_over_time();

# %% [markdown]
# ## Ties between organisations, before and after
#
# One simulated future. Each numbered circle is an organisation (the key names
# them; bigger circles have more senior leaders). On the left, each line is the
# strong working relationships between two organisations' leaders before the
# programme (thicker: more of them); on the right, the pairs of organisations
# with more of them at the programme's end (thicker: how many more). The titles
# count ties among all leaders, so they differ from the per-participant figure
# in the sentences above. `result.plot_leaders()` draws every leader and tie
# instead.

# %%
result.plot_network();

# %% [markdown]
# ## The effects in numbers
#
# `effect` is "with the programme" minus "without", averaged over the simulated
# futures; `low` and `high` give the 95% interval of that average.
# Non-participants' rows are the cascade; the later weeks show how much lasts.
# Shares (system-first decisions) are between 0 and 1: 0.10 is 10 percentage
# points.

# %%
cols = ["outcome", "group", "week", "counterfactual", "effect", "low", "high"]
shown = result.effects[result.effects["metric"].str.startswith(("system_first", "strong_cross_ties", "orientation"))]
shown[cols].round(3)

# %% [markdown]
# ## Share the result
#
# `result.report("case_study.html")` writes one self-contained web page for a
# board: a bottom line of four to six sentences, these figures at print size,
# the tables, what the figures cannot tell, and the technical details in an
# appendix; it prints to A4. `result.save("my_run")` writes the run's files,
# among them `summary.xlsx` for spreadsheets (rounded, with a sheet saying what
# each column means) beside the full-precision CSVs.
