"""The chat over its API: real app, real SQLite, the trained intent model and the real matching."""

from __future__ import annotations

import json

import pytest
from conftest import add_user, company_body, valid_cvr

FIRMS = [
    {
        "name": "Bjerringbro Bageri ApS",
        "region": "Midtjylland",
        "city": "Bjerringbro",
        "sector": "Fødevarer",
        "nace": "10.71",
        "description": "Håndværksbageri med rugbrød og kager til supermarkeder.",
        "offers": "Bagværk og private label brød.",
        "needs": "Emballage til rugbrød og hjælp til eksport til Tyskland.",
    },
    {
        "name": "Grindsted Emballage A/S",
        "region": "Syddanmark",
        "city": "Grindsted",
        "sector": "Emballage",
        "description": "Vi producerer fødevareemballage i genanvendelig plast.",
        "offers": "Bæredygtig emballage og pakkeløsninger til bagerier og mejerier.",
        "needs": "Flere kunder i fødevarebranchen.",
    },
    {
        "name": "Padborg Eksportrådgivning",
        "region": "Syddanmark",
        "city": "Padborg",
        "sector": "Rådgivning",
        "nace": "70.22",
        "description": "Rådgivning om eksport til Tyskland for små fødevarevirksomheder.",
        "offers": "Eksportrådgivning, tyske forhandlere og messer i Tyskland.",
        "needs": "Kunder blandt fødevareproducenter.",
        "markets": ["Tyskland", "Danmark"],
    },
    {
        "name": "Vejen Mejeri",
        "region": "Syddanmark",
        "city": "Vejen",
        "sector": "Fødevarer",
        "nace": "10.51",
        "description": "Mejeri med økologisk ost og yoghurt.",
        "offers": "Økologiske mejeriprodukter.",
        "needs": "Bæredygtig emballage og eksport til Tyskland.",
    },
    {
        "name": "Skive Kølelogistik",
        "region": "Midtjylland",
        "city": "Skive",
        "sector": "Logistik",
        "nace": "52.10",
        "description": "Kølet transport og lager for fødevareproducenter.",
        "offers": "Kølelogistik, distribution og lagerhotel for fødevarer.",
        "needs": "Samarbejde med bagerier og mejerier om distribution.",
    },
    {
        "name": "Hobro Robotteknik ApS",
        "region": "Nordjylland",
        "city": "Hobro",
        "sector": "Robotteknologi",
        "nace": "28.99",
        "description": "Robotceller og automatisering til fødevareindustrien.",
        "offers": "Robotceller, automatisering af pakkelinjer og cobots.",
        "needs": "Kunder i fødevareindustrien.",
    },
    {
        "name": "Ikast Software ApS",
        "region": "Midtjylland",
        "city": "Ikast",
        "sector": "Software",
        "nace": "62.01",
        "description": "Webshops og dataanalyse for produktionsvirksomheder.",
        "offers": "Webshops, ERP-integration og dataanalyse.",
        "needs": "Kunder i industrien.",
    },
    {
        "name": "Ikast Smedie ApS",
        "region": "Midtjylland",
        "city": "Ikast",
        "sector": "Metal",
        "nace": "25.11",
        "description": "Smedeværksted med svejsning og stålkonstruktioner.",
        "offers": "Stålkonstruktioner og svejsning.",
        "needs": "Digitalisering af ordrestyring.",
    },
]


@pytest.fixture(scope="module", autouse=True)
def intent_model():
    """The intent model, built once for the tests (as `make test` does), never by a request."""
    from matchmaker.chat import intents

    intents.ensure_trained()


def register_firms(client, firms: list[dict], first_cvr: int) -> dict[str, int]:
    """Register `firms` through the API (CVRs from `first_cvr` on); their ids by name."""
    stored = {}
    for i, firm in enumerate(firms):
        body = company_body(**firm, cvr=valid_cvr(first_cvr + i),
                            contact_email=f"kontakt{i}@example.dk")  # fmt: skip
        body.setdefault("markets", ["Danmark"])
        answer = client.post("/api/v1/companies", json=body)
        assert answer.status_code == 201, answer.get_json()
        stored[firm["name"]] = answer.get_json()["id"]
    return stored


@pytest.fixture
def firms(client):
    return register_firms(client, FIRMS, 100)


def ask(client, auth, message, session="s1"):
    answer = client.post(
        "/api/v1/chat", json={"session_id": session, "message": message}, headers=auth
    )
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert set(body) == {"reply", "intent", "entities", "cards"}
    return body


def firm_cards(body):
    return [c for c in body["cards"] if c["type"] == "firm"]


def test_partners_in_danish_with_count_and_purpose(client, auth, firms, db):
    body = ask(
        client,
        auth,
        "Find 3 partnere til Bjerringbro Bageri der kan hjælpe med eksport til Tyskland",
    )
    assert body["intent"] == "find_partners"
    assert body["entities"]["firm"] == {
        "id": firms["Bjerringbro Bageri ApS"],
        "name": "Bjerringbro Bageri ApS",
    }
    assert body["entities"]["count"] == 3
    assert body["entities"]["purpose"] == "eksport til Tyskland"
    cards = firm_cards(body)
    assert len(cards) == 3 and body["reply"].startswith("Her er 3 forslag")
    assert firms["Bjerringbro Bageri ApS"] not in {c["id"] for c in cards}
    assert all(c["reasons"] and 0 <= c["score"] <= 1 for c in cards)
    # The purpose steers the ranking: the export adviser comes first.
    assert cards[0]["name"] == "Padborg Eksportrådgivning"
    kinds = {a["kind"] for a in cards[0]["actions"]}
    assert {"explain", "show"} <= kinds
    show = next(a for a in cards[0]["actions"] if a["kind"] == "show")
    assert show["href"] == f"/companies/{cards[0]['id']}"
    rows = db.execute(
        "SELECT session_id, role, text, intent FROM conversations ORDER BY id"
    ).fetchall()
    assert [r[1] for r in rows] == ["user", "bot"]
    assert rows[0][0].endswith(":s1") and rows[0][2].startswith("Find 3 partnere")
    assert rows[1][3] == "find_partners" and rows[1][2] == body["reply"]


