"""Partner suggestions on a real store: complementarity, reasons, consent, competitors, rules."""

from __future__ import annotations

import json

import pytest
from conftest import company_body, valid_cvr

from matchmaker.matching import (
    MatchIndex,
    pair_score,
    pair_score_matrix,
    partner_suggestions,
    top_candidates,
)
from matchmaker.store import db as store

FIRMS = [
    {
        "name": "Nordisk Emballage ApS",
        "employees": 25,
        "region": "Midtjylland",
        "city": "Herning",
        "sector": "Emballage",
        "nace": "17.21",
        "description": "Vi producerer bæredygtig emballage i pap og karton til fødevarefirmaer.",
        "offers": "Udvikling og produktion af bæredygtig emballage og kartonløsninger.",
        "needs": "Vi har brug for hjælp til at sælge i Tyskland og finde forhandlere på det tyske "
        "marked.",
        "markets": ["Danmark", "Sverige"],
    },
    {
        "name": "German Market Partners",
        "employees": 6,
        "region": "Hovedstaden",
        "city": "København",
        "sector": "Consulting",
        "nace": "70.22",
        "description": "We help Nordic manufacturers grow their sales in Germany and Austria.",
        "offers": "Export consulting for the German market: market entry, distributor search and "
        "sales partners in the DACH region.",
        "needs": "Clients with sustainable products who want to expand abroad.",
        "markets": ["Germany", "Austria"],
        "language": "en",
    },
    {
        "name": "Tømrer Hansen",
        "employees": 12,
        "region": "Sjælland",
        "city": "Køge",
        "sector": "Byggeri",
        "nace": "43.32",
        "description": "Tømrerfirma der bygger carporte, tagterrasser og udestuer til private.",
        "offers": "Tømrerarbejde, renovering af tage og montering af vinduer.",
        "needs": "Lærlinge og en ny varebil.",
        "markets": ["Danmark"],
    },
    {
        "name": "Jysk Pap og Karton A/S",
        "employees": 40,
        "region": "Midtjylland",
        "city": "Ikast",
        "sector": "Emballage",
        "nace": "17.21",
        "description": "Producent af bæredygtig emballage i pap og karton til fødevarer.",
        "offers": "Produktion af bæredygtig emballage og kartonløsninger til fødevarevirksomheder.",
        "needs": "Automatisering af vores produktionslinje med robotter.",
        "markets": ["Danmark", "Norge"],
    },
    {
        "name": "Robotics Aarhus ApS",
        "employees": 30,
        "region": "Midtjylland",
        "city": "Aarhus",
        "sector": "Automation",
        "nace": "28.99",
        "description": "Vi bygger robotceller og automatiserer produktion for danske fabrikker.",
        "offers": "Automatisering af produktionslinjer, robotceller og PLC-programmering.",
        "needs": "Kunder i emballage- og fødevareindustrien, der vil automatisere.",
        "markets": ["Danmark"],
    },
    {
        "name": "Institut for Materialer, Aalborg Universitet",
        "employees": 300,
        "region": "Nordjylland",
        "city": "Aalborg",
        "sector": "Forskning",
        "nace": "85.42",
        "kind": "knowledge_institution",
        "description": "Forskning i biobaserede materialer og cirkulær økonomi.",
        "offers": "Forskningssamarbejde og test af nye biobaserede emballagematerialer.",
        "needs": "Virksomheder der vil udvikle cirkulær emballage sammen med forskere.",
        "markets": ["Danmark"],
    },
    {
        "name": "SikkerIT ApS",
        "employees": 8,
        "region": "Syddanmark",
        "city": "Odense",
        "sector": "IT-sikkerhed",
        "nace": "62.02",
        "description": "Rådgivning om it-sikkerhed for små og mellemstore virksomheder.",
        "offers": "IT-sikkerhed, NIS2-rådgivning og penetrationstest af netværk og maskiner.",
        "needs": "Flere kunder blandt produktionsvirksomheder.",
        "markets": ["Danmark"],
    },
    {
        "name": "Fynsk Fødevarer A/S",
        "employees": 120,
        "region": "Syddanmark",
        "city": "Odense",
        "sector": "Fødevarer",
        "nace": "10.85",
        "description": "Vi laver økologiske færdigretter til detailhandlen i Danmark.",
        "offers": "Økologiske færdigretter og catering til kantiner.",
        "needs": "Bæredygtig emballage til vores færdigretter og bedre sikring mod hackerangreb.",
        "markets": ["Danmark"],
    },
    {
        "name": "Hemmelig Emballage ApS",
        "employees": 15,
        "region": "Syddanmark",
        "city": "Vejle",
        "sector": "Emballage",
        "nace": "17.21",
        "description": "Emballage til færdigretter og fødevarer.",
        "offers": "Bæredygtig emballage til færdigretter.",
        "needs": "Kunder i fødevareindustrien.",
        "markets": ["Danmark"],
        "consent": 0,
    },
]


