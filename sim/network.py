"""Sparse dyadic state: the tie table.

Ties are undirected for strength and directed for trust. The table keeps one row
per tie (u < v) in arrays with spare capacity; rows are appended as ties form,
and a dropped row is filled by the last one. Trust evidence (`trust_pos`,
`trust_neg`: perceived cooperation and defection) is stored per direction in
two columns: column 0 is what u has seen of v, column 1 what v has seen of u;
`trust` holds the resulting trust of each direction, kept up to date as
evidence arrives, so the weekly rules never recompute it.

Two indexes are kept up to date as ties come and go: an open-addressing hash
from a pair to its row (finding or creating a tie costs O(1)), and each
leader's adjacency row (neighbour, tie row), so no neighbour list is ever
rebuilt from scratch. Every query the weekly processes make is a compiled
(numba) kernel. Memory and work grow with the number of ties, never with the
square of the number of leaders.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.streams import mix64

_EMPTY = -1
_DELETED = -2
_U_END, _V_END = np.int64(0), np.int64(1)
"""Which end of a tie an adjacency entry belongs to (int64: a plain int constant would make numba
compile a copy of the callee per value)."""

BITSET_MAX = 2048
"""Up to this many leaders, embeddedness uses a bitset of strong contacts per leader
(a few machine words each); above it, adjacency rows, whose cost grows with ties."""


def _table_size(entries: int) -> int:
    """Slots for an index that may hold `entries` keys: a power of two, at most 3/4 full
    (typically under half, since `entries` counts the worst case of every pair being new)."""
    return 1 << max(4, int(np.ceil(np.log2(max(4 * entries / 3, 2)))))


# ------------------------------------------------------------------ the pair index

@njit(cache=True)
def _slot(key, mask):
    return np.int64(mix64(np.uint64(key)) & np.uint64(mask))


@njit(cache=True)
def _lookup(index, key):
    """Row of `key` in the open-addressing index (column 0: key, -1 empty, -2 deleted;
    column 1: row), or -1."""
    mask = index.shape[0] - 1
    s = _slot(key, mask)
    while True:
        k = index[s, 0]
        if k == key:
            return index[s, 1]
        if k == _EMPTY:
            return -1
        s = (s + 1) & mask


@njit(cache=True)
def _store(index, key, row):
    """Insert a key known to be absent (reusing a deleted slot on its probe path)."""
    mask = index.shape[0] - 1
    s = _slot(key, mask)
    while index[s, 0] >= 0:
        s = (s + 1) & mask
    index[s, 0] = key
    index[s, 1] = row


@njit(cache=True)
def _rehash(index, u, v, count, n):
    index[:, 0] = _EMPTY
    for r in range(count):
        _store(index, u[r] * n + v[r], r)


@njit(cache=True)
def find_rows(a, b, n, index):
    """Row of each pair (a, b) (-1 if there is no tie) and the column of a's evidence about b."""
    rows = np.empty(a.size, np.int64)
    cols = np.empty(a.size, np.int64)
    for i in range(a.size):
        lo, hi = min(a[i], b[i]), max(a[i], b[i])
        rows[i] = _lookup(index, lo * n + hi)
        cols[i] = 0 if a[i] < b[i] else 1
    return rows, cols


# ------------------------------------------------------------------ adjacency rows

@njit(cache=True)
def _adj_add(adj, deg, at, node, other, row, side):
    """Append (other, row) to node's adjacency row; `at[row, side]` remembers where."""
    k = deg[node]
    adj[node, k, 0] = other
    adj[node, k, 1] = row
    at[row, side] = k
    deg[node] = k + 1


@njit(cache=True)
def _rebuild_adjacency(adj, deg, at, u, v, count):
    deg[:] = 0
    for r in range(count):
        _adj_add(adj, deg, at, u[r], v[r], r, _U_END)
        _adj_add(adj, deg, at, v[r], u[r], r, _V_END)


