"""Hydra callbacks: aggregate a sweep when the multirun ends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig


class AggregateOnMultirunEnd(Callback):
    """Runs `experiments.aggregate` on the sweep directory after the last job."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from experiments.aggregate import aggregate

        root = Path(config.hydra.sweep.dir)
        if root.is_dir():
            try:
                aggregate(root)
            except SystemExit as exc:  # nothing complete: say so, do not fail the sweep
                print(exc)