def insert_firms(db, firms=FIRMS) -> dict[str, int]:
    """Insert firms as the profile module would (a change row per write); name → id."""
    ids = {}
    for i, firm in enumerate(firms):
        row = {
            "kind": "company",
            "language": "da",
            "consent": 1,
            **firm,
            "markets": json.dumps(firm.get("markets", []), ensure_ascii=False),
            "edit_token_hash": f"token-{i}-{firm['name']}",
        }
        ids[firm["name"]] = db["companies"].insert(row).last_pk
        db["company_changes"].insert({"company_id": ids[firm["name"]], "op": "insert"})
    return ids


API_FIELDS = ("name", "employees", "region", "nace", "description", "offers", "needs", "markets")


def register_all(client, first_cvr: int) -> dict[str, int]:
    """The test firms registered through the API (consenting ones only), by name; their CVRs
    are generated from `first_cvr` on."""
    ids = {}
    for k, firm in enumerate(FIRMS):
        if firm.get("consent") is False:
            continue
        fields = {f: firm[f] for f in API_FIELDS if f in firm}
        body = company_body(cvr=valid_cvr(first_cvr + k), **fields)
        answer = client.post("/api/v1/companies", json=body)
        assert answer.status_code == 201, answer.get_json()
        ids[firm["name"]] = answer.get_json()["id"]
    return ids


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    db = store.connect(tmp_path_factory.mktemp("matching") / "t.sqlite3")
    ids = insert_firms(db)
    return db, ids, MatchIndex().fit(db)


def names(suggestions) -> list[str]:
    return [s.name for s in suggestions]


def test_danish_need_finds_english_offer_above_unrelated_firm(world):
    db, ids, index = world
    found = partner_suggestions(index, ids["Nordisk Emballage ApS"], limit=8, db=db)
    order = names(found)
    assert "German Market Partners" in order
    assert order.index("German Market Partners") < order.index("Tømrer Hansen")
    best = found[order.index("German Market Partners")]
    assert 0 < best.score <= 1
    assert best.type in {"vertical", "complementary"}


def test_reasons_quote_the_matching_need_and_offer(world):
    db, ids, index = world
    found = partner_suggestions(index, ids["Nordisk Emballage ApS"], limit=8, db=db)
    reason = next(r for s in found if s.name == "German Market Partners" for r in s.reasons)
    assert "sælge i Tyskland" in reason
    assert "German market" in reason or "DACH" in reason
    english = pair_score(
        index, ids["Nordisk Emballage ApS"], ids["German Market Partners"], lang="en", db=db
    )
    assert english.reasons[0].startswith("Need of Nordisk Emballage ApS")
    assert any(r.startswith("Regions: Central Jutland and Capital Region") for r in english.reasons)


def test_never_suggests_itself_or_firms_without_consent(world):
    db, ids, index = world
    for name in ("Fynsk Fødevarer A/S", "Nordisk Emballage ApS"):
        found = partner_suggestions(index, ids[name], limit=20, db=db)
        assert name not in names(found)
        assert "Hemmelig Emballage ApS" not in names(found)
    # A firm without consent may still ask; it is scored but never suggested.
    found = partner_suggestions(index, ids["Hemmelig Emballage ApS"], limit=3, db=db)
    assert found and "Hemmelig Emballage ApS" not in names(found)


