"""Erasure that erases: after a firm deletes its profile no trace names it (chat turns and
cards, questionnaire answers, stored proposals and reasons), found by reference, never by
searching for its name; withdrawn consent stops acceptance and contact data in exports; a
retention command purges old conversations and logs."""

from __future__ import annotations

import json

import pytest
from conftest import company_body, valid_cvr
from test_chat import FIRMS as CHAT_FIRMS
from test_chat import ask, firm_cards
from test_networks import FIRMS, propose, register

from matchmaker.cli import main as cli
from matchmaker.store import profiles, questionnaires


def dump(db) -> str:
    """Every stored text a person could be named in, as one string."""
    parts = []
    for table in ("conversations", "proposals", "proposal_groups", "group_members", "responses",
                  "export_log", "company_changes", "pair_rules"):  # fmt: skip
        parts += [json.dumps(r, ensure_ascii=False) for r in db.query(f"SELECT * FROM {table}")]
    return "\n".join(parts)


@pytest.fixture
def chat_firms(client):
    stored = {}
    for i, firm in enumerate(CHAT_FIRMS):
        body = company_body(**firm, cvr=valid_cvr(100 + i), contact_email=f"kontakt{i}@example.dk",
                            contact_name=f"Kontakt Person{i}")  # fmt: skip
        body.setdefault("markets", ["Danmark"])
        answer = client.post("/api/v1/companies", json=body)
        assert answer.status_code == 201, answer.get_json()
        stored[firm["name"]] = answer.get_json()
    return stored


def test_a_deleted_firm_leaves_no_trace_in_chat_history_or_state(client, auth, chat_firms, db):
    gone = chat_firms["Padborg Eksportrådgivning"]
    first = ask(client, auth, "Find 3 partnere til Bjerringbro Bageri der kan hjælpe med eksport "
                "til Tyskland", session="a")  # fmt: skip
    assert gone["id"] in {c["id"] for c in firm_cards(first)}
    about = ask(client, auth, "find 2 partnere til Padborg Eksportrådgivning", session="b")
    assert about["entities"]["firm"]["id"] == gone["id"]
    ask(client, auth, "hej", session="c")
    own = {"Authorization": f"Bearer {gone['edit_token']}"}
    assert client.delete(f"/api/v1/companies/{gone['id']}", headers=own).status_code == 204
    for session in ("a", "b"):
        history = client.get(f"/api/v1/chat/history?session_id={session}", headers=auth)
        text = history.get_data(as_text=True)
        assert "Padborg" not in text and "kontakt2@example.dk" not in text
        assert "Person2" not in text
    assert "Padborg" not in dump(db) and "kontakt2@example.dk" not in dump(db)
    # The same session goes on without quoting the erased firm.
    follow = ask(client, auth, "og kun i Syddanmark", session="b")
    assert "Padborg" not in json.dumps(follow, ensure_ascii=False)
    # A session that never pointed at the firm keeps every turn.
    control = client.get("/api/v1/chat/history?session_id=c", headers=auth).get_json()
    assert control["total"] == 2


def test_erasure_is_by_reference_not_by_name(client, auth, db, app):
    """Deleting a firm called "Data" leaves "DataVærket ApS" whole, even in a shared network."""
    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    ids = register(client)
    vaerket = ids[5]
    assert client.get(f"/api/v1/companies/{vaerket}", headers=auth).get_json()["name"] == (
        "DataVærket ApS"
    )
    data = client.post(
        "/api/v1/companies",
        json=company_body(name="Data", cvr=valid_cvr(900), description="Data og analyse.",
                          offers="Dataanalyse", needs="Kunder", region="Midtjylland"),
    ).get_json()  # fmt: skip
    client.post("/api/v1/pairs/allow", json={"a": data["id"], "b": vaerket}, headers=auth)
    pool = [data["id"], vaerket, ids[0], ids[2]]
    shared = propose(client, auth, company_ids=pool, locked=[pool], count=1).get_json()
    assert {m["id"] for m in shared["networks"][0]["members"]} == set(pool), shared
    elsewhere = propose(client, auth, seed=0, company_ids=ids[:5], count=1).get_json()
    untouched = db.execute(
        "SELECT data FROM proposal_groups WHERE proposal_id = ?", [elsewhere["id"]]
    ).fetchall()
    assert client.delete(f"/api/v1/companies/{data['id']}", headers=auth).status_code == 204
    after = client.get(f"/api/v1/networks/proposals/{shared['id']}", headers=auth).get_json()
    names = {m["id"]: m["name"] for m in after["networks"][0]["members"]}
    assert names[vaerket] == "DataVærket ApS" and data["id"] not in names
    assert "slettet profil)Værket" not in json.dumps(after, ensure_ascii=False)
    assert (
        db.execute(
            "SELECT data FROM proposal_groups WHERE proposal_id = ?", [elsewhere["id"]]
        ).fetchall()
        == untouched
    )


