"""Agent-based model of collaboration culture among senior leaders of a partnership.

Public API:
    CollaborationModel  - the Mesa model (defaults: the BNSSG scenario)
    BehaviourParams     - behavioural parameters with ranges and sources
    synthetic_partnership, load_partnership, Partnership - scenarios as data
    ConfigError         - raised for bad input, with a one-line message
"""

from sim.model import CollaborationModel
from sim.params import BehaviourParams, ConfigError, parameter_table
from sim.scenario import (ForumSpec, OrganisationSpec, Partnership, available_scenarios,
                          load_partnership, synthetic_partnership)
from sim.metrics import METRICS

__all__ = ["CollaborationModel", "BehaviourParams", "ConfigError", "parameter_table",
           "ForumSpec", "OrganisationSpec", "Partnership", "available_scenarios",
           "load_partnership", "synthetic_partnership", "METRICS"]
