"""End to end in a real headless Chromium (Debian's, driven by Playwright) against the real app
served by a real server: register a firm, log in, ask the chat, follow up, explain, export."""

from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from conftest import add_user, company_body, valid_cvr

CHROMIUM = os.environ.get("MATCHMAKER_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SCREENSHOTS = Path(os.environ.get("MATCHMAKER_SCREENSHOTS", "/tmp"))
TIMEOUT_MS = 120_000  # the first answer loads the sentence model

pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() or shutil.which("chromium")),
    reason="Debian's chromium is not installed (make browser installs it)",
)

PASSWORD = "et-langt-kodeord"
OTHERS = [
    {
        "name": "Silkeborg Emballage ApS",
        "region": "Midtjylland",
        "city": "Silkeborg",
        "sector": "Emballage",
        "nace": "22.22",
        "description": "Fødevareemballage i genanvendelig pap og plast.",
        "offers": "Bæredygtig emballage til kaffe, te og bagværk.",
        "needs": "Kunder blandt fødevareproducenter.",
    },
    {
        "name": "Kolding Eksportpartner",
        "region": "Syddanmark",
        "city": "Kolding",
        "sector": "Rådgivning",
        "nace": "70.22",
        "description": "Rådgivning om eksport til Tyskland for små fødevarevirksomheder.",
        "offers": "Eksportrådgivning, tyske forhandlere og messer i Tyskland.",
        "needs": "Kunder blandt fødevareproducenter.",
        "markets": ["Tyskland"],
    },
    {
        "name": "Viborg Køletransport",
        "region": "Midtjylland",
        "city": "Viborg",
        "sector": "Logistik",
        "nace": "49.41",
        "description": "Kølet transport og lager for fødevarer.",
        "offers": "Distribution af fødevarer og lagerhotel.",
        "needs": "Samarbejde med kaffe- og fødevareproducenter.",
    },
    {
        "name": '<img src=x onerror="window.__xss=1"> Data ApS',
        "region": "Midtjylland",
        "city": "Aarhus",
        "sector": "Software",
        "nace": "62.01",
        "description": "Webshops og dataanalyse for fødevareproducenter og kafferisterier.",
        "offers": "Webshop til salg af kaffe og dataanalyse af salg.",
        "needs": "Kunder blandt kafferisterier.",
    },
    {
        "name": "Herning Maskinteknik",
        "region": "Midtjylland",
        "city": "Herning",
        "sector": "Metal",
        "nace": "28.29",
        "description": "Maskiner til pakning og ristning af kaffe.",
        "offers": "Pakkemaskiner og service af kafferistere.",
        "needs": "Kunder i fødevareindustrien.",
    },
]


@pytest.fixture(scope="module", autouse=True)
def intent_model():
    """The chat's intent model, built before the server answers (never inside a request)."""
    from matchmaker.chat import intents

    intents.ensure_trained()


@pytest.fixture
def server(app):
    from werkzeug.serving import make_server

    app.config.update(WTF_CSRF_ENABLED=True, SERVER_NAME=None, TESTING=False)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


BOT = "#chat-log .msg.bot:not(.intro):not(.thinking)"


def login(page, server: str) -> None:
    """Log the test facilitator in through the login form."""
    page.goto(f"{server}/login")
    page.fill("input[name=email]", "facilitator@example.dk")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.card button")


def _bot_messages(page):
    return page.locator(BOT)


def _ask(page, text: str):
    """Type a message, send it with Enter, and wait for the answer it gets."""
    before = _bot_messages(page).count()
    page.fill("#chat-input", text)
    page.press("#chat-input", "Enter")
    page.wait_for_function(
        f"n => document.querySelectorAll({BOT!r}).length > n",
        arg=before,
        timeout=TIMEOUT_MS,
    )
    return _bot_messages(page).nth(before)


