"""Follow-ups an outside probe found broken, in our own words: a list of firms for a topic takes
changes of region, count, side and language instead of asking "which firm?"; "who can <do> X?"
with any verb searches the firms that do it; "in English please" answers the last request again;
"are they competitors?" and "and A and B?" read the firms just listed or explained; a change the
chat cannot read says so instead of starting another kind of request."""

from __future__ import annotations

from test_chat import ask, intent_model, register_firms  # noqa: F401 - the model, built once
from test_chat_turns import FIRMS, cards

OTHERS = [
    dict(name="Dansk Gaveæske Design ApS", region="Hovedstaden", city="København",
         sector="Emballage", nace="17.21", description="Design af gaveæsker i pap.",
         offers="Design af gaveæsker og displays i pap.", needs="Trykkerier."),
]  # fmt: skip

ASKS_FOR_A_FIRM = ("Hvilken virksomhed", "Which firm")


def names(body, kind="profile"):
    return [c["name"] for c in cards(body, kind)]


def test_a_topic_list_takes_follow_ups_of_side_region_count_and_language(client, auth):
    register_firms(client, FIRMS + OTHERS, 760)
    s = "topic-follow-ups"
    first = ask(client, auth, "hvem kan levere uldstof?", s)
    assert names(first)[:1] == ["Brande Væveri ApS"], first["reply"]
    flipped = ask(client, auth, "og hvem har brug for det?", s)
    assert flipped["intent"] == "find_partners"
    assert not flipped["reply"].startswith(ASKS_FOR_A_FIRM), flipped["reply"]
    assert names(flipped)[:1] == ["Fjordtekst Polstring ApS"], flipped["reply"]
    assert "brug for" in flipped["reply"]
    south = ask(client, auth, "kun dem i Syddanmark", s)
    assert not south["reply"].startswith(ASKS_FOR_A_FIRM), south["reply"]
    assert "Fjordtekst Polstring ApS" not in names(south)
    assert south["entities"].get("region") == "Syddanmark"
    everywhere = ask(client, auth, "hvad med hele landet?", s)
    assert names(everywhere)[:1] == ["Fjordtekst Polstring ApS"], everywhere["reply"]
    two = ask(client, auth, "kun 2", s)
    assert len(names(two)) <= 2 and names(two)[:1] == ["Fjordtekst Polstring ApS"]
    english = ask(client, auth, "in english please", s)
    assert names(english) == names(two), english["reply"]
    assert "need" in english["reply"] and "brug for" not in english["reply"]
    back = ask(client, auth, "and who offers that?", s)
    assert names(back)[:1] == ["Brande Væveri ApS"], back["reply"]


def test_who_can_do_a_thing_with_any_verb_lists_the_firms_that_do_it(client, auth):
    register_firms(client, FIRMS, 780)
    body = ask(client, auth, "hvem kan ompolstre kontorstole?", "deed")
    assert body["entities"].get("purpose") == "ompolstre kontorstole"
    assert names(body)[:1] == ["Fjordtekst Polstring ApS"], body["reply"]
    asked = ask(client, auth, "find partnere til Lemvig Lakrids der kan folde kartoner", "deed2")
    assert asked["entities"].get("purpose") == "folde kartoner"
    assert [c["name"] for c in cards(asked, "firm")][:1] == ["Kolding Kartonfabrik A/S"]


def test_a_language_switch_answers_the_last_request_again(client, auth):
    register_firms(client, FIRMS + OTHERS, 800)
    s = "language"
    danish = ask(client, auth, "find 3 partnere til Lemvig Lakrids", s)
    listed = [c["name"] for c in cards(danish, "firm")]
    assert listed and danish["reply"].startswith("Her er")
    english = ask(client, auth, "in English please", s)
    assert english["intent"] == "find_partners" and english["reply"].startswith("Here are")
    assert [c["name"] for c in cards(english, "firm")] == listed
    # "dansk" is a word of a firm's name, but here it names the language
    again = ask(client, auth, "og nu på dansk tak", s)
    assert not cards(again, "choice"), again["reply"]
    assert again["reply"].startswith("Her er")
    assert [c["name"] for c in cards(again, "firm")] == listed