@njit(cache=True)
def strong_contacts(adj, deg, w, n, strong):
    """Each leader's strong contacts (ties of at least `strong`), sorted, as CSR (indptr, ids)."""
    indptr = np.zeros(n + 1, np.int64)
    for i in range(n):
        c = 0
        for k in range(deg[i]):
            if w[adj[i, k, 1]] >= strong:
                c += 1
        indptr[i + 1] = indptr[i] + c
    ids = np.empty(indptr[n], np.int64)
    for i in range(n):
        lo = indptr[i]
        m = lo
        for k in range(deg[i]):
            if w[adj[i, k, 1]] >= strong:
                x = adj[i, k, 0]
                j = m  # insertion sort: the lists are short
                while j > lo and ids[j - 1] > x:
                    ids[j] = ids[j - 1]
                    j -= 1
                ids[j] = x
                m += 1
    return indptr, ids


@njit(cache=True)
def _share_sorted(a, b, indptr, ids):
    """Whether the sorted contact lists of a and b intersect."""
    i, j = indptr[a], indptr[b]
    i_end, j_end = indptr[a + 1], indptr[b + 1]
    while i < i_end and j < j_end:
        if ids[i] == ids[j]:
            return True
        if ids[i] < ids[j]:
            i += 1
        else:
            j += 1
    return False


@njit(cache=True)
def _shares_strong_contact(a, b, adj, deg, w, strong, stamp, mark, rows_below):
    """Whether a and b have a common neighbour through two ties of at least `strong`, among
    tie rows below `rows_below` (`stamp` is scratch space of size n; `mark` a value not yet
    used in it)."""
    for k in range(deg[a]):
        r = adj[a, k, 1]
        if r < rows_below and w[r] >= strong:
            stamp[adj[a, k, 0]] = mark
    for k in range(deg[b]):
        r = adj[b, k, 1]
        if r < rows_below and w[r] >= strong and stamp[adj[b, k, 0]] == mark:
            return True
    return False


# ------------------------------------------------------------------ mutation kernels

@njit(cache=True)
def _ensure(a, b, start, n, u, v, w, pos, neg, trust, cross, embedded, org, propensity, count, index, adj, deg, at,
            due, snap_bits, snap_indptr, snap_ids):
    """Rows and evidence columns of the pairs (a, b) from `start` on, creating zero-strength
    ties as needed. New ties are embedded if their ends shared a strong contact at the last
    structure refresh (`snap_bits` from `_refresh_bitsets` for small networks, else the sorted
    lists `snap_*` from `strong_contacts`). Stops early (returning where) when a leader's
    adjacency row is full. Returns (rows, cols, new count, pairs done)."""
    rows = np.empty(a.size, np.int64)
    cols = np.empty(a.size, np.int64)
    cap = adj.shape[1]
    for i in range(start, a.size):
        lo, hi = min(a[i], b[i]), max(a[i], b[i])
        key = lo * n + hi
        r = _lookup(index, key)
        if r < 0:
            if deg[lo] == cap or deg[hi] == cap:
                return rows, cols, count, i
            r = count
            count += 1
            u[r], v[r], w[r] = lo, hi, 0.0
            pos[r, 0] = pos[r, 1] = neg[r, 0] = neg[r, 1] = 0.0
            trust[r, 0], trust[r, 1] = propensity[lo], propensity[hi]
            cross[r] = org[lo] != org[hi]
            due[r] = -1
            if snap_bits.shape[0]:
                embedded[r] = _share_bits(lo, hi, snap_bits)
            else:
                embedded[r] = _share_sorted(lo, hi, snap_indptr, snap_ids)
            _store(index, key, r)
            _adj_add(adj, deg, at, lo, hi, r, _U_END)
            _adj_add(adj, deg, at, hi, lo, r, _V_END)
        rows[i] = r
        cols[i] = 0 if a[i] < b[i] else 1
    return rows, cols, count, a.size


