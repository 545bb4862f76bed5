"""Parameter uncertainty in a job's intervals: each paired replicate at its own posterior draw.

The calibration (`experiments.calibrate`) leaves a weighted sample of its posterior beside the
calibrated defaults (`posterior_draws.csv`: a `weight` column, then one column per dotted
setting); the calibrated behaviour file names it (`uncertainty.posterior_file`). With
`uncertainty.draws=posterior` (the default) replicate r runs at a draw taken with its own seed
(a stream of `SeedSequence(replicate seed)` no model process uses), so

- the interval across replicates carries parameter and Monte Carlo uncertainty together, at no
  extra cost (each replicate is run once, as before);
- the same configuration and seed give the same draws whatever the launcher or worker count,
  and both arms of a pair run at the same draw (common random numbers hold);
- a setting the user or an experiment set keeps its set value, so a sweep over a calibrated
  parameter still sweeps it: a setting is drawn only where the configuration holds the value the
  calibration wrote for it (its posterior median, to the four significant figures of
  calibrated.yaml) and nobody set it explicitly (`CheckedConfig.pinned`: command-line overrides,
  `compose_checked`'s overrides, swept values, the notebook API's settings).

With `uncertainty.draws=medians`, or where the configuration has no posterior, every replicate
runs at the configured values and the interval is Monte Carlo noise alone. Sensitivity designs
(morris, sobol, lhs) always run at the configured values: they vary the parameters themselves.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.schema import ConfigError

REPOSITORY = Path(__file__).resolve().parents[2]
POSTERIOR_STREAM = 0x706F7374  # the spawn key of the draw's stream ("post")


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """The q-quantile of weighted draws: each draw's weight centred on its value (the mid-point
    rule; equal weights give the usual sample quantile with linear interpolation between
    mid-points), draws of zero weight ignored."""
    keep = np.asarray(w) > 0
    x, w = np.asarray(x, float)[keep], np.asarray(w, float)[keep]
    order = np.argsort(x)
    x, w = x[order], w[order]
    mid = (np.cumsum(w) - w / 2) / w.sum()
    return float(np.interp(q, mid, x))


@dataclass(frozen=True)
class Posterior:
    """A weighted sample of the posterior: settings (dotted paths), values (draws x settings), weights."""

    file: Path
    settings: tuple[str, ...]
    values: np.ndarray
    weights: np.ndarray

    def median(self, setting: str) -> float:
        """A setting's weighted posterior median, as calibrated.yaml writes it (four significant figures)."""

        value = weighted_quantile(self.values[:, self.settings.index(setting)], self.weights, 0.5)
        return float(f"{value:.4g}")

    def draw(self, seed: int) -> int:
        """The index of the draw replicate seed `seed` takes (weighted, from its own stream)."""
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(POSTERIOR_STREAM,)))
        return int(rng.choice(self.weights.size, p=self.weights))


def model_setting_spec(path: str):
    """The declared setting (`sim.schema.Spec`) of a behaviour, survey or intervention path, or None
    (`experiments.running.config.spec_of_path` covers the run's own settings too)."""
    from sim.interventions import INTERVENTIONS
    from sim.params import BehaviourParams
    from sim.survey import SurveyParams

    parts = path.split(".")
    owner = {"behaviour": BehaviourParams, "survey": SurveyParams}.get(parts[0])
    if parts[0] == "intervention" and len(parts) == 3 and parts[1] in INTERVENTIONS:
        owner = type(INTERVENTIONS[parts[1]]({}, f"intervention.{parts[1]}"))
    return owner.specs().get(parts[-1]) if owner is not None and len(parts) >= 2 else None


def resolve(path: str) -> Path:
    """A posterior file's path: as given if it exists from here, else relative to the repository."""
    given = Path(path).expanduser()
    return given if given.is_absolute() or given.exists() else REPOSITORY / given


@functools.lru_cache(maxsize=8)
def _read(file: Path, stamp: float) -> Posterior:
    key = "uncertainty.posterior_file"
    try:
        frame = pd.read_csv(file)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{key}={str(file)!r}: cannot be read ({exc.__class__.__name__})") from None
    if "weight" not in frame or frame.shape[1] < 2 or frame.empty:
        raise ConfigError(f"{key}={str(file)!r}: needs a weight column and one column per setting, one row per draw")
    settings = tuple(c for c in frame.columns if c != "weight")
    for column in settings:
        if column.split(".")[0] not in ("behaviour", "survey", "intervention") or (
                column.split(".")[0] != "intervention" and model_setting_spec(column) is None):
            raise ConfigError(f"{key}={str(file)!r}: column {column}: not a behaviour, survey or intervention setting")
    numbers = frame.apply(pd.to_numeric, errors="coerce")
    values = numbers[list(settings)].to_numpy(float)
    weights = numbers["weight"].to_numpy(float)
    bad = np.argwhere(~np.isfinite(values))
    if bad.size:
        row, column = bad[0]
        raise ConfigError(f"{key}={str(file)!r}: row {row + 2}, column {settings[column]}: not a number")
    if not np.isfinite(weights).all() or (weights < 0).any() or weights.sum() <= 0:
        raise ConfigError(f"{key}={str(file)!r}: column weight: must be numbers >= 0, not all 0")
    return Posterior(file, settings, values, weights / weights.sum())


