"""Company profiles through the API: registration, validation, access, edits and deletion."""

from __future__ import annotations

from conftest import company_body, valid_cvr


def count(db, table: str) -> int:
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_registration_round_trip(client, auth, db):
    created = client.post("/api/v1/companies", json=company_body(nace="620100"))
    assert created.status_code == 201
    body = created.get_json()
    assert body["id"] > 0 and body["name"] == "Vestjysk Emballage ApS"
    assert body["nace"] == "62.01"  # DB07 six digits stored normalised
    assert body["language"] == "da"  # guessed from the Danish text
    assert body["sme"] is True
    assert body["edit_token"] and body["edit_url"].endswith(body["edit_token"])

    read = client.get(f"/api/v1/companies/{body['id']}", headers=auth)
    assert read.status_code == 200
    assert read.get_json()["markets"] == ["Danmark", "Sverige"]
    listing = client.get("/api/v1/companies?region=Midtjylland", headers=auth).get_json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == body["id"]
    assert client.get("/api/v1/companies?region=Nordjylland", headers=auth).get_json()["total"] == 0


def test_nace_formats_are_normalised(client):
    for i, code in enumerate(("62.01", "6201", "620100")):
        body = company_body(cvr=valid_cvr(10 + i), nace=code, name=f"Firma {i}")
        assert client.post("/api/v1/companies", json=body).get_json()["nace"] == "62.01"


def test_english_profile_language_is_guessed(client):
    body = company_body(
        description="We design industrial robots for food factories and export them worldwide.",
        offers="Robot cells and automation engineering.",
        needs="A partner for service in Norway.",
    )
    assert client.post("/api/v1/companies", json=body).get_json()["language"] == "en"


def test_invalid_fields_get_one_message_each_and_nothing_is_stored(client, db):
    body = company_body(
        cvr="12345678", nace="99.99", region="Bornholm", employees=-3, founded=1700,
        contact_email="not-an-email", markets="Danmark", consent="yes", colour="blue",
    )  # fmt: skip
    answer = client.post("/api/v1/companies", json=body)
    assert answer.status_code == 422
    fields = answer.get_json()["fields"]
    assert set(fields) >= {
        "cvr", "nace", "region", "employees", "founded", "contact_email", "markets", "consent",
        "colour",
    }  # fmt: skip
    assert "modulus-11" in fields["cvr"]
    assert "Nordjylland" in fields["region"]
    assert "not a known field" in fields["colour"]
    assert count(db, "companies") == 0


def test_required_fields(client):
    answer = client.post("/api/v1/companies", json={"name": "  "})
    fields = answer.get_json()["fields"]
    assert answer.status_code == 422
    assert {"name", "region", "kind", "description", "consent"} <= set(fields)
    assert fields["region"] == "is required"


def test_name_rejects_control_characters_and_overlong(client):
    assert (
        "name"
        in client.post("/api/v1/companies", json=company_body(name="Bad\x07Name")).get_json()[
            "fields"
        ]
    )
    assert (
        "name"
        in client.post("/api/v1/companies", json=company_body(name="x" * 201)).get_json()["fields"]
    )


def test_length_and_size_errors_say_what_to_fix_in_the_fields_unit(client, db):
    """A text too long is counted in characters, an empty one is "must not be empty", and a
    number over what the store holds is "too large" (not pydantic's "items" and 2**63 - 1)."""
    answers = [
        client.post("/api/v1/companies", json=company_body(**change))
        for change in ({"name": "x" * 201}, {"description": ""}, {"employees": 2**64})
    ]
    assert [a.status_code for a in answers] == [422, 422, 422]
    too_long, empty, too_large = (a.get_json()["fields"] for a in answers)
    assert too_long["name"] == "must be at most 200 characters long (got 201)"
    assert empty["description"] == "must not be empty"
    assert too_large["employees"] == "is too large"
    assert count(db, "companies") == 0


def test_duplicate_cvr_is_refused(client, db):
    assert client.post("/api/v1/companies", json=company_body()).status_code == 201
    again = client.post("/api/v1/companies", json=company_body(name="Another name"))
    assert again.status_code == 409
    assert again.get_json()["fields"] == {"cvr": "is already registered"}
    assert count(db, "companies") == 1


def test_cvr_is_optional_and_large_institutions_are_allowed(client):
    body = company_body(cvr=None, employees=4000, kind="knowledge_institution")
    created = client.post("/api/v1/companies", json=body).get_json()
    assert created["cvr"] is None and created["sme"] is False


