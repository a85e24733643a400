"""Exports: consortium sheets and firm lists open, hold the right rows, and are logged."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re

import pytest
from conftest import company_body, valid_cvr
from openpyxl import load_workbook
from pypdf import PdfReader

from matchmaker import exports
from matchmaker.store import proposals, questionnaires

FIRMS = (
    ("Æblegården Fyn ApS", "Syddanmark", 8, "Sofie Ørsted", "sofie@aeblegaarden.dk"),
    ("Nordisk Robotteknik A/S", "Nordjylland", 120, "Jens Ålund", "jens@robotteknik.dk"),
    ("Grøn Emballage IVS", "Midtjylland", 30, "Mia Krøyer", "mia@groen-emballage.dk"),
    ("Hovedstadens Data ApS", "Hovedstaden", 300, "Ahmed Said", "ahmed@hdata.dk"),
    ("Sjællands Fødevarer A/S", "Sjælland", 45, "Lars Bøgh", "lars@sjfood.dk"),
)


def register(client, n: int = len(FIRMS), seed: int = 100) -> list[dict]:
    firms = []
    for i, (name, region, employees, contact, email) in enumerate(FIRMS[:n]):
        body = company_body(
            name=name, cvr=valid_cvr(seed + i), region=region, employees=employees,
            contact_name=contact, contact_email=email,
        )  # fmt: skip
        answer = client.post("/api/v1/companies", json=body)
        assert answer.status_code == 201, answer.get_json()
        firms.append(answer.get_json())
    return firms


@pytest.fixture
def network_proposal(client, db):
    firms = register(client)
    groups = [
        {
            "type": "vertical",
            "score": 0.72,
            "purpose": "Fælles løsning til bæredygtig fødevareemballage",
            "members": [
                {
                    "id": f["id"],
                    "name": f["name"],
                    "reason": f"{f['name']} tilbyder det, de andre mangler",
                }
                for f in firms[:3]
            ],
        },
        {
            "type": "congruent",
            "score": 0.41,
            "members": [
                {"id": f["id"], "name": f["name"], "reason": "Deler markedet Tyskland"}
                for f in firms[3:]
            ],
        },
    ]
    summary = {"worst_score": 0.41, "harmonic_mean": 0.53, "unmet": []}
    return proposals.save(db, "network", {"seed": 0}, summary, groups), firms


@pytest.fixture
def cohort_proposal(client, db):
    firms = register(client, 3, seed=200)
    masterclass = questionnaires.create_masterclass(
        db, {"title": "AI i produktionen", "theme": "Kunstig intelligens", "capacity": 10}
    )
    members = []
    for firm in firms:
        response = questionnaires.add_response(
            db,
            masterclass["id"],
            {"company": firm["name"], "cvr": firm["cvr"], "employees": firm["employees"],
             "core_business": f"Kerneforretning hos {firm['name']}"},
        )  # fmt: skip
        members.append({"response_id": response["id"], "company": firm["name"]})
    cohort = {"coherence": 0.66, "themes": ["automatisering", "AI"], "members": members}
    proposal = proposals.save(
        db, "cohort", {"min_size": 3}, {"unmet": []}, [cohort], masterclass_id=masterclass["id"]
    )
    return proposal, firms


def get(client, url, auth, **params):
    return client.get(url, headers=auth, query_string=params)


# Distinct, complementary firms (look-alikes would rightly be kept apart as competitors):
# name, NACE, description, offers, needs.
COMPLEMENTARY = [
    ("Fjordens Mejeri ApS", "10.51", "Mejeri med økologisk ost.", "Ost og valle.",
     "Automatisering af pakkelinjen."),
    ("Cobot Værkstedet ApS", "28.99", "Vi integrerer robotter.", "Robotceller og cobots.",
     "Kunder i fødevareindustrien."),
    ("Grænselandets Eksport ApS", "70.22", "Eksportrådgivning.", "Salg i Tyskland og DACH.",
     "Producenter der vil eksportere."),
    ("Nordisk Karton A/S", "17.21", "Vi laver emballage i pap.", "Bæredygtig emballage.",
     "Hjælp til at sælge i Tyskland."),
    ("Kølelogistik Vest A/S", "49.41", "Kølet transport.", "Kølekæde og distribution.",
     "Flere fødevarekunder."),
    ("Datahuset ApS", "62.01", "Software til produktion.", "Sporbarhed og dataopsamling.",
     "Kunder i fødevareproduktion."),
    ("Grøn Rådgivning ApS", "74.90", "Klimarådgivning.", "CO2-regnskab for SMV'er.",
     "Virksomheder der vil i gang med grøn omstilling."),
]  # fmt: skip


def register_complementary(client, seed: int) -> list[dict]:
    """`COMPLEMENTARY` registered through the API (CVRs from `seed` on)."""
    firms = []
    for i, (name, code, description, offers, needs) in enumerate(COMPLEMENTARY):
        body = company_body(cvr=valid_cvr(seed + i), name=name, nace=code,
                            description=description, offers=offers, needs=needs)  # fmt: skip
        answer = client.post("/api/v1/companies", json=body)
        assert answer.status_code == 201, answer.get_json()
        firms.append(answer.get_json())
    return firms


def csv_rows(data: bytes, sep: str = ";") -> list[dict]:
    """The rows of a CSV export as Danish Excel reads it: BOM, then `sep`-separated cells."""
    assert data.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=sep))


def test_network_csv_has_a_row_per_member_with_contact_and_reason(client, auth, network_proposal):
    proposal, firms = network_proposal
    group = proposal["groups"][0]
    answer = get(client, f"/api/v1/networks/{group['id']}/export", auth, format="csv")
    assert answer.status_code == 200
    assert answer.content_type == "text/csv; charset=utf-8"
    assert answer.headers["Content-Disposition"] == (
        f'attachment; filename="netvaerk-{group["id"]}.csv"'
    )
    rows = csv_rows(answer.data)
    assert [r["Navn"] for r in rows] == [f["name"] for f in firms[:3]]
    first = rows[0]
    assert first["CVR"] == firms[0]["cvr"]
    assert first["Kontaktperson"] == "Sofie Ørsted"
    assert first["E-mail"] == "sofie@aeblegaarden.dk"
    assert first["Region"] == "Syddanmark"
    assert first["Størrelse"].startswith("mikro")
    assert first["Netværkstype"] == "vertikalt (værdikæde)"
    assert first["Formål"] == "Fælles løsning til bæredygtig fødevareemballage"
    assert first["Begrundelse"] == "Æblegården Fyn ApS tilbyder det, de andre mangler"


def test_english_csv_headings(client, auth, network_proposal):
    group = network_proposal[0]["groups"][0]
    answer = get(client, f"/api/v1/networks/{group['id']}/export", auth, format="csv", lang="en")
    assert answer.headers["Content-Disposition"].endswith(f'network-{group["id"]}.csv"')
    rows = csv_rows(answer.data)
    assert rows[0]["Network type"] == "vertical (value chain)" and rows[0]["Size"].startswith(
        "micro"
    )
    assert rows[0]["Contact person"] == "Sofie Ørsted"


def test_proposal_xlsx_has_an_overview_and_one_sheet_per_network(client, auth, network_proposal):
    proposal, firms = network_proposal
    answer = get(client, f"/api/v1/networks/proposals/{proposal['id']}/export", auth, format="xlsx")
    assert answer.status_code == 200
    assert answer.content_type == exports.MEDIA_TYPES["xlsx"]
    assert 'filename="netvaerksforslag-' in answer.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(answer.data))
    assert book.sheetnames == ["Oversigt", "Netværk 1", "Netværk 2"]
    overview = [
        [c for c in row if c is not None] for row in book["Oversigt"].iter_rows(values_only=True)
    ]
    head = next(i for i, row in enumerate(overview) if row and row[0] == "Netværk")
    assert overview[head][:3] == ["Netværk", "Nr.", "Netværkstype"]
    assert overview[head + 1][0] == proposal["groups"][0]["id"]
    assert firms[0]["name"] in overview[head + 1][-1]
    sheet = [list(row) for row in book["Netværk 1"].iter_rows(values_only=True)]
    header = next(i for i, row in enumerate(sheet) if row[:2] == ["Navn", "CVR"])
    members = [row for row in sheet[header + 1 : header + 4]]
    assert [m[0] for m in members] == [f["name"] for f in firms[:3]]
    assert members[1][sheet[header].index("Kontaktperson")] == "Jens Ålund"
    assert members[1][sheet[header].index("Ansatte")] == 120
    text = {str(c) for row in sheet for c in row if c is not None}
    for point in ("Kerneopgave", "Budgetfordeling", "Ind- og udtræden", "Fortrolighed",
                  "Konkurrence", "Konfliktløsning"):  # fmt: skip
        assert point in text
    assert "Fælles løsning til bæredygtig fødevareemballage" in text


def test_network_pdf_is_a_consortium_sheet(client, auth, network_proposal):
    proposal, firms = network_proposal
    group = proposal["groups"][0]
    answer = get(client, f"/api/v1/networks/{group['id']}/export", auth, format="pdf")
    assert answer.status_code == 200 and answer.content_type == "application/pdf"
    assert answer.data.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(answer.data)).pages)
    for firm in firms[:3]:
        assert firm["name"] in text and firm["cvr"] in text
    assert "Sofie Ørsted" in text and "jens@robotteknik.dk" in text
    assert "Konsortieark" in text and "værdikæde" in text
    assert "Grøn Emballage IVS tilbyder det, de andre mangler" in text
    points = ("Kerneopgave", "Hvem", "Hvorfor", "Hvordan", "Budgetfordeling",
              "Ind- og udtræden", "Fortrolighed", "Konkurrence", "Konfliktløsning")  # fmt: skip
    assert all(point in text for point in points)
    assert firms[3]["name"] not in text  # the other network is not in this sheet


def test_english_pdf_of_a_whole_proposal(client, auth, network_proposal):
    proposal, firms = network_proposal
    answer = get(
        client, f"/api/v1/networks/proposals/{proposal['id']}/export", auth, format="pdf",
        lang="en",
    )  # fmt: skip
    reader = PdfReader(io.BytesIO(answer.data))
    assert len(reader.pages) >= 3  # overview + one sheet per network
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Consortium sheet" in text and "Budget split" in text and "Entry and exit" in text
    assert all(f["name"] in text for f in firms)


def test_json_export_keeps_stable_keys(client, auth, network_proposal):
    proposal, firms = network_proposal
    answer = get(client, f"/api/v1/networks/proposals/{proposal['id']}/export", auth)
    assert answer.content_type == "application/json"
    doc = json.loads(answer.data)
    assert doc["export"] == doc["export"] | {"kind": "network_proposal", "id": proposal["id"]}
    assert doc["proposal"]["worst_score"] == 0.41
    first = doc["networks"][0]
    assert first["purpose"].startswith("Fælles løsning")
    assert [p["name"] for p in first["participants"]] == [f["name"] for f in firms[:3]]
    assert first["participants"][0]["contact_email"] == "sofie@aeblegaarden.dk"
    # The stored region code stays; its label is in the export's language beside it.
    region = first["participants"][0]["region"]
    english = json.loads(get(client, f"/api/v1/networks/proposals/{proposal['id']}/export",
                             auth, format="json", lang="en").data)  # fmt: skip
    assert english["networks"][0]["participants"][0]["region"] == region
    assert english["networks"][0]["participants"][0]["region_label"] != region
    assert [p["key"] for p in first["open_points"]] == [
        "core_task", "who", "why", "how", "budget", "entry_exit", "confidentiality",
        "competition", "conflict_resolution",
    ]  # fmt: skip


@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_cohort_exports(client, auth, cohort_proposal, fmt):
    proposal, firms = cohort_proposal
    group = proposal["groups"][0]
    for url in (
        f"/api/v1/cohorts/{group['id']}/export",
        f"/api/v1/cohorts/proposals/{proposal['id']}/export",
    ):
        answer = get(client, url, auth, format=fmt)
        assert answer.status_code == 200, answer.data[:200]
        assert answer.content_type == exports.MEDIA_TYPES[fmt]
        if fmt == "csv":
            names = [r["Navn"] for r in csv_rows(answer.data)]
        elif fmt == "json":
            names = [p["name"] for p in json.loads(answer.data)["cohorts"][0]["participants"]]
        elif fmt == "xlsx":
            book = load_workbook(io.BytesIO(answer.data))
            assert book.sheetnames[0] == "Oversigt" and "Masterclass-hold 1" in book.sheetnames
            cells = {
                c for row in book["Masterclass-hold 1"].iter_rows(values_only=True) for c in row
            }
            names = [f["name"] for f in firms if f["name"] in cells]
        else:
            text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(answer.data)).pages)
            names = [f["name"] for f in firms if f["name"] in text]
            assert "automatisering" in text
        assert names == [f["name"] for f in firms]


@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_company_list_export_uses_the_list_filters(client, auth, fmt):
    firms = register(client)
    answer = get(client, "/api/v1/companies/export", auth, format=fmt, region="Nordjylland")
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"] == f'attachment; filename="virksomheder.{fmt}"'
    if fmt == "csv":
        rows = csv_rows(answer.data)
        assert [(r["navn"], r["cvr"], r["kontaktperson"]) for r in rows] == [
            (firms[1]["name"], firms[1]["cvr"], "Jens Ålund")
        ]
    elif fmt == "json":
        doc = json.loads(answer.data)
        assert doc["total"] == 1 and doc["items"][0]["id"] == firms[1]["id"]
    elif fmt == "xlsx":
        rows = list(load_workbook(io.BytesIO(answer.data)).active.iter_rows(values_only=True))
        assert rows[0][:3] == ("id", "navn", "cvr") and len(rows) == 2
        assert rows[1][1] == firms[1]["name"]
    else:
        text = PdfReader(io.BytesIO(answer.data)).pages[0].extract_text()
        assert firms[1]["name"] in text and firms[0]["name"] not in text
    everything = get(client, "/api/v1/companies/export", auth, format="json", lang="en")
    assert json.loads(everything.data)["total"] == len(FIRMS)
    bad = get(client, "/api/v1/companies/export", auth, format=fmt, region="Atlantis")
    assert bad.status_code == 422 and "region" in bad.get_json()["fields"]


def test_exports_are_logged_with_who_what_and_when(client, auth, db, network_proposal):
    proposal, _ = network_proposal
    group = proposal["groups"][1]
    get(client, f"/api/v1/networks/{group['id']}/export", auth, format="pdf")
    get(client, f"/api/v1/networks/proposals/{proposal['id']}/export", auth, format="xlsx")
    get(client, "/api/v1/companies/export", auth, format="csv")
    get(client, "/api/v1/networks/999/export", auth, format="csv")  # 404: not logged
    get(client, f"/api/v1/networks/{group['id']}/export", auth, format="doc")  # 422: not logged
    user_id = db.execute("SELECT id FROM users WHERE email = 'facilitator@example.dk'").fetchone()[
        0
    ]
    log = [(r["user_id"], r["object_kind"], r["object_id"], r["format"]) for r in
           db.query("SELECT * FROM export_log ORDER BY id")]  # fmt: skip
    assert log == [
        (user_id, "network", group["id"], "pdf"),
        (user_id, "network_proposal", proposal["id"], "xlsx"),
        (user_id, "companies", None, "csv"),
    ]
    assert all(r["created_at"] for r in db.query("SELECT created_at FROM export_log"))
    assert exports.export_log(db)[0]["email"] == "facilitator@example.dk"


def test_unknown_format_language_and_ids(client, auth, network_proposal, cohort_proposal):
    proposal, _ = network_proposal
    group = proposal["groups"][0]
    bad = get(client, f"/api/v1/networks/{group['id']}/export", auth, format="docx")
    assert bad.status_code == 422 and "csv" in bad.get_json()["fields"]["format"]
    bad = get(client, f"/api/v1/networks/{group['id']}/export", auth, format="csv", lang="de")
    assert bad.status_code == 422 and "lang" in bad.get_json()["fields"]
    assert get(client, "/api/v1/networks/4242/export", auth).status_code == 404
    assert get(client, "/api/v1/networks/proposals/4242/export", auth).status_code == 404
    assert get(client, "/api/v1/cohorts/4242/export", auth).status_code == 404
    # a network's id is not a cohort, and the other way round
    cohort = cohort_proposal[0]
    assert get(client, f"/api/v1/cohorts/{group['id']}/export", auth).status_code == 404
    assert (
        get(client, f"/api/v1/networks/{cohort['groups'][0]['id']}/export", auth).status_code == 404
    )
    assert (
        get(client, f"/api/v1/cohorts/proposals/{proposal['id']}/export", auth).status_code == 404
    )
    assert get(client, f"/api/v1/networks/proposals/{cohort['id']}/export", auth).status_code == 404


def test_exports_need_a_facilitator(client, auth, network_proposal):
    proposal, firms = network_proposal
    group = proposal["groups"][0]
    urls = [
        f"/api/v1/networks/{group['id']}/export?format=csv",
        f"/api/v1/networks/proposals/{proposal['id']}/export",
        "/api/v1/companies/export?format=xlsx",
    ]
    company = {"Authorization": f"Bearer {firms[0]['edit_token']}"}
    for url in urls:
        assert client.get(url).status_code == 401
        assert client.get(url, headers=company).status_code == 403
        assert client.get(url, headers={"Authorization": "Bearer nope"}).status_code == 401
        assert client.get(url, headers=auth).status_code == 200


def test_deleted_firm_is_not_named_in_an_old_proposal(client, auth, network_proposal):
    proposal, firms = network_proposal
    group = proposal["groups"][0]
    assert client.delete(f"/api/v1/companies/{firms[0]['id']}", headers=auth).status_code == 204
    answer = get(client, f"/api/v1/networks/proposals/{proposal['id']}/export", auth, format="csv")
    assert answer.status_code == 200
    names = [r["Navn"] for r in csv_rows(answer.data)]
    # the deleted firm is no longer named; the others remain
    assert names[:2] == [firms[1]["name"], firms[2]["name"]]
    assert firms[0]["name"] not in answer.data.decode()
    assert (
        get(client, f"/api/v1/networks/{group['id']}/export", auth, format="pdf").status_code == 200
    )


def test_formula_like_names_stay_text(client, auth, db):
    firm = client.post(
        "/api/v1/companies", json=company_body(name='=HYPERLINK("http://x","klik")')
    ).get_json()
    group = {
        "type": "complementary",
        "score": 0.1,
        "members": [{"id": firm["id"], "name": firm["name"]}],
    }
    proposal = proposals.save(db, "network", {}, {}, [group])
    gid = proposal["groups"][0]["id"]
    rows = list(csv.reader(io.StringIO(
        get(client, f"/api/v1/networks/{gid}/export", auth, format="csv").data.decode("utf-8-sig")
    ), delimiter=";"))  # fmt: skip
    assert rows[1][rows[0].index("Navn")].startswith("'=")
    book = load_workbook(io.BytesIO(get(client, f"/api/v1/networks/{gid}/export", auth,
                                        format="xlsx").data))  # fmt: skip
    cells = [c for row in book.worksheets[1].iter_rows() for c in row if c.value == firm["name"]]
    assert cells and all(c.data_type == "s" for c in cells)


def test_pdf_without_a_unicode_font_keeps_danish_letters(monkeypatch):
    monkeypatch.setattr(exports.as_pdf, "unicode_font", lambda: None)
    group = exports.Group(
        kind="network", id=1, proposal_id=1, ordinal=1, status="proposed", type="vertical",
        score=0.5, purpose="Grøn omstilling – “cirkulær” ✓",
        participants=[exports.Participant(name="Æbleø Å/S", reason="Ŝpecial → reason")],
    )  # fmt: skip
    pdf = exports.to_pdf(exports.Export("network", 1, groups=[group]))
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Æbleø Å/S" in text and "Grøn omstilling" in text
    assert exports.drawable("Ŝ – “x” ✓") == 'S - "x" ?'


@pytest.mark.parametrize("kind", ["network", "cohort"])
def test_pdf_keeps_every_region_name_whole(kind):
    """A region is one word: the sheet shrinks it to fit its column instead of breaking it."""
    regions = ["Hovedstaden", "Midtjylland", "Nordjylland", "Syddanmark", "Sjælland"]
    group = exports.Group(
        kind=kind, id=1, proposal_id=1, ordinal=1, status="proposed", score=0.5, purpose="Test",
        type="vertical" if kind == "network" else None,
        participants=[exports.Participant(name=f"Firma {i} A/S", region=region, cvr="12345678",
                                          employees=12, reason="Test")
                      for i, region in enumerate(regions)],
    )  # fmt: skip
    pdf = exports.to_pdf(exports.Export(kind, 1, groups=[group]))
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert [r for r in regions if r in text] == regions


def test_export_of_a_proposal_made_through_the_api(client, auth):
    firms = register_complementary(client, 300)
    made = client.post(
        "/api/v1/networks/proposals", headers=auth,
        json={"company_ids": [f["id"] for f in firms], "min_size": 3, "max_size": 5, "seed": 0},
    )  # fmt: skip
    assert made.status_code == 201, made.get_json()
    proposal = made.get_json()
    members = [m["id"] for n in proposal["networks"] for m in n["members"]]
    answer = get(client, f"/api/v1/networks/proposals/{proposal['id']}/export", auth, format="xlsx")
    book = load_workbook(io.BytesIO(answer.data))
    assert len(book.sheetnames) == 1 + len(proposal["networks"])
    cells = {c for ws in book.worksheets[1:] for row in ws.iter_rows(values_only=True) for c in row}
    by_id = {f["id"]: f for f in firms}
    assert all(by_id[i]["name"] in cells and by_id[i]["cvr"] in cells for i in members)
    first = proposal["networks"][0]
    pdf = get(client, f"/api/v1/networks/{first['id']}/export", auth, format="pdf", lang="en")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert all(m["name"] in text for m in first["members"])
    assert "Consortium sheet" in text and "Conflict resolution" in text


def test_the_export_log_is_for_admins(client, auth, runner, network_proposal):
    from conftest import add_user

    proposal, firms = network_proposal
    get(client, f"/api/v1/networks/proposals/{proposal['id']}/export", auth, format="csv")
    admin = {"Authorization": f"Bearer {add_user(runner, 'admin@example.dk', 'admin')}"}
    log = client.get("/api/v1/exports/log", headers=admin).get_json()
    assert log["total"] == 1
    assert log["items"][0] | {"email": "facilitator@example.dk", "format": "csv"} == log["items"][0]
    assert client.get("/api/v1/exports/log", headers=auth).status_code == 403
    company = {"Authorization": f"Bearer {firms[0]['edit_token']}"}
    assert client.get("/api/v1/exports/log", headers=company).status_code in (401, 403)
    assert client.get("/api/v1/exports/log").status_code == 401


def test_export_links_macro_for_the_proposal_pages(app):
    from flask import render_template_string

    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        html = render_template_string(
            '{% from "_export_links.html" import export_links with context %}'
            '{{ export_links("api.export_network_proposal", proposal_id=7) }}'
        )
    for fmt in exports.FORMATS:
        assert f"/api/v1/networks/proposals/7/export?format={fmt}&amp;lang=en" in html


def test_cli_export_writes_the_file_and_logs_it(runner, db, network_proposal, tmp_path):
    from matchmaker.cli import main as cli

    proposal, firms = network_proposal
    target = tmp_path / "sheet.pdf"
    result = runner.invoke(cli, ["export", "network-proposal", str(proposal["id"]),
                                 "--format", "pdf", "--out", str(target)])  # fmt: skip
    assert result.exit_code == 0, result.output
    text = "\n".join(p.extract_text() for p in PdfReader(target).pages)
    assert firms[0]["name"] in text
    missing = runner.invoke(cli, ["export", "network", "999"])
    assert missing.exit_code != 0 and "999" in missing.output
    row = db.execute("SELECT user_id, object_kind, format FROM export_log").fetchall()
    assert row == [(None, "network_proposal", "pdf")]


def test_csv_opens_in_danish_excel_and_offers_the_comma_variant(client, auth, network_proposal):
    proposal, firms = network_proposal
    url = f"/api/v1/networks/proposals/{proposal['id']}/export"
    danish = get(client, url, auth, format="csv")
    assert danish.data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
    head = danish.data.decode("utf-8-sig").splitlines()[0]
    assert head.startswith("Netværksforslag;") or head.startswith("Netværk;")
    rows = csv_rows(danish.data)
    assert [r["Navn"] for r in rows] == [f["name"] for f in firms]
    assert rows[0]["Score"] == "0,72"  # a decimal comma, as Danish Excel reads numbers
    comma = get(client, url, auth, format="csv", sep="comma")
    rows = csv_rows(comma.data, sep=",")
    assert [r["Navn"] for r in rows] == [f["name"] for f in firms] and rows[0]["Score"] == "0.72"
    bad = get(client, url, auth, format="csv", sep="tab")
    assert bad.status_code == 422 and "sep" in bad.get_json()["fields"]


@pytest.mark.parametrize(
    "value",
    ["=1+1", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "  =1+1", " -1", "\u00a0@x", "＝1"],
)
def test_every_cell_a_spreadsheet_would_evaluate_is_guarded(value):
    assert exports.csv_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Æblegården", "e-mail", "1-2 ansatte", "", "a=b"])
def test_plain_text_is_left_alone(value):
    assert exports.csv_cell(value) == value


def test_xlsx_numbers_frozen_headings_and_filters(client, auth, network_proposal):
    proposal, firms = network_proposal
    answer = get(client, f"/api/v1/networks/proposals/{proposal['id']}/export", auth, format="xlsx")
    book = load_workbook(io.BytesIO(answer.data))
    overview = book["Oversigt"]
    values = {
        row[0].value: row[1] for row in overview.iter_rows(min_col=1, max_col=2) if row[0].value
    }
    assert values["Svageste match"].value == 0.41 and values["Svageste match"].data_type == "n"
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", values["Eksporteret"].value)
    for sheet in book.worksheets:
        assert sheet.freeze_panes and sheet.auto_filter.ref, sheet.title
        heading_row = int(re.sub(r"\D", "", sheet.freeze_panes)) - 1
        assert sheet.auto_filter.ref.startswith(f"A{heading_row}:")
    network = book["Netværk 1"]
    heading_row = int(re.sub(r"\D", "", network.freeze_panes)) - 1
    headings = [c.value for c in network[heading_row]]
    assert headings[:2] == ["Navn", "CVR"]
    employees = network.cell(row=heading_row + 1, column=headings.index("Ansatte") + 1)
    assert employees.value == 8 and employees.data_type == "n"
    firms_book = load_workbook(
        io.BytesIO(get(client, "/api/v1/companies/export", auth, format="xlsx").data)
    )
    listing = firms_book.active
    assert listing.freeze_panes == "A2" and listing.auto_filter.ref.startswith("A1:")
    created = listing.cell(row=2, column=[c.value for c in listing[1]].index("oprettet") + 1)
    assert isinstance(created.value, datetime.datetime)
    assert created.number_format == "dd.mm.yyyy hh:mm"


def test_cohort_exports_name_the_masterclass(client, auth, cohort_proposal):
    proposal, firms = cohort_proposal
    group = proposal["groups"][0]
    url = f"/api/v1/cohorts/{group['id']}/export"
    rows = csv_rows(get(client, url, auth, format="csv").data)
    assert {r["Masterclass"] for r in rows} == {"AI i produktionen"}
    doc = json.loads(get(client, url, auth, format="json").data)
    assert doc["masterclass"]["title"] == "AI i produktionen"
    book = load_workbook(io.BytesIO(get(client, url, auth, format="xlsx").data))
    assert "AI i produktionen" in {
        c for ws in book for r in ws.iter_rows(values_only=True) for c in r
    }
    pdf = get(client, f"/api/v1/cohorts/proposals/{proposal['id']}/export", auth, format="pdf")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "AI i produktionen" in text


def test_timestamps_are_written_the_danish_way():
    assert exports.local_time("2026-11-29T09:15:00+00:00", "da") == "29.11.2026 10:15"
    assert exports.local_time("2026-07-01T09:15:00+00:00", "da") == "01.07.2026 11:15"  # summer
    assert exports.local_time("2026-11-29T09:15:00+00:00", "en") == "29 Nov 2026 10:15"
    assert exports.local_time("not a time", "da") == "not a time"


def test_long_email_addresses_stay_on_one_line_in_the_pdf():
    email = "kontakt.salgsafdelingen@nordjyske-emballage-gruppen.dk"
    group = exports.Group(
        kind="network", id=1, proposal_id=1, ordinal=1, status="proposed", type="vertical",
        score=0.5, participants=[
            exports.Participant(name="Nordjysk Emballage ApS", contact_name="Karen Ørum",
                                contact_email=email, employees=12),
            exports.Participant(name="Kort ApS", contact_email="a@b.dk"),
        ],
    )  # fmt: skip
    for export in (
        exports.Export("network", 1, groups=[group]),
        exports.companies_export([{"name": "Nordjysk Emballage ApS", "contact_email": email}]),
    ):
        text = "\n".join(
            p.extract_text() for p in PdfReader(io.BytesIO(exports.to_pdf(export))).pages
        )
        assert any(email in line for line in text.splitlines()), text


def test_unmet_firms_are_named_and_read_in_the_exports_language():
    from matchmaker.exports.model import Export
    from matchmaker.exports.tables import overview_pairs
    from matchmaker.grouping.networks import unmet_reason
    from matchmaker.reference import messages

    weak = {
        "company_id": 7,
        "name": "Testfirma ApS",
        **unmet_reason("weak_fit", fit="0.26", bar="0.75"),
    }
    small = {"company_id": 8, "name": "Andet Firma A/S", **unmet_reason("weak_network", min=3)}
    export = Export("network_proposal", 1, summary={"unmet": [weak, small]})
    for lang in ("da", "en"):
        [line] = [v for _, v in overview_pairs(export, lang) if "Testfirma" in str(v)]
        assert line == (
            f"Testfirma ApS: {messages.render('reasons.weak_fit', lang, fit='0.26', bar='0.75')}; "
            f"Andet Firma A/S: {messages.render('reasons.weak_network', lang, min=3)}"
        )
    [danish] = [v for _, v in overview_pairs(export, "da") if "Testfirma" in str(v)]
    assert weak["reason"] not in danish  # the English text stays out of a Danish sheet


def test_a_long_label_in_the_pdf_does_not_run_into_its_value():
    """The key column is as wide as its longest label ("Samlet match (vægter de svageste)"):
    the value starts after the label ends."""
    from matchmaker.exports.as_pdf import Sheet
    from matchmaker.reference import messages

    label = messages.render("exports.harmonic_mean", "da")
    sheet = Sheet("da", "Test")
    sheet.page()
    sheet.pairs([(label, 0.7165), ("Id", 3)])
    chunks = []
    page = PdfReader(io.BytesIO(sheet.output())).pages[0]
    page.extract_text(visitor_text=lambda text, cm, tm, *_: chunks.append((text, tm[4])))
    x_label = next(x for text, x in chunks if text.startswith("Samlet match"))
    x_value = next(x for text, x in chunks if text.strip().startswith("0,7"))
    sheet.pdf.set_font(sheet.family, "B", 10)
    width_pt = sheet.pdf.get_string_width(label) * 72 / 25.4
    assert x_value >= x_label + width_pt, (x_label, x_value, width_pt)


@pytest.mark.parametrize("lang", ["da", "en"])
def test_pdf_table_headings_keep_their_words_whole(lang):
    """A heading wider than its column ("Masterclass-hold") shrinks instead of breaking."""
    group = exports.Group(
        kind="cohort", id=1, proposal_id=1, ordinal=1, status="proposed", score=0.5,
        purpose="Test", participants=[exports.Participant(name="Firma A/S", reason="Test")],
    )  # fmt: skip
    pdf = exports.to_pdf(exports.Export("cohort_proposal", 1, groups=[group]), lang)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    heading = exports.as_pdf.label("cohort", lang)
    assert heading in text.split("\n") or heading in text, text
