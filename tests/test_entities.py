"""Slots of chat messages: firms (fuzzy), count, region, sector, purpose, masterclass, format."""

from __future__ import annotations

import pytest

from matchmaker.chat import entities as e

FIRMS = [
    (1, "Holmsland Smedeværksted ApS"),
    (2, "Skjern Savværk A/S"),
    (3, "Ringkøbing Fjord Fiskeri"),
    (4, "Ølgod Emballage ApS"),
    (5, "Ølgod Elektronik ApS"),
    (6, "Herning Byg & Anlæg"),
    (7, "Tarm Træ og Tømrer"),
]
CLASSES = [
    {"id": 1, "title": "Robotter i produktionen", "theme": "automatisering og cobots"},
    {"id": 2, "title": "Eksport til nabolandene", "theme": "salg til Tyskland og Sverige"},
]


@pytest.fixture(scope="module")
def gazetteer():
    return e.Gazetteer(FIRMS, CLASSES)


def names(found: e.Entities) -> list[str]:
    return [f["name"] for f in found.firms]


@pytest.mark.parametrize(
    "text",
    [
        "find partnere til Holmsland Smedeværksted",
        "find partnere til holmsland smedevaerksted aps",  # no æ, lower case, suffix
        "find partnere til Holmsland Smedevrksted",  # a letter missing
        "find partners for Holmsland Smedeværksted's suppliers",
    ],
)
def test_firm_names_fuzzily(gazetteer, text):
    assert names(e.extract(text, gazetteer)) == ["Holmsland Smedeværksted ApS"]


def test_diacritics_written_either_way(gazetteer):
    for text in ("vis Skjern Savvaerk", "vis Skjern Savværk A/S", "vis skjern savvark"):
        assert names(e.extract(text, gazetteer)) == ["Skjern Savværk A/S"]
    assert names(e.extract("vis Ringkobing Fjord Fiskeri", gazetteer)) == [
        "Ringkøbing Fjord Fiskeri"
    ]
    assert names(e.extract("why Herning Byg and Anlæg?", gazetteer)) == ["Herning Byg & Anlæg"]


def test_two_firms_in_order(gazetteer):
    found = e.extract("hvorfor Skjern Savværk og Tarm Træ og Tømrer?", gazetteer)
    assert names(found) == ["Skjern Savværk A/S", "Tarm Træ og Tømrer"]


def test_similar_names_are_ambiguous_candidates(gazetteer):
    # "Ølgod" alone names two stored firms: the chat must ask which.
    assert e.extract("find partnere til Ølgod", gazetteer).firms == []
    candidates = e.firm_candidates("find partnere til Ølgod", gazetteer)
    assert [c["name"] for c in candidates] == ["Ølgod Emballage ApS", "Ølgod Elektronik ApS"]
    twins = e.Gazetteer([(1, "Lind Maskiner ApS"), (2, "Lind Maskiner A/S")])
    found = e.extract("find partners for Lind Maskiner", twins)
    assert found.firms == [] and len(found.ambiguous) == 1
    assert {c["id"] for c in found.ambiguous[0]["candidates"]} == {1, 2}


SHORTENED = e.Gazetteer(
    [
        (1, "Vesterhavets Fiskeeksport ApS"),
        (2, "J.P. Holm & Døtre Stålbyg ApS"),
        (3, "Lemvig Betonvarer A/S"),
        (4, "Aarhus Designstudio"),
        (5, "Aarhus Maskinfabrik"),
        (6, "Nordlys Solceller ApS"),
        (7, "Nordlys Software ApS"),
    ]
)


@pytest.mark.parametrize(
    ("text", "firm"),
    [
        ("hvem ligner Vesterhavets?", "Vesterhavets Fiskeeksport ApS"),  # a distinctive word
        ("find partnere til vesterhavets", "Vesterhavets Fiskeeksport ApS"),  # lower case
        ("vis JP Holm & Døtre", "J.P. Holm & Døtre Stålbyg ApS"),  # initials without dots
        ("why J.P. Holm and Døtre?", "J.P. Holm & Døtre Stålbyg ApS"),
        ("partnere til Lemvig Beton", "Lemvig Betonvarer A/S"),  # the start of a word
        ("partnere til lemvig betonvarer i Midtjylland", "Lemvig Betonvarer A/S"),
        ("firms like Aarhus Design", "Aarhus Designstudio"),
        ("find partnere til Aarhus Maskinfabrik", "Aarhus Maskinfabrik"),  # full beats short
    ],
)
def test_shortened_firm_names(text, firm):
    assert names(e.extract(text, SHORTENED)) == [firm]


