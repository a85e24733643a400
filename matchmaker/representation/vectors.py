"""The vectors of a set of profiles, per text part and representation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from matchmaker.representation.growing import Growth


def csr_rows(m: sp.csr_matrix, rows: np.ndarray) -> sp.csr_matrix:
    """`m[rows]` for a CSR matrix and an array of row positions, the same matrix cut from
    `m`'s arrays directly: scipy's fancy indexing (or a slice) costs a few rows many times
    this, and a request takes rows often."""
    if not sp.isspmatrix_csr(m):
        return m[rows]
    starts = m.indptr[rows]
    lengths = m.indptr[rows + 1] - starts
    indptr = np.zeros(rows.size + 1, dtype=m.indptr.dtype)
    np.cumsum(lengths, out=indptr[1:])
    pick = np.repeat(starts - indptr[:-1], lengths) + np.arange(indptr[-1], dtype=indptr.dtype)
    return sp.csr_matrix((m.data[pick], m.indices[pick], indptr), shape=(rows.size, m.shape[1]))


class RowBlock:
    """The sparse matrices of consecutive profiles, with the transposes that make one query's
    dots fast, computed once when first asked for."""

    def __init__(self, sparse: dict[str, sp.csr_matrix], structured: sp.csr_matrix):
        self.sparse = sparse
        self.structured = structured
        self.kept: dict = {}

    def __len__(self) -> int:
        return self.structured.shape[0]

    def sparse_t(self, part: str) -> sp.csr_matrix:
        """Transposed lexical matrix of a part (term × profile)."""
        if part not in self.kept:
            self.kept[part] = self.sparse[part].T.tocsr()
        return self.kept[part]

    def block(self, part: str, columns: tuple[int, int]) -> tuple[sp.csr_matrix, np.ndarray]:
        """One lexical block of a part (rows × its columns) and each row's norm in it."""
        key = (part, columns)
        if key not in self.kept:
            m = self.sparse[part][:, columns[0] : columns[1]].tocsr()
            norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel()).astype(np.float32)
            self.kept[key] = (m, norms)
        return self.kept[key]

    def block_norms(self, part: str, columns: tuple[int, int]) -> np.ndarray:
        """Each row's norm in one lexical block of a part (the numbers of `block`'s norms),
        without forming the block."""
        key = ("norms", part, columns)
        if key not in self.kept:
            m = self.sparse[part]
            inside = (m.indices >= columns[0]) & (m.indices < columns[1])
            squares = (m.data * m.data)[inside]
            starts = np.concatenate([[0], np.cumsum(inside)])[m.indptr]  # the block's indptr
            rows = np.flatnonzero(np.diff(starts))
            sums = np.zeros(m.shape[0], dtype=squares.dtype)
            if rows.size:  # summed as scipy sums a block's rows (`add.reduceat`)
                sums[rows] = np.add.reduceat(squares, starts[rows])
            self.kept[key] = np.sqrt(sums).astype(np.float32)
        return self.kept[key]

    def block_t(self, part: str, columns: tuple[int, int]) -> sp.csr_matrix:
        """The transposed block (columns × rows): rows of `sparse_t`, sharing its arrays."""
        key = ("t", part, columns)
        if key not in self.kept:
            self.kept[key] = row_slice(self.sparse_t(part), *columns)
        return self.kept[key]

    def structured_t(self) -> sp.csr_matrix:
        """Transposed structured matrix (category × profile)."""
        if "structured" not in self.kept:
            self.kept["structured"] = self.structured.T.tocsr()
        return self.kept["structured"]

    def warm(self, blocks: Sequence[tuple[int, int]]) -> None:
        """Compute now every transpose a query's dots read (of each part, and of each lexical
        block of `blocks`), so that no request builds one."""
        for part in self.sparse:
            self.sparse_t(part)
            for columns in blocks:
                self.block_t(part, columns)
        self.structured_t()

    @staticmethod
    def joined(first: RowBlock, second: RowBlock) -> RowBlock:
        return RowBlock(
            {k: sp.vstack([first.sparse[k], second.sparse[k]], format="csr") for k in first.sparse},
            sp.vstack([first.structured, second.structured], format="csr"),
        )


