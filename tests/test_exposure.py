"""Abuse and exposure: what an edit token shows of other firms, private links (no cache,
rotation), rate limits behind a trusted proxy, sessions that end at logout, and uploads that
are checked before they are unpacked."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from conftest import add_user, company_body, valid_cvr
from test_access import PASSWORD, login, make_app
from test_networks import FIRMS, propose, register


def own_firm(client, seed: int = 500):
    body = company_body(**FIRMS[1] | {"name": "Eget Bageri ApS"}, cvr=valid_cvr(seed))
    answer = client.post("/api/v1/companies", json=body)
    assert answer.status_code == 201
    return answer.get_json()


def test_an_edit_token_shows_only_a_few_matches_without_reasons_or_decisions(client, auth, app):
    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    ids = register(client)
    mine = own_firm(client)
    own = {"Authorization": f"Bearer {mine['edit_token']}"}
    # the facilitators reject a network with the firm: a decision the firm must not learn
    pool = [mine["id"], ids[0], ids[2]]
    body = propose(client, auth, company_ids=pool, locked=[pool], count=1).get_json()
    assert {m["id"] for m in body["networks"][0]["members"]} == set(pool), body
    client.post(f"/api/v1/networks/{body['networks'][0]['id']}/reject", headers=auth)
    url = f"/api/v1/companies/{mine['id']}/partners"
    facilitator = client.get(url + "?limit=20", headers=auth).get_json()["partners"]
    assert any("rejected_before" in p["flags"] for p in facilitator)
    assert any(p["reasons"] for p in facilitator)
    seen = client.get(url, headers=own)
    assert seen.status_code == 200 and seen.headers["Cache-Control"] == "private, no-store"
    partners = seen.get_json()["partners"]
    assert 0 < len(partners) <= 5
    assert all(set(p) == {"id", "name", "score", "type"} for p in partners)
    text = seen.get_data(as_text=True)
    assert "rejected_before" not in text and "reasons" not in text
    # no paging through the register with filters or long lists
    for query in ("?limit=50", "?region=Syddanmark", "?nace=10.71", "?kind=company",
                  "?include_competitors=true", "?size=small"):  # fmt: skip
        assert client.get(url + query, headers=own).status_code == 422, query


def test_an_edit_tokens_suggestions_are_rate_limited(db_path, runner):
    limited = make_app(db_path, RATELIMIT_ENABLED=True).test_client()
    token = add_user(runner, "f@example.dk")
    mine = own_firm(limited)
    url = f"/api/v1/companies/{mine['id']}/partners"
    own = {"Authorization": f"Bearer {mine['edit_token']}"}
    codes = [limited.get(url, headers=own).status_code for _ in range(7)]
    assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]
    assert limited.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_private_pages_are_not_cached_and_the_link_can_be_renewed(client, auth):
    mine = own_firm(client)
    page = client.get(f"/p/{mine['edit_token']}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-store"
    own = {"Authorization": f"Bearer {mine['edit_token']}"}
    api = client.get(f"/api/v1/companies/{mine['id']}", headers=own)
    assert api.headers["Cache-Control"] == "private, no-store"
    url = f"/api/v1/companies/{mine['id']}/edit-token"
    assert client.post(url, headers=auth).status_code == 403  # only the firm renews its link
    assert client.post(url).status_code == 401
    renewed = client.post(url, headers=own)
    assert renewed.status_code == 201
    new = renewed.get_json()
    assert new["edit_token"] != mine["edit_token"] and new["edit_url"].endswith(new["edit_token"])
    assert client.get(f"/p/{mine['edit_token']}").status_code == 404
    assert client.get(f"/api/v1/companies/{mine['id']}", headers=own).status_code == 401
    fresh = {"Authorization": f"Bearer {new['edit_token']}"}
    assert client.get(f"/api/v1/companies/{mine['id']}", headers=fresh).status_code == 200
    assert client.get(f"/p/{new['edit_token']}").status_code == 200


def test_logout_ends_the_session_on_the_server(app, runner):
    add_user(runner, "fac@example.dk", password=PASSWORD)
    client = app.test_client()
    assert login(client, "fac@example.dk").status_code == 302
    cookie = client.get_cookie("session")
    assert client.get("/api/v1/companies").status_code == 200
    client.post("/logout")
    copy = app.test_client()  # someone kept a copy of the cookie
    copy.set_cookie("session", cookie.value, domain=cookie.domain)
    assert copy.get("/api/v1/companies").status_code == 401
    assert copy.get("/chat").status_code == 302


@pytest.mark.parametrize("trusted", [True, False])
def test_rate_limits_follow_the_client_behind_a_trusted_proxy(db_path, trusted):
    config = {"RATELIMIT_ENABLED": True, "TRUSTED_PROXIES": 1 if trusted else 0}
    client = make_app(db_path, **config).test_client()

    def register_from(address: str, seed: int) -> int:
        body = company_body(cvr=valid_cvr(seed), name=f"Firma {seed}")
        return client.post(
            "/api/v1/companies", json=body, headers={"X-Forwarded-For": address}
        ).status_code

    first = [register_from("198.51.100.7", i) for i in range(11)]
    assert first == [201] * 10 + [429]
    other = register_from("203.0.113.9", 99)
    # behind a trusted proxy the next client is not locked out by the first; without one the
    # forwarded header is not believed (a client cannot pick its own address)
    assert other == (201 if trusted else 429)


def bomb_xlsx(rows: int, numbered: bool = True) -> bytes:
    """A small XLSX whose one sheet holds `rows` rows (identical unnumbered rows compress to
    almost nothing: a few hundred kilobytes unpack to tens of megabytes)."""
    sheet = io.StringIO()
    sheet.write('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                'openxmlformats.org/spreadsheetml/2006/main"><sheetData>')  # fmt: skip
    sheet.write('<row r="1"><c r="A1" t="inlineStr"><is><t>navn</t></is></c></row>')
    plain = '<row><c t="inlineStr"><is><t>Firma</t></is></c></row>'
    for r in range(2, rows + 2):
        sheet.write(
            f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>Firma</t></is></c></row>'
            if numbered
            else plain
        )
    sheet.write("</sheetData></worksheet>")
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats'
        '.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd'
        '.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
        '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
        'worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.'
        'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/'
        'workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook xmlns="{main}" xmlns:r="{rel}">'
        '<sheets><sheet name="Ark1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target='
        '"worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet.getvalue(),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
    return out.getvalue()


def test_an_xlsx_is_size_and_row_checked_before_it_is_unpacked(client, auth, db):
    bomb = bomb_xlsx(1_000_000, numbered=False)
    assert len(bomb) < 1024 * 1024  # under the body limit: only unpacking makes it big
    started = time.monotonic()
    answer = client.post(
        "/api/v1/companies/import", headers=auth,
        data={"file": (io.BytesIO(bomb), "medlemmer.xlsx")}, content_type="multipart/form-data",
    )  # fmt: skip
    assert time.monotonic() - started < 3
    assert answer.status_code in (413, 422) and answer.get_json()["fields"]["file"]
    long = bomb_xlsx(12_000)  # small when unpacked, but over the row limit
    started = time.monotonic()
    answer = client.post(
        "/api/v1/companies/import", headers=auth,
        data={"file": (io.BytesIO(long), "medlemmer.xlsx")}, content_type="multipart/form-data",
    )  # fmt: skip
    assert time.monotonic() - started < 5
    assert answer.status_code == 422 and "rows" in answer.get_json()["fields"]["file"]
    assert db["companies"].count == 0
