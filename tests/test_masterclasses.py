"""Facilitators create masterclasses; companies answer the pre-questionnaire."""

from __future__ import annotations

from conftest import company_body

ANSWER = {
    "company": "Fynsk Fjerkræ A/S",
    "employees": 35,
    "core_business": "Vi opdrætter og pakker kyllinger til detailhandlen.",
    "market_now": "Danske supermarkeder",
    "technology_role": "AI kan forudsige efterspørgsel og mindske spild.",
    "experience": "Ingen erfaring endnu.",
    "barriers": "Mangel på data og kompetencer.",
    "potentials": "Mindre madspild og bedre planlægning.",
}


def make_masterclass(client, auth, **overrides) -> dict:
    body = {"title": "AI i produktionen", "theme": "Kunstig intelligens", "date": "2027-03-01",
            "capacity": 20} | overrides  # fmt: skip
    answer = client.post("/api/v1/masterclasses", json=body, headers=auth)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def test_masterclass_and_answers_round_trip(client, auth):
    masterclass = make_masterclass(client, auth)
    assert masterclass["questionnaire_url"].endswith(
        f"/masterclasses/{masterclass['id']}/questionnaire"
    )
    answer = client.post(f"/api/v1/masterclasses/{masterclass['id']}/responses", json=ANSWER)
    assert answer.status_code == 201
    assert answer.get_json()["language"] == "da" and answer.get_json()["company_id"] is None
    stored = client.get(f"/api/v1/masterclasses/{masterclass['id']}", headers=auth).get_json()
    assert stored["responses"] == 1 and stored["answers"][0]["company"] == "Fynsk Fjerkræ A/S"


def test_an_answer_links_to_a_profile_only_for_the_firm_itself_or_a_facilitator(client, auth):
    firm = client.post("/api/v1/companies", json=company_body()).get_json()
    masterclass = make_masterclass(client, auth)
    url = f"/api/v1/masterclasses/{masterclass['id']}/responses"
    # anonymous: never linked by CVR, so the answer cannot tell whether a CVR is registered
    anonymous = client.post(url, json=ANSWER | {"cvr": firm["cvr"]}).get_json()
    assert anonymous["company_id"] is None
    own = {"Authorization": f"Bearer {firm['edit_token']}"}  # the firm whose CVR that is
    assert client.post(url, json=ANSWER, headers=own).get_json()["company_id"] == firm["id"]
    linked = client.post(url, json=ANSWER | {"cvr": firm["cvr"]}, headers=auth).get_json()
    assert linked["company_id"] == firm["id"]


def test_masterclass_validation(client, auth, db):
    bad = client.post(
        "/api/v1/masterclasses",
        json={"title": "", "theme": "x", "date": "1 marts", "capacity": 0},
        headers=auth,
    )
    assert bad.status_code == 422
    assert {"title", "date", "capacity"} <= set(bad.get_json()["fields"])
    assert client.post("/api/v1/masterclasses", json={"title": "x"}).status_code == 401
    assert db.execute("SELECT count(*) FROM masterclasses").fetchone()[0] == 0


def test_answer_validation_and_unknown_masterclass(client, auth, db):
    masterclass = make_masterclass(client, auth)
    bad = client.post(
        f"/api/v1/masterclasses/{masterclass['id']}/responses",
        json=ANSWER | {"employees": "ti", "cvr": "11111111", "mood": "happy"},
    )
    assert bad.status_code == 422
    assert {"employees", "cvr", "mood"} <= set(bad.get_json()["fields"])
    missing = client.post("/api/v1/masterclasses/999/responses", json=ANSWER)
    assert missing.status_code == 404
    assert db.execute("SELECT count(*) FROM responses").fetchone()[0] == 0


def test_questionnaire_web_form(client, auth, db):
    masterclass = make_masterclass(client, auth)
    url = f"/masterclasses/{masterclass['id']}/questionnaire"
    assert "AI i produktionen" in client.get(url).get_data(as_text=True)
    form = {k: str(v) for k, v in ANSWER.items()}
    done = client.post(url, data=form)
    assert done.status_code == 200 and "Tak for jeres svar" in done.get_data(as_text=True)
    empty = client.post(url, data={"company": ""})
    assert empty.status_code == 422
    assert db.execute("SELECT count(*) FROM responses").fetchone()[0] == 1
