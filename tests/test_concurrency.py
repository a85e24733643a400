"""Review under concurrency: a write that lands while a re-run or a proposal is being computed
is never lost or doubled, the per-firm cap holds across concurrent runs, no index work happens
inside a write transaction, and a store that cannot take a write answers 503, never 500.

The interleavings are made deterministic by running the competing request from inside the
computation (between the read and the write of the request under test)."""

from __future__ import annotations

import contextlib
import itertools
import sqlite3
import threading
import time

import pytest
from conftest import company_body, valid_cvr
from test_networks import assert_hard_constraints, propose, register

from matchmaker import matching
from matchmaker.grouping import networks
from matchmaker.store import db as store
from matchmaker.store import proposals
from web.security import SQLiteCounters


def members(network) -> list[int]:
    return [m["id"] for m in network["members"]]


def interleave(monkeypatch, action, times: int = 1):
    """Run `action()` inside the next `times` calls of `networks.plan`, after it has read the
    store and before its caller writes (the window a concurrent request hits)."""
    real = networks.plan
    calls = {"n": 0}

    def plan(*args, **kwargs):
        result = real(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] <= times:
            action()
        return result

    monkeypatch.setattr(networks, "plan", plan)
    return calls


def test_an_accept_during_a_rerun_is_kept(client, auth, app, db, monkeypatch):
    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    register(client)
    body = propose(client, auth, seed=0, count=4).get_json()
    target = body["networks"][1]
    answers = []

    def accept():
        answers.append(client.post(f"/api/v1/networks/{target['id']}/accept", headers=auth))

    calls = interleave(monkeypatch, accept)
    rerun = client.post(f"/api/v1/networks/proposals/{body['id']}/rerun", json={}, headers=auth)
    assert rerun.status_code == 200, rerun.get_json()
    assert answers[0].status_code == 200 and answers[0].get_json()["status"] == "accepted"
    assert calls["n"] == 2  # the re-run saw it was overtaken and computed again
    after = {n["id"]: n for n in rerun.get_json()["networks"]}
    assert after[target["id"]]["status"] == "accepted"
    assert members(after[target["id"]]) == members(target)
    stored = client.get(f"/api/v1/networks/{target['id']}", headers=auth).get_json()
    assert stored["status"] == "accepted"
    others = [c for n in after.values() if n["id"] != target["id"] for c in members(n)]
    assert not set(others) & set(members(target))


def test_a_rerun_overtaken_by_another_rerun_writes_its_networks_once(client, auth, app, db,
                                                                   monkeypatch):  # fmt: skip
    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    register(client)
    body = propose(client, auth, seed=0, count=4).get_json()
    url = f"/api/v1/networks/proposals/{body['id']}/rerun"
    inner = []
    interleave(
        monkeypatch, lambda: inner.append(client.post(url, json={"seed": 3}, headers=auth)), 1
    )
    outer = client.post(url, json={"seed": 5}, headers=auth)
    assert inner[0].status_code == 200 and outer.status_code == 200, outer.get_json()
    stored = client.get(f"/api/v1/networks/proposals/{body['id']}", headers=auth).get_json()
    assert len(stored["networks"]) == len(body["networks"]) == 4
    placed = [c for n in stored["networks"] for c in members(n)]
    assert len(placed) == len(set(placed))  # no firm in two networks of one proposal
    assert (
        db.execute(
            "SELECT count(*) FROM proposal_groups WHERE proposal_id = ?", [body["id"]]
        ).fetchone()[0]
        == 4
    )


def test_proposals_made_at_once_keep_the_per_firm_cap(client, auth, app, db, monkeypatch):
    app.config["MAX_PROPOSALS_PER_FIRM"] = 1
    register(client)
    inner = []
    calls = interleave(monkeypatch, lambda: inner.append(propose(client, auth, seed=1, count=2)), 1)
    outer = propose(client, auth, seed=2, count=2)
    assert inner[0].status_code == 201 and outer.status_code == 201, outer.get_json()
    assert calls["n"] == 3  # inner, outer (refused inside its transaction), outer again
    assert max(proposals.active_memberships(db).values()) == 1
    first, second = inner[0].get_json(), outer.get_json()
    assert not {c for n in first["networks"] for c in members(n)} & {
        c for n in second["networks"] for c in members(n)
    }


