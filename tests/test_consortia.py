"""Consortia for a call: a facilitator pastes a call and gets 3–5-firm consortia whose offers
cover what it asks, a knowledge institution where it asks for one, no competitors together,
each member's reason tied to the call, and what no member covers."""

from __future__ import annotations

import itertools
import re

import pytest
from conftest import add_user
from test_networks import register

CALL = (
    "Puljen støtter projekter, der udvikler bæredygtig emballage i pap til økologiske "
    "fødevarer som mel og brød. Projekterne skal automatisere produktionen med robotter. "
    "Konsortiet skal hjælpe virksomhederne med eksport til supermarkeder i Tyskland. "
    "Konsortiet skal omfatte et universitet eller en anden videninstitution. "
    "Projektet skal også opsende satellitter til rumfart i kredsløb om Mars."
)


@pytest.fixture
def firms(client):
    return register(client)


def consortia(client, auth, **body):
    return client.post("/api/v1/consortia", json={"call": CALL} | body, headers=auth)


def test_consortia_cover_the_call_with_reasons_and_gaps(client, auth, firms):
    answer = consortia(client, auth, count=2, seed=0)
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert answer.headers["Location"].endswith(f"/api/v1/consortia/{body['id']}")
    assert body["requires_knowledge_institution"] is True
    assert 1 <= len(body["consortia"]) <= 2
    kinds = {}
    for company_id in firms:
        kinds[company_id] = client.get(f"/api/v1/companies/{company_id}", headers=auth).get_json()
    seen_companies = []
    for consortium in body["consortia"]:
        assert set(consortium) >= {"id", "members", "covered", "uncovered", "score"}
        members = consortium["members"]
        assert 3 <= len(members) <= 5
        assert all(set(m) >= {"id", "name", "reason"} for m in members)
        assert any(kinds[m["id"]]["kind"] == "knowledge_institution" for m in members)
        # Each reason quotes a part of the call.
        for m in members:
            quoted = m["reason"].split("«")[1].split("»")[0] if "«" in m["reason"] else ""
            quoted = quoted.strip("… ")
            assert quoted and (quoted in CALL or quoted.lower() in CALL.lower()), m["reason"]
        # Nothing on Mars: the space demand is listed as uncovered.
        assert any("satellit" in d["demand"] for d in consortium["uncovered"])
        assert any("emballage" in d["demand"] for d in consortium["covered"])
        assert all(set(d["by"]) <= {m["id"] for m in members} for d in consortium["covered"])
        assert 0 <= consortium["score"] <= 1
        # No likely competitors together.
        for a, b in itertools.combinations([m["id"] for m in members], 2):
            why = client.get(f"/api/v1/companies/{a}/match/{b}", headers=auth).get_json()
            assert "competitor" not in why["flags"]
        seen_companies += [m["id"] for m in members if kinds[m["id"]]["kind"] == "company"]
    assert len(seen_companies) == len(set(seen_companies))  # a firm in one consortium only
    # The packaging maker answers the packaging part of the call.
    first = body["consortia"][0]
    names = {m["name"]: m["reason"] for m in first["members"]}
    assert "GrønPap Emballage A/S" in names and "emballage" in names["GrønPap Emballage A/S"]


def test_same_call_and_seed_give_the_same_consortia_and_they_are_stored(client, auth, firms):
    one = consortia(client, auth, seed=3).get_json()
    two = consortia(client, auth, seed=3).get_json()
    assert [[m["id"] for m in c["members"]] for c in one["consortia"]] == [
        [m["id"] for m in c["members"]] for c in two["consortia"]
    ]
    stored = client.get(f"/api/v1/consortia/{one['id']}", headers=auth)
    assert stored.status_code == 200 and stored.get_json()["consortia"] == one["consortia"]
    listed = client.get("/api/v1/consortia", headers=auth).get_json()
    assert listed["total"] == 2 and listed["items"][0]["id"] == two["id"]
    assert client.get("/api/v1/consortia/999", headers=auth).status_code == 404
    # A consortium is not a network: the network endpoints do not see it.
    group_id = one["consortia"][0]["id"]
    assert client.get(f"/api/v1/networks/{group_id}", headers=auth).status_code == 404


def test_a_call_without_a_knowledge_demand_and_a_pool(client, auth, firms):
    call = "Vi søger projekter om bæredygtig emballage og eksport af økologisk brød til Tyskland."
    pool = firms[:6]
    answer = client.post(
        "/api/v1/consortia",
        json={"call": call, "company_ids": pool, "count": 1, "min_size": 3, "max_size": 3},
        headers=auth,
    )
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["requires_knowledge_institution"] is False
    (consortium,) = body["consortia"]
    assert len(consortium["members"]) == 3
    assert {m["id"] for m in consortium["members"]} <= set(pool)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"call": ""}, "call"),
        ({"call": "kort"}, "call"),
        ({"call": None}, "call"),
        ({"min_size": 5, "max_size": 3}, "min_size"),
        ({"count": 0}, "count"),
        ({"count": "3"}, "count"),
        ({"seed": -1}, "seed"),
        ({"company_ids": [1, 1]}, "company_ids"),
        ({"company_ids": [10**6, 10**6 + 1]}, "company_ids"),
        ({"deadline": "i morgen"}, "deadline"),
    ],
)
def test_bad_requests_name_the_field_and_store_nothing(client, auth, db, body, field):
    answer = consortia(client, auth, **body)
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["fields"]
    assert db["proposals"].count == 0


