"""Raw cosines of listed pairs of firms (i, j), the same numbers `pair_features` and
`HybridEncoder.similarity` compute for whole blocks, without forming a block.

A compiled loop walks each pair's sparse rows once against the first firm's rows scattered
into a dense scratch row, so a pair costs the stored firm's non-zeros and not the width of a
block of firms; the candidate graph of a large pool scores its shortlisted pairs with it.
numba is imported, and the loop compiled (or read from numba's cache), when first needed.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from functools import cache

import numpy as np
import scipy.sparse as sp

from matchmaker.representation.embedding import PARTS

LEXICAL_BLOCKS = ("words", "chars", "concepts")
# (query part, stored part) pairs whose cosines the pair features and similarities read.
COMBOS = (
    ("profile", "profile"), ("offers", "offers"), ("needs", "needs"), ("needs", "offers"),
    ("offers", "needs"), ("needs", "profile"), ("profile", "needs"),
)  # fmt: skip


# `numba.prange` once `_compiled` has run; the plain range before (the loop is only ever run
# compiled).
prange = range


def _dots(chunks, seg, left, right, starts, cols, vals, colblock, de0, de1, de2, s_indptr,
          s_indices, s_data):  # fmt: skip
    """Per pair (left[k], right[k]): the sparse dots of every (query part, stored part) per
    column block (`colblock`, 4 blocks), the dense dots of every part pair, the structured
    dot. Pairs come grouped by their left firm (`seg` bounds the groups) and the groups into
    `chunks` that run in parallel, each with one scratch row (the left firm's parts by column,
    cleared after each group). A firm's sparse entries of all three parts lie together
    (`starts[f, p]` to `starts[f, p + 1]` in `cols` and `vals`, see `pair_layout`)."""
    npairs = left.size
    lex = np.zeros((npairs, 3, 3, 4), dtype=np.float32)
    den = np.zeros((npairs, 3, 3), dtype=np.float32)
    st = np.zeros(npairs, dtype=np.float32)
    dim = de0.shape[1]
    for c in prange(chunks.size - 1):
        scratch = np.zeros((colblock.size, 3), dtype=np.float32)
        for g in range(chunks[c], chunks[c + 1]):
            a, b = seg[g], seg[g + 1]
            i = left[a]
            for part in range(3):
                for t in range(starts[i, part], starts[i, part + 1]):
                    scratch[cols[t], part] = vals[t]
            for p in range(a, b):
                j = right[p]
                for spart in range(3):
                    x0 = x1 = x2 = x3 = np.float32(0.0)  # query profile, per block
                    y0 = y1 = y2 = y3 = np.float32(0.0)  # query offers
                    z0 = z1 = z2 = z3 = np.float32(0.0)  # query needs
                    for t in range(starts[j, spart], starts[j, spart + 1]):
                        col = cols[t]
                        v = vals[t]
                        u0 = scratch[col, 0] * v
                        u1 = scratch[col, 1] * v
                        u2 = scratch[col, 2] * v
                        k = colblock[col]
                        if k == 0:
                            x0 += u0
                            y0 += u1
                            z0 += u2
                        elif k == 1:
                            x1 += u0
                            y1 += u1
                            z1 += u2
                        elif k == 2:
                            x2 += u0
                            y2 += u1
                            z2 += u2
                        else:
                            x3 += u0
                            y3 += u1
                            z3 += u2
                    lex[p, 0, spart, 0], lex[p, 0, spart, 1] = x0, x1
                    lex[p, 0, spart, 2], lex[p, 0, spart, 3] = x2, x3
                    lex[p, 1, spart, 0], lex[p, 1, spart, 1] = y0, y1
                    lex[p, 1, spart, 2], lex[p, 1, spart, 3] = y2, y3
                    lex[p, 2, spart, 0], lex[p, 2, spart, 1] = z0, z1
                    lex[p, 2, spart, 2], lex[p, 2, spart, 3] = z2, z3
                for qp in range(3):  # each query part against the three stored parts at once
                    dq = de0 if qp == 0 else (de1 if qp == 1 else de2)
                    a0 = a1 = a2 = np.float32(0.0)
                    for d in range(dim):
                        x = dq[i, d]
                        a0 += x * de0[j, d]
                        a1 += x * de1[j, d]
                        a2 += x * de2[j, d]
                    den[p, qp, 0], den[p, qp, 1], den[p, qp, 2] = a0, a1, a2
                # structured rows: a merge of two sorted index lists
                u, ue = s_indptr[i], s_indptr[i + 1]
                w, we = s_indptr[j], s_indptr[j + 1]
                acc = np.float32(0.0)
                while u < ue and w < we:
                    if s_indices[u] == s_indices[w]:
                        acc += s_data[u] * s_data[w]
                        u += 1
                        w += 1
                    elif s_indices[u] < s_indices[w]:
                        u += 1
                    else:
                        w += 1
                st[p] = acc
            for t in range(starts[i, 0], starts[i, 3]):  # clear the scratch for the next left
                scratch[cols[t], 0] = 0.0
                scratch[cols[t], 1] = 0.0
                scratch[cols[t], 2] = 0.0
    return lex, den, st


@cache
def _compiled(parallel: bool = True):
    """`_dots` compiled by numba (imported here: it costs start-up time and memory); with
    `parallel`, its chunks run on numba's threads, else on the calling thread alone (for
    callers that run several calls on their own threads: the GIL is released throughout).
    The per-pair sums are the same either way."""
    import numba

    globals()["prange"] = numba.prange
    func = _dots
    if not parallel:  # its own name: numba's disk cache does not tell the two builds apart
        func = types.FunctionType(_dots.__code__, globals(), "_dots_serial")
        func.__qualname__ = "_dots_serial"
    return numba.njit(parallel=parallel, cache=True, nogil=True, fastmath=True)(func)


# Groups of pairs (by left firm) one thread of the compiled loop takes at a time, at most.
CHUNKS = 64
# Sparse entries of the stored firms one pass of the compiled loop reads: the pairs are taken
# by blocks of stored (right) firms whose entries are about this many (a few MB, held in the
# last-level cache while every left firm of the block's pairs reads them), not by left firm
# alone (a stored firm's entries read again from memory for each of its pairs).
RIGHT_BLOCK_ENTRIES = 1_000_000


def _sorted_csr(matrix: sp.spmatrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """indptr (int64), indices (int32) and data (float32) of a CSR matrix with sorted indices:
    the matrix's own arrays when they already are (no copy of a large index's rows)."""
    m = matrix.tocsr()
    if not m.has_sorted_indices:
        m = m.copy()
        m.sort_indices()
    return (m.indptr.astype(np.int64), m.indices.astype(np.int32, copy=False),
            m.data.astype(np.float32, copy=False))  # fmt: skip


def pair_layout(matrices: list[sp.spmatrix]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rows of the parts' sparse matrices (same rows and columns) laid out for `_dots`:
    each row's entries of every part together, part after part (`starts[r, p]` to
    `starts[r, p + 1]`), columns in 16 bits where the width allows. A pair then reads one
    short stretch of memory per firm instead of one per part, and 6 bytes an entry, not 8."""
    parts = [_sorted_csr(m) for m in matrices]
    n = len(parts[0][0]) - 1
    width = matrices[0].shape[1]
    lengths = np.stack([np.diff(indptr) for indptr, _, _ in parts], axis=1)
    starts = np.zeros((n, len(parts) + 1), dtype=np.int64)
    starts[:, 1:] = np.cumsum(lengths, axis=1)
    starts += np.r_[0, np.cumsum(starts[:, -1])[:-1]].astype(np.int64)[:, None]
    total = int(starts[-1, -1]) if n else 0
    cols = np.empty(total, dtype=np.uint16 if width <= 1 << 16 else np.int32)
    vals = np.empty(total, dtype=np.float32)
    for p, (indptr, indices, data) in enumerate(parts):
        at = np.arange(indices.size, dtype=np.int64)
        at += np.repeat(starts[:, p] - indptr[:-1], lengths[:, p])
        cols[at] = indices
        vals[at] = data
    return starts, cols, vals


