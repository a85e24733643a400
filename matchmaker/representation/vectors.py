"""The vectors of a set of profiles, per text part and representation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp


@dataclass
class ProfileVectors:
    """Vectors of a set of profiles: per text part the model and lexical matrix, plus structured."""

    ids: list
    dense: dict[str, np.ndarray]
    sparse: dict[str, sp.csr_matrix]
    structured: sp.csr_matrix
    _transposed: dict = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, rows: Sequence[int]) -> ProfileVectors:
        """The vectors of the given row positions."""
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size == 1:  # a slice is much cheaper than fancy indexing of sparse rows
            rows = slice(int(rows[0]), int(rows[0]) + 1)
            ids = self.ids[rows]
        else:
            ids = [self.ids[i] for i in rows]
        return ProfileVectors(
            ids=ids,
            dense={p: m[rows] for p, m in self.dense.items()},
            sparse={p: m[rows] for p, m in self.sparse.items()},
            structured=self.structured[rows],
        )

    @staticmethod
    def concat(parts: Sequence[ProfileVectors]) -> ProfileVectors:
        """Rows of several vector sets, in order."""
        first = parts[0]
        return ProfileVectors(
            ids=[i for p in parts for i in p.ids],
            dense={k: np.vstack([p.dense[k] for p in parts]) for k in first.dense},
            sparse={k: sp.vstack([p.sparse[k] for p in parts], format="csr") for k in first.sparse},
            structured=sp.vstack([p.structured for p in parts], format="csr"),
        )

    def sparse_t(self, part: str) -> sp.csr_matrix:
        """Transposed lexical matrix of a part (term × profile), kept for fast query dots."""
        if part not in self._transposed:
            self._transposed[part] = self.sparse[part].T.tocsr()
        return self._transposed[part]

    def block(self, part: str, columns: tuple[int, int]) -> tuple[sp.csr_matrix, np.ndarray]:
        """One lexical block of a part (rows × its columns) and each row's norm in it."""
        key = (part, columns)
        if key not in self._transposed:
            m = self.sparse[part][:, columns[0] : columns[1]].tocsr()
            norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel()).astype(np.float32)
            self._transposed[key] = (m, norms, None)
        m, norms, _ = self._transposed[key]
        return m, norms

    def block_t(self, part: str, columns: tuple[int, int]) -> sp.csr_matrix:
        """The transposed block (columns × rows), kept for fast query dots."""
        self.block(part, columns)
        m, norms, mt = self._transposed[(part, columns)]
        if mt is None:
            mt = m.T.tocsr()
            self._transposed[(part, columns)] = (m, norms, mt)
        return mt

    def structured_t(self) -> sp.csr_matrix:
        """Transposed structured matrix (category × profile), kept for fast query dots."""
        if "structured" not in self._transposed:
            self._transposed["structured"] = self.structured.T.tocsr()
        return self._transposed["structured"]
