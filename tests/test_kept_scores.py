"""Load (issue 15): a firm's scores against the index are kept across snapshots that only
appended firms, extended by the new firms only, and equal what scoring afresh gives (up to
float32 rounding: BLAS sums a column of a wider block in another order)."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest
from test_speed_after_writes import firm_body

from matchmaker import matching
from matchmaker.matching import MatchIndex, kept_scores
from matchmaker.matching.scoring import BlockScores, score_block, score_rows


@pytest.fixture(autouse=True)
def nothing_kept():
    kept_scores.forget()
    yield
    kept_scores.forget()


def afresh(index: MatchIndex, company_id: int, mode: str) -> BlockScores:
    _, q, q_facts = index.query(None, company_id)
    return score_block(index, q, q_facts, index.vectors_, index.facts_, mode)


def assert_same(a: BlockScores, b: BlockScores) -> None:
    for f in fields(BlockScores):
        x, y = getattr(a, f.name), getattr(b, f.name)
        assert (x is None) == (y is None), f.name
        if x is not None:
            assert x.shape == y.shape, f.name
            if x.dtype == bool:
                assert np.array_equal(x, y), f.name
            else:
                assert np.allclose(x, y, rtol=1e-6, atol=1e-6), f.name


def register(client, k: int, **changes) -> int:
    answer = client.post("/api/v1/companies", json=firm_body(k, **changes))
    assert answer.status_code == 201
    return answer.get_json()["id"]


def edit_offers(client, auth, company_id: int) -> None:
    """A facilitator rewrites the firm's offers (a new lineage for every index after it)."""
    edited = client.patch(
        f"/api/v1/companies/{company_id}",
        json={"offers": "Vi leverer kun regnskab og løn."},
        headers=auth,
    )
    assert edited.status_code == 200


@pytest.mark.parametrize("mode", ["complementary", "similar"])
@pytest.mark.parametrize("blocks", [True, False])
def test_a_kept_row_extended_by_new_firms_equals_a_fresh_one(client, db, mode, blocks, monkeypatch):
    if not blocks:  # the new firms taken out of the index, never its last row blocks
        monkeypatch.setattr(kept_scores, "TAIL_SPARE", 0)
        monkeypatch.setattr(kept_scores, "TAIL_ROWS", 0)
    scored: list[int] = []  # how many stored firms each scoring of a kept row met

    def met(index, start: int) -> int:  # the new firms, or the last row blocks holding them
        return len(index) - (index.vectors_.rows_from(start)[1] if blocks else start)

    def counted(index, q, q_facts, s, s_facts, mode):
        scored.append(len(s))
        return score_block(index, q, q_facts, s, s_facts, mode)

    monkeypatch.setattr(kept_scores, "score_block", counted)
    first = [register(client, k) for k in range(5)]
    index = MatchIndex().fit(db)
    for cid in first:
        assert_same(kept_scores.scored_row(index, cid, mode), afresh(index, cid, mode))
    for k in range(5, 9):  # each registration a snapshot of the same lineage
        register(client, k)
        grown = index.refreshed(db)
        assert grown.lineage_ is index.lineage_ and len(grown) == len(index) + 1
        index = grown
        scored.clear()
        for cid in first[::2] + [index.vectors_.ids[-1]]:
            assert_same(kept_scores.scored_row(index, cid, mode), afresh(index, cid, mode))
        tail = met(index, len(index) - 1)  # kept rows met the new firm's rows only
        assert scored == [tail, tail, tail, len(index)]
    scored.clear()
    kept = kept_scores.scored_row(index, first[1], mode)  # extended by four firms at once
    assert scored == [met(index, 5)]
    assert_same(kept, afresh(index, first[1], mode))
    assert kept.score.shape == (1, 9) and not kept.score.flags.writeable


def test_an_edited_firm_starts_a_new_lineage_and_its_partners_are_scored_afresh(client, auth, db):
    ids = [register(client, k) for k in range(6)]
    index = MatchIndex().fit(db)
    before = kept_scores.scored_row(index, ids[0], "complementary")
    edit_offers(client, auth, ids[1])
    changed = index.refreshed(db)
    assert changed.lineage_ is not index.lineage_
    after = kept_scores.scored_row(changed, ids[0], "complementary")
    assert_same(after, afresh(changed, ids[0], "complementary"))
    assert not np.array_equal(before.score, after.score)  # the edit changed a pair's score


