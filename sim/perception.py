"""Submodel 3, perception: seeing partners' actions through noise that listening reduces.

A leader with listening l perceives an action x in [0, 1] as
clip(x + nu0 * (1 - l) * e, 0, 1), e ~ N(0, 1) (Steiglechner et al. 2024's
ambiguity noise; the brief's nu = nu0 (1 - listening)).
"""

from __future__ import annotations

import numpy as np


def noise_scale(listening: np.ndarray, nu0: float) -> np.ndarray:
    """Standard deviation of perception noise for each observer."""
    return nu0 * (1.0 - np.asarray(listening, float))


def perceive(rng: np.random.Generator, actual: np.ndarray, observer_listening: np.ndarray,
             nu0: float) -> np.ndarray:
    """What each observer perceives of the actual action (same shapes)."""
    actual = np.asarray(actual, float)
    scale = noise_scale(observer_listening, nu0)
    return np.clip(actual + scale * rng.standard_normal(actual.shape), 0.0, 1.0)
