"""Exports in another language than the proposal was made in carry its reasons, purposes and
themes in the export's language, and leave the stored proposal as it was."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import company_body, valid_cvr
from openpyxl import load_workbook
from test_cohorts import CHATBOT, VISION, answers
from test_exports import register_complementary

from matchmaker.reference import messages
from matchmaker.store import proposals


@pytest.fixture
def made(client, auth):
    """The same request made in Danish and in English, with a firm that has not consented (an
    unmet note); the two proposals place the same firms in the same networks."""
    firms = register_complementary(client, 500)
    silent = client.post(
        "/api/v1/companies",
        json=company_body(cvr=valid_cvr(520), name="Tavs Test ApS", consent=False),
    ).get_json()
    body = {"company_ids": [f["id"] for f in firms] + [silent["id"]], "min_size": 3,
            "max_size": 5, "seed": 0}  # fmt: skip
    proposals_ = {}
    for lang in ("da", "en"):
        answer = client.post("/api/v1/networks/proposals", headers=auth, json=body | {"lang": lang})
        assert answer.status_code == 201, answer.get_json()
        proposals_[lang] = answer.get_json()
    members = {
        lang: [[m["id"] for m in n["members"]] for n in p["networks"]]
        for lang, p in proposals_.items()
    }
    assert members["da"] == members["en"]
    return proposals_["da"], proposals_["en"], firms


def export(client, auth, url, **params):
    answer = client.get(url, headers=auth, query_string=params)
    assert answer.status_code == 200, answer.data[:300]
    return answer


def reasons_by_member(proposal: dict) -> dict[int, str]:
    return {m["id"]: m["reason"] for n in proposal["networks"] for m in n["members"]}


def test_a_danish_proposal_exported_in_english_reads_english(client, auth, db, made):
    da, en, firms = made
    url = f"/api/v1/networks/proposals/{da['id']}/export"
    english, danish = reasons_by_member(en), reasons_by_member(da)
    assert english != danish  # the two languages do differ
    doc = json.loads(export(client, auth, url, format="json", lang="en").data)
    assert doc["export"]["lang"] == "en"
    for network, made_in_english in zip(doc["networks"], en["networks"], strict=True):
        assert network["id"] == da["networks"][network["ordinal"] - 1]["id"]  # the stored one
        assert network["purpose"] == made_in_english["purpose"]
        assert network["reasons"] == made_in_english["reasons"]
        assert {p["company_id"]: p["reason"] for p in network["participants"]} == {
            m["id"]: english[m["id"]] for m in made_in_english["members"]
        }
    # the unmet firm is told in English too, by its message record
    [silent] = doc["proposal"]["unmet"]
    assert silent["reason"] == messages.render_record(silent["message"], "en")
    assert silent["reason"] != da["unmet"][0]["reason"]

    rows = list(csv.DictReader(io.StringIO(
        export(client, auth, url, format="csv", lang="en").data.decode("utf-8-sig")
    ), delimiter=";"))  # fmt: skip
    by_name = {f["name"]: f["id"] for f in firms}
    assert {by_name[r["Name"]]: r["Reason"] for r in rows} == english
    assert {r["Purpose"] for r in rows} == {n["purpose"] for n in en["networks"]}

    book = load_workbook(io.BytesIO(export(client, auth, url, format="xlsx", lang="en").data))
    cells = {c for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row}
    assert set(english.values()) <= cells
    assert not set(danish.values()) & cells


def test_one_network_exported_in_english(client, auth, made):
    da, en, _ = made
    network = da["networks"][-1]
    url = f"/api/v1/networks/{network['id']}/export"
    doc = json.loads(export(client, auth, url, format="json", lang="en").data)
    [exported] = doc["networks"]
    assert exported["id"] == network["id"] and exported["purpose"] == en["networks"][-1]["purpose"]
    assert [p["reason"] for p in exported["participants"]] == [
        m["reason"] for m in en["networks"][-1]["members"]
    ]
    # in the proposal's own language the stored texts are what is exported
    doc = json.loads(export(client, auth, url, format="json", lang="da").data)
    assert [p["reason"] for p in doc["networks"][0]["participants"]] == [
        m["reason"] for m in network["members"]
    ]


def test_exporting_in_another_language_changes_nothing_stored(client, auth, db, made):
    da, _, _ = made
    before, version = proposals.get_proposal(db, da["id"]), proposals.version(db)
    for fmt in ("json", "csv", "xlsx", "pdf"):
        export(client, auth, f"/api/v1/networks/proposals/{da['id']}/export", format=fmt,
               lang="en")  # fmt: skip
        export(client, auth, f"/api/v1/networks/{da['networks'][0]['id']}/export", format=fmt,
               lang="en")  # fmt: skip
    assert proposals.get_proposal(db, da["id"]) == before
    assert proposals.version(db) == version
    shown = client.get(f"/api/v1/networks/proposals/{da['id']}", headers=auth).get_json()
    assert reasons_by_member(shown) == reasons_by_member(da)


def test_a_firm_erased_since_stays_out_of_the_english_export(client, auth, made):
    da, _, firms = made
    network = max(da["networks"], key=lambda n: len(n["members"]))
    gone = network["members"][0]["id"]
    name = next(f["name"] for f in firms if f["id"] == gone)
    assert client.delete(f"/api/v1/companies/{gone}", headers=auth).status_code == 204
    for url in (f"/api/v1/networks/proposals/{da['id']}/export",
                f"/api/v1/networks/{network['id']}/export"):  # fmt: skip
        for fmt in ("json", "csv"):
            text = export(client, auth, url, format=fmt, lang="en").data.decode("utf-8-sig")
            assert name not in text
    doc = json.loads(export(client, auth, f"/api/v1/networks/{network['id']}/export",
                            format="json", lang="en").data)  # fmt: skip
    kept = [m["id"] for m in network["members"] if m["id"] != gone]
    assert [p["company_id"] for p in doc["networks"][0]["participants"]] == kept


def test_a_network_that_cannot_be_described_again_keeps_its_stored_texts(client, auth, made):
    da, _, _ = made
    network = da["networks"][0]
    member = network["members"][0]["id"]
    withdrawn = client.patch(f"/api/v1/companies/{member}", json={"consent": False}, headers=auth)
    assert withdrawn.status_code == 200
    doc = json.loads(export(client, auth, f"/api/v1/networks/{network['id']}/export",
                            format="json", lang="en").data)  # fmt: skip
    assert doc["networks"][0]["purpose"] == network["purpose"]


def test_unknown_export_language_is_still_refused(client, auth, made):
    da, _, _ = made
    answer = client.get(f"/api/v1/networks/proposals/{da['id']}/export", headers=auth,
                        query_string={"format": "csv", "lang": "de"})  # fmt: skip
    assert answer.status_code == 422 and "lang" in answer.get_json()["fields"]


# --------------------------------------------------------------------------------------------
# Cohorts

# Three chatbot answers and three machine-vision answers of the cohort tests.
ANSWERS = answers([CHATBOT[k] for k in (0, 1, 3)] + [VISION[k] for k in (0, 2, 4)])


def test_danish_cohorts_exported_in_english_read_english(client, auth, db):
    created = client.post("/api/v1/masterclasses", headers=auth, json={
        "title": "AI i praksis", "theme": "Kunstig intelligens", "capacity": 3})  # fmt: skip
    mc = created.get_json()["id"]
    for answer in ANSWERS:
        assert client.post(f"/api/v1/masterclasses/{mc}/responses", json=answer).status_code == 201
    made = {}
    for lang in ("da", "en"):
        answer = client.post(f"/api/v1/masterclasses/{mc}/cohorts", headers=auth,
                             json={"min_size": 3, "max_size": 3, "lang": lang})  # fmt: skip
        assert answer.status_code == 201, answer.get_json()
        made[lang] = answer.get_json()
    da, en = made["da"], made["en"]
    before = proposals.get_proposal(db, da["id"])
    url = f"/api/v1/cohorts/proposals/{da['id']}/export"
    doc = json.loads(export(client, auth, url, format="json", lang="en").data)
    for cohort, made_in_english in zip(doc["cohorts"], en["cohorts"], strict=True):
        assert cohort["themes"] == made_in_english["themes"]
        assert [p["reason"] for p in cohort["participants"]] == [
            m["reason"] for m in made_in_english["members"]
        ]
    assert doc["proposal"]["unmet"] == en["unmet"]
    danish = {m["reason"] for c in da["cohorts"] for m in c["members"]}
    english = {m["reason"] for c in en["cohorts"] for m in c["members"]}
    assert danish != english
    rows = list(csv.DictReader(io.StringIO(
        export(client, auth, url, format="csv", lang="en").data.decode("utf-8-sig")
    ), delimiter=";"))  # fmt: skip
    assert {r["Reason"] for r in rows} == english
    one = da["cohorts"][0]
    doc = json.loads(export(client, auth, f"/api/v1/cohorts/{one['id']}/export", format="json",
                            lang="en").data)  # fmt: skip
    assert doc["cohorts"][0]["themes"] == en["cohorts"][0]["themes"]
    assert proposals.get_proposal(db, da["id"]) == before
