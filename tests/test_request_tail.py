"""Speed after writes, the tail (issue 15): the slow suggestions were those of firms outside the
index (no consent) — their texts and clauses went through the sentence model on the request
and their clauses were analysed once per partner — and the garbage collector's full scans of
the start-up heap. A firm is embedded when stored whatever its consent, an explanation
analyses an outside firm once, a warmed-up worker freezes its start-up heap, and answers say
where their time went when `MATCHMAKER_SERVER_TIMING=1` asks."""

from __future__ import annotations

import gc
import os
import threading
import time

import pytest
from conftest import company_body, record_encodes, valid_cvr
from hypothesis import given, settings
from hypothesis import strategies as st
from test_speed_after_writes import published

from matchmaker import matching
from matchmaker.cli import main as cli
from matchmaker.matching import MatchIndex, kept_scores, refit
from matchmaker.reference import stopwatch
from matchmaker.representation import clauses
from matchmaker.representation.embedding import load_model
from matchmaker.store import db as store
from matchmaker.store import profiles
from web import create_app, warm_up

OUTSIDE = company_body(
    cvr=valid_cvr(901), name="Lukket Kølehus ApS", consent=False,
    description="Vi driver frysehuse med ammoniakanlæg til fiskeindustrien i Thyborøn.",
    offers="Frostlager til fisk; køletransport i Vestjylland.",
    needs="Partnere til varmegenvinding fra ammoniakanlæg; kunder med behov for frostlager.",
)  # fmt: skip


# The neighbours look alike (competitors of each other): ask for them all the same.
EVERY = "limit=5&include_competitors=true"


def neighbours(client, start: int, count: int = 4) -> None:
    for k in range(count):
        body = company_body(cvr=valid_cvr(start + k), name=f"Nabo {start + k} ApS")
        assert client.post("/api/v1/companies", json=body).status_code == 201


def test_a_firm_without_consent_is_embedded_when_stored_and_its_suggestions_run_no_model(
    client, auth, app, monkeypatch
):
    neighbours(client, 910)
    assert client.get("/api/v1/companies/1/partners", headers=auth).status_code == 200
    answer = client.post("/api/v1/companies", json=OUTSIDE)
    assert answer.status_code == 201
    outside = answer.get_json()["id"]
    encoded = record_encodes(monkeypatch, load_model(app.config["MODEL_NAME"]))
    found = client.get(f"/api/v1/companies/{outside}/partners?{EVERY}", headers=auth)
    assert found.status_code == 200 and found.get_json()["partners"]
    assert outside not in published(app)  # it stays out of the index ...
    assert encoded == []  # ... and its own suggestions only read its vectors
    # A firm that withdraws consent with new texts: embedded by its change, not by a request.
    changed = {"consent": False, "offers": "Tørreanlæg til tang og alger; procesvarme."}
    assert client.patch("/api/v1/companies/2", json=changed, headers=auth).status_code == 200
    assert any(changed["offers"] in text for text in encoded)
    encoded.clear()
    found = client.get(f"/api/v1/companies/2/partners?{EVERY}", headers=auth)
    assert found.status_code == 200 and found.get_json()["partners"]
    assert 2 not in published(app)
    assert encoded == []


def test_the_embed_command_embeds_firms_without_consent_too(client, auth, app, runner,
                                                            monkeypatch):  # fmt: skip
    neighbours(client, 920)
    conn = store.connect(app.config["DATABASE"], migrate=False)
    try:
        outside = profiles.create(conn, OUTSIDE)[0]["id"]  # stored without embedding
    finally:
        conn.close()
    result = runner.invoke(cli, ["embed"])
    assert result.exit_code == 0, result.output
    assert "5 profiles (4 consenting" in result.output
    encoded = record_encodes(monkeypatch, load_model(app.config["MODEL_NAME"]))
    found = client.get(f"/api/v1/companies/{outside}/partners?{EVERY}", headers=auth)
    assert found.status_code == 200 and found.get_json()["partners"]
    assert encoded == []


def test_an_outside_firms_clauses_are_analysed_once_per_request(client, auth, app,
                                                                monkeypatch):  # fmt: skip
    neighbours(client, 930, count=6)
    outside = client.post("/api/v1/companies", json=OUTSIDE).get_json()["id"]
    assert client.get("/api/v1/companies/1/partners", headers=auth).status_code == 200
    analysed: list[str] = []
    real = clauses.analyse

    def counted(texts, *args, **kwargs):
        analysed.extend(texts)
        return real(texts, *args, **kwargs)

    monkeypatch.setattr(clauses, "analyse", counted)
    found = client.get(f"/api/v1/companies/{outside}/partners?{EVERY}", headers=auth)
    partners = found.get_json()["partners"]
    assert len(partners) >= 3
    assert analysed.count(OUTSIDE["needs"]) == 1
    assert analysed.count(OUTSIDE["offers"]) == 1