def test_are_they_competitors_reads_the_firms_just_listed(client, auth):
    """Two firms of the last list pointed at by number, or both of a list of two."""
    register_firms(client, FIRMS, 820)
    s = "rivals"
    listed = [c["name"] for c in cards(ask(client, auth, "find 3 partnere til Brande Væveri", s),
                                       "firm")]  # fmt: skip
    assert len(listed) >= 2
    body = ask(client, auth, "er nummer 1 og 2 konkurrenter?", s)
    assert body["intent"] == "rivalry", body["reply"]
    (pair,) = cards(body, "pair")
    assert {pair["a"]["name"], pair["b"]["name"]} == set(listed[:2])
    two = ask(client, auth, "find 2 partnere til Brande Væveri", "rivals2")
    two = [c["name"] for c in cards(two, "firm")]
    body = ask(client, auth, "er de konkurrenter?", "rivals2")
    assert body["intent"] == "rivalry", body["reply"]
    (pair,) = cards(body, "pair")
    assert {pair["a"]["name"], pair["b"]["name"]} == set(two)


def test_and_two_other_firms_after_a_pair_is_explained_explains_them(client, auth):
    register_firms(client, FIRMS, 840)
    s = "pairs"
    first = ask(client, auth, "hvorfor passer Fjordtekst Polstring og Brande Væveri sammen?", s)
    assert first["intent"] == "explain"
    body = ask(client, auth, "og Kolding Kartonfabrik og Lemvig Lakrids?", s)
    assert body["intent"] == "explain", body["reply"]
    (pair,) = cards(body, "pair")
    assert {pair["a"]["name"], pair["b"]["name"]} == {"Kolding Kartonfabrik A/S",
                                                      "Lemvig Lakrids ApS"}  # fmt: skip


def test_a_change_the_chat_cannot_read_says_so(client, auth):
    register_firms(client, FIRMS, 860)
    s = "unread"
    ask(client, auth, "find partnere til Lemvig Lakrids", s)
    body = ask(client, auth, "og i Jylland?", s)
    assert body["intent"] == "find_partners", body["reply"]
    assert not cards(body, "network")
    assert "Lemvig Lakrids ApS" in body["reply"] and "Syddanmark" in body["reply"]
    assert not body["reply"].startswith(ASKS_FOR_A_FIRM)
    why = ask(client, auth, "foreslå netværk i Midtjylland", "why-networks")
    assert why["intent"] == "propose_networks"
    assert ask(client, auth, "hvorfor de to første?", "why-networks")["intent"] == "explain"
    s = "unread-networks"
    assert cards(ask(client, auth, "foreslå netværk i Midtjylland", s), "network")
    body = ask(client, auth, "og i Jylland?", s)
    assert not cards(body, "network") and "Syddanmark" in body["reply"], body["reply"]
    place = ask(client, auth, "og på Syddanmark?", s)  # a place is no theme
    assert place["entities"].get("region") == "Syddanmark"
    assert "theme" not in place["entities"], place["entities"]


def test_a_kind_of_firm_listed_is_the_topic_and_an_unknown_name_is_named(client, auth):
    register_firms(client, FIRMS, 880)
    body = ask(client, auth, "vis alle ompolstringsfirmaer", "kind")
    assert body["entities"].get("purpose") == "ompolstring", body["entities"]
    assert names(body)[:1] == ["Fjordtekst Polstring ApS"], body["reply"]
    body = ask(client, auth, "find partnere til Solsikke Blomsterhandel ApS", "unknown")
    assert "»Solsikke Blomsterhandel ApS«" in body["reply"], body["reply"]
    assert body["reply"].startswith("Jeg kan ikke finde")


