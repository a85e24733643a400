"""Networks by design over the API: around a lead firm's value chain, one large firm with SMEs,
across regions; warnings for uniform networks and unmet needs; hard constraints in every design;
bad requests refused with 422 and nothing stored."""

from __future__ import annotations

import pytest
from conftest import company_body, valid_cvr
from test_networks import assert_hard_constraints

from matchmaker import matching
from matchmaker.grouping import networks
from matchmaker.reference.sizes import SME_MAX_EMPLOYEES
from matchmaker.representation.roles import role_of


def firm(name, region, role, employees, nace, description, offers, needs, **more):
    return dict(name=name, region=region, role=role, employees=employees, nace=nace,
                description=description, offers=offers, needs=needs, **more)  # fmt: skip


# A ready-meal producer (the lead) and firms at other positions of its chain; a rival producer
# at the lead's own position; two large firms; SMEs in several regions; a firm of unknown size.
FIRMS = [
    firm(
        "Fynsk Færdigret A/S",
        "Syddanmark",
        "producer",
        120,
        "10.85",
        "Vi producerer økologiske færdigretter til supermarkeder.",
        "Økologiske færdigretter og supper i private label.",
        "Vi mangler bæredygtig emballage til færdigretter og en grossist der kan sælge dem "
        "til supermarkeder i Tyskland.",
    ),
    firm(
        "PapirPak Odense ApS",
        "Syddanmark",
        "supplier",
        35,
        "17.21",
        "Vi leverer emballage til fødevarer i pap og papir.",
        "Bæredygtig emballage og bakker i pap til færdigretter og fødevarer.",
        "Vi søger fødevareproducenter der vil skifte plast ud med pap.",
    ),
    firm(
        "Nordisk Fødevareeksport ApS",
        "Hovedstaden",
        "distributor",
        25,
        "46.38",
        "Grossist der sælger danske fødevarer til supermarkeder i Tyskland.",
        "Engrossalg og distribution af fødevarer til tyske supermarkedskæder.",
        "Vi søger danske producenter af økologiske færdigretter.",
    ),
    firm(
        "Grønttorvet Vest",
        "Midtjylland",
        "supplier",
        18,
        "01.13",
        "Vi dyrker økologiske grøntsager til fødevareindustrien.",
        "Økologiske grøntsager og kartofler som råvarer til færdigretter.",
        "Vi søger fødevareproducenter som faste aftagere.",
    ),
    firm(
        "KøleKurer Fyn",
        "Syddanmark",
        "service_provider",
        22,
        "49.41",
        "Kølet transport af fødevarer.",
        "Kølet transport og distribution af færdigretter.",
        "Vi søger fødevareproducenter med faste leverancer.",
    ),
    firm(
        "Sydfyns Suppekøkken",
        "Syddanmark",
        "producer",
        60,
        "10.85",
        "Vi producerer økologiske færdigretter og supper til supermarkeder.",
        "Økologiske færdigretter og supper i private label til supermarkeder.",
        "Vi mangler emballage og salg til Tyskland.",
    ),
    firm(
        "Danske Mejeriværker A/S",
        "Midtjylland",
        "producer",
        1400,
        "10.51",
        "Stort mejeri der producerer ost og smør.",
        "Mejeriprodukter, ost og smør i store mængder.",
        "Vi søger leverandører af emballage og nye produkter fra små producenter.",
    ),
    firm(
        "Nordjysk Maskinkoncern A/S",
        "Nordjylland",
        "producer",
        800,
        "28.29",
        "Koncern der bygger maskiner til fødevareindustrien.",
        "Pakkemaskiner og procesanlæg til fødevarer.",
        "Vi søger små virksomheder med ny teknologi og software til vores maskiner.",
    ),
    firm(
        "Aalborg Sensorteknik ApS",
        "Nordjylland",
        "supplier",
        14,
        "26.51",
        "Vi udvikler sensorer til maskiner.",
        "Sensorer og dataopsamling til maskiner i fødevareindustrien.",
        "Vi søger maskinproducenter som kunder.",
    ),
    firm(
        "Kodeværkstedet Aarhus",
        "Midtjylland",
        "service_provider",
        9,
        "62.01",
        "Softwarehus der laver styringssoftware.",
        "Software til maskiner og produktionsdata.",
        "Vi søger maskinproducenter og mejerier som kunder.",
    ),
    firm(
        "Ostebutikken Hovedstaden",
        "Hovedstaden",
        "distributor",
        12,
        "47.29",
        "Specialbutik og webshop for oste.",
        "Salg af oste fra små mejerier via butik og webshop.",
        "Vi søger mejerier med særlige oste.",
    ),
    firm(
        "Emballagedesign Sjælland",
        "Sjælland",
        "service_provider",
        7,
        "74.10",
        "Designbureau for emballage.",
        "Design af emballage til mejeriprodukter og fødevarer.",
        "Vi søger fødevareproducenter der vil forny deres emballage.",
    ),
    firm(
        "Mælkeruten Logistik",
        "Sjælland",
        "service_provider",
        45,
        "49.41",
        "Transport af mejeriprodukter.",
        "Kølet transport af mælk og ost.",
        "Vi søger mejerier som kunder.",
    ),
    firm(
        "Ukendt Størrelse ApS",
        "Midtjylland",
        "supplier",
        None,
        "17.21",
        "Vi leverer emballage til fødevarer.",
        "Emballage i pap.",
        "Vi søger mejerier og fødevareproducenter.",
    ),
]


