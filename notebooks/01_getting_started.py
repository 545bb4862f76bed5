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
# The first cell takes under a minute.

# %%
import os

from experiments.explore import run_programme

QUICK = os.environ.get("COLLABSIM_QUICK") == "1"  # set by the automatic checks to keep them fast
REPEATS = 4 if QUICK else 40

result = run_programme(repeats=REPEATS, years_followed=1 if QUICK else 2)

# %% [markdown]
# ## What the numbers say
#
# These sentences are written by the computer from the results, so they always
# match the numbers further down.

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
# green is participants, blue everyone else. Each shaded band holds 95% of the
# simulated futures. The pale yellow band is the six months of the programme.
# Orientation and trust are drawn on their full 0-1 scale, with a zoomed-in inset
# so the small differences can be seen without looking large.
#
# - **System orientation** is how much leaders weigh the whole system against
#   their own organisation (0 to 1). Participants move during the programme; the
#   blue line shows how much of that reaches colleagues who did not take part.
# - **Strong cross-organisation ties** count the strong working relationships a
#   leader has with people in *other* organisations. If the green line falls back
#   after the programme, relationships built on the programme are fading.

# %%
result.plot_over_time();

# %% [markdown]
# ## The network of leaders, before and after
#
# One simulated future, drawn twice. Each dot is a leader, coloured by
# organisation (the key names them); participants have a black ring. Grey lines
# are strong relationships inside an organisation, red lines strong relationships
# **across** organisations: the ones a partnership needs. The titles count the
# red lines among all leaders, so they differ from the per-participant figure in
# the sentences above.

# %%
result.plot_network();

# %% [markdown]
# ## The effects in numbers
#
# `effect` is "with the programme" minus "without", averaged over the simulated
# futures; `low` and `high` give the 95% interval of that average.
# Non-participants' rows are the cascade; the later weeks show how much lasts.

# %%
cols = ["outcome", "group", "week", "counterfactual", "effect", "low", "high"]
result.effects[cols].round(3)

# %% [markdown]
# ## Share the result
#
# `result.report("case_study.html")` writes one self-contained web page with
# these figures, tables and the assumptions behind them, to send to colleagues.
