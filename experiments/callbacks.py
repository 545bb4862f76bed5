"""The Hydra callback under its path before experiments/ had subpackages: sweeps started then name
`experiments.callbacks.AggregateOnMultirunEnd` in their saved configuration, and resume through it.
The class is experiments/running/callbacks.py's."""

from experiments.running.callbacks import AggregateOnMultirunEnd

__all__ = ["AggregateOnMultirunEnd"]