def register(client, firms=FIRMS) -> dict[str, int]:
    ids = {}
    for k, data in enumerate(firms):
        body = company_body(**{"kind": "company", "city": None, "contact_name": None,
                               "contact_email": None, "sector": None, "markets": ["Danmark"]}
                            | data, cvr=valid_cvr(300 + k))  # fmt: skip
        body = {k: v for k, v in body.items() if v is not None}
        answer = client.post("/api/v1/companies", json=body)
        assert answer.status_code == 201, answer.get_json()
        ids[data["name"]] = answer.get_json()["id"]
    return ids


def propose(client, auth, **body):
    return client.post("/api/v1/networks/proposals", json=body, headers=auth)


def members_of(network) -> list[int]:
    return [m["id"] for m in network["members"]]


def test_plain_requests_keep_their_shape_and_carry_warnings(client, auth, db):
    register(client)
    answer = propose(client, auth, seed=0)
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["networks"] and {"id", "networks", "worst_score", "harmonic_mean", "unmet"} <= set(
        body
    )
    for network in body["networks"]:
        assert {"id", "members", "type", "score"} <= set(network)
        assert isinstance(network["warnings"], list)
    assert_hard_constraints(db, body)


def test_around_a_lead_firm_the_others_complete_its_value_chain(client, auth, db):
    ids = register(client)
    lead = ids["Fynsk Færdigret A/S"]
    answer = propose(client, auth, design="lead", lead_id=lead, max_size=4)
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert len(body["networks"]) == 1
    network = body["networks"][0]
    members = members_of(network)
    assert lead in members and 3 <= len(members) <= 4
    assert next(m for m in network["members"] if m["id"] == lead)["locked"]
    index = matching.match_index(db)
    lead_role = role_of(index.profile(lead))
    for other in members:
        if other != lead:
            assert role_of(index.profile(other)) != lead_role
    # The rival producer at the lead's own position stays out; its needs are met.
    assert ids["Sydfyns Suppekøkken"] not in members
    assert ids["PapirPak Odense ApS"] in members
    assert not [w for w in network["warnings"] if w["code"] == "design.need"]
    assert body["request"]["design"] == ["lead"] and body["request"]["lead_id"] == lead
    assert_hard_constraints(db, body)
    # A re-run keeps the lead in its network.
    again = client.post(f"/api/v1/networks/proposals/{body['id']}/rerun", json={"seed": 3},
                        headers=auth)  # fmt: skip
    assert again.status_code == 200, again.get_json()
    assert all(lead in members_of(n) for n in again.get_json()["networks"])


def test_a_lead_firm_never_sits_with_a_firm_it_must_not_meet(client, auth, db):
    ids = register(client)
    lead, packaging = ids["Fynsk Færdigret A/S"], ids["PapirPak Odense ApS"]
    rule = client.post("/api/v1/pairs/never", json={"a": lead, "b": packaging}, headers=auth)
    assert rule.status_code == 201
    body = propose(client, auth, lead_id=lead).get_json()  # lead_id alone implies the design
    assert body["request"]["design"] == ["lead"]
    assert body["networks"] and packaging not in members_of(body["networks"][0])
    assert_hard_constraints(db, body)


