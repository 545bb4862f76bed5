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
# # Your own partnership
#
# Describe your organisations and the forums where their leaders meet, then run
# the programme on them. Nothing here needs programming beyond editing the lists.
#
# For each **organisation**: a name, a type, an *anchor* (how far its formal
# stance already supports system working, from 0 to 1: a hospital under heavy
# performance pressure might be 0.3, a commissioner 0.6) and how many leaders it
# has of each role.
#
# For each **forum**: which organisations sit on it, which roles, how many seats
# each organisation has, and how often it meets.

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
# (`make run ARGS='scenario_file=riverside.yaml'`) or shared with colleagues.

# %%
path = Path(tempfile.mkdtemp()) / "riverside.yaml"
path.write_text(yaml.safe_dump(partnership, sort_keys=False))
print(path)

# %% [markdown]
# ## Run a programme for 25 of your leaders

# %%
result = run_programme(partnership=str(path), people_on_programme=25, repeats=3 if QUICK else 20,
                       years_followed=1)
print(result.headline())

# %%
result.plot_over_time();

# %%
result.plot_network();
