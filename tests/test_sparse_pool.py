"""Large pools as a sparse candidate graph: the same pair scores as the dense pool where both
hold a pair, every competitor pair known, and networks through the API that keep every hard
constraint. The graph is forced on the small test pool by lowering the dense limit."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from test_networks import (
    FIRMS,
    assert_hard_constraints,
    assert_primed_as_each,
    propose,
    register,
)

from matchmaker import matching
from matchmaker.grouping import clustering, networks, pool
from matchmaker.matching import candidates, pairwise, scoring


@pytest.fixture
def small_dense_limit(monkeypatch):
    monkeypatch.setattr(matching, "MAX_POOL", 4)


def test_the_graph_holds_the_dense_scores_of_its_pairs(client, db):
    register(client)
    index = matching.match_index(db)
    ids = sorted(index.row_)
    dense = networks.pool_scores(index, ids)
    graph = matching.candidate_graph(index, ids, k=5, workers=2)
    n = len(ids)
    assert graph.neighbours.shape == (n, 5) and graph.ids == ids
    for i in range(n):
        row = [j for j in graph.neighbours[i].tolist() if j >= 0]
        assert i not in row and len(row) == len(set(row))
        # the k best by pair fit among the non-competitors, best first
        allowed = [j for j in range(n) if j != i and (min(i, j), max(i, j)) not in
                   dense.competitor]  # fmt: skip
        best = sorted(allowed, key=lambda j: -dense.pair[i, j])[:5]
        assert np.allclose(sorted(dense.pair[i, row]), sorted(dense.pair[i, best]), atol=1e-5)
        for r, j in enumerate(row):
            assert graph.pair[i, r] == pytest.approx(dense.pair[i, j], abs=1e-5)
            assert graph.cover[i, r] == pytest.approx(dense.cover[i, j], abs=1e-5)
            assert graph.cover_back[i, r] == pytest.approx(dense.cover[j, i], abs=1e-5)
    rivals = {tuple(p) for p in graph.competitor.tolist()}
    assert rivals == dense.competitor and rivals  # FIRMS holds two rival pairs


def test_a_sparse_pool_settles_to_the_dense_scores(client, db, small_dense_limit):
    register(client)
    index = matching.match_index(db)
    ids = sorted(index.row_)
    sparse = pool.pool_scores(index, ids)
    assert sparse.sparse and sparse.competitor
    dense = pool.PoolScores(*_dense_parts(index, ids))
    groups = [list(range(0, 4)), list(range(6, 11))]
    settled = sparse.settle(groups)
    for g in groups:
        assert networks.group_score(settled, g) == pytest.approx(
            networks.group_score(dense, g), abs=1e-5
        )
        for i, j in itertools.permutations(g, 2):
            assert settled.similar[i, j] == pytest.approx(dense.similar[i, j], abs=1e-5)


def _dense_parts(index, ids):
    """The dense pool's matrices, whatever the dense limit (as `pool_scores` makes them)."""
    found = matching.pair_score_matrix(index, ids)
    no_needs = np.array([not (index.profile(c).get("needs") or "").strip() for c in ids])
    found.cover[no_needs] = found.similar[no_needs]
    return found.cover, found.similar, set(), found.scores


def test_networks_from_a_sparse_pool_keep_every_hard_constraint(
    client, auth, db, small_dense_limit
):
    ids = register(client)
    body = propose(client, auth, seed=2).get_json()
    assert body["networks"], body
    assert_hard_constraints(db, body)
    placed = {m["id"] for n in body["networks"] for m in n["members"]}
    unmet = {u["company_id"] for u in body["unmet"] if "company_id" in u}
    assert placed | unmet == set(ids)
    index = matching.match_index(db)
    order = sorted(index.row_)
    exact = pool.PoolScores(*_dense_parts(index, order))
    at = {c: k for k, c in enumerate(order)}
    for network in body["networks"]:  # scores are exact, not the graph's estimates
        members = [at[m["id"]] for m in network["members"]]
        assert network["score"] == pytest.approx(networks.group_score(exact, members), abs=1e-3)
        assert all(len(m["reason"]) > 20 for m in network["members"])
    again = propose(client, auth, seed=2).get_json()
    assert [[m["id"] for m in n["members"]] for n in again["networks"]] == [
        [m["id"] for m in n["members"]] for n in body["networks"]
    ]
    assert len(FIRMS) == len(ids)


