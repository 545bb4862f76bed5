"""The sparse tie table against brute force and networkx."""

import networkx as nx
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.network import TieTable


ORG = np.arange(15) % 3
PROPENSITY = np.full(15, 0.5)


def _table(n, pairs, w=None):
    t = TieTable(n=n)
    a, b = (np.array(x, np.int64) for x in zip(*pairs)) if pairs else (np.zeros(0, np.int64),) * 2
    w = np.full(a.size, 0.5) if w is None else np.asarray(w)
    t.add_initial(a, b, w, np.zeros(a.size), np.zeros(a.size), ORG[:n], PROPENSITY[:n])
    return t


pairs_strategy = st.lists(st.tuples(st.integers(0, 14), st.integers(0, 14)).filter(lambda p: p[0] != p[1]),
                          max_size=60)


@given(pairs=pairs_strategy, queries=pairs_strategy)
@settings(max_examples=100, deadline=None)
def test_find_and_ensure_agree_with_a_set(pairs, queries):
    t = _table(15, pairs)
    present = {frozenset(p) for p in pairs}
    assert len(t) == len(present)
    if queries:
        a, b = (np.array(x) for x in zip(*queries))
        rows, cols = t.find(a, b)
        for (x, y), row, col in zip(queries, rows, cols):
            assert (row >= 0) == (frozenset((x, y)) in present)
            if row >= 0:
                assert {int(t.u[row]), int(t.v[row])} == {x, y}
                assert col == (0 if x == t.u[row] else 1)
        rows, cols = t.ensure(a, b, ORG, PROPENSITY)
        assert len(t) == len(present | {frozenset(q) for q in queries})
        assert np.all(rows >= 0)
        for (x, y), row, col in zip(queries, rows, cols):
            assert {int(t.u[row]), int(t.v[row])} == {x, y}
            assert (x < y) == (col == 0)
    assert np.all(t.u < t.v)
    np.testing.assert_array_equal(t.cross, ORG[t.u] != ORG[t.v])


@given(pairs=pairs_strategy)
@settings(max_examples=60, deadline=None)
def test_common_neighbours_match_networkx(pairs):
    t = _table(15, pairs)
    g = nx.Graph()
    g.add_nodes_from(range(15))
    g.add_edges_from(zip(t.u.tolist(), t.v.tolist()))
    expected = [len(list(nx.common_neighbors(g, int(u), int(v)))) for u, v in zip(t.u, t.v)]
    np.testing.assert_array_equal(t.common_neighbours(), expected)
    if len(t):
        np.testing.assert_array_equal(t.have_common_neighbour(t.u, t.v), np.array(expected) > 0)


def test_common_neighbours_count_only_strong_two_paths():
    # triangle 0-1-2 with a weak leg 1-2: only tie 1-2 has a common neighbour (0) through
    # two strong legs; 0-2 and 0-1 each need the weak leg
    t = _table(4, [(0, 1), (1, 2), (0, 2)], w=[0.9, 0.2, 0.9])
    counts = dict(zip(zip(t.u.tolist(), t.v.tolist()), t.common_neighbours(0.5)))
    assert counts[(0, 2)] == 0 and counts[(0, 1)] == 0 and counts[(1, 2)] == 1
    assert t.common_neighbours(0.1).tolist() == [1, 1, 1]
    assert t.have_common_neighbour(np.array([0]), np.array([2]), 0.5).tolist() == [False]
    assert t.have_common_neighbour(np.array([0]), np.array([2]), 0.1).tolist() == [True]


def test_neighbours_and_keep():
    t = _table(5, [(0, 1), (1, 2), (3, 4)])
    indptr, nbrs = t.neighbours()
    assert sorted(nbrs[indptr[1]:indptr[2]].tolist()) == [0, 2]
    t.keep(t.u != 1)
    assert len(t) == 2 and t.find(np.array([1]), np.array([2]))[0][0] == -1
    assert t.find(np.array([4]), np.array([3]))[0][0] >= 0


def test_initial_duplicates_keep_first():
    t = _table(4, [(0, 1), (1, 0)], w=[0.7, 0.2])
    assert len(t) == 1 and t.w[0] == 0.7