def test_suggestions_from_kept_rows_answer_what_fresh_ones_do(client, auth, db):
    ids = [register(client, k) for k in range(8)]
    asked = [client.get(f"/api/v1/companies/{i}/partners?limit=4", headers=auth) for i in ids]
    for k in range(8, 11):
        register(client, k)
    index = matching.match_index(db)
    kept = [matching.partner_suggestions(index, i, limit=4) for i in ids]
    kept_scores.forget()
    fresh = [matching.partner_suggestions(index, i, limit=4) for i in ids]
    assert all(a.status_code == 200 for a in asked)
    assert any(len(k) == 4 for k in kept)
    for mine, theirs in zip(kept, fresh, strict=True):
        assert [(p.id, p.type, p.reasons, p.flags) for p in mine] == [
            (p.id, p.type, p.reasons, p.flags) for p in theirs
        ]
        assert np.allclose([p.score for p in mine], [p.score for p in theirs], atol=2e-4)


def test_why_x_and_y_answers_with_the_score_and_reasons_the_list_showed(client, db):
    ids = [register(client, k) for k in range(8)]
    index = matching.match_index(db)
    for mode in ("complementary", "similar"):
        listed = matching.partner_suggestions(index, ids[0], limit=4, mode=mode)
        assert len(listed) == 4
        for shown in listed:
            why = matching.pair_score(index, ids[0], shown.id, mode=mode)
            said = (why.score, why.type, why.reasons)
            assert said == (shown.score, shown.type, shown.reasons)
            fresh = afresh(index, ids[0], mode)  # the same pair scored on its own
            col = index.row_[shown.id]
            assert np.isclose(why.score, matching.display_score(fresh.score[0, col]), atol=2e-4)


def test_a_firm_outside_the_index_keeps_its_row_until_its_profile_changes(
    client, auth, db, monkeypatch
):
    for k in range(6):
        register(client, k)
    outside = register(client, 6, consent=False)
    index = matching.match_index(db)
    assert outside not in index
    encoded: list[int] = []
    real = MatchIndex.vectors_of

    def counted(self, db, profile):
        encoded.append(profile["id"])
        return real(self, db, profile)

    monkeypatch.setattr(MatchIndex, "vectors_of", counted)
    first = matching.partner_suggestions(index, outside, limit=3, db=db)
    again = matching.partner_suggestions(index, outside, limit=3, db=db)
    assert first == again and len(first) == 3 and encoded == [outside]
    register(client, 7)  # the index grows: the kept row meets the new firm only
    grown = matching.match_index(db)
    assert grown.lineage_ is index.lineage_
    profile = grown.outside_profile(db, outside)
    kept = kept_scores.scored_outside(
        grown, profile, "complementary", lambda: grown.vectors_of(db, profile)
    )
    assert encoded == [outside] and kept.score.shape == (1, len(grown))  # extended
    _, q, q_facts = grown.query(db, outside)
    fresh = score_block(grown, q, q_facts, grown.vectors_, grown.facts_, "complementary")
    assert_same(kept, fresh)
    edited = client.patch(f"/api/v1/companies/{outside}", headers=auth,
                          json={"offers": "Vi leverer kun regnskab og løn."})  # fmt: skip
    assert edited.status_code == 200
    encoded.clear()
    matching.partner_suggestions(grown, outside, limit=3, db=db)
    assert encoded == [outside]  # another profile: scored afresh


def test_two_snapshots_refreshed_from_one_do_not_share_its_lineage(client, auth, db):
    ids = [register(client, k) for k in range(5)]
    outside = register(client, 5, consent=False)
    base = MatchIndex().fit(db)
    register(client, 6)
    newer = base.refreshed(db)  # the newest: hands the lineage on
    kept_scores.scored_row(newer, ids[0], "complementary")
    consent = {"consent": True}
    patched = client.patch(f"/api/v1/companies/{outside}", json=consent, headers=auth)
    assert patched.status_code == 200
    sibling = base.refreshed(db)  # from the same parent: another firm in row 5
    assert newer.vectors_.ids[5] != sibling.vectors_.ids[5] == outside
    assert newer.lineage_ is base.lineage_ and sibling.lineage_ is not base.lineage_
    row = kept_scores.scored_row(sibling, ids[0], "complementary")
    assert_same(row, afresh(sibling, ids[0], "complementary"))