def test_body_errors(client):
    assert client.post("/api/v1/companies", data="name=x").status_code == 415
    bad = client.post("/api/v1/companies", data="{not json", content_type="application/json")
    assert bad.status_code == 400 and "error" in bad.get_json()
    listed = client.post("/api/v1/companies", json=[1, 2])
    assert listed.status_code == 422
    big = client.post("/api/v1/companies", json=company_body(description="x" * 1_100_000))
    assert big.status_code == 413 and big.get_json()["error"]


def test_reading_needs_a_token(client):
    created = client.post("/api/v1/companies", json=company_body()).get_json()
    assert client.get("/api/v1/companies").status_code == 401
    assert client.get(f"/api/v1/companies/{created['id']}").status_code == 401
    wrong = client.get("/api/v1/companies", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and "not valid" in wrong.get_json()["error"]


def test_company_edits_and_deletes_only_itself(client, db):
    first = client.post("/api/v1/companies", json=company_body()).get_json()
    second = client.post(
        "/api/v1/companies", json=company_body(cvr=valid_cvr(2), name="Anden ApS")
    ).get_json()
    own = {"Authorization": f"Bearer {first['edit_token']}"}
    changed = client.patch(f"/api/v1/companies/{first['id']}", json={"employees": 50}, headers=own)
    assert changed.status_code == 200 and changed.get_json()["employees"] == 50
    assert client.get(f"/api/v1/companies/{second['id']}", headers=own).status_code == 403
    assert (
        client.patch(
            f"/api/v1/companies/{second['id']}", json={"employees": 1}, headers=own
        ).status_code
        == 403
    )
    assert client.get("/api/v1/companies", headers=own).status_code == 403
    assert client.delete(f"/api/v1/companies/{first['id']}", headers=own).status_code == 204
    assert count(db, "companies") == 1


def test_patch_validates_before_writing(client, auth, db):
    created = client.post("/api/v1/companies", json=company_body()).get_json()
    bad = client.patch(
        f"/api/v1/companies/{created['id']}",
        json={"employees": "many", "region": "Fyn", "unknown": 1},
        headers=auth,
    )
    assert bad.status_code == 422
    assert {"employees", "unknown"} <= set(bad.get_json()["fields"])
    stored = client.get(f"/api/v1/companies/{created['id']}", headers=auth).get_json()
    assert stored["employees"] == 42 and stored["region"] == "Midtjylland"
    changes = db.execute("SELECT op FROM company_changes").fetchall()
    assert changes == [("insert",)]


def test_missing_company_is_404(client, auth):
    answer = client.get("/api/v1/companies/999", headers=auth)
    assert answer.status_code == 404 and "999" in answer.get_json()["error"]
    assert client.get("/api/v1/nowhere").get_json()["error"]


def test_openapi_document_comes_from_the_validating_schemas(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    schema = doc["components"]["schemas"]["CompanyIn"]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"name", "region", "kind", "description", "consent"}
    assert "post" in doc["paths"]["/companies"]


def test_a_deleted_firm_is_forgotten_by_stored_proposals(client, auth, db):
    from matchmaker.store import proposals

    first = client.post("/api/v1/companies", json=company_body()).get_json()
    second = client.post(
        "/api/v1/companies", json=company_body(cvr=valid_cvr(2), name="Anden Smedie ApS")
    ).get_json()
    members = [
        {"id": first["id"], "name": first["name"], "reason": "Har brug for Anden Smedie ApS"},
        {"id": second["id"], "name": second["name"], "reason": "Leverer stål"},
    ]
    saved = proposals.save(db, "network", {}, {}, [{"type": "vertical", "members": members}])
    group_id = saved["groups"][0]["id"]
    assert client.delete(f"/api/v1/companies/{second['id']}", headers=auth).status_code == 204
    group = proposals.get_group(db, group_id)
    assert [m["id"] for m in group["members"]] == [first["id"]]
    assert "Anden Smedie ApS" not in str(group)
    assert group["removed_members"] == 1
    assert db.execute("SELECT company_id FROM group_members").fetchall() == [(first["id"],)]


def test_deeply_nested_json_is_a_400_not_a_crash(client, db):
    body = "[" * 100_000 + "]" * 100_000
    answer = client.post("/api/v1/companies", data=body, content_type="application/json")
    assert answer.status_code == 400 and answer.get_json()["fields"] == {
        "body": "is not valid JSON"
    }
    assert count(db, "companies") == 0


def test_refusals_carry_the_error_format(client):
    body = client.get("/api/v1/companies").get_json()
    assert set(body) == {"error", "fields"}


def test_knowledge_institutions_are_never_smes(client):
    body = company_body(cvr=None, employees=200, kind="knowledge_institution")
    assert client.post("/api/v1/companies", json=body).get_json()["sme"] is False