@pytest.fixture
def frozen_heap_undone():
    yield
    matching.stop_keeping_current()
    gc.unfreeze()
    kept_scores.forget()


def test_a_warmed_up_worker_leaves_its_start_up_heap_out_of_the_collectors_sight(
    client, app, monkeypatch, frozen_heap_undone
):
    neighbours(client, 940)
    monkeypatch.setenv("MATCHMAKER_WARM_UP", "1")
    loading = warm_up(app)
    loading.join(timeout=300)
    assert not loading.is_alive()
    index = published(app)
    assert index is not None and len(index) == 4
    for cid in index.vectors_.ids:  # the first requests' rows scored ahead
        assert kept_scores.has_row(index, cid, "complementary")
    assert gc.get_freeze_count() > 0
    tracked = {id(o) for o in gc.get_objects()}  # what a full collection scans
    assert id(index.profiles_) not in tracked
    assert id(index.clauses_.entries) not in tracked
    later = ["made after the warm-up", []]
    assert id(later) in {id(o) for o in gc.get_objects()}  # new objects are collected as ever


def test_a_warming_web_worker_loads_and_runs_the_sentence_model_before_any_write(
    app, monkeypatch, frozen_heap_undone
):
    """Proposals never need the model, so it loads lazily; a web worker encodes registrations
    and chat, so its warm-up loads it instead of the first registration (~3 s)."""
    from matchmaker.representation import embedding

    loaded, real = [], embedding.load_model
    monkeypatch.setattr(embedding, "load_model", lambda name: loaded.append(name) or real(name))
    monkeypatch.setenv("MATCHMAKER_WARM_UP", "1")
    loading = warm_up(app)
    loading.join(timeout=300)
    assert not loading.is_alive()
    assert loaded == [app.config["MODEL_NAME"]]