def test_a_change_to_a_draft_network_stores_nothing_and_says_to_save_first(client, auth, db):
    """ "tilføj A til netværk 1" is no save (a draft is stored only when asked to save it): the
    reply says to save the draft first; "smid A ud og sæt B ind" is a swap."""
    register_firms(client, FIRMS, 900)
    s = "edit-draft"
    networks = ask(client, auth, "foreslå netværk i Midtjylland", s)
    assert networks["intent"] == "propose_networks" and cards(networks, "network")
    stored = db.execute("SELECT count(*) FROM proposals").fetchone()[0]
    for message in ("tilføj Silkeborg Webbureau til netværk 1",
                    "tilføj Silkeborg Webbureau ApS til netværket",
                    "add Silkeborg Webbureau to network 1"):  # fmt: skip
        body = ask(client, auth, message, s)
        assert body["intent"] == "review", (message, body["reply"])
        assert "gem" in body["reply"] or "save" in body["reply"], (message, body["reply"])
    assert db.execute("SELECT count(*) FROM proposals").fetchone()[0] == stored
    swap = ask(
        client, auth, "smid Mols Murerfirma ud af netværk 1 og sæt Silkeborg Webbureau ind", s
    )
    assert swap["intent"] == "review", swap["reply"]
    assert db.execute("SELECT count(*) FROM proposals").fetchone()[0] == stored


def test_the_whole_country_and_spare_and_wanting_read_as_changes_and_topics(client, auth):
    """ "hele landet" drops the region of the last search (a partner search or a topic list);
    "hvem har X til overs?" asks for the firms that offer X; "hvem vil gerne X?" for those
    that need it; "hvorfor dem?" after a topic list quotes what each writes."""
    register_firms(client, FIRMS, 920)
    s = "country"
    south = ask(client, auth, "find 3 partnere til Lemvig Lakrids i Syddanmark", s)
    assert south["entities"].get("region") == "Syddanmark"
    whole = ask(client, auth, "hele landet", s)
    assert whole["intent"] == "find_partners", whole["reply"]
    assert whole["entities"].get("region") is None and cards(whole, "firm"), whole["reply"]
    spare = ask(client, auth, "hvem har uldstof til overs?", "spare")
    assert spare["intent"] == "find_partners", spare["reply"]
    assert names(spare)[:1] == ["Brande Væveri ApS"], spare["reply"]
    why = ask(client, auth, "hvorfor dem?", "spare")
    assert why["intent"] == "explain" and names(why) == names(spare), why["reply"]
    assert "uldstof" in cards(why, "profile")[0].get("reason", ""), cards(why, "profile")[0]
    wanting = ask(client, auth, "hvem vil gerne have nyt uldstof til polstring?", "wanting")
    assert names(wanting)[:1] == ["Fjordtekst Polstring ApS"], wanting["reply"]
    same = ask(client, auth, "svar på dansk tak", "wanting")
    assert names(same) == names(wanting) and "brug for" in same["reply"], same["reply"]
    english = ask(client, auth, "same in english pls", "wanting")
    assert names(english) == names(wanting) and "need" in english["reply"], english["reply"]
    english = ask(client, auth, "can I get that in English?", "wanting")
    assert names(english) == names(wanting) and "need" in english["reply"], english["reply"]


def test_more_keeps_the_lists_order_and_a_firm_named_next_brings_its_own_purpose(client, auth):
    register_firms(client, FIRMS + OTHERS, 940)
    s = "more"
    first = names(ask(client, auth, "vis virksomheder inden for emballage", s))
    assert first, "the packaging sector lists its firms"
    more = names(ask(client, auth, "vis flere", s))
    assert more[: len(first)] == first
    s = "own-purpose"
    ask(client, auth, "hvem kan levere uldstof?", s)
    body = ask(client, auth, "find partnere til Lemvig Lakrids der kan hjælpe med eksport", s)
    assert body["entities"].get("firm", {}).get("name") == "Lemvig Lakrids ApS"
    assert body["entities"].get("purpose") == "eksport", body["entities"]


