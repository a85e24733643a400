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


def _facilitator(client, runner) -> None:
    from conftest import add_user

    add_user(runner, "fac2@cluster.dk", password="et-langt-kodeord")
    login = client.post("/login", data={"email": "fac2@cluster.dk", "password": "et-langt-kodeord"})
    assert login.status_code == 302


def test_the_company_page_shows_types_flags_and_the_nace_title_in_the_page_language(client, runner):
    from conftest import valid_cvr

    from matchmaker import matching
    from matchmaker.reference import nace

    dairy = client.post("/api/v1/companies", json=company_body(
        name="Fjordens Mejeri", nace="10.51", sector=None, description="Mejeri med økologisk ost.",
        offers="Ost og smør.", needs="Automatisering af vores pakkelinje med robotter.",
    )).get_json()  # fmt: skip
    for i, name in enumerate(("Cobot Værkstedet", "Robotgården")):
        client.post("/api/v1/companies", json=company_body(
            name=name, cvr=valid_cvr(7 + i), nace="28.99",
            description="Vi integrerer robotter i fabrikker.",
            offers="Robotceller og automatisering af pakkelinjer.", needs="Kunder i fødevarer.",
        ))  # fmt: skip
    _facilitator(client, runner)
    html = client.get(f"/companies/{dairy['id']}?lang=da").get_data(as_text=True)
    codes = ("complementary", "vertical", "congruent", "horizontal", "rejected_before",
             "competitor", "never_together")  # fmt: skip
    badges = re.findall(r'class="badge[^"]*">([^<]*)<', html)
    assert badges and not set(badges) & set(codes), badges
    da_words = {"komplementær", "vertikal", "ligeværdige", "horisontal", "afvist før",
                "mulig konkurrent", "aldrig sammen"}  # fmt: skip
    assert set(badges) <= da_words, badges
    title = nace.lookup("10.51")
    assert title.title_da in html
    english = client.get(f"/companies/{dairy['id']}?lang=en").get_data(as_text=True)
    assert title.title_en in english
    en_badges = set(re.findall(r'class="badge[^"]*">([^<]*)<', english))
    assert en_badges <= {
        "complementary",
        "vertical",
        "peers",
        "horizontal",
        "rejected before",
        "possible competitor",
        "never together",
    }
    # Every code the matching engine may give has a text in both languages.
    from matchmaker.reference import messages

    for code in ("complementary", "vertical", "congruent", "horizontal"):
        assert messages.has(f"web.pair_{code}")
    for flag in ("rejected_before", "competitor", "never_together"):
        assert messages.has(f"web.flag_{flag}")
    assert matching  # the engine is what produced the badges above


def test_form_messages_are_fully_danish(client):
    body = form_of(company_body(nace="99.999", employees=1))
    body["employees"] = "-5"
    html = client.post("/register", data=body).get_data(as_text=True)
    assert "skal være 0 eller derover" in html
    assert "skal være et helt tal" not in html
    assert "eller den sekscifrede DB07-kode 620100" in html and " or the " not in html
    english = client.post("/register?lang=en", data=body).get_data(as_text=True)
    assert "must be 0 or more" in english and "six-digit DB07" in english
    assert "Input should" not in english


def test_error_pages_are_styled_and_translated(client, app):
    missing = client.get("/no-such-page?lang=da")
    html = missing.get_data(as_text=True)
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    assert "Siden findes ikke." in html and "style.css" in html and "Til forsiden" in html
    english = client.get("/no-such-page?lang=en").get_data(as_text=True)
    assert "Page not found." in english and "To the front page" in english
    wrong = client.delete("/register")
    assert wrong.status_code == 405 and "This action is not allowed here." in wrong.get_data(
        as_text=True
    )
    assert "GET" in wrong.headers["Allow"]
    big = client.post("/register?lang=da", data={"name": "x" * (1024 * 1024 + 10)})
    assert big.status_code == 413 and "Indsendelsen er for stor." in big.get_data(as_text=True)
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.is_json  # the API keeps answering in JSON
    from werkzeug.exceptions import InternalServerError

    from web import _error_page

    with app.test_request_context("/somewhere?lang=da"):
        failed = _error_page(InternalServerError())
    assert failed.status_code == 500 and "Der skete en fejl hos os." in failed.get_data(
        as_text=True
    )