def test_a_worker_not_asked_to_warm_up_changes_nothing(app, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_WARM_UP", "0")
    frozen = gc.get_freeze_count()
    assert warm_up(app) is None
    assert gc.get_freeze_count() == frozen


def timing_of(answer) -> dict[str, float]:
    """{name: ms} of an answer's Server-Timing header ('app;dur=12.5, cpu;dur=9.1')."""
    out = {}
    for part in filter(None, (answer.headers.get("Server-Timing") or "").split(",")):
        name, _, duration = part.strip().partition(";dur=")
        out[name] = float(duration)
    return out


def test_answers_say_where_their_time_went_when_asked(db_path, auth, monkeypatch):
    timed = create_app({"TESTING": True, "DATABASE": str(db_path), "SECRET_KEY": "test-secret",
                        "RATELIMIT_ENABLED": False, "SERVER_TIMING": True})  # fmt: skip
    client = timed.test_client()
    answer = client.post("/api/v1/companies", json=company_body(cvr=valid_cvr(950)))
    assert answer.status_code == 201
    stored = timing_of(answer)
    assert {"app", "cpu", "others", "gc"} <= set(stored)
    neighbours(client, 951, count=3)
    assert client.get("/api/v1/companies/1/partners", headers=auth).status_code == 200
    answer = client.post("/api/v1/companies", json=company_body(cvr=valid_cvr(960)))
    assert "catchup" in timing_of(answer)  # the write caught up the index it had
    found = client.get(f"/api/v1/companies/1/partners?{EVERY}", headers=auth)
    assert found.get_json()["partners"]
    stages = timing_of(found)
    assert {"index", "query", "score", "rules", "reasons"} <= set(stages)
    assert stages["app"] >= stages["score"] + stages["reasons"] > 0
    assert all(v >= 0 for v in stages.values())
    # Errors are timed too; and by default nothing is added.
    assert "app" in timing_of(client.get("/api/v1/companies/999/partners", headers=auth))
    plain = create_app({"TESTING": True, "DATABASE": str(db_path), "SECRET_KEY": "test-secret",
                        "RATELIMIT_ENABLED": False})  # fmt: skip
    monkeypatch.delenv("MATCHMAKER_SERVER_TIMING", raising=False)
    answer = plain.test_client().get("/api/v1/companies/1/partners", headers=auth)
    assert answer.status_code == 200 and "Server-Timing" not in answer.headers


def test_a_stage_is_timed_only_while_someone_records():
    with stopwatch.stage("alone"):
        pass  # nobody records: nothing to keep, nothing fails
    with stopwatch.recording() as record:
        for _ in range(2):
            with stopwatch.stage("twice"):
                sum(range(1000))
        with pytest.raises(ValueError), stopwatch.stage("failed"):
            raise ValueError
    assert set(record) == {"twice", "failed"} and record["twice"] > 0
    with stopwatch.stage("after"):
        pass
    assert "after" not in record


def own_nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_a_refit_is_fitted_in_a_lowered_process_and_swapped_in_at_the_requests_priority(
    client, auth, app, monkeypatch
):
    neighbours(client, 970, count=3)
    assert client.get("/api/v1/companies/1/partners", headers=auth).status_code == 200
    calls: list[tuple[str, int]] = []
    real = MatchIndex.refreshed

    def watched(self, db):
        calls.append((threading.current_thread().name, own_nice()))
        return real(self, db)

    monkeypatch.setattr(MatchIndex, "refreshed", watched)
    request_nice = own_nice()
    neighbours(client, 980, count=7)  # past the 25 % of change that calls for a re-fit
    assert client.get("/api/v1/companies/1/partners", headers=auth).status_code == 200
    deadline = time.monotonic() + 120
    while published(app).fitted_size_ <= 3 and time.monotonic() < deadline:
        time.sleep(0.1)  # the re-fit runs beside the requests and is swapped in when whole
    assert published(app).fitted_size_ > 3 and len(published(app)) == 10
    swapped = published(app)
    fitted_by = swapped.fitted_by_  # fitted (and caught up) in a process of its own, lowered
    assert fitted_by["pid"] != os.getpid()
    assert fitted_by["nice"] == min(19, request_nice + refit.NICE_STEP)
    swapping = [nice for name, nice in calls if name == "match-index-refit"]
    assert swapping and set(swapping) == {request_nice}  # under the lock: not lowered
    # The row of the firm asked about came scored with the re-fit, the others did not.
    assert kept_scores.has_row(swapped, 1, "complementary")
    assert not any(kept_scores.has_row(swapped, cid, "complementary")
                   for cid in swapped.row_ if cid != 1)  # fmt: skip


def test_rows_scored_ahead_are_not_kept_when_a_firm_changed_before_the_swap(
    client, auth, app, monkeypatch
):
    neighbours(client, 970, count=3)
    assert client.get("/api/v1/companies/1/partners", headers=auth).status_code == 200
    real, came_back = refit.fitted_elsewhere, []

    def edited_meanwhile(recipe, step=None):
        found = real(recipe, step)
        came_back.append(found)
        edit = {"offers": "Vi leverer kun regnskab og løn."}  # while the re-fit ran
        assert client.patch("/api/v1/companies/2", headers=auth, json=edit).status_code == 200
        return found

    monkeypatch.setattr(refit, "fitted_elsewhere", edited_meanwhile)
    neighbours(client, 980, count=7)  # past the 25 % of change that calls for a re-fit
    assert client.get("/api/v1/companies/1/partners", headers=auth).status_code == 200
    deadline = time.monotonic() + 120
    while published(app).fitted_size_ <= 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    swapped = published(app)
    fitted, ids, rows = came_back[0]
    assert ids == [1] and rows is not None  # firm 1 was asked about: scored ahead
    assert swapped.fitted_size_ > 3 and swapped.lineage_ is not fitted.lineage_
    # Its row would be of no use (the edit started a lineage of its own): not kept.
    assert kept_scores.hot(fitted) == [] and not kept_scores.has_row(swapped, 1, "complementary")


@given(
    gaps=st.lists(st.tuples(st.floats(0, 5), st.floats(0, 5)), min_size=0, max_size=300),
    began=st.floats(0, 800),
    length=st.floats(0, 100),
)
@settings(max_examples=200, deadline=None)
def test_the_collector_pauses_of_a_request_are_those_that_overlap_it(gaps, began, length):
    """Read back from the newest collection only as far as the request began: the same sum as
    over every collection kept."""
    from web import timing

    kept = timing._COLLECTIONS.copy()
    collecting = gc.isenabled()
    gc.disable()  # a collection during the test would append to the deque the test fills
    try:
        timing._COLLECTIONS.clear()
        at = 0.0
        for pause, duration in gaps:  # collections one after another, in the order they end
            timing._COLLECTIONS.append((at + pause, at + pause + duration))
            at += pause + duration
        ended = began + length
        every = sum(max(0.0, min(e, ended) - max(s, began)) for s, e in timing._COLLECTIONS)
        assert timing.collector_pauses(began, ended) == pytest.approx(every, abs=1e-9)
    finally:
        timing._COLLECTIONS.clear()
        timing._COLLECTIONS.extend(kept)
        if collecting:
            gc.enable()
