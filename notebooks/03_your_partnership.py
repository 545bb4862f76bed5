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
# # Your own partnership
#
# Describe your organisations and the forums where their leaders meet, then run
# the programme on them. Nothing here needs programming beyond editing the lists.
#
# What each field means:
#
# | field | meaning | example |
# |---|---|---|
# | `name` | a short name for the partnership or organisation (letters, digits, `_`) | `riverside_hospital` |
# | `type` | the kind of organisation, in your own words (a label for the outputs; the model's behaviour does not depend on it) | `acute_trust`, `local_authority` |
# | `anchor` | how far the organisation's formal stance already supports system working, 0 to 1 (1 - statutory pressure): a hospital under heavy performance pressure might be 0.3, a commissioner 0.6 | `0.3` |
# | `leaders` | how many leaders it has of each role: `chief_executive`, `executive`, `director` (executives and directors can go on the programme) | `{"executive": 7, ...}` |
# | forum `organisations` | which organisations sit on it: `"all"` or a list of names | `["riverside_hospital", ...]` |
# | forum `roles` | which roles attend | `["executive"]` |
# | `seats_per_organisation` | how many leaders each organisation sends (default: all of those roles) | `2` |
# | `meets_every_weeks` | how often it meets | `4` (monthly) |
# | `familiarity` | share of pairs of members from different organisations who already know each other, 0 to 1 | `0.4` |
# | `prior_trust` | how much those who know each other already trust each other, 0 to 1 | `0.6` |

# %%
import os
import tempfile
from pathlib import Path

import yaml

from experiments.explore import run_programme
from sim import load_partnership

QUICK = os.environ.get("COLLABSIM_QUICK") == "1"

partnership = {
    "name": "riverside",
    "description": "A made-up partnership of five organisations",
    "organisations": [
        {"name": "riverside_hospital", "type": "acute_trust", "anchor": 0.3,
         "leaders": {"chief_executive": 1, "executive": 7, "director": 16}},
        {"name": "riverside_council", "type": "local_authority", "anchor": 0.45,
         "leaders": {"chief_executive": 1, "executive": 6, "director": 14}},
        {"name": "community_care", "type": "community_cic", "anchor": 0.5,
         "leaders": {"chief_executive": 1, "executive": 4, "director": 8}},
        {"name": "mental_health", "type": "mental_health", "anchor": 0.4,
         "leaders": {"chief_executive": 1, "executive": 5, "director": 10}},
        {"name": "integrated_care_board", "type": "commissioner", "anchor": 0.6,
         "leaders": {"chief_executive": 1, "executive": 6, "director": 12}},
    ],
    "forums": [
        {"name": "chief_executives_forum", "organisations": "all", "roles": ["chief_executive"],
         "meets_every_weeks": 2, "familiarity": 0.9, "prior_trust": 0.75},
        {"name": "place_board", "organisations": "all", "roles": ["executive"], "seats_per_organisation": 2,
         "meets_every_weeks": 4, "familiarity": 0.4, "prior_trust": 0.6},
        {"name": "urgent_care_board", "organisations": ["riverside_hospital", "community_care", "integrated_care_board"],
         "roles": ["executive", "director"], "seats_per_organisation": 2, "meets_every_weeks": 4},
    ],
}

# check it (a mistake gives a one-line message naming what is wrong)
p = load_partnership(partnership)
print(f"{p.name}: {p.n_organisations} organisations, {p.n_leaders} leaders, {len(p.forums)} forums")

# %% [markdown]
# Save it as a file, so the same description can be used from the command line
# or shared with colleagues. It is saved next to this notebook, and the command
# printed below uses its full path, so it works from the project's folder.

# %%
folder = Path(tempfile.mkdtemp()) if QUICK else Path.cwd()  # the automatic checks leave no file behind
path = (folder / "riverside.yaml").resolve()
path.write_text(yaml.safe_dump(partnership, sort_keys=False))
print(f"saved: {path}")
print(f"run it from the project's folder with:\n  make run ARGS='scenario_file={path} "
      f"intervention.leadership_programme.cohort_size=25'")

# %% [markdown]
# ## Run a programme for 25 of your leaders

# %%
result = run_programme(partnership=str(path), people_on_programme=25, repeats=3 if QUICK else 20,
                       years_followed=1)
print(result.headline())

# %% [markdown]
# ## What this means, and what was borrowed
#
# The next cell reads the result in plain words. Read it with one warning: your
# partnership is new to the model, so everything not in your description is
# borrowed from the case study (Bristol, North Somerset and South
# Gloucestershire). How fast conversations build relationships was calibrated on
# that case; how generously people rate themselves at the end of a programme
# (response shift) comes from studies of other programmes; and the survey's bar
# for "a strong network" was set on that case's leaders. So the survey
# percentages above are the case's instrument applied to your partnership, not a
# prediction of what your leaders would answer. The differences between designs
# and between organisations are the more trustworthy part.

# %%
t = result.survey_table.set_index("statistic").loc["network_agree_end"]
ties = result.effect("strong_cross_ties_participants")
print(f"In {p.name}, the programme gives each of its 25 participants {ties:+.1f} strong relationships across "
      f"organisations on average by its end. Real change alone would take the share saying they have a strong "
      f"network from {t['counterfactual']:.0%} to {t['real_change']:.0%}; response shift adds "
      f"{(t['reported'] - t['real_change']) * 100:.0f} points to what they would report "
      f"({t['reported']:.0%}).")

# %% [markdown]
# The figures: over time (solid with the programme, dashed without; bands hold
# 95% of simulated futures), and one simulated future's network before and after.

# %%
result.plot_over_time();

# %%
result.plot_network();
