"""A company registers on the web form and keeps its profile through the private link."""

from __future__ import annotations

import re

from conftest import company_body


def form_of(body: dict) -> dict:
    form = {k: v for k, v in body.items() if v is not None and k not in ("markets", "consent")}
    form["markets"] = ", ".join(body["markets"])
    if body["consent"]:
        form["consent"] = "1"
    return {k: str(v) for k, v in form.items()}


def private_link(response) -> str:
    return re.search(r'id="private-link">([^<]+)<', response.get_data(as_text=True)).group(1)


def test_register_on_the_form_and_edit_through_the_private_link(client, db):
    page = client.get("/register")
    assert page.status_code == 200 and "Registrér virksomhed" in page.get_data(as_text=True)

    done = client.post("/register", data=form_of(company_body()), follow_redirects=True)
    assert done.status_code == 200
    link = private_link(done)
    assert "Vestjysk Emballage ApS" in done.get_data(as_text=True)
    path = link.split("localhost", 1)[1]

    edit = client.post(
        path + "/edit",
        data=form_of(company_body(employees=55, markets=["Tyskland"])),
        follow_redirects=True,
    )
    assert "Ændringerne er gemt" in edit.get_data(as_text=True)
    stored = db.execute("SELECT employees, markets FROM companies").fetchone()
    assert stored == (55, '["Tyskland"]')

    download = client.get(path + "/download")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.get_json()["employees"] == 55

    deleted = client.post(path + "/delete", follow_redirects=True)
    assert "Profilen er slettet" in deleted.get_data(as_text=True)
    assert db.execute("SELECT count(*) FROM companies").fetchone()[0] == 0
    assert client.get(path).status_code == 404


def test_form_errors_are_shown_next_to_the_fields_and_nothing_is_stored(client, db):
    body = form_of(company_body(cvr="12345678", nace="1234"))
    answer = client.post("/register", data=body)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "CVR-nummerets kontrol" in html and "NACE" in html
    assert 'value="Vestjysk Emballage ApS"' in html  # what was typed is kept
    assert db.execute("SELECT count(*) FROM companies").fetchone()[0] == 0


def test_unchecked_consent_is_stored_as_no_consent(client, db):
    body = form_of(company_body(consent=False))
    done = client.post("/register", data=body, follow_redirects=True)
    assert "Intet samtykke" in done.get_data(as_text=True)
    assert db.execute("SELECT consent FROM companies").fetchone()[0] == 0


def test_english_interface(client):
    page = client.get("/register?lang=en")
    assert "Register a company" in page.get_data(as_text=True)
    assert "Register a company" in client.get("/register").get_data(as_text=True)  # remembered


def test_an_unknown_private_link_is_404(client):
    assert client.get("/p/not-a-real-token").status_code == 404


def test_facilitator_pages_need_a_login(client):
    answer = client.get("/companies")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_facilitator_sees_a_firm_with_its_partner_suggestions(client, runner):
    from conftest import add_user, valid_cvr

    add_user(runner, "fac@cluster.dk", password="et-langt-kodeord")
    dairy = client.post("/api/v1/companies", json=company_body(
        name="Fjordens Mejeri", nace="10.51", description="Mejeri med økologisk ost.",
        offers="Ost og smør.", needs="Automatisering af vores pakkelinje med robotter.",
    )).get_json()  # fmt: skip
    client.post("/api/v1/companies", json=company_body(
        name="Cobot Værkstedet", cvr=valid_cvr(7), nace="28.99",
        description="Vi integrerer robotter i fabrikker.",
        offers="Robotceller og automatisering af pakkelinjer.", needs="Kunder i fødevarer.",
    ))  # fmt: skip
    login = client.post("/login", data={"email": "fac@cluster.dk", "password": "et-langt-kodeord"})
    assert login.status_code == 302
    page = client.get(f"/companies/{dairy['id']}").get_data(as_text=True)
    assert "Forslag til partnere" in page and "Cobot Værkstedet" in page
    assert "pakkelinje" in page  # the reason quotes the matching need
    assert "mette@vestjysk-emballage.dk" in page  # facilitators see contact data


def test_wrong_password_is_refused(client, runner):
    from conftest import add_user

    add_user(runner, "fac@cluster.dk", password="et-langt-kodeord")
    answer = client.post("/login", data={"email": "fac@cluster.dk", "password": "forkert"})
    assert answer.status_code == 401 and "Forkert e-mail eller adgangskode" in answer.get_data(
        as_text=True
    )
    assert client.get("/companies").status_code == 302
