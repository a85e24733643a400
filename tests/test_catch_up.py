"""Speed after writes (issue 15), the catch-up: a write leaves its process's index current
(transposes computed before it is published), a thread takes in other processes' writes, and
what the suggestions say is the same as from an index built whole; the chat's intents and the
sentence vectors of texts never stored are not recomputed on every request."""

from __future__ import annotations

import copy
import sqlite3
import threading
import time

import numpy as np
import pytest
from conftest import record_encodes
from test_speed_after_writes import firm_body, published

from matchmaker import matching
from matchmaker.chat import intents
from matchmaker.chat.names import Gazetteer, find_firms, name_core
from matchmaker.matching import MatchIndex
from matchmaker.representation.embedding import ProfileVectors, load_model
from matchmaker.representation.sentence import SentenceEncoder
from matchmaker.store import company_feed, profiles
from matchmaker.store import db as store


def rebuilt_whole(index: MatchIndex) -> MatchIndex:
    """The same snapshot with its vectors as one matrix, nothing computed ahead."""
    whole = copy.copy(index)
    v = index.vectors_
    whole.vectors_ = ProfileVectors(v.ids, dict(v.dense), dict(v.sparse), v.structured)
    return whole


def listed(found) -> list[tuple]:
    return [(s.id, s.score, s.type, tuple(s.reasons), tuple(s.flags)) for s in found]


def test_a_write_leaves_the_index_current_and_it_suggests_as_one_built_whole(
    client, auth, app, monkeypatch
):
    for k in range(3):
        assert client.post("/api/v1/companies", json=firm_body(k)).status_code == 201
    assert client.get("/api/v1/companies/1/partners", headers=auth).status_code == 200
    refreshes: list[int] = []
    real = MatchIndex.refreshed

    def watched(self, db):
        if threading.current_thread() is threading.main_thread():  # not a background re-fit
            refreshes.append(1)
        return real(self, db)

    monkeypatch.setattr(MatchIndex, "refreshed", watched)
    conn = store.connect(app.config["DATABASE"], migrate=False)
    try:
        for k in range(3, 12):
            answer = client.post("/api/v1/companies", json=firm_body(k))
            assert answer.status_code == 201
            new = answer.get_json()["id"]
            index = published(app)
            assert index.last_seq_ == company_feed.last_change(conn)  # caught up by the write
            assert new in index
            for block in index.vectors_.row_blocks():  # computed before it was published
                assert {"profile", "offers", "needs", "structured"} <= set(block.kept)
                assert sum(1 for key in block.kept if key[0] == "t") == 9  # 3 parts × 3 blocks
            done = len(refreshes)
            for asking in (1, new):
                found = client.get(f"/api/v1/companies/{asking}/partners?limit=10",
                                   headers=auth)  # fmt: skip
                assert found.status_code == 200 and found.get_json()["partners"]
            assert len(refreshes) == done  # the suggestions found the index current
            others = matching.partner_suggestions(index, 1, limit=50, db=conn,
                                                  include_competitors=True)  # fmt: skip
            assert new in {s.id for s in others}  # suggestible at once
            whole = rebuilt_whole(index)
            for asking in (1, new):
                for mode in ("complementary", "similar"):
                    caught = matching.partner_suggestions(index, asking, limit=10, mode=mode,
                                                          db=conn)  # fmt: skip
                    built = matching.partner_suggestions(whole, asking, limit=10, mode=mode,
                                                         db=conn)  # fmt: skip
                    assert listed(caught) == listed(built)
        assert len(index.vectors_.row_blocks()) > 1  # the rows were appended, not rebuilt
    finally:
        conn.close()


def test_a_thread_takes_in_what_another_process_wrote(client, auth, app):
    for k in range(3):
        assert client.post("/api/v1/companies", json=firm_body(k)).status_code == 201
    assert client.get("/api/v1/companies/1/partners", headers=auth).status_code == 200
    before = published(app)
    other = store.connect(app.config["DATABASE"], migrate=False)  # as another worker would
    matching.keep_current(0.05)
    try:
        company, _ = profiles.create(other, firm_body(20))
        matching.embed_stored(other, [company["id"]])
        deadline = time.monotonic() + 30
        while company["id"] not in published(app) and time.monotonic() < deadline:
            time.sleep(0.05)
        index = published(app)
        assert index is not before and company["id"] in index
        assert index.last_seq_ == company_feed.last_change(other)
        whole = rebuilt_whole(index)
        caught = matching.partner_suggestions(index, company["id"], limit=10, db=other)
        assert listed(caught) == listed(
            matching.partner_suggestions(whole, company["id"], limit=10, db=other)
        )
        assert caught
        found = client.get(f"/api/v1/companies/{company['id']}/partners", headers=auth)
        assert found.status_code == 200
        assert [p["id"] for p in found.get_json()["partners"]] == [s.id for s in caught[:5]]
    finally:
        matching.stop_keeping_current()
        other.close()
    index = published(app)
    stored = store.connect(app.config["DATABASE"], migrate=False)
    try:  # every acknowledged firm is there, and nothing half-written
        assert set(index.ids()) == {r["id"] for r in company_feed.consenting(stored)}
        assert stored.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        stored.close()


