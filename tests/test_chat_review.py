"""Reviewing networks in the chat: swap, add or remove a member, accept, reject and export the
network the message points at, on the stored proposal; a draft is never stored or changed by
them."""

from __future__ import annotations

import pytest
from test_chat import (  # noqa: F401 - intent_model: the model, built once
    FIRMS,
    ask,
    intent_model,
    network_cards,
    register_firms,
    stored_proposals,
)

from matchmaker.chat.review import review_action


@pytest.fixture
def firms(client):
    return register_firms(client, FIRMS, 500)


def network(client, auth, group_id):
    return client.get(f"/api/v1/networks/{group_id}", headers=auth).get_json()


def test_a_draft_is_kept_and_a_saved_network_is_swapped_and_accepted(client, auth, firms, db):
    draft = network_cards(ask(client, auth, "foreslå netværk i Midtjylland", session="r"))
    assert draft and draft[0]["id"] is None
    members = [m["name"] for m in draft[0]["members"]]
    outsider = next(name for name in firms if name not in members and "Padborg" in name)
    leaving = members[0]
    swap = f"udskift {leaving} med {outsider} i netværk 1"
    # A draft is neither stored nor changed by a review command, and stays to be saved.
    refused = ask(client, auth, swap, session="r")
    assert refused["intent"] == "review" and "gem" in refused["reply"], refused["reply"]
    assert stored_proposals(db) == 0 and not refused["cards"]
    saved = network_cards(ask(client, auth, "gem", session="r"))
    assert [c["members"] for c in saved] == [c["members"] for c in draft]
    group_id = saved[0]["id"]
    # On the saved network the swap is made, and nothing else is stored.
    swapped = ask(client, auth, swap, session="r")
    assert swapped["intent"] == "review", swapped["reply"]
    stored = {m["name"] for m in network(client, auth, group_id)["members"]}
    assert outsider in stored and leaving not in stored, swapped["reply"]
    assert outsider in {m["name"] for m in network_cards(swapped)[0]["members"]}
    assert stored_proposals(db) == 1
    accepted = ask(client, auth, "accepter netværk nr. 1", session="r")
    assert accepted["intent"] == "review", accepted["reply"]
    assert network(client, auth, group_id)["status"] == "accepted"
    assert stored_proposals(db) == 1
    # After a list of partners, "netværk 1" is still the network, not the partner list.
    ask(client, auth, "find partnere til Vejen Mejeri", session="r")
    exported = ask(client, auth, "eksportér netværk 1 som csv", session="r")
    assert exported["intent"] == "export", exported["reply"]
    assert exported["cards"][0]["target"] == {"kind": "network", "id": group_id}
    assert stored_proposals(db) == 1


def test_a_member_more_or_less_on_a_saved_network(client, auth, firms, db):
    """ "tilføj A til netværk 1" / "fjern B fra netværket": done on the saved network by the
    same checks as the API; a draft says to save it first and stays as it was."""
    draft = network_cards(ask(client, auth, "foreslå netværk i Midtjylland", session="e"))
    k, card = next((k, c) for k, c in enumerate(draft, start=1) if len(c["members"]) < 5)
    members = [m["name"] for m in card["members"]]
    taken = {m["name"] for c in draft for m in c["members"]}
    outsider = next(name for name in firms if name not in taken and "Padborg" in name)
    refused = ask(client, auth, f"tilføj {outsider} til netværk {k}", session="e")
    assert refused["intent"] == "review" and "gem" in refused["reply"], refused["reply"]
    assert stored_proposals(db) == 0
    group_id = network_cards(ask(client, auth, "gem", session="e"))[k - 1]["id"]
    body = ask(client, auth, f"tilføj {outsider} til netværk {k}", session="e")
    assert body["reply"].startswith(f"{outsider} er nu med i netværk {k}"), body["reply"]
    stored = [m["name"] for m in network(client, auth, group_id)["members"]]
    assert stored == members + [outsider], body["reply"]
    assert outsider in {m["name"] for m in network_cards(body)[k - 1]["members"]}
    # The firm just added (locked for re-runs) goes again when the facilitator says so.
    body = ask(client, auth, f"fjern {outsider} fra netværket", session="e")
    assert body["intent"] == "review", body["reply"]
    assert [m["name"] for m in network(client, auth, group_id)["members"]] == members
    again = ask(client, auth, f"fjern {outsider} fra netværk {k}", session="e")
    assert f"ikke med i netværk {k}" in again["reply"], again["reply"]
    left = list(members)
    while len(left) > 3:
        ask(client, auth, f"fjern {left.pop()} fra netværk {k}", session="e")
    # No network of two: said in Danish, nothing changed.
    small = ask(client, auth, f"fjern {left[0]} fra netværk {k}", session="e")
    assert "mindst 3" in small["reply"], small["reply"]
    assert [m["name"] for m in network(client, auth, group_id)["members"]] == left
    assert stored_proposals(db) == 1


