"""A secretariat imports a member list and gets a row-by-row report."""

from __future__ import annotations

import csv
import io

from conftest import valid_cvr
from openpyxl import Workbook

HEADER = ["navn", "cvr", "ansatte", "region", "by", "type", "beskrivelse", "tilbyder", "behov",
          "markeder", "nace", "samtykke"]  # fmt: skip


def rows(bad_row: bool) -> list[list]:
    data = [
        ["Aarhus Bageri ApS", valid_cvr(21), "12", "Midtjylland", "Aarhus", "company",
         "Økologisk bageri med egen butik.", "Brød og kager", "Nye leverandører", "Danmark",
         "10.71", "ja"],
        ["Odense Software A/S", valid_cvr(22), "40", "Syddanmark", "Odense", "company",
         "Vi udvikler webshops.", "E-handel", "Kunder i fødevarebranchen", "Danmark; Tyskland",
         "6201", "ja"],
    ]  # fmt: skip
    if bad_row:
        data.append(
            ["Fejl ApS", "12345678", "mange", "Fyn", "", "company", "", "", "", "", "", "ja"]
        )
    return data


def csv_file(bad_row: bool, delimiter: str = ";") -> io.BytesIO:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(HEADER)
    writer.writerows(rows(bad_row))
    return io.BytesIO(out.getvalue().encode("utf-8"))


def test_csv_import_with_a_bad_row_writes_nothing(client, auth, db):
    answer = client.post(
        "/api/v1/companies/import", data={"file": (csv_file(True), "medlemmer.csv")}, headers=auth
    )
    assert answer.status_code == 422
    body = answer.get_json()
    refused = [r for r in body["report"]["rows"] if r["status"] == "refused"]
    assert [r["row"] for r in refused] == [4]
    assert {"cvr", "employees", "region", "description"} <= set(refused[0]["errors"])
    assert "row 4" in body["fields"]
    assert db.execute("SELECT count(*) FROM companies").fetchone()[0] == 0


def test_valid_rows_only_on_request(client, auth, db):
    answer = client.post(
        "/api/v1/companies/import?valid_only=true",
        data={"file": (csv_file(True), "medlemmer.csv")},
        headers=auth,
    )
    assert answer.status_code == 201
    assert answer.get_json()["imported"] == 2 and answer.get_json()["refused"] == 1
    names = [r[0] for r in db.execute("SELECT name FROM companies ORDER BY id")]
    assert names == ["Aarhus Bageri ApS", "Odense Software A/S"]
    markets = db.execute("SELECT markets, nace FROM companies WHERE id = 2").fetchone()
    assert markets == ('["Danmark", "Tyskland"]', "62.01")


def test_xlsx_import(client, auth, db):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows(False):
        sheet.append([int(c) if c.isdigit() and len(c) < 4 else c for c in row])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    answer = client.post(
        "/api/v1/companies/import", data={"file": (data, "members.xlsx")}, headers=auth
    )
    assert answer.status_code == 201, answer.get_json()
    assert db.execute("SELECT employees FROM companies ORDER BY id").fetchall() == [(12,), (40,)]


def test_import_needs_a_facilitator_and_a_file(client, auth):
    assert client.post("/api/v1/companies/import").status_code == 401
    missing = client.post("/api/v1/companies/import", headers=auth)
    assert missing.status_code == 422 and "file" in missing.get_json()["fields"]
    wrong = client.post(
        "/api/v1/companies/import", data={"file": (io.BytesIO(b"x"), "list.pdf")}, headers=auth
    )
    assert wrong.status_code == 422
