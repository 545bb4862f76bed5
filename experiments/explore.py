"""The notebook API under its documented name: `from experiments.explore import run_programme, ...`.
The code is experiments/interfaces/explore.py."""

from experiments.interfaces.explore import *  # noqa: F403
from experiments.interfaces.explore import __all__  # noqa: F401
