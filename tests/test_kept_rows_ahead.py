"""Load (issue 15): kept score rows of firms outside the index and rows a re-fit scores ahead
equal scoring afresh, and the rows scored ahead survive until they are read (written by an
outside review, each failing before its fix)."""

from __future__ import annotations

import numpy as np
import pytest
from test_kept_scores import afresh, assert_same, register
from test_matching import FIRMS

from matchmaker import matching
from matchmaker.matching import MatchIndex, kept_scores
from matchmaker.matching.scoring import score_block
from matchmaker.store import db as store


@pytest.fixture(autouse=True)
def nothing_kept():
    kept_scores.forget()
    yield
    kept_scores.forget()


@pytest.mark.parametrize("market", ["Danmark", "Narnia"])  # known to the index (passes), new
def test_an_outside_firms_kept_row_does_not_share_a_market_with_a_later_firm(client, db, market):
    # A firm outside the index has its facts made with a copy of the index's market
    # vocabulary, where a market only it has takes the next column. A firm registered later
    # with another new market takes that column in the index's own vocabulary: the kept row,
    # extended against it, must not read a shared market (its facts are made again).
    for k in range(6):
        register(client, k, markets=["Danmark"])
    outside = register(client, 6, consent=False, markets=["Atlantis"])
    index = matching.match_index(db)
    assert outside not in index
    matching.partner_suggestions(index, outside, limit=3, db=db)  # its row is kept
    newcomer = register(client, 7, markets=[market])
    grown = matching.match_index(db)
    assert grown.lineage_ is index.lineage_ and newcomer in grown
    profile = grown.outside_profile(db, outside)
    kept = kept_scores.scored_outside(
        grown, profile, "complementary", lambda: grown.vectors_of(db, profile)
    )
    _, q, q_facts = grown.query(db, outside)
    fresh = score_block(grown, q, q_facts, grown.vectors_, grown.facts_, "complementary")
    col = grown.row_[newcomer]
    assert np.allclose(kept.score[0, col], fresh.score[0, col], rtol=1e-6, atol=1e-6)
    assert_same(kept, fresh)


def test_rows_scored_ahead_in_production_sized_blocks_equal_fresh_ones(client, db):
    # test_kept_scores scores ahead in blocks of 3 rows (the dense dots' einsum path, as one
    # row alone); a re-fit scores blocks of PRESCORE_BLOCK = 64 rows (BLAS, sparse products).
    ids = [register(client, k) for k in range(12)]
    index = MatchIndex().fit(db)
    kept_scores.keep_rows(index, ids, kept_scores.prescored(index, ids))
    for cid in ids:
        assert kept_scores.has_row(index, cid, "complementary")
        assert_same(kept_scores.scored_row(index, cid, "complementary"),
                    afresh(index, cid, "complementary"))  # fmt: skip


def test_rows_scored_ahead_survive_a_request_on_the_drifted_index_before_the_swap(client, db):
    # Until the re-fit is swapped in, requests read the drifted index. A request for a hot
    # firm there must not replace the row the re-fit scored ahead for it: rows are kept per
    # lineage, side by side (they were kept per firm and mode, one lineage at a time).
    ids = [register(client, k) for k in range(6)]
    drifted = MatchIndex().fit(db)
    hot = ids[:2]
    for cid in hot:
        kept_scores.scored_row(drifted, cid, "complementary")
    assert kept_scores.hot(drifted) == hot[::-1]
    fitted = MatchIndex().fit(db)  # the re-fit, a lineage of its own
    ahead = kept_scores.hot(drifted)
    kept_scores.keep_rows(fitted, ahead, kept_scores.prescored(fitted, ahead))
    assert all(kept_scores.has_row(fitted, cid, "complementary") for cid in ahead)
    kept_scores.scored_row(drifted, hot[0], "complementary")  # a request before the swap
    assert kept_scores.has_row(fitted, hot[0], "complementary")


def test_rows_scored_ahead_are_dropped_last_for_the_firm_asked_about_last(client, db, monkeypatch):
    # `hot` lists the firms most recently asked about first; `keep_rows` keeps them in the
    # other order, so the firm asked about last is the last row the budget drops.
    ids = [register(client, k) for k in range(5)]
    drifted = MatchIndex().fit(db)
    for cid in ids[:3]:  # ids[2] asked about last
        kept_scores.scored_row(drifted, cid, "complementary")
    ahead = kept_scores.hot(drifted)
    assert ahead == ids[:3][::-1]
    kept_scores.forget()  # the drifted lineage's rows are gone after a swap anyway
    fitted = MatchIndex().fit(db)
    rows = kept_scores.prescored(fitted, ahead)
    one = sum(v.nbytes for v in vars(rows).values() if v is not None) // len(ahead)
    monkeypatch.setattr(kept_scores, "BUDGET_BYTES", 3 * one)
    kept_scores.keep_rows(fitted, ahead, rows)
    kept_scores.scored_row(fitted, ids[4], "complementary")  # another firm: one is dropped
    assert kept_scores.has_row(fitted, ids[2], "complementary")  # the hottest stays


def test_a_refit_child_with_learning_ranks_and_scores_ahead_as_the_worker_does(client, app):
    from test_refit_process import recipe

    from matchmaker.matching import learning, refit
    from matchmaker.store import learned_scorers

    ids = [register(client, k) for k in range(6)]
    path = app.config["DATABASE"]
    conn = store.connect(path, migrate=False)
    base = matching.default_scorer()
    names = base.names_
    delta = np.zeros(len(names))
    delta[names.index("same_region")] = -50.0
    learned_scorers.save(conn, {"adopted": True, "base": learning.fingerprint(base), "pairs": 9,
                                "reason": "learning.reason_adopted",
                                "model": {"features": names, "delta": delta.tolist(),
                                          "delta_intercept": 0.0}})  # fmt: skip
    try:
        matching.configure(model_name=app.config["MODEL_NAME"], learn=True)
        here = matching.match_index(conn)
        assert here.learned_id_ == learning.latest_refit_id(conn)
        there, got, rows = refit.fitted_elsewhere(recipe(
            path, model_name=app.config["MODEL_NAME"], default_scorer=base, learn=True,
            hot=tuple(ids[:3])))  # fmt: skip
        assert there.learned_id_ == here.learned_id_ and got == ids[:3]
        kept_scores.keep_rows(there, got, rows)
        for cid in got:
            assert_same(kept_scores.scored_row(there, cid, "complementary"),
                        afresh(here, cid, "complementary"))  # fmt: skip
    finally:
        matching.configure(model_name=app.config["MODEL_NAME"])
        conn.close()


def test_firms_alike_but_for_rounding_score_alike_ahead_and_alone(client, db):
    # MIN_SPREAD's case (identical texts) through the whole pair score: rows scored ahead
    # in one block (BLAS, sparse products) against each row scored alone.
    ids = [register(client, k, name=f"Ens {k}", **same_place, **register_texts)
           for k in range(8)]  # fmt: skip
    index = MatchIndex().fit(db)
    kept_scores.keep_rows(index, ids, kept_scores.prescored(index, ids))
    for cid in ids:
        assert_same(kept_scores.scored_row(index, cid, "complementary"),
                    afresh(index, cid, "complementary"))  # fmt: skip


same_place = {f: FIRMS[0][f] for f in ("region", "nace", "employees") if f in FIRMS[0]}
register_texts = {
    "description": "Vi producerer vinduer og døre i træ.",
    "offers": "Vinduer og døre efter mål.",
    "needs": "Vi har brug for hjælp til eksport.",
    "markets": ["Danmark"],
}
