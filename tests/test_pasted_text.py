"""Text pasted from Word and web pages: invisible characters are cleaned, never refused."""

from __future__ import annotations

from conftest import company_body

SHY, NBSP, NNBSP, ZWSP, BOM, LSEP = "\u00ad", "\u00a0", "\u202f", "\u200b", "\ufeff", "\u2028"


def dirty(text: str) -> str:
    """`text` as a word processor pastes it: soft hyphens, no-break and zero-width spaces."""
    words = text.split(" ")
    return BOM + (NBSP + ZWSP).join(w[:3] + SHY + w[3:] for w in words) + NNBSP


def test_every_text_field_of_a_profile_is_stored_clean(client):
    fields = ("name", "city", "sector", "description", "offers", "needs", "contact_name")
    clean = company_body()
    body = dict(clean, **{f: dirty(clean[f]) for f in fields})
    body["markets"] = [dirty(m) for m in clean["markets"]]
    body["description"] = body["description"] + LSEP + "Anden linje."
    answer = client.post("/api/v1/companies", json=body)
    assert answer.status_code == 201, answer.get_json()
    stored = answer.get_json()
    for f in ("name", "city", "sector", "offers", "needs", "contact_name"):
        assert stored[f] == clean[f], f
    assert stored["description"] == clean["description"] + "\nAnden linje."
    assert stored["markets"] == clean["markets"]
    token = stored["edit_token"]
    patched = client.patch(
        f"/api/v1/companies/{stored['id']}",
        json={"needs": dirty("Eksport til Tyskland")},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["needs"] == "Eksport til Tyskland"


def test_a_field_of_only_invisible_characters_is_empty(client):
    answer = client.post("/api/v1/companies", json=company_body(name=SHY + ZWSP + NBSP))
    assert answer.status_code == 422
    assert "name" in answer.get_json()["fields"]


def test_real_control_characters_are_still_refused(client):
    answer = client.post("/api/v1/companies", json=company_body(name="Firma\x07 ApS"))
    assert answer.status_code == 422
    assert "name" in answer.get_json()["fields"]


def test_questionnaire_answers_are_stored_clean(client, auth):
    made = client.post(
        "/api/v1/masterclasses",
        json={
            "title": dirty("AI i praksis"),
            "theme": dirty("Kunstig intelligens i SMV'er"),
            "capacity": 10,
        },  # fmt: skip
        headers=auth,
    )
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["title"] == "AI i praksis"
    answer = client.post(
        f"/api/v1/masterclasses/{made.get_json()['id']}/responses",
        json={"company": dirty("Bager Hansen"), "core_business": dirty("Vi bager rugbrød"),
              "experience": dirty("Ingen erfaring endnu")},
    )  # fmt: skip
    assert answer.status_code == 201, answer.get_json()
    stored = answer.get_json()
    assert (stored["company"], stored["core_business"], stored["experience"]) == (
        "Bager Hansen", "Vi bager rugbrød", "Ingen erfaring endnu")  # fmt: skip
