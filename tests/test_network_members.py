"""A facilitator adds a firm to a stored network or takes a member out (the API), checked like a
swap: hard constraints, the proposal's sizes, one network per firm in a proposal; a refused
change writes nothing."""

from __future__ import annotations

from test_networks import propose, register
from test_review import members, snapshot


def _network_of(client, auth, pool, locked=None, **body):
    proposal = propose(client, auth, locked=[locked or pool], count=1, company_ids=pool, **body)
    assert proposal.status_code == 201, proposal.get_json()
    return proposal.get_json()["networks"][0]


def test_add_a_firm_up_to_the_largest_size(client, auth, db, app):
    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    ids = register(client)
    mill, bakery, packaging, export_firm, datavaerket, kodehuset = ids[:7][:4] + ids[5:7]
    network = _network_of(client, auth, [mill, bakery, packaging])
    url = f"/api/v1/networks/{network['id']}/members"
    before = snapshot(db)
    # Refused, nothing written: a member already, unknown, wrong body.
    again = client.post(url, json={"id": mill}, headers=auth)
    assert again.status_code == 422 and "already a member" in again.get_json()["fields"]["id"]
    unknown = client.post(url, json={"id": 99999}, headers=auth)
    assert unknown.status_code == 422 and "99999" in unknown.get_json()["fields"]["id"]
    bad = client.post(url, json={"id": "x", "extra": 1}, headers=auth)
    assert bad.status_code == 422 and {"id", "extra"} <= set(bad.get_json()["fields"])
    assert client.post("/api/v1/networks/999999/members", json={"id": export_firm},
                       headers=auth).status_code == 404  # fmt: skip
    assert snapshot(db) == before
    # Added: a member more, reasons for every member, the newcomer locked, status kept.
    client.post(f"/api/v1/networks/{network['id']}/accept", headers=auth)
    added = client.post(url, json={"id": export_firm}, headers=auth)
    assert added.status_code == 200, added.get_json()
    grown = added.get_json()
    assert members(grown) == [mill, bakery, packaging, export_firm]
    assert grown["status"] == "accepted" and all(m["reason"] for m in grown["members"])
    assert next(m for m in grown["members"] if m["id"] == export_firm)["locked"]
    stored = client.get(f"/api/v1/networks/{network['id']}", headers=auth).get_json()
    assert members(stored) == members(grown)
    # A fifth member, then no sixth: the proposal's largest size is 5.
    assert client.post(url, json={"id": datavaerket}, headers=auth).status_code == 200
    before = snapshot(db)
    full = client.post(url, json={"id": ids[10]}, headers=auth)
    assert full.status_code == 409 and "at most 5" in full.get_json()["fields"]["id"]
    assert snapshot(db) == before
    # Two competitors (one NACE class, one region, one service) are never put together.
    client.delete(f"{url}/{export_firm}/lock", headers=auth)
    client.delete(f"{url}/{export_firm}", headers=auth)
    before = snapshot(db)
    rival = client.post(url, json={"id": kodehuset}, headers=auth)
    assert rival.status_code == 409 and "competitor" in rival.get_json()["fields"]["id"]
    assert snapshot(db) == before


