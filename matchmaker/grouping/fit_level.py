"""The level of a pool's pair fits: how high the learned fit of its best pairs runs.

The pair scorer reads text written by the team's writers more confidently than text someone
else wrote: on another writer's pool every fit's log-odds runs lower (or higher), and a link
on the fits, even one relative to each firm's best match, then cuts the pool into fewer (or
more) groups. Before a whole pool is clustered its fits are therefore moved, in log-odds, so
that the pool's best pairs (the `LEVEL_QUANTILE` quantile of the log-odds of the pairs that
may share a network) read at `FIT_LEVEL`, the level at which the pair scorer reads a labelled
set it was not fitted on. The networks of a pool are then the same however high its fits run
overall; leaving one labelled set out (its level set to the two others') this kept pairwise
F1 at the level of the fits as scored where the unlevelled clustering lost it, with the fits
lowered or raised (bench/network_loso.py --cluster --level 0 1 --shifts 0 -1 1,
bench/README.md "Networks, issue 12 fifth pass").

Pure numpy; no store.
"""

from __future__ import annotations

import numpy as np

# The quantile of a pool's pair log-odds that is its level (0.99: about the best pair of each
# firm, the pairs networks are made of; chosen leaving one labelled set out among 0.9–0.999,
# the median best fit and the mean of the best three).
LEVEL_QUANTILE = 0.99
# Log-odds at that quantile of each labelled set (dev, train, rivals) scored by a pair scorer
# fitted on the two others: 3.56, 3.48, 3.81; their mean (bench/network_loso.py --levels).
FIT_LEVEL = 3.62
# Fits are clipped to this distance from 0 and 1 before their log-odds are taken.
EPSILON = 1e-4


def log_odds(fit: np.ndarray) -> np.ndarray:
    """The log-odds of fits in [0, 1] (clipped to [`EPSILON`, 1 − `EPSILON`])."""
    p = np.clip(np.asarray(fit, dtype=np.float64), EPSILON, 1 - EPSILON)
    return np.log(p) - np.log1p(-p)


def shifted(fit: np.ndarray, shift: float) -> np.ndarray:
    """`fit` (n × n) with every pair's log-odds moved by `shift` (0: unchanged); the diagonal
    stays 0 (float32)."""
    if not shift:
        return np.asarray(fit, dtype=np.float32)
    out = (1.0 / (1.0 + np.exp(-(log_odds(fit) + shift)))).astype(np.float32)
    np.fill_diagonal(out, 0.0)
    return out


def pool_level(fit: np.ndarray, allowed: np.ndarray) -> float | None:
    """The `LEVEL_QUANTILE` quantile of the log-odds of the pairs `allowed` (n × n boolean,
    read above the diagonal); None for a pool with no such pair."""
    upper = np.triu(np.asarray(allowed, dtype=bool), 1)
    if not upper.any():
        return None
    return float(np.quantile(log_odds(np.asarray(fit)[upper]), LEVEL_QUANTILE))


def level_shift(fit: np.ndarray, allowed: np.ndarray, level: float = FIT_LEVEL) -> float:
    """The log-odds shift that brings the pool's level (`pool_level`) to `level` (0 for a pool
    with no allowed pair)."""
    found = pool_level(fit, allowed)
    return 0.0 if found is None else level - found