@pytest.mark.parametrize(
    "text",
    [
        "propose networks in Aarhus",  # a place alone is no name
        "find partnere til Vesterhavet",  # a typo of one word: a "did you mean", not a match
        "find nogen i software",  # an ordinary word
    ],
)
def test_ordinary_words_are_no_shortened_names(text):
    found = e.extract(text, SHORTENED)
    assert found.firms == [] and found.ambiguous == []


def test_a_shortened_name_shared_by_two_firms_is_ambiguous():
    found = e.extract("find partnere til Nordlys", SHORTENED)
    assert found.firms == []
    assert {c["id"] for c in found.ambiguous[0]["candidates"]} == {6, 7}


def test_words_inside_firm_names_are_not_regions_or_sectors(gazetteer):
    found = e.extract("find partnere til Herning Byg & Anlæg", gazetteer)
    assert found.region is None and found.sector is None
    found = e.extract("find partnere til Ringkøbing Fjord Fiskeri i Syddanmark", gazetteer)
    assert found.region == "Syddanmark" and found.sector is None


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("og kun i Syddanmark", "Syddanmark"),
        ("only in North Jutland", "Nordjylland"),
        ("kun på Sjaelland", "Sjælland"),
        ("netværk i hovedstadsområdet", "Hovedstaden"),
        ("partners in the Central Denmark Region", "Midtjylland"),
        ("firmaer fra Fyn", "Syddanmark"),
        ("find nogen i Aalborg", "Nordjylland"),
        ("netværk i Himmerland", "Nordjylland"),  # a part of the country, not a town
        ("firmaer i Trekantområdet", "Syddanmark"),
        ("partnere i Nordsjælland", "Hovedstaden"),
        ("not in Copenhagen but in Odense", "Syddanmark"),
        ("find partners outside Copenhagen", None),  # a place left out is no region asked
        ("lav netværk, men ikke i København", None),
        ("uden dem fra Hovedstaden", None),
    ],
)
def test_regions(gazetteer, text, region):
    assert e.extract(text, gazetteer).region == region


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("find 4 partnere", 4),
        ("find fire partnere", 4),
        ("gør det til tre", 3),
        ("make it four firms", 4),
        ("give me seven instead", 7),
        ("find 3-4 partnere", 4),
        ("find tre til fire partnere", 4),
        ("find partners that help with export to Germany", None),  # "to" is not two here
        ("firms with 50 employees", None),
        ("vis nummer to", None),  # an ordinal, not a count
    ],
)
def test_counts(gazetteer, text, count):
    assert e.extract(text, gazetteer).count == count


def test_count_range_and_unit(gazetteer):
    found = e.extract("Find 3–4 partnere til Skjern Savværk", gazetteer)
    assert (found.count_min, found.count, found.count_unit) == (3, 4, "firms")
    found = e.extract("lav 3 netværk", gazetteer)
    assert (found.count, found.count_unit) == (3, "groups")
    found = e.extract("max 6 per hold", gazetteer)
    assert found.count is None and found.size == 6


@pytest.mark.parametrize(
    ("text", "count", "size"),
    [
        ("kun 3 i hvert netværk", None, 3),
        ("grupper på fem", None, 5),
        ("make them groups of five", None, 5),
        ("lav 3 netværk med 4 i hver", 3, 4),
        ("propose 2 networks of 4 firms", 2, 4),
        ("max 6 per hold", None, 6),
        ("lav 3 netværk", 3, None),
        ("foreslå 3 netværk med mindst 2 vidensinstitutioner", 3, None),
        ("lav 3 netværk med virksomheder med mindst 20 ansatte", 3, None),
        ("propose networks with 2 universities", 2, None),
        ("højst 5 virksomheder i hvert netværk", None, 5),
    ],
)
def test_group_size_beside_a_count(gazetteer, text, count, size):
    found = e.extract(text, gazetteer)
    assert (found.count, found.size) == (count, size)


