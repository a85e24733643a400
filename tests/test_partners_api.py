"""Partner suggestions over the API, as a facilitator (and a company) asks for them."""

from __future__ import annotations

import pytest
from conftest import company_body, valid_cvr

FIRMS = [
    dict(
        name="Fjordens Mejeri A/S", region="Nordjylland", sector="Mejeri", nace="10.51",
        description="Mejeri der laver økologisk ost og smør til danske supermarkeder.",
        offers="Økologisk ost, smør og valle i store mængder.",
        needs="Vi mangler nogen der kan automatisere vores pakkelinje.",
        markets=["Danmark"],
    ),
    dict(
        name="Cobot Værkstedet ApS", region="Midtjylland", sector="Automation", nace="28.99",
        description="Vi integrerer samarbejdende robotter i små og mellemstore fabrikker.",
        offers="Robotceller, integration af cobots og automatisering af pakkelinjer.",
        needs="Kunder i fødevareindustrien der vil automatisere.",
        markets=["Danmark", "Sverige"],
    ),
    dict(
        name="Robotic Packaging Solutions", region="Midtjylland", sector="Automation",
        nace="28.99", language="en",
        description="We build robot cells for packing lines in food factories.",
        offers="Robot cells, cobot integration and automated packing lines.",
        needs="Food manufacturers who want to automate packing.",
        markets=["Danmark", "Sverige"],
    ),
    dict(
        name="Tømrerfirmaet Egeskov", region="Sjælland", sector="Byggeri", nace="43.32",
        description="Tømrer der bygger carporte og udestuer til private.",
        offers="Tømrerarbejde og tagrenovering.", needs="Lærlinge.", markets=["Danmark"],
    ),
    dict(
        name="Hemmelig Automation ApS", region="Nordjylland", sector="Automation", nace="28.99",
        description="Automation og robotter til fødevareindustrien.",
        offers="Automatisering af pakkelinjer med robotter.", needs="Kunder.",
        markets=["Danmark"], consent=False,
    ),
]  # fmt: skip


@pytest.fixture
def firms(client):
    ids = {}
    for i, firm in enumerate(FIRMS):
        body = company_body(cvr=valid_cvr(100 + i), kind="company", **{"consent": True} | firm)
        answer = client.post("/api/v1/companies", json=body)
        assert answer.status_code == 201, answer.get_json()
        ids[firm["name"]] = answer.get_json()["id"]
    return ids


def partners(client, auth, company_id: int, query: str = "") -> list[dict]:
    answer = client.get(f"/api/v1/companies/{company_id}/partners?{query}", headers=auth)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["partners"]


def test_needs_meet_offers_and_reasons_say_why(client, auth, firms):
    found = partners(client, auth, firms["Fjordens Mejeri A/S"], "limit=3")
    names = [p["name"] for p in found]
    assert names[0] in ("Cobot Værkstedet ApS", "Robotic Packaging Solutions")
    assert "Tømrerfirmaet Egeskov" not in names[:2]
    top = found[0]
    assert set(top) == {"id", "name", "score", "type", "reasons", "flags", "reason_codes"}
    assert len(top["reason_codes"]) == len(top["reasons"])
    assert all(r["code"].startswith("matching.") for r in top["reason_codes"])
    assert 0 < top["score"] <= 1
    assert top["type"] in ("vertical", "horizontal", "complementary", "congruent")
    assert any("pakkelinje" in reason for reason in top["reasons"])


def test_non_consenting_firms_are_never_suggested(client, auth, firms):
    for mode in ("complementary", "similar"):
        found = partners(client, auth, firms["Cobot Værkstedet ApS"], f"mode={mode}&limit=10")
        assert "Hemmelig Automation ApS" not in [p["name"] for p in found]
        assert firms["Cobot Værkstedet ApS"] not in [p["id"] for p in found]


def test_similar_mode_flags_the_look_alike_competitor(client, auth, firms):
    found = partners(client, auth, firms["Cobot Værkstedet ApS"], "mode=similar&limit=3")
    assert found[0]["name"] == "Robotic Packaging Solutions"
    assert "competitor" in found[0]["flags"]
    complementary = partners(client, auth, firms["Cobot Værkstedet ApS"], "limit=10")
    assert "Robotic Packaging Solutions" not in [p["name"] for p in complementary]
    allowed = partners(
        client, auth, firms["Cobot Værkstedet ApS"], "limit=10&include_competitors=true"
    )
    assert "Robotic Packaging Solutions" in [p["name"] for p in allowed]