def test_one_large_firm_with_smes(client, auth, db):
    ids = register(client)
    answer = propose(client, auth, design="big_and_small", min_size=3, max_size=4)
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert len(body["networks"]) == 2  # one per firm over the SME limit
    index = matching.match_index(db)
    for network in body["networks"]:
        sizes = sorted(index.profile(m)["employees"] for m in members_of(network))
        assert sizes[-1] > SME_MAX_EMPLOYEES
        assert all(s is not None and s <= SME_MAX_EMPLOYEES for s in sizes[:-1])
    assert ids["Ukendt Størrelse ApS"] not in {m for n in body["networks"] for m in members_of(n)}
    codes = [u["message"]["code"] for u in body["unmet"] if u.get("constraint") == "design"]
    assert "reasons.design_unknown_size" in codes
    assert_hard_constraints(db, body)


def test_without_a_large_firm_the_largest_leads_the_smes(client, auth, db):
    register(client)
    body = propose(client, auth, design="big_and_small", region="Syddanmark").get_json()
    assert len(body["networks"]) == 1
    index = matching.match_index(db)
    sizes = [index.profile(m)["employees"] for m in members_of(body["networks"][0])]
    assert max(sizes) == 120 and sizes.count(120) == 1
    reasons = [u for u in body["unmet"] if u.get("constraint") == "design"]
    assert any("Fynsk Færdigret A/S" in u["reason"] for u in reasons)


def test_across_regions_every_network_mixes_regions(client, auth, db):
    register(client)
    for design in ("cross_region", ["big_and_small", "cross_region"]):
        answer = propose(client, auth, design=design, count=2)
        assert answer.status_code == 201, answer.get_json()
        body = answer.get_json()
        assert body["networks"]
        index = matching.match_index(db)
        for network in body["networks"]:
            assert len({index.profile(m)["region"] for m in members_of(network)}) >= 2
        assert_hard_constraints(db, body)
        client.delete(f"/api/v1/networks/proposals/{body['id']}", headers=auth)


UNIFORM = [
    firm(f"{town} Trætrapper", region, "producer", 20, "16.23",
         f"Snedkeri i {town} der laver trapper i træ.",
         f"Trapper i eg og ask til nybyggeri i {town}-området.",
         "Vi søger flere kunder blandt byggefirmaer.")
    for town, region in (("Vejle", "Syddanmark"), ("Skive", "Midtjylland"),
                         ("Hjørring", "Nordjylland"))
]  # fmt: skip


def test_a_uniform_network_is_flagged_with_a_fix(client, auth):
    ids = register(client, FIRMS + UNIFORM)
    same = [ids[f["name"]] for f in UNIFORM]
    for a, b in ((same[0], same[1]), (same[0], same[2]), (same[1], same[2])):
        client.post("/api/v1/pairs/allow", json={"a": a, "b": b}, headers=auth)
    body = propose(client, auth, company_ids=same, min_size=3).get_json()
    warnings = body["networks"][0]["warnings"]
    uniform = next(w for w in warnings if w["code"] == "design.uniform")
    assert "producent" in uniform["text"] and "16.23" in uniform["text"]
    assert uniform["fix"].startswith("Byt et medlem ud")
    english = propose(client, auth, company_ids=same, min_size=3, lang="en").get_json()
    assert (
        english["networks"] == [] or "every member" in english["networks"][0]["warnings"][0]["text"]
    )


