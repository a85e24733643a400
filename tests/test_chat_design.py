"""Networks by design in the chat: a supplier network around a named firm, one large firm with
SMEs in a region, across regions; previews that say their design and keep it when saved."""

from __future__ import annotations

import pytest
from test_design import register

from matchmaker import matching
from matchmaker.representation.roles import role_of


@pytest.fixture(scope="module", autouse=True)
def intent_model():
    """The intent model, built once for the tests (as `make test` does), never by a request."""
    from matchmaker.chat import intents

    intents.ensure_trained()


def ask(client, auth, message, session="design"):
    answer = client.post(
        "/api/v1/chat", json={"session_id": session, "message": message}, headers=auth
    )
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def network_cards(body):
    return [c for c in body["cards"] if c["type"] == "network"]


def test_a_supplier_network_around_a_named_firm(client, auth, db):
    ids = register(client)
    lead = ids["Fynsk Færdigret A/S"]
    body = ask(client, auth, "byg et leverandørnetværk omkring Fynsk Færdigret")
    assert body["intent"] == "propose_networks"
    assert body["entities"]["design"] == ["lead"] and body["entities"]["firm"]["id"] == lead
    assert "værdikæden hos Fynsk Færdigret A/S" in body["reply"]
    cards = network_cards(body)
    assert len(cards) == 1 and isinstance(cards[0]["warnings"], list)
    members = [m["id"] for m in cards[0]["members"]]
    index = matching.match_index(db)
    assert lead in members and len(members) >= 3
    assert all(role_of(index.profile(m)) != "producer" for m in members if m != lead)
    saved = ask(client, auth, "gem")
    stored = client.get(f"/api/v1/networks/proposals/{saved['cards'][0]['proposal_id']}",
                        headers=auth).get_json()  # fmt: skip
    assert stored["request"]["design"] == ["lead"] and stored["request"]["lead_id"] == lead


def test_one_large_firm_and_smes_in_a_region(client, auth, db):
    register(client)
    body = ask(client, auth, "foreslå et netværk med en stor virksomhed og SMV'er i Syddanmark")
    assert body["intent"] == "propose_networks"
    assert body["entities"]["design"] == ["big_and_small"]
    assert body["entities"]["region"] == "Syddanmark"
    assert "med én stor virksomhed og SMV'er" in body["reply"]
    cards = network_cards(body)
    assert cards
    index = matching.match_index(db)
    for card in cards:
        profiles = [index.profile(m["id"]) for m in card["members"]]
        assert {p["region"] for p in profiles} == {"Syddanmark"}
        sizes = sorted(p["employees"] for p in profiles)
        assert sizes[-1] > sizes[-2]  # one firm leads, larger than every other member


def test_across_regions_in_english(client, auth, db):
    register(client)
    body = ask(client, auth, "suggest networks with one large company and SMEs across regions")
    assert body["entities"]["design"] == ["big_and_small", "cross_region"]
    assert "across regions" in body["reply"]
    index = matching.match_index(db)
    cards = network_cards(body)
    assert cards
    for card in cards:
        assert len({index.profile(m["id"])["region"] for m in card["members"]}) >= 2


def test_a_lead_design_without_a_firm_asks_for_one(client, auth):
    register(client)
    body = ask(client, auth, "byg et leverandørnetværk")
    assert body["intent"] == "propose_networks" and not network_cards(body)
    assert "Hvilken virksomhed" in body["reply"]
