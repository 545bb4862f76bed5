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
# # Getting started: does a system leadership programme change how leaders work together?
#
# This notebook runs the **case study**: a health and care partnership of 13
# organisations and about 250 senior leaders, and a six-month system leadership
# programme for 60 of them. The computer simulates the partnership's next two
# years many times over, once **with** the programme and once **without** it,
# using the same random events both times, so that any difference is the
# programme's doing.
#
# You do not need to change anything: run each cell from the top (Shift+Enter).

# %%
import os

from experiments.explore import run_programme

QUICK = os.environ.get("COLLABSIM_QUICK") == "1"  # set by the automatic checks to keep them fast
REPEATS = 4 if QUICK else 40

result = run_programme(repeats=REPEATS, years_followed=1 if QUICK else 2)

# %% [markdown]
# ## What the numbers say

# %%
print(result.headline())

# %% [markdown]
# ## The survey, simulated and observed
#
# The real programme asked its participants three questions. The red bars are
# what they answered; the green bars what the simulated participants answer (the
# black lines show how much that varies from one simulated future to another);
# the grey bars what the same people would have answered **without** the programme.
#
# Read it like this: if a green bar's line reaches the red bar, the model
# reproduces what was seen. The gap between green and grey is the programme's
# effect. Part of the real rise is people feeling good at the end of a
# programme, which the model allows for; the grey bar shows it is not only that.

# %%
result.plot_survey();

# %%
result.survey_table[["item", "answer", "observed", "simulated", "simulated_low", "simulated_high", "counterfactual"]]

# %% [markdown]
# ## Over time: who changes, and does it last?
#
# Solid lines are with the programme, dashed without; green is participants,
# blue everyone else. The shaded yellow band is the six months of the programme.
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
# Each dot is a leader, coloured by organisation; participants have a black
# ring. Grey lines are strong relationships inside an organisation, red lines
# strong relationships **across** organisations: the ones a partnership needs.

# %%
result.plot_network();

# %% [markdown]
# ## The effects in numbers
#
# `effect` is "with the programme" minus "without", averaged over the simulated
# futures; `low` and `high` give the 95% interval. Non-participants' rows are the
# cascade; the later weeks show how much lasts.

# %%
cols = ["outcome", "group", "week", "counterfactual", "effect", "low", "high"]
result.effects[cols].round(3)
