"""In a real headless Chromium against the real app: from a firm's page a facilitator builds a
value-chain network around it with a stated need and reads the warning beside the network;
proposes one large firm with SMEs across regions from the form; asks the chat for a supplier
network around a firm."""

from __future__ import annotations

from conftest import add_user
from test_browser import (  # noqa: F401
    BOT,
    PASSWORD,
    SCREENSHOTS,
    TIMEOUT_MS,
    browser,
    intent_model,
    login,
    pytestmark,
    server,
)
from test_design import register

from matchmaker import matching
from matchmaker.reference.sizes import SME_MAX_EMPLOYEES
from matchmaker.store import db as store


def test_networks_by_design_in_the_browser(app, server, browser, runner):  # noqa: F811
    client = app.test_client()
    ids = register(client)
    add_user(runner, "facilitator@example.dk", password=PASSWORD)
    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    lead = ids["Fynsk Færdigret A/S"]

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    login(page, server)

    # From the firm's page: a value-chain network around it, with a need nobody meets.
    page.goto(f"{server}/companies/{lead}", timeout=TIMEOUT_MS)
    page.click("text=Værdikædenetværk omkring virksomheden", timeout=TIMEOUT_MS)
    assert page.input_value("input[name=lead_company]") == "Fynsk Færdigret A/S"
    assert page.input_value("select[name=design]") == "lead"
    page.fill("input[name=need]", "kunstig intelligens og maskinlæring")
    page.click("#new > button")
    page.wait_for_selector("section.network", timeout=TIMEOUT_MS)
    assert page.locator("section.network").count() == 1
    card = page.locator("section.network").first
    text = card.inner_text()
    assert "Fynsk Færdigret A/S" in text and "Sydfyns Suppekøkken" not in text
    assert "Værdikæde" in text
    warning = card.locator(".warnings li[data-code='design.need']")
    assert "Intet medlem ser ud til at kunne dække behovet" in warning.inner_text()
    assert "Sådan rettes det:" in warning.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "design_lead.png"), full_page=True)

    # From the form: one large firm with SMEs, across regions.
    page.goto(f"{server}/proposals")
    page.select_option("select[name=design]", "big_and_small")
    page.check("input[name=cross_region]")
    page.click("#new > button")
    page.wait_for_selector("section.network", timeout=TIMEOUT_MS)
    conn = store.connect(app.config["DATABASE"])
    index = matching.match_index(conn)
    by_name = {p["name"]: p for p in index.profiles_.values()}
    cards = page.locator("section.network")
    assert cards.count() >= 1
    for k in range(cards.count()):
        names = [a.inner_text() for a in cards.nth(k).locator("td a").all()]
        members = [by_name[n] for n in names if n in by_name]
        assert len(members) == len(names) >= 3
        assert sum(m["employees"] > SME_MAX_EMPLOYEES for m in members) == 1
        assert len({m["region"] for m in members}) >= 2
    conn.close()
    page.screenshot(path=str(SCREENSHOTS / "design_big_and_small.png"), full_page=True)

    # In the chat: a supplier network around a firm, its design said in the reply.
    page.goto(f"{server}/chat")
    page.wait_for_selector("#chat-form")
    before = page.locator(BOT).count()
    page.fill("#chat-input", "byg et leverandørnetværk omkring Fynsk Færdigret")
    page.press("#chat-input", "Enter")
    page.wait_for_function(
        f"n => document.querySelectorAll({BOT!r}).length > n", arg=before, timeout=TIMEOUT_MS
    )
    answer = page.locator(BOT).nth(before)
    assert "værdikæden hos Fynsk Færdigret A/S" in answer.inner_text()
    assert answer.locator(".chat-card.network").count() == 1
    assert "Fynsk Færdigret A/S" in answer.locator(".chat-card.network").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "design_chat.png"))
    assert not problems, problems