def test_competitor_flagged_and_excluded_unless_asked_for(world):
    db, ids, index = world
    a, b = ids["Nordisk Emballage ApS"], ids["Jysk Pap og Karton A/S"]
    assert "competitor" in pair_score(index, a, b, db=db).flags
    assert "competitor" not in pair_score(index, a, ids["Robotics Aarhus ApS"], db=db).flags
    default = partner_suggestions(index, a, limit=20, db=db)
    assert "Jysk Pap og Karton A/S" not in names(default)
    assert not any("competitor" in s.flags for s in default)
    wide = partner_suggestions(index, a, limit=20, include_competitors=True, db=db)
    flagged = [s for s in wide if s.name == "Jysk Pap og Karton A/S"]
    assert flagged and flagged[0].flags == ["competitor"]
    assert any("konkurrent" in r for r in flagged[0].reasons)


def test_never_rule_excludes_pair_everywhere(tmp_path):
    db = store.connect(tmp_path / "t.sqlite3")
    ids = insert_firms(db)
    index = MatchIndex().fit(db)
    a, b = ids["Fynsk Fødevarer A/S"], ids["SikkerIT ApS"]
    assert "SikkerIT ApS" in names(partner_suggestions(index, a, limit=8, db=db))
    db["pair_rules"].insert({"a_id": min(a, b), "b_id": max(a, b), "rule": "never"})
    for mode in ("complementary", "similar"):
        assert "SikkerIT ApS" not in names(partner_suggestions(index, a, limit=8, mode=mode, db=db))
        assert "Fynsk Fødevarer A/S" not in names(
            partner_suggestions(index, b, limit=8, mode=mode, db=db)
        )
    assert "never_together" in pair_score(index, a, b, db=db).flags
    pool = pair_score_matrix(index, db=db)
    assert pool.never[pool.ids.index(a), pool.ids.index(b)]
    assert all(c != b for c, _ in top_candidates(index, 8, ids=[a], db=db)[a])


def test_filters_region_kind_size_nace(world):
    db, ids, index = world
    a = ids["Fynsk Fødevarer A/S"]
    profiles = index.profiles_

    def check(predicate, **filters):
        found = partner_suggestions(index, a, limit=20, include_competitors=True, db=db, **filters)
        assert found
        assert all(predicate(profiles[s.id]) for s in found)

    check(lambda p: p["region"] == "Midtjylland", region="Midtjylland")
    check(lambda p: p["kind"] == "knowledge_institution", kind="knowledge_institution")
    check(lambda p: p["employees"] < 10, size="micro")
    check(lambda p: p["nace"].startswith("17"), nace="17")
    check(lambda p: p["nace"].startswith("62"), nace="J")


def test_similar_mode_finds_look_alike_firm(world):
    db, ids, index = world
    found = partner_suggestions(index, ids["Nordisk Emballage ApS"], mode="similar", db=db)
    assert found[0].name == "Jysk Pap og Karton A/S"
    assert found[0].type == "congruent"