def test_only_facilitators_ask(client):
    assert client.post("/api/v1/consortia", json={"call": CALL}).status_code == 401
    assert client.get("/api/v1/consortia").status_code == 401


def test_the_page_takes_a_call_and_shows_the_consortia(client, runner, firms):
    add_user(runner, "side@example.dk", password="et-langt-kodeord")
    client.post("/login", data={"email": "side@example.dk", "password": "et-langt-kodeord"})
    page = client.get("/consortia").get_data(as_text=True)
    assert "Konsortier til et opslag" in page and 'name="call"' in page
    short = client.post("/consortia", data={"call": "kort"})
    assert short.status_code == 422 and "Opslagets tekst" in short.get_data(as_text=True)
    answer = client.post("/consortia", data={"call": CALL, "count": "1"})
    assert answer.status_code == 302
    detail = client.get(answer.headers["Location"]).get_data(as_text=True)
    for words in ("Konsortium 1", "Det dækker ingen af dem", "satellitter", "Svarer på opslagets",
                  "Opslaget beder om en videninstitution"):  # fmt: skip
        assert words in detail, words
    assert re.search(r"dækning \d,\d\d<", detail)  # written the Danish way


def test_an_empty_store_gives_no_consortia_but_lists_the_demands(client, auth):
    answer = consortia(client, auth)
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["consortia"] == [] and any("emballage" in d["demand"] for d in body["demands"])


# Firms near a call's demands without offering them: a joinery that sells in Norway (its
# description says so), a brewery whose text shares words with the call; and the one firm
# whose offers do meet the Nordic demand.
NEAR = [
    dict(name="Snedkeriet Fjordlys", nace="31.09", region="Nordjylland", sector="Møbler",
         description="Snedkeri der laver køkkenborde i ask; vi sælger dem i Danmark og Norge.",
         offers="Køkkenborde og skabe i massiv ask efter mål.",
         needs="Hjælp til automatisering af slibning.", markets=["Danmark", "Norge"]),
    dict(name="Humlegården Bryg", nace="11.05", region="Nordjylland", sector="Bryggeri",
         description="Bryggeri der brygger øl af dansk humle og byg.",
         offers="Øl på fad og flaske til restauranter.",
         needs="Nye forhandlere og bedre etiketter.", markets=["Danmark"]),
    dict(name="Vendsyssel Skiltefabrik", nace="32.99", region="Nordjylland", sector="Skilte",
         description="Vi laver skilte og facadeskilte til butikker.",
         offers="Facadeskilte, lysskilte og folieskilte til butikker.",
         needs="Flere kunder i detailhandlen.", markets=["Danmark"]),
    dict(name="Aalborg Materialelab", nace="72.19", region="Nordjylland",
         kind="knowledge_institution", sector="Forskning",
         description="Universitetslaboratorium for træ og biobaserede materialer.",
         offers="Forskning i træ, overfladebehandling og test af materialer.",
         needs="Virksomheder med prøver til projekter.", markets=["Danmark"]),
]  # fmt: skip
NORDIC_EXPORT = dict(
    name="Skagerrak Eksportpartner", nace="70.22", region="Nordjylland", sector="Rådgivning",
    description="Rådgivning til små producenter, der vil sælge i udlandet.",
    offers="Eksportrådgivning og salg til forhandlere i Norge og Sverige.",
    needs="Producenter med varer til nordiske kunder.", markets=["Danmark", "Norge", "Sverige"],
)  # fmt: skip
NORDIC_CALL = (
    "Puljen støtter små producenter af møbler og træprodukter. Projektet skal bringe "
    "produkterne ud på det norske marked. Konsortiet skal omfatte en videninstitution."
)


def test_a_demand_counts_as_covered_only_where_a_members_offers_meet_it(client, auth):
    *near, adviser = register(client, [*NEAR, NORDIC_EXPORT])
    body = client.post(
        "/api/v1/consortia",
        json={"call": NORDIC_CALL, "company_ids": near, "count": 1, "min_size": 3,
              "max_size": 4, "lang": "da"},
        headers=auth,
    ).get_json()  # fmt: skip
    (consortium,) = body["consortia"]
    nordic = "eksport til Norden"
    # The joinery only sells in Norway, nobody here offers to take others there.
    assert nordic in [d["demand"] for d in consortium["uncovered"]], consortium["covered"]
    assert nordic not in [d["demand"] for d in consortium["covered"]]
    # The knowledge institution still answers the call's demand for one.
    asks = next(d for d in consortium["covered"] if "videninstitution" in d["demand"])
    assert len(asks["by"]) == 1
    # With a firm that offers it beside them, the demand is covered, by that firm alone.
    body = client.post(
        "/api/v1/consortia",
        json={"call": NORDIC_CALL, "company_ids": [*near, adviser], "count": 1,
              "min_size": 5, "max_size": 5},
        headers=auth,
    ).get_json()  # fmt: skip
    (consortium,) = body["consortia"]
    (covered,) = [d for d in consortium["covered"] if d["demand"] == nordic]
    assert covered["by"] == [adviser]
