"""What a partner suggestion costs (issue 15, `tail2`): one query row's dots gathered without a
sparse product per block, clause cosines without one per pair, explanations kept per fitted
encoder. Each shortcut gives the numbers of the path it replaces, and an edit is read at once."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize
from test_matching import FIRMS, register_all

from matchmaker import matching
from matchmaker.matching import reasons
from matchmaker.representation.clauses import analyse, pair_cosines
from matchmaker.representation.embedding import HybridEncoder, ProfileVectors, unit_rows
from matchmaker.representation.vectors import row_norms

COMBOS = (("profile", "profile"), ("needs", "offers"), ("offers", "needs"), ("needs", "profile"))


def grown_vectors():
    """An encoder fitted on a few firms and the vectors of many, appended a firm at a time
    (as registrations come: several row blocks)."""
    profiles = [dict(f, id=i + 1) for i, f in enumerate(FIRMS * 3)]
    encoder = HybridEncoder().fit(profiles[:5])
    whole = encoder.transform(profiles)
    grown = whole.take(range(5))
    for start in range(5, len(profiles)):
        grown = ProfileVectors.concat([grown, whole.take([start])])
    assert len(grown.row_blocks()) > 1
    return encoder, whole, grown


def test_one_query_row_gets_exactly_the_numbers_of_the_sparse_products():
    encoder, whole, grown = grown_vectors()
    for k in range(len(whole)):
        one = whole.take([k])
        two = whole.take([k, k])  # more than one row: the per-block sparse products
        for query_part, stored_part in COMBOS:
            fast = encoder.lexical_block_cosines(one, grown, query_part, stored_part)
            slow = encoder.lexical_block_cosines(two, grown, query_part, stored_part)
            assert set(fast) == {"words", "chars", "concepts"}
            for block, cosines in fast.items():
                assert cosines.dtype == np.float32 and cosines.shape == (1, len(grown))
                assert np.array_equal(cosines[0], slow[block][0]), (k, query_part, block)
            q = one.sparse[query_part]
            assert np.array_equal(
                grown.sparse_dots(q, stored_part)[0],
                grown.sparse_dots(sp.vstack([q, q], format="csr"), stored_part)[0],
            )
        s = one.structured
        assert np.array_equal(
            grown.structured_dots(s)[0],
            grown.structured_dots(sp.vstack([s, s], format="csr"))[0],
        )


def test_a_query_rows_norms_per_block_are_the_blocks_norms():
    encoder, whole, _ = grown_vectors()
    spans = sorted(encoder.lexical_.block_columns_.values())
    bounds = [spans[0][0]] + [end for _, end in spans]
    for k in range(len(whole)):
        one = whole.take([k])
        for part in ("profile", "needs", "offers"):
            norms = row_norms(one.sparse[part], bounds)
            for b, columns in enumerate(spans):
                assert norms[b] == one.block(part, columns)[1][0]


def rows(clauses):
    """A text's lexical clause rows, sliced from the batch matrix by scipy."""
    return clauses.matrix[clauses.start : clauses.start + len(clauses.spans)]


def test_clause_cosines_are_the_sparse_products_of_their_rows():
    encoder, _, _ = grown_vectors()
    texts = [f.get(part) or "" for f in FIRMS for part in ("needs", "offers")]
    texts += ["Eksport til Tyskland. Vi søger en revisor, og hjælp til emballage!", "", "qqq"]
    analysed = analyse(texts, encoder.lexical_, encoder.lexical_._lexicon())
    for a in analysed:
        for b in analysed:
            if not a.spans or not b.spans:
                continue
            expected = (rows(a) @ rows(b).T).toarray()
            found = a.cosines(b)
            assert found.dtype == expected.dtype and np.array_equal(found, expected)
    # Many pairs in one compiled call (a large pool's reasons): the same numbers.
    pairs = [(a, b) for a in analysed for b in analysed if a.spans and b.spans]
    together = pair_cosines(pairs)
    assert len(together) == len(pairs) > 100
    for (a, b), found in zip(pairs, together, strict=True):
        expected = (rows(a) @ rows(b).T).toarray()
        assert found.dtype == expected.dtype and np.array_equal(found, expected)
    other = analyse(texts[:3], encoder.lexical_, encoder.lexical_._lexicon())  # another batch
    mixed = [(a, b) for a in other for b in analysed[:4] if a.spans and b.spans]
    for (a, b), found in zip(mixed, pair_cosines(mixed), strict=True):
        assert np.array_equal(found, (rows(a) @ rows(b).T).toarray())
    # A text without clauses, or analysed without a fitted lexical part: an empty block.
    lexicon = encoder.lexical_._lexicon()
    empty = analyse([""], encoder.lexical_, lexicon)[0]
    unfitted = analyse(["Eksport til Norge."], None, lexicon)[0]
    some = [(empty, analysed[0]), (analysed[0], unfitted), *pairs[:3]]
    found = pair_cosines(some)
    assert found[0].shape == (0, len(analysed[0].spans))
    assert found[1].shape == (len(analysed[0].spans), len(unfitted.spans)) and not found[1].any()
    assert all(np.array_equal(f, (rows(a) @ rows(b).T).toarray())
               for f, (a, b) in zip(found[2:], pairs[:3], strict=True))  # fmt: skip