@dataclass
class PairCosines:
    """Raw cosines of listed pairs: `cosines(a, b)` per representation as `pair_features` reads
    them, `similarities(a, b)` per representation as `HybridEncoder.similarity` combines them."""

    model: dict[tuple[str, str], np.ndarray]
    blocks: dict[tuple[str, str, str], np.ndarray]
    lexical: dict[tuple[str, str], np.ndarray]
    structured: np.ndarray
    has_model: bool

    def cosines(self, a: str, b: str) -> dict[str, np.ndarray]:
        out = {"model": self.model[a, b]} if self.has_model else {}
        for block in LEXICAL_BLOCKS:
            out[block] = self.blocks[a, b, block]
        return out

    def similarities(self, a: str, b: str) -> dict[str, np.ndarray]:
        return {"model": self.model[a, b], "lexical": self.lexical[a, b],
                "structured": self.structured}  # fmt: skip


class PairDots:
    """The vectors of a set of firms laid out for `_dots`, prepared once per set (the sparse
    rows copied into `pair_layout`, held as long as this object: a large pool's proposal
    keeps one for its candidate graph, settling and reasons). Without
    `parallel` a call runs on the calling thread only (for callers with threads of their own)."""

    def __init__(self, encoder, vectors, parallel: bool = True):
        n = len(vectors)
        self.parallel = parallel
        self.n = n
        self.starts, self.cols, self.vals = pair_layout([vectors.sparse[p] for p in PARTS])
        width = vectors.sparse[PARTS[0]].shape[1]
        self.columns = getattr(encoder.lexical_, "block_columns_", {})
        colblock = np.full(width, len(LEXICAL_BLOCKS), dtype=np.int8)  # the rest, if any
        for k, block in enumerate(LEXICAL_BLOCKS):
            cols = self.columns.get(block)
            if cols is not None:
                colblock[cols[0] : cols[1]] = k
        self.colblock = colblock
        self.dense = [np.ascontiguousarray(vectors.dense[p], dtype=np.float32) for p in PARTS]
        self.s_indptr, self.s_indices, self.s_data = _sorted_csr(vectors.structured)
        self.norms = {}
        for block in LEXICAL_BLOCKS:
            cols = self.columns.get(block)
            for p in PARTS:
                if cols is not None and cols[0] != cols[1]:
                    self.norms[p, block] = vectors.block_norms(p, tuple(cols))

    def __call__(self, left: np.ndarray, right: np.ndarray) -> PairCosines:
        """Cosines of the pairs (left[k], right[k]) (row positions in the set)."""
        left = np.asarray(left, dtype=np.int64)
        right = np.asarray(right, dtype=np.int64)
        # By block of right firms, then left firm, then right firm (`RIGHT_BLOCK_ENTRIES`).
        rows_per_block = max(RIGHT_BLOCK_ENTRIES * self.n // max(self.cols.size, 1), 1)
        order = np.lexsort((right, left, right // rows_per_block))
        back = np.empty_like(order)
        back[order] = np.arange(order.size)
        lo, ro = left[order], right[order]
        seg = np.flatnonzero(np.r_[True, lo[1:] != lo[:-1], True]) if lo.size else np.zeros(1)
        seg = seg.astype(np.int64)
        groups = seg.size - 1
        # chunks of about equal pairs (whole groups), so the threads share the work evenly
        cuts = np.searchsorted(seg, np.linspace(0, lo.size, CHUNKS + 1)[1:-1], side="right") - 1
        chunks = np.unique(np.r_[0, np.clip(cuts, 0, groups), groups]).astype(np.int64)
        lex, den, st = _compiled(self.parallel)(
            chunks, seg, lo, ro, self.starts, self.cols, self.vals, self.colblock, *self.dense,
            self.s_indptr, self.s_indices, self.s_data,
        )  # fmt: skip
        lex, den, st = lex[back], den[back], st[back]
        model, blocks, lexical = {}, {}, {}
        for a, b in COMBOS:
            qa, sb = PARTS.index(a), PARTS.index(b)
            model[a, b] = den[:, qa, sb]
            lexical[a, b] = lex[:, qa, sb, :].sum(axis=1)
            for k, block in enumerate(LEXICAL_BLOCKS):
                if (a, block) not in self.norms:
                    blocks[a, b, block] = np.zeros(left.size, dtype=np.float32)
                    continue
                denominator = self.norms[a, block][left] * self.norms[b, block][right]
                dots = lex[:, qa, sb, k]
                blocks[a, b, block] = np.divide(
                    dots, denominator, out=np.zeros_like(dots), where=denominator > 0
                )
        return PairCosines(model, blocks, lexical, st, self.dense[0].shape[1] > 0)
