"""Sparse dyadic state: the tie table.

Ties are undirected for strength and directed for trust. The table keeps one row
per tie (u < v) in arrays; rows are appended as ties form and compacted as they
are dropped. Trust evidence (`trust_pos`, `trust_neg`: perceived cooperation and
defection) is stored per direction in two columns: column 0 is what u has seen
of v, column 1 what v has seen of u.

A directed index (both orientations of every tie, sorted by a * n + b) serves
both lookups of pairs (binary search) and neighbour lists (CSR); it is rebuilt
lazily, at most once a week. Memory and work grow with the number of ties, never
with the square of the number of leaders.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp


DENSE_MAX = 600
"""Up to this many leaders, structure measures use dense matrix products (BLAS is
faster there); above it, sparse products, whose cost grows with ties, not N^2."""


def _empty(dtype, shape=(0,)):
    return np.zeros(shape, dtype=dtype)


@dataclass
class TieTable:
    n: int
    """Number of leaders (node ids are 0..n-1)."""
    org: np.ndarray
    """Organisation of each leader, used to flag cross-organisation ties."""
    u: np.ndarray = field(default_factory=lambda: _empty(np.int64))
    v: np.ndarray = field(default_factory=lambda: _empty(np.int64))
    w: np.ndarray = field(default_factory=lambda: _empty(np.float64))
    trust_pos: np.ndarray = field(default_factory=lambda: _empty(np.float64, (0, 2)))
    """Perceived cooperation: trust_pos[:, 0] is u's evidence about v, [:, 1] v's about u."""
    trust_neg: np.ndarray = field(default_factory=lambda: _empty(np.float64, (0, 2)))
    """Perceived defection, same layout as trust_pos."""
    cross: np.ndarray = field(default_factory=lambda: _empty(bool))
    embedded: np.ndarray = field(default_factory=lambda: _empty(bool))
    """Whether the tie had a common neighbour at the last structure refresh."""

    _ROW_FIELDS = ("u", "v", "w", "trust_pos", "trust_neg", "cross", "embedded")

    def __post_init__(self):
        self._invalidate()

    def _invalidate(self) -> None:
        self._index = None
        self._neighbours = None

    def __len__(self) -> int:
        return int(self.u.size)

    # ------------------------------------------------------------------ index
    def index(self):
        """(sorted directed keys, row of each, evidence column of each); cached until a change."""
        if self._index is None:
            e = len(self)
            keys = np.concatenate([self.u * self.n + self.v, self.v * self.n + self.u])
            order = np.argsort(keys)  # keys are unique, so any sort gives the same order
            self._index = (keys[order], order % e if e else order, (order >= e).astype(np.int64))
        return self._index

    def find(self, a: np.ndarray, b: np.ndarray):
        """Row of each pair (a, b) (-1 if there is no tie) and the column of a's evidence about b."""
        keys = np.asarray(a, np.int64) * self.n + np.asarray(b, np.int64)
        skey, row, col = self.index()
        if skey.size == 0:
            return np.full(keys.size, -1, np.int64), (np.asarray(a) > np.asarray(b)).astype(np.int64)
        pos = np.minimum(np.searchsorted(skey, keys), skey.size - 1)
        found = skey[pos] == keys
        return np.where(found, row[pos], -1), np.where(found, col[pos], (np.asarray(a) > np.asarray(b)))

    def neighbours(self):
        """CSR-style neighbour lists: (indptr, neighbour ids) over all ties; cached with the index."""
        if self._neighbours is None:
            skey, _, _ = self.index()
            indptr = np.zeros(self.n + 1, np.int64)
            np.cumsum(np.bincount(skey // self.n, minlength=self.n), out=indptr[1:])
            self._neighbours = (indptr, skey % self.n)
        return self._neighbours

    # ----------------------------------------------------------------- mutation
    def ensure(self, a: np.ndarray, b: np.ndarray, embed_strength: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """Rows and evidence columns of the pairs (a, b), creating zero-strength ties as needed.

        New ties are marked embedded if their ends share a neighbour through ties of
        at least `embed_strength`. Self-pairs must be removed by the caller;
        duplicate pairs are fine.
        """
        a = np.asarray(a, np.int64)
        b = np.asarray(b, np.int64)
        rows, cols = self.find(a, b)
        missing = rows < 0
        if missing.any():
            lo = np.minimum(a[missing], b[missing])
            hi = np.maximum(a[missing], b[missing])
            new_keys, inverse = np.unique(lo * self.n + hi, return_inverse=True)
            rows[missing] = len(self) + inverse
            u, v = new_keys // self.n, new_keys % self.n
            self._append(u, v, np.zeros(new_keys.size), np.zeros((new_keys.size, 2)),
                         np.zeros((new_keys.size, 2)), embedded=self.have_common_neighbour(u, v, embed_strength))
        return rows, cols

    def have_common_neighbour(self, a: np.ndarray, b: np.ndarray, min_strength: float = 0.0) -> np.ndarray:
        """For each pair, whether a and b share a neighbour through two ties of at least
        `min_strength` (cost: the sum of a's degrees)."""
        skey, rows, _ = self.index()
        indptr, nbrs = self.neighbours()
        deg = indptr[a + 1] - indptr[a]
        total = int(deg.sum())
        if total == 0:
            return np.zeros(a.size, bool)
        pair = np.repeat(np.arange(a.size), deg)
        slot = np.repeat(indptr[a], deg) + np.arange(total) - np.repeat(np.cumsum(deg) - deg, deg)
        keys = b[pair] * self.n + nbrs[slot]
        pos = np.minimum(np.searchsorted(skey, keys), skey.size - 1)
        hit = (skey[pos] == keys) & (self.w[rows[slot]] >= min_strength) & (self.w[rows[pos]] >= min_strength)
        return np.bincount(pair[hit], minlength=a.size) > 0

    def _append(self, u, v, w, trust_pos, trust_neg, embedded=None) -> None:
        values = {"u": u, "v": v, "w": w, "trust_pos": trust_pos, "trust_neg": trust_neg,
                  "cross": self.org[u] != self.org[v],
                  "embedded": np.zeros(u.size, bool) if embedded is None else embedded}
        for name in self._ROW_FIELDS:
            setattr(self, name, np.concatenate([getattr(self, name), values[name]]))
        self._invalidate()

    def add_initial(self, a, b, w, trust_pos, trust_neg) -> None:
        """Add ties at set-up with given strength and evidence (the same for both directions).

        A pair listed twice, or already present, keeps its first (existing) tie.
        """
        a = np.asarray(a, np.int64)
        b = np.asarray(b, np.int64)
        keys = np.minimum(a, b) * self.n + np.maximum(a, b)
        _, first = np.unique(keys, return_index=True)
        first = np.sort(first)
        a, b, keys = a[first], b[first], keys[first]
        rows, _ = self.find(a, b)
        fresh = first[rows < 0]
        keys = keys[rows < 0]
        w, pos, neg = (np.asarray(x, float)[fresh] for x in (w, trust_pos, trust_neg))
        self._append(keys // self.n, keys % self.n, w, np.column_stack([pos, pos]), np.column_stack([neg, neg]))

    def keep(self, mask: np.ndarray) -> None:
        """Drop the rows where mask is False."""
        for name in self._ROW_FIELDS:
            setattr(self, name, getattr(self, name)[mask])
        self._invalidate()

    # ----------------------------------------------------------------- views
    def adjacency(self, min_strength: float = 0.0, cross_only: bool = False,
                  dense: bool | None = None):
        """Symmetric 0/1 adjacency over ties with strength >= min_strength.

        Dense (numpy) for small networks, sparse CSR otherwise, unless `dense` says.
        """
        sel = self.w >= min_strength
        if cross_only:
            sel &= self.cross
        u, v = self.u[sel], self.v[sel]
        if self.n <= DENSE_MAX if dense is None else dense:
            a = np.zeros((self.n, self.n), np.float32)
            a[u, v] = 1.0
            a[v, u] = 1.0
            return a
        return sp.csr_matrix((np.ones(2 * u.size), (np.concatenate([u, v]), np.concatenate([v, u]))),
                             shape=(self.n, self.n))

    def common_neighbours(self, min_strength: float = 0.0, dense: bool | None = None) -> np.ndarray:
        """Number of common neighbours of the two ends of each tie, counting only
        neighbours linked to both ends by ties of at least `min_strength`."""
        if len(self) == 0:
            return np.zeros(0)
        strong = self.adjacency(min_strength, dense=dense)
        if isinstance(strong, np.ndarray):
            return (strong @ strong)[self.u, self.v].astype(float)
        a = self.adjacency(dense=False) if min_strength > 0 else strong
        # (S @ S) masked by A holds, at each tie, the number of strong two-paths u-k-v
        c = (strong @ strong).multiply(a).tocoo()
        upper = c.row < c.col
        keys = c.row[upper].astype(np.int64) * self.n + c.col[upper]
        order = np.argsort(keys)
        keys, counts = keys[order], np.asarray(c.data)[upper][order]
        if keys.size == 0:
            return np.zeros(len(self))
        own = self.u * self.n + self.v
        pos = np.minimum(np.searchsorted(keys, own), keys.size - 1)
        return np.where(keys[pos] == own, counts[pos], 0.0)


def leader_graph(state, min_strength: float = 0.0):
    """The leader network as a networkx Graph: nodes carry organisation, orientation and
    participation; edges with tie strength >= `min_strength` carry it as `weight`."""
    import networkx as nx

    g = nx.Graph()
    leaders, ties = state.leaders, state.ties
    names = state.organisations.names
    for i in range(leaders.n):
        g.add_node(i, organisation=names[leaders.org[i]], org=int(leaders.org[i]),
                   orientation=float(leaders.orientation[i]), participant=bool(leaders.participant[i]))
    sel = ties.w >= min_strength
    g.add_weighted_edges_from(zip(ties.u[sel].tolist(), ties.v[sel].tolist(), ties.w[sel].tolist()))
    return g