def test_register_ask_follow_up_explain_and_export(app, server, browser, runner):
    client = app.test_client()
    for i, firm in enumerate(OTHERS):
        body = company_body(**firm, cvr=valid_cvr(500 + i), contact_email=f"k{i}@example.dk")
        body.setdefault("markets", ["Danmark"])
        assert client.post("/api/v1/companies", json=body).status_code == 201
    add_user(runner, "facilitator@example.dk", password=PASSWORD)

    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    # A firm registers through the web form.
    page.goto(f"{server}/register")
    page.fill("input[name=name]", "Aarhus Kafferisteri ApS")
    page.select_option("select[name=region]", "Midtjylland")
    page.fill("input[name=city]", "Aarhus")
    page.fill("input[name=sector]", "Fødevarer")
    page.fill("textarea[name=description]", "Vi rister økologisk kaffe og sælger til caféer.")
    page.fill("textarea[name=offers]", "Specialkaffe, ristning og private label kaffe.")
    page.fill(
        "textarea[name=needs]", "Emballage til kaffe, en webshop og hjælp til eksport til Tyskland."
    )
    page.check("input[name=consent]")
    page.click("form.card button")
    page.wait_for_url("**/p/*")
    assert "Aarhus Kafferisteri ApS" in page.content()

    # A facilitator logs in and opens the chat.
    login(page, server)
    page.goto(f"{server}/chat")
    page.wait_for_selector("#chat-form")

    answer = _ask(page, "find 4 partnere til Aarhus Kafferisteri der kan hjælpe med eksport")
    cards = answer.locator(".chat-card.firm")
    assert cards.count() == 4, answer.inner_text()
    assert "Aarhus Kafferisteri ApS" in answer.locator(".reply").inner_text()
    answer.evaluate("el => el.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(SCREENSHOTS / "chat_partners.png"))

    # Follow-up in context.
    narrowed = _ask(page, "og kun i Midtjylland")
    assert "Midtjylland" in narrowed.locator(".reply").inner_text()
    metas = narrowed.locator(".chat-card.firm .meta").all_inner_texts()
    assert metas and all("Midtjylland" in m for m in metas)
    # Scores are written the Danish way on a Danish page (0,48, not 0.48).
    assert all(re.search(r"Score \d,\d\d$", m) for m in metas), metas

    # Firm names and typed text are shown as text, never run as HTML.
    names = " ".join(narrowed.locator(".chat-card.firm h3").all_inner_texts())
    if "<img" in names:
        assert page.locator("#chat-log img").count() == 0
    echoed = _ask(page, "<b>hej</b> hvad kan du?")
    assert page.locator("#chat-log .msg.user").last.inner_text() == "<b>hej</b> hvad kan du?"
    assert page.locator("#chat-log b").count() == 0
    assert "partnere" in echoed.inner_text()
    assert page.evaluate("window.__xss") is None

    # Open an explanation from a card's button.
    narrowed.locator(".chat-card.firm").first.locator("button[data-kind=explain]").click()
    page.wait_for_selector("#chat-log .chat-card.pair", timeout=TIMEOUT_MS)
    explanation = _bot_messages(page).last
    assert explanation.locator(".chat-card.pair .reasons li").count() >= 1
    explanation.evaluate("el => el.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(SCREENSHOTS / "chat_explain.png"))

    # Export the partner list (the chat's own list export).
    exported = _ask(page, "eksporter listen som csv")
    link = exported.locator("a[data-kind=download]").first
    with page.expect_download() as download:
        link.click()
    content = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "Midtjylland" in content

    # Propose networks and download one as PDF through the exports API.
    networks = _ask(page, "foreslå netværk i Midtjylland")
    assert networks.locator(".chat-card.network").count() >= 1, networks.inner_text()
    networks.evaluate("el => el.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(SCREENSHOTS / "chat_networks.png"))
    # A preview until the facilitator saves it; then it can be exported and reviewed.
    assert networks.locator("a[data-format=pdf]").count() == 0
    before = _bot_messages(page).count()
    networks.locator(".chat-card.network").first.locator("button[data-kind=save]").click()
    page.wait_for_function(
        f"n => document.querySelectorAll({BOT!r}).length > n", arg=before, timeout=TIMEOUT_MS
    )
    networks = _bot_messages(page).nth(before)
    assert networks.locator(".chat-card.network").count() >= 1, networks.inner_text()
    pdf = networks.locator(".chat-card.network").first.locator("a[data-format=pdf]")
    with page.expect_download() as download:
        pdf.click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    assert download.value.suggested_filename.endswith(".pdf")

    if "api.accept_network" in app.view_functions:
        card = networks.locator(".chat-card.network").first
        card.locator("button[data-kind=accept]").click()
        card.locator(".status.accepted").wait_for(timeout=TIMEOUT_MS)

    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p]
    assert not [p for p in problems if "Failed to load" not in p], problems


ANSWERS = [
    ("Aarhus Kafferisteri ApS", "Kafferisteri; robotter til pakning af kaffe.", "Ingen erfaring."),
    ("Silkeborg Emballage ApS", "Emballage; automatisk kvalitetskontrol med kamera.", "Pilot."),
    ("Viborg Køletransport", "Kølet transport; ruteplanlægning med data.", "Bruger det dagligt."),
    ("Herning Maskinteknik", "Pakkemaskiner; sensorer og vedligehold.", "Har data fra drift."),
    ("Kolding Eksportpartner", "Rådgivning; AI til at skrive tilbud.", "Har prøvet ChatGPT."),
    ("Skive Smørrebrød", "Catering; bestillinger på nettet.", "Ingen erfaring."),
    ("Ry Rugbrød", "Bageri; planlægning af produktion.", "Har hørt om det."),
    ("Nibe Nøddesmør", "Nøddesmør; sortering af råvarer med kamera.", "Pilotprojekt."),
]


def _new_conversation(page):
    page.click("#chat-new")
    page.wait_for_function("() => !document.querySelector('#chat-log .msg.user')")


def test_two_turn_exchanges_off_topic_and_typos(app, server, browser, runner):
    client = app.test_client()
    for i, firm in enumerate(OTHERS[:3] + OTHERS[4:]):
        body = company_body(**firm, cvr=valid_cvr(700 + i), contact_email=f"t{i}@example.dk")
        body.setdefault("markets", ["Danmark"])
        assert client.post("/api/v1/companies", json=body).status_code == 201
    token = add_user(runner, "facilitator@example.dk", password=PASSWORD)
    auth = {"Authorization": f"Bearer {token}"}
    course = client.post(
        "/api/v1/masterclasses",
        json={"title": "Automatisering i fødevarer", "theme": "robotter og data", "capacity": 20},
        headers=auth,
    ).get_json()
    for company, core, experience in ANSWERS:
        answer = client.post(
            f"/api/v1/masterclasses/{course['id']}/responses",
            json={"company": company, "core_business": core, "experience": experience},
        )
        assert answer.status_code == 201

    page = browser.new_page(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    problems = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    login(page, server)
    page.goto(f"{server}/chat")
    page.wait_for_selector("#chat-form")

    def intent(answer):
        return answer.get_attribute("data-intent")

    # 1. A new firm replaces the last request and its filters.
    _ask(page, "find 2 partnere til Kolding Eksportpartner i Syddanmark")
    fresh = _ask(page, "find partnere til Viborg Køletransport")
    reply = fresh.locator(".reply").inner_text()
    assert "Viborg Køletransport" in reply and "Syddanmark" not in reply, reply
    assert fresh.locator(".chat-card.firm").count() >= 3
    # An English question on the Danish page: the firm's card is labelled in English.
    shown = _ask(page, "show me the profile of Viborg Køletransport")
    card = shown.locator(".chat-card.profile").first.inner_text()
    assert "Offers: " in card and "Contact: " in card, card
    assert "Tilbyder" not in card and "Kontakt" not in card, card
    danish = _ask(page, "vis profilen for Viborg Køletransport")
    card = danish.locator(".chat-card.profile").first.inner_text()
    assert "Tilbyder: " in card and "Offers" not in card, card

    # 2. The number of cohorts changes right after forming them.
    _new_conversation(page)
    formed = _ask(page, "del deltagerne i automatiseringsforløbet op i hold")
    assert formed.locator(".chat-card.cohort").count() >= 1, formed.inner_text()
    two = _ask(page, "hvad med to hold i stedet?")
    assert intent(two) == "propose_cohorts" and two.locator(".chat-card.cohort").count() == 2

    # 3. Another file format right after exporting a masterclass's cohorts. A draft is
    # saved first: exporting it stores nothing and offers the save button.
    asked = _ask(page, "eksportér holdene fra automatiseringsforløbet som pdf")
    assert intent(asked) == "export" and asked.locator("a[data-kind=download]").count() == 0
    assert "gem" in asked.locator(".reply").inner_text().lower(), asked.inner_text()
    assert intent(_ask(page, "gem")) == "save"
    exported = _ask(page, "eksportér holdene fra automatiseringsforløbet som pdf")
    assert intent(exported) == "export", exported.inner_text()
    link = exported.locator("a[data-kind=download]").first
    assert "cohorts/proposals" in link.get_attribute("href")
    csv = _ask(page, "og som csv")
    csv_link = csv.locator("a[data-kind=download]").first
    assert intent(csv) == "export" and csv_link.get_attribute("data-format") == "csv"
    assert csv_link.get_attribute("href").split("?")[0] == link.get_attribute("href").split("?")[0]

    # 4. Networks narrowed to a region with a question.
    _new_conversation(page)
    _ask(page, "foreslå netværk af fødevarevirksomheder")
    narrowed = _ask(page, "hvilke af dem ligger i Midtjylland?")
    assert intent(narrowed) == "propose_networks", narrowed.inner_text()
    assert "Midtjylland" in narrowed.locator(".reply").inner_text()

    # 5. Why a firm just shown fits with another named firm.
    _new_conversation(page)
    shown = _ask(page, "vis Viborg Køletransport")
    assert shown.locator(".chat-card.profile").count() == 1
    why = _ask(page, "hvorfor passer den med Herning Maskinteknik?")
    title = why.locator(".chat-card.pair h3").first.inner_text()
    assert "Viborg Køletransport" in title and "Herning Maskinteknik" in title, title

    # 6. A theme is kept through a follow-up.
    _new_conversation(page)
    themed = _ask(page, "foreslå netværk om kaffe og emballage i hele landet")
    assert "kaffe og emballage" in themed.locator(".reply").inner_text(), themed.inner_text()
    kept = _ask(page, "og kun i Midtjylland")
    kept_reply = kept.locator(".reply").inner_text()
    assert "kaffe og emballage" in kept_reply and "Midtjylland" in kept_reply, kept_reply

    # 7. A preview is stored only when the facilitator says so.
    _new_conversation(page)
    preview = _ask(page, "foreslå netværk i Midtjylland")
    assert preview.locator(".chat-card.network").count() >= 1
    assert preview.locator("button[data-kind=accept]").count() == 0
    saved = _ask(page, "gem")
    assert "Gemt som forslag" in saved.locator(".reply").inner_text()
    assert saved.locator("a[data-format=pdf]").count() >= 1

    # 8. "hvorfor dem?" explains the network pair by pair, and the answer's top stays in view.
    explained = _ask(page, "hvorfor dem?")
    assert explained.locator(".chat-card.explanation ul.pairs li").count() >= 3
    top, log_top, log_bottom = page.evaluate(
        "el => [el.getBoundingClientRect().top,"
        " document.getElementById('chat-log').getBoundingClientRect().top,"
        " document.getElementById('chat-log').getBoundingClientRect().bottom]",
        explained.element_handle(),
    )
    assert log_top - 1 <= top < log_bottom, (top, log_top, log_bottom)

    # Off-topic: a polite refusal with examples, in Danish and in English.
    _new_conversation(page)
    weather = _ask(page, "hvordan bliver vejret i Silkeborg i weekenden?")
    assert intent(weather) == "other" and weather.locator(".chat-card").count() == 0
    assert weather.locator(".reply").inner_text().startswith("Det kan jeg desværre ikke")
    english = _ask(page, "what's the weather going to be like in Herning on Sunday?")
    assert english.locator(".reply").inner_text().startswith("Sorry")

    # A mistyped name: "Mente du …?", accepted with the button.
    typo = _ask(page, "find partnere til Hernig Maskntek")
    assert typo.locator(".reply").inner_text() == "Mente du Herning Maskinteknik?"
    before = _bot_messages(page).count()
    typo.locator("button[data-kind=choose]").click()
    page.wait_for_function(
        f"n => document.querySelectorAll({BOT!r}).length > n", arg=before, timeout=TIMEOUT_MS
    )
    accepted = _bot_messages(page).nth(before)
    assert "Herning Maskinteknik" in accepted.locator(".reply").inner_text()
    assert accepted.locator(".chat-card.firm").count() >= 1
    assert not problems, problems
