"""Hydra callbacks: aggregate a sweep when the multirun ends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig


class AggregateOnMultirunEnd(Callback):
    """Saves a sweep's design (if any) before the first job, and runs
    `experiments.analysis.aggregate` on the sweep directory after the last one."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        if not config.get("design") or not config.design.method:
            return
        from omegaconf import OmegaConf

        from experiments.analysis import design
        from experiments.outputs.files import atomic_write_parquet
        from experiments.running.config import design_with_bounds

        d = design_with_bounds(OmegaConf.to_container(config.design, resolve=True),
                               OmegaConf.select(config, "uncertainty.posterior_file"))
        full = design.from_settings(d)
        atomic_write_parquet(full, Path(config.hydra.sweep.dir) / "design.parquet")

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from experiments.analysis.aggregate import aggregate

        root = Path(config.hydra.sweep.dir)
        if root.is_dir():
            from sim.schema import ConfigError

            try:
                aggregate(root)
            except SystemExit as exc:  # nothing complete: say so, do not fail the sweep
                print(exc)
            except ConfigError as exc:  # jobs that do not make one design: say so; the jobs' files stay
                print(f"aggregate: {exc}")
