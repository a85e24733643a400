"""One market, whatever language a firm wrote it in: the matcher's market feature, partner
reasons, the chat and exports see "Tyskland", "Germany" and "DE" as one market."""

from __future__ import annotations

import csv
import io

import pytest
from conftest import company_body, valid_cvr

from matchmaker.matching.features import FirmFacts, feature_names, structured_features

FIRMS = [
    dict(
        name="Thisted Trævarer ApS", region="Nordjylland", sector="Træ", nace="16.23",
        description="Vi laver havemøbler og terrasser i dansk lærk.",
        offers="Havemøbler og terrassebrædder i lærk.",
        needs="Forhandlere og distribution af havemøbler i Frankrig.",
        markets=["Danmark", "Frankrig"],
    ),
    dict(
        name="Loire Furniture Distribution", region="Syddanmark", sector="Handel", nace="46.47",
        language="en",
        description="We distribute Scandinavian furniture to garden centres and retailers.",
        offers="Distribution of garden furniture through French garden centres and retailers.",
        needs="Danish makers of garden furniture.",
        markets=["France", "Denmark"],
    ),
    dict(
        name="Mariager Maskinværksted", region="Nordjylland", sector="Metal", nace="25.62",
        description="Drejning og fræsning af emner i stål.",
        offers="CNC-drejning og fræsning.", needs="Flere industrikunder.",
        markets=["Danmark"],
    ),
    dict(
        name="Brønderslev Bogføring", region="Nordjylland", sector="Rådgivning", nace="69.20",
        description="Bogføring og løn for små virksomheder.",
        offers="Bogføring, løn og årsregnskab.", needs="Nye kunder.",
        markets=["Danmark"],
    ),
]  # fmt: skip


def register(client, firms: list[dict], first_cvr: int) -> dict[str, int]:
    ids = {}
    for i, firm in enumerate(firms):
        body = company_body(**firm, cvr=valid_cvr(first_cvr + i),
                            contact_email=f"marked{first_cvr + i}@example.dk")  # fmt: skip
        answer = client.post("/api/v1/companies", json=body)
        assert answer.status_code == 201, answer.get_json()
        ids[firm["name"]] = answer.get_json()["id"]
    return ids


def shared_market(a: list[str], b: list[str]) -> float:
    """The matcher's shared_market feature of two firms with these markets."""
    vocab: dict[str, int] = {}
    facts = [FirmFacts.of([{"markets": m}], vocab) for m in (a, b)]
    values = structured_features(facts[0], facts[1], paired=True)
    names = feature_names()
    first = names.index("same_class")
    return float(values[names.index("shared_market") - first][0])


@pytest.mark.parametrize(
    "a, b, shared",
    [
        (["Tyskland"], ["Germany"], 1.0),
        (["DE"], ["det tyske marked"], 1.0),
        (["the German market"], ["Deutschland"], 1.0),
        (["Norden"], ["Sverige"], 1.0),  # a group holds its countries
        (["DACH"], ["Østrig"], 1.0),
        (["Sverige"], ["Danmark"], 0.0),
        (["Norden"], ["DACH"], 0.0),
        (["EU"], ["Tyskland"], 0.0),  # the EU as a whole is no single country
        (["Østersøregionen"], [" østersøregionen "], 1.0),  # unknown: its folded words
        (["Østersøregionen"], ["Tyskland"], 0.0),
    ],
)
def test_one_market_in_two_languages_is_a_shared_market_feature(a, b, shared):
    assert shared_market(a, b) == shared
    assert shared_market(b, a) == shared


def test_market_keys_and_labels():
    from matchmaker.reference import markets

    assert {markets.market_key(m) for m in ("Tyskland", "Germany", "DE", "tyske marked")} == {"DE"}
    assert markets.market_key("Tyskalnd") == "DE"  # one typo in a longer name
    assert markets.market_key("Grøn omstilling") == "grøn omstilling"  # no market: as written
    assert markets.market_label("DE", "en") == "Germany"
    assert markets.market_label("nordics", "da") == "Norden"
    assert markets.shared_markets([["nordics"], ["scandinavia"]]) == ["scandinavia"]
    assert markets.find_markets("help with export to the French market") == ["FR"]
    assert markets.find_markets("it is in no way de facto") == []


