"""A firm read in its pool: properties of its row of the pool's first-stage fit, for a
firm-level membership model (does the firm have partners in this pool, i.e. belong to some
known network?), measured in `bench/network_membership.py`.

The whole-pool clustering decides membership implicitly (a firm no group takes in stays out);
these features say how a firm's row of the fit (`clustering.network_fit`: levelled, rivals and
same-trade pairs penalised) sits among the pool's other rows: its best fits' log-odds over the
pool's level and median, how far its best fits stand above the pool's other firms' best fits,
how many firms it fits near the level, how many firms have it among their closest matches
(in-degree, hubness), its mutual closest matches, the best triangle through it, and two
structured facts (a knowledge institution; the size by employees, when known). No text, no
names.

Pure numpy; no store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from matchmaker.grouping import fit_level

# The closest matches whose in-degree and mutual counts are read.
TOPS = (3, 5)
# The closest matches a firm's best triangle is read over.
TRIANGLE = 10
# Log-odds below the pool's level within which a fit counts as "near the level".
NEAR = (1.0, 2.0)

NAMES = (
    "best_over_level",
    "second_over_level",
    "third_over_level",
    "best_over_median",
    "best_gap_4th",
    "best_percentile",
    *(f"near_level_{d:g}" for d in NEAR),
    *(f"in_top_{k}" for k in TOPS),
    *(f"mutual_top_{k}" for k in TOPS),
    "triangle_over_level",
    "knowledge",
    "log_employees",
)


def ranked(fit: np.ndarray, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each firm's allowed matches by fit: (n × n order of positions, best first; n × n
    log-odds in that order, −inf past the allowed ones). Ties go to the lower position."""
    n = fit.shape[0]
    lo = np.where(allowed, fit_level.log_odds(fit), -np.inf)
    order = np.lexsort((np.broadcast_to(np.arange(n), (n, n)), -lo), axis=1)
    return order, np.take_along_axis(lo, order, axis=1)


def features(
    fit: np.ndarray, allowed: np.ndarray, profiles: Sequence[Mapping] | None = None
) -> np.ndarray:
    """The membership features (`NAMES`) of every firm of a dense pool: `fit` the pair fit
    (n × n, symmetric, in [0, 1]), `allowed` the pairs that may share a network (n × n
    boolean), `profiles` the firms in order (for the structured facts; None: zeros).
    Returns an n × len(NAMES) float64 array; a firm with no allowed match reads the pool's
    floor on every fit feature."""
    fit = np.asarray(fit, dtype=np.float64)
    allowed = np.asarray(allowed, dtype=bool)
    n = fit.shape[0]
    upper = np.triu(allowed, 1)
    pair_lo = fit_level.log_odds(fit[upper]) if upper.any() else np.zeros(1)
    level = float(np.quantile(pair_lo, fit_level.LEVEL_QUANTILE))
    median = float(np.median(pair_lo))
    floor = float(pair_lo.min())
    order, lo = ranked(fit, allowed)
    lo = np.where(np.isfinite(lo), lo, floor)
    width = max(n - 1, 1)
    best = [lo[:, min(k, width - 1)] if n > 1 else np.full(n, floor) for k in range(4)]
    percentile = (best[0].argsort().argsort() / max(n - 1, 1)).astype(np.float64)
    full = np.where(allowed, fit_level.log_odds(fit), -np.inf)
    near = [(full >= level - d).sum(axis=1) for d in NEAR]
    out = [best[0] - level, best[1] - level, best[2] - level, best[0] - median,
           best[0] - best[3], percentile, *near]  # fmt: skip
    counted = np.isfinite(np.take_along_axis(full, order, axis=1))
    for k in TOPS:
        top = np.zeros((n, n), dtype=bool)
        rows = np.repeat(np.arange(n), min(k, n))
        cols = order[:, :k].ravel()
        top[rows, cols] = counted[:, :k].ravel()
        out.append(top.sum(axis=0))  # in-degree: how many firms have it among their k closest
    for k in TOPS:
        top = np.zeros((n, n), dtype=bool)
        top[np.repeat(np.arange(n), min(k, n)), order[:, :k].ravel()] = counted[:, :k].ravel()
        out.append((top & top.T).sum(axis=1))
    out.append(triangles(fit, allowed, order, counted) - level)
    kinds = [(p or {}).get("kind") for p in profiles] if profiles else [None] * n
    out.append(np.array([k == "knowledge_institution" for k in kinds], dtype=np.float64))
    out.append(np.array([employees(p) for p in profiles] if profiles else np.zeros(n)))
    return np.column_stack(out).astype(np.float64)


def triangles(
    fit: np.ndarray, allowed: np.ndarray, order: np.ndarray, counted: np.ndarray
) -> np.ndarray:
    """Each firm's best triangle among its `TRIANGLE` closest matches: the largest, over two
    of them j and k that may share a network, of the least log-odds of the three pairs."""
    n = fit.shape[0]
    lo = fit_level.log_odds(fit)
    out = np.full(n, float(lo[np.triu(allowed, 1)].min()) if np.triu(allowed, 1).any() else 0.0)
    for i in range(n):
        near = order[i, :TRIANGLE][counted[i, :TRIANGLE]]
        if near.size < 2:
            continue
        edge = np.minimum(lo[i, near][:, None], lo[i, near][None, :])
        edge = np.minimum(edge, lo[np.ix_(near, near)])
        edge = np.where(allowed[np.ix_(near, near)], edge, -np.inf)
        np.fill_diagonal(edge, -np.inf)
        found = edge.max()
        if np.isfinite(found):
            out[i] = found
    return out


def employees(profile: Mapping | None) -> float:
    """log(1 + employees), 0 when not known."""
    value = (profile or {}).get("employees")
    try:
        return float(np.log1p(max(float(value), 0.0)))
    except (TypeError, ValueError):
        return 0.0
