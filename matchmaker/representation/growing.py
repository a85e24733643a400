"""Rows that grow at their end without copying what they hold: dense and CSR matrices in
buffers with room to spare.

An index that takes in a few new firms at a time appended them with `np.vstack` and
`sp.vstack`, which copied every firm's vectors on every catch-up, so a catch-up grew with the
index (bench/README.md, "Load"). Here a snapshot's matrices are views of a buffer's first
rows; appending writes after them (the buffer grows by half when full, and the snapshots
before keep the buffer they view), so the rows a snapshot sees never change under it. Only the
newest snapshot of a buffer may append to it; an older one gets `None` and copies, as before.
"""

from __future__ import annotations

import threading

import numpy as np
import scipy.sparse as sp


class Rows:
    """The rows of a 2-d array in a buffer with room to grow."""

    def __init__(self, first: np.ndarray, room: float = 1.25):
        capacity = max(int(len(first) * room), len(first) + 16)
        self.buffer = np.empty((capacity, *first.shape[1:]), dtype=first.dtype)
        self.buffer[: len(first)] = first
        self.n = len(first)

    def fits(self, more: np.ndarray) -> bool:
        """Whether `more` has this buffer's row shape and type."""
        return more.shape[1:] == self.buffer.shape[1:] and more.dtype == self.buffer.dtype

    def view(self) -> np.ndarray:
        """The rows held, read-only (snapshots share them)."""
        rows = self.buffer[: self.n]
        rows.flags.writeable = False
        return rows

    def append(self, more: np.ndarray) -> None:
        """Write `more` after the rows held (callers hold the Growth lock)."""
        end = self.n + len(more)
        if end > len(self.buffer):  # a new buffer: views of the old one stay as they are
            bigger = np.empty((max(len(self.buffer) * 3 // 2, end), *self.buffer.shape[1:]),
                              dtype=self.buffer.dtype)  # fmt: skip
            bigger[: self.n] = self.buffer[: self.n]
            self.buffer = bigger
        self.buffer[self.n : end] = more
        self.n = end


class CsrRows:
    """A CSR matrix's rows (data, indices, indptr) in buffers with room to grow."""

    def __init__(self, first: sp.csr_matrix):
        first = first.tocsr()
        self.width = first.shape[1]
        self.data = Rows(first.data)
        self.indices = Rows(first.indices)
        self.indptr = Rows(first.indptr)

    def rows(self) -> int:
        return self.indptr.n - 1

    def fits(self, more: sp.csr_matrix) -> bool:
        return (
            more.shape[1] == self.width
            and self.data.fits(more.data)
            and self.indices.fits(more.indices)
            and self.indptr.fits(more.indptr)
        )

    def append(self, more: sp.csr_matrix) -> None:
        nnz = self.data.n
        self.data.append(more.data)
        self.indices.append(more.indices)
        self.indptr.append(more.indptr[1:] + self.indptr.buffer.dtype.type(nnz))

    def view(self) -> sp.csr_matrix:
        return sp.csr_matrix(
            (self.data.view(), self.indices.view(), self.indptr.view()),
            shape=(self.rows(), self.width), copy=False,
        )  # fmt: skip


class Growth:
    """The growing buffers of a set of named dense and CSR matrices with the same rows."""

    def __init__(self, dense: dict[str, np.ndarray], sparse: dict[str, sp.csr_matrix]):
        self.dense = {k: Rows(v) for k, v in dense.items()}
        self.sparse = {k: CsrRows(v) for k, v in sparse.items()}
        self.n = _rows(dense, sparse)
        self.lock = threading.Lock()

    def appended(
        self, n: int, dense: dict[str, np.ndarray], sparse: dict[str, sp.csr_matrix]
    ) -> tuple[dict[str, np.ndarray], dict[str, sp.csr_matrix]] | None:
        """Views of every matrix with the given rows appended, when the holder of the first
        `n` rows is the newest (else None: the caller copies). Same names, widths and types
        as the buffers, or None."""
        with self.lock:
            if n != self.n or not self._whole():
                return None
            if dense.keys() != self.dense.keys() or sparse.keys() != self.sparse.keys():
                return None
            if not all(self.dense[k].fits(v) for k, v in dense.items()):
                return None
            if not all(self.sparse[k].fits(v) for k, v in sparse.items()):
                return None
            for k, v in dense.items():
                self.dense[k].append(v)
            for k, v in sparse.items():
                self.sparse[k].append(v)
            self.n += _rows(dense, sparse)
            return self._views()

    def _whole(self) -> bool:
        """Every buffer holds `n` rows (not so after an append that failed half-way, which
        must not be built on)."""
        return all(r.n == self.n for r in self.dense.values()) and all(
            r.rows() == self.n and r.data.n == r.indices.n == r.indptr.buffer[self.n]
            for r in self.sparse.values()
        )

    def views(self) -> tuple[dict[str, np.ndarray], dict[str, sp.csr_matrix]]:
        with self.lock:
            return self._views()

    def _views(self) -> tuple[dict[str, np.ndarray], dict[str, sp.csr_matrix]]:
        return ({k: r.view() for k, r in self.dense.items()},
                {k: r.view() for k, r in self.sparse.items()})  # fmt: skip


def _rows(dense: dict[str, np.ndarray], sparse: dict[str, sp.csr_matrix]) -> int:
    """The row count of a set of matrices with the same rows."""
    return len(next(iter(dense.values()))) if dense else next(iter(sparse.values())).shape[0]
