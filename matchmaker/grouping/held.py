"""A sparse pool's held pair values as arrays, and compiled reads of them for the local search.

A large pool's pair tables (`pool.TypicalTable`) are dicts read one pair at a time from Python;
the optimiser reads them hundreds of thousands of times (a group's score reads 3 values per
pair). `HeldPairs` holds the same values as sorted rows (CSR: each firm's held partners in
ascending order with the pair's fit and cover), with the tables' estimates for pairs not held,
and scores many groups, or a block of pair fits, in one compiled call. Every value and every
sum is the one `optimiser.group_score` and `PoolScores.fit_block` compute from the tables (the
same float32 values, the same float64 operations in the same order; tests compare them
exactly). numba is imported, and the kernels compiled or read from its cache, when first used.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np


def _at(indptr, cols, i, j):
    """Position of pair (i, j) among the held pairs (binary search in row i), -1 if not held."""
    lo, hi = indptr[i], indptr[i + 1]
    while lo < hi:
        mid = (lo + hi) // 2
        c = cols[mid]
        if c < j:
            lo = mid + 1
        elif c > j:
            hi = mid
        else:
            return mid
    return -1


def _group_scores(members, sizes, indptr, cols, cover, pair, typical_pair, typical_cover,
                  weights, out):  # fmt: skip
    """`optimiser.group_score` of each group (`sizes[g]` members, one group after another in
    `members`), the same float64 operations in the same order, into `out`."""
    width = 1
    for g in range(sizes.size):
        width = max(width, sizes[g])
    best = np.empty(width)
    second = np.empty(width)
    gives = np.empty(width)
    w_cover, w_fit, w_recip = weights[0], weights[1], weights[2]
    start = 0
    for g in range(sizes.size):
        k = sizes[g]
        first = start
        start += k
        if k < 2:
            out[g] = 0.0
            continue
        for a in range(k):
            best[a] = -1.0
            second[a] = -1.0
            gives[a] = -1.0
        fit = 0.0
        for a in range(k):
            i = members[first + a]
            for b in range(a + 1, k):
                j = members[first + b]
                p = _at(indptr, cols, i, j)
                if p >= 0:
                    cij = np.float64(cover[p])
                    pij = np.float64(pair[p])
                else:
                    cij = np.float64(typical_cover[i])
                    ti, tj = typical_pair[i], typical_pair[j]
                    pij = np.float64(ti if ti < tj else tj)
                q = _at(indptr, cols, j, i)
                cji = np.float64(cover[q]) if q >= 0 else np.float64(typical_cover[j])
                if cij > best[a]:
                    second[a] = best[a]
                    best[a] = cij
                elif cij > second[a]:
                    second[a] = cij
                if cji > best[b]:
                    second[b] = best[b]
                    best[b] = cji
                elif cji > second[b]:
                    second[b] = cji
                if cij > gives[b]:
                    gives[b] = cij
                if cji > gives[a]:
                    gives[a] = cji
                fit += pij
        fit /= k * (k - 1) / 2
        covered = 0.0
        if k >= 3:
            for a in range(k):
                covered += 0.75 * best[a] + 0.25 * second[a]
        else:
            for a in range(k):
                covered += best[a]
        covered /= k
        recip = 0.0
        for a in range(k):
            recip += gives[a] if gives[a] < best[a] else best[a]
        recip /= k
        out[g] = w_cover * covered + w_fit * fit + w_recip * recip


def _fit_block(rows, targets, indptr, cols, pair, typical_pair, out):
    """Pair fit of rows × targets (held values, else the lower typical fit) into `out`."""
    for a in range(rows.size):
        i = rows[a]
        for b in range(targets.size):
            j = targets[b]
            p = _at(indptr, cols, i, j)
            if p >= 0:
                out[a, b] = pair[p]
            else:
                ti, tj = typical_pair[i], typical_pair[j]
                out[a, b] = ti if ti < tj else tj


def _swap_order(x, outsiders, rest, indptr, cols, pair, typical_pair):
    """The outsiders that fit `rest` better than x does, best first (ties in their order):
    positions into `outsiders`, by the float32 sum of each one's fits with `rest` less x's."""
    own = np.float32(0.0)
    for b in range(rest.size):
        own += _fit_of(x, rest[b], indptr, cols, pair, typical_pair)
    gain = np.empty(outsiders.size, dtype=np.float32)
    for a in range(outsiders.size):
        total = np.float32(0.0)
        for b in range(rest.size):
            total += _fit_of(outsiders[a], rest[b], indptr, cols, pair, typical_pair)
        gain[a] = total - own
    keep = np.flatnonzero(gain > 0)
    return keep[np.argsort(-gain[keep], kind="mergesort")]


def gains_order(fit: np.ndarray) -> list[int]:
    """The swap ranking `_swap_order` compiles, in numpy: `fit` holds x's fits with the rest
    in its first row and each outsider's in the next; the outsiders whose row sums (float32)
    beat x's, the largest gain first (ties in their order)."""
    gain = fit[1:].sum(axis=1, dtype=np.float32)
    gain -= fit[0].sum(dtype=np.float32)
    keep = np.flatnonzero(gain > 0)
    return keep[np.argsort(-gain[keep], kind="stable")].tolist()