def test_why_is_a_firm_in_network_n(client, auth, firms, db):
    """ "hvorfor er A med i netværk 2?": A's reason there, or that A is elsewhere; after a
    partner list the conversation's networks are still the ones meant."""
    draft = network_cards(ask(client, auth, "foreslå netværk i hele landet", session="w"))
    assert len(draft) >= 2
    first = draft[0]["members"][0]["name"]
    body = ask(client, auth, f"hvorfor er {first} med i netværk 1?", session="w")
    assert body["intent"] == "explain" and body["reply"].startswith(f"{first} er med i netværk 1")
    body = ask(client, auth, f"hvorfor er {first} med i netværk 2?", session="w")
    assert body["reply"].startswith(f"{first} er ikke med i netværk 2, men i netværk 1"), body
    ask(client, auth, "gem", session="w")
    ask(client, auth, "find partnere til Vejen Mejeri", session="w")
    body = ask(client, auth, f"why is {first} in network 1?", session="w")
    assert body["reply"].startswith(f"{first} is in network 1"), body["reply"]


def test_show_rerun_and_export_language_of_the_conversations_networks(client, auth, firms, db):
    """ "vis netværk 2" after a partner list shows that network (no new proposal); "kør
    forslaget igen" re-runs the saved proposal (a draft: save first), never saves; "som pdf
    på engelsk" links an English file."""
    draft = network_cards(ask(client, auth, "foreslå netværk i hele landet", session="v"))
    assert len(draft) >= 2
    ask(client, auth, "find partnere til Vejen Mejeri", session="v")
    shown = ask(client, auth, "vis netværk 2", session="v")
    assert shown["intent"] == "show", shown["reply"]
    assert [c["members"] for c in network_cards(shown)] == [draft[1]["members"]]
    refused = ask(client, auth, "kør forslaget igen", session="v")
    assert refused["intent"] == "review" and "gem" in refused["reply"], refused["reply"]
    assert stored_proposals(db) == 0
    saved = network_cards(ask(client, auth, "gem", session="v"))
    rerun = ask(client, auth, "kør forslaget igen", session="v")
    assert rerun["intent"] == "review" and "kørt igen" in rerun["reply"], rerun["reply"]
    assert stored_proposals(db) == 1
    assert {c["proposal_id"] for c in network_cards(rerun)} == {saved[0]["proposal_id"]}
    english = ask(client, auth, "eksportér netværk 1 som pdf på engelsk", session="v")
    assert english["intent"] == "export", english["reply"]
    assert "lang=en" in english["cards"][0]["actions"][0]["href"], english["cards"]
    danish = ask(client, auth, "export network 1 as a PDF in Danish", session="v")
    assert "lang=da" in danish["cards"][0]["actions"][0]["href"], danish["cards"]


def test_show_network_n_of_fewer_says_there_is_none(client, auth, firms, db):
    """ "vis netværk 9" after a partner list of the conversation's few networks: that there is
    no network 9 (not the profile of the list's ninth firm); of a saved proposal, its network."""
    draft = network_cards(ask(client, auth, "foreslå netværk i hele landet", session="n"))
    assert 2 <= len(draft) < 9
    ask(client, auth, "gem", session="n")
    partners = ask(client, auth, "find partnere til Vejen Mejeri", session="n")
    assert len(partners["cards"]) >= 1
    body = ask(client, auth, "vis netværk 9", session="n")
    assert body["intent"] == "show" and "netværk 9" in body["reply"], body["reply"]
    assert not [c for c in body["cards"] if c["type"] == "profile"], body["cards"]
    body = ask(client, auth, "show network 2", session="n")
    assert [c["members"] for c in network_cards(body)] == [draft[1]["members"]], body["reply"]
    assert network_cards(body)[0]["type_label"], network_cards(body)


def test_reject_without_a_saved_network_says_where_to_do_it(client, auth, firms, db):
    body = ask(client, auth, "afvis netværk 2", session="none")
    assert body["intent"] == "review" and "/proposals" in body["reply"], body["reply"]
    assert stored_proposals(db) == 0


@pytest.mark.parametrize(
    "message, action",
    [
        ("godkend netværk 2", "accept"),
        ("ok, accepter netværk 1", "accept"),
        ("afvis netværk 1", "reject"),
        ("swap Alfa for Beta", "swap"),
        ("tilføj Alfa til netværk 2", "add"),
        ("sæt Alfa ind i netværket", "add"),
        ("add Alfa to the network", "add"),
        ("fjern Alfa fra netværk 1", "remove"),
        ("smid Alfa ud af netværket", "remove"),
        ("remove Alfa from network 1", "remove"),
        ("fjern Alfa i netværk 1", "remove"),
        ("remove Alfa in network 1", "remove"),
        ("tag Alfa ud af netværk 1", "remove"),
        ("slet Alfa fra netværk 2", "remove"),
        ("tilføj Alfa fra Aarhus til netværk 2", "add"),
        ("kør forslaget igen", "rerun"),
        ("rerun the proposal", "rerun"),
        ("kør en søgning på eksport", None),
        # a past participle asks about decisions, it makes none
        ("godkendte netværk i Midtjylland?", None),
        ("afviste forslag", None),
        ("accepted networks?", None),
        ("bytte-handel mellem virksomheder", None),
    ],
)
def test_only_a_command_word_is_a_review_command(message, action):
    assert review_action(message) == action
