"""A partner search in the chat that names no firm but a topic ("who can help with export to
Germany?", "which firms work with robots in Midtjylland?") lists the firms whose offers meet
the topic, in the region asked for; naming a firm next asks for that firm's partners with
the same purpose. Without a topic the chat still asks which firm is meant."""

from __future__ import annotations

import pytest
from test_chat import ask, intent_model, register_firms  # noqa: F401 - the model, built once

FIRMS = [
    dict(name="Grænsehjælpen Eksportrådgivning ApS", region="Syddanmark", sector="Rådgivning",
         nace="70.22", description="Rådgivning om eksport til Tyskland og Østrig.",
         offers="Eksportrådgivning til det tyske marked: markedsanalyse, partnersøgning og "
                "tysk moms.", needs="Kunder blandt små fødevareproducenter."),
    dict(name="Nordtrans Kølekørsel A/S", region="Nordjylland", sector="Transport",
         nace="49.41", description="Kølet landevejstransport.",
         offers="Kølet transport af fødevarer til Tyskland og Holland, fortoldning.",
         needs="Flere kunder med eksport."),
    dict(name="Solsikke Bageri ApS", region="Midtjylland", sector="Fødevarer", nace="10.71",
         description="Økologisk bageri med butikker i Aarhus.",
         offers="Surdejsbrød og kager til caféer.", needs="Hjælp til eksport til Tyskland."),
    dict(name="Kattegat Robotceller ApS", region="Midtjylland", sector="Automation",
         nace="28.99", description="Vi bygger robotceller til små fabrikker.",
         offers="Robotceller, cobots og automatisering af pakning og palletering.",
         needs="Kunder i fødevareindustrien."),
    dict(name="Limfjord Robotservice ApS", region="Nordjylland", sector="Automation",
         nace="33.12", description="Service på industrirobotter.",
         offers="Service, programmering og eftersyn af industrirobotter og automation.",
         needs="Samarbejde med robotintegratorer."),
    dict(name="Bytårnet Software ApS", region="Hovedstaden", sector="Software", nace="62.01",
         description="Webudvikling for detailhandlen.",
         offers="Webshops og integrationer til lagerstyring.", needs="Flere kunder."),
]  # fmt: skip


@pytest.fixture
def firms(client) -> dict[str, int]:
    return register_firms(client, FIRMS, 300)


def listed(body) -> list[str]:
    return [c["name"] for c in body["cards"] if c["type"] == "profile"]


def test_who_can_help_with_export_lists_the_firms_that_offer_it(client, auth, firms):
    body = ask(client, auth, "Hvem kan hjælpe med eksport til Tyskland?", session="topic")
    assert body["intent"] == "find_partners"
    names = listed(body)
    assert names[:2] == ["Grænsehjælpen Eksportrådgivning ApS", "Nordtrans Kølekørsel A/S"] or (
        names[:2] == ["Nordtrans Kølekørsel A/S", "Grænsehjælpen Eksportrådgivning ApS"]
    )
    assert "Solsikke Bageri ApS" not in names  # it needs export help, it does not offer it
    assert "Bytårnet Software ApS" not in names
    adviser = next(c for c in body["cards"] if c["name"].startswith("Grænsehjælpen"))
    assert "tyske" in adviser["reason"] or "Tyskland" in adviser["reason"]  # its own words
    assert "»eksport til Tyskland«" in body["reply"] and "Skriv navnet" in body["reply"]

    then = ask(client, auth, "Solsikke Bageri", session="topic")  # the firm needing partners
    assert then["entities"]["firm"]["id"] == firms["Solsikke Bageri ApS"]
    assert then["entities"]["purpose"] == "eksport til Tyskland"
    assert "forslag til partnere for Solsikke Bageri ApS" in then["reply"]
    partners = [c["name"] for c in then["cards"] if c["type"] == "firm"]
    assert partners and partners[0] in ("Grænsehjælpen Eksportrådgivning ApS",
                                        "Nordtrans Kølekørsel A/S")  # fmt: skip


def test_which_firms_work_with_robots_in_a_region_in_english(client, auth, firms):
    body = ask(client, auth, "Which firms work with robots in Midtjylland?", session="robots")
    assert body["intent"] == "find_partners" and body["entities"]["region"] == "Midtjylland"
    assert listed(body) == ["Kattegat Robotceller ApS"]  # the other robot firm is elsewhere
    assert body["reply"].startswith("This firm offers it best in Central Jutland")  # English name
    everywhere = ask(client, auth, "Which firms work with industrial robots?", session="all")
    assert {"Kattegat Robotceller ApS", "Limfjord Robotservice ApS"} <= set(listed(everywhere))
    assert "Bytårnet Software ApS" not in listed(everywhere)


def test_a_partner_search_without_firm_or_topic_still_asks_for_the_firm(client, auth, firms):
    body = ask(client, auth, "find partnere", session="plain")
    assert body["intent"] == "find_partners" and body["cards"] == []
    assert "Hvilken virksomhed" in body["reply"]


def test_the_firms_of_a_topic_search_are_a_list_to_point_into(client, auth, firms):
    body = ask(client, auth, "Hvem kan hjælpe med eksport til Tyskland?", session="list")
    assert [c["ordinal"] for c in body["cards"]] == list(range(1, len(body["cards"]) + 1))
    second = body["cards"][1]["name"]
    shown = ask(client, auth, "vis nummer to", session="list")
    assert shown["intent"] == "show" and [c["name"] for c in shown["cards"]] == [second]
    then = ask(client, auth, "find partnere til nummer 1", session="list")
    assert then["entities"]["firm"]["name"] == body["cards"][0]["name"]
    assert then["cards"] and all(c["type"] == "firm" for c in then["cards"])