def test_rename_then_delete_leaves_no_old_name_in_proposals_or_reasons(client, auth, db, app):
    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    ids = register(client)
    body = propose(client, auth, seed=0).get_json()
    network = body["networks"][0]
    victim = network["members"][0]
    old_name = victim["name"]
    others = [m for m in network["members"] if m["id"] != victim["id"]]
    assert client.patch(f"/api/v1/companies/{victim['id']}", json={"name": "Nyt Navn ApS"},
                        headers=auth).status_code == 200  # fmt: skip
    assert client.delete(f"/api/v1/companies/{victim['id']}", headers=auth).status_code == 204
    served = client.get(f"/api/v1/networks/proposals/{body['id']}", headers=auth)
    text = served.get_data(as_text=True)
    assert old_name not in text and "Nyt Navn ApS" not in text
    assert old_name not in dump(db)
    kept = next(n for n in served.get_json()["networks"] if n["id"] == network["id"])
    assert [m["id"] for m in kept["members"]] == [m["id"] for m in others]
    assert all(m["reason"] for m in kept["members"])  # described anew, without the erased firm
    assert victim["id"] not in {m["id"] for n in served.get_json()["networks"]
                                for m in n["members"]}  # fmt: skip
    assert len(ids) == len(FIRMS)


def test_a_network_left_below_its_smallest_size_says_so(client, auth, db, app):
    """An accepted network of three loses a member to an erasure: it keeps its status, and
    its warnings say it holds fewer firms than the proposal's smallest size."""
    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    ids = register(client)
    trio = [ids[0], ids[1], ids[2]]
    network = propose(client, auth, company_ids=trio, locked=[trio], count=1).get_json()[
        "networks"][0]  # fmt: skip
    assert not any(w["code"] == "networks.too_small" for w in network["warnings"])
    client.post(f"/api/v1/networks/{network['id']}/accept", headers=auth)
    assert client.delete(f"/api/v1/companies/{ids[2]}", headers=auth).status_code == 204
    after = client.get(f"/api/v1/networks/{network['id']}", headers=auth).get_json()
    assert [m["id"] for m in after["members"]] == trio[:2] and after["status"] == "accepted"
    small = [w for w in after["warnings"] if w["code"] == "networks.too_small"]
    assert small and "færre end forslagets mindste størrelse (3)" in small[0]["text"], after


def test_a_deleted_firms_questionnaire_answers_lose_name_and_cvr(client, auth, db):
    firm = client.post("/api/v1/companies", json=company_body()).get_json()
    masterclass = questionnaires.create_masterclass(
        db, {"title": "AI", "theme": "AI i produktionen", "capacity": 10}
    )
    own = {"Authorization": f"Bearer {firm['edit_token']}"}
    url = f"/api/v1/masterclasses/{masterclass['id']}/responses"
    answer = {
        "company": firm["name"],
        "cvr": firm["cvr"],
        "core_business": "Emballage til mejerier",
    }
    linked = client.post(url, json=answer, headers=own).get_json()
    second = questionnaires.create_masterclass(
        db, {"title": "Robotter", "theme": "Robotter i produktionen", "capacity": 10}
    )
    unlinked = client.post(  # same CVR, sent anonymously to another masterclass
        f"/api/v1/masterclasses/{second['id']}/responses", json=answer
    ).get_json()
    other = client.post(url, json={"company": "Andet Firma", "cvr": valid_cvr(55),
                                   "core_business": "Noget andet"}).get_json()  # fmt: skip
    assert client.delete(f"/api/v1/companies/{firm['id']}", headers=own).status_code == 204
    rows = {r["id"]: r for r in db.query("SELECT * FROM responses")}
    for gone in (linked["id"], unlinked["id"]):
        assert rows[gone]["cvr"] is None and rows[gone]["company"] != firm["name"]
        assert rows[gone]["core_business"] == "" and rows[gone]["company_id"] is None
    assert rows[other["id"]]["cvr"] == valid_cvr(55)
    assert firm["cvr"] not in dump(db) and firm["name"] not in dump(db)