# Row blocks a set of vectors is kept in at most: each block costs every query a few sparse
# products, each join re-transposes the joined rows once.
MOST_ROW_BLOCKS = 3


def compacted(blocks: Sequence[RowBlock]) -> list[RowBlock]:
    """Row blocks in order, the last two joined while the last is at least half as long as
    the one before or there are more than MOST_ROW_BLOCKS: a few new rows at a time cost the
    transposes of a short tail, and the whole is transposed again only when it has grown by
    half."""
    out: list[RowBlock] = []
    for block in blocks:
        out.append(block)
        while len(out) > 1 and (len(out) > MOST_ROW_BLOCKS or 2 * len(out[-1]) >= len(out[-2])):
            second, first = out.pop(), out.pop()
            out.append(RowBlock.joined(first, second))
    return out


@dataclass
class ProfileVectors:
    """Vectors of a set of profiles: per text part the model and lexical matrix, plus structured."""

    ids: list
    dense: dict[str, np.ndarray]
    sparse: dict[str, sp.csr_matrix]
    structured: sp.csr_matrix
    _blocks: list[RowBlock] = field(default_factory=list, repr=False, compare=False)
    # The buffers the matrices view, with room for rows appended later (`growing`).
    _growth: Growth | None = field(default=None, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.ids)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_growth"] = None  # a pickled copy holds its rows only, and copies to grow
        return state

    def row_blocks(self) -> list[RowBlock]:
        """The row blocks whose kept transposes serve query dots (one, unless concatenated)."""
        if not self._blocks:
            self._blocks = [RowBlock(self.sparse, self.structured)]
        return self._blocks

    def warm(self, blocks: Sequence[tuple[int, int]]) -> ProfileVectors:
        """Itself, with every row block's transposes computed (`RowBlock.warm`)."""
        for block in self.row_blocks():
            block.warm(blocks)
        return self

    def take(self, rows: Sequence[int]) -> ProfileVectors:
        """The vectors of the given row positions."""
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size == 1:
            one = slice(int(rows[0]), int(rows[0]) + 1)
            ids, dense = self.ids[one], {p: m[one] for p, m in self.dense.items()}
        else:
            ids = [self.ids[i] for i in rows]
            dense = {p: m[rows] for p, m in self.dense.items()}
        return ProfileVectors(
            ids=ids,
            dense=dense,
            sparse={p: csr_rows(m, rows) for p, m in self.sparse.items()},
            structured=csr_rows(self.structured, rows),
        )

    def rows_from(self, start: int) -> tuple[ProfileVectors, int]:
        """The rows from the beginning of the row block that holds row `start` to the end,
        and where they begin: those row blocks (and the transposes they keep) serve the
        query dots, so a few rows appended since cost no transposing or fancy indexing."""
        blocks, begin = [], len(self)
        for block in reversed(self.row_blocks()):
            if begin <= start:
                break
            begin -= len(block)
            blocks.insert(0, block)
        end = len(self)
        return ProfileVectors(
            ids=self.ids[begin:end], dense={p: m[begin:end] for p, m in self.dense.items()},
            sparse={p: row_slice(m, begin, end) for p, m in self.sparse.items()},
            structured=row_slice(self.structured, begin, end), _blocks=blocks,
        ), begin  # fmt: skip

    @staticmethod
    def concat(parts: Sequence[ProfileVectors]) -> ProfileVectors:
        """Rows of several vector sets, in order.

        The parts' row blocks are kept (see `compacted`): an index that takes in a few new
        firms reuses the transposes it has, instead of transposing every firm again. The
        matrices are held in buffers with room to grow (`growing`): the newest set of a
        buffer that takes in more rows copies only those.
        """
        if len(parts) == 2:
            grown = parts[0]._grown_by(parts[1])
            if grown is not None:
                return grown
        first = parts[0]
        growth = Growth(first.dense, _named(first.sparse, first.structured))
        for part in parts[1:]:  # each part's rows copied once, into the buffers
            named = _named(part.sparse, part.structured)
            if growth.appended(growth.n, part.dense, named) is None:
                growth = None  # rows of another shape or type: stacked as they are
                break
        if growth is None:
            dense = {k: np.vstack([p.dense[k] for p in parts]) for k in first.dense}
            sparse = {k: sp.vstack([p.sparse[k] for p in parts], format="csr")
                      for k in first.sparse}  # fmt: skip
            structured = sp.vstack([p.structured for p in parts], format="csr")
        else:
            dense, named = growth.views()
            sparse, structured = _unnamed(named)
        return ProfileVectors(
            ids=[i for p in parts for i in p.ids], dense=dense, sparse=sparse,
            structured=structured, _blocks=compacted([b for p in parts for b in p.row_blocks()]),
            _growth=growth,
        )  # fmt: skip

    def _grown_by(self, more: ProfileVectors) -> ProfileVectors | None:
        """These rows and `more`'s, the matrices appended in this set's buffers; None when it
        has none or is not their newest set."""
        if self._growth is None or not len(more):
            return None
        got = self._growth.appended(len(self), more.dense, _named(more.sparse, more.structured))
        if got is None:
            return None
        dense, named = got
        sparse, structured = _unnamed(named)
        return ProfileVectors(
            ids=self.ids + more.ids, dense=dense, sparse=sparse, structured=structured,
            _blocks=compacted(self.row_blocks() + more.row_blocks()), _growth=self._growth,
        )  # fmt: skip

    def sparse_dots(self, query: sp.csr_matrix, part: str) -> np.ndarray:
        """query · (lexical matrix of `part`)ᵀ, dense (queries × profiles)."""
        if query.shape[0] == 1:
            return self.row_dots(query, part, (0, query.shape[1]))
        return _side_by_side([(query @ b.sparse_t(part)).toarray() for b in self.row_blocks()])

    def structured_dots(self, query: sp.csr_matrix) -> np.ndarray:
        """query · (structured matrix)ᵀ, dense (queries × profiles)."""
        if query.shape[0] == 1:
            entries = _query_entries(query, (0, query.shape[1]))
            found = [_gathered_dots(entries, b.structured_t()) for b in self.row_blocks()]
            return _side_by_side(found)
        return _side_by_side([(query @ b.structured_t()).toarray() for b in self.row_blocks()])

    def block(self, part: str, columns: tuple[int, int]) -> tuple[sp.csr_matrix, np.ndarray]:
        """One lexical block of a part (rows × its columns) and each row's norm in it."""
        blocks = self.row_blocks()
        if len(blocks) == 1:
            return blocks[0].block(part, columns)
        return RowBlock(self.sparse, self.structured).block(part, columns)

    def block_norms(self, part: str, columns: tuple[int, int]) -> np.ndarray:
        """Each row's norm in one lexical block of a part."""
        return np.concatenate([b.block_norms(part, columns) for b in self.row_blocks()])

    def block_dots(self, query: sp.csr_matrix, part: str, columns: tuple[int, int]) -> np.ndarray:
        """query (rows × the block's columns) · (block of `part`)ᵀ, dense float32."""
        found = [(query @ b.block_t(part, columns)).toarray() for b in self.row_blocks()]
        return _side_by_side(found).astype(np.float32, copy=False)

    def row_dots(self, query: sp.csr_matrix, part: str, bounds: Sequence[int]) -> np.ndarray:
        """One query row (1 × all lexical columns) · (lexical matrix of `part`)ᵀ, split by
        column ranges: row k of the answer (float32, ranges × profiles) sums the columns
        bounds[k] … bounds[k + 1] - 1 (query columns outside every range are left out).

        The numbers `block_dots` gives for each range, in one pass: the stored columns the
        query has are gathered from the kept transposes, without a sparse product per range
        and row block (whose checks cost a single query row many times its arithmetic)."""
        entries = _query_entries(query, bounds)
        found = [_gathered_dots(entries, b.sparse_t(part)) for b in self.row_blocks()]
        return _side_by_side(found)