def test_partner_reasons_name_a_market_written_in_two_languages(client, auth):
    ids = register(client, FIRMS, 900)
    maker, dealer = ids["Thisted Trævarer ApS"], ids["Loire Furniture Distribution"]
    found = {}
    for lang in ("da", "en"):
        answer = client.get(
            f"/api/v1/companies/{maker}/partners?limit=10&lang={lang}", headers=auth
        )
        assert answer.status_code == 200, answer.get_json()
        found[lang] = {p["id"]: p["reasons"] for p in answer.get_json()["partners"]}
    # Denmark, listed by every firm, is the home market: no reason for any pair.
    assert [r for r in found["da"][dealer] if r.startswith("Fælles markeder")] == [
        "Fælles markeder: Frankrig"
    ]
    assert [r for r in found["en"][dealer] if r.startswith("Shared markets")] == [
        "Shared markets: France"
    ]
    stored = client.get(f"/api/v1/companies/{dealer}", headers=auth).get_json()
    assert stored["markets"] == ["France", "Denmark"]  # what the firm wrote is kept
    # Bad input is refused as before and changes nothing stored.
    bad = client.patch(f"/api/v1/companies/{dealer}", json={"markets": "France"}, headers=auth)
    assert bad.status_code == 422 and "markets" in bad.get_json()["fields"]
    empty = client.patch(f"/api/v1/companies/{dealer}", json={"markets": [""]}, headers=auth)
    assert empty.status_code == 422
    again = client.get(f"/api/v1/companies/{dealer}", headers=auth).get_json()
    assert again["markets"] == ["France", "Denmark"]


def test_english_company_export_names_markets_in_english(client, auth):
    firm = dict(FIRMS[2], markets=["Tyskland", "Østersøregionen"])
    register(client, [firm], 950)
    answer = client.get("/api/v1/companies/export?format=csv&lang=en", headers=auth)
    assert answer.status_code == 200
    rows = list(csv.DictReader(io.StringIO(answer.data.decode("utf-8-sig")), delimiter=";"))
    assert rows and rows[0]["markets"] == "Germany, Østersøregionen"


CHAT_FIRMS = [
    dict(
        name="Kolding Køkkenfabrik ApS", region="Syddanmark", sector="Møbler", nace="31.02",
        description="Vi laver køkkener i massivt træ.",
        offers="Køkkener og bordplader i massivt træ.",
        needs="Forhandlere der kan hjælpe os med eksport til Frankrig.",
        markets=["Danmark"],
    ),
    dict(
        name="Sønderborg Handelshus", region="Syddanmark", sector="Handel", nace="46.47",
        description="Handelshus for møbler og boligudstyr.",
        offers="Forhandlernetværk og messedeltagelse for møbelproducenter.",
        needs="Flere danske producenter.",
        markets=["Frankrig", "Danmark"],
    ),
    dict(
        name="Atlantic Interiors Agency", region="Hovedstaden", sector="Handel", nace="46.15",
        language="en",
        description="Sales agency for Scandinavian kitchens and interiors.",
        offers="Sales agents and showroom space for kitchen and furniture makers.",
        needs="Danish kitchen makers.",
        markets=["FR"],
    ),
    dict(
        name="Haderslev Transport", region="Syddanmark", sector="Transport", nace="49.41",
        description="Vognmand med lastbiler til gods i Danmark.",
        offers="Godstransport og lager.", needs="Flere kunder.",
        markets=["Danmark"],
    ),
]  # fmt: skip


@pytest.fixture(scope="module")
def intent_model():
    """The intent model, built once for these tests (as `make test` does)."""
    from matchmaker.chat import intents

    intents.ensure_trained()