def test_intent_probabilities_are_scikit_learns_without_its_calls(monkeypatch):
    intents.ensure_trained()
    model = intents.load()
    texts, _ = intents.read_utterances()
    masked = [intents.mask_names(t) for t in texts] + ["", "???", "hej " * 50]
    assert np.array_equal(model.probabilities(masked), model.pipeline_.predict_proba(masked))

    def refused(*args, **kwargs):
        raise AssertionError("the calibrated classifiers were called one by one")

    step = model.pipeline_.steps[-1][1]
    monkeypatch.setattr(type(step), "predict_proba", refused)
    prediction = intents.classify("Find fem partnere til Limfjordens Mejeriselskab",
                                  [(22, 47)])  # fmt: skip
    assert prediction.intent == "find_partners"
    assert abs(sum(prediction.probabilities.values()) - 1.0) < 1e-9


def test_a_text_never_stored_is_encoded_once_and_a_stored_one_always_reaches_the_store(
    db, monkeypatch
):
    encoder = SentenceEncoder()
    model = load_model(encoder.model_name)
    encoded = record_encodes(monkeypatch, model)
    theme = f"Cirkulær emballage af tang til fiskeindustrien {time.time_ns()}"
    first = encoder.encode([theme])
    again = SentenceEncoder().encode([theme, theme])
    assert encoded == [theme]  # a request's theme: encoded once per process
    assert np.array_equal(again[0], first[0]) and np.array_equal(again[1], first[0])
    read_only = SentenceEncoder().encode([theme], db=db, write_cache=False)
    assert np.array_equal(read_only[0], first[0]) and encoded == [theme]
    stored = SentenceEncoder().encode([theme], db=db)  # a write runs the model and stores
    assert encoded == [theme, theme]
    assert np.allclose(stored[0], first[0], atol=1e-5)
    assert db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0] >= 1


@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE"])
def test_a_refused_write_or_one_without_an_index_changes_nothing(client, auth, app, method):
    assert client.post("/api/v1/companies", json=firm_body(1)).status_code == 201
    assert published(app) is None  # no index yet: a write builds none
    assert client.get("/api/v1/companies/1/partners", headers=auth).status_code == 200
    before = published(app)
    url = "/api/v1/companies" if method == "POST" else "/api/v1/companies/999"
    answer = client.open(url, method=method, json={"name": ""}, headers=auth)
    assert answer.status_code >= 400
    assert published(app) is before


def test_the_gazetteer_rebuilt_after_a_registration_folds_only_the_new_name():
    stamp = time.time_ns()
    names = [(i, f"Fjordens Røgeri {stamp} {i} ApS") for i in range(1, 40)]
    first = Gazetteer(names)
    before = name_core.cache_info()
    grown = Gazetteer([*names, (40, f"Nørre Åby Smedie {stamp} A/S")])
    after = name_core.cache_info()
    assert after.misses - before.misses == 1 and after.hits - before.hits == 39
    assert [f.core_a for f in grown.firms[:39]] == [f.core_a for f in first.firms]
    found = find_firms(f"Find partnere til Norre Aaby Smedie {stamp}", grown)
    assert found and found[0].matches[0]["id"] == 40


def test_a_catch_up_that_fails_never_fails_the_write(client, auth, app, monkeypatch):
    from matchmaker.matching import index as index_module

    assert client.post("/api/v1/companies", json=firm_body(1)).status_code == 201
    assert client.get("/api/v1/companies/1/partners", headers=auth).status_code == 200
    real = index_module.match_index

    def busy(db):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(index_module, "match_index", busy)
    answer = client.post("/api/v1/companies", json=firm_body(2))
    assert answer.status_code == 201  # acknowledged: the write stands
    new = answer.get_json()["id"]
    assert new not in published(app)
    monkeypatch.setattr(index_module, "match_index", real)
    found = client.get("/api/v1/companies/1/partners?limit=50&include_competitors=true",
                       headers=auth)  # fmt: skip
    assert new in {p["id"] for p in found.get_json()["partners"]}  # the next request caught up