@njit(cache=True)
def _remove(keep, u, v, w, pos, neg, trust, cross, embedded, count, n, index, adj, deg, at, due):
    """Drop the rows where keep is False: each is filled by the table's last row (swap-remove),
    so only the moved rows' index entries change. Returns (new count, deleted slots).

    The index probes and adjacency-row updates are written out here rather than called as
    helpers: passing the arrays to a helper inside this loop cost atomic reference-count
    updates on every dropped tie, which numba could not prune."""
    deleted = 0
    mask = index.shape[0] - 1
    r = np.int64(0)
    while r < count:
        if keep[r]:
            r += 1
            continue
        key = u[r] * n + v[r]
        s = _slot(key, mask)
        while index[s, 0] != key:
            s = (s + 1) & mask
        index[s, 0] = _DELETED
        for side in range(2):  # each end's adjacency row: its last entry takes the dropped one's place
            node = u[r] if side == _U_END else v[r]
            k = at[r, side]
            last_entry = deg[node] - 1
            if k != last_entry:
                moved = adj[node, last_entry, 1]
                adj[node, k, 0] = adj[node, last_entry, 0]
                adj[node, k, 1] = moved
                at[moved, _U_END if u[moved] == node else _V_END] = k
            deg[node] = last_entry
        deleted += 1
        last = count - 1
        if last != r:
            u[r], v[r], w[r] = u[last], v[last], w[last]
            for c in range(2):
                pos[r, c], neg[r, c], trust[r, c] = pos[last, c], neg[last, c], trust[last, c]
                at[r, c] = at[last, c]
            cross[r], embedded[r], due[r] = cross[last], embedded[last], due[last]
            keep[r] = keep[last]
            key = u[r] * n + v[r]
            s = _slot(key, mask)
            while index[s, 0] != key:
                s = (s + 1) & mask
            index[s, 1] = r
            adj[u[r], at[r, 0], 1] = r
            adj[v[r], at[r, 1], 1] = r
        count -= 1
    return count, deleted


@njit(cache=True, inline="always")
def add_evidence(pos, neg, rows, cols, perceived, weight, forgetting, loss_aversion, gain):
    """Simultaneous observations into (pos, neg) evidence cells: every observed cell is forgotten
    (x forgetting ** weight, once per sighting), then each sighting adds weight x gain x perceived
    positive and weight x loss_aversion x (1 - perceived) negative evidence (docs/ODD.md, trust)."""
    decay = forgetting ** weight
    for i in range(rows.size):
        pos[rows[i], cols[i]] *= decay
        neg[rows[i], cols[i]] *= decay
    for i in range(rows.size):
        pos[rows[i], cols[i]] += weight * gain[i] * perceived[i]
        neg[rows[i], cols[i]] += weight * loss_aversion * (1.0 - perceived[i])


@njit(cache=True)
def _observe(pos, neg, trust, propensity, u, v, rows, cols, perceived, weight, forgetting, loss_aversion, gain):
    """Trust evidence from simultaneous observations (a cell seen twice is forgotten twice and
    gains both), then the trust of every touched direction."""
    add_evidence(pos, neg, rows, cols, perceived, weight, forgetting, loss_aversion, gain)
    for i in range(rows.size):
        r, c = rows[i], cols[i]
        p = propensity[u[r]] if c == 0 else propensity[v[r]]
        trust[r, c] = (pos[r, c] + 2.0 * p) / (pos[r, c] + neg[r, c] + 2.0)


# ------------------------------------------------------------------ structure queries

@njit(cache=True)
def _share_bits(a, b, bits):
    for k in range(bits.shape[1]):
        if bits[a, k] & bits[b, k]:
            return True
    return False


@njit(cache=True)
def _refresh_bitsets(u, v, w, count, strong, bits, embedded):
    """In place: `bits` (n x ceil(n / 64) words) becomes each leader's strong contacts (ties of at
    least `strong`) as a bitset, and `embedded[:count]` whether the ends of each tie share one."""
    words = bits.shape[1]
    one = np.uint64(1)
    for i in range(bits.shape[0]):
        for k in range(words):
            bits[i, k] = 0
    for r in range(count):
        if w[r] >= strong:
            a, b = u[r], v[r]
            bits[a, b >> 6] |= one << np.uint64(b & 63)
            bits[b, a >> 6] |= one << np.uint64(a & 63)
    for r in range(count):
        embedded[r] = _share_bits(u[r], v[r], bits)