def test_the_store_refuses_a_proposal_that_breaks_the_cap(db, app):
    ids = [profile_id(db, k) for k in range(4)]
    group = {"type": "x", "score": 1.0, "members": [{"id": c, "name": "x"} for c in ids]}
    proposals.save(db, "network", {}, {}, [group], max_per_firm=1)
    before = proposals.version(db)
    with pytest.raises(proposals.ProposalsChanged):
        proposals.save(db, "network", {}, {}, [group], max_per_firm=1)
    assert db["proposals"].count == 1 and proposals.version(db) == before  # nothing written


def profile_id(db, k: int) -> int:
    from matchmaker.store import profiles

    company, _ = profiles.create(db, company_body(cvr=valid_cvr(300 + k), name=f"Firma {k}"))
    return company["id"]


def test_review_steps_do_no_index_work_inside_a_write_transaction(client, auth, app, db,
                                                                  monkeypatch):  # fmt: skip
    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    ids = register(client)
    body = propose(client, auth, seed=0, count=2).get_json()
    network = body["networks"][0]
    outsider = next(c for c in ids if c not in {m for n in body["networks"] for m in members(n)})
    inside = []
    real = matching.match_index

    def watched(conn):
        inside.append(conn.conn.in_transaction)
        return real(conn)

    monkeypatch.setattr(matching, "match_index", watched)
    out = members(network)[0]
    swap = client.post(
        f"/api/v1/networks/{network['id']}/swap", json={"out": out, "in": outsider}, headers=auth
    )
    assert swap.status_code in (200, 409), swap.get_json()
    client.post(f"/api/v1/networks/proposals/{body['id']}/rerun", json={}, headers=auth)
    client.post(f"/api/v1/networks/{network['id']}/accept", headers=auth)
    assert inside and not any(inside)


