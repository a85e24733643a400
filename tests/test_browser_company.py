"""The company side and a facilitator's re-run in a real headless Chromium (Debian's, driven by
Playwright) against the real app with a real SMTP server: a firm that registers its CVR twice
gets its link by e-mail and never on screen; a firm that answers a questionnaire twice stays
one respondent; a re-run after a swap keeps the firm swapped in."""

from __future__ import annotations

import re

import test_browser
from conftest import add_user, company_body, valid_cvr
from test_browser import login
from test_browser_pages import DESKTOP, FIRMS, PASSWORD, PHONE, _watch
from test_private_links import body_of, smtp  # noqa: F401 (a fixture)

from matchmaker.store import questionnaires

server, browser, pytestmark = test_browser.server, test_browser.browser, test_browser.pytestmark
SCREENSHOTS = test_browser.SCREENSHOTS
TIMEOUT_MS = test_browser.TIMEOUT_MS


def _with_mail(app, smtp) -> None:  # noqa: F811
    _, host, port = smtp
    app.config.update(SMTP_HOST=host, SMTP_PORT=port, SMTP_TLS="none",
                      SMTP_FROM="sekretariat@example.dk")  # fmt: skip


def _width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def _fill_registration(page, cvr: str) -> None:
    page.fill("input[name=name]", "Thy Rugbrød & Kiks ApS")
    page.fill("input[name=cvr]", cvr)
    page.select_option("select[name=region]", "Nordjylland")
    page.fill("textarea[name=description]", "Vi bager rugbrød og kiks af dansk korn.")
    page.fill("input[name=contact_email]", "bager@thy-rugbroed.dk")
    page.check("input[name=consent]")
    page.click("form.card button:not([type=button])")


def test_registering_twice_offers_the_link_by_mail_never_on_screen(app, server, browser, smtp):  # noqa: F811
    inbox, _, _ = smtp
    _with_mail(app, smtp)
    cvr = valid_cvr(900)
    page = browser.new_page(viewport=PHONE)
    problems = _watch(page)
    page.goto(f"{server}/register")
    _fill_registration(page, cvr)
    page.wait_for_url("**/p/*")
    first_link = page.locator("#private-link").inner_text()
    # the page offers to mail the link to the contact address
    page.click("#send-link button")
    page.wait_for_selector("p.flash.info")
    assert "Linket er sendt til bager@thy-rugbroed.dk" in page.locator("main").inner_text()
    (mailed,) = inbox.wait(1)
    assert first_link in body_of(mailed)

    # the same firm registers again, in another browser: no link, a way to get it by mail
    stranger = browser.new_page(viewport=PHONE)
    stranger.goto(f"{server}/register")
    _fill_registration(stranger, cvr)
    stranger.wait_for_selector("#cvr-taken")
    assert "CVR-nummeret er allerede tilmeldt" in stranger.locator("#cvr-taken").inner_text()
    assert "/p/" not in stranger.content()
    assert _width(stranger) <= PHONE["width"]
    stranger.screenshot(path=str(SCREENSHOTS / "company_cvr_taken_phone.png"), full_page=True)
    stranger.click("#cvr-taken button")
    stranger.wait_for_selector("#link-requested")
    assert "/p/" not in stranger.content() and "bager@" not in stranger.content()
    assert _width(stranger) <= PHONE["width"]
    messages = inbox.wait(2)
    assert len(messages) == 2 and messages[1]["To"] == "bager@thy-rugbroed.dk"
    one_time = re.search(r"http://\S+/new-link", body_of(messages[1])).group(0)

    # the owner opens the mail's link, presses the button and has a new private link
    page.goto(one_time)
    assert "Thy Rugbrød & Kiks ApS" in page.locator("main").inner_text()
    page.click("#renew-link")
    page.wait_for_selector("#private-link")
    new_link = page.locator("#private-link").inner_text()
    assert new_link != first_link and new_link.startswith(server + "/p/")
    assert "Her er jeres nye private link" in page.locator("main").inner_text()
    assert not problems, problems
    assert page.goto(first_link).status == 404  # the old link is dead