def test_firms_that_show_the_purpose_come_first_and_the_reply_says_how_many(client, auth, firms):
    """A facilitator who asks for help with export to Germany gets the firm that offers it
    first, quoted in its own words, and is told that the rest do not mention it."""
    body = ask(
        client, auth, "Find 3 partnere til Vejen Mejeri der kan hjælpe med eksport til Tyskland"
    )
    cards = firm_cards(body)
    assert len(cards) == 3
    assert cards[0]["name"] == "Padborg Eksportrådgivning"
    assert cards[0]["reasons"][0].startswith("Relevant for »eksport til Tyskland«: '")
    assert "Tyskland" in cards[0]["reasons"][0].split(": ", 1)[1]
    shows = [c["reasons"][0].startswith("Relevant for") for c in cards]
    assert shows == sorted(shows, reverse=True)  # every firm showing it before any other
    assert f"Kun {sum(shows)} af dem nævner »eksport til Tyskland«" in body["reply"]
    english = ask(
        client, auth, "find 3 partners for Vejen Mejeri who can help with export to Germany",
        session="e",
    )  # fmt: skip
    cards = firm_cards(english)
    assert cards[0]["name"] == "Padborg Eksportrådgivning"
    shows = [c["reasons"][0].startswith("Relevant to") for c in cards]
    assert shows[0] and shows == sorted(shows, reverse=True)
    assert f"Only {sum(shows)} of them mention" in english["reply"]


def test_follow_ups_keep_the_context(client, auth, firms):
    first = ask(client, auth, "find 4 partnere til Bjerringbro Bageri")
    assert len(firm_cards(first)) == 4
    only = ask(client, auth, "og kun i Syddanmark")
    assert only["intent"] == "find_partners"
    assert only["entities"]["region"] == "Syddanmark"
    assert only["entities"]["firm"]["name"] == "Bjerringbro Bageri ApS"
    cards = firm_cards(only)
    assert cards and all(c["region"] == "Syddanmark" for c in cards)
    second = cards[1]["id"]
    without = ask(client, auth, "uden nummer to")
    assert second not in {c["id"] for c in firm_cards(without)}
    assert second in without["entities"]["excluded"]
    assert without["entities"]["region"] == "Syddanmark"
    why = ask(client, auth, "hvorfor dem?")
    assert why["intent"] == "explain"
    pairs = [c for c in why["cards"] if c["type"] == "pair"]
    assert pairs and all(p["a"]["name"] == "Bjerringbro Bageri ApS" and p["reasons"] for p in pairs)
    more = ask(client, auth, "gør det til fire")
    assert more["entities"]["count"] == 4 and more["entities"]["region"] == "Syddanmark"


def test_english_conversation_is_answered_in_english(client, auth, firms):
    body = ask(client, auth, "find two partners for Hobro Robotteknik", session="en")
    assert body["intent"] == "find_partners" and body["reply"].startswith("Here are 2")
    assert body["entities"]["count"] == 2
    first = firm_cards(body)[0]
    why = ask(client, auth, "why them?", session="en")
    assert why["intent"] == "explain"
    assert why["reply"].startswith("What Hobro Robotteknik ApS and each")
    four = ask(client, auth, "make it four firms", session="en")
    assert four["entities"]["count"] == 4 and len(firm_cards(four)) == 4
    gone = ask(client, auth, "exclude the first one", session="en")
    assert first["id"] not in {c["id"] for c in firm_cards(gone)}


def test_similar_firms(client, auth, firms):
    body = ask(client, auth, "hvilke virksomheder ligner Vejen Mejeri?")
    assert body["intent"] == "similar"
    assert body["entities"]["firm"]["name"] == "Vejen Mejeri"
    assert firm_cards(body) and body["reply"].startswith("Her er")


def test_explain_a_named_pair(client, auth, firms):
    body = ask(client, auth, "hvorfor Bjerringbro Bageri og Grindsted Emballage?")
    assert body["intent"] == "explain"
    pair = body["cards"][0]
    assert pair["type"] == "pair"
    assert {pair["a"]["name"], pair["b"]["name"]} == {
        "Bjerringbro Bageri ApS",
        "Grindsted Emballage A/S",
    }
    assert pair["reasons"]


def test_show_a_firm_and_an_ordinal(client, auth, firms):
    body = ask(client, auth, "vis profilen for Skive Kølelogistik")
    assert body["intent"] == "show"
    card = body["cards"][0]
    assert card["type"] == "profile" and card["name"] == "Skive Kølelogistik"
    assert card["offers"].startswith("Kølelogistik")
    ask(client, auth, "find partnere til Vejen Mejeri")
    listed = firm_cards(ask(client, auth, "find partnere til Vejen Mejeri"))
    second = ask(client, auth, "vis nummer to")
    assert second["cards"][0]["id"] == listed[1]["id"]


