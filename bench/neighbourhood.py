"""A pair read in its neighbourhood: properties of the first-stage fit graph of a pool around
each pair, for a second-stage pair fit (measured in `bench/network_rescore.py`; not shipped:
it did not beat the first-stage fit leaving one set out, bench/README.md "Networks, issue 12
seventh pass").

Members of one network of 3–5 are a near-clique: true partners share strong partners. The
first stage (the learned pair scorer, levelled and penalised: `clustering.network_fit`) judges
each pair alone; these features say how the pair sits among the pool's other fits: its
log-odds, its rank in each firm's list, its gap to each firm's best, the neighbours the two
share in their closest `SHARED` and the strength of those shared neighbours, and the best
triangle through the pair. Every feature is a symmetric n × n matrix computed from the fit
alone (no text, no names); neighbours are read from each firm's `NEIGHBOURS` closest matches
only (sparse products), so the cost past the ranking grows with n × `NEIGHBOURS`², not n³.

Pure numpy and scipy; no store.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from matchmaker.grouping import fit_level

# The closest matches of a firm whose overlap with the other firm's is counted.
SHARED = (3, 5)
# The closest matches a firm's shared-neighbour strength and triangles are read over.
NEIGHBOURS = 10

NAMES = (
    "log_odds",
    "log_odds_over_median",
    "rank_best",
    "rank_worst",
    "gap_least",
    "gap_most",
    *(f"shared_{k}" for k in SHARED),
    "shared_strength",
    "triangle",
    "triangle_log_odds",
)


def ranks(fit: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """n × n: the rank of j among i's allowed matches by fit (0: i's best; ties to the lower
    position); pairs not allowed rank last (n)."""
    n = fit.shape[0]
    keyed = np.where(allowed, fit, -np.inf)
    order = np.lexsort((np.broadcast_to(np.arange(n), (n, n)), -keyed), axis=1)
    out = np.empty((n, n), dtype=np.int32)
    np.put_along_axis(out, order, np.arange(n, dtype=np.int32)[None, :], axis=1)
    return np.where(allowed, out, n)


def closest(rank: np.ndarray, k: int) -> np.ndarray:
    """n × n boolean: j is among i's `k` closest allowed matches."""
    return rank < k


def features(fit: np.ndarray, allowed: np.ndarray) -> dict[str, np.ndarray]:
    """The neighbourhood features (`NAMES`) of every pair of a dense pool: `fit` the
    first-stage pair fit (n × n, symmetric, in [0, 1]), `allowed` the pairs that may share a
    network (n × n boolean). Each a float32 n × n matrix, symmetric; read only where allowed."""
    fit = np.where(allowed, np.asarray(fit, dtype=np.float32), 0.0).astype(np.float32)
    n = fit.shape[0]
    lo = fit_level.log_odds(fit).astype(np.float32)
    upper = np.triu(allowed, 1)
    median = float(np.median(lo[upper])) if upper.any() else 0.0
    rank = ranks(fit, allowed)
    best = np.where(allowed, lo, -np.inf).max(axis=1) if n else np.zeros(0)
    best = np.where(np.isfinite(best), best, 0.0).astype(np.float32)
    gap_i = best[:, None] - lo  # how far below i's best the pair reads
    gap_j = gap_i.T
    out = {
        "log_odds": lo,
        "log_odds_over_median": lo - median,
        "rank_best": np.log1p(np.minimum(rank, rank.T)).astype(np.float32),
        "rank_worst": np.log1p(np.maximum(rank, rank.T)).astype(np.float32),
        "gap_least": np.minimum(gap_i, gap_j),
        "gap_most": np.maximum(gap_i, gap_j),
    }
    for k in SHARED:
        near = sparse.csr_matrix(closest(rank, k).astype(np.float32))
        out[f"shared_{k}"] = (near @ near.T).toarray()
    strength, triangle = shared_strength(fit, rank)
    out["shared_strength"] = strength
    out["triangle"] = triangle
    out["triangle_log_odds"] = fit_level.log_odds(np.minimum(triangle, fit)).astype(np.float32)
    return {k: np.asarray(v, dtype=np.float32) for k, v in out.items()}


def shared_strength(fit: np.ndarray, rank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """n × n: over the third firms k among both i's and j's `NEIGHBOURS` closest matches, the
    sum of sqrt(fit_ik × fit_jk) (how strongly the two share partners) and the best
    min(fit_ik, fit_jk) (the best triangle through the pair, before the pair's own fit)."""
    n = fit.shape[0]
    near = closest(rank, NEIGHBOURS)
    root = sparse.csr_matrix(np.where(near, np.sqrt(np.maximum(fit, 0.0)), 0.0), dtype=np.float32)
    strength = (root @ root.T).toarray()
    np.fill_diagonal(strength, 0.0)
    triangle = np.zeros((n, n), dtype=np.float32)
    rows, cols = np.nonzero(near)  # i has k among its closest: (i, k)
    order = np.argsort(cols, kind="stable")
    rows, cols = rows[order], cols[order]
    bounds = np.searchsorted(cols, np.arange(n + 1))
    for k in range(n):
        who = rows[bounds[k] : bounds[k + 1]]
        if who.size < 2:
            continue
        value = fit[who, k]
        pair = np.minimum(value[:, None], value[None, :])
        block = np.ix_(who, who)
        triangle[block] = np.maximum(triangle[block], pair)
    np.fill_diagonal(triangle, 0.0)
    return strength, triangle


def stacked(found: dict[str, np.ndarray], rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """The features of the pairs (rows[t], cols[t]) as a pairs × `NAMES` array."""
    return np.column_stack([found[name][rows, cols] for name in NAMES]).astype(np.float64)