@njit(cache=True)
def _common_counts(u, v, w, count, n, adj, deg, strong, stop_at_one):
    """Per tie, the contacts its ends share through two ties of at least `strong`
    (or 1 as soon as one is found, with `stop_at_one`)."""
    out = np.zeros(count)
    stamp = np.full(n, -1, np.int64)
    for a in range(n):
        for k in range(deg[a]):
            if w[adj[a, k, 1]] >= strong:
                stamp[adj[a, k, 0]] = a
        for k in range(deg[a]):
            b = adj[a, k, 0]
            if b <= a:
                continue  # each tie once, from its lower end
            c = 0
            for f in range(deg[b]):
                if w[adj[b, f, 1]] >= strong and stamp[adj[b, f, 0]] == a:
                    c += 1
                    if stop_at_one:
                        break
            out[adj[a, k, 1]] = c
    return out


@njit(cache=True)
def _have_common(a, b, adj, deg, w, strong, n):
    out = np.zeros(a.size, np.bool_)
    stamp = np.full(n, -1, np.int64)
    for i in range(a.size):
        out[i] = _shares_strong_contact(a[i], b[i], adj, deg, w, strong, stamp, i, w.size)
    return out


@njit(cache=True)
def _csr(adj, deg, n):
    indptr = np.zeros(n + 1, np.int64)
    for i in range(n):
        indptr[i + 1] = indptr[i] + deg[i]
    nbrs = np.empty(indptr[n], np.int64)
    rows = np.empty(indptr[n], np.int64)
    for i in range(n):
        for k in range(deg[i]):
            nbrs[indptr[i] + k] = adj[i, k, 0]
            rows[indptr[i] + k] = adj[i, k, 1]
    return indptr, nbrs, rows