def test_filters(client, auth, firms):
    found = partners(client, auth, firms["Fjordens Mejeri A/S"], "region=Sjælland&limit=10")
    assert [p["name"] for p in found] == ["Tømrerfirmaet Egeskov"]
    found = partners(client, auth, firms["Fjordens Mejeri A/S"], "nace=2899&limit=10")
    assert {p["name"] for p in found} <= {"Cobot Værkstedet ApS", "Robotic Packaging Solutions"}


def test_an_edit_is_matchable_when_the_request_returns(client, auth, firms):
    carpenter = firms["Tømrerfirmaet Egeskov"]
    dairy = firms["Fjordens Mejeri A/S"]
    before = partners(client, auth, dairy, "region=Nordjylland&limit=10")
    assert before == []
    client.patch(f"/api/v1/companies/{carpenter}", json={"region": "Nordjylland"}, headers=auth)
    after = partners(client, auth, dairy, "region=Nordjylland&limit=10")
    assert [p["id"] for p in after] == [carpenter]
    client.patch(f"/api/v1/companies/{carpenter}", json={"consent": False}, headers=auth)
    assert partners(client, auth, dairy, "region=Nordjylland&limit=10") == []


def test_never_together_is_respected(client, auth, firms, db):
    dairy, cobot = firms["Fjordens Mejeri A/S"], firms["Cobot Værkstedet ApS"]
    a, b = sorted((dairy, cobot))
    db["pair_rules"].insert({"a_id": a, "b_id": b, "rule": "never"})
    db.conn.commit()
    for mode in ("complementary", "similar"):
        found = partners(client, auth, dairy, f"mode={mode}&limit=10")
        assert cobot not in [p["id"] for p in found]


def test_explain_a_pair(client, auth, firms):
    dairy, cobot = firms["Fjordens Mejeri A/S"], firms["Cobot Værkstedet ApS"]
    answer = client.get(f"/api/v1/companies/{dairy}/match/{cobot}?lang=en", headers=auth)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["id"] == cobot and body["reasons"]
    assert any(r.startswith("Need of") for r in body["reasons"])


def test_bad_queries_are_4xx(client, auth, firms):
    dairy = firms["Fjordens Mejeri A/S"]
    for query, field in (("limit=0", "limit"), ("limit=x", "limit"), ("mode=best", "mode"),
                         ("region=Mars", "region"), ("nace=1", "nace"), ("size=huge", "size"),
                         ("include_competitors=maybe", "include_competitors")):  # fmt: skip
        answer = client.get(f"/api/v1/companies/{dairy}/partners?{query}", headers=auth)
        assert answer.status_code == 422 and field in answer.get_json()["fields"], query
    assert client.get("/api/v1/companies/9999/partners", headers=auth).status_code == 404
    assert client.get(f"/api/v1/companies/{dairy}/partners").status_code == 401


def test_a_company_sees_its_own_suggestions_without_contact_data(client, firms):
    own = client.post(
        "/api/v1/companies",
        json=company_body(cvr=valid_cvr(200), **{k: v for k, v in FIRMS[0].items()} | {
            "name": "Andet Mejeri ApS"}),
    ).get_json()  # fmt: skip
    token = {"Authorization": f"Bearer {own['edit_token']}"}
    answer = client.get(f"/api/v1/companies/{own['id']}/partners", headers=token)
    assert answer.status_code == 200
    assert all("contact_email" not in p for p in answer.get_json()["partners"])
    other = client.get(f"/api/v1/companies/{firms['Cobot Værkstedet ApS']}/partners", headers=token)
    assert other.status_code == 403


def test_a_firm_is_not_explained_against_itself(client, auth, firms):
    dairy = firms["Fjordens Mejeri A/S"]
    answer = client.get(f"/api/v1/companies/{dairy}/match/{dairy}", headers=auth)
    assert answer.status_code == 422 and "other_id" in answer.get_json()["fields"]


def test_a_store_with_no_consenting_firm_answers_empty(client, auth):
    alone = client.post("/api/v1/companies", json=company_body(consent=False)).get_json()
    answer = client.get(f"/api/v1/companies/{alone['id']}/partners", headers=auth)
    assert answer.status_code == 200 and answer.get_json()["partners"] == []
