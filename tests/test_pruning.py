"""Weak members out of whole-pool networks: properties on synthetic pools, and the API."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matchmaker.grouping.optimiser import Problem, form_networks
from matchmaker.grouping.pool import PoolScores
from matchmaker.grouping.pruning import member_fit, prune_weak


def pool_of(seed: int, n: int) -> PoolScores:
    rng = np.random.default_rng(seed)
    cover = rng.random((n, n)).astype(np.float32)
    similar = rng.random((n, n)).astype(np.float32)
    similar = (similar + similar.T) / 2
    np.fill_diagonal(cover, 0.0)
    np.fill_diagonal(similar, 0.0)
    return PoolScores(cover, similar)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(6, 24),
    bar=st.floats(0.0, 1.0),
    locked=st.booleans(),
)
def test_pruned_networks_keep_only_members_that_fit(seed, n, bar, locked):
    scores = pool_of(seed, n)
    held = [0, 1] if locked else []
    problem = Problem(scores, np.zeros(n, bool), set(), np.ones(n, bool), [held] if held else [])
    grouping = form_networks(problem, count=None, min_size=3, max_size=5, seed=seed)
    pruned, out = prune_weak(grouping, 3, keep=held, bar=bar)
    placed = [i for g in pruned.groups for i in g]
    # Every firm is in one network or reported, never both, never twice.
    assert len(placed) == len(set(placed))
    assert set(placed).isdisjoint(pruned.unplaced)
    assert set(placed) | set(pruned.unplaced) == set(range(n))
    assert set(out) <= set(pruned.unplaced)
    for members in pruned.groups:
        assert len(members) >= 3 or set(held) & set(members)
        free = [i for i in members if i not in held]
        assert (
            all(member_fit(pruned.pool, members, i) >= bar for i in free)
            or not free
            or (len(members) <= 1)
        )
    # Locked firms are never taken out; a bar of 0 takes out nobody.
    assert not set(held) & set(out)
    if bar == 0.0:
        assert out == []


def test_a_firm_that_fits_nobody_is_reported_not_forced_in():
    # Three firms that fit each other, and a fourth that fits none of them.
    pair = np.array(
        [[0, 0.9, 0.9, 0.1], [0.9, 0, 0.9, 0.1], [0.9, 0.9, 0, 0.1], [0.1, 0.1, 0.1, 0]],
        dtype=np.float32,
    )
    scores = PoolScores(pair.copy(), pair.copy(), set(), pair.copy())
    problem = Problem(scores, np.zeros(4, bool), set(), np.ones(4, bool), [])
    grouping = form_networks(problem, count=None, min_size=3, max_size=5, seed=0)
    assert sorted(i for g in grouping.groups for i in g) == [0, 1, 2, 3]
    pruned, out = prune_weak(grouping, 3)
    assert out == [3]
    assert [sorted(g) for g in pruned.groups] == [[0, 1, 2]]
