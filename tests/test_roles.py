"""A profile's value-chain role: stored through the API, the form and an import, exported,
and suggested from the text when the firm gave none."""

from __future__ import annotations

import csv
import io
import sqlite3

import pytest
from conftest import company_body, valid_cvr
from openpyxl import Workbook

from matchmaker.representation.roles import mentions_role, suggest_role
from matchmaker.store import db as store
from matchmaker.store.profiles import ROLES


def test_the_api_stores_reads_and_changes_a_role(client, auth):
    answer = client.post("/api/v1/companies", json=company_body(role="producer"))
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["role"] == "producer" and body["suggested_role"] is None
    company_id = body["id"]
    read = client.get(f"/api/v1/companies/{company_id}", headers=auth).get_json()
    assert read["role"] == "producer"
    changed = client.patch(
        f"/api/v1/companies/{company_id}", json={"role": "subcontractor"}, headers=auth
    )
    assert changed.status_code == 200 and changed.get_json()["role"] == "subcontractor"
    cleared = client.patch(f"/api/v1/companies/{company_id}", json={"role": None}, headers=auth)
    assert cleared.get_json()["role"] is None
    assert cleared.get_json()["suggested_role"] in ROLES


@pytest.mark.parametrize("bad", ["chef", "", 3, ["producer"], "Producer"])
def test_an_unknown_role_is_refused_field_by_field(client, db, bad):
    answer = client.post("/api/v1/companies", json=company_body(role=bad))
    assert answer.status_code == 422
    assert set(answer.get_json()["fields"]) == {"role"}
    assert db["companies"].count == 0


def test_without_a_role_the_text_suggests_one(client, auth):
    body = company_body(
        name="Præcisionsdele ApS", nace="25.62", cvr=valid_cvr(3),
        description="Underleverandør af CNC-bearbejdede emner efter kundens tegning.",
        offers="Drejning og fræsning i små serier.", needs="",
    )  # fmt: skip
    answer = client.post("/api/v1/companies", json=body).get_json()
    assert answer["role"] is None and answer["suggested_role"] == "subcontractor"
    listed = client.get("/api/v1/companies", headers=auth).get_json()["items"]
    assert listed[0]["suggested_role"] == "subcontractor"


def test_suggestions_follow_the_evidence():
    institute = {"kind": "knowledge_institution", "description": "Vi underviser."}
    assert suggest_role(institute).role == "knowledge_partner"
    wholesaler = {"kind": "company", "nace": "46.38", "description": "Grossist i fødevarer."}
    assert suggest_role(wholesaler).role == "distributor"
    consultant = {"kind": "company", "description": "Rådgivning om eksport til Tyskland."}
    assert suggest_role(consultant).role == "service_provider"
    # The NACE code alone is a weaker prior that a clear cue in the text overrides.
    factory = {"kind": "company", "nace": "62.01", "description": "Vi producerer møbler."}
    assert suggest_role(factory).role == "producer"
    assert suggest_role({"kind": "company", "description": "Hej."}) is None
    assert mentions_role("Konsortiet skal have et universitet med", "knowledge_partner")
    assert not mentions_role("Vi sælger kaffe", "knowledge_partner")


def test_the_form_shows_the_choices_and_stores_the_role(client):
    page = client.get("/register").get_data(as_text=True)
    assert 'name="role"' in page and "Underleverandør" in page
    form = {k: v for k, v in company_body().items() if k not in ("markets", "consent")}
    form |= {"markets": "Danmark", "consent": "1", "role": "distributor"}
    answer = client.post("/register", data=form)
    assert answer.status_code == 302
    own = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Distributør / forhandler" in own
    refused = client.post("/register", data=form | {"role": "boss", "cvr": valid_cvr(9)})
    assert refused.status_code == 422


def test_the_edit_form_offers_the_suggestion(client):
    body = client.post("/api/v1/companies", json=company_body()).get_json()
    token = body["edit_token"]
    page = client.get(f"/p/{token}/edit").get_data(as_text=True)
    assert "data-suggested-role" in page and "Forslag ud fra jeres tekst" in page


def _sheet(rows: list[list]) -> io.BytesIO:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def test_imports_read_a_role_column_in_danish(client, auth, db):
    header = ["navn", "region", "type", "beskrivelse", "samtykke", "rolle"]
    rows = [
        ["Aarhus Bageri ApS", "Midtjylland", "company", "Økologisk bageri.", "ja", "Producent"],
        ["Odense Grossist", "Syddanmark", "company", "Engroshandel.", "ja", "distributor"],
        ["Aalborg Byg", "Nordjylland", "company", "Tømrer.", "ja", ""],
    ]
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows([header, *rows])
    answer = client.post(
        "/api/v1/companies/import",
        data={"file": (io.BytesIO(out.getvalue().encode()), "m.csv")},
        headers=auth,
    )
    assert answer.status_code == 201, answer.get_json()
    stored = [r[0] for r in db.execute("SELECT role FROM companies ORDER BY id")]
    assert stored == ["producer", "distributor", None]
    bad = _sheet([header, ["X ApS", "Midtjylland", "company", "Noget.", "ja", "chef"]])
    refused = client.post("/api/v1/companies/import", data={"file": (bad, "m.xlsx")}, headers=auth)
    assert refused.status_code == 422
    assert "role" in refused.get_json()["report"]["rows"][0]["errors"]


def test_the_company_export_has_a_role_column(client, auth):
    client.post("/api/v1/companies", json=company_body(role="supplier"))
    answer = client.get("/api/v1/companies/export?format=csv", headers=auth)
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    assert "rolle i værdikæden" in text and "leverandør (råvarer, komponenter)" in text


def test_a_store_of_the_first_version_gains_the_role_column(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = store.connect(path, migrate=False)
    from matchmaker.store import schema

    with old.atomic():
        schema.MIGRATIONS[1](old)
        old.execute("PRAGMA user_version = 1")
    old["companies"].insert(
        {"name": "Gammel ApS", "region": "Midtjylland", "kind": "company",
         "description": "Fra før.", "consent": 1, "edit_token_hash": "x"}
    )  # fmt: skip
    old.close()
    migrated = store.connect(path)
    assert migrated.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    assert migrated.execute("SELECT name, role FROM companies").fetchone() == ("Gammel ApS", None)
    assert "outcomes" in migrated.table_names()
    migrated.close()
    with pytest.raises(sqlite3.IntegrityError):
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("INSERT INTO outcomes (group_id, formed, created_at) VALUES (99, 1, 'x')")
