"""Load (issue 15): a pool's pair matrices are kept per index lineage, so a chat follow-up or a
re-run over the same pool reads them instead of scoring every pair again; what a facilitator
decided about a pair since, and an edited firm, are never read from them."""

from __future__ import annotations

import numpy as np
import pytest
from test_kept_scores import edit_offers, register

from matchmaker.grouping import review
from matchmaker.matching import MatchIndex, scoring
from matchmaker.matching.scoring import pair_score_matrix

FIELDS = ("scores", "competitor", "never", "cover", "similar", "rival")


@pytest.fixture(autouse=True)
def nothing_kept():
    scoring.forget_pools()
    yield
    scoring.forget_pools()


@pytest.fixture
def counted(monkeypatch) -> list[int]:
    """How many query rows each `score_block` call of the pool scoring met."""
    calls: list[int] = []
    real = scoring.score_block

    def spy(index, q, q_facts, s, s_facts, mode):
        calls.append(len(q))
        return real(index, q, q_facts, s, s_facts, mode)

    monkeypatch.setattr(scoring, "score_block", spy)
    return calls


def assert_same(a, b) -> None:
    assert a.ids == b.ids
    for name in FIELDS:
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


def test_the_same_pool_of_an_unchanged_index_is_scored_once(client, db, counted):
    ids = [register(client, k) for k in range(7)]
    index = MatchIndex().fit(db)
    first = pair_score_matrix(index, ids[:6], db=db)
    assert counted == [6]
    first_copy = {name: getattr(first, name).copy() for name in FIELDS}
    first.scores[:] = 0.5  # a caller's changes to its arrays reach no later caller
    first.competitor[:] = True
    again = pair_score_matrix(index, ids[:6], db=db)
    assert counted == [6]  # read, not scored
    for name in FIELDS:
        assert np.array_equal(getattr(again, name), first_copy[name]), name
    other = pair_score_matrix(index, ids[1:7], db=db)  # another pool is scored
    assert counted == [6, 6]
    scoring.forget_pools()
    assert_same(pair_score_matrix(index, ids[1:7], db=db), other)
    assert counted == [6, 6, 6]


def test_a_rule_set_after_the_pool_was_scored_counts(client, db, counted):
    ids = [register(client, k) for k in range(5)]
    index = MatchIndex().fit(db)
    before = pair_score_matrix(index, ids, db=db)
    assert not before.never[0, 1]
    review.add_rule(db, "never", {"a": ids[0], "b": ids[1]})
    after = pair_score_matrix(index, ids, db=db)
    assert counted == [5]  # the scores were kept, the rule was read
    assert after.never[0, 1] and after.never[1, 0]
    assert np.array_equal(after.scores, before.scores)


def test_an_edited_firm_is_scored_again_and_an_appended_one_keeps_the_pool(
    client, auth, db, counted
):
    ids = [register(client, k) for k in range(6)]
    index = MatchIndex().fit(db)
    before = pair_score_matrix(index, ids[:5], db=db)
    register(client, 6)
    grown = index.refreshed(db)
    assert grown.lineage_ is index.lineage_
    assert_same(pair_score_matrix(grown, ids[:5], db=db), before)  # nobody in it changed
    assert counted == [5]
    edit_offers(client, auth, ids[1])
    changed = grown.refreshed(db)
    assert changed.lineage_ is not grown.lineage_
    after = pair_score_matrix(changed, ids[:5], db=db)
    assert counted == [5, 5]
    assert not np.array_equal(after.scores[1], before.scores[1])  # the edit is read
    scoring.forget_pools()
    assert_same(pair_score_matrix(changed, ids[:5], db=db), after)