def posterior_of(config) -> Posterior | None:
    """The configuration's posterior, or None (no file, or draws=medians)."""
    u = config.uncertainty
    if u.draws != "posterior" or not u.posterior_file:
        return None
    return read_posterior(u.posterior_file)


def read_posterior(posterior_file: str) -> Posterior:
    """The posterior draws in `posterior_file` (`uncertainty.posterior_file`)."""
    file = resolve(posterior_file)
    if not file.is_file():
        raise ConfigError(f"uncertainty.posterior_file={posterior_file!r}: no such file (run experiments.calibrate, "
                          "or set uncertainty.draws=medians)")
    return _read(file, file.stat().st_mtime)


FROM_POSTERIOR = "posterior"
"""A design parameter's bounds given as this word are its central 95% interval in the calibration's
posterior (`posterior_bounds`)."""


def posterior_bounds(parameters: dict, posterior_file: str | None) -> dict:
    """`design.parameters` with each `posterior` replaced by that setting's central 95% interval in
    the posterior draws (weighted 2.5% and 97.5% quantiles, to three decimals as
    docs/calibration/posterior_summary.csv shows them, more where three would make them equal): a
    recalibration moves a design's ranges with it, never a copy of them left behind."""
    out = {}
    for path, bounds in parameters.items():
        if bounds != FROM_POSTERIOR:
            out[path] = bounds
            continue
        key = f"design.parameters.{path}={FROM_POSTERIOR}"
        if not posterior_file:
            raise ConfigError(f"{key}: there is no posterior to read (uncertainty.posterior_file is unset: run "
                              "python -m experiments.calibrate, or give [low, high])")
        if not resolve(posterior_file).is_file():
            raise ConfigError(f"{key}: the posterior file {posterior_file!r} does not exist (run python -m "
                              "experiments.calibrate, or give [low, high])")
        posterior = read_posterior(posterior_file)
        if path not in posterior.settings:
            raise ConfigError(f"{key}: not a calibrated setting (the posterior in {posterior_file} has "
                              f"{', '.join(posterior.settings)}); give [low, high]")
        x = posterior.values[:, posterior.settings.index(path)]
        low, high = (weighted_quantile(x, posterior.weights, q) for q in (0.025, 0.975))
        digits = next((d for d in range(3, 13) if round(low, d) < round(high, d)), None)
        if digits is None:
            raise ConfigError(f"{key}: the posterior holds {path} at one value ({low:g}); give [low, high]")
        out[path] = [round(low, digits), round(high, digits)]
    return out


def configured_value(config, path: str):
    """The checked configuration's value of a dotted setting (behaviour, survey or an intervention's)."""
    parts = path.split(".")
    if parts[0] == "intervention":
        return getattr(config.interventions[parts[1]], parts[2])
    return getattr({"behaviour": config.behaviour, "survey": config.survey}[parts[0]], parts[1])


def drawn_settings(config, posterior: Posterior) -> list[str]:
    """The posterior's settings a draw sets in this configuration: those nobody set (not pinned,
    and holding the calibration's median), and for an intervention's setting, only where that
    intervention is selected."""
    out = []
    for path in posterior.settings:
        parts = path.split(".")
        if parts[0] == "intervention" and parts[1] not in config.interventions:
            continue
        if path in config.pinned or not np.isclose(float(configured_value(config, path)), posterior.median(path),
                                                   rtol=1e-9, atol=1e-12):
            continue
        out.append(path)
    return out


def replicate_draws(config, seeds: dict[int, int]) -> dict[int, dict]:
    """{replicate: {"draw": index, setting: value, ...}} for the replicates' seeds; empty when
    every replicate runs at the configured values."""
    posterior = posterior_of(config)
    if posterior is None or config.design.method:
        return {}
    settings = drawn_settings(config, posterior)
    if not settings:
        return {}
    columns = [posterior.settings.index(s) for s in settings]
    out = {}
    for replicate, seed in seeds.items():
        i = posterior.draw(seed)
        out[replicate] = {"draw": i, **{s: float(posterior.values[i, c]) for s, c in zip(settings, columns)}}
    return out


def describe(config, draws: dict[int, dict]) -> str:
    """What the intervals across the job's replicates include, in one line."""
    if draws:
        posterior = posterior_of(config)
        settings = [k for k in next(iter(draws.values())) if k != "draw"]
        kept = sorted(s for s in set(posterior.settings) - set(settings)
                      if s.split(".")[0] != "intervention" or s.split(".")[1] in config.interventions)
        return (f"parameter and Monte Carlo uncertainty: the 2.5-97.5% range of the replicates' effects, each "
                f"replicate at its own draw from the posterior ({len(settings)} calibrated settings, "
                f"{posterior.weights.size} weighted draws in {_shown(posterior.file)})"
                + (f"; held at their set values: {', '.join(kept)}" if kept else ""))
    what = "Monte Carlo error of the average only (the 95% interval of the mean over replicates)"
    if config.design.method:
        return f"{what}: a sensitivity design varies the parameters itself"
    if config.uncertainty.draws == "medians":
        return f"{what}: every replicate at the configured values (uncertainty.draws=medians)"
    return f"{what}: this configuration has no posterior (uncertainty.posterior_file is unset)"


def _shown(file: Path) -> str:
    try:
        return str(file.resolve().relative_to(REPOSITORY))
    except ValueError:
        return file.name