class TieTable:
    """The ties of `n` leaders: strength, trust evidence and trust per direction, flags; with a
    pair index and adjacency rows kept up to date."""

    _ARRAYS = ("_u", "_v", "_w", "_pos", "_neg", "_trust", "_cross", "_embedded", "_at", "_due")

    def __init__(self, n: int, capacity: int = 64):
        self.n = int(n)
        self.count = 0
        self._deleted = 0
        capacity = max(int(capacity), 16)
        self._u = np.zeros(capacity, np.int64)
        self._v = np.zeros(capacity, np.int64)
        self._w = np.zeros(capacity)
        self._pos = np.zeros((capacity, 2))
        self._neg = np.zeros((capacity, 2))
        self._trust = np.zeros((capacity, 2))
        self._cross = np.zeros(capacity, bool)
        self._embedded = np.zeros(capacity, bool)
        self._at = np.zeros((capacity, 2), np.int32)
        """Where each tie sits in its two ends' adjacency rows (so removing it costs O(1))."""
        self._due = np.full(capacity, -1, np.int64)
        """The next week a tie may be used (its tie-use schedule; -1 until first scheduled)."""
        self._adj = np.zeros((self.n, 16, 2), np.int32)
        self._deg = np.zeros(self.n, np.int64)
        self._snap_bits = np.zeros((0, 0), np.uint64)
        self._snap_indptr = np.zeros(self.n + 1, np.int64)
        self._snap_ids = np.zeros(0, np.int64)
        """Each leader's strong contacts at the last structure refresh: bitsets (small networks)
        or sorted lists (CSR: indptr, ids)."""
        self._rehash_all()

    def kernel_fields(self) -> dict[str, str]:
        """The table's arrays and numbers as the process kernels name them (`sim.kernels`): the
        one place outside this module that reaches them."""
        return {"tie_u": "_u", "tie_v": "_v", "tie_w": "_w", "tie_trust_pos": "_pos", "tie_trust_neg": "_neg",
                "tie_trust": "_trust", "tie_cross": "_cross", "tie_embedded": "_embedded", "tie_at": "_at",
                "tie_due": "_due", "tie_adj": "_adj", "tie_degree": "_deg", "tie_index": "_index",
                "tie_count": "count", "tie_deleted": "_deleted", "tie_deleted_limit": "deleted_limit",
                "tie_snap_bits": "_snap_bits", "tie_snap_indptr": "_snap_indptr", "tie_snap_ids": "_snap_ids"}

    @property
    def index_array(self) -> np.ndarray:
        """The pair index (a kernel that asks whether two leaders have a tie looks pairs up in it,
        `sim.network._lookup`)."""
        return self._index

    @property
    def deleted_limit(self) -> int:
        """Deleted keys the pair index may hold before it is rebuilt (a quarter of its slots)."""
        return self._index.shape[0] // 4

    @property
    def capacity(self) -> int:
        """Ties the arrays have room for before they grow."""
        return int(self._u.size)

    def _rehash_all(self, entries: int | None = None) -> None:
        self._deleted = 0
        self._index = np.full((_table_size(max(entries or 0, self.count)), 2), _EMPTY, np.int64)
        _rehash(self._index, self._u, self._v, self.count, self.n)

    def _reserve(self, extra: int) -> None:
        """Room for `extra` more ties: the arrays' capacity doubles when needed, and the index
        grows (and is rebuilt) when it would be more than 3/4 full."""
        need = self.count + extra
        if need > self._u.size:
            capacity = max(2 * self._u.size, need)
            for name in self._ARRAYS:
                old = getattr(self, name)
                new = np.full((capacity, *old.shape[1:]), -1 if name == "_due" else 0, old.dtype)
                new[:self.count] = old[:self.count]
                setattr(self, name, new)
        if 4 * need > 3 * self._index.shape[0]:
            self._rehash_all(need)

    def _widen_adjacency(self) -> None:
        """Double every leader's adjacency row (a leader's degree reached the width)."""
        adj = np.zeros((self.n, 2 * self._adj.shape[1], 2), np.int32)
        adj[:, :self._adj.shape[1]] = self._adj
        self._adj = adj

    def make_room(self, extra: int) -> None:
        """After a kernel found no room to create up to `extra` ties: grow the arrays and the index
        if they are too small for them, else widen the adjacency rows (a leader's was full)."""
        need = self.count + extra
        if need > self._u.size or 4 * need > 3 * self._index.shape[0]:
            self._reserve(extra)
        else:
            self._widen_adjacency()

    def rehash(self) -> None:
        """Rebuild the pair index (deleted keys lengthen its probes)."""
        self._rehash_all()

    # ------------------------------------------------------------------ views of the live rows
    def __len__(self) -> int:
        return self.count

    @property
    def u(self) -> np.ndarray:
        return self._u[:self.count]

    @property
    def v(self) -> np.ndarray:
        return self._v[:self.count]

    @property
    def w(self) -> np.ndarray:
        """Strength in [tie_removal, 1]."""
        return self._w[:self.count]

    @w.setter
    def w(self, value) -> None:
        self._w[:self.count] = value

    @property
    def trust_pos(self) -> np.ndarray:
        """Perceived cooperation: trust_pos[:, 0] is u's evidence about v, [:, 1] v's about u.
        (Change evidence with `observe`, which keeps `trust` up to date.)"""
        return self._pos[:self.count]

    @property
    def trust_neg(self) -> np.ndarray:
        """Perceived defection, same layout as trust_pos."""
        return self._neg[:self.count]

    @property
    def trust(self) -> np.ndarray:
        """Trust of each direction: (trust_pos + 2 p) / (trust_pos + trust_neg + 2), p the truster's
        propensity (`sim.trust.trust_value`)."""
        return self._trust[:self.count]

    @property
    def cross(self) -> np.ndarray:
        return self._cross[:self.count]

    @property
    def embedded(self) -> np.ndarray:
        """Whether the tie's ends shared a strong contact at the last structure refresh (or at creation)."""
        return self._embedded[:self.count]

    @embedded.setter
    def embedded(self, value) -> None:
        self._embedded[:self.count] = value

    @property
    def degree(self) -> np.ndarray:
        return self._deg

    # ------------------------------------------------------------------ queries
    def find(self, a, b):
        """Row of each pair (a, b) (-1 if there is no tie) and the column of a's evidence about b."""
        return find_rows(np.asarray(a, np.int64), np.asarray(b, np.int64), self.n, self._index)

    def neighbours_of(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Leader i's contacts and the rows of the ties to them (copies, in adjacency order)."""
        k = self._deg[i]
        return self._adj[i, :k, 0].astype(np.int64), self._adj[i, :k, 1].astype(np.int64)

    def csr(self):
        """Neighbour lists as CSR: (indptr, neighbour ids, tie rows) (built on demand)."""
        return _csr(self._adj, self._deg, self.n)

    def neighbours(self):
        """(indptr, neighbour ids) over all ties (built on demand)."""
        indptr, nbrs, _ = self.csr()
        return indptr, nbrs

    def common_neighbours(self, min_strength: float = 0.0) -> np.ndarray:
        """Number of common neighbours of the two ends of each tie, counting only
        neighbours linked to both ends by ties of at least `min_strength`."""
        return _common_counts(self._u, self._v, self._w, self.count, self.n, self._adj, self._deg,
                              float(min_strength), False)

    def embedded_now(self, min_strength: float) -> np.ndarray:
        """Whether the ends of each tie share a contact through two ties of at least `min_strength`."""
        if self.n <= BITSET_MAX:
            out = np.empty(self.count, bool)
            _refresh_bitsets(self._u, self._v, self._w, self.count, float(min_strength),
                             np.empty((self.n, (self.n + 63) // 64), np.uint64), out)
            return out
        return _common_counts(self._u, self._v, self._w, self.count, self.n, self._adj, self._deg,
                              float(min_strength), True) > 0

    def refresh_structure(self, strong: float) -> None:
        """The structure refresh: every tie's embeddedness, and the snapshot of strong contacts
        against which ties created before the next refresh are judged."""
        if self.n <= BITSET_MAX:
            if self._snap_bits.shape != (self.n, (self.n + 63) // 64):  # the first refresh: the buffer it reuses
                self._snap_bits = np.empty((self.n, (self.n + 63) // 64), np.uint64)
            _refresh_bitsets(self._u, self._v, self._w, self.count, float(strong), self._snap_bits, self._embedded)
        else:
            self.embedded = self.embedded_now(strong)
            self._snap_indptr, self._snap_ids = strong_contacts(self._adj, self._deg, self._w, self.n, float(strong))

    def have_common_neighbour(self, a, b, min_strength: float = 0.0) -> np.ndarray:
        """For each pair, whether a and b share a neighbour through two ties of at least `min_strength`."""
        return _have_common(np.asarray(a, np.int64), np.asarray(b, np.int64), self._adj, self._deg, self._w,
                            float(min_strength), self.n)

    # ------------------------------------------------------------------ mutation
    def ensure(self, a, b, org, propensity):
        """Rows and evidence columns of the pairs (a, b), creating zero-strength ties as needed
        (`org`, `propensity`: each leader's organisation and trust propensity, which a new tie's
        flags and trust start from).

        New ties are marked embedded if their ends shared a strong contact at the last structure
        refresh (`refresh_structure`). Self-pairs must be removed by the caller; duplicate pairs
        are fine."""
        a, b = np.asarray(a, np.int64), np.asarray(b, np.int64)
        org, propensity = np.asarray(org, np.int64), np.asarray(propensity, float)
        self._reserve(a.size)
        rows, cols, self.count, done = _ensure(
            a, b, 0, self.n, self._u, self._v, self._w, self._pos, self._neg, self._trust, self._cross,
            self._embedded, org, propensity, self.count, self._index, self._adj, self._deg, self._at,
            self._due, self._snap_bits, self._snap_indptr, self._snap_ids)
        while done < a.size:  # a leader's adjacency row was full: widen and go on
            self._widen_adjacency()
            r, c, self.count, upto = _ensure(
                a, b, done, self.n, self._u, self._v, self._w, self._pos, self._neg, self._trust, self._cross,
                self._embedded, org, propensity, self.count, self._index, self._adj, self._deg, self._at,
                self._due, self._snap_bits, self._snap_indptr, self._snap_ids)
            rows[done:upto], cols[done:upto] = r[done:upto], c[done:upto]
            done = upto
        return rows, cols

    def add_initial(self, a, b, w, trust_pos, trust_neg, org, propensity) -> None:
        """Add ties at set-up with given strength and evidence (the same for both directions);
        `org` and `propensity` as for `ensure`.

        A pair listed twice, or already present, keeps its first (existing) tie."""
        a, b = np.asarray(a, np.int64), np.asarray(b, np.int64)
        before = self.count
        rows, _ = self.ensure(a, b, org, propensity)
        created, first = np.unique(rows, return_index=True)
        first = first[created >= before]
        created = created[created >= before]
        self._w[created] = np.asarray(w, float)[first]
        self._pos[created] = np.asarray(trust_pos, float)[first, None]
        self._neg[created] = np.asarray(trust_neg, float)[first, None]
        propensity = np.asarray(propensity, float)
        prop = np.column_stack([propensity[self._u[created]], propensity[self._v[created]]])
        self._trust[created] = (self._pos[created] + 2 * prop) / (self._pos[created] + self._neg[created] + 2)
        self._embedded[created] = False

    def observe(self, rows, cols, perceived, weight: float, forgetting: float, loss_aversion: float, propensity,
                gain=1.0) -> None:
        """Trust evidence from simultaneous observations on (rows, cols); `trust` follows (each
        direction's from its truster's `propensity`)."""
        rows = np.asarray(rows, np.int64)
        gain = np.broadcast_to(np.asarray(gain, float), rows.shape).astype(float)
        _observe(self._pos, self._neg, self._trust, np.asarray(propensity, float), self._u, self._v, rows,
                 np.asarray(cols, np.int64), np.asarray(perceived, float), float(weight), float(forgetting),
                 float(loss_aversion), gain)

    def keep(self, mask: np.ndarray) -> None:
        """Drop the rows where mask is False (the last rows move into the gaps)."""
        keep = np.array(mask, bool)  # a copy: the kernel reorders it
        self.removed(*_remove(keep, self._u, self._v, self._w, self._pos, self._neg, self._trust, self._cross,
                              self._embedded, self.count, self.n, self._index, self._adj, self._deg, self._at,
                              self._due))

    def removed(self, count: int, freed: int) -> None:
        """Bookkeeping after `_remove` (called here or inside a process's kernel): `count` rows
        are left and `freed` index slots now hold deleted keys."""
        self.count = count
        self._deleted += freed
        if self._deleted > self._index.shape[0] // 4:  # deleted slots lengthen probes: rebuild
            self._rehash_all()

    # ------------------------------------------------------------------ views for analysis
    def adjacency(self, min_strength: float = 0.0, cross_only: bool = False, dense: bool | None = None):
        """Symmetric 0/1 adjacency over ties with strength >= min_strength (for analysis and
        tests; the weekly processes use the compiled queries). Dense below 600 leaders."""
        import scipy.sparse as sp

        sel = self.w >= min_strength
        if cross_only:
            sel &= self.cross
        u, v = self.u[sel], self.v[sel]
        if (self.n <= 600) if dense is None else dense:
            a = np.zeros((self.n, self.n), np.float32)
            a[u, v] = 1.0
            a[v, u] = 1.0
            return a
        return sp.csr_matrix((np.ones(2 * u.size), (np.concatenate([u, v]), np.concatenate([v, u]))),
                             shape=(self.n, self.n))


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