def _fit_of(i, j, indptr, cols, pair, typical_pair):
    """The pair fit `_fit_block` reads for (i, j)."""
    p = _at(indptr, cols, i, j)
    if p >= 0:
        return pair[p]
    ti, tj = typical_pair[i], typical_pair[j]
    return ti if ti < tj else tj


@cache
def _compiled():
    """The kernels compiled by numba (imported here: it costs start-up time and memory). No
    fast-math: the sums must be `group_score`'s, operation for operation."""
    import numba

    jit = numba.njit(cache=True, nogil=True)
    globals()["_at"] = jit(_at)  # the kernels call the compiled search
    globals()["_fit_of"] = jit(_fit_of)
    return jit(_group_scores), jit(_fit_block), jit(_swap_order)


@dataclass
class HeldPairs:
    """The held pairs of a sparse pool of n firms, directed: row i's partners `cols[indptr[i]:
    indptr[i + 1]]` (ascending) with `pair` (the symmetric fit) and `cover` (how well the
    partner's offers meet i's needs). A pair not held reads as the tables' estimates: fit the
    lower of the two firms' `typical_pair`, cover the needing firm's `typical_cover`."""

    indptr: np.ndarray
    cols: np.ndarray
    pair: np.ndarray
    cover: np.ndarray
    typical_pair: np.ndarray
    typical_cover: np.ndarray

    @classmethod
    def of_lists(cls, neighbours, fit, cover, back, typical_pair, typical_cover) -> HeldPairs:
        """From a candidate graph's lists (n × k, -1 pads), as the pool's tables hold them:
        each listed pair both ways (i's cover of the pair, `back` the neighbour's); a pair
        listed twice keeps the values written last, row by row (the tables' order)."""
        n, k = neighbours.shape
        held = neighbours >= 0
        i = np.repeat(np.arange(n, dtype=np.int64), k).reshape(n, k)[held]
        j = neighbours[held].astype(np.int64)
        # written in this order: (i, j) then (j, i), per listed pair, row by row
        rows = np.column_stack([i, j]).ravel()
        targets = np.column_stack([j, i]).ravel()
        fits = np.repeat(fit[held], 2)
        covers = np.column_stack([cover[held], back[held]]).ravel()
        keys = rows * max(n, 1) + targets
        # the last write of each key: the first of the reversed order
        _, first = np.unique(keys[::-1], return_index=True)
        last = keys.size - 1 - first  # ascending keys: by row, then partner
        counts = np.bincount(rows[last], minlength=n)
        return cls(
            np.r_[0, np.cumsum(counts)].astype(np.int64), targets[last].astype(np.int32),
            fits[last].astype(np.float32), covers[last].astype(np.float32),
            np.asarray(typical_pair, dtype=np.float32),
            np.asarray(typical_cover, dtype=np.float32),
        )  # fmt: skip

    def position(self, i: int, j: int) -> int:
        """Where pair (i, j) is held (an index into `cols`, `pair`, `cover`), -1 if it is not."""
        a, b = int(self.indptr[i]), int(self.indptr[i + 1])
        at = a + int(np.searchsorted(self.cols[a:b], j))
        return at if at < b and self.cols[at] == j else -1

    def group_scores(self, groups: Sequence[Sequence[int]], weights) -> np.ndarray:
        """`optimiser.group_score` of each group (float64), in one compiled call."""
        if not groups:
            return np.zeros(0)
        sizes = np.fromiter(map(len, groups), dtype=np.int64, count=len(groups))
        members = np.fromiter(itertools.chain.from_iterable(groups), dtype=np.int64,
                              count=int(sizes.sum()))  # fmt: skip
        out = np.empty(len(groups))
        scores, *_ = _compiled()
        scores(members, sizes, self.indptr, self.cols, self.cover, self.pair,
               self.typical_pair, self.typical_cover, np.asarray(weights, np.float64),
               out)  # fmt: skip
        return out

    def fit_block(self, rows: Sequence[int], cols: Sequence[int]) -> np.ndarray:
        """Pair fit of `rows` × `cols` (float32), as `PoolScores.fit_block` reads it."""
        rows = np.asarray(rows, dtype=np.int64).ravel()
        cols = np.asarray(cols, dtype=np.int64).ravel()
        out = np.empty((rows.size, cols.size), dtype=np.float32)
        _, block, _ = _compiled()
        block(rows, cols, self.indptr, self.cols, self.pair, self.typical_pair, out)
        return out

    def swap_order(self, x: int, outsiders: Sequence[int], rest: Sequence[int]) -> list[int]:
        """Positions of the `outsiders` whose fits with `rest` (as `fit_block` reads them)
        sum higher than x's, best first, ties in their order: the local search's ranking of
        swap partners, in one compiled call. The sums are numpy's for fewer than 8 in `rest`
        (added one after another; numpy adds 8 or more pairwise)."""
        *_, order = _compiled()
        return order(np.int64(x), np.asarray(outsiders, dtype=np.int64),
                     np.asarray(rest, dtype=np.int64), self.indptr, self.cols, self.pair,
                     self.typical_pair).tolist()  # fmt: skip