def test_a_stated_need_no_member_meets_is_flagged_with_the_firm_that_would(client, auth):
    ids = register(client)
    pool = [ids[n] for n in ("Fynsk Færdigret A/S", "Grønttorvet Vest", "KøleKurer Fyn")]
    need = "bæredygtig emballage i pap"
    body = propose(client, auth, company_ids=pool, need=need).get_json()
    network = body["networks"][0]
    flagged = next(w for w in network["warnings"] if w["code"] == "design.need")
    assert "bæredygtig emballage" in flagged["text"] and flagged["fix"]
    # No firm of this pool meets it: the fix says so; swapping one in clears the warning.
    assert "suggestion" not in flagged["params"] and flagged["fix"].startswith("Ingen virksomhed")
    packaging = ids["PapirPak Odense ApS"]
    out = next(m for m in members_of(network) if m != ids["Fynsk Færdigret A/S"])
    swapped = client.post(f"/api/v1/networks/{network['id']}/swap",
                          json={"out": out, "in": packaging}, headers=auth)  # fmt: skip
    assert swapped.status_code == 200, swapped.get_json()
    assert not [w for w in swapped.get_json()["warnings"] if w["code"] == "design.need"]
    client.delete(f"/api/v1/networks/proposals/{body['id']}", headers=auth)
    met = propose(client, auth, company_ids=[*pool[:2], ids["PapirPak Odense ApS"]],
                  need=need).get_json()  # fmt: skip
    assert not [w for w in met["networks"][0]["warnings"] if w["code"] == "design.need"]


def test_the_fix_names_the_pool_firm_that_meets_the_need(client, auth):
    ids = register(client)
    need = "software til maskiner og produktionsdata"
    names = ("Fynsk Færdigret A/S", "Grønttorvet Vest", "KøleKurer Fyn", "Kodeværkstedet Aarhus")
    body = propose(client, auth, company_ids=[ids[n] for n in names], count=1, min_size=3,
                   max_size=3, need=need, lang="en").get_json()  # fmt: skip
    network = body["networks"][0]
    flagged = [w for w in network["warnings"] if w["code"] == "design.need"]
    if ids["Kodeværkstedet Aarhus"] in members_of(network):
        assert not flagged
    else:
        assert flagged[0]["params"]["suggestion"] == ids["Kodeværkstedet Aarhus"]
        assert "Kodeværkstedet Aarhus" in flagged[0]["fix"] and "Swap in" in flagged[0]["fix"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"design": "biggest"}, "design"),
        ({"design": ["lead"]}, "lead_id"),
        ({"design": "lead", "lead_id": 1, "around_company_id": 2}, "around_company_id"),
        ({"lead_id": 1, "count": 2}, "count"),
        ({"design": "cross_region", "region": "Syddanmark"}, "region"),
        ({"design": "big_and_small", "around_company_id": 1}, "around_company_id"),
        ({"designs": "lead"}, "designs"),
        ({"need": ""}, "need"),
        ({"lead_id": 0}, "lead_id"),
        ({"lead_id": 999_999}, "lead_id"),
    ],
)
def test_bad_design_requests_answer_422_and_store_nothing(client, auth, body, field):
    register(client, FIRMS[:4])
    answer = propose(client, auth, **body)
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["fields"]
    assert client.get("/api/v1/networks/proposals", headers=auth).get_json()["total"] == 0


def test_a_lead_without_consent_is_refused(client, auth):
    ids = register(client, FIRMS[:4])
    client.patch(f"/api/v1/companies/{ids['Fynsk Færdigret A/S']}", json={"consent": False},
                 headers=auth)  # fmt: skip
    answer = propose(client, auth, lead_id=ids["Fynsk Færdigret A/S"])
    assert answer.status_code == 422 and "lead_id" in answer.get_json()["fields"]


def test_a_value_chain_network_holds_different_positions_of_one_chain():
    import numpy as np

    def scores(n, cover, similar):
        full = lambda v: np.full((n, n), v, np.float32)  # noqa: E731
        return networks.PoolScores(full(cover), full(similar))

    chain = [{"role": r, "nace": "10.85", "kind": "company"}
             for r in ("supplier", "producer", "distributor")]  # fmt: skip
    # Alike profiles, yet a supplier, a producer and a distributor: a value chain.
    assert networks.network_type(chain, scores(3, 0.2, 0.9), [0, 1, 2]) == "vertical"
    peers = [{"role": "producer", "nace": "10.85", "kind": "company"} for _ in range(3)]
    assert networks.network_type(peers, scores(3, 0.2, 0.9), [0, 1, 2]) == "horizontal"
    assert networks.network_type(peers, scores(3, 0.9, 0.2), [0, 1, 2]) == "complementary"