def test_index_catches_up_with_changes_and_reembeds_only_changed_text(tmp_path, monkeypatch):
    db = store.connect(tmp_path / "t.sqlite3")
    ids = insert_firms(db)
    index = MatchIndex().fit(db)
    encoded: list[str] = []
    model = index.encoder_.model_
    original = model._encode_missing

    def counting(texts, *args):
        encoded.extend(texts)
        return original(texts, *args)

    monkeypatch.setattr(model, "_encode_missing", counting)
    tømrer = ids["Tømrer Hansen"]
    new_needs = "Hjælp til at sælge vores carporte i Tyskland."
    db["companies"].update(tømrer, {"needs": new_needs})
    db["company_changes"].insert({"company_id": tømrer, "op": "update"})
    before = index.profile(tømrer)["needs"]
    fresh = index.refreshed(db)
    assert fresh is not index and index.profile(tømrer)["needs"] == before  # the old one holds
    assert len(encoded) == 1 and new_needs in encoded[0]
    assert fresh.profile(tømrer)["needs"] == new_needs
    assert fresh.refreshed(db) is fresh  # nothing new: the same snapshot
    # Consent withdrawn and a deletion: both drop out of the suggestions.
    db["companies"].update(ids["German Market Partners"], {"consent": 0})
    db["company_changes"].insert({"company_id": ids["German Market Partners"], "op": "update"})
    db["companies"].delete(ids["Robotics Aarhus ApS"])
    db["company_changes"].insert({"company_id": ids["Robotics Aarhus ApS"], "op": "delete"})
    index = fresh.refreshed(db)
    assert len(encoded) == 1
    found = names(partner_suggestions(index, ids["Nordisk Emballage ApS"], limit=20, db=db))
    assert "German Market Partners" not in found and "Robotics Aarhus ApS" not in found
    assert ids["German Market Partners"] not in index


def test_store_entry_point_builds_and_refreshes_the_index(tmp_path):
    db = store.connect(tmp_path / "t.sqlite3")
    ids = insert_firms(db, FIRMS[:3])
    first = names(partner_suggestions(db, ids["Nordisk Emballage ApS"], limit=10))
    assert set(first) == {"German Market Partners", "Tømrer Hansen"}
    insert_firms(db, FIRMS[3:5])  # matchable as soon as they are stored
    again = partner_suggestions(
        db, ids["Nordisk Emballage ApS"], limit=10, include_competitors=True
    )
    assert {"Robotics Aarhus ApS", "Jysk Pap og Karton A/S"} <= set(names(again))


def test_pool_scores_and_top_candidates_agree(world):
    db, ids, index = world
    pool = pair_score_matrix(index, db=db)
    assert pool.scores.shape == (len(pool.ids), len(pool.ids))
    assert (pool.scores == pool.scores.T).all() and (pool.scores.diagonal() == 0).all()
    a, b = ids["Nordisk Emballage ApS"], ids["Jysk Pap og Karton A/S"]
    assert pool.competitor[pool.ids.index(a), pool.ids.index(b)]
    top = top_candidates(index, 3, db=db)
    assert set(top) == set(pool.ids)
    assert all(len(v) <= 3 and c != cid for cid, v in top.items() for c, _ in v)
    assert b not in [c for c, _ in top[a]]


VALUE_CHAIN_FIRMS = [
    {
        "name": "Nordvest Sejlmageri ApS",
        "employees": 9,
        "region": "Nordjylland",
        "city": "Hirtshals",
        "sector": "Sejlmageri",
        "nace": "13.92",
        "description": "Sejlmageri der syr sejl og kalecher til lystbåde og erhvervsfartøjer.",
        "offers": "Sejl, kalecher og presenninger syet i tekniske tekstiler, reparation af sejl.",
        "needs": "En leverandør af tekniske tekstiler og sejldug i mindre partier.",
        "markets": ["Danmark", "Sverige"],
    },
    {
        "name": "Jysk Teknisk Væveri A/S",
        "employees": 45,
        "region": "Nordjylland",
        "city": "Brønderslev",
        "sector": "Tekstil",
        "nace": "13.96",
        "description": "Væveri der producerer tekniske tekstiler og sejldug.",
        "offers": "Tekniske tekstiler: vævet sejldug, coatede stoffer og presenningsdug i små og "
        "store partier.",
        "needs": "Sejlmagere og producenter af presenninger som kunder.",
        "markets": ["Danmark", "Sverige", "Tyskland"],
    },
    {
        "name": "Skagen Sejl ApS",
        "employees": 7,
        "region": "Nordjylland",
        "city": "Skagen",
        "sector": "Sejlmageri",
        "nace": "13.92",
        "description": "Sejlmager for lystsejlere og kapsejlere i Nordjylland.",
        "offers": "Nye sejl, kalecher og presenninger samt reparation og service af sejl.",
        "needs": "Flere kunder blandt sejlklubber og bådeværfter.",
        "markets": ["Danmark"],
    },
]


