"""A sparse pool's held pairs as arrays (`grouping.held.HeldPairs`) and the compiled reads the
local search makes of them: on random candidate graphs, the tables read each listed pair both
ways and estimate the rest, every group score equals `group_score` over the tables exactly
(bit for bit, not approximately), every fit block equals the tables' fits, and the optimiser
proposes the same networks with the compiled reads as without them; its hard constraints hold
on such pools too."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_optimiser_properties import check

from matchmaker.grouping import optimiser
from matchmaker.grouping.optimiser import SCORE_WEIGHTS, Problem, form_networks, group_score
from matchmaker.grouping.pool import PoolScores, graph_pool
from matchmaker.matching.candidates import CandidateGraph


def random_graph(rng: np.random.Generator, n: int, k: int) -> CandidateGraph:
    """A candidate graph over n firms with symmetric fits and directed covers: each row lists
    up to k partners, best first (some rows shorter, -1 pads), typical values for the rest."""
    fit = rng.random((n, n)).astype(np.float32)
    fit = (fit + fit.T) / 2
    cover = rng.random((n, n)).astype(np.float32)
    neighbours = np.full((n, k), -1, dtype=np.intp)
    pair, met, back = (np.zeros((n, k), dtype=np.float32) for _ in range(3))
    for i in range(n):
        others = [j for j in range(n) if j != i]
        chosen = rng.choice(others, size=int(rng.integers(0, min(k, n - 1) + 1)), replace=False)
        chosen = sorted(chosen.tolist(), key=lambda j: -fit[i, j])
        for r, j in enumerate(chosen):
            neighbours[i, r], pair[i, r] = j, fit[i, j]
            met[i, r], back[i, r] = cover[i, j], cover[j, i]
    typical = rng.random((2, n)).astype(np.float32) / 2
    return CandidateGraph(list(range(n)), neighbours, pair, met, back, np.zeros((0, 2), np.intp),
                          typical[0], typical[1])  # fmt: skip


def exact(left, right):  # settle is not what these tests look at
    raise AssertionError("not settled here")


@settings(max_examples=120, deadline=None)
@given(n=st.integers(2, 30), k=st.integers(1, 8), seed=st.integers(0, 2**32 - 1),
       data=st.data())  # fmt: skip
def test_compiled_group_scores_equal_group_score_exactly(n, k, seed, data):
    rng = np.random.default_rng(seed)
    pool = graph_pool(random_graph(rng, n, k), exact)
    groups = data.draw(
        st.lists(
            st.lists(st.integers(0, n - 1), min_size=0, max_size=min(n, 7), unique=True),
            min_size=1,
            max_size=20,
        )  # fmt: skip
    )
    found = pool.held.group_scores(groups, SCORE_WEIGHTS).tolist()
    assert found == [group_score(pool, g) for g in groups]  # the same floats, not approximately


@settings(max_examples=80, deadline=None)
@given(n=st.integers(2, 30), k=st.integers(1, 8), seed=st.integers(0, 2**32 - 1),
       data=st.data())  # fmt: skip
def test_compiled_fit_blocks_equal_the_tables_reads(n, k, seed, data):
    pool = graph_pool(random_graph(np.random.default_rng(seed), n, k), exact)
    rows = data.draw(st.lists(st.integers(0, n - 1), max_size=8))
    cols = data.draw(st.lists(st.integers(0, n - 1), max_size=8))
    expected = np.array([[pool.pair[i, j] for j in cols] for i in rows], dtype=np.float32)
    assert np.array_equal(pool.held.fit_block(rows, cols), expected.reshape(len(rows), len(cols)))


@settings(max_examples=80, deadline=None)
@given(n=st.integers(2, 30), k=st.integers(1, 8), seed=st.integers(0, 2**32 - 1),
       data=st.data())  # fmt: skip
def test_compiled_swap_ranking_is_the_ranking_of_the_tables_fits(n, k, seed, data):
    """The local search ranks swap partners of x by how much better their fits with the rest
    of x's network sum than x's (float32, the tables' reads): the compiled ranking keeps the
    same outsiders in the same order, ties in their given order."""
    pool = graph_pool(random_graph(np.random.default_rng(seed), n, k), exact)
    x = data.draw(st.integers(0, n - 1))
    rest = data.draw(st.lists(st.integers(0, n - 1).filter(lambda j: j != x), max_size=7))
    outsiders = data.draw(st.lists(st.integers(0, n - 1), max_size=12, unique=True))
    fit = np.array([[pool.pair[i, j] for j in rest] for i in [x, *outsiders]], dtype=np.float32)
    gain = fit[1:].reshape(len(outsiders), len(rest)).sum(axis=1, dtype=np.float32)
    gain -= fit[0].sum(dtype=np.float32)
    expected = sorted((a for a in range(len(outsiders)) if gain[a] > 0), key=lambda a: -gain[a])
    assert pool.held.swap_order(x, outsiders, rest) == expected


def test_the_tables_hold_each_listed_pair_both_ways_and_estimate_the_rest():
    """The pool's tables read every listed pair as the graph lists it (fit both ways, cover
    from each side: the neighbour's `cover_back`), other pairs as the typical estimates."""
    rng = np.random.default_rng(7)
    graph = random_graph(rng, 40, 6)
    pool = graph_pool(graph, exact)
    expected_pair, expected_cover = {}, {}
    for i, row in enumerate(graph.neighbours.tolist()):
        for r, j in enumerate(row):
            if j >= 0:
                expected_pair[i, j] = expected_pair[j, i] = float(graph.pair[i, r])
                expected_cover[i, j] = float(graph.cover[i, r])
                expected_cover[j, i] = float(graph.cover_back[i, r])
    held = pool.held
    entries = {(i, int(j)) for i in range(40)
               for j in held.cols[held.indptr[i] : held.indptr[i + 1]]}  # fmt: skip
    assert entries == set(expected_pair) == set(expected_cover)
    typical_pair, typical_cover = graph.typical_pair.tolist(), graph.typical_cover.tolist()
    for i, j in itertools.product(range(40), repeat=2):
        pair = expected_pair.get((i, j), min(typical_pair[i], typical_pair[j]))
        assert pool.pair[i, j] == pair and pool.cover[i, j] == expected_cover.get(
            (i, j), typical_cover[i]
        )
        assert pool.pair.get((i, j)) == expected_pair.get((i, j))
    settled = pool.settle([])
    assert settled.pair[0, 1] == min(typical_pair[0], typical_pair[1]) and not dict(settled.pair)


@st.composite
def graph_problems(draw):
    n = draw(st.integers(3, 24))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    min_size = draw(st.integers(2, 4))
    max_size = draw(st.integers(min_size, 5))
    pairs = list(itertools.combinations(range(n), 2))
    forbidden = set(draw(st.lists(st.sampled_from(pairs), max_size=len(pairs) // 3)))
    knowledge = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    pool = graph_pool(random_graph(rng, n, draw(st.integers(1, 8))), exact)
    problem = Problem(pool, knowledge, forbidden, np.ones(n, dtype=bool))
    count = draw(st.none() | st.integers(1, 4))
    return problem, {"count": count, "min_size": min_size, "max_size": max_size}


def searched(problem: Problem, seed: int, bounds: dict, *, compiled: bool):
    """The optimiser's networks before settling (`settle` would judge pairs exactly)."""
    scores = problem.scores
    scores.held = scores.held if compiled else None
    scores.settle = lambda groups: scores
    return form_networks(problem, seed=seed, **bounds)


@settings(max_examples=100, deadline=None)
@given(case=graph_problems(), seed=st.integers(0, 2**31 - 1))
def test_the_search_with_compiled_reads_finds_the_same_networks(case, seed):
    problem, bounds = case
    held = problem.scores.held
    fast = searched(problem, seed, bounds, compiled=True)
    check(problem, fast, bounds)
    problem.scores.held = held
    plain = searched(problem, seed, bounds, compiled=False)
    assert fast.groups == plain.groups and fast.unplaced == plain.unplaced
    assert fast.scores == plain.scores


def test_an_empty_batch_and_tiny_groups_score_zero():
    pool = graph_pool(random_graph(np.random.default_rng(3), 5, 2), exact)
    assert pool.held.group_scores([], SCORE_WEIGHTS).size == 0
    assert pool.held.group_scores([[], [2]], SCORE_WEIGHTS).tolist() == [0.0, 0.0]
    assert pool.held.group_scores([[1, 3]], SCORE_WEIGHTS)[0] == pytest.approx(
        group_score(pool, [1, 3]), abs=0
    )


@settings(max_examples=100, deadline=None)
@given(case=graph_problems(), seed=st.integers(0, 2**31 - 1), sparse=st.booleans())
def test_options_weighed_at_once_choose_as_one_by_one(case, seed, sparse):
    """The local search's moves weighed with numpy pick the move the one-by-one loop picks:
    the same networks and scores, on graph pools and on dense ones."""
    problem, bounds = case
    if not sparse:
        n = problem.scores.n
        fit = np.array([[problem.scores.pair[i, j] for j in range(n)] for i in range(n)])
        cover = np.array([[problem.scores.cover[i, j] for j in range(n)] for i in range(n)])
        problem.scores = PoolScores(cover.astype(np.float32), np.zeros((n, n), np.float32),
                                    set(), fit.astype(np.float32))  # fmt: skip
    settle = problem.scores.settle
    problem.scores.settle = lambda groups: problem.scores
    fast = form_networks(problem, seed=seed, **bounds)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(optimiser._Search, "_best_option", optimiser._Search._best_option_each)
        plain = form_networks(problem, seed=seed, **bounds)
    problem.scores.settle = settle
    assert fast.groups == plain.groups and fast.scores == plain.scores
    assert fast.unplaced == plain.unplaced