def test_listed_pairs_score_as_their_block(client, db):
    """`score_pairs` (pair by pair, compiled sparse dots) gives the block scores of the pairs."""
    register(client)
    index = matching.match_index(db)
    vectors, facts = index.vectors_, index.facts_
    n = len(index)
    block = scoring.score_block(index, vectors, facts, vectors, facts)
    left, right = (a.ravel() for a in np.meshgrid(np.arange(n), np.arange(n), indexing="ij"))
    found = scoring.score_pairs(index, pairwise.PairDots(index.encoder_, vectors), facts, left,
                                right)  # fmt: skip
    for name in ("score", "need_offer", "offer_need", "similar"):
        assert np.allclose(getattr(found, name), getattr(block, name).ravel(), atol=2e-5), name
    assert (found.competitor == block.competitor.ravel()).all() and found.competitor.any()
    some = np.array([3, 0, 7]), np.array([5, 9, 7])  # any order, repeats, a firm with itself
    few = scoring.score_pairs(index, pairwise.PairDots(index.encoder_, vectors), facts, *some)
    assert np.allclose(few.score, block.score[some], atol=2e-5)


def test_pairs_score_the_same_in_any_order_of_blocks_and_as_rows(client, db, monkeypatch):
    """The listed pairs' cosines do not depend on how the compiled loop orders them (every
    stored firm its own block, or one block of all), and a row scored against every firm as
    one block (`PairJudge.rows`) gives the values of its pairs listed one by one."""
    register(client)
    index = matching.match_index(db)
    vectors, n = index.vectors_, len(index)
    rng = np.random.default_rng(3)
    left, right = rng.integers(0, n, 400), rng.integers(0, n, 400)
    whole = pairwise.PairDots(index.encoder_, vectors)(left, right)
    monkeypatch.setattr(pairwise, "RIGHT_BLOCK_ENTRIES", 1)
    each = pairwise.PairDots(index.encoder_, vectors)(left, right)
    for a, b in pairwise.COMBOS:
        assert np.array_equal(whole.model[a, b], each.model[a, b])
        assert np.array_equal(whole.lexical[a, b], each.lexical[a, b])
    assert np.array_equal(whole.structured, each.structured)
    judge = candidates.pair_judge(index, sorted(index.row_))
    rows = np.array([0, 5, n - 1])
    by_rows = judge.rows(rows)
    listed = judge(np.repeat(rows, n), np.tile(np.arange(n), rows.size))
    for name in ("fit", "cover", "back", "similar"):
        assert np.allclose(getattr(by_rows, name), getattr(listed, name), atol=2e-5), name
    assert (by_rows.rival == listed.rival).all()


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 12), width=st.sampled_from([5, 300, 70_000]), seed=st.integers(0, 999))
def test_the_pair_layout_holds_each_rows_parts_in_turn(n, width, seed):
    """A firm's sparse entries of the three parts lie together, part after part, with the
    matrices' columns and values; columns in 16 bits where the width allows."""
    rng = np.random.default_rng(seed)
    parts = [sp.random(n, width, density=min(1.0, 4 / width), format="csr", random_state=rng,
                       dtype=np.float32) for _ in range(3)]  # fmt: skip
    starts, cols, vals = pairwise.pair_layout(parts)
    assert cols.dtype == (np.uint16 if width <= 1 << 16 else np.int32)
    assert starts.shape == (n, 4) and cols.size == vals.size == sum(m.nnz for m in parts)
    for r in range(n):
        for p, m in enumerate(parts):
            row = m[r]
            at = slice(starts[r, p], starts[r, p + 1])
            assert cols[at].tolist() == sorted(row.indices.tolist())
            assert vals[at].tolist() == row.toarray()[0, sorted(row.indices.tolist())].tolist()
        if r + 1 < n:
            assert starts[r, 3] == starts[r + 1, 0]


def test_a_sparse_pools_reasons_read_its_laid_out_firms(client, db, small_dense_limit):
    """A large pool's networks are described from the pool's own listed-pair cosines (the
    candidate graph's `PairDots`, by pool position): the members' need→offer strengths and
    reasons are those each network's own block gives."""
    register(client)
    index = matching.match_index(db)
    ids = sorted(index.row_)[1:]  # a part of the index: pool positions are not index rows
    profiles = [index.profile(i) for i in ids]
    sparse = networks.pool_scores(index, ids)
    assert sparse.sparse and sparse.dots is not None
    groups = [list(range(k, min(k + 4, len(ids)))) for k in range(0, len(ids), 4)]
    groups = [g for g in groups if len(g) > 1]
    assert_primed_as_each(profiles, sparse, index, groups)


