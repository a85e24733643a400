"""Property tests of the network optimiser on synthetic problems (no store, no model).

Random pair scores, forbidden pairs, knowledge institutions, firms that may not be placed,
locked groups, size bounds and counts: whatever the problem, no forbidden pair shares a
network, sizes stay in bounds, locked groups stay whole, every firm is placed once or reported
unplaced, and the same seed gives the same answer. The same properties hold for a sparse pool
(a candidate graph with estimates, settled exactly at the end).
"""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matchmaker.grouping.optimiser import (
    MAX_KNOWLEDGE_INSTITUTIONS,
    Problem,
    form_networks,
    group_score,
)
from matchmaker.grouping.pool import PairTable, PoolScores


def dense_scores(rng: np.random.Generator, n: int) -> PoolScores:
    cover = rng.random((n, n)).astype(np.float32)
    similar = rng.random((n, n)).astype(np.float32)
    similar = (similar + similar.T) / 2
    np.fill_diagonal(cover, 0.0)
    np.fill_diagonal(similar, 0.0)
    return PoolScores(cover, similar)


def sparse_scores(dense: PoolScores, k: int) -> PoolScores:
    """The same pool as a candidate graph: each firm's k best partners held, the rest read as
    a row's median until `settle` looks them up."""
    n = dense.n
    fit = dense.pair.copy()
    np.fill_diagonal(fit, -1.0)
    neighbours = np.argsort(-fit, axis=1, kind="stable")[:, : min(k, n - 1)]
    typical = np.median(dense.pair, axis=1).tolist()
    pair = PairTable(lambda i, j: min(typical[i], typical[j]))
    cover = PairTable(lambda i, j: typical[i])
    similar = PairTable(lambda i, j: 0.0)
    for i, row in enumerate(neighbours.tolist()):
        for j in row:
            pair[i, j] = pair[j, i] = float(dense.pair[i, j])
            cover[i, j], cover[j, i] = float(dense.cover[i, j]), float(dense.cover[j, i])

    def exact(left, right):
        return SimpleNamespace(
            fit=dense.pair[left, right], cover=dense.cover[left, right],
            back=dense.cover[right, left], similar=dense.similar[left, right],
        )  # fmt: skip

    return PoolScores(cover, similar, set(), pair, neighbours=neighbours, scorer=exact)


