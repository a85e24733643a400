"""A facilitator's review: accept, reject, lock, swap, re-run and 'never together' pairs,
stored and respected by later runs."""

from __future__ import annotations

import itertools
import re

from conftest import company_body, valid_cvr
from test_networks import FIRMS, assert_hard_constraints, pairs_of, propose, register


def members(network) -> list[int]:
    return [m["id"] for m in network["members"]]


def snapshot(db) -> tuple:
    tables = ("proposals", "proposal_groups", "group_members", "pair_rules")
    return tuple(list(db.query(f"SELECT * FROM {t}")) for t in tables)


def test_accept_and_reject(client, auth, db, app):
    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    register(client)
    body = propose(client, auth, seed=2).get_json()
    first, second = body["networks"][:2]
    accepted = client.post(f"/api/v1/networks/{first['id']}/accept", headers=auth)
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"
    rejected = client.post(f"/api/v1/networks/{second['id']}/reject", headers=auth)
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    assert rejected.get_json()["decision"]["changed"] is False
    rules = {(r["a_id"], r["b_id"]) for r in db.query("SELECT * FROM pair_rules")}
    assert rules == set(itertools.combinations(sorted(members(second)), 2))
    # A decision can be changed both ways, and the answer says so.
    again = client.post(f"/api/v1/networks/{second['id']}/accept", headers=auth)
    assert again.status_code == 200 and again.get_json()["status"] == "accepted"
    decision = again.get_json()["decision"]
    assert decision["changed"] and decision["previous_status"] == "rejected" and decision["note"]
    assert db["pair_rules"].count == 0  # its pairs are no longer on record as rejected
    back = client.post(f"/api/v1/networks/{second['id']}/reject", headers=auth)
    assert back.status_code == 200 and back.get_json()["decision"]["previous_status"] == "accepted"
    assert back.get_json()["decision"]["changed"]
    assert {(r["a_id"], r["b_id"]) for r in db.query("SELECT * FROM pair_rules")} == rules
    stored = client.get(f"/api/v1/networks/proposals/{body['id']}", headers=auth).get_json()
    assert [n["status"] for n in stored["networks"][:2]] == ["accepted", "rejected"]
    # Pairs of the rejected network never come back, whatever the seed.
    for seed in range(4):
        later = propose(client, auth, seed=seed).get_json()
        assert not pairs_of(later) & rules
        assert_hard_constraints(db, later, max_per_firm=10)
    assert client.post("/api/v1/networks/999/accept", headers=auth).status_code == 404


def test_lock_and_rerun_keep_decisions(client, auth, db, app):
    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    register(client)
    body = propose(client, auth, seed=0).get_json()
    accepted, locked_net, rejected = body["networks"][:3]
    client.post(f"/api/v1/networks/{accepted['id']}/accept", headers=auth)
    client.post(f"/api/v1/networks/{rejected['id']}/reject", headers=auth)
    keep = members(locked_net)[:2]
    for company_id in keep:
        answer = client.post(
            f"/api/v1/networks/{locked_net['id']}/members/{company_id}/lock", headers=auth
        )
        assert answer.status_code == 200
    locked_view = client.get(f"/api/v1/networks/{locked_net['id']}", headers=auth).get_json()
    assert [m["locked"] for m in locked_view["members"]][:2] == [True, True]
    for seed in (1, 5, 9):
        rerun = client.post(
            f"/api/v1/networks/proposals/{body['id']}/rerun", json={"seed": seed}, headers=auth
        )
        assert rerun.status_code == 200, rerun.get_json()
        after = rerun.get_json()
        by_id = {n["id"]: n for n in after["networks"]}
        assert by_id[accepted["id"]]["status"] == "accepted"
        assert members(by_id[accepted["id"]]) == members(accepted)
        assert by_id[rejected["id"]]["status"] == "rejected"
        kept = by_id[locked_net["id"]]
        assert set(keep) <= set(members(kept))
        assert all(m["locked"] == (m["id"] in keep) for m in kept["members"])
        open_ = [n for n in after["networks"] if n["status"] == "proposed"]
        placed = [c for n in open_ for c in members(n)]
        assert not set(placed) & set(members(accepted))  # accepted firms are not reused
        rejected_pairs = set(itertools.combinations(sorted(members(rejected)), 2))
        assert not pairs_of({"networks": open_}) & rejected_pairs
        assert_hard_constraints(db, {"networks": open_, "request": after["request"]}, 10)
    unlock = client.delete(
        f"/api/v1/networks/{locked_net['id']}/members/{keep[0]}/lock", headers=auth
    )
    assert unlock.status_code == 200
    assert not next(m for m in unlock.get_json()["members"] if m["id"] == keep[0])["locked"]
    missing = client.post(f"/api/v1/networks/{locked_net['id']}/members/99999/lock", headers=auth)
    assert missing.status_code == 404
    assert client.post("/api/v1/networks/proposals/999/rerun", headers=auth).status_code == 404