@pytest.mark.parametrize(
    ("text", "ordinals", "exclude"),
    [
        ("uden nummer to", [2], True),
        ("exclude the second one", [2], True),
        ("fjern den sidste", [-1], True),
        ("vis den første virksomhed", [1], False),
        ("explain number 3", [3], False),
        ("drop #2", [2], True),
    ],
)
def test_ordinal_references(gazetteer, text, ordinals, exclude):
    found = e.extract(text, gazetteer)
    assert found.ordinals == ordinals and found.exclude is exclude and found.count is None


@pytest.mark.parametrize(
    ("text", "sector"),
    [
        ("foreslå netværk for fødevarevirksomheder", "fødevarer"),
        ("propose networks for construction companies", "byggeri"),
        ("netværk for softwarefirmaer", "software"),
        ("foedevarebranchen", "fødevarer"),
        ("who made this?", None),  # "mad" (food) starts "made" but is not meant
    ],
)
def test_sectors(gazetteer, text, sector):
    assert e.extract(text, gazetteer).sector == sector


@pytest.mark.parametrize(
    ("text", "purpose"),
    [
        ("find partnere til Skjern Savværk der kan hjælpe med eksport til Tyskland",
         "eksport til Tyskland"),
        ("find partners for Skjern Savværk who can help with export to Germany",
         "export to Germany"),
        ("hvem kan hjælpe Skjern Savværk med digitalisering?", "digitalisering"),
        ("Skjern Savværk vil gerne sælge til Norge – find 3 partnere", "sælge til Norge"),
        # a question for buyers: what they would buy, not "buy …" (the buying is the question)
        ("who wants to buy spent grain?", "spent grain"),
        ("hvem vil gerne købe brugte paller?", "brugte paller"),
        ("which firms would like to buy surplus heat?", "surplus heat"),
    ],
)  # fmt: skip
def test_purpose(gazetteer, text, purpose):
    assert e.extract(text, gazetteer).purpose == purpose


@pytest.mark.parametrize(
    ("text", "fmt"),
    [("som pdf", "pdf"), ("i excel", "xlsx"), ("as a CSV file", "csv"), ("som JSON", "json"),
     ("kan jeg få det i xlsx?", "xlsx"), ("send det", None)],
)  # fmt: skip
def test_formats(gazetteer, text, fmt):
    assert e.extract(text, gazetteer).format == fmt


def test_masterclass_by_title_words_and_theme(gazetteer):
    exact = e.extract("lav hold til Robotter i produktionen", gazetteer)
    assert exact.masterclass == {"id": 1, "title": "Robotter i produktionen"}
    loose = e.extract("sammensæt hold til robotmasterclassen", gazetteer)
    assert loose.masterclass["id"] == 1
    english = e.extract("split the export masterclass into cohorts", gazetteer)
    assert english.masterclass["id"] == 2
    # Without a masterclass word the theme alone does not name one.
    assert e.extract("find partnere med robotter", gazetteer).masterclass is None


def test_for_intent_keeps_the_slots_an_intent_uses(gazetteer):
    found = e.extract("hvem er borgmester i Aalborg?", gazetteer)
    assert found.region == "Nordjylland"
    assert e.for_intent(found, "other").region is None


def test_gazetteer_from_the_store_follows_changes(db):
    from matchmaker.store import profiles

    body = {"region": "Midtjylland", "kind": "company", "description": "Savværk", "consent": True}
    first = e.Gazetteer.from_db(db)
    assert first.firms == []
    profiles.create(db, {**body, "name": "Videbæk Savværk ApS"})
    found = e.extract("vis Videbæk Savværk", e.Gazetteer.from_db(db))
    assert names(found) == ["Videbæk Savværk ApS"]