def test_more_networks_than_large_firms_are_reported_not_made_without_one(client, auth, db):
    register(client)
    body = propose(client, auth, design="big_and_small", count=3).get_json()
    assert len(body["networks"]) == 2
    index = matching.match_index(db)
    for network in body["networks"]:
        assert any(index.profile(m)["employees"] > SME_MAX_EMPLOYEES for m in members_of(network))
    few = [
        u for u in body["unmet"] if u.get("message", {}).get("code") == "reasons.design_few_large"
    ]
    assert few and few[0]["message"]["n"] == 2


def test_the_proposal_form_designs_and_refuses_in_danish(client, runner, db):
    from conftest import add_user
    from test_pages_work import PASSWORD

    ids = register(client)
    add_user(runner, "fac@cluster.dk", password=PASSWORD)
    client.post("/login", data={"email": "fac@cluster.dk", "password": PASSWORD})
    lead = ids["Fynsk Færdigret A/S"]
    form = client.get(f"/proposals?lead={lead}").get_data(as_text=True)
    assert 'value="Fynsk Færdigret A/S"' in form and 'value="lead" selected' in form
    refused = client.post("/proposals", data={"design": "lead", "min_size": "3"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Hovedvirksomhed: skal angives for designet «omkring en hovedvirksomhed»" in page
    made = client.post("/proposals", data={
        "design": "lead", "lead_company": "Fynsk Færdigret A/S", "min_size": "3",
        "need": "kunstig intelligens og maskinlæring"})  # fmt: skip
    assert made.status_code == 302
    shown = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "Advarsler" in shown and "Intet medlem ser ud til at kunne dække behovet" in shown


def test_a_lead_firm_at_its_cap_is_refused_and_nothing_is_stored(client, auth, app):
    app.config["MAX_PROPOSALS_PER_FIRM"] = 1
    ids = register(client)
    lead = ids["Fynsk Færdigret A/S"]
    first = propose(client, auth, design="lead", lead_id=lead, max_size=4)
    assert first.status_code == 201, first.get_json()
    again = propose(client, auth, design=["lead"], lead_id=lead, need="kølet transport")
    assert again.status_code == 409, again.get_json()
    why = again.get_json()["fields"]["lead_id"]
    assert "Fynsk Færdigret A/S" in why and "the limit is 1" in why
    assert client.get("/api/v1/networks/proposals", headers=auth).get_json()["total"] == 1


def test_a_proposal_that_places_no_firm_is_refused_with_its_reasons(client, auth, app):
    app.config["MAX_PROPOSALS_PER_FIRM"] = 1
    ids = register(client)
    taken = [ids[n] for n in ("Grønttorvet Vest", "KøleKurer Fyn", "PapirPak Odense ApS")]
    assert propose(client, auth, company_ids=taken, min_size=3).status_code == 201
    answer = propose(client, auth, company_ids=[taken[0]], min_size=3, lang="en")
    assert answer.status_code == 409, answer.get_json()
    body = answer.get_json()
    assert "nothing was stored" in body["error"]
    assert "Grønttorvet Vest: already in 1 stored proposals" in body["fields"]["networks"]
    capped = [u for u in body["unmet"] if u.get("message", {}).get("code") == "reasons.capped"]
    assert [u["company_id"] for u in capped] == [taken[0]], body["unmet"]
    assert client.get("/api/v1/networks/proposals", headers=auth).get_json()["total"] == 1


def test_a_member_that_only_sells_where_the_need_points_does_not_meet_it(client, auth):
    seller = firm("Limfjordens Pølsemager", "Nordjylland", "producer", 30, "10.13",
                  "Pølsemageri der sælger spegepølser i Danmark og Norge.",
                  "Spegepølser og pålæg i skiver.", "Nye emballager.")  # fmt: skip
    ids = register(client, [*FIRMS[:5], seller])
    pool = [ids[n] for n in ("Fynsk Færdigret A/S", "Grønttorvet Vest", seller["name"])]
    body = propose(client, auth, company_ids=pool, need="salg til kunder i Norge").get_json()
    (network,) = body["networks"]
    assert [w["code"] for w in network["warnings"]] == ["design.need"], network["warnings"]