def test_accepting_a_rejected_network_again_respects_limits_and_never_pairs(client, auth, db, app):
    app.config["MAX_PROPOSALS_PER_FIRM"] = 1
    register(client, FIRMS[:4])
    first = propose(client, auth, min_size=3, max_size=4).get_json()["networks"][0]
    client.post(f"/api/v1/networks/{first['id']}/reject", headers=auth)
    # The freed firms go into a new proposal; the old network cannot come back now.
    db.execute("DELETE FROM pair_rules")  # let the freed firms be proposed together again
    second = propose(client, auth, min_size=3, max_size=4).get_json()
    assert second["networks"], second
    full = client.post(f"/api/v1/networks/{first['id']}/accept", headers=auth)
    assert full.status_code == 409 and "limit" in full.get_json()["fields"]["members"]
    client.delete(f"/api/v1/networks/proposals/{second['id']}", headers=auth)
    a, b = sorted(members(first))[:2]
    client.post("/api/v1/pairs/never", json={"a": a, "b": b}, headers=auth)
    never = client.post(f"/api/v1/networks/{first['id']}/accept", headers=auth)
    assert never.status_code == 409 and "never" in never.get_json()["fields"]["members"]
    client.delete("/api/v1/pairs/never", json={"a": a, "b": b}, headers=auth)
    ok = client.post(f"/api/v1/networks/{first['id']}/accept", headers=auth)
    assert ok.status_code == 200 and ok.get_json()["decision"]["changed"]


def test_swap_keeps_an_accepted_status(client, auth, db, app):
    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    ids = register(client)
    datavaerket, sdu, institut, akademi = ids[5], ids[7], ids[8], ids[9]
    pool = [datavaerket, sdu, institut, ids[4], ids[10]]
    network = propose(client, auth, locked=[pool[:4]], count=1, company_ids=pool).get_json()[
        "networks"][0]  # fmt: skip
    client.delete(f"/api/v1/networks/{network['id']}/members/{sdu}/lock", headers=auth)
    client.post(f"/api/v1/networks/{network['id']}/accept", headers=auth)
    url = f"/api/v1/networks/{network['id']}/swap"
    swapped = client.post(url, json={"out": sdu, "in": akademi}, headers=auth)
    assert swapped.status_code == 200, swapped.get_json()
    assert swapped.get_json()["status"] == "accepted" and akademi in members(swapped.get_json())
    stored = client.get(f"/api/v1/networks/{network['id']}", headers=auth).get_json()
    assert stored["status"] == "accepted"
    # A rejected network is not changed by a swap (409) until it is accepted again.
    client.post(f"/api/v1/networks/{network['id']}/reject", headers=auth)
    refused = client.post(url, json={"out": akademi, "in": sdu}, headers=auth)
    assert refused.status_code == 409


def test_rerun_respects_the_proposal_limit(client, auth, db, app):
    app.config["MAX_PROPOSALS_PER_FIRM"] = 1
    register(client)
    body = propose(client, auth, seed=0).get_json()
    rerun = client.post(f"/api/v1/networks/proposals/{body['id']}/rerun", headers=auth)
    assert rerun.status_code == 200
    assert_hard_constraints(db, rerun.get_json(), max_per_firm=1)
    assert rerun.get_json()["networks"]  # its own networks do not count against it


