"""Speed after writes (issue 15): new firms are embedded when they are stored, the index takes
them in without re-fitting on the request path, and a new firm is matchable at once."""

from __future__ import annotations

import threading
import time

import numpy as np
import scipy.sparse as sp
from conftest import company_body, record_encodes, valid_cvr
from sklearn.preprocessing import normalize
from test_matching import FIRMS

from matchmaker import matching
from matchmaker.matching import MatchIndex
from matchmaker.reference.lexicon import default_lexicon
from matchmaker.representation import vectors as profile_vectors
from matchmaker.representation.capabilities import ConceptChoice
from matchmaker.representation.embedding import HybridEncoder, ProfileVectors, load_model
from matchmaker.representation.lexical import LexicalEncoder
from matchmaker.store import db as store


def firm_body(k: int, **overrides) -> dict:
    """A registration body built from the k-th test firm (its own name, CVR and texts)."""
    firm = FIRMS[k % len(FIRMS)]
    fields = ("name", "employees", "region", "nace", "description", "offers", "needs", "markets")
    body = {f: firm[f] for f in fields if f in firm}
    body["name"] = f"{firm['name']} {k}"
    return company_body(cvr=valid_cvr(500 + k), **body) | overrides


def test_a_registered_firm_is_embedded_by_its_own_request_and_only_read_later(
    client, auth, app, monkeypatch
):
    for k in range(3):
        assert client.post("/api/v1/companies", json=firm_body(k)).status_code == 201
    assert client.get("/api/v1/companies/1/partners", headers=auth).status_code == 200
    model = load_model(app.config["MODEL_NAME"])
    encoded = record_encodes(monkeypatch, model)
    description = "Vi bygger solcelledrevne kølecontainere til fiskeindustrien i Nordatlanten."
    answer = client.post("/api/v1/companies", json=firm_body(7, description=description))
    assert answer.status_code == 201
    assert any(description in t for t in encoded)  # embedded while it was stored
    encoded.clear()
    new = answer.get_json()["id"]
    for asking in (1, new):
        assert client.get(f"/api/v1/companies/{asking}/partners", headers=auth).status_code == 200
    assert not any(description in t for t in encoded)  # the index only read its vectors
    assert new in published(app)


def published(app) -> MatchIndex:
    """The index this process has published for the app's store."""
    conn = store.connect(app.config["DATABASE"], migrate=False)
    try:
        return matching.published(conn)
    finally:
        conn.close()


def test_registrations_never_refit_the_index_on_the_request_path(client, auth, app, monkeypatch):
    for k in range(3):
        client.post("/api/v1/companies", json=firm_body(k))
    fits: list[str] = []
    real = MatchIndex.fit

    def watched(self, *args, **kwargs):
        fits.append(threading.current_thread().name)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(MatchIndex, "fit", watched)
    request_thread = threading.current_thread().name
    assert client.get("/api/v1/companies/1/partners", headers=auth).status_code == 200
    registered = []
    for k in range(3, 15):  # four times the 25 % that call for a re-fit
        answer = client.post("/api/v1/companies", json=firm_body(k))
        registered.append(answer.get_json()["id"])
        found = client.get(f"/api/v1/companies/{registered[-1]}/partners?limit=20", headers=auth)
        assert found.status_code == 200 and found.get_json()["partners"]
        assert fits.count(request_thread) == 1  # built once, then only caught up
        others = client.get("/api/v1/companies/1/partners?limit=50&include_competitors=true",
                            headers=auth).get_json()  # fmt: skip
        assert set(registered) <= {p["id"] for p in others["partners"]}  # matchable at once
    deadline = time.monotonic() + 120
    while published(app).fitted_size_ < 15 and time.monotonic() < deadline:
        time.sleep(0.2)  # the re-fit runs beside the requests and is swapped in when whole
    index = published(app)
    assert len(index) == 15 and index.fitted_size_ > 3 and fits.count(request_thread) == 1