def test_withdrawn_consent_stops_acceptance_and_contact_data_in_exports(client, auth, db, app):
    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    register(client)
    body = propose(client, auth, seed=0).get_json()
    network = body["networks"][0]
    member = network["members"][0]["id"]
    secret = {"contact_email": "hemmelig@firma.dk", "contact_name": "Hemmelig"}
    client.patch(f"/api/v1/companies/{member}", headers=auth, json=secret)
    export = client.get(f"/api/v1/networks/{network['id']}/export?format=csv", headers=auth)
    assert "hemmelig@firma.dk" in export.get_data(as_text=True)
    assert client.patch(f"/api/v1/companies/{member}", json={"consent": False},
                        headers=auth).status_code == 200  # fmt: skip
    accept = client.post(f"/api/v1/networks/{network['id']}/accept", headers=auth)
    assert accept.status_code == 409 and "consent" in accept.get_json()["error"]
    for fmt in ("csv", "json"):
        export = client.get(f"/api/v1/networks/{network['id']}/export?format={fmt}", headers=auth)
        assert export.status_code == 200
        assert "hemmelig@firma.dk" not in export.get_data(as_text=True)
        assert "Hemmelig" not in export.get_data(as_text=True)


def test_retention_purges_old_conversations_and_logs(client, auth, db, runner, monkeypatch):
    old, new = "2020-01-01T00:00:00+00:00", "2999-01-01T00:00:00+00:00"
    for stamp in (old, new):
        db["conversations"].insert({"session_id": "1:s", "role": "user", "text": "hej",
                                    "created_at": stamp})  # fmt: skip
        db["export_log"].insert({"user_id": 1, "object_kind": "network", "object_id": 1,
                                 "format": "csv", "created_at": stamp})  # fmt: skip
    firm = client.post("/api/v1/companies", json=company_body()).get_json()
    db.execute("UPDATE company_changes SET created_at = ? WHERE company_id = ?", [old, firm["id"]])
    client.patch(f"/api/v1/companies/{firm['id']}", json={"city": "Vejle"}, headers=auth)
    monkeypatch.setenv("MATCHMAKER_RETENTION_DAYS", "365")
    result = runner.invoke(cli, ["purge"])
    assert result.exit_code == 0, result.output
    assert "conversations: 1" in result.output
    assert [r["created_at"] for r in db.query("SELECT * FROM conversations")] == [new]
    assert [r["created_at"] for r in db.query("SELECT * FROM export_log")] == [new]
    changes = list(db.query("SELECT * FROM company_changes"))
    assert len(changes) == 1 and changes[0]["op"] == "update"
    dry = runner.invoke(cli, ["purge", "--days", "100000"])
    assert dry.exit_code == 0 and db["conversations"].count == 1


def test_an_accepted_network_stays_described_when_members_withdraw_consent_or_leave(
    client, auth, db, app
):
    """An accepted network of four: a member that withdraws consent is named in a warning and
    given no reasons, the others are described without it; a member that deletes itself on its
    private page leaves a network whose purpose and reasons are written anew (not emptied);
    consent given back clears the warning."""
    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    ids = register(client)
    four = ids[:4]
    network = propose(client, auth, company_ids=four, locked=[four], count=1).get_json()[
        "networks"][0]  # fmt: skip
    assert sorted(m["id"] for m in network["members"]) == sorted(four)
    assert client.post(f"/api/v1/networks/{network['id']}/accept", headers=auth).status_code == 200
    url = f"/api/v1/networks/{network['id']}"

    withdrawn = client.patch(f"/api/v1/companies/{four[2]}", json={"consent": False}, headers=auth)
    assert withdrawn.status_code == 200
    after = client.get(url, headers=auth).get_json()
    assert after["status"] == "accepted" and after["purpose"]
    warned = [w for w in after["warnings"] if w["code"] == "networks.no_consent"]
    assert warned and FIRMS[2]["name"] in warned[0]["text"], after["warnings"]
    reasons = {m["id"]: m["reason"] for m in after["members"]}
    assert reasons[four[2]] == "uden samtykke til at blive foreslået"
    assert all(reasons[c] and FIRMS[2]["name"] not in reasons[c] for c in (four[0], four[1]))

    token = profiles.rotate_token(db, four[3])
    assert client.post(f"/p/{token}/delete").status_code == 302
    after = client.get(url, headers=auth).get_json()
    assert [m["id"] for m in after["members"]] == [c for c in [m["id"] for m in network[
        "members"]] if c != four[3]]  # fmt: skip
    assert after["purpose"] and FIRMS[3]["name"] not in json.dumps(after, ensure_ascii=False)
    assert all(m["reason"] for m in after["members"]), after["members"]

    given = client.patch(f"/api/v1/companies/{four[2]}", json={"consent": True}, headers=auth)
    assert given.status_code == 200
    after = client.get(url, headers=auth).get_json()
    assert not [w for w in after["warnings"] if w["code"] == "networks.no_consent"]
    assert next(m for m in after["members"] if m["id"] == four[2])["reason"] != (
        "uden samtykke til at blive foreslået"
    )
