"""The firm features of the eighth networks pass (`bench.membership`, measured in
`bench/network_membership.py`) read a firm's row of its pool's fit: on a synthetic fit matrix
the members of planted cliques fit above the pool's level, are among each other's closest
matches and close strong triangles, while isolated firms whose fits are all weak do none of
this; pairs that may not share a network count for nothing."""

from __future__ import annotations

import numpy as np

from bench import membership


def planted(n: int = 60, seed: int = 0) -> tuple[np.ndarray, list[list[int]], list[int]]:
    """Weak random fits, three cliques of four at 0.8 and the rest isolated firms."""
    rng = np.random.default_rng(seed)
    fit = rng.uniform(0.01, 0.3, (n, n)).astype(np.float32)
    fit = (fit + fit.T) / 2
    cliques = [[2, 9, 17, 40], [5, 23, 31, 55], [11, 12, 47, 58]]
    for clique in cliques:
        for i in clique:
            for j in clique:
                fit[i, j] = 0.8
    np.fill_diagonal(fit, 0.0)
    members = {x for c in cliques for x in c}
    return fit, cliques, [i for i in range(n) if i not in members]


def allowed_all(n: int) -> np.ndarray:
    allowed = np.ones((n, n), dtype=bool)
    np.fill_diagonal(allowed, False)
    return allowed


def column(x: np.ndarray, name: str) -> np.ndarray:
    return x[:, membership.NAMES.index(name)]


def test_clique_members_read_as_members_and_isolated_firms_do_not():
    fit, cliques, isolated = planted()
    x = membership.features(fit, allowed_all(fit.shape[0]))
    assert x.shape == (fit.shape[0], len(membership.NAMES))
    members = [i for c in cliques for i in c]
    for name in ("best_over_level", "third_over_level", "best_percentile", "triangle_over_level"):
        assert column(x, name)[members].min() > column(x, name)[isolated].max(), name
    assert (column(x, "mutual_top_3")[members] == 3).all()  # the three other members
    assert column(x, "mutual_top_3")[isolated].mean() < 2  # random fits: few mutual matches
    assert column(x, "in_top_3")[members].min() >= 3
    assert column(x, "in_top_3")[isolated].mean() < 3
    # 18 clique pairs of 1,770: the pool's level (its 0.99 quantile) falls under them
    assert (column(x, "best_over_level")[members] > 0).all()
    assert (column(x, "best_over_level")[isolated] < 0).all()


def test_forbidden_pairs_count_for_nothing_and_facts_are_read():
    fit, cliques, _ = planted(seed=1)
    n = fit.shape[0]
    allowed = allowed_all(n)
    a, b = cliques[0][0], cliques[0][1]
    for other in cliques[0][1:]:  # a may share a network with none of its clique
        allowed[a, other] = allowed[other, a] = False
    profiles = [{"kind": "company", "employees": 9} for _ in range(n)]
    profiles[a] = {"kind": "knowledge_institution", "employees": None}
    x = membership.features(fit, allowed, profiles)
    rest = [i for c in cliques for i in c if i != a]
    for name in ("best_over_level", "second_over_level", "triangle_over_level"):
        assert column(x, name)[a] < column(x, name)[rest].min(), name
    assert (column(x, "mutual_top_3")[cliques[0][1:]] >= 2).all()  # the two others still
    assert column(x, "knowledge")[a] == 1.0 and column(x, "knowledge")[b] == 0.0
    assert column(x, "log_employees")[a] == 0.0
    assert np.isclose(column(x, "log_employees")[b], np.log(10))