def test_an_ordinary_word_alone_offers_no_firm_candidates():
    gaz = e.Gazetteer([(1, "Synsvinkel Vision A/S"), (2, "Vestjysk Vision ApS")])
    assert e.firm_candidates("Which companies work with machine vision?", gaz) == []
    assert e.firm_candidates("hvem arbejder med vision?", gaz) == []
    # A distinctive word still does, and an ordinary word may add to it.
    assert [c["id"] for c in e.firm_candidates("find partners for Synsvinkel", gaz)] == [1]
    assert [c["id"] for c in e.firm_candidates("partnere til vestjysk vision", gaz)] == [2]


def test_a_number_after_masterclass_names_it_and_is_no_count():
    gaz = e.Gazetteer(FIRMS, [{"id": 7, "title": "Robotter", "theme": ""},
                              {"id": 9, "title": "Eksport", "theme": ""}])  # fmt: skip
    found = e.extract("Lav hold til masterclass 9", gaz, intent="propose_cohorts", language="da")
    assert found.masterclass == {"id": 9, "title": "Eksport"} and found.count is None
    by_position = e.extract("lav hold til masterclass 2", gaz, intent="propose_cohorts")
    assert by_position.masterclass["id"] == 9 and by_position.count is None
    numbered = e.extract("lav 3 hold til masterclass nr. 1", gaz, intent="propose_cohorts")
    assert numbered.masterclass["id"] == 7 and numbered.count == 3
    cohort = e.extract("lav hold nr 7", gaz, intent="propose_cohorts")
    assert cohort.masterclass["id"] == 7 and cohort.count is None and cohort.ordinals == []
    unknown = e.extract("lav hold til masterclass 40", gaz, intent="propose_cohorts")
    assert unknown.count is None
    # Outside a cohort request "hold nr 2" still points into the last list.
    assert e.extract("forklar hold nr 2", gaz, intent="explain").ordinals == [2]


def test_exclusion_start_splits_subject_from_exclusions():
    text = "find partnere til Skjern Savværk uden nummer to"
    assert e.exclusion_start(text) == text.index("uden")
    assert e.exclusion_start("find partnere til Skjern Savværk") is None


@pytest.mark.parametrize(
    ("text", "purpose", "side"),
    [
        ("hvem kan lakere egetræ i små serier?", "lakere egetræ i små serier", "supply"),
        ("which firms can repaint ship hulls?", "repaint ship hulls", "supply"),
        ("hvem har savsmuld til overs?", "savsmuld", "supply"),
        ("who wants to get rid of spent grain", "spent grain", "supply"),
        ("hvem har overskudsvarme de gerne vil af med", "overskudsvarme", "supply"),
        ("hvem vil gerne måle støv i deres hal?", "måle støv i deres hal", "need"),
        ("hvem skal bruge nogen til at pakke gaver?", "pakke gaver", "need"),
        ("hvem kunne købe brugte paller?", "brugte paller", "need"),
        ("hvem kan jeg ringe til om eksport?", None, None),
        # partner requests and questions about the service are no deed of a firm
        ("hvem kan matche med Brande Væveri?", None, None),
        ("hvem kunne passe til Lemvig Lakrids?", None, None),
        ("hvem kan Lemvig Lakrids samarbejde med?", None, None),
        ("which companies could work with Lemvig Lakrids?", None, None),
        ("hvem kan forklare mig hvordan chatten virker?", None, None),
        ("hvem kan godkende forslagene?", None, None),
        ("hvem kan vaere med?", None, None),
        # a kind of firm is a compound ("it-sikkerhedsfirmaer"), not an adjective before firms
        ("vis alle it-sikkerhedsfirmaer", "it-sikkerhed", None),
        ("find 3 lignende virksomheder som Lemvig Lakrids", None, None),
        ("vis de største virksomheder", None, None),
        ("find tyske virksomheder", None, None),
    ],
)  # fmt: skip
def test_who_does_has_or_wants_a_thing(text, purpose, side):
    """Any deed asked of firms not named is the topic; something spare is offered; wanting
    or having to use something is a need; a question to the chat is neither."""
    from matchmaker.chat import topics

    assert topics.find_purpose(text) == purpose
    assert topics.asks_for_suppliers(text) == (side == "supply")
    assert topics.asks_for_buyers(text) == (side == "need")