def test_swap_is_checked_against_hard_constraints(client, auth, db, app):
    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    ids = register(client)
    datavaerket, kodehuset = ids[5], ids[6]
    sdu, institut, akademi = ids[7], ids[8], ids[9]
    pool = [datavaerket, sdu, institut, ids[4], ids[10]]
    body = propose(client, auth, locked=[pool[:4]], count=1, company_ids=pool).get_json()
    network = body["networks"][0]
    url = f"/api/v1/networks/{network['id']}/swap"
    client.post(f"/api/v1/networks/{network['id']}/members/{ids[4]}/unlock", headers=auth)
    client.delete(f"/api/v1/networks/{network['id']}/members/{sdu}/lock", headers=auth)
    before = snapshot(db)
    # A third knowledge institution, a competitor, an unknown firm, a non-member, a locked one.
    third = client.post(url, json={"out": ids[4], "in": akademi}, headers=auth)
    assert third.status_code == 409 and "knowledge" in third.get_json()["fields"]["in"]
    rival = client.post(url, json={"out": ids[4], "in": kodehuset}, headers=auth)
    assert rival.status_code == 409 and "competitor" in rival.get_json()["fields"]["in"]
    unknown = client.post(url, json={"out": ids[4], "in": 99999}, headers=auth)
    assert unknown.status_code == 422 and "99999" in unknown.get_json()["fields"]["in"]
    outsider = client.post(url, json={"out": ids[0], "in": ids[1]}, headers=auth)
    assert outsider.status_code == 422 and "out" in outsider.get_json()["fields"]
    locked = client.post(url, json={"out": datavaerket, "in": ids[1]}, headers=auth)
    assert locked.status_code == 409
    bad = client.post(url, json={"out": ids[4], "in": "x", "extra": 1}, headers=auth)
    assert bad.status_code == 422 and {"in", "extra"} <= set(bad.get_json()["fields"])
    assert snapshot(db) == before  # refused swaps change nothing
    client.post("/api/v1/pairs/never", json={"a": ids[12], "b": sdu}, headers=auth)
    before = snapshot(db)
    never = client.post(url, json={"out": ids[4], "in": ids[12]}, headers=auth)
    assert never.status_code == 409 and "never" in never.get_json()["fields"]["in"]
    assert snapshot(db) == before
    # A valid swap: new member, new reasons, locks kept.
    ok = client.post(url, json={"out": sdu, "in": akademi}, headers=auth)
    assert ok.status_code == 200, ok.get_json()
    swapped = ok.get_json()
    assert akademi in members(swapped) and sdu not in members(swapped)
    assert all(m["reason"] for m in swapped["members"])
    assert next(m for m in swapped["members"] if m["id"] == datavaerket)["locked"]


def test_swap_respects_the_proposal_limit(client, auth, app):
    app.config["MAX_PROPOSALS_PER_FIRM"] = 1
    ids = register(client, FIRMS[:7])
    first = propose(client, auth, company_ids=ids[:3]).get_json()
    second = propose(client, auth, company_ids=ids[3:6], min_size=3).get_json()
    assert first["networks"] and second["networks"]
    out = members(second["networks"][0])[0]
    answer = client.post(
        f"/api/v1/networks/{second['networks'][0]['id']}/swap",
        json={"out": out, "in": ids[0]},
        headers=auth,
    )
    assert answer.status_code == 409 and "limit is 1" in answer.get_json()["fields"]["in"]


def test_never_together_is_stored_and_respected(client, auth, db, app):
    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    ids = register(client)
    mill, bakery = ids[0], ids[1]
    together = propose(client, auth, company_ids=ids[:4], count=1).get_json()
    assert {mill, bakery} <= set(members(together["networks"][0]))
    added = client.post("/api/v1/pairs/never", json={"a": bakery, "b": mill}, headers=auth)
    assert added.status_code == 201
    assert added.get_json() == {"a": min(mill, bakery), "b": max(mill, bakery), "rule": "never"}
    listed = client.get("/api/v1/pairs", headers=auth).get_json()
    assert listed["total"] == 1 and listed["items"][0]["rule"] == "never"
    for seed in range(3):
        body = propose(client, auth, company_ids=ids[:4] + ids[11:14], seed=seed).get_json()
        assert (min(mill, bakery), max(mill, bakery)) not in pairs_of(body)
    locked = propose(client, auth, locked=[[mill, bakery]])
    assert locked.status_code == 422 and "never" in locked.get_json()["fields"]["locked"]
    removed = client.delete("/api/v1/pairs/never", json={"a": mill, "b": bakery}, headers=auth)
    assert removed.status_code == 204
    again = client.delete("/api/v1/pairs/never", json={"a": mill, "b": bakery}, headers=auth)
    assert again.status_code == 404
    body = propose(client, auth, company_ids=ids[:4], count=1).get_json()
    assert {mill, bakery} <= set(members(body["networks"][0]))


