"""Load (issue 15): a re-fit of the match index runs in a process of its own, at a lower CPU
priority, and gives the index the worker would have fitted itself."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import fields

import numpy as np
import pytest
from conftest import company_body, valid_cvr

from matchmaker import matching
from matchmaker.matching import MatchIndex, refit
from matchmaker.matching.index import REFIT_THREAD
from matchmaker.matching.scoring import BlockScores, score_block
from matchmaker.store import db as store


def recipe(path: str, **changes) -> refit.Recipe:
    settings = dict(
        store=path, encoder=None, lexicon=None, scorer=None, refit_share=0.25,
        model_name=None, default_scorer=None, learn=False, hot=(),
    )  # fmt: skip
    return refit.Recipe(**(settings | changes))


def test_an_index_fitted_elsewhere_equals_one_fitted_here(client, app):
    for k in range(6):
        body = company_body(cvr=valid_cvr(300 + k), name=f"Proces {k} ApS")
        assert client.post("/api/v1/companies", json=body).status_code == 201
    path = app.config["DATABASE"]
    conn = store.connect(path, migrate=False)
    try:
        here = MatchIndex().fit(conn).refreshed(conn).warmed()
    finally:
        conn.close()
    hot = (here.vectors_.ids[4], here.vectors_.ids[1], 10**6)  # a firm gone meanwhile too
    there, ids, rows = refit.fitted_elsewhere(
        recipe(path, model_name=app.config["MODEL_NAME"], hot=hot)
    )
    assert there.fitted_by_["pid"] != os.getpid()
    # The rows of the firms asked about, scored there as a request here would score them.
    assert ids == list(hot[:2])
    asked = np.array([here.row_[cid] for cid in ids])
    here_rows = score_block(here, here.vectors_.take(asked), here.facts_.take(asked),
                            here.vectors_, here.facts_, "complementary")  # fmt: skip
    for f in fields(BlockScores):
        mine, theirs = getattr(here_rows, f.name), getattr(rows, f.name)
        assert (mine is None) == (theirs is None), f.name
        if mine is not None:
            assert mine.shape == theirs.shape == (2, 6), f.name
            assert np.allclose(mine, theirs, rtol=1e-6, atol=1e-6), f.name
    assert there.vectors_.ids == here.vectors_.ids and len(there) == 6
    for part, matrix in here.vectors_.sparse.items():
        assert (matrix != there.vectors_.sparse[part]).nnz == 0
        assert np.array_equal(here.vectors_.dense[part], there.vectors_.dense[part])
    assert (here.vectors_.structured != there.vectors_.structured).nnz == 0
    assert there.last_seq_ == here.last_seq_ and there.fitted_size_ == here.fitted_size_
    first = here.vectors_.ids[0]
    assert matching.partner_suggestions(there, first) == matching.partner_suggestions(here, first)


def test_a_child_that_fails_raises_with_its_error(app):
    broken = recipe(app.config["DATABASE"], encoder="not an encoder")
    with pytest.raises(RuntimeError, match="re-fit process ended with 1"):
        refit.fitted_elsewhere(broken)


def test_a_failed_refit_leaves_the_index_serving_and_is_not_retried_on_every_write(
    client, auth, app, monkeypatch
):
    tried: list[str] = []

    def failing(recipe, step=None):
        tried.append(recipe.store)
        raise RuntimeError("the re-fit process ended with 1: out of memory")

    monkeypatch.setattr(refit, "fitted_elsewhere", failing)
    for k in range(4):
        body = company_body(cvr=valid_cvr(400 + k), name=f"Fejl {k} ApS")
        assert client.post("/api/v1/companies", json=body).status_code == 201
    assert client.get("/api/v1/companies/1/partners", headers=auth).status_code == 200

    def register_and_ask(ks) -> dict:
        for k in ks:
            body = company_body(cvr=valid_cvr(400 + k), name=f"Fejl {k} ApS")
            assert client.post("/api/v1/companies", json=body).status_code == 201
            found = client.get(
                "/api/v1/companies/1/partners?limit=50&include_competitors=true", headers=auth
            )
            assert found.status_code == 200
        return found.get_json()

    register_and_ask(range(4, 10))  # past the change that calls for a re-fit
    deadline = time.monotonic() + 60
    refitting = {t.name for t in threading.enumerate()}
    while not tried or REFIT_THREAD in refitting:  # tried, failed and done
        assert time.monotonic() < deadline, "a re-fit was tried and failed"
        time.sleep(0.05)
        refitting = {t.name for t in threading.enumerate()}
    found = register_and_ask(range(10, 22))  # far past it again
    assert len(tried) == 1  # not tried again; the drifted index serves every firm meanwhile
    assert len(found["partners"]) == 21