def test_remove_a_member_down_to_the_smallest_size(client, auth, db, app):
    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    ids = register(client)
    pool = [ids[0], ids[1], ids[2], ids[3]]
    network = _network_of(client, auth, pool)
    url = f"/api/v1/networks/{network['id']}/members"
    before = snapshot(db)
    assert client.delete(f"{url}/{ids[9]}", headers=auth).status_code == 404  # not a member
    assert snapshot(db) == before
    # The request names the member: its lock (kept through re-runs) does not stop it.
    assert next(m for m in network["members"] if m["id"] == ids[3])["locked"]
    removed = client.delete(f"{url}/{ids[3]}", headers=auth)
    assert removed.status_code == 200, removed.get_json()
    smaller = removed.get_json()
    assert members(smaller) == pool[:3] and all(m["reason"] for m in smaller["members"])
    # The proposal says so: the firm taken out is unmet, the scores are the networks' now.
    proposal = client.get(f"/api/v1/networks/proposals/{smaller['proposal_id']}",
                          headers=auth).get_json()  # fmt: skip
    taken = [u for u in proposal["unmet"] if u.get("company_id") == ids[3]]
    assert len(taken) == 1 and "taget ud af netværk 1" in taken[0]["reason"], proposal["unmet"]
    assert proposal["worst_score"] == min(n["score"] for n in proposal["networks"])
    back = client.post(url, json={"id": ids[3]}, headers=auth)
    assert back.status_code == 200, back.get_json()
    proposal = client.get(f"/api/v1/networks/proposals/{smaller['proposal_id']}",
                          headers=auth).get_json()  # fmt: skip
    assert not [u for u in proposal["unmet"] if u.get("company_id") == ids[3]]
    removed = client.delete(f"{url}/{ids[3]}", headers=auth)
    assert removed.status_code == 200
    assert ids[3] not in {m["id"] for m in smaller["members"]}
    # No network of 2: the proposal's smallest size is 3.
    before = snapshot(db)
    small = client.delete(f"{url}/{ids[2]}", headers=auth)
    assert small.status_code == 409 and "at least 3" in small.get_json()["fields"]["company_id"]
    assert snapshot(db) == before
    # A rejected network is not changed until it is accepted again.
    client.post(f"/api/v1/networks/{network['id']}/reject", headers=auth)
    assert client.post(url, json={"id": ids[3]}, headers=auth).status_code == 409


def test_a_firm_joins_one_network_of_a_proposal(client, auth, db, app):
    """Swapping or adding a firm that already sits in another network of the same proposal
    would put it in two networks of one proposal: refused."""
    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    ids = register(client)
    first, second = [ids[0], ids[1], ids[2]], [ids[10], ids[11], ids[12]]
    proposal = propose(client, auth, locked=[first, second], count=2,
                       company_ids=first + second).get_json()  # fmt: skip
    one, two = proposal["networks"][:2]
    assert members(one) == first and members(two) == second
    client.delete(f"/api/v1/networks/{one['id']}/members/{ids[2]}/lock", headers=auth)
    before = snapshot(db)
    swap = client.post(f"/api/v1/networks/{one['id']}/swap",
                       json={"out": ids[2], "in": ids[10]}, headers=auth)  # fmt: skip
    assert swap.status_code == 409 and "network 2" in swap.get_json()["fields"]["in"]
    add = client.post(f"/api/v1/networks/{one['id']}/members", json={"id": ids[11]}, headers=auth)
    assert add.status_code == 409 and "network 2" in add.get_json()["fields"]["id"]
    assert snapshot(db) == before


def test_add_and_remove_on_the_network_page(client, auth, runner, db, app):
    from conftest import add_user
    from test_networks import FIRMS

    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    ids = register(client)
    network = _network_of(client, auth, [ids[0], ids[1], ids[2], ids[3]], locked=[ids[0]])
    add_user(runner, "lead@example.dk", password="et-langt-kodeord-42")
    client.post("/login", data={"email": "lead@example.dk", "password": "et-langt-kodeord-42"})
    page = client.get(f"/networks/{network['id']}").get_data(as_text=True)
    assert "Tilføj virksomhed" in page and "Tag ud" in page
    removed = client.post(f"/networks/{network['id']}/remove", data={"company_id": str(ids[3])})
    assert removed.status_code == 302
    assert members(client.get(f"/api/v1/networks/{network['id']}", headers=auth).get_json()) == [
        ids[0], ids[1], ids[2]]  # fmt: skip
    # A network of three shows no remove button, and a removal there is refused in Danish.
    page = client.get(f"/networks/{network['id']}").get_data(as_text=True)
    assert "Tag ud" not in page
    small = client.post(f"/networks/{network['id']}/remove", data={"company_id": str(ids[1])},
                        follow_redirects=True)  # fmt: skip
    assert "mindst 3 virksomheder" in small.get_data(as_text=True)
    added = client.post(f"/networks/{network['id']}/add", data={"firm": FIRMS[3]["name"]},
                        follow_redirects=True)  # fmt: skip
    assert f"{FIRMS[3]['name']} er tilføjet" in added.get_data(as_text=True)
    unknown = client.post(f"/networks/{network['id']}/add", data={"firm": "Findes Ikke ApS"},
                          follow_redirects=True)  # fmt: skip
    assert "Findes Ikke ApS" in unknown.get_data(as_text=True)
    assert members(client.get(f"/api/v1/networks/{network['id']}", headers=auth).get_json()) == [
        ids[0], ids[1], ids[2], ids[3]]  # fmt: skip


