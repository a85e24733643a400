"""The neighbourhood features of the seventh networks pass (`bench.neighbourhood`, measured in
`bench/network_rescore.py`) read a pair among its pool's other fits: on a synthetic fit matrix
the pairs of a planted clique share neighbours and close a strong triangle, while a lone strong
pair, which fits better than any clique pair, shares none; pairs that may not share a network
are never anyone's neighbour."""

from __future__ import annotations

import numpy as np

from bench import neighbourhood


def planted(n: int = 40, seed: int = 0) -> tuple[np.ndarray, list[int], tuple[int, int]]:
    """Weak random fits, a clique of four at 0.8 and a lone pair at 0.95 whose other fits are
    as weak as the rest."""
    rng = np.random.default_rng(seed)
    fit = rng.uniform(0.01, 0.3, (n, n)).astype(np.float32)
    fit = (fit + fit.T) / 2
    clique, lone = [3, 11, 17, 29], (5, 23)
    for i in clique:
        for j in clique:
            fit[i, j] = 0.8
    fit[lone] = fit[lone[::-1]] = 0.95
    np.fill_diagonal(fit, 0.0)
    return fit, clique, lone


def allowed_all(n: int) -> np.ndarray:
    allowed = np.ones((n, n), dtype=bool)
    np.fill_diagonal(allowed, False)
    return allowed


def test_a_planted_clique_shares_neighbours_and_a_lone_pair_does_not():
    fit, clique, lone = planted()
    found = neighbourhood.features(fit, allowed_all(fit.shape[0]))
    i, j = clique[0], clique[1]
    a, b = lone
    assert found["log_odds"][a, b] > found["log_odds"][i, j]  # the lone pair fits better alone
    assert found["shared_3"][i, j] == 2  # the two other members
    assert found["shared_3"][a, b] == 0
    assert found["triangle"][i, j] > 0.79
    assert found["triangle"][a, b] < 0.31
    assert found["shared_strength"][i, j] > 3 * found["shared_strength"][a, b]
    assert found["rank_best"][a, b] == 0.0 and found["rank_worst"][a, b] == 0.0


def test_features_are_symmetric_and_forbidden_pairs_are_nobodys_neighbour():
    fit, clique, _ = planted(seed=1)
    n = fit.shape[0]
    allowed = allowed_all(n)
    allowed[clique[0], clique[1]] = allowed[clique[1], clique[0]] = False
    found = neighbourhood.features(fit, allowed)
    for name in neighbourhood.NAMES:
        assert np.allclose(found[name], found[name].T, atol=1e-5), name
    ranks = neighbourhood.ranks(fit, allowed)
    assert ranks[clique[0], clique[1]] == n  # ranked last: not a match it may have
    assert found["shared_3"][clique[0], clique[2]] == 1  # clique[3] only, not clique[1]
    rows = np.array([clique[0], clique[2]])
    assert neighbourhood.stacked(found, rows, rows[::-1]).shape == (2, len(neighbourhood.NAMES))