def test_appended_rows_give_the_same_dots_as_one_matrix():
    profiles = [dict(f, id=i + 1) for i, f in enumerate(FIRMS * 3)]
    encoder = HybridEncoder().fit(profiles[:4])
    whole = encoder.transform(profiles)
    grown = whole.take(range(4))
    for start in range(4, len(profiles)):  # one firm at a time, as registrations come
        grown = ProfileVectors.concat([grown, whole.take([start])])
        assert len(grown.row_blocks()) <= profile_vectors.MOST_ROW_BLOCKS
    assert grown.ids == whole.ids
    query = whole.take([0, 5])
    columns = encoder.lexical_.block_columns_["chars"]
    for part in ("profile", "offers", "needs"):
        q = query.sparse[part]
        assert np.allclose(grown.sparse_dots(q, part), whole.sparse_dots(q, part), atol=1e-6)
        qb, _ = query.block(part, columns)
        assert np.allclose(grown.block_dots(qb, part, columns), whole.block_dots(qb, part, columns))
        assert np.allclose(grown.block_norms(part, columns), whole.block_norms(part, columns))
        assert np.array_equal(grown.dense[part], whole.dense[part])
    assert np.allclose(
        grown.structured_dots(query.structured), whole.structured_dots(query.structured)
    )
    sims = encoder.similarity(query, grown, "needs", "offers")
    assert np.allclose(sims, encoder.similarity(query, whole, "needs", "offers"), atol=1e-5)


def sklearn_lexical(encoder, texts, choices=None):
    """The lexical vectors as scikit-learn's own TfidfVectorizer.transform computes them, the
    confirmed concepts weighed up after it."""
    weights = {"words": encoder.word_weight, "concepts": encoder.concept_weight,
               "chars": encoder.char_weight}  # fmt: skip
    blocks = []
    for name, vec in encoder.vectorizers_.items():
        if name != "concepts":
            blocks.append(normalize(vec.transform(texts)) * np.sqrt(weights[name]))
            continue
        docs = [
            choice.apply(default_lexicon().concept_ids(text)) if choice else text
            for text, choice in zip(texts, choices or [None] * len(texts), strict=True)
        ]
        block = vec.transform(docs).tolil()
        for row, choice in enumerate(choices or []):
            for concept in choice.confirmed if choice else ():
                column = vec.vocabulary_.get(concept)
                if column is not None and block[row, column]:
                    block[row, column] *= encoder.confirmed_weight
        blocks.append(normalize(block.tocsr()) * np.sqrt(weights[name]))
    return normalize(sp.hstack(blocks, format="csr"))


def test_lexical_transform_gives_scikit_learns_numbers():
    fitted = [f[k] for f in FIRMS for k in ("description", "offers", "needs")]
    encoder = LexicalEncoder().fit(fitted)
    texts = [*fitted, "", "qqq xyzzy", "Eksport til Tyskland, Norge og Sverige", "export"]
    ours, theirs = encoder.transform(texts), sklearn_lexical(encoder, texts)
    assert ours.shape == theirs.shape and ours.dtype == np.float32
    assert ours.nnz == theirs.nnz and ours[len(fitted)].nnz == 0  # the empty text stays empty
    assert abs(ours - theirs).max() < 1e-6
    assert np.allclose(sp.linalg.norm(ours[: len(fitted)], axis=1), 1.0, atol=1e-5)


def test_lexical_transform_weighs_confirmed_concepts_as_scikit_learn_does():
    fitted = [f[k] for f in FIRMS for k in ("description", "offers", "needs")]
    encoder = LexicalEncoder().fit(fitted)
    read = [default_lexicon().concept_ids(t) for t in fitted]
    choices = [
        ConceptChoice(confirmed=tuple(r[:1]), removed=tuple(r[1:2])) if i % 2 and r else None
        for i, r in enumerate(read)
    ]
    assert sum(1 for c in choices if c and c.confirmed) >= 3  # the case is exercised
    ours, theirs = encoder.transform(fitted, choices), sklearn_lexical(encoder, fitted, choices)
    assert abs(ours - theirs).max() < 1e-6
    assert abs(ours - encoder.transform(fitted)).max() > 1e-3  # the choices changed the rows


def test_an_index_caught_up_on_new_firms_holds_what_one_built_at_once_holds(client, app):
    for k in range(3):
        assert client.post("/api/v1/companies", json=firm_body(k)).status_code == 201
    conn = store.connect(app.config["DATABASE"], migrate=False)
    try:
        grown = MatchIndex().fit(conn)
        for k in range(3, 8):  # one new firm at a time: each catch-up appends to the last
            kind = {"kind": "knowledge_institution"} if k % 2 else {}
            assert client.post("/api/v1/companies", json=firm_body(k, **kind)).status_code == 201
            grown = grown.refreshed(conn)
        whole = MatchIndex().fit(conn)
    finally:
        conn.close()
    assert grown.vectors_.ids == whole.vectors_.ids and len(grown) == 8
    assert grown.row_ == whole.row_ and grown.profiles_ == whole.profiles_
    for column in ("kind_", "size_", "nace_", "region_"):
        assert list(getattr(grown, column)) == list(getattr(whole, column))
    assert set(grown.kind_) == {"company", "knowledge_institution"}