def row_slice(m: sp.csr_matrix, start: int, end: int) -> sp.csr_matrix:
    """Rows start … end - 1 of a CSR matrix (its arrays' slices): `m[start:end]` without
    scipy's index checks, which cost a few rows many times the copying."""
    a, b = m.indptr[start], m.indptr[end]
    return sp.csr_matrix(
        (m.data[a:b], m.indices[a:b], m.indptr[start : end + 1] - a),
        shape=(end - start, m.shape[1]),
    )


def _query_entries(query: sp.csr_matrix, bounds: Sequence[int]):
    """A query row's columns, values and column range (those inside a range of `bounds`)."""
    bounds = np.asarray(bounds, dtype=np.int64)
    ranges = len(bounds) - 1
    columns = np.asarray(query.indices, dtype=np.int64)
    values = np.asarray(query.data, dtype=np.float32)
    where = np.searchsorted(bounds, columns, side="right") - 1
    inside = (where >= 0) & (where < ranges)
    return columns[inside], values[inside], where[inside], ranges


def _gathered_dots(entries, t: sp.csr_matrix) -> np.ndarray:
    """The query row (`_query_entries`) · tᵀ's rows (t: columns × profiles, CSR) per column
    range, accumulated in float32 in the query's column order, as scipy's sparse product."""
    columns, values, where, ranges = entries
    n = t.shape[1]
    starts = t.indptr[columns]
    lengths = t.indptr[columns + 1] - starts
    at = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    at += np.arange(at.size)
    keys = np.repeat(where * n, lengths)
    keys += t.indices[at]
    products = np.repeat(values, lengths)
    products *= t.data[at]
    out = np.zeros(ranges * n, dtype=np.float32)
    np.add.at(out, keys, products)
    return out.reshape(ranges, n)