def test_similar_names_get_a_clarifying_question(client, auth, firms):
    body = ask(client, auth, "find partnere til Ikast")
    assert body["intent"] == "find_partners"
    assert {c["name"] for c in body["cards"]} == {"Ikast Software ApS", "Ikast Smedie ApS"}
    assert all(c["type"] == "choice" for c in body["cards"])
    assert "?" in body["reply"] and "Ikast Smedie ApS" in body["reply"]
    picked = ask(client, auth, body["cards"][1]["actions"][0]["message"])
    assert picked["intent"] == "find_partners"
    assert picked["entities"]["firm"]["name"] == body["cards"][1]["name"]
    assert firm_cards(picked)


def test_missing_firm_is_asked_for(client, auth, firms):
    body = ask(client, auth, "find nogle partnere")
    assert body["intent"] == "find_partners" and not body["cards"]
    assert "virksomhed" in body["reply"].lower()
    named = ask(client, auth, "Grindsted Emballage")
    assert named["intent"] == "find_partners"
    assert named["entities"]["firm"]["name"] == "Grindsted Emballage A/S"
    assert firm_cards(named)


def test_export_of_a_partner_list(client, auth, firms, db):
    listed = firm_cards(ask(client, auth, "find 3 partnere til Vejen Mejeri"))
    body = ask(client, auth, "eksporter listen som csv")
    assert body["intent"] == "export" and body["entities"]["format"] == "csv"
    card = body["cards"][0]
    assert card["type"] == "export" and card["target"]["ids"] == [c["id"] for c in listed]
    href = card["actions"][0]["href"]
    download = client.get(href, headers=auth)
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    text = download.get_data(as_text=True)
    assert all(c["name"] in text for c in listed)
    assert db.execute("SELECT count(*) FROM export_log").fetchone()[0] == 1


def test_networks_in_a_region_with_review_and_export_actions(client, auth, firms, app):
    body = ask(client, auth, "foreslå netværk i Midtjylland")
    assert body["intent"] == "propose_networks"
    assert body["entities"]["region"] == "Midtjylland"
    networks = [c for c in body["cards"] if c["type"] == "network"]
    assert networks, body["reply"]
    in_region = {f["name"] for f in FIRMS if f["region"] == "Midtjylland"}
    assert {m["name"] for n in networks for m in n["members"]} <= in_region
    assert all(3 <= len(n["members"]) <= 5 for n in networks)
    saved = network_cards(ask(client, auth, "gem"))
    assert [c["members"] for c in saved] == [c["members"] for c in networks]
    actions = {a["kind"]: a for a in saved[0]["actions"]}
    assert actions["explain"]["message"]
    if "api.accept_network" in app.view_functions:
        answer = client.post(actions["accept"]["href"], headers=auth)
        assert answer.get_json()["status"] == "accepted"
    if "api.export_network" in app.view_functions:
        pdf = next(link for link in actions["export"]["links"] if link["format"] == "pdf")
        download = client.get(pdf["href"], headers=auth)
        assert download.status_code == 200 and download.data.startswith(b"%PDF")
    why = ask(client, auth, "forklar nummer 1")
    assert why["intent"] == "explain" and why["cards"][0]["type"] == "explanation"
    four = ask(client, auth, "make it four firms")
    assert four["intent"] == "propose_networks" and four["entities"]["size"] == 4
    assert four["entities"]["region"] == "Midtjylland"
    # A new request starts afresh: no region carried over.
    food = ask(client, auth, "propose networks for food companies")
    assert food["entities"]["sector"] == "fødevarer" and "region" not in food["entities"]


def test_help_and_other(client, auth, firms):
    help_ = ask(client, auth, "hej, hvad kan du?")
    assert help_["intent"] == "help" and "partnere" in help_["reply"]
    assert help_["entities"] == {} and help_["cards"] == []
    other = ask(client, auth, "what's the weather like in Paris?")
    assert other["intent"] == "other" and "Sorry" in other["reply"]


def test_small_talk_gets_its_answer_and_how_to_questions_get_help(client, auth, firms):
    greeting = ask(client, auth, "hej med dig igen", session="small")
    assert greeting["intent"] == "other" and "partnere" in greeting["reply"]  # the help text
    assert ask(client, auth, "thanks a million", session="small")["reply"].startswith("You're")
    assert ask(client, auth, "farvel for nu", session="small")["reply"].startswith("Farvel")
    assert greeting["cards"] == [] and greeting["entities"] == {}
    # A question about a feature is help, not the feature itself.
    how = ask(client, auth, "hvordan gemmer jeg et netværksforslag?", session="how")
    assert how["intent"] == "help" and how["cards"] == []
    formats = ask(client, auth, "hvilke filformater kan jeg hente listerne i?", session="how")
    assert formats["intent"] == "help"


def test_sessions_are_kept_per_facilitator(client, auth, runner, firms):
    ask(client, auth, "find partnere til Vejen Mejeri", session="shared")
    other = {"Authorization": "Bearer " + add_user(runner, "anden@example.dk")}
    body = ask(client, other, "og kun i Syddanmark", session="shared")
    assert "firm" not in body["entities"]  # the other facilitator's context is not visible


def test_history_returns_the_session(client, auth, firms):
    ask(client, auth, "hej", session="h")
    ask(client, auth, "find partnere til Vejen Mejeri", session="h")
    items = client.get("/api/v1/chat/history?session_id=h", headers=auth).get_json()["items"]
    assert [i["role"] for i in items] == ["user", "bot", "user", "bot"]
    assert items[2]["text"] == "find partnere til Vejen Mejeri" and items[3]["cards"]