def test_rows_scored_ahead_equal_fresh_ones_and_no_request_scores_them_again(
    client, db, monkeypatch
):
    ids = [register(client, k) for k in range(7)]
    monkeypatch.setattr(kept_scores, "PRESCORE_BLOCK", 3)  # blocks of 3, 3 and 1 rows
    index = MatchIndex().fit(db)
    ahead = ids[::-1]
    kept_scores.keep_rows(index, ahead, kept_scores.prescored(index, ahead))
    scored: list[int] = []

    def counted(index, q, q_facts, s, s_facts, mode):
        scored.append(len(s))
        return score_block(index, q, q_facts, s, s_facts, mode)

    monkeypatch.setattr(kept_scores, "score_block", counted)
    for cid in ids:
        assert kept_scores.has_row(index, cid, "complementary")
        kept = kept_scores.scored_row(index, cid, "complementary")
        assert kept.score.shape == (1, len(ids)) and not kept.score.flags.writeable
        assert_same(kept, afresh(index, cid, "complementary"))
    assert scored == []  # every row was kept
    register(client, 7)
    grown = index.refreshed(db)
    assert_same(kept_scores.scored_row(grown, ids[0], "complementary"),
                afresh(grown, ids[0], "complementary"))  # fmt: skip
    assert scored == [1]  # extended by the new firm only


def test_the_hot_rows_are_those_asked_about_in_the_lineage_most_recent_first(
    client, db, monkeypatch
):
    ids = [register(client, k) for k in range(5)]
    index = MatchIndex().fit(db)
    assert kept_scores.hot(index) == []
    for cid in (ids[3], ids[1], ids[4]):
        kept_scores.scored_row(index, cid, "complementary")
    kept_scores.scored_row(index, ids[0], "similar")  # another mode: not hot
    register(client, 5)
    grown = index.refreshed(db)  # the same lineage: the same hot rows
    assert kept_scores.hot(grown) == kept_scores.hot(index) == [ids[4], ids[1], ids[3]]
    other = MatchIndex().fit(db)  # a re-fit: a lineage of its own
    assert kept_scores.hot(other) == []
    row = kept_scores.scored_row(index, ids[4], "complementary")
    nbytes = sum(getattr(row, f.name).nbytes for f in fields(BlockScores)
                 if getattr(row, f.name) is not None)  # fmt: skip
    share = kept_scores.PRESCORE_SHARE
    monkeypatch.setattr(kept_scores, "BUDGET_BYTES", int((2 * nbytes + 1) / share) + 1)
    assert kept_scores.hot(index) == [ids[4], ids[1]]  # as many as the budget's share holds


def test_a_request_on_an_older_snapshot_reads_the_first_columns_of_a_newer_row(
    client, db, monkeypatch
):
    ids = [register(client, k) for k in range(5)]
    index = MatchIndex().fit(db)
    register(client, 5)
    grown = index.refreshed(db)
    assert grown.lineage_ is index.lineage_
    newer = kept_scores.scored_row(grown, ids[0], "complementary")  # a request on the newer
    scored: list[int] = []

    def counted(index, q, q_facts, s, s_facts, mode):
        scored.append(len(s))
        return score_block(index, q, q_facts, s, s_facts, mode)

    monkeypatch.setattr(kept_scores, "score_block", counted)
    older = kept_scores.scored_row(index, ids[0], "complementary")  # one still on the older
    assert older.score.shape == (1, len(index))
    assert_same(older, afresh(index, ids[0], "complementary"))
    assert scored == []  # read from the newer row, not scored afresh
    assert kept_scores.scored_row(grown, ids[0], "complementary") is newer  # nor replaced


def test_a_warming_worker_scores_ahead_the_rows_it_will_be_asked_for(client, db, monkeypatch):
    ids = [register(client, k) for k in range(6)]
    index = MatchIndex().fit(db)
    scored: list[tuple[int, int]] = []  # (query rows, stored rows) of each scoring

    def counted(index, q, q_facts, s, s_facts, mode):
        scored.append((len(q), len(s)))
        return score_block(index, q, q_facts, s, s_facts, mode)

    def counted_rows(index, q_rows, s_rows, mode):
        scored.append((len(q_rows), len(index)))
        return score_rows(index, q_rows, s_rows, mode)

    monkeypatch.setattr(kept_scores, "score_block", counted)
    monkeypatch.setattr(kept_scores, "score_rows", counted_rows)
    assert kept_scores.warm(index, pairs=2 * len(index)) == [ids[4], ids[5]]  # the newest two
    assert sorted(kept_scores.hot(index)) == [ids[4], ids[5]]
    assert kept_scores.warm(index) == ids[:4]  # the rest (the kept two are not scored again)
    assert scored == [(2, 6), (4, 6)]  # in blocks, never a row alone
    scored.clear()
    for cid in ids:
        assert_same(kept_scores.scored_row(index, cid, "complementary"),
                    afresh(index, cid, "complementary"))  # fmt: skip
    assert scored == []  # every first request found its row
    monkeypatch.setattr(kept_scores, "BUDGET_BYTES", 0)
    kept_scores.forget()
    assert kept_scores.warm(index) == []  # no room: nothing scored ahead