@st.composite
def problems(draw):
    n = draw(st.integers(2, 16))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    min_size = draw(st.integers(2, 4))
    max_size = draw(st.integers(min_size, 5))
    all_pairs = list(itertools.combinations(range(n), 2))
    forbidden = set(draw(st.lists(st.sampled_from(all_pairs), max_size=len(all_pairs) // 2)))
    knowledge = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    placeable = np.array(
        draw(st.lists(st.booleans(), min_size=n, max_size=n).filter(lambda v: sum(v) >= 1)),
        dtype=bool,
    )
    # Locked groups as a facilitator may send them (the request validator refuses the rest):
    # disjoint, within max_size, no forbidden pair, at most two knowledge institutions.
    locked, used = [], set()
    for _ in range(draw(st.integers(0, 2))):
        free = [i for i in range(n) if i not in used]
        if not free:
            break
        group = draw(st.lists(st.sampled_from(free), min_size=1, max_size=max_size, unique=True))
        if any((min(a, b), max(a, b)) in forbidden for a, b in itertools.combinations(group, 2)):
            continue
        if sum(bool(knowledge[i]) for i in group) > MAX_KNOWLEDGE_INSTITUTIONS:
            continue
        locked.append(group)
        used |= set(group)
    count = draw(st.none() | st.integers(1, 4))
    sparse = draw(st.booleans())
    scores = dense_scores(rng, n)
    if sparse:
        scores = sparse_scores(scores, k=draw(st.integers(1, 6)))
    problem = Problem(scores, knowledge, forbidden, placeable, locked)
    return problem, {"count": count, "min_size": min_size, "max_size": max_size}


def check(problem: Problem, found, bounds: dict) -> None:
    groups = found.groups
    flat = [i for g in groups for i in g]
    assert len(flat) == len(set(flat)), "a firm placed twice"
    locked_firms = {i for g in problem.locked for i in g}
    for g in groups:
        for a, b in itertools.combinations(g, 2):
            assert (min(a, b), max(a, b)) not in problem.forbidden, (g, a, b)
        assert sum(bool(problem.knowledge[i]) for i in g) <= MAX_KNOWLEDGE_INSTITUTIONS
        assert len(g) <= bounds["max_size"]
        # Only a facilitator's locked group may stay below min_size (it is never dissolved).
        assert len(g) >= bounds["min_size"] or set(g) & locked_firms, g
        assert all(problem.placeable[i] or i in locked_firms for i in g)
    for lock in problem.locked:  # locked members kept, and kept together
        homes = {k for k, g in enumerate(groups) if set(lock) & set(g)}
        assert len(homes) == 1 and set(lock) <= set(groups[homes.pop()]), (lock, groups)
    # Whoever could be placed and was not is reported, not silently dropped.
    placed = set(flat)
    expected = [i for i in range(problem.scores.n) if problem.placeable[i] and i not in placed]
    assert found.unplaced == expected
    if bounds["count"] is not None:
        assert len(groups) <= max(bounds["count"], len(problem.locked))
    assert len(found.scores) == len(groups)
    for g, value in zip(groups, found.scores, strict=True):
        assert value == pytest.approx(group_score(found.pool, g), abs=1e-6)


@settings(max_examples=250, deadline=None)
@given(case=problems(), seed=st.integers(0, 2**31 - 1))
def test_the_optimiser_keeps_every_hard_constraint(case, seed):
    problem, bounds = case
    found = form_networks(problem, seed=seed, **bounds)
    check(problem, found, bounds)


@settings(max_examples=80, deadline=None)
@given(case=problems(), seed=st.integers(0, 2**31 - 1))
def test_the_same_seed_gives_the_same_networks(case, seed):
    problem, bounds = case
    first = form_networks(problem, seed=seed, **bounds)
    again = form_networks(problem, seed=seed, **bounds)
    assert first.groups == again.groups
    assert first.scores == again.scores and first.unplaced == again.unplaced


@settings(max_examples=60, deadline=None)
@given(n=st.integers(3, 14), seed=st.integers(0, 2**16))
def test_a_sparse_pool_settles_to_the_exact_scores(n, seed):
    """A sparse pool's networks carry the scores the full matrices give for them."""
    dense = dense_scores(np.random.default_rng(seed), n)
    problem = Problem(sparse_scores(dense, 2), np.zeros(n, bool), set(), np.ones(n, bool))
    found = form_networks(problem, seed=seed, min_size=3, max_size=5)
    assert found.groups, "a pool of 3+ compatible firms forms a network"
    for g, value in zip(found.groups, found.scores, strict=True):
        assert value == pytest.approx(group_score(dense, g), abs=1e-6)


def test_a_firm_forbidden_with_everyone_is_reported_unplaced():
    n = 7
    dense = dense_scores(np.random.default_rng(1), n)
    forbidden = {(0, j) for j in range(1, n)}
    problem = Problem(dense, np.zeros(n, bool), forbidden, np.ones(n, bool))
    found = form_networks(problem, min_size=3, max_size=3)
    assert 0 in found.unplaced and all(0 not in g for g in found.groups)
    assert sorted(i for g in found.groups for i in g) == list(range(1, n))


def test_three_knowledge_institutions_never_share_a_network():
    n = 6
    dense = dense_scores(np.random.default_rng(2), n)
    knowledge = np.array([True, True, True, False, False, False])
    problem = Problem(dense, knowledge, set(), np.ones(n, bool))
    found = form_networks(problem, min_size=3, max_size=6, count=1)
    assert found.groups and all(sum(knowledge[g]) <= 2 for g in found.groups)