def test_a_locked_group_the_pool_cannot_fill_is_no_network(client, auth, db, app):
    """A locked pair among firms that are all at their proposal cap stays a pair: it is not
    stored as a network of two, its firms are reported with the reason."""
    app.config["MAX_PROPOSALS_PER_FIRM"] = 1
    ids = register(client)
    first = propose(client, auth, company_ids=ids[:3], locked=[ids[:3]], count=1)
    assert first.status_code == 201 and len(first.get_json()["networks"]) == 1
    stored = db["proposal_groups"].count
    answer = propose(client, auth, company_ids=ids[:3], locked=[[ids[10], ids[11]]])
    body = answer.get_json()
    assert answer.status_code == 409 and db["proposal_groups"].count == stored, body
    small = [u for u in body["unmet"] if u.get("company_id") in (ids[10], ids[11])]
    assert len(small) == 2 and "gruppe på 2" in small[0]["reason"], body


def test_an_allowance_withdrawn_keeps_the_rule(client, auth, db, app):
    """Two likely competitors allowed into one network, then the allowance withdrawn: the
    network cannot be accepted (the reply names the pair), and adding a third firm is judged
    on the newcomer's own pairs. A rejected network's locks do not change either."""
    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    ids = register(client)
    datavaerket, kodehuset = ids[5], ids[6]  # one NACE class, one region, one service
    pair = {"a": datavaerket, "b": kodehuset}
    assert client.post("/api/v1/pairs/allow", json=pair, headers=auth).status_code == 201
    network = _network_of(client, auth, [datavaerket, kodehuset, ids[0]])
    url = f"/api/v1/networks/{network['id']}"
    assert client.delete("/api/v1/pairs/allow", json=pair, headers=auth).status_code == 204
    before = snapshot(db)
    refused = client.post(f"{url}/accept", headers=auth)
    assert refused.status_code == 409, refused.get_json()
    assert "competitors" in refused.get_json()["fields"]["members"]
    assert snapshot(db) == before
    added = client.post(f"{url}/members", json={"id": ids[1]}, headers=auth)
    assert added.status_code == 200, added.get_json()  # the bakery competes with no member
    # Allowed again, the network can be accepted.
    client.post("/api/v1/pairs/allow", json=pair, headers=auth)
    assert client.post(f"{url}/accept", headers=auth).status_code == 200
    client.post(f"{url}/reject", headers=auth)
    before = snapshot(db)
    lock = client.post(f"{url}/members/{ids[0]}/lock", headers=auth)
    assert lock.status_code == 409 and "rejected" in lock.get_json()["error"]
    assert client.delete(f"{url}/members/{ids[0]}/lock", headers=auth).status_code == 409
    assert snapshot(db) == before


def test_accepting_a_rejected_network_again_keeps_one_network_per_firm(client, auth, db, app):
    """A member of a rejected network joins another network of the proposal; the rejected
    network is then not accepted again (the firm would sit in two networks of one proposal).
    An edit writes its texts in the proposal's language, whoever asks."""
    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    ids = register(client)
    first, second = [ids[0], ids[1], ids[2]], [ids[10], ids[11], ids[12]]
    proposal = propose(client, auth, locked=[first, second], count=2, lang="en",
                       company_ids=first + second).get_json()  # fmt: skip
    one, two = proposal["networks"][:2]
    client.post(f"/api/v1/networks/{two['id']}/reject", headers=auth)
    added = client.post(f"/api/v1/networks/{one['id']}/members", json={"id": ids[10]},
                        headers=auth)  # fmt: skip
    assert added.status_code == 200, added.get_json()
    english = client.get(f"/api/v1/networks/{one['id']}?lang=da", headers=auth).get_json()
    assert english["purpose"] == added.get_json()["purpose"]
    # English templates around the firms' own (Danish) quotes: "Gets its needs …", "offers …"
    assert english["purpose"].startswith(("Value chain", "Complementary", "Peers", "Knowledge"))
    assert all(m["reason"].startswith(("Gets", "No member", "Brings", "Offers"))
               for m in english["members"]), english["members"]  # fmt: skip
    before = snapshot(db)
    again = client.post(f"/api/v1/networks/{two['id']}/accept", headers=auth)
    assert again.status_code == 409 and "network 1" in again.get_json()["fields"]["members"]
    assert snapshot(db) == before