def test_answering_a_questionnaire_twice_stays_one_respondent(app, server, browser, runner):
    with app.app_context():
        from web import get_db

        masterclass = questionnaires.create_masterclass(get_db(), {
            "title": "AI på fabriksgulvet", "theme": "AI i produktionen",
            "technology": "kunstig intelligens", "capacity": 10})  # fmt: skip
    add_user(runner, "facilitator@example.dk", password=PASSWORD)
    page = browser.new_page(viewport=PHONE)
    problems = _watch(page)
    url = f"{server}/masterclasses/{masterclass['id']}/questionnaire"
    page.goto(url)
    labels = page.locator("form.card label").all_inner_texts()
    assert any("Hvordan vil kunstig intelligens få betydning for jer?" in x for x in labels)
    assert any("Jeres erfaring med kunstig intelligens" in x for x in labels)
    assert _width(page) <= PHONE["width"]
    page.fill("input[name=company]", "Limfjordens Mejeri A/S")
    page.fill("input[name=cvr]", valid_cvr(901))
    page.fill("textarea[name=core_business]", "Mejeri med økologisk ost.")
    page.fill("textarea[name=experience]", "Ingen endnu.")
    page.click("form.card button")
    page.wait_for_selector("#answer-done")
    # the answer's private link opens it filled in; a change sent there replaces it
    page.click("#answer-link a")
    page.wait_for_selector("form.card")
    assert page.input_value("textarea[name=experience]") == "Ingen endnu."
    page.fill("textarea[name=experience]", "Vi har prøvet et kamera på pakkelinjen.")
    page.click("form.card button")
    page.wait_for_selector("#answer-done")
    assert "jeres svar er opdateret" in page.locator("#answer-done").inner_text()

    login(page, server)
    page.wait_for_url("**/dashboard")
    page.goto(f"{server}/masterclasses/{masterclass['id']}")
    answers = page.locator("section.answer")
    assert answers.count() == 1
    assert "Vi har prøvet et kamera på pakkelinjen." in answers.inner_text()
    assert "kunstig intelligens" in page.locator("#technology").inner_text()
    assert not problems, problems


def test_a_rerun_after_a_swap_keeps_the_firm_swapped_in(app, server, browser, runner):
    client = app.test_client()
    ids = []
    for i, (name, region, city, code, about, offers, needs) in enumerate(FIRMS):
        body = company_body(name=name, cvr=valid_cvr(920 + i), region=region, city=city,
                            nace=code, description=about, offers=offers, needs=needs)  # fmt: skip
        answer = client.post("/api/v1/companies", json=body)
        assert answer.status_code == 201, answer.get_json()
        ids.append(answer.get_json()["id"])
    token = add_user(runner, "facilitator@example.dk", password=PASSWORD)
    auth = {"Authorization": f"Bearer {token}"}
    made = client.post("/api/v1/networks/proposals", headers=auth,
                       json={"company_ids": ids, "min_size": 3, "max_size": 3, "count": 1,
                             "seed": 0})  # fmt: skip
    assert made.status_code == 201, made.get_json()
    proposal = made.get_json()
    network = proposal["networks"][0]
    inside = {m["id"] for m in network["members"]}
    outside = [i for i in ids if i not in inside]

    page = browser.new_page(viewport=DESKTOP)
    problems = _watch(page)
    login(page, server)
    page.wait_for_url("**/dashboard")
    swapped = None
    for candidate in outside:  # the first firm outside the network that the constraints allow
        name = FIRMS[ids.index(candidate)][0]
        page.goto(f"{server}/proposals/{proposal['id']}")
        card = page.locator("section.network").first
        card.locator("select[name=out]").select_option(index=0)
        card.locator("input[name=in]").fill(name)
        card.locator('form[action$="/swap"] button').click()
        page.wait_for_selector("p.flash")
        if page.locator("p.flash.error").count() == 0:
            swapped = name
            break
    assert swapped, "no firm outside the network could be swapped in"
    flashes = page.locator("p.flash.info").all_inner_texts()
    assert any(f"{swapped} er byttet ind og låst" in f for f in flashes), flashes
    page.goto(f"{server}/proposals/{proposal['id']}")
    for _ in range(3):
        page.locator("form[action$='/rerun'] button").click()
        page.wait_for_selector("p.flash.info")
        card = page.locator("section.network").first
        assert f"{swapped} 🔒" in card.locator("table").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "company_rerun_after_swap.png"), full_page=True)
    stored = client.get(f"/api/v1/networks/{network['id']}", headers=auth).get_json()
    assert swapped in [m["name"] for m in stored["members"]]
    assert not problems, problems