def test_allowing_competitors(client, auth, app):
    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    ids = register(client)
    datavaerket, kodehuset = ids[5], ids[6]
    pool = [datavaerket, kodehuset, ids[4]]
    assert propose(client, auth, company_ids=pool).status_code == 422  # nothing placeable
    allow = client.post("/api/v1/pairs/allow", json={"a": datavaerket, "b": kodehuset},
                        headers=auth)  # fmt: skip
    assert allow.status_code == 201
    body = propose(client, auth, company_ids=pool).get_json()
    assert set(members(body["networks"][0])) == set(pool)


def test_pair_rule_validation(client, auth, db):
    ids = register(client, FIRMS[:2])
    cases = [
        ({"a": ids[0], "b": ids[0]}, "b"),
        ({"a": ids[0]}, "b"),
        ({"a": ids[0], "b": "2"}, "b"),
        ({"a": ids[0], "b": 99999}, "b"),
        ({"a": ids[0], "b": ids[1], "c": 3}, "c"),
    ]
    for body, field in cases:
        answer = client.post("/api/v1/pairs/never", json=body, headers=auth)
        assert answer.status_code == 422, (body, answer.get_json())
        assert field in answer.get_json()["fields"]
    assert db["pair_rules"].count == 0
    assert client.post("/api/v1/pairs/never", json={"a": ids[0], "b": ids[1]}).status_code == 401


def test_review_pages(client, auth, runner, app, db):
    from conftest import add_user

    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    ids = register(client)
    add_user(runner, "lead@example.dk", password="et-langt-kodeord-42")
    client.post("/login", data={"email": "lead@example.dk", "password": "et-langt-kodeord-42"})
    page = client.get("/proposals")
    assert page.status_code == 200 and 'href="/proposals"' in page.get_data(as_text=True)
    assert "<title>Forslag · Matchmaker</title>" in page.get_data(as_text=True)  # no datalist
    bad = client.post("/proposals", data={"min_size": "5", "max_size": "3"})
    assert bad.status_code == 422 and db["proposals"].count == 0
    created = client.post("/proposals", data={"min_size": "3", "max_size": "5", "seed": "0"})
    assert created.status_code == 302
    detail = client.get(created.headers["Location"])
    html = detail.get_data(as_text=True)
    assert detail.status_code == 200 and FIRMS[0]["name"] in html and "Acceptér" in html
    proposal = client.get("/api/v1/networks/proposals", headers=auth).get_json()["items"][0]
    first, second = proposal["networks"][:2]
    assert client.post(f"/networks/{first['id']}/accept").status_code == 302
    lock = {"company_id": str(second["members"][0]["id"])}
    assert client.post(f"/networks/{second['id']}/lock", data=lock).status_code == 302
    assert client.post(f"/proposals/{proposal['id']}/rerun").status_code == 302
    after = client.get(f"/api/v1/networks/proposals/{proposal['id']}", headers=auth).get_json()
    statuses = {n["id"]: n["status"] for n in after["networks"]}
    assert statuses[first["id"]] == "accepted"
    kept = next(n for n in after["networks"] if n["id"] == second["id"])
    assert second["members"][0]["id"] in members(kept)
    network_page = client.get(f"/networks/{second['id']}")
    assert network_page.status_code == 200 and "Byt" in network_page.get_data(as_text=True)
    assert client.post("/pairs/never", data={"a": str(ids[0]), "b": str(ids[1])}).status_code == 302
    assert db["pair_rules"].count >= 1
    masterclass = client.post(
        "/api/v1/masterclasses", json={"title": "AI", "theme": "AI i SMV'er", "capacity": 10},
        headers=auth,
    ).get_json()  # fmt: skip
    cohorts_page = client.get(f"/masterclasses/{masterclass['id']}/cohorts")
    assert cohorts_page.status_code == 200
    # No answers yet: nothing is stored, and the page says why.
    empty = client.post(f"/masterclasses/{masterclass['id']}/cohorts", data={})
    assert empty.status_code == 422 and "der er ingen svar endnu" in empty.get_data(as_text=True)
    listing = client.get("/masterclasses").get_data(as_text=True)
    assert f"/masterclasses/{masterclass['id']}/cohorts" in listing


