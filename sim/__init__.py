"""Agent-based model of collaboration culture among senior leaders of a partnership.

Public API:
    CollaborationModel  - the Mesa model (defaults: the BNSSG scenario)
    BehaviourParams     - behavioural parameters with ranges and sources
    default_processes   - the week's ordered processes (replace one to change a rule)
    synthetic_partnership, load_partnership, Partnership - scenarios as data
    parameter_table     - every declared setting: default, admissible values, meaning, source
    ConfigError         - raised for bad input, with a one-line message
"""

from sim.kernel_cache import serialise_cache_saves, use_source_keyed_cache

use_source_keyed_cache()  # before any kernel is defined: a cache keyed by the whole package's source
serialise_cache_saves()  # two processes saving versions of one kernel never share a data file

from sim.metrics import METRICS  # noqa: E402 (after the cache is chosen)
from sim.model import CollaborationModel
from sim.params import BehaviourParams, parameter_table
from sim.processes import default_processes, insert_after
from sim.scenario import (ForumSpec, OrganisationSpec, Partnership, available_scenarios,
                          load_partnership, synthetic_partnership)
from sim.schema import ConfigError
from sim.state import ModelState, Process, Week

__all__ = ["CollaborationModel", "BehaviourParams", "ConfigError", "parameter_table", "default_processes",
           "insert_after", "ModelState", "Process", "Week", "ForumSpec", "OrganisationSpec", "Partnership",
           "available_scenarios", "load_partnership", "synthetic_partnership", "METRICS"]