def test_user_text_is_returned_as_text(client, auth, firms):
    evil = '<img src=x onerror="alert(1)">'
    body = ask(client, auth, f"find partnere til {evil}")
    assert "<img" not in body["reply"]
    stored = client.get("/api/v1/chat/history?session_id=s1", headers=auth).get_json()
    assert stored["items"][0]["text"] == f"find partnere til {evil}"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"message": "hej"}, "session_id"),
        ({"session_id": "s"}, "message"),
        ({"session_id": "s", "message": ""}, "message"),
        ({"session_id": "s", "message": "   "}, "message"),
        ({"session_id": 7, "message": "hej"}, "session_id"),
        ({"session_id": "s", "message": ["hej"]}, "message"),
        ({"session_id": "s", "message": "hej", "extra": 1}, "extra"),
        ({"session_id": "s", "message": "x" * 2001}, "message"),
        ({"session_id": "", "message": "hej"}, "session_id"),
    ],
)
def test_bad_requests_are_422(client, auth, payload, field):
    answer = client.post("/api/v1/chat", json=payload, headers=auth)
    assert answer.status_code == 422
    assert field in answer.get_json()["fields"]


def test_body_and_access_errors(client, auth, firms):
    assert client.post("/api/v1/chat", data="hej", headers=auth).status_code == 415
    bad = client.post("/api/v1/chat", data="{", content_type="application/json", headers=auth)
    assert bad.status_code == 400
    assert client.post("/api/v1/chat", json=["hej"], headers=auth).status_code == 422
    assert (
        client.post("/api/v1/chat", json={"session_id": "s", "message": "hej"}).status_code == 401
    )
    created = client.post("/api/v1/companies", json=company_body(cvr=valid_cvr(300))).get_json()
    own = {"Authorization": f"Bearer {created['edit_token']}"}
    answer = client.post("/api/v1/chat", json={"session_id": "s", "message": "hej"}, headers=own)
    assert answer.status_code == 403
    assert client.get("/api/v1/chat", headers=auth).status_code == 405


def test_page_needs_a_facilitator_login(client, runner):
    assert client.get("/chat").status_code == 302
    add_user(runner, "chat@example.dk", password="hemmeligt-ord")
    client.post("/login", data={"email": "chat@example.dk", "password": "hemmeligt-ord"})
    page = client.get("/chat")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="chat-form"' in html and "chat.js" in html and "<script>" not in html
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    answer = client.post("/api/v1/chat", json={"session_id": "web", "message": "hej"})
    assert answer.status_code == 200 and "partnere" in answer.get_json()["reply"]  # a greeting


def test_page_script_never_writes_html(app):
    script = app.static_folder and open(f"{app.static_folder}/chat.js", encoding="utf-8").read()
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script
    assert "textContent" in script


