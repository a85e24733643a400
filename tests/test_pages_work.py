"""Pages a facilitator works in and a company trusts: the start page, firms picked by name,
a firm's next actions and notes, answers per masterclass, the privacy notice, the consent date,
Danish words on Danish pages."""

from __future__ import annotations

import re

import pytest
from conftest import add_user, company_body, valid_cvr

from matchmaker.store import proposals, questionnaires

PASSWORD = "et-langt-kodeord"
FIRMS = [
    ("Limfjordens Mejeri A/S", "10.51", "Mejeri med økologisk ost.", "Ost og valle.",
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
]  # fmt: skip


def register(client, n: int = len(FIRMS)) -> list[dict]:
    made = []
    for i, (name, code, about, offers, needs) in enumerate(FIRMS[:n]):
        body = company_body(name=name, cvr=valid_cvr(400 + i), nace=code, description=about,
                            offers=offers, needs=needs)  # fmt: skip
        answer = client.post("/api/v1/companies", json=body)
        assert answer.status_code == 201, answer.get_json()
        made.append(answer.get_json())
    return made


@pytest.fixture
def facilitator(client, runner):
    token = add_user(runner, "fac@cluster.dk", password=PASSWORD)
    login = client.post("/login", data={"email": "fac@cluster.dk", "password": PASSWORD})
    assert login.status_code == 302
    return {"Authorization": f"Bearer {token}"}


def html(answer) -> str:
    return answer.get_data(as_text=True)


def test_a_facilitator_lands_on_the_dashboard_and_a_visitor_on_the_landing_page(client, runner):
    assert "Registrér virksomhed" in html(client.get("/"))
    assert client.get("/dashboard").status_code == 302  # login first
    add_user(runner, "fac@cluster.dk", password=PASSWORD)
    login = client.post("/login", data={"email": "fac@cluster.dk", "password": PASSWORD})
    landing = client.get(login.headers["Location"])
    assert landing.status_code == 302 and landing.headers["Location"].endswith("/dashboard")


def test_the_dashboard_counts_what_came_in_and_what_waits(client, facilitator, db):
    firms = register(client, 4)
    page = html(client.get("/dashboard"))
    assert "Nye tilmeldinger" in page and "4 de seneste 7 dage" in page
    assert page.index(firms[3]["name"]) < page.index(firms[0]["name"])  # newest first
    assert "Ingen netværk venter på en beslutning." in page
    assert "Intet er eksporteret endnu." in page
    made = client.post("/api/v1/networks/proposals", headers=facilitator,
                       json={"company_ids": [f["id"] for f in firms], "min_size": 3})  # fmt: skip
    assert made.status_code == 201
    proposal_id = made.get_json()["id"]
    masterclass = questionnaires.create_masterclass(
        db, {"title": "Grøn omstilling i praksis", "theme": "Klima", "capacity": 10}
    )
    for firm in firms[:2]:
        questionnaires.add_response(db, masterclass["id"], {
            "company": firm["name"], "core_business": "Produktion af fødevarer."})  # fmt: skip
    client.get(f"/api/v1/networks/proposals/{proposal_id}/export?format=csv", headers=facilitator)
    page = html(client.get("/dashboard"))
    open_part = page.split('id="open-proposals"')[1].split("</section>")[0]
    assert f"Netværksforslag {proposal_id}" in open_part and "netværk venter" in open_part
    waiting = page.split('id="answers-waiting"')[1].split("</section>")[0]
    assert "Grøn omstilling i praksis" in waiting and "2 nye svar af 2" in waiting
    exports = page.split('id="recent-exports"')[1].split("</section>")[0]
    assert "Netværksforslag" in exports and "CSV" in exports and "fac@cluster.dk" in exports
    assert re.search(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", exports)  # a Danish timestamp


def test_forms_pick_firms_by_name_and_never_ask_for_an_id(client, facilitator, db):
    firms = register(client)
    page = html(client.get("/proposals"))
    assert 'type="number" name="a"' not in page and 'name="around_company_id"' not in page
    options = re.findall(r'<option value="([^"]+)">', page.split('id="firm-list"')[1])
    assert {f["name"] for f in firms} <= set(options)
    # Pair rule by name: stored between the right firms, shown by name without ids.
    answer = client.post("/pairs/never", data={"a": firms[0]["name"], "b": firms[1]["name"]})
    assert answer.status_code == 302
    rule = db.execute("SELECT a_id, b_id, rule FROM pair_rules").fetchall()
    assert rule == [(firms[0]["id"], firms[1]["id"], "never")]
    listing = html(client.get("/proposals"))
    assert f"({firms[0]['id']})" not in listing.split("Par-regler")[1]
    # An unknown name is refused in Danish and nothing is stored.
    client.post("/pairs/never?lang=da", data={"a": firms[0]["name"], "b": "Findes Ikke ApS"})
    flashed = html(client.get("/proposals"))
    assert "ingen virksomhed hedder &#39;Findes Ikke ApS&#39;; vælg en fra listen" in flashed
    assert db.execute("SELECT count(*) FROM pair_rules").fetchone()[0] == 1
    # The firm page's action prefills the proposal form with the firm's name.
    around = html(client.get(f"/proposals?around={firms[2]['id']}"))
    assert f'value="{firms[2]["name"]}"' in around
    made = client.post("/proposals", data={
        "around_company": firms[2]["name"], "min_size": "3", "max_size": "3", "seed": "0",
        "company_names": "\n".join(f["name"] for f in firms)})  # fmt: skip
    assert made.status_code == 302, html(made)
    stored = proposals.get_proposal(db, int(made.headers["Location"].rsplit("/", 1)[1]))
    assert stored["request"]["around_company_id"] == firms[2]["id"]
    assert any(firms[2]["id"] in [m["id"] for m in g["members"]] for g in stored["groups"])


def test_swap_takes_a_name_and_network_numbers_match_the_exports(client, facilitator, db):
    firms = register(client)
    ids = [f["id"] for f in firms]
    first = client.post("/api/v1/networks/proposals", headers=facilitator,
                        json={"company_ids": ids[:3], "min_size": 3, "max_size": 3})  # fmt: skip
    assert first.status_code == 201
    second = client.post("/api/v1/networks/proposals", headers=facilitator,
                         json={"company_ids": ids[3:], "min_size": 3, "max_size": 3})  # fmt: skip
    network = second.get_json()["networks"][0]
    assert network["id"] != 1  # its group id differs from its number in the proposal
    page = html(client.get(f"/proposals/{second.get_json()['id']}"))
    assert re.search(r">Netværk 1</a>", page) and f">Netværk {network['id']}</a>" not in page
    assert 'name="in" list="firm-list"' in page and 'type="number" name="in"' not in page
    export = client.get(f"/api/v1/networks/{network['id']}/export?format=json", headers=facilitator)
    assert export.get_json()["networks"][0]["title"] == "Netværk 1"
    assert ">Netværk 1 <small>" in html(client.get(f"/networks/{network['id']}"))
    # Swap in a firm from the other proposal by name; the page says why it cannot in Danish.
    out = network["members"][0]["id"]
    swap = {"out": str(out), "in": firms[0]["name"]}
    answer = client.post(
        f"/networks/{network['id']}/swap?lang=da", data=swap, follow_redirects=True
    )
    assert answer.status_code == 200 and "er byttet ind og låst" in html(answer)
    assert "Ændringerne er gemt." not in html(answer)  # one message, the one that says what
    now = client.get(f"/api/v1/networks/{network['id']}", headers=facilitator).get_json()
    assert firms[0]["id"] in [m["id"] for m in now["members"]]
    # Swapping in a firm that is already a member is refused in Danish, naming the firm.
    member = next(m for m in now["members"] if m["id"] != firms[0]["id"])
    refused = client.post(f"/networks/{network['id']}/swap?lang=da",
                          data={"out": str(firms[0]["id"]), "in": member["name"]},
                          follow_redirects=True)  # fmt: skip
    flashed = re.findall(r'class="flash error">([^<]*)<', html(refused))
    assert flashed == [f"Ind: {member['name']} er allerede med"], flashed


def test_a_firm_page_offers_next_actions_and_keeps_notes(client, facilitator, db):
    firms = register(client, 2)
    page = html(client.get(f"/companies/{firms[0]['id']}"))
    assert f'href="/proposals?around={firms[0]["id"]}#new"' in page
    assert "Sæt aldrig sammen med" in page and 'name="b" list="firm-list"' in page
    assert "Noter" in page and "Ingen noter endnu." in page
    empty = client.post(f"/companies/{firms[0]['id']}/notes", data={"text": "  "},
                        follow_redirects=True)  # fmt: skip
    assert "Noten: må ikke være tom" in html(empty)
    client.post(f"/companies/{firms[0]['id']}/notes", data={"text": "Vil gerne eksportere."})
    page = html(client.get(f"/companies/{firms[0]['id']}"))
    assert "Vil gerne eksportere." in page and "fac@cluster.dk" in page
    assert "Vil gerne eksportere." not in html(client.get(f"/companies/{firms[1]['id']}"))
    back = f"/companies/{firms[0]['id']}"
    never = client.post("/pairs/never", data={"a": firms[0]["name"], "b": firms[1]["name"],
                                              "next": back})  # fmt: skip
    assert never.headers["Location"].endswith(f"/companies/{firms[0]['id']}")
    assert client.post("/companies/999/notes", data={"text": "x"}).status_code == 404
    # A deleted firm takes its notes with it.
    assert client.delete(f"/api/v1/companies/{firms[0]['id']}", headers=facilitator).status_code
    assert db.execute("SELECT count(*) FROM company_notes").fetchone()[0] == 0


def test_questionnaire_answers_are_shown_per_masterclass(client, facilitator, db):
    masterclass = questionnaires.create_masterclass(
        db, {"title": "AI i produktionen", "theme": "AI", "capacity": 8}
    )
    other = questionnaires.create_masterclass(
        db, {"title": "Eksport", "theme": "Eksport", "capacity": 8}
    )
    questionnaires.add_response(db, masterclass["id"], {
        "company": "Fynsk Metal ApS", "employees": 12, "core_business": "Svejsning af stål.",
        "barriers": "Vi mangler data."})  # fmt: skip
    questionnaires.add_response(db, other["id"], {
        "company": "Anden Virksomhed ApS", "core_business": "Salg."})  # fmt: skip
    page = html(client.get(f"/masterclasses/{masterclass['id']}"))
    assert "Fynsk Metal ApS" in page and "Svejsning af stål." in page and "Vi mangler data." in page
    assert "Anden Virksomhed ApS" not in page
    assert "Svar på spørgeskemaet (1 af 8 pladser)" in page
    assert 'data-copy="#questionnaire-link"' in page
    assert f'href="/masterclasses/{masterclass["id"]}"' in html(client.get("/masterclasses"))
    assert client.get("/masterclasses/999").status_code == 404


def test_danish_pages_use_danish_and_plain_words(client, facilitator):
    firms = register(client)
    made = client.post("/api/v1/networks/proposals", headers=facilitator,
                       json={"company_ids": [f["id"] for f in firms], "min_size": 3})  # fmt: skip
    pages = [html(client.get(p)) for p in (
        "/proposals", f"/proposals/{made.get_json()['id']}", "/account", "/masterclasses",
        "/dashboard", f"/companies/{firms[0]['id']}")]  # fmt: skip
    text = " ".join(re.sub(r"<[^>]+>", " ", p) for p in pages)
    for english in ("created", "revoked", "competitor", "Choose", "stored proposals", "auto",
                    "Harmonisk", "Seed", "kongruent", "(id)"):  # fmt: skip
        assert not re.search(rf"(?<!\w){re.escape(english)}(?!\w)", text), english  # a word
    assert "Svageste match" in text and "Samlet match" in text and "Variant" in text
    assert re.search(r"Score \d,\d\d", text) and not re.search(r"Score \d\.\d", text)


def test_english_pages_stay_english(client, facilitator):
    register(client, 3)
    page = html(client.get("/dashboard?lang=en"))
    assert "New registrations" in page and "Nye tilmeldinger" not in page
    assert "Data protection" in html(client.get("/privacy?lang=en"))


@pytest.mark.parametrize(
    "message, danish, english",
    [
        ("already in 2 stored proposals (the limit is 2)",
         "indgår allerede i 2 gemte forslag (grænsen er 2)", None),
        ("is already in 3 stored proposals (the limit is 2)",
         "indgår allerede i 3 gemte forslag (grænsen er 2)", None),
        ("not in the best 2 networks", "ikke med i de 2 bedste netværk", None),
        ("Input should be greater than or equal to 3", "skal være 3 eller derover",
         "must be 3 or more"),
        ("Input should be a valid integer, unable to parse string as an integer",
         "skal være et helt tal", "must be a whole number"),
        ("value is not a valid email address: An email address must have an @-sign.",
         "er ikke en gyldig e-mailadresse", "is not a valid e-mail address"),
        ("must be between 1800 and 2026", "skal være mellem 1800 og 2026", None),
        ("is required", "skal udfyldes", None),
        ("'x1' is not a NACE code: write it as 62.01, 6201 or the six-digit DB07 620100",
         "'x1' er ikke en NACE-kode: skriv den som 62.01, 6201 eller den sekscifrede DB07-kode "
         "620100", None),
    ],
)  # fmt: skip
def test_core_messages_are_worded_from_the_catalogue(app, message, danish, english):
    """Danish pages word the core's messages in Danish; English ones in plain English, not in
    the validation library's words."""
    from web.i18n import error_text

    with app.test_request_context("/?lang=da"):
        assert error_text(message) == danish
    with app.test_request_context("/?lang=en"):
        assert error_text(message) == (english or message)


def test_company_ids_in_messages_become_names(app, client):
    from web.i18n import error_text

    firm = register(client, 1)[0]
    with app.test_request_context("/?lang=da"):
        shown = error_text(f"company {firm['id']} is already a member")
    assert shown == f"{firm['name']} er allerede med"


def test_message_records_of_the_core_are_rendered_in_the_page_language(app):
    from web.i18n import record_text

    record = {"code": "errors.pattern.capped", "n": 2, "limit": 2}
    with app.test_request_context("/?lang=da"):
        assert record_text(record, "ignored") == "indgår allerede i 2 gemte forslag (grænsen er 2)"
        assert record_text({"code": "no.such.code"}, "is required") == "skal udfyldes"
        assert record_text(None, "is required") == "skal udfyldes"
    with app.test_request_context("/?lang=en"):
        assert record_text(record, "ignored") == "is already in 2 stored proposals (the limit is 2)"