@pytest.fixture(scope="module")
def chain_world(tmp_path_factory):
    db = store.connect(tmp_path_factory.mktemp("chain") / "t.sqlite3")
    ids = insert_firms(db, FIRMS + VALUE_CHAIN_FIRMS)
    return db, ids, MatchIndex().fit(db)


def test_supplier_and_customer_are_no_competitors_but_look_alikes_are(chain_world):
    db, ids, index = chain_world
    sail, weaver = ids["Nordvest Sejlmageri ApS"], ids["Jysk Teknisk Væveri A/S"]
    # The weaver meets the sailmaker's need (and wants sailmakers as customers): value chain.
    for a, b in ((sail, weaver), (weaver, sail)):
        assert "competitor" not in pair_score(index, a, b, db=db).flags
    assert "Jysk Teknisk Væveri A/S" in names(partner_suggestions(index, sail, limit=5, db=db))
    assert "Nordvest Sejlmageri ApS" in names(partner_suggestions(index, weaver, limit=5, db=db))
    pool = pair_score_matrix(index, [sail, weaver, ids["Skagen Sejl ApS"]], db=db)
    assert not pool.competitor[0, 1] and not pool.competitor[1, 0]
    # Two sailmakers with alike offers in one region remain competitors.
    assert "competitor" in pair_score(index, sail, ids["Skagen Sejl ApS"], db=db).flags
    assert pool.competitor[0, 2] and pool.competitor[2, 0]
    # And so do the two packaging firms of the main fixture.
    a, b = ids["Nordisk Emballage ApS"], ids["Jysk Pap og Karton A/S"]
    assert "competitor" in pair_score(index, a, b, db=db).flags


# A fruit grower and the cider and juice press that buys its fruit (different NACE sections:
# growing, food manufacturing): their offers share words (apples, pears, juice), yet they are
# links of one value chain. And two bookkeeping firms in one town, worded differently: rivals.
GROWER_AND_PRESS = [
    {
        "name": "Frugtgården ved Stevns",
        "employees": 8,
        "region": "Sjælland",
        "city": "Store Heddinge",
        "sector": "Frugtavl",
        "nace": "01.24",
        "description": "Frugtavler på Stevns. Vi dyrker æbler og pærer og sælger frugten til "
        "mosterier og grossister.",
        "offers": "Æbler og pærer til most, saft og cider.",
        "needs": "Flere aftagere.",
        "markets": ["Danmark"],
    },
    {
        "name": "Østsjællands Mosteri ApS",
        "employees": 14,
        "region": "Sjælland",
        "city": "Køge",
        "sector": "Saft og most",
        "nace": "10.32",
        "description": "Mosteri der presser æblemost og saft af dansk frugt.",
        "offers": "Most, saft og cider af danske æbler og pærer.",
        "needs": "Flere supermarkeder som kunder.",
        "markets": ["Danmark"],
    },
    {
        "name": "Fyns Revision ApS",
        "employees": 11,
        "region": "Syddanmark",
        "city": "Odense",
        "sector": "Revision",
        "nace": "69.20",
        "description": "Revisionsfirma for små og mellemstore virksomheder på Fyn.",
        "offers": "Revision af årsregnskaber, bogføring og skatterådgivning til SMV'er.",
        "needs": "Flere kunder blandt håndværkere og detailbutikker.",
        "markets": ["Danmark"],
    },
    {
        "name": "Odense Regnskabskontor",
        "employees": 6,
        "region": "Syddanmark",
        "city": "Odense",
        "sector": "Regnskab",
        "nace": "69.20",
        "description": "Vi fører regnskab og laver årsrapporter for mindre selskaber omkring "
        "Odense.",
        "offers": "Bogholderi, årsrapporter med revisorpåtegning og hjælp med moms og skat.",
        "needs": "Nye klienter, gerne iværksættere og små produktionsvirksomheder.",
        "markets": ["Danmark"],
    },
]