def test_a_write_that_cannot_get_the_lock_answers_503_with_retry_after(app, client, auth, db):
    app.config["DB_BUSY_TIMEOUT_MS"] = 300
    holder = sqlite3.connect(app.config["DATABASE"], isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        answer = client.post("/api/v1/companies", json=company_body())
        assert time.monotonic() - started < 5
        assert answer.status_code == 503, answer.get_data(as_text=True)[:300]
        assert int(answer.headers["Retry-After"]) >= 1
        assert answer.get_json()["error"] and answer.get_json()["fields"] == {}
        # reads go on while the lock is held
        assert client.get("/api/v1/companies", headers=auth).status_code == 200
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert client.post("/api/v1/companies", json=company_body()).status_code == 201


def test_a_full_disk_answers_503_and_names_the_reason_in_the_log(app, client, auth, monkeypatch,
                                                                 caplog):  # fmt: skip
    client.post("/api/v1/companies", json=company_body())
    real = store.connect

    def full(*args, **kwargs):  # the disk fills up: not one page more
        conn = real(*args, **kwargs)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
        return conn

    monkeypatch.setattr(store, "connect", full)
    body = company_body(cvr=valid_cvr(7), description="x" * 4900, offers="y" * 2900)
    answer = client.post("/api/v1/companies", json=body)
    assert answer.status_code == 503 and answer.headers["Retry-After"]
    assert any("full" in r.getMessage() for r in caplog.records)
    assert client.get("/api/v1/companies", headers=auth).get_json()["total"] == 1


def test_a_read_only_store_serves_reads_and_refuses_writes_with_503(app, client, auth, db,
                                                                    monkeypatch):  # fmt: skip
    firm = client.post("/api/v1/companies", json=company_body()).get_json()
    monkeypatch.setenv("MATCHMAKER_READ_ONLY", "1")
    assert client.get(f"/api/v1/companies/{firm['id']}", headers=auth).status_code == 200
    assert client.get("/api/v1/companies", headers=auth).get_json()["total"] == 1
    write = client.patch(f"/api/v1/companies/{firm['id']}", json={"city": "Vejle"}, headers=auth)
    assert write.status_code == 503, write.get_data(as_text=True)[:300]
    new = client.post("/api/v1/companies", json=company_body(cvr=valid_cvr(9)))
    assert new.status_code == 503
    page = client.get(f"/p/{firm['edit_token']}")
    assert page.status_code == 200
    form = company_body(cvr=valid_cvr(11), name="Formular ApS") | {
        "markets": "Danmark", "consent": "on", "employees": "12", "founded": "1999"}  # fmt: skip
    refused = client.post("/register", data=form)
    assert refused.status_code == 503 and refused.headers["Retry-After"]
    assert "Vi kan ikke gemme lige nu" in refused.get_data(as_text=True)
    monkeypatch.delenv("MATCHMAKER_READ_ONLY")
    assert db["companies"].count == 1


def test_ids_are_never_reused_after_deletion(client, auth, db, app):
    first = client.post("/api/v1/companies", json=company_body()).get_json()
    assert client.delete(f"/api/v1/companies/{first['id']}", headers=auth).status_code == 204
    second = client.post("/api/v1/companies", json=company_body(cvr=valid_cvr(2))).get_json()
    assert second["id"] > first["id"]
    ids = [profile_id(db, k) for k in range(3)]
    group = {"type": "x", "score": 1.0, "members": [{"id": c, "name": "x"} for c in ids]}
    saved = proposals.save(db, "network", {}, {}, [group], max_per_firm=5)
    proposals.delete_proposal(db, saved["id"], "network")
    again = proposals.save(db, "network", {}, {}, [group], max_per_firm=5)
    assert again["id"] > saved["id"]
    assert again["groups"][0]["id"] > saved["groups"][0]["id"]


def test_an_old_store_is_migrated_keeping_every_row_and_id(tmp_path):
    from matchmaker.store import schema

    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    old = store.Store(conn)
    schema.MIGRATIONS[1](old)
    conn.execute("PRAGMA user_version = 1")
    for k in range(3):
        conn.execute(
            "INSERT INTO companies (name, region, kind, description, consent, edit_token_hash) "
            "VALUES (?, 'Midtjylland', 'company', 'd', 1, ?)",
            [f"Firma {k}", f"h{k}"],
        )
    conn.execute("INSERT INTO masterclasses (title, theme, capacity) VALUES ('AI', 'AI', 10)")
    conn.execute(
        "INSERT INTO responses (masterclass_id, company) VALUES (1, 'Svar ApS')"
    )  # a child row: the rebuild must keep its foreign key whole
    conn.close()
    migrated = store.connect(path)
    assert migrated.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    assert [r[0] for r in migrated.execute("SELECT id FROM companies ORDER BY id")] == [1, 2, 3]
    assert migrated.execute("PRAGMA foreign_key_check").fetchall() == []
    assert migrated["responses"].count == 1
    migrated.execute("DELETE FROM companies WHERE id = 3")
    with migrated.atomic():
        new_id = (
            migrated["companies"]
            .insert(
                {
                    "name": "Ny",
                    "region": "Midtjylland",
                    "kind": "company",
                    "description": "d",
                    "consent": 1,
                    "edit_token_hash": "h9",
                }  # fmt: skip
            )
            .last_pk
        )
    assert new_id == 4
    migrated.close()


def test_workers_starting_at_once_migrate_once(tmp_path):
    path = tmp_path / "race.sqlite3"
    errors = []

    def open_store():
        try:
            store.connect(path).close()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    workers = [threading.Thread(target=open_store) for _ in range(6)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    conn = store.connect(path)
    assert conn.execute("SELECT count(*) FROM store_versions").fetchone()[0] == 1
    conn.close()


@contextlib.contextmanager
def write_held_on_new_file(path, seconds: float = 0.3):
    """Another connection holds the write lock on a new file at `path`, and commits after
    `seconds` (a worker that switched it first and is still writing); the block runs meanwhile."""
    holder = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("CREATE TABLE early (x)")
    release = threading.Timer(seconds, holder.execute, args=("COMMIT",))
    release.start()
    try:
        yield
    finally:
        release.join()
        holder.close()


def test_opening_a_new_store_waits_out_another_connections_write(tmp_path):
    # A new file is in rollback-journal mode until someone switches it to WAL. While another
    # connection holds the write lock on it (a worker that switched first and is migrating),
    # SQLite answers the switch with "database is locked" at once, busy timeout or not.
    path = tmp_path / "new.sqlite3"
    with write_held_on_new_file(path):
        db = store.connect(path)
    assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.conn.execute("SELECT count(*) FROM store_versions").fetchone()[0] == 1
    db.close()


def test_a_new_rate_limit_file_waits_out_another_workers_write(tmp_path):
    # The counters file beside the store is new when the workers' first requests arrive; the
    # first to open it holds its write lock while the others switch it to WAL.
    path = tmp_path / "served.sqlite3.ratelimits"
    counters = SQLiteCounters("sqlite://" + str(path))
    with write_held_on_new_file(path):
        assert counters.incr("register/127.0.0.1", 60) == 1
    assert counters.incr("register/127.0.0.1", 60) == 2
    with contextlib.closing(sqlite3.connect(str(path))) as reader:
        assert reader.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_store_locked_past_the_timeout_still_says_so(tmp_path):
    path = tmp_path / "held.sqlite3"
    holder = sqlite3.connect(str(path), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("CREATE TABLE early (x)")
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError) as caught:
        store.connect(path, busy_timeout_ms=200)
    assert store.unavailable(caught.value) is not None
    assert 0.15 < time.monotonic() - started < 5
    holder.execute("ROLLBACK")
    holder.close()


def test_three_reruns_and_an_accept_from_threads_lose_nothing(app, auth, db):
    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    client = app.test_client()
    register(client)
    body = propose(client, auth, seed=0, count=4).get_json()
    target = body["networks"][0]
    url = f"/api/v1/networks/proposals/{body['id']}/rerun"
    answers = {}

    def call(name, method, path, payload=None):
        answers[name] = getattr(app.test_client(), method)(path, json=payload, headers=auth)

    jobs = [threading.Thread(target=call, args=(f"rerun{k}", "post", url, {"seed": k}))
            for k in range(3)]  # fmt: skip
    jobs.append(
        threading.Thread(
            target=call, args=("accept", "post", f"/api/v1/networks/{target['id']}/accept")
        )
    )
    for job in jobs:
        job.start()
    for job in jobs:
        job.join()
    statuses = {k: a.status_code for k, a in answers.items()}
    accept = statuses.pop("accept")
    assert statuses == dict.fromkeys(statuses, 200)
    # The accept came first (acknowledged, then kept through every re-run), or after a re-run
    # had replaced the network (404: nothing acknowledged, nothing accepted).
    assert accept in (200, 404), answers["accept"].get_json()
    stored = client.get(f"/api/v1/networks/proposals/{body['id']}", headers=auth).get_json()
    assert len(stored["networks"]) == 4
    by_id = {n["id"]: n for n in stored["networks"]}
    if accept == 200:
        assert by_id[target["id"]]["status"] == "accepted"
    else:
        assert target["id"] not in by_id
        assert all(n["status"] != "accepted" for n in stored["networks"])
    placed = [c for n in stored["networks"] for c in members(n)]
    assert len(placed) == len(set(placed))
    assert_hard_constraints(db, stored, max_per_firm=10)
    assert not [p for p in itertools.combinations(placed, 2) if p[0] == p[1]]