def test_unit_rows_are_scikit_learns_normalised_rows():
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        x = rng.normal(size=(7, 384)).astype(dtype)
        x[2] = 0.0  # a zero row stays zero
        assert np.array_equal(unit_rows(x), normalize(x))
        assert unit_rows(x).dtype == dtype


def partners(client, auth, company_id: int, lang: str = "da") -> list[dict]:
    answer = client.get(f"/api/v1/companies/{company_id}/partners?limit=8&lang={lang}",
                        headers=auth)  # fmt: skip
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["partners"]


def test_kept_explanations_answer_what_fresh_ones_do(client, auth, monkeypatch):
    ids = register_all(client, 900)
    reasons.EXPLANATIONS.clear()
    asked = [(i, lang) for i in ids.values() for lang in ("da", "en")]
    fresh = {(i, lang): partners(client, auth, i, lang) for i, lang in asked}
    explained = []
    real = reasons.Explainer.explain_need_offer

    def counted(self, *args):
        explained.append(args)
        return real(self, *args)

    monkeypatch.setattr(reasons.Explainer, "explain_need_offer", counted)
    for (i, lang), before in fresh.items():
        assert partners(client, auth, i, lang) == before
    assert explained == []  # every pair's explanation was kept
    assert any("need_offer" in r["code"] for p in fresh[ids["Nordisk Emballage ApS"], "da"]
               for r in p["reason_codes"])  # fmt: skip


def test_an_edited_name_or_offer_is_in_the_next_reasons(client, auth):
    ids = register_all(client, 900)
    nordisk, partner = ids["Nordisk Emballage ApS"], ids["German Market Partners"]
    before = next(p for p in partners(client, auth, nordisk) if p["id"] == partner)
    lines = [r for r in before["reason_codes"] if r["code"] == "matching.need_offer"]
    assert lines and all(r["b"] == "German Market Partners" for r in lines)

    answer = client.patch(f"/api/v1/companies/{partner}", json={"name": "Tysklandshuset ApS"},
                          headers=auth)  # fmt: skip
    assert answer.status_code == 200, answer.get_json()
    renamed = next(p for p in partners(client, auth, nordisk) if p["id"] == partner)
    lines = [r for r in renamed["reason_codes"] if r["code"] == "matching.need_offer"]
    assert lines and all(r["b"] == "Tysklandshuset ApS" for r in lines)
    assert "German Market Partners" not in " ".join(renamed["reasons"])

    new_offers = "Revision og bogføring for små og mellemstore virksomheder."
    answer = client.patch(f"/api/v1/companies/{partner}", json={"offers": new_offers},
                          headers=auth)  # fmt: skip
    assert answer.status_code == 200, answer.get_json()
    edited = [p for p in partners(client, auth, nordisk) if p["id"] == partner]
    assert all("DACH" not in r for p in edited for r in p["reasons"])


def test_a_refitted_index_explains_afresh(client, auth, db):
    ids = register_all(client, 900)
    nordisk = ids["Nordisk Emballage ApS"]
    before = partners(client, auth, nordisk)
    old = matching.match_index(db).encoder_
    assert old in reasons.EXPLANATIONS.by_encoder
    refitted = matching.match_index(db).refitted(db)
    assert refitted.encoder_ is not old
    assert refitted.encoder_ not in reasons.EXPLANATIONS.by_encoder
    again = [matching.partner_suggestions(refitted, nordisk, limit=8, db=db)]
    assert [s.id for s in again[0]] == [p["id"] for p in before]
    assert refitted.encoder_ in reasons.EXPLANATIONS.by_encoder