@pytest.fixture(scope="module")
def orchard_world(tmp_path_factory):
    db = store.connect(tmp_path_factory.mktemp("orchard") / "t.sqlite3")
    ids = insert_firms(db, FIRMS + GROWER_AND_PRESS)
    return db, ids, MatchIndex().fit(db)


def test_grower_and_the_press_buying_its_fruit_are_no_competitors(orchard_world):
    db, ids, index = orchard_world
    grower, press = ids["Frugtgården ved Stevns"], ids["Østsjællands Mosteri ApS"]
    for a, b in ((grower, press), (press, grower)):
        assert "competitor" not in pair_score(index, a, b, db=db).flags
    pool = pair_score_matrix(index, [grower, press], db=db)
    assert not pool.competitor.any()
    assert "Østsjællands Mosteri ApS" in names(partner_suggestions(index, grower, limit=5, db=db))


def test_rivals_in_other_words_stay_competitors(orchard_world):
    db, ids, index = orchard_world
    a, b = ids["Fyns Revision ApS"], ids["Odense Regnskabskontor"]
    assert "competitor" in pair_score(index, a, b, db=db).flags
    assert "competitor" in pair_score(index, b, a, db=db).flags
    assert pair_score_matrix(index, [a, b], db=db).competitor[0, 1]
    assert "Odense Regnskabskontor" not in names(partner_suggestions(index, a, limit=20, db=db))


def test_need_offer_reasons_are_specific_unique_and_marked_when_cut(chain_world):
    db, ids, index = chain_world
    sail, weaver = ids["Nordvest Sejlmageri ApS"], ids["Jysk Teknisk Væveri A/S"]
    reasons = pair_score(index, sail, weaver, db=db).reasons
    quoted = [r for r in reasons if r.startswith("Behov hos")]
    assert quoted and "tekniske tekstiler" in quoted[0]
    # One line per need/offer clause pair, each clause quoted once.
    pairs = [r.split(" (")[0] for r in quoted]
    assert len(pairs) == len(set(pairs))
    # Unrelated clauses are not quoted even when a broad word is shared.
    reasons = pair_score(index, ids["Tømrer Hansen"], ids["Robotics Aarhus ApS"], db=db).reasons
    assert not any(r.startswith("Behov hos") for r in reasons)


def test_lexicon_matches_whole_words_and_compound_parts_only():
    from matchmaker.reference.lexicon import default_lexicon

    lexicon = default_lexicon()
    # "port" in "eksport", "maskin" in "maskinsyn", "leder" (seeks) vs "ledelse", "nord" in
    # "nordjysk": look-alike letters, not the concept.
    assert "maritime" not in lexicon.concept_ids("Vi vil øge vores eksport")
    assert "machinery_equipment" not in lexicon.concept_ids("Kameraer til maskinsyn")
    assert "business_development" not in lexicon.concept_ids("Vi leder efter en partner")
    assert "export_nordics" not in lexicon.concept_ids("Restaurant med nordjysk køkken")
    # Real compounds and inflections still match.
    assert "export" in lexicon.concept_ids("Eksportrådgivning til SMV'er")
    assert "packaging" in lexicon.concept_ids("Nye emballageløsninger")
    assert "business_development" in lexicon.concept_ids("Sparring med ledelsen")
    assert "robotics" in lexicon.concept_ids("Vi bygger robotceller")


def test_snippet_marks_where_a_clause_is_cut():
    from matchmaker.reference.text import snippet

    text = (
        "Vi leder efter nogen, der kan automatisere vores pakkelinje til drikkeyoghurt, hvor der "
        "i dag står fire mand og pakker i hånden hele natten. Andet."
    )
    start = text.index("pakkelinje")
    cut = snippet(text, start, start + len("pakkelinje"), width=60)
    assert "pakkelinje" in cut and cut.endswith("…")
    assert snippet("Kort tekst.", 0, 4) == "Kort tekst"