def test_openapi_documents_the_chat(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert "post" in doc["paths"]["/chat"]
    schema = doc["components"]["schemas"]["ChatIn"]
    assert set(schema["required"]) == {"session_id", "message"}
    assert json.dumps(schema).count("2000") >= 1


ANSWERS = [
    (
        "Odder Bryghus",
        "Vi brygger øl og vil bruge AI til at forudsige salg.",
        "Vi har testet et dashboard.",
    ),
    (
        "Lemvig Lakrids",
        "Lakridsproduktion; AI skal planlægge produktionen.",
        "Ingen erfaring endnu.",
    ),
    (
        "Thisted Tekstil",
        "Tekstiltryk; AI til kvalitetskontrol med kamera.",
        "Pilotprojekt med kamera.",
    ),
    (
        "Hammel Hydraulik",
        "Hydrauliske systemer; AI til vedligehold.",
        "Vi har data fra sensorer i drift.",
    ),
    (
        "Ry Revision",
        "Revision og bogføring; AI til automatisk bilagsbehandling.",
        "Bruger et værktøj dagligt.",
    ),
    ("Egtved Elektro", "El-installationer; AI til tilbudsgivning.", "Har kun hørt om det."),
    ("Nibe Nødder", "Nøddeproduktion; AI til sortering af råvarer.", "Ingen erfaring."),
    ("Tarm Trælast", "Trælast og byggematerialer; AI til lagerstyring.", "Har prøvet ChatGPT."),
]


def test_cohorts_for_a_masterclass(client, auth, firms):
    created = client.post(
        "/api/v1/masterclasses",
        json={
            "title": "Kunstig intelligens i drift",
            "theme": "AI i små virksomheder",
            "capacity": 20,
        },
        headers=auth,
    ).get_json()
    other = client.post(
        "/api/v1/masterclasses",
        json={"title": "Grøn omstilling", "theme": "CO2-regnskab og energi", "capacity": 20},
        headers=auth,
    ).get_json()
    for company, core, experience in ANSWERS:
        answer = client.post(
            f"/api/v1/masterclasses/{created['id']}/responses",
            json={"company": company, "core_business": core, "experience": experience},
        )
        assert answer.status_code == 201
    which = ask(client, auth, "lav hold til masterclassen", session="mc")
    assert which["intent"] == "propose_cohorts"
    assert {c["name"] for c in which["cards"]} == {"Kunstig intelligens i drift", "Grøn omstilling"}
    body = ask(client, auth, "Kunstig intelligens i drift", session="mc")
    assert body["intent"] == "propose_cohorts", body["reply"]
    assert body["entities"]["masterclass"] == {
        "id": created["id"],
        "title": "Kunstig intelligens i drift",
    }
    cohorts = [c for c in body["cards"] if c["type"] == "cohort"]
    assert cohorts, body["reply"]
    assert sum(len(c["members"]) for c in cohorts) == len(ANSWERS)
    two = ask(client, auth, "lav 2 hold", session="mc")
    assert two["intent"] == "propose_cohorts"
    assert len([c for c in two["cards"] if c["type"] == "cohort"]) == 2
    english = ask(client, auth, "split the AI masterclass into cohorts", session="mc-en")
    assert english["entities"]["masterclass"]["id"] == created["id"]
    assert other["id"] != created["id"]


# -- review fixes ---------------------------------------------------------------------------------


def network_cards(body):
    return [c for c in body["cards"] if c["type"] == "network"]


def test_a_network_named_by_several_firms_is_built_on_all_of_them(client, auth, firms, app):
    app.config["MAX_PROPOSALS_PER_FIRM"] = 10  # the firms return in several proposals here
    named = ["Bjerringbro Bageri ApS", "Grindsted Emballage A/S", "Vejen Mejeri",
             "Skive Kølelogistik"]  # fmt: skip
    body = ask(
        client,
        auth,
        "Foreslå et netværk med Bjerringbro Bageri, Grindsted Emballage, Vejen Mejeri og "
        "Skive Kølelogistik",
    )
    assert body["intent"] == "propose_networks", body["reply"]
    assert [f["name"] for f in body["entities"]["firms"]] == named
    networks = network_cards(body)
    assert networks, body["reply"]
    assert set(named) <= {m["name"] for m in networks[0]["members"]}
    # A new message naming other firms replaces the last turn's firms.
    ask(client, auth, "find partnere til Hobro Robotteknik")
    again = ask(client, auth, "foreslå et netværk med Ikast Software, Ikast Smedie og Vejen Mejeri")
    assert again["intent"] == "propose_networks", again["reply"]
    assert {f["name"] for f in again["entities"]["firms"]} == {
        "Ikast Software ApS", "Ikast Smedie ApS", "Vejen Mejeri"}  # fmt: skip
    members = {m["name"] for m in network_cards(again)[0]["members"]}
    assert {"Ikast Software ApS", "Ikast Smedie ApS", "Vejen Mejeri"} <= members
    # An unclear name among them is asked about; the answer joins the others.
    which = ask(client, auth, "foreslå et netværk med Ikast, Vejen Mejeri og Hobro Robotteknik")
    choices = [c for c in which["cards"] if c["type"] == "choice"]
    assert {c["name"] for c in choices} == {"Ikast Software ApS", "Ikast Smedie ApS"}
    picked = ask(client, auth, choices[0]["actions"][0]["message"])
    assert picked["intent"] == "propose_networks", picked["reply"]
    members = {m["name"] for m in network_cards(picked)[0]["members"]}
    assert {choices[0]["name"], "Vejen Mejeri", "Hobro Robotteknik ApS"} <= members


def test_a_named_firm_that_cannot_be_placed_is_reported(client, auth, firms, app):
    app.config["MAX_PROPOSALS_PER_FIRM"] = 1
    ask(
        client,
        auth,
        "foreslå et netværk med Bjerringbro Bageri, Vejen Mejeri og Skive Kølelogistik",
    )
    assert ask(client, auth, "gem")["intent"] == "save"
    body = ask(
        client,
        auth,
        "foreslå et netværk med Bjerringbro Bageri, Hobro Robotteknik, Ikast Software og "
        "Ikast Smedie",
    )
    members = {m["name"] for c in network_cards(body) for m in c["members"]}
    assert "Bjerringbro Bageri ApS" not in members
    # Never dropped in silence: the reply names the firm and says why, in Danish.
    assert "Bjerringbro Bageri ApS" in body["reply"], body["reply"]
    assert "gemte forslag" in body["reply"] and "already" not in body["reply"]


def test_capped_firms_are_explained_in_the_reply_language(client, auth, firms, app):
    app.config["MAX_PROPOSALS_PER_FIRM"] = 1
    first = ask(client, auth, "foreslå netværk i Midtjylland")
    assert network_cards(first), first["reply"]
    saved = ask(client, auth, "gem forslaget")
    assert saved["intent"] == "save" and network_cards(saved), saved["reply"]
    body = ask(client, auth, "foreslå netværk i Midtjylland")
    assert not network_cards(body)
    reply = body["reply"]
    assert reply.startswith("Jeg kunne ikke danne netværk i Midtjylland"), reply
    assert "already in" not in reply and "the limit is" not in reply
    assert "grænsen er 1" in reply and "/proposals" in reply and "kassér" in reply
    notice = next(c for c in body["cards"] if c["type"] == "notice")
    assert notice["actions"][0]["href"] == "/proposals"
    english = ask(client, auth, "propose networks in Central Jutland", session="en")
    assert "the limit is 1" in english["reply"] and "discard" in english["reply"]


def test_language_is_read_without_the_firm_names(client, auth, firms):
    body = ask(client, auth, "Find partners for Skive Kølelogistik", session="lang")
    assert body["intent"] == "find_partners"
    assert body["reply"].startswith("Here are"), body["reply"]
    card = firm_cards(body)[0]
    assert card["lang"] == "en" and card["actions"][0]["label"] == "Why?"
    danish = ask(client, auth, "Find partnere til Skive Kølelogistik", session="lang-da")
    assert danish["reply"].startswith("Her er")


def test_a_common_word_is_no_firm_candidate(client, auth, firms):
    body = company_body(
        name="Synsvinkel Vision A/S", cvr=valid_cvr(400), contact_email="syn@example.dk",
        region="Midtjylland", description="Kamerasystemer til kvalitetskontrol.",
    )  # fmt: skip
    assert client.post("/api/v1/companies", json=body).status_code == 201
    answer = ask(client, auth, "Which companies work with machine vision?", session="vision")
    assert not [c for c in answer["cards"] if c["type"] == "choice"], answer["reply"]
    assert "Synsvinkel" not in answer["reply"]


def test_a_new_partner_request_resets_the_similar_mode(client, auth, firms):
    similar = ask(client, auth, "hvilke virksomheder ligner Vejen Mejeri?")
    assert similar["intent"] == "similar"
    listed = firm_cards(similar)
    body = ask(client, auth, "find partnere til Bjerringbro Bageri uden nummer to")
    assert body["intent"] == "find_partners", body["reply"]
    assert body["entities"]["firm"]["name"] == "Bjerringbro Bageri ApS"
    if listed[1]["id"] != firms["Bjerringbro Bageri ApS"]:
        assert listed[1]["id"] in body["entities"]["excluded"]
        assert listed[1]["id"] not in {c["id"] for c in firm_cards(body)}


def test_a_number_after_masterclass_names_the_masterclass(client, auth, firms):
    first = client.post(
        "/api/v1/masterclasses",
        json={"title": "Kunstig intelligens i drift", "theme": "AI", "capacity": 20},
        headers=auth,
    ).get_json()
    second = client.post(
        "/api/v1/masterclasses",
        json={"title": "Grøn omstilling", "theme": "CO2-regnskab", "capacity": 20},
        headers=auth,
    ).get_json()
    for company, core, experience in ANSWERS:
        client.post(
            f"/api/v1/masterclasses/{second['id']}/responses",
            json={"company": company, "core_business": core, "experience": experience},
        )
    body = ask(client, auth, f"Lav hold til masterclass {second['id']}", session="mc-n")
    assert body["intent"] == "propose_cohorts"
    assert body["entities"]["masterclass"]["id"] == second["id"], body["reply"]
    assert "count" not in body["entities"]
    assert [c for c in body["cards"] if c["type"] == "cohort"], body["reply"]
    assert first["id"] != second["id"]


def test_the_app_cap_on_proposals_per_firm_reaches_the_networks(client, auth, firms, app,
                                                                monkeypatch):  # fmt: skip
    from matchmaker.grouping import networks

    seen = []
    real = networks.plan

    def spy(db, data, **kwargs):
        seen.append(kwargs.get("max_per_firm"))
        return real(db, data, **kwargs)

    monkeypatch.setattr(networks, "plan", spy)
    app.config["MAX_PROPOSALS_PER_FIRM"] = 7
    body = ask(client, auth, "foreslå netværk i Midtjylland")
    assert network_cards(body) and seen == [7]


# -- issue 13: the conversation follows the facilitator ------------------------------------------


def stored_proposals(db) -> int:
    return db.execute("SELECT count(*) FROM proposals").fetchone()[0]


def test_a_new_firm_starts_a_fresh_request(client, auth, firms):
    ask(client, auth, "find 2 partnere til Vejen Mejeri i Syddanmark der kan hjælpe med eksport")
    fresh = ask(client, auth, "find partnere til Hobro Robotteknik")
    assert fresh["entities"]["firm"]["name"] == "Hobro Robotteknik ApS"
    assert "region" not in fresh["entities"] and "purpose" not in fresh["entities"]
    assert len(firm_cards(fresh)) == 5
    # A request without a firm of its own is not answered for the last firm.
    other = ask(client, auth, "hvem har brug for kompost?")
    assert not firm_cards(other), other["reply"]


def test_off_topic_gets_a_polite_refusal_in_the_users_language(client, auth, firms):
    ask(client, auth, "find partnere til Vejen Mejeri", session="w")
    weather = ask(client, auth, "bliver det regnvejr i Skive på fredag?", session="w")
    assert weather["intent"] == "other" and not weather["cards"]
    assert weather["reply"].startswith("Det kan jeg desværre ikke") and "»find" in weather["reply"]
    english = ask(client, auth, "will it be sunny in Vejen on Friday?", session="w-en")
    assert english["intent"] == "other" and english["reply"].startswith("Sorry")


def test_a_mistyped_name_gets_a_suggestion_to_accept(client, auth, firms):
    body = ask(client, auth, "find partnere til Hobr Robtek", session="typo")
    assert body["reply"] == "Mente du Hobro Robotteknik ApS?"
    choice = body["cards"][0]
    assert choice["type"] == "choice" and choice["actions"][0]["label"] == "Ja"
    yes = ask(client, auth, "ja", session="typo")
    assert yes["intent"] == "find_partners"
    assert yes["entities"]["firm"]["name"] == "Hobro Robotteknik ApS" and firm_cards(yes)


def test_a_name_that_begins_with_a_common_word_is_found(client, auth, firms):
    body = company_body(
        name="Alt i Træ ApS", cvr=valid_cvr(300), contact_email="alt@example.dk",
        region="Midtjylland", description="Snedkeri med køkkener og trapper i egetræ.",
        offers="Køkkener og trapper.", needs="Kunder blandt byggefirmaer.",
    )  # fmt: skip
    assert client.post("/api/v1/companies", json=body).status_code == 201
    found = ask(client, auth, "find partnere til Alt i Træ", session="alt")
    assert found["entities"]["firm"]["name"] == "Alt i Træ ApS", found["reply"]
    lower = ask(client, auth, "vis profilen for alt i træ", session="alt2")
    assert lower["cards"][0]["name"] == "Alt i Træ ApS"


def test_network_proposals_are_previews_until_saved(client, auth, firms, db):
    body = ask(client, auth, "foreslå netværk i Midtjylland", session="p")
    cards = network_cards(body)
    assert cards and all(c["status"] == "preview" and c["id"] is None for c in cards)
    assert "gem" in body["reply"] and stored_proposals(db) == 0
    # Asking again costs nothing: no firm reaches its cap by exploring.
    for _ in range(3):
        again = ask(client, auth, "foreslå netværk i Midtjylland", session="p")
        assert network_cards(again) and stored_proposals(db) == 0
    assert {a["kind"] for a in cards[0]["actions"]} >= {"save", "explain"}
    saved = ask(client, auth, cards[0]["actions"][1]["message"], session="p")
    assert saved["intent"] == "save" and stored_proposals(db) == 1
    stored = network_cards(saved)
    assert [c["members"] for c in stored] == [c["members"] for c in cards]
    assert all(c["id"] and c["status"] == "proposed" for c in stored)
    assert {"accept", "reject", "export"} <= {a["kind"] for a in stored[0]["actions"]}
    # A failed attempt is never stored.
    failed = ask(client, auth, "foreslå netværk af fødevarevirksomheder i Nordjylland", "p2")
    assert not network_cards(failed)
    assert ask(client, auth, "gem", session="p2")["intent"] == "save"
    assert stored_proposals(db) == 1


def test_a_theme_is_kept_and_the_matches_are_counted(client, auth, firms):
    body = ask(client, auth, "lav netværk om fødevarer og emballage i hele landet", session="t")
    assert body["intent"] == "propose_networks"
    assert body["entities"]["theme"] == "fødevarer og emballage", body["entities"]
    assert "matchede emnet" in body["reply"] and network_cards(body)
    food = ask(client, auth, "foreslå netværk af fødevarevirksomheder", session="t2")
    food_firms = {f["name"] for f in FIRMS if "føde" in (f["description"] + f["sector"]).lower()}
    members = {m["name"] for c in network_cards(food) for m in c["members"]}
    assert members and members <= food_firms, members
    assert "Ikast Software ApS" not in members


def test_lists_are_sorted_by_score(client, auth, firms):
    cards = firm_cards(
        ask(client, auth, "find 5 partnere til Vejen Mejeri der kan hjælpe med eksport")
    )
    scores = [c["score"] for c in cards]
    assert scores == sorted(scores, reverse=True) and [c["ordinal"] for c in cards] == [
        1,
        2,
        3,
        4,
        5,
    ]
    networks = network_cards(ask(client, auth, "foreslå netværk med 3 firmaer", session="s"))
    net_scores = [c["score"] for c in networks]
    assert net_scores == sorted(net_scores, reverse=True)


def test_why_them_explains_something_new(client, auth, firms):
    listed = firm_cards(ask(client, auth, "find 3 partnere til Bjerringbro Bageri", session="y"))
    why = ask(client, auth, "hvad ligger bag forslagene?", session="y")
    assert why["intent"] == "explain"
    pairs = [c for c in why["cards"] if c["type"] == "pair"]
    assert {p["b"]["id"] for p in pairs} == {c["id"] for c in listed}
    assert all(p["brings"][0]["offers"] for p in pairs)  # what each firm brings: new
    nets = ask(client, auth, "foreslå netværk i Midtjylland", session="y")
    shown = network_cards(nets)[0]
    explained = ask(client, auth, "hvorfor dem?", session="y")
    card = explained["cards"][0]
    assert card["type"] == "explanation" and card["title"] == shown["title"]
    n = len(shown["members"])
    assert len(card["pairs"]) == n * (n - 1) // 2
    assert [p["score"] for p in card["pairs"]] == sorted(
        (p["score"] for p in card["pairs"]), reverse=True
    )
    assert {b["name"] for b in card["brings"]} == {m["name"] for m in shown["members"]}


def test_follow_ups_that_inherit(client, auth, firms, db):
    # Narrowing proposed networks to a region with a question.
    ask(client, auth, "foreslå netværk for fødevarevirksomheder", session="f1")
    narrowed = ask(client, auth, "hvilke af dem ligger i Syddanmark?", session="f1")
    assert narrowed["intent"] == "propose_networks", narrowed["reply"]
    assert narrowed["entities"]["region"] == "Syddanmark"
    assert narrowed["entities"]["sector"] == "fødevarer"
    # Why a firm just shown fits with another firm named now.
    ask(client, auth, "vis Skive Kølelogistik", session="f2")
    pair = ask(client, auth, "hvorfor passer den med Vejen Mejeri?", session="f2")
    assert pair["intent"] == "explain"
    assert {pair["cards"][0]["a"]["name"], pair["cards"][0]["b"]["name"]} == {
        "Skive Kølelogistik", "Vejen Mejeri"}  # fmt: skip


def test_cohort_follow_ups_change_the_number_and_the_format(client, auth, firms, db):
    created = client.post(
        "/api/v1/masterclasses",
        json={"title": "Kunstig intelligens i drift", "theme": "AI", "capacity": 20},
        headers=auth,
    ).get_json()
    for company, core, experience in ANSWERS:
        client.post(
            f"/api/v1/masterclasses/{created['id']}/responses",
            json={"company": company, "core_business": core, "experience": experience},
        )
    first = ask(client, auth, "lav hold til masterclassen om kunstig intelligens", session="c")
    assert [c for c in first["cards"] if c["type"] == "cohort"], first["reply"]
    assert stored_proposals(db) == 0
    three = ask(client, auth, "kan vi få tre hold i stedet?", session="c")
    assert three["intent"] == "propose_cohorts", three["reply"]
    assert len([c for c in three["cards"] if c["type"] == "cohort"]) == 3
    exported = ask(client, auth, "eksportér holdene fra AI-masterclassen som pdf", session="c")
    assert exported["intent"] == "export", exported["reply"]
    # A draft is saved before it is exported: the export stores nothing.
    assert stored_proposals(db) == 0 and "gem" in exported["reply"], exported["reply"]
    assert ask(client, auth, "gem", session="c")["intent"] == "save"
    exported = ask(client, auth, "eksportér holdene fra AI-masterclassen som pdf", session="c")
    target = exported["cards"][0]["target"]
    assert target["kind"] == "cohort_proposal" and stored_proposals(db) == 1
    again = ask(client, auth, "og som regneark", session="c")
    assert again["intent"] == "export" and again["cards"][0]["target"] == target
    assert again["cards"][0]["format"] == "xlsx"
    download = client.get(again["cards"][0]["actions"][0]["href"], headers=auth)
    assert download.status_code == 200 and download.data[:2] == b"PK"


def test_a_missing_intent_model_is_a_clear_error_not_a_training_run(
    client, auth, firms, monkeypatch, tmp_path
):
    from matchmaker.chat import intents

    monkeypatch.setattr(intents, "MODEL_PATH", tmp_path / "none.joblib")
    answer = client.post("/api/v1/chat", json={"session_id": "m", "message": "hej"}, headers=auth)
    assert answer.status_code == 503
    assert "train-intents" in answer.get_json()["error"]
    assert not (tmp_path / "none.joblib").exists()


def test_exporting_a_draft_asks_to_save_it_first(client, auth, firms, db):
    previewed = network_cards(ask(client, auth, "foreslå netværk i Midtjylland", session="e"))
    assert previewed and stored_proposals(db) == 0
    body = ask(client, auth, "gem dem som csv", session="e")
    assert body["intent"] == "export" and "gem" in body["reply"], body["reply"]
    assert stored_proposals(db) == 0 and body["cards"][0]["actions"][0]["kind"] == "save"
    saved = ask(client, auth, body["cards"][0]["actions"][0]["message"], session="e")
    assert saved["intent"] == "save" and stored_proposals(db) == 1
    body = ask(client, auth, "gem dem som csv", session="e")
    assert body["intent"] == "export" and body["cards"][0]["format"] == "csv", body["reply"]
    assert body["cards"][0]["target"]["kind"] == "network_proposal"
    assert stored_proposals(db) == 1
    second = ask(client, auth, "eksportér nummer 1 som pdf", session="e")
    assert second["cards"][0]["target"]["kind"] == "network" and stored_proposals(db) == 1
    pdf = client.get(second["cards"][0]["actions"][0]["href"], headers=auth)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_follow_ups_point_back_at_the_firm_shown(client, auth, firms):
    ask(client, auth, "find virksomheder der ligner Ikast Smedie", session="back")
    shown = ask(client, auth, "vis Vejen Mejeri", session="back")
    assert shown["intent"] == "show"
    alike = ask(client, auth, "hvem ligner dem?", session="back")
    assert alike["intent"] == "similar" and alike["entities"]["firm"]["name"] == "Vejen Mejeri"
    assert firm_cards(alike)
    partners = ask(client, auth, "find partnere til dem i Syddanmark", session="back")
    assert partners["intent"] == "find_partners"
    assert partners["entities"]["firm"]["name"] == "Vejen Mejeri"
    assert partners["entities"]["region"] == "Syddanmark"


def test_another_firm_instead_keeps_the_request(client, auth, firms):
    ask(client, auth, "hvem ligner Vejen Mejeri i Midtjylland?", session="instead")
    other = ask(client, auth, "hvad med Grindsted Emballage i stedet?", session="instead")
    assert other["intent"] == "similar"
    assert other["entities"]["firm"]["name"] == "Grindsted Emballage A/S"
    assert other["entities"]["region"] == "Midtjylland"


def test_list_follow_ups_export_cap_and_filter(client, auth, firms):
    for i, name in enumerate(("PK Rådgivning", "Syddanmark Emballage ApS")):
        body = company_body(name=name, region="Syddanmark", cvr=valid_cvr(300 + i))
        assert client.post("/api/v1/companies", json=body).status_code == 201
    first = ask(client, auth, "find partnere til Vejen Mejeri", session="list")
    assert len(firm_cards(first)) == 5
    capped = ask(client, auth, "max 3", session="list")
    assert capped["intent"] == "find_partners" and len(firm_cards(capped)) == 3
    # A place is no half of a firm's name, nor a sector word a shortened one.
    region = ask(client, auth, "kun i Region Syddanmark", session="list")
    assert region["intent"] == "find_partners" and region["entities"]["region"] == "Syddanmark"
    assert region["entities"]["firm"]["name"] == "Vejen Mejeri" and firm_cards(region)
    sector = ask(client, auth, "kun rådgivning", session="list")
    assert sector["entities"]["firm"]["name"] == "Vejen Mejeri"
    assert sector["entities"]["sector"] == "rådgivning"
    exported = ask(client, auth, "eksportér til pdf", session="list")
    assert exported["intent"] == "export" and exported["entities"]["format"] == "pdf"


def test_flags_are_written_in_the_readers_language(client, auth, firms):
    twin = company_body(
        name="Vejen Ostemejeri",
        region="Syddanmark",
        city="Vejen",
        sector="Fødevarer",
        nace="10.51",
        description="Mejeri med økologisk ost og yoghurt.",
        offers="Økologiske mejeriprodukter.",
        needs="Bæredygtig emballage og eksport til Tyskland.",
        cvr=valid_cvr(400),
    )
    assert client.post("/api/v1/companies", json=twin).status_code == 201
    body = ask(client, auth, "hvem ligner Vejen Mejeri?", session="flags")
    flagged = [c for c in firm_cards(body) if c["flags"]]
    assert flagged, body["cards"]
    for card in flagged:
        assert len(card["flag_labels"]) == len(card["flags"])
        if "competitor" in card["flags"]:
            assert "mulig konkurrent" in card["flag_labels"]