def test_the_privacy_notice_is_linked_from_registration_and_the_questionnaire(client, db):
    from matchmaker.store import questionnaires

    notice = client.get("/privacy").get_data(as_text=True)
    for heading in ("Hvem er ansvarlig", "Hvad vi gemmer", "Hvorfor", "Hvor længe",
                    "Hvem ser kontaktoplysningerne"):  # fmt: skip
        assert heading in notice
    assert 'href="/privacy"' in client.get("/register").get_data(as_text=True)
    masterclass = questionnaires.create_masterclass(
        db, {"title": "AI i produktionen", "theme": "AI", "capacity": 8}
    )
    form = client.get(f"/masterclasses/{masterclass['id']}/questionnaire").get_data(as_text=True)
    assert 'href="/privacy"' in form and "Sådan bruges jeres svar" in form
    assert "sætte masterclassens deltagere sammen på hold" in form


def test_after_registering_the_company_sees_next_steps_copy_button_and_consent_date(client, db):
    done = client.post("/register", data=form_of(company_body()), follow_redirects=True)
    page = done.get_data(as_text=True)
    assert "Hvad sker der nu?" in page and 'data-copy="#private-link"' in page
    stored = db.execute("SELECT consent_at, created_at FROM companies").fetchone()
    assert stored[0] and stored[0][:16] == stored[1][:16]
    assert re.search(r"Samtykke givet \d\d\.\d\d\.\d{4} \d\d:\d\d", page)
    path = private_link(done).split("localhost", 1)[1]
    client.post(path + "/edit", data=form_of(company_body(consent=False)))
    assert db.execute("SELECT consent_at FROM companies").fetchone()[0] is None
    assert "Intet samtykke" in client.get(path).get_data(as_text=True)


def test_the_nace_field_offers_the_danish_titles_and_takes_a_picked_title(client, db):
    from matchmaker.reference import nace

    page = client.get("/register").get_data(as_text=True)
    bakery = nace.lookup("10.71")
    assert f'<option value="10.71 {bakery.title_da}">' in page.replace("&#39;", "'")
    body = form_of(company_body(nace=None))
    body["nace"] = f"10.71 {bakery.title_da}"
    done = client.post("/register", data=body)
    assert done.status_code == 302
    assert db.execute("SELECT nace FROM companies").fetchone()[0] == "10.71"


def test_an_older_store_gets_the_consent_date_from_its_registration_time(tmp_path):
    import sqlite_utils

    from matchmaker.store import db as store
    from matchmaker.store import schema

    path = tmp_path / "old.sqlite3"
    old = sqlite_utils.Database(path)
    schema.MIGRATIONS[1](old)
    old.execute("PRAGMA user_version = 1")
    for name, consent in (("Med Samtykke ApS", 1), ("Uden Samtykke ApS", 0)):
        row = {"name": name, "region": "Midtjylland", "kind": "company", "description": "x",
               "consent": consent, "edit_token_hash": name,
               "created_at": "2025-01-02T08:00:00+00:00"}  # fmt: skip
        old["companies"].insert(row)
    old.conn.commit()
    old.close()
    migrated = store.connect(path)
    rows = migrated.execute("SELECT name, consent_at FROM companies ORDER BY id").fetchall()
    assert rows == [("Med Samtykke ApS", "2025-01-02T08:00:00+00:00"), ("Uden Samtykke ApS", None)]
    assert migrated.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    migrated.close()


def test_a_trade_typed_as_a_word_is_read_as_its_code_or_answered_with_the_codes_it_may_mean(
    client, db
):
    """The form invites a word for the trade: a word of one trade's title registers that
    trade; a word of several lists their codes; a word of none says so; nothing half-stored."""
    done = client.post("/register", data=form_of(company_body(nace="bageri")))
    assert done.status_code == 302
    assert db.execute("SELECT nace FROM companies").fetchall() == [("10.7",)]
    several = client.post("/register", data=form_of(company_body(nace="software", cvr=None,
                                                                 name="Kode ApS")))  # fmt: skip
    page = several.get_data(as_text=True)
    assert several.status_code == 422 and "58.29" in page and "vælg en kode" in page
    unknown = client.post("/register?lang=en", data=form_of(company_body(nace="xyzzy", cvr=None)))
    assert unknown.status_code == 422 and "is in no trade" in unknown.get_data(as_text=True)
    assert db.execute("SELECT count(*) FROM companies").fetchone()[0] == 1


def test_the_same_form_sent_twice_without_a_cvr_registers_one_firm(client, db):
    """A firm without a CVR that sends the registration again (same name, any case, same
    contact e-mail) is told it is registered; another firm with that e-mail is not refused."""
    body = form_of(company_body(cvr=None))
    assert client.post("/register", data=body).status_code == 302
    again = client.post("/register", data=body | {"name": body["name"].upper()})
    assert again.status_code == 409
    assert "er allerede tilmeldt med denne kontakt-e-mail" in again.get_data(as_text=True)
    other = client.post("/register", data=body | {"name": "Søsterfirmaet ApS"})
    assert other.status_code == 302
    assert db.execute("SELECT count(*) FROM companies").fetchone()[0] == 2
