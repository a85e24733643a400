"""Cached sentence vectors, keyed by a hash of model id and text."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_CHUNK = 500


def read(db, model: str, dim: int, keys: Sequence[str]) -> dict[str, np.ndarray]:
    """The cached vectors of `keys` for `model` (those of another dimension are skipped)."""
    found = {}
    for s in range(0, len(keys), _CHUNK):
        chunk = list(keys[s : s + _CHUNK])
        marks = ",".join("?" * len(chunk))
        for key, d, blob in db.execute(
            f"SELECT key, dim, vector FROM vectors WHERE model = ? AND key IN ({marks})",
            [model, *chunk],
        ):
            if d == dim:
                found[key] = np.frombuffer(blob, dtype=np.float32)
    return found


def write(db, model: str, dim: int, keys: Sequence[str], vectors: np.ndarray) -> None:
    """Store vectors under their keys, in one transaction."""
    rows = [
        {"key": k, "model": model, "dim": dim, "vector": v.tobytes()}
        for k, v in zip(keys, vectors.astype(np.float32), strict=False)
    ]
    with db.atomic():
        db["vectors"].upsert_all(rows, pk="key")


def copy_all(source, target) -> None:
    """Copy every cached vector of one store into another (benchmarks and training share
    the vectors computed once)."""
    rows = source.execute("SELECT key, model, dim, vector FROM vectors").fetchall()
    with target.atomic():
        target["vectors"].upsert_all(
            [dict(zip(("key", "model", "dim", "vector"), r, strict=True)) for r in rows], pk="key"
        )