@given(pairs=pairs_strategy, weights=st.lists(st.floats(0.05, 1.0), min_size=60, max_size=60))
@settings(max_examples=60, deadline=None)
def test_compiled_structure_measures_match_matrix_references(pairs, weights):
    """Embeddedness (bitsets and neighbour lists), common-neighbour counts and organisational
    reach, computed by the compiled kernels, against matrix products."""
    from sim.efficacy import organisation_reach, reach
    from sim.network import _common_counts

    t = _table(15, pairs, w=weights[:len(pairs)] if pairs else None)
    strong = t.adjacency(0.5, dense=True)
    counts = (strong @ strong)[t.u, t.v]
    np.testing.assert_array_equal(t.common_neighbours(0.5), counts)
    np.testing.assert_array_equal(t.embedded_now(0.5), counts > 0)
    by_lists = _common_counts(t._u, t._v, t._w, t.count, t.n, t._adj, t._deg, 0.5, True) > 0
    np.testing.assert_array_equal(by_lists, counts > 0)
    expected = organisation_reach(strong, t.adjacency(0.5, True, dense=True), ORG, 3)
    np.testing.assert_allclose(reach(t.u, t.v, t.w, t.cross, t.count, ORG, 3, 0.5), expected)
    sparse = organisation_reach(t.adjacency(0.5, dense=False), t.adjacency(0.5, True, dense=False), ORG, 3)
    np.testing.assert_allclose(sparse, expected)


@given(pairs=pairs_strategy, weights=st.lists(st.floats(0.05, 1.0), min_size=60, max_size=60))
@settings(max_examples=40, deadline=None)
def test_structure_refresh_matches_a_fresh_computation_each_time(pairs, weights):
    """The refresh writes embeddedness and the strong-contact bitsets in place, reusing its buffer:
    after the ties change, a second refresh equals a fresh computation, with nothing left over."""
    t = _table(15, pairs, w=weights[:len(pairs)] if pairs else None)
    for _ in range(2):
        t.refresh_structure(0.5)
        strong = t.adjacency(0.5, dense=True)
        np.testing.assert_array_equal(t.embedded, (strong @ strong)[t.u, t.v] > 0)
        # bit j of leader i's word j // 64 is set when i and j have a strong tie
        padded = np.zeros((t.n, 64), bool)
        padded[:, :t.n] = strong > 0
        expected = np.packbits(padded, axis=1, bitorder="little").view("<u8")
        np.testing.assert_array_equal(t._snap_bits, expected)
        t.w = np.where(np.arange(len(t)) % 2 == 0, 0.1, 0.9)  # some strong ties weaken, others strengthen


@given(pairs=pairs_strategy, drop=st.lists(st.booleans(), min_size=60, max_size=60))
@settings(max_examples=60, deadline=None)
def test_dropping_ties_keeps_both_indexes_right(pairs, drop):
    """After swap-removal, every pair still finds its row and adjacency rows list exactly the ties."""
    t = _table(15, pairs)
    if len(t):
        t.keep(~np.array(drop[:len(t)]))
    for r in range(len(t)):
        rows, _ = t.find(t.u[r:r + 1], t.v[r:r + 1])
        assert rows[0] == r
    adj = {(int(i), int(t._adj[i, k, 0]), int(t._adj[i, k, 1])) for i in range(t.n) for k in range(t._deg[i])}
    expected = {(int(a), int(b), r) for r in range(len(t)) for a, b in ((t.u[r], t.v[r]), (t.v[r], t.u[r]))}
    assert adj == expected


def test_no_module_reads_the_tie_tables_private_fields():
    """The tie table's arrays are reached through its interface (`kernel_fields` for kernels, the
    live-row views and queries for Python): no module in sim/ or experiments/ outside
    sim/network.py names one of its private fields."""
    import re
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    private = sorted(name for name in vars(TieTable(n=4)) if name.startswith("_"))
    assert {"_u", "_w", "_adj", "_index"} <= set(private)
    pattern = re.compile(r"\.(" + "|".join(map(re.escape, private)) + r")\b")
    offenders = []
    for path in sorted([*(repo / "sim").rglob("*.py"), *(repo / "experiments").rglob("*.py")]):
        if path.name == "network.py" and path.parent.name == "sim" or "__pycache__" in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(repo)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
