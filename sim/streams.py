"""Named random streams with keyed draws: common random numbers that hold.

Each named stream (`sim.state.STREAMS`) has

- a 64-bit **key** for keyed (counter-based) draws in the compiled processes:
  what leader i (or tie u-v, or issue q) draws in week t for a given purpose is
  a pure function of (key, purpose, week, entity), so it never depends on how
  many numbers other leaders drew. The two arms of a paired comparison then
  meet the same chance events wherever their states agree, and differ only
  where the intervention made them differ;
- a **sequential** numpy Generator for one-off draws outside the weekly loop
  (building the partnership, selecting a cohort, the survey's respondents).

Both come from the run's `numpy.random.SeedSequence` (`Stream.spawn`).

The keyed draws use SplitMix64 (Steele, Lea & Flood 2014; Vigna's reference
implementation, https://prng.di.unimi.it/splitmix64.c): an entity's sequence
starts at `mix64(base + (entity + 1) * GOLDEN)` with
`base = mix64(key ^ mix64(purpose * GOLDEN + clock))`, and each draw adds the
golden gamma and returns `mix64(state)`, as SplitMix64 does. SplitMix64 passes
BigCrush as a sequential generator; `tests/test_streams.py` checks the
implementation against the reference algorithm, uniformity, and independence
across neighbouring entities, purposes and weeks. Why not a numpy Generator per
week and purpose: building one costs about 15 microseconds, and a week has
about ten purposes, which alone would take longer than the whole compiled week.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_ONE = np.uint64(1)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


@njit(cache=True)
def mix64(z):
    """SplitMix64's output function (a bijection of 64-bit words)."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True)
def base_state(key, purpose, clock):
    """The week's starting point for one purpose of one stream."""
    return mix64(np.uint64(key) ^ mix64(np.uint64(purpose) * GOLDEN + np.uint64(clock)))


@njit(cache=True)
def entity_state(base, entity):
    """The start of one entity's sequence (an entity is any non-negative integer id)."""
    return mix64(base + (np.uint64(entity) + _ONE) * GOLDEN)


@njit(cache=True)
def next_uniform(state):
    """(new state, a uniform draw in [0, 1)): one SplitMix64 step."""
    state = state + GOLDEN
    return state, float(mix64(state) >> _S11) * _TO_UNIT


@njit(cache=True, inline="always")
def uniform_of(state):
    """The uniform in [0, 1) that an entity's starting point itself gives (one draw per entity
    and week for a purpose that needs just one: cheaper than `next_uniform`, as independent)."""
    return float(state >> _S11) * _TO_UNIT


@njit(cache=True)
def next_normal(state):
    """(new state, a standard normal draw): Box-Muller from two uniforms."""
    state, u1 = next_uniform(state)
    state, u2 = next_uniform(state)
    return state, math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)


@njit(cache=True)
def next_normal_pair(state):
    """(new state, two independent standard normal draws): both halves of Box-Muller."""
    state, u1 = next_uniform(state)
    state, u2 = next_uniform(state)
    r = math.sqrt(-2.0 * math.log(1.0 - u1))
    return state, r * math.cos(2.0 * math.pi * u2), r * math.sin(2.0 * math.pi * u2)


@njit(cache=True)
def poisson_from_uniform(u, lam):
    """Poisson(lam) by inversion of one uniform: exact while exp(-lam) is representable
    (lam < 700; every Poisson mean the schema admits is at most 50)."""
    if lam <= 0.0:
        return 0
    p = math.exp(-lam)
    cdf = p
    k = 0
    while u > cdf and k < 100000:
        k += 1
        p *= lam / k
        cdf += p
    return k


@njit(cache=True)
def poisson_cdf(lam):
    """The cumulative probabilities `poisson_from_uniform` builds for Poisson(lam), by the same
    recurrence (so the same floating-point values), up to the term after which adding further
    terms no longer changes them. Entry k is P(K <= k)."""
    if lam <= 0.0:
        out = np.empty(1)
        out[0] = 1.0  # no draw is above it: always 0, as `poisson_from_uniform` returns
        return out
    size = 0  # two passes: the first counts the entries, the second writes them
    out = np.empty(0)
    for write in (False, True):
        if write:
            out = np.empty(size)
        p = math.exp(-lam)
        cdf = p
        k = 0
        while True:
            if write:
                out[k] = cdf
            k += 1
            p *= lam / k
            if k >= 100000 or (cdf + p == cdf and k > lam):  # past the mode: every later term is smaller
                break
            cdf += p
        size = k
    return out