def row_norms(query: sp.csr_matrix, bounds: Sequence[int]) -> np.ndarray:
    """The norm of one row (sorted columns) within each column range of `bounds`, float32,
    summed as scipy sums a block's row (`add.reduceat`, as `RowBlock.block_norms`)."""
    bounds = np.asarray(bounds, dtype=np.int64)
    columns = np.asarray(query.indices, dtype=np.int64)
    values = np.asarray(query.data, dtype=np.float32)
    inside = (columns >= bounds[0]) & (columns < bounds[-1])
    columns, values = columns[inside], values[inside]
    starts = np.searchsorted(columns, bounds)
    filled = np.flatnonzero(np.diff(starts))
    sums = np.zeros(len(bounds) - 1, dtype=np.float32)
    if filled.size:
        sums[filled] = np.add.reduceat(values * values, starts[filled])
    return np.sqrt(sums).astype(np.float32)


# The structured matrix among a set's sparse ones in its buffers (no text part has this name).
_STRUCTURED = " structured"


def _named(sparse: dict[str, sp.csr_matrix], structured: sp.csr_matrix) -> dict:
    return {**sparse, _STRUCTURED: structured}


def _unnamed(named: dict) -> tuple[dict[str, sp.csr_matrix], sp.csr_matrix]:
    sparse = dict(named)
    return sparse, sparse.pop(_STRUCTURED)


def _side_by_side(parts: list[np.ndarray]) -> np.ndarray:
    return parts[0] if len(parts) == 1 else np.hstack(parts)