def test_a_shortlisted_graph_judges_its_pairs_exactly(client, db, monkeypatch):
    """With shortlists shorter than the pool (the surrogate stage runs, fitted on a sample of
    four rows), every kept pair carries the learned scorer's values, no competitor is listed as
    a partner, and every competitor pair of one NACE group is found; fewer pairs are judged."""
    monkeypatch.setattr(candidates, "SAMPLE_ROWS", 4)
    register(client)
    index = matching.match_index(db)
    ids = sorted(index.row_)
    n = len(ids)
    dense = networks.pool_scores(index, ids)
    graph = matching.candidate_graph(index, ids, k=3, shortlist=4)
    assert graph.judged < n * n  # the sample's rows against all, and shortlisted pairs
    groups = [index.facts_.groups[index.row_[c]] for c in ids]
    rivals = {tuple(p) for p in graph.competitor.tolist()}
    assert rivals <= dense.competitor
    assert {(i, j) for i, j in dense.competitor if groups[i] == groups[j]} <= rivals
    listed = 0
    for i in range(n):
        row = [j for j in graph.neighbours[i].tolist() if j >= 0]
        assert i not in row and len(row) == len(set(row))
        for r, j in enumerate(row):
            assert (min(i, j), max(i, j)) not in dense.competitor
            assert graph.pair[i, r] == pytest.approx(dense.pair[i, j], abs=1e-5)
            assert graph.cover[i, r] == pytest.approx(dense.cover[i, j], abs=1e-5)
            assert graph.cover_back[i, r] == pytest.approx(dense.cover[j, i], abs=1e-5)
        assert graph.pair[i, : len(row)].tolist() == sorted(graph.pair[i, : len(row)],
                                                           reverse=True)  # fmt: skip
        listed += len(row)
    assert listed >= 2 * n  # lists are filled from the shortlists


def test_chunks_judged_on_threads_give_the_same_graph(client, db, monkeypatch):
    """Pairs judged a few at a time on two threads (the compiled loop on each caller's thread)
    give the graph judged in one thread, array for array; settling reuses the graph's judge."""
    monkeypatch.setattr(candidates, "SAMPLE_ROWS", 4)
    monkeypatch.setattr(candidates, "PAIR_CHUNK", 7)
    register(client)
    index = matching.match_index(db)
    ids = sorted(index.row_)
    one = matching.candidate_graph(index, ids, k=3, shortlist=4, workers=1)
    two = matching.candidate_graph(index, ids, k=3, shortlist=4, workers=2)
    assert one.judged == two.judged > 7 * 4
    for name in ("neighbours", "pair", "cover", "cover_back", "competitor", "typical_pair",
                 "typical_cover"):  # fmt: skip
        assert np.array_equal(getattr(one, name), getattr(two, name)), name
    assert one.judge.dots.parallel and not two.judge.dots.parallel
    left, right = np.array([0, 1, 2]), np.array([3, 4, 5])
    a, b = one.judge(left, right, mask=False), two.judge(left, right, mask=False)
    assert np.array_equal(a.fit, b.fit) and np.array_equal(a.cover, b.cover)


def test_forcing_the_sparse_path_on_a_small_store_gives_the_same_networks(
    client, auth, db, monkeypatch
):
    """A pool smaller than the graph's neighbour lists holds every pair exactly, so the sparse
    path proposes the dense path's networks with the same scores."""
    register(client)
    # the optimiser's path on both (a dense pool is otherwise placed around its clusters)
    monkeypatch.setattr(clustering, "network_fit", lambda p, *_, **__: np.zeros_like(p.scores.pair))
    dense = propose(client, auth, seed=3).get_json()
    monkeypatch.setattr(matching, "MAX_POOL", 4)
    sparse = propose(client, auth, seed=3).get_json()
    assert dense["networks"]
    assert [[m["id"] for m in n["members"]] for n in sparse["networks"]] == [
        [m["id"] for m in n["members"]] for n in dense["networks"]
    ]
    assert [n["score"] for n in sparse["networks"]] == pytest.approx(
        [n["score"] for n in dense["networks"]], abs=1e-4
    )


def test_the_lists_rank_pairs_as_lexsort_does():
    """The neighbour lists' packed-key ranking orders (row, fit descending, column) exactly as
    `np.lexsort` does, ties of fit included."""
    rng = np.random.default_rng(5)
    for n in (1, 2, 37, 10_000, 2**20):
        rows = rng.integers(0, n, 5_000)
        cols = rng.integers(0, n, 5_000)
        fit = rng.choice(np.float32([0.0, -0.0, 0.25, 0.5, 1.0, 3e-39, -1.5]), 5_000)
        fit[:2000] = rng.random(2000).astype(np.float32)
        expected = np.lexsort((cols, -fit, rows))
        found = candidates.ranked(rows, fit, cols, n)
        key = list(zip(rows[found], -fit[found], cols[found], strict=True))
        assert key == list(zip(rows[expected], -fit[expected], cols[expected], strict=True))