@njit(cache=True)
def poisson_from_cdf(u, lam, cdf):
    """`poisson_from_uniform(u, lam)` from its table `poisson_cdf(lam)`, for many draws with one
    mean: the number of entries below u, counted without a branch per term (the inversion's
    loop mispredicts its exit and waits on a division every term). A draw above every entry
    (probability about 1e-16) goes to `poisson_from_uniform` itself."""
    k = 0
    for j in range(cdf.size):
        k += cdf[j] < u
    if k < cdf.size:
        return k
    return poisson_from_uniform(u, lam)


@njit(cache=True)
def uniforms(key, purpose, clock, entity, count):
    """The first `count` uniforms of one entity's sequence (for tests and Python-level use)."""
    state = entity_state(base_state(key, purpose, clock), entity)
    out = np.empty(count)
    for j in range(count):
        state, out[j] = next_uniform(state)
    return out


@njit(cache=True)
def pair_ids(a, b, clock, salt):
    """Conversation ids for conversations added without their own (keyed by pair, week, salt
    and position)."""
    out = np.empty(a.size, np.uint64)
    base = mix64(clock * GOLDEN + salt)
    for i in range(a.size):
        out[i] = mix64(base + (np.uint64(a[i]) * np.uint64(0x100000001B3) + np.uint64(b[i]) + np.uint64(i)) * GOLDEN)
    return out


class Stream:
    """A named random stream: `key` for keyed draws, `sequential` for one-off draws."""

    def __init__(self, name: str, key: np.uint64, sequential: np.random.Generator | np.random.SeedSequence):
        self.name = name
        self.key = np.uint64(key)
        self._sequential = sequential

    @property
    def sequential(self) -> np.random.Generator:
        """The stream's Generator for one-off draws. Made from its SeedSequence when first asked
        for (most streams never are: their draws are keyed), so the values do not depend on when."""
        if isinstance(self._sequential, np.random.SeedSequence):
            self._sequential = np.random.default_rng(self._sequential)
        return self._sequential

    @classmethod
    def spawn(cls, name: str, seed: np.random.SeedSequence) -> "Stream":
        keyed, sequential = seed.spawn(2)
        return cls(name, keyed.generate_state(1, np.uint64)[0], sequential)

    def generator(self, clock: int, purpose: int = 0) -> np.random.Generator:
        """A numpy Generator for one week and purpose (for processes written in plain numpy):
        like the compiled draws, it does not depend on what other processes drew."""
        return np.random.default_rng(np.random.SeedSequence([int(self.key), int(purpose), int(clock)]))

    def __repr__(self) -> str:
        return f"Stream({self.name!r})"


@njit(cache=True)
def next_gamma(state, shape):
    """(new state, a Gamma(shape, 1) draw): Marsaglia & Tsang (2000)'s squeeze method from keyed
    normals and uniforms; for shape < 1, Gamma(shape + 1) x U^(1 / shape) (their section 6)."""
    boost = 1.0
    if shape < 1.0:
        state, u = next_uniform(state)
        boost = (1.0 - u) ** (1.0 / shape)  # 1 - u: in (0, 1], never 0
        shape += 1.0
    d = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        state, x = next_normal(state)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        state, u = next_uniform(state)
        u = 1.0 - u  # in (0, 1]: its logarithm is finite
        if u < 1.0 - 0.0331 * x ** 4 or math.log(u) < 0.5 * x * x + d * (1.0 - v + math.log(v)):
            return state, d * v * boost


@njit(cache=True)
def next_beta(state, a, b):
    """(new state, a Beta(a, b) draw): X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b)."""
    state, x = next_gamma(state, a)
    state, y = next_gamma(state, b)
    return state, x / (x + y)