def test_english_chat_names_the_market_in_english(client, auth, intent_model):
    """Export to France is served by the firms that sell there, however they wrote it
    ("Frankrig", "FR"), and an English reply names the market in English."""
    ids = register(client, CHAT_FIRMS, 960)
    answer = client.post(
        "/api/v1/chat",
        json={"session_id": "m", "message": "find 3 partners for Kolding Køkkenfabrik who "
              "can help with export to France"},
        headers=auth,
    )  # fmt: skip
    assert answer.status_code == 200, answer.get_json()
    cards = [c for c in answer.get_json()["cards"] if c["type"] == "firm"]
    first = {c["name"]: c["reasons"][0] for c in cards[:2]}
    assert set(first) == {"Sønderborg Handelshus", "Atlantic Interiors Agency"}
    for reason in first.values():
        assert reason == "Relevant to “export to France”: sells in France"
    assert ids["Haderslev Transport"] not in [c["id"] for c in cards[:2]]


def test_network_reasons_name_a_country_inside_a_group_in_the_readers_language(client, auth):
    """A firm in "Norden" and one in "Sweden" share Sweden (Norden holds it), and Denmark,
    which every member lists, is no reason."""
    firms = [dict(FIRMS[0], markets=["Danmark", "Norden"]),
             dict(FIRMS[1], markets=["Sweden", "Denmark"]), *FIRMS[2:]]  # fmt: skip
    ids = register(client, firms, 980)
    shown = {}
    for lang in ("da", "en"):
        answer = client.post(
            "/api/v1/networks/proposals",
            json={"company_ids": list(ids.values()), "min_size": 4, "max_size": 4, "lang": lang},
            headers=auth,
        )
        assert answer.status_code == 201, answer.get_json()
        (network,) = answer.get_json()["networks"]
        shown[lang] = network["reasons"]
    assert "Fælles markeder: Sverige" in shown["da"]
    assert "Shared markets: Sweden" in shown["en"]


def test_english_chat_names_regions_and_sectors_in_english(client, auth, intent_model):
    """An English reply says "Southern Denmark" and "food", not the stored Danish names; a
    Danish reply keeps them."""
    register(client, CHAT_FIRMS, 1000)

    def reply(message, session):
        answer = client.post(
            "/api/v1/chat", json={"session_id": session, "message": message}, headers=auth
        )
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()["reply"]

    english = reply("how many firms do you have in Syddanmark?", "r1")
    assert "3 firms in Southern Denmark" in english and "Syddanmark" not in english
    danish = reply("hvor mange virksomheder er der i Southern Denmark?", "r2")
    assert "i Syddanmark" in danish
    partners = reply("find 2 partners for Kolding Køkkenfabrik in the furniture sector", "r3")
    assert " in furniture" in partners and "møbler" not in partners


def test_english_partner_reasons_and_exports_name_regions_in_english(client, auth):
    ids = register(client, FIRMS, 1020)
    maker, dealer = ids["Thisted Trævarer ApS"], ids["Loire Furniture Distribution"]
    answer = client.get(f"/api/v1/companies/{maker}/partners?limit=10&lang=en", headers=auth)
    reasons = {p["id"]: p["reasons"] for p in answer.get_json()["partners"]}
    assert "Regions: North Jutland and Southern Denmark" in reasons[dealer]
    both = reasons[ids["Mariager Maskinværksted"]]
    assert "Both in North Jutland" in both
    export = client.get("/api/v1/companies/export?format=csv&lang=en", headers=auth)
    rows = list(csv.DictReader(io.StringIO(export.data.decode("utf-8-sig")), delimiter=";"))
    assert {r["name"]: r["region"] for r in rows}["Loire Furniture Distribution"] == (
        "Southern Denmark"
    )
    danish = client.get("/api/v1/companies/export?format=csv&lang=da", headers=auth)
    rows = list(csv.DictReader(io.StringIO(danish.data.decode("utf-8-sig")), delimiter=";"))
    assert {r["navn"]: r["region"] for r in rows}["Loire Furniture Distribution"] == "Syddanmark"