def test_discarding_a_proposal_frees_its_firms_for_new_ones(client, auth, db):
    from matchmaker.store import proposals

    firms = [client.post("/api/v1/companies", json=company_body(
        cvr=valid_cvr(900 + i), name=f"Firma {i} ApS")).get_json() for i in range(3)]  # fmt: skip
    members = [{"id": f["id"], "name": f["name"], "reason": ""} for f in firms]
    group = {"type": "vertical", "score": 0.5, "members": members}
    saved = proposals.save(db, "network", {}, {}, [group])
    assert proposals.active_memberships(db) == {f["id"]: 1 for f in firms}
    gone = client.delete(f"/api/v1/networks/proposals/{saved['id']}", headers=auth)
    assert gone.status_code == 204
    assert proposals.active_memberships(db) == {}
    assert client.get(f"/api/v1/networks/proposals/{saved['id']}", headers=auth).status_code == 404
    assert (
        client.delete(f"/api/v1/networks/proposals/{saved['id']}", headers=auth).status_code == 404
    )
    assert client.delete("/api/v1/networks/proposals/1").status_code == 401


def _login(client, runner) -> None:
    from conftest import add_user

    add_user(runner, "lead2@example.dk", password="et-langt-kodeord-42")
    client.post("/login", data={"email": "lead2@example.dk", "password": "et-langt-kodeord-42"})


def test_proposal_form_errors_are_translated_and_labelled(client, runner, db):
    _login(client, runner)
    bad_ids = client.post("/proposals?lang=da", data={"company_names": "abc\nIngen ApS"})
    html = bad_ids.get_data(as_text=True)
    assert bad_ids.status_code == 422
    assert "no firm is named" not in html and "company_ids" not in html
    assert "Kun disse virksomheder: ingen virksomhed hedder &#39;abc; Ingen ApS&#39;" in html
    sizes = client.post("/proposals", data={"min_size": "5", "max_size": "3"})
    html = sizes.get_data(as_text=True)
    assert sizes.status_code == 422 and "Mindst: må ikke være større end Højst (3)" in html
    english = client.post("/proposals?lang=en", data={"min_size": "5", "max_size": "3"})
    assert "At least: must not be larger than max_size (3)" in english.get_data(as_text=True)
    assert db["proposals"].count == 0


def test_discard_a_proposal_from_its_page_and_change_a_decision(client, auth, runner, db, app):
    from matchmaker.store import proposals

    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    register(client)
    _login(client, runner)
    created = client.post("/proposals?lang=da", data={"min_size": "3", "max_size": "5"})
    assert created.status_code == 302
    path = created.headers["Location"]
    proposal_id = int(path.rstrip("/").rsplit("/", 1)[1])
    page = client.get(path).get_data(as_text=True)
    assert f'action="/proposals/{proposal_id}/delete"' in page and "Kassér forslaget" in page
    assert 'name="csrf_token"' in page.split(f"/proposals/{proposal_id}/delete", 1)[1][:400]
    assert not re.search(r"· (complementary|vertical|congruent|horizontal) ·", page)
    # A rejected network can be accepted again from the page; the message says it changed.
    network = client.get(f"/api/v1/networks/proposals/{proposal_id}", headers=auth).get_json()[
        "networks"][0]  # fmt: skip
    client.post(f"/networks/{network['id']}/reject")
    rejected_page = client.get(f"/networks/{network['id']}").get_data(as_text=True)
    assert "Acceptér alligevel" in rejected_page
    again = client.post(f"/networks/{network['id']}/accept", follow_redirects=True)
    assert "Beslutningen er ændret fra afvist til accepteret." in again.get_data(as_text=True)
    # Without the confirmation box nothing is discarded; with it the firms are free again.
    kept = client.post(f"/proposals/{proposal_id}/delete")
    assert kept.status_code == 302 and db["proposals"].count == 1
    gone = client.post(f"/proposals/{proposal_id}/delete", data={"confirm": "1"})
    assert gone.status_code == 302 and gone.headers["Location"].endswith("/proposals")
    assert db["proposals"].count == 0 and proposals.active_memberships(db) == {}
    assert client.post(f"/proposals/{proposal_id}/delete", data={"confirm": "1"}).status_code == 404


def test_discard_needs_a_csrf_token(auth, runner, db_path):
    from web import create_app

    strict = create_app({"TESTING": True, "DATABASE": str(db_path), "SECRET_KEY": "s",
                         "RATELIMIT_ENABLED": False, "SERVER_NAME": "localhost"})  # fmt: skip
    strict_client = strict.test_client()
    _login(strict_client, runner)
    answer = strict_client.post("/proposals/1/delete", data={"confirm": "1"})
    assert answer.status_code in (400, 403)