def test_new_requests_and_saves_keep_their_own_meaning_after_the_follow_up_rules(client, auth,
                                                                                 db):  # fmt: skip
    """The follow-up rules take no request of its own: networks asked for "i hele landet"
    after partners are networks, "og find partnere til A og B" after a pair explained is a
    partner search, a draft kept in other words than "gem" is stored, a number picking one of
    the offered firms is no count, and putting a firm in a network with others is a request."""
    register_firms(client, FIRMS, 960)
    s = "own-meaning"
    ask(client, auth, "find 3 partnere til Lemvig Lakrids", s)
    assert ask(client, auth, "foreslå netværk i hele landet", s)["intent"] == "propose_networks"
    s = "pair-then-request"
    ask(client, auth, "hvorfor passer Fjordtekst Polstring og Brande Væveri sammen?", s)
    body = ask(client, auth, "og find partnere til Kolding Kartonfabrik og Lemvig Lakrids", s)
    assert body["intent"] == "find_partners", body["reply"]
    s = "keep-draft"
    assert cards(ask(client, auth, "foreslå netværk i Midtjylland", s), "network")
    stored = db.execute("SELECT count(*) FROM proposals").fetchone()[0]
    kept = ask(client, auth, "ok, den beholder vi", s)
    assert kept["intent"] == "save", kept["reply"]
    assert db.execute("SELECT count(*) FROM proposals").fetchone()[0] == stored + 1
    register_firms(client, [dict(name="Silkeborg Smedie ApS", region="Midtjylland",
                                 city="Silkeborg", sector="Metal", nace="25.62",
                                 description="Smedearbejde og svejsning.",
                                 offers="Svejsning og stålkonstruktioner.",
                                 needs="Kunder i byggeriet.")], 990)  # fmt: skip
    s = "pick"
    offered = ask(client, auth, "find 5 partnere til Silkeborg", s)
    assert len(cards(offered, "choice")) == 2, offered["reply"]
    picked = ask(client, auth, "1", s)
    assert len(cards(picked, "firm")) == 5, picked["reply"]
    body = ask(client, auth, "sæt Lemvig Lakrids i netværk med fødevarefirmaer", "in-network")
    assert body["intent"] != "review", body["reply"]


def test_group_sizes_after_networks_change_the_networks(client, auth, db):
    """After networks, "grupper på fem", "make them groups of five" and "kun 3 i hvert netværk"
    change the size of the networks (region kept), never start cohorts; "lav 2 netværk med 3 i
    hver" asks for both a count and a size."""
    register_firms(client, FIRMS, 940)
    masterclass = {"title": "Eksport til Tyskland", "theme": "eksport", "capacity": 10}
    assert client.post("/api/v1/masterclasses", json=masterclass, headers=auth).status_code == 201
    s = "sizes"
    first = ask(client, auth, "foreslå netværk i Midtjylland", s)
    assert first["intent"] == "propose_networks" and cards(first, "network"), first["reply"]
    for message, size in (("kun 3 i hvert netværk", 3), ("grupper på fem", 5),
                          ("make them groups of four", 4)):  # fmt: skip
        body = ask(client, auth, message, s)
        assert body["intent"] == "propose_networks", (message, body["reply"])
        assert body["entities"].get("region") == "Midtjylland", (message, body["entities"])
        assert body["entities"].get("size") == size, (message, body["entities"])
        sizes = {len(c["members"]) for c in cards(body, "network")}
        assert sizes and max(sizes) <= size, (message, sizes)  # the largest network asked for
    both = ask(client, auth, "lav 2 netværk med 3 i hver", "both")
    assert [len(c["members"]) for c in cards(both, "network")] == [3, 3], both["reply"]
    assert db.execute("SELECT count(*) FROM proposals").fetchone()[0] == 0  # drafts only
