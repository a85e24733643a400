"""Load (issue 15): a registering firm is embedded before its write commits, so no index
catching up meets it without its vectors (a re-fit of the index runs in a process of its own:
tests/test_refit_process.py)."""

from __future__ import annotations

import os
import sqlite3
import threading

from conftest import company_body, valid_cvr
from test_speed_after_writes import published

from matchmaker.representation.embedding import load_model

DESCRIPTION = "Vi bygger solcelledrevne kølecontainere til fiskeindustrien i Nordatlanten."


def own_nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def spy_on_model(app, monkeypatch, database: str):
    """Record each text the sentence model encodes, with whether a firm with CVR 'watched'
    was stored at that moment and the nice value of the thread that ran the model."""
    model = load_model(app.config["MODEL_NAME"])
    seen: list[dict] = []
    watched: dict[str, str] = {}
    real = model.encode

    def spy(texts, *args, **kwargs):
        conn = sqlite3.connect(database)
        try:
            stored = conn.execute(
                "SELECT COUNT(*) FROM companies WHERE cvr = ?", [watched.get("cvr")]
            ).fetchone()[0]
        finally:
            conn.close()
        for text in [texts] if isinstance(texts, str) else texts:
            seen.append({"text": text, "stored": bool(stored), "nice": own_nice()})
        return real(texts, *args, **kwargs)

    monkeypatch.setattr(model, "encode", spy)
    return seen, watched


def test_a_registration_is_embedded_before_its_write_and_then_only_read(
    client, auth, app, monkeypatch
):
    for k in range(3):
        body = company_body(cvr=valid_cvr(700 + k), name=f"Nabo {k} ApS")
        assert client.post("/api/v1/companies", json=body).status_code == 201
    assert client.get("/api/v1/companies/1/partners", headers=auth).status_code == 200
    seen, watched = spy_on_model(app, monkeypatch, app.config["DATABASE"])
    watched["cvr"] = valid_cvr(777)
    body = company_body(cvr=watched["cvr"], name="Kølecontainer ApS", description=DESCRIPTION)
    answer = client.post("/api/v1/companies", json=body)
    assert answer.status_code == 201
    ours = [s for s in seen if DESCRIPTION in s["text"]]
    assert ours, "the registration embedded the firm's texts"
    assert not any(s["stored"] for s in ours)  # before the write: nobody could see it yet
    seen.clear()
    new = answer.get_json()["id"]
    for asking in (1, new):
        found = client.get(f"/api/v1/companies/{asking}/partners", headers=auth)
        assert found.status_code == 200
    assert not any(DESCRIPTION in s["text"] for s in seen)  # catching up only read its vectors
    assert new in published(app)
    others = client.get("/api/v1/companies/1/partners?limit=50&include_competitors=true",
                        headers=auth).get_json()  # fmt: skip
    assert new in {p["id"] for p in others["partners"]}  # suggestible at once


def test_an_invalid_registration_is_refused_with_its_fields_and_runs_no_model(
    client, app, monkeypatch
):
    seen, _ = spy_on_model(app, monkeypatch, app.config["DATABASE"])
    body = company_body(cvr=valid_cvr(778), description=DESCRIPTION) | {"employees": -5}
    answer = client.post("/api/v1/companies", json=body)
    assert answer.status_code == 422
    assert "employees" in answer.get_json()["fields"]
    assert not any(DESCRIPTION in s["text"] for s in seen)
    conn = sqlite3.connect(app.config["DATABASE"])
    try:
        assert conn.execute("SELECT COUNT(*) FROM companies").fetchone()[0] == 0
    finally:
        conn.close()
