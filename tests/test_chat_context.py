"""The chat keeps to what was asked: request words are no firm names, follow-ups point into
the last list, and questions it cannot answer are said to be so."""

from __future__ import annotations

import pytest
from test_chat import FIRMS, ask, intent_model, register_firms  # noqa: F401 - the model, built once

EXTRA = [
    {
        "name": "Skab & Sy ApS",
        "region": "Hovedstaden",
        "city": "Valby",
        "sector": "Møbler",
        "nace": "31.09",
        "description": "Polstring og syning af møbelstof til indretning.",
        "offers": "Ompolstring, hynder og gardiner.",
        "needs": "Flere erhvervskunder.",
    },
    {
        "name": "Herning Emballage ApS",
        "region": "Midtjylland",
        "city": "Herning",
        "sector": "Emballage",
        "description": "Vi producerer fødevareemballage i genanvendelig plast til bagerier.",
        "offers": "Bæredygtig emballage og pakkeløsninger til bagerier og mejerier.",
        "needs": "Flere kunder i fødevarebranchen.",
    },
]


@pytest.fixture
def firms(client):
    return register_firms(client, [*FIRMS, *EXTRA], 300)


def test_a_request_word_is_no_part_of_a_firm_name(client, auth, firms):
    body = ask(client, auth, "skab et leverandørnetværk omkring Grindsted Emballage", "lead")
    assert body["intent"] == "propose_networks", body["reply"]
    assert not [c for c in body["cards"] if c["type"] == "choice"], body["reply"]
    assert body["entities"].get("firm", {}).get("id") == firms["Grindsted Emballage A/S"], body
    assert "Skab & Sy" not in body["reply"]
    # A name in a list of names is still found.
    listed = ask(client, auth, "foreslå et netværk med Skab, Vejen Mejeri og Hobro Robotteknik")
    assert firms["Skab & Sy ApS"] in [f["id"] for f in listed["entities"]["firms"]]


def cards_of(body, kind):
    return [c for c in body["cards"] if c["type"] == kind]


def test_follow_ups_point_into_the_last_list(client, auth, firms):
    listed = cards_of(ask(client, auth, "find 2 partnere til Grindsted Emballage", "more"), "firm")
    assert len(listed) == 2
    # "vis flere": the list goes on, the same firms first.
    more = ask(client, auth, "vis flere", "more")
    assert more["intent"] == "find_partners", more["reply"]
    longer = cards_of(more, "firm")
    assert len(longer) > 2 and [c["id"] for c in longer[:2]] == [c["id"] for c in listed]
    # After the list is explained pair by pair, "den anden" is still the list's second firm.
    ask(client, auth, "find 2 partnere til Grindsted Emballage", "pairs")
    explained = ask(client, auth, "hvorfor passer de sammen?", "pairs")
    pairs = cards_of(explained, "pair")
    assert explained["intent"] == "explain" and len(pairs) == 2, explained["reply"]
    shown = ask(client, auth, "vis den anden", "pairs")
    assert [c["id"] for c in cards_of(shown, "profile")] == [pairs[1]["b"]["id"]], shown["reply"]


def test_why_not_another_firm_keeps_the_pair_just_explained(client, auth, firms):
    ask(client, auth, "vis Hobro Robotteknik", "why")
    pair = ask(client, auth, "hvorfor Vejen Mejeri og Grindsted Emballage?", "why")
    assert pair["intent"] == "explain"
    again = ask(client, auth, "hvorfor så ikke Skive Kølelogistik?", "why")
    card = cards_of(again, "pair")[0]
    assert (card["a"]["name"], card["b"]["name"]) == ("Vejen Mejeri", "Skive Kølelogistik")
    back = ask(client, auth, "hvorfor ikke Vejen Mejeri?", "why")
    card = cards_of(back, "pair")[0]
    assert {card["a"]["name"], card["b"]["name"]} == {"Vejen Mejeri", "Skive Kølelogistik"}


def test_how_many_firms_is_answered_with_a_number(client, auth, firms):
    body = ask(client, auth, "hvor mange virksomheder findes der i Region Midtjylland?", "n")
    assert body["intent"] == "count" and "5 virksomheder" in body["reply"], body["reply"]
    english = ask(client, auth, "how many companies do you have in Syddanmark?", "n2")
    assert english["intent"] == "count" and "3 firms" in english["reply"], english["reply"]


def test_whether_two_firms_compete_is_answered_yes_or_no(client, auth, firms):
    no = ask(client, auth, "konkurrerer Ikast Software og Ikast Smedie med hinanden?", "c")
    assert no["intent"] == "rivalry" and no["reply"].startswith("Nej"), no["reply"]
    yes = ask(client, auth, "are Grindsted Emballage and Herning Emballage competitors?", "c2")
    assert yes["intent"] == "rivalry" and yes["reply"].startswith("Yes"), yes["reply"]
    assert "competitor" in cards_of(yes, "pair")[0]["flags"]


def test_examples_fit_the_question_and_unanswerable_questions_are_said_to_be(client, auth, firms):
    asked = ask(client, auth, "vis profilen for en virksomhed i Nordjylland", "ex")
    assert "Hobro Robotteknik ApS" in asked["reply"], asked["reply"]
    price = ask(client, auth, "hvad betaler man for at være medlem?", "price")
    assert "ikke svare på" in price["reply"] and price["cards"] == [], price["reply"]
    usage = ask(client, auth, "hvordan gemmer jeg et netværksforslag?", "price")
    assert usage["intent"] == "help" and "ikke svare på" not in usage["reply"]
