"""Keyed random numbers: the generator against its reference, its statistics, and the
property that makes common random numbers hold (a draw depends only on its own key)."""

import numpy as np
import pytest
from scipy import stats

from sim import streams
from sim.meetings import tie_use

MASK = (1 << 64) - 1


def _reference_mix(z):
    """SplitMix64's output function, from Vigna's reference C code, in Python integers."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def _reference_uniforms(key, purpose, clock, entity, count):
    base = _reference_mix(key ^ _reference_mix((purpose * 0x9E3779B97F4A7C15 + clock) & MASK))
    state = _reference_mix((base + (entity + 1) * 0x9E3779B97F4A7C15) & MASK)
    out = []
    for _ in range(count):
        state = (state + 0x9E3779B97F4A7C15) & MASK
        out.append((_reference_mix(state) >> 11) * 2.0**-53)
    return np.array(out)


@pytest.mark.parametrize("key,purpose,clock,entity", [(0, 0, 0, 0), (12345678901234567, 3, 17, 42),
                                                      (MASK, 7, 10**6, 2**40 + 3)])
def test_compiled_generator_is_splitmix64(key, purpose, clock, entity):
    np.testing.assert_array_equal(streams.uniforms(np.uint64(key), purpose, clock, entity, 8),
                                  _reference_uniforms(key, purpose, clock, entity, 8))


def test_uniform_and_independent_across_entities_purposes_and_weeks():
    key = np.uint64(987654321)
    first = np.array([streams.uniforms(key, 1, 5, e, 1)[0] for e in range(20000)])
    # uniform: Kolmogorov-Smirnov does not reject
    assert stats.kstest(first, "uniform").pvalue > 1e-3
    # neighbouring entities, purposes and weeks are uncorrelated (|r| within 4 standard errors)
    other_entity = np.array([streams.uniforms(key, 1, 5, e + 1, 1)[0] for e in range(20000)])
    other_purpose = np.array([streams.uniforms(key, 2, 5, e, 1)[0] for e in range(20000)])
    other_week = np.array([streams.uniforms(key, 1, 6, e, 1)[0] for e in range(20000)])
    for other in (other_entity, other_purpose, other_week):
        assert abs(np.corrcoef(first, other)[0, 1]) < 4 / np.sqrt(first.size)
    # successive draws of one entity's sequence are uncorrelated too
    seq = streams.uniforms(key, 1, 5, 3, 20001)
    assert abs(np.corrcoef(seq[:-1], seq[1:])[0, 1]) < 4 / np.sqrt(seq.size)


def test_poisson_by_inversion_has_poisson_moments():
    u = streams.uniforms(np.uint64(5), 1, 1, 1, 50000)
    for lam in (0.3, 4.0, 25.0):
        k = np.array([streams.poisson_from_uniform(x, lam) for x in u])
        assert k.mean() == pytest.approx(lam, rel=0.03) and k.var() == pytest.approx(lam, rel=0.05)


@pytest.mark.parametrize("lam", [0.0, 1e-9, 0.3, 4.0, 7.5, 50.0])
def test_poisson_from_its_table_equals_the_inversion_draw_for_draw(lam):
    # the table holds the inversion's own cumulative sums, so counting the entries below a draw
    # gives the same count, including draws on and next to an entry and the draws nearest 1,
    # where the table runs out and the inversion itself answers
    cdf = streams.poisson_cdf(lam)
    edges = np.concatenate([cdf, np.nextafter(cdf, 0.0), np.nextafter(cdf, 1.0)])
    u = np.concatenate([streams.uniforms(np.uint64(3), 1, 1, 1, 5000), edges, [0.0, 1.0 - 2.0**-53]])
    u = u[(u >= 0.0) & (u < 1.0)]
    table = np.array([streams.poisson_from_cdf(x, lam, cdf) for x in u])
    inversion = np.array([streams.poisson_from_uniform(x, lam) for x in u])
    np.testing.assert_array_equal(table, inversion)
    assert np.all(np.diff(cdf) >= 0.0)  # what makes counting the entries below a draw exact


def test_streams_come_from_the_seed_sequence():
    a = streams.Stream.spawn("x", np.random.SeedSequence(1))
    b = streams.Stream.spawn("x", np.random.SeedSequence(1))
    c = streams.Stream.spawn("x", np.random.SeedSequence(2))
    assert a.key == b.key != c.key
    assert a.sequential.random() == b.sequential.random()
    assert a.generator(5).random() == b.generator(5).random() != a.generator(6).random()


def test_a_tie_is_used_with_probability_rate_times_strength_independently_each_week():
    """The keyed candidate schedule (Bernoulli(rate) candidate weeks thinned by strength)
    gives each tie a use with probability rate x w each week, independently of other weeks."""
    n_ties, weeks, rate = 400, 400, 0.1
    u = np.arange(n_ties, dtype=np.int64)
    v = u + n_ties
    w = np.where(u % 2 == 0, 1.0, 0.4)
    due = np.full(n_ties, -1, np.int64)
    used = np.zeros((weeks, n_ties), bool)
    for week in range(1, weeks + 1):
        a, _, _ = tie_use(np.uint64(9), week, u, v, w, due, n_ties, rate, 2 * n_ties)
        used[week - 1, a] = True
    assert used[:, w == 1.0].mean() == pytest.approx(0.1, rel=0.05)
    assert used[:, w == 0.4].mean() == pytest.approx(0.04, rel=0.07)
    # independence across weeks: use in one week says nothing about use in the next (within ties
    # of one strength; pooling strengths would correlate the weeks through the strength itself)
    for strength in (1.0, 0.4):
        block = used[:, w == strength]
        this, following = block[:-1].ravel(), block[1:].ravel()
        assert abs(np.corrcoef(this, following)[0, 1]) < 4 / np.sqrt(this.size)


def test_a_ties_draws_do_not_depend_on_the_other_ties():
    """Common random numbers: whether tie 0-1 is used in a week is the same whatever other
    ties exist (a differently sized table, other strengths)."""
    def uses_of_first_tie(extra):
        u = np.array([0, *range(2, 2 + extra)], np.int64)
        v = np.array([1, *range(100, 100 + extra)], np.int64)
        w = np.concatenate([[0.8], np.linspace(0.1, 1, extra)])
        due = np.full(u.size, -1, np.int64)
        return [0 in tie_use(np.uint64(4), wk, u, v, w, due, u.size, 0.3, 200)[0] for wk in range(1, 300)]

    assert uses_of_first_tie(0) == uses_of_first_tie(5) == uses_of_first_tie(40)