def test_pair_sets_read_like_sets_of_tuples():
    """A `PairSet` (packed keys) answers as the set of (i < j) tuples it was built from."""
    rng = np.random.default_rng(4)
    n = 50
    raw = rng.integers(0, n, size=(300, 2))
    expected = {(min(i, j), max(i, j)) for i, j in raw.tolist() if i != j}
    found = pool.PairSet(raw, n)
    assert found == expected and len(found) == len(expected)
    assert set(found) == expected and sorted(found) == sorted(expected)
    for i, j in itertools.product(range(n), repeat=2):
        assert ((i, j) in found) == ((i, j) in expected)
    assert (n, n + 1) not in found and "x" not in found and (-1, 3) not in found
    partners = pool.partners_of(found, n)
    assert partners == [{b if a == i else a for a, b in expected if i in (a, b)}
                        for i in range(n)]  # fmt: skip


def test_a_sparse_pools_forbidden_pairs_are_its_competitors_and_rules(
    client, db, small_dense_limit
):
    """Forbidden pairs of a sparse pool: every competitor pair of its graph but the one a
    facilitator allowed, plus 'never together' pairs, each with its reason; networks proposed
    from it put no forbidden pair together."""
    ids = register(client)
    index = matching.match_index(db)
    order = sorted(index.row_)
    at = {c: k for k, c in enumerate(order)}
    scores = pool.pool_scores(index, order)
    assert isinstance(scores.competitor, pool.PairSet) and scores.competitor
    forbidden, why = networks.forbidden_pairs(db, order, at, scores)
    assert forbidden == set(scores.competitor) and dict(why) == dict.fromkeys(forbidden,
                                                                          "competitor")  # fmt: skip
    rivals = sorted(scores.competitor)
    allowed, kept = rivals[0], rivals[1:]
    never = next((i, j) for i, j in itertools.combinations(range(len(order)), 2)
                 if (i, j) not in scores.competitor)  # fmt: skip
    db["pair_rules"].insert({"a_id": order[allowed[0]], "b_id": order[allowed[1]],
                             "rule": "allow"})  # fmt: skip
    db["pair_rules"].insert({"a_id": order[never[0]], "b_id": order[never[1]], "rule": "never"})
    forbidden, why = networks.forbidden_pairs(db, order, at, scores)
    assert forbidden == set(kept) | {never}
    assert allowed not in forbidden and never in forbidden
    assert dict(why) == {**dict.fromkeys(kept, "competitor"), never: "never"}
    assert len(why) == len(forbidden)
    with pytest.raises(KeyError):
        why[allowed]
    problem = networks.Problem(scores, np.zeros(len(order), bool), forbidden,
                               np.ones(len(order), bool))  # fmt: skip
    found = networks.form_networks(problem, min_size=2, max_size=4, seed=1)
    assert found.groups
    for g in found.groups:
        assert not any((min(i, j), max(i, j)) in forbidden for i, j in itertools.combinations(g, 2))
    assert len(ids) == len(order)


def test_the_web_app_starts_without_numba(tmp_path):
    """numba (slow to import, large) loads only when the compiled pair loop first runs."""
    code = ("import sys; from web import create_app; create_app({'TESTING': True, "
            f"'DATABASE': {str(tmp_path / 'x.sqlite3')!r}}}); "
            "assert 'numba' not in sys.modules, 'numba imported at start-up'")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_width_read_from_the_model_folder_is_the_loaded_models():
    from matchmaker.representation.embedding import load_model
    from matchmaker.representation.sentence import DEFAULT_MODEL, configured_dimension, model_path

    model = load_model(DEFAULT_MODEL)
    width = (
        getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    )
    assert configured_dimension(model_path(DEFAULT_MODEL)) == int(width())


def test_a_proposal_over_stored_firms_never_loads_the_sentence_model(client, db_path):
    """Vectors are stored when firms are written (and the lexicon labels' when the store's
    index was first built, as the service does at start): a fresh process that builds the
    index and proposes networks over them neither imports torch nor loads the model."""
    register(client)
    opening = (
        "import sys\n"
        "from matchmaker import matching\n"
        "from matchmaker.grouping import networks\n"
        "from matchmaker.store import db as stores\n"
        f"db = stores.connect({str(db_path)!r}, migrate=False)\n"
        "matching.match_index(db)\n"
    )
    root = Path(__file__).resolve().parents[1]
    # A service process built the store's index once (it may load the model to do so).
    first = subprocess.run([sys.executable, "-c", opening], capture_output=True, text=True,
                           cwd=root, timeout=600)  # fmt: skip
    assert first.returncode == 0, first.stderr[-2000:]
    script = (
        opening + "plan = networks.plan(db, networks.parse_request({'seed': 0}))\n"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'transformers')\n"
        "         if m in sys.modules]\n"
        "print(len(plan.networks), heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=root, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    count, heavy = done.stdout.strip().splitlines()[-1].split(" ", 1)
    assert int(count) >= 1 and heavy == "[]", done.stdout
