"""The pages in a real headless Chromium (Debian's, driven by Playwright) against the real app:
a facilitator logs in and lands on the start page, a company registers and learns what happens
next, and every page fits a 390 px phone screen without sideways scrolling."""

from __future__ import annotations

from pathlib import Path

import test_browser
from conftest import add_user, company_body, valid_cvr

from matchmaker.store import questionnaires

# The same Chromium, live server and skip rule as the chat's browser test.
server, browser, pytestmark = test_browser.server, test_browser.browser, test_browser.pytestmark
SCREENSHOTS = test_browser.SCREENSHOTS

PASSWORD = "et-langt-kodeord"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
FIRMS = [
    ("Limfjordens Mejeri A/S", "Nordjylland", "Skive", "10.51", "Mejeri med økologisk ost.",
     "Ost, smør og valle.", "Automatisering af pakkelinjen og eksport til Tyskland."),
    ("Cobot Værkstedet ApS", "Midtjylland", "Herning", "28.99", "Vi integrerer robotter.",
     "Robotceller og automatisering af pakkelinjer.", "Kunder i fødevareindustrien."),
    ("Grænselandets Eksportrådgivning ApS", "Syddanmark", "Padborg", "70.22",
     "Eksportrådgivning for små producenter.", "Salg i Tyskland, messer og forhandlere.",
     "Producenter der vil eksportere."),
    ("Nordisk Karton A/S", "Nordjylland", "Aalborg", "17.21", "Vi laver emballage i pap.",
     "Bæredygtig emballage til fødevarer.", "Hjælp til at sælge i Tyskland."),
    ("Kølelogistik Vest A/S", "Midtjylland", "Holstebro", "49.41", "Kølet transport.",
     "Kølekæde og distribution af fødevarer.", "Flere fødevarekunder."),
    ("Datahuset Sporbarhed ApS", "Hovedstaden", "København", "62.01",
     "Software til sporbarhed i produktionen.", "Sporbarhed og dataopsamling.",
     "Kunder i fødevareproduktion."),
]  # fmt: skip


def _store(app, runner) -> dict:
    """Firms, a facilitator, a network proposal and a masterclass with answers and cohorts."""
    client = app.test_client()
    ids = []
    for i, (name, region, city, code, about, offers, needs) in enumerate(FIRMS):
        body = company_body(
            name=name, cvr=valid_cvr(700 + i), region=region, city=city, nace=code,
            description=about, offers=offers, needs=needs,
            contact_email=f"kontakt.salgsafdelingen{i}@{name.split()[0].lower()}-eksempel.dk",
        )  # fmt: skip
        answer = client.post("/api/v1/companies", json=body)
        assert answer.status_code == 201, answer.get_json()
        ids.append(answer.get_json()["id"])
    token = add_user(runner, "facilitator@example.dk", password=PASSWORD)
    auth = {"Authorization": f"Bearer {token}"}
    made = client.post(
        "/api/v1/networks/proposals", headers=auth,
        json={"company_ids": ids, "min_size": 3, "max_size": 3, "seed": 0},
    )  # fmt: skip
    assert made.status_code == 201, made.get_json()
    with app.app_context():
        from web import get_db

        db = get_db()
        masterclass = questionnaires.create_masterclass(
            db, {"title": "Kunstig intelligens i produktionen", "theme": "AI", "capacity": 10}
        )
        for i, (name, *_rest) in enumerate(FIRMS):
            questionnaires.add_response(db, masterclass["id"], {
                "company": name, "cvr": valid_cvr(700 + i), "employees": 10 + i,
                "core_business": f"{name}: produktion og salg.",
                "experience": "Vi har prøvet maskinlæring på kvalitetskontrol." if i % 2 else "",
                "barriers": "Mangel på data og tid.",
            })  # fmt: skip
    cohorts = client.post(
        f"/api/v1/masterclasses/{masterclass['id']}/cohorts", headers=auth,
        json={"min_size": 3, "max_size": 3, "seed": 0},
    )  # fmt: skip
    assert cohorts.status_code == 201, cohorts.get_json()
    proposal = made.get_json()
    return {
        "ids": ids,
        "proposal": proposal["id"],
        "network": proposal["networks"][0]["id"],
        "masterclass": masterclass["id"],
    }


def _watch(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def test_a_facilitator_logs_in_and_lands_on_the_dashboard(app, server, browser, runner):
    made = _store(app, runner)
    page = browser.new_page(viewport=DESKTOP)
    problems = _watch(page)
    test_browser.login(page, server)
    page.wait_for_url("**/dashboard")
    headings = page.locator("main h2").all_inner_texts()
    assert any("Nye tilmeldinger" in h for h in headings), headings
    assert any("Forslag, der venter på en beslutning" in h for h in headings)
    assert any("Masterclasses med nye svar" in h for h in headings)
    assert any("Seneste eksporter" in h for h in headings)
    registrations = page.locator("#registrations li").all_inner_texts()
    assert len(registrations) == len(FIRMS) and FIRMS[-1][0] in registrations[0]
    assert f"Netværksforslag {made['proposal']}" in page.locator("#open-proposals").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "pages_dashboard.png"), full_page=True)

    # From the dashboard to a firm, and its next actions: never pair with a firm picked by name.
    page.click(f"#registrations a:text('{FIRMS[0][0]}')")
    page.wait_for_selector("#actions")
    options = page.locator("datalist#firm-list option").evaluate_all("os => os.map(o => o.value)")
    assert FIRMS[1][0] in options
    page.fill("#actions input[name=b]", FIRMS[1][0])
    page.click("#actions form button")
    page.wait_for_selector(".flash.info")
    page.fill("#notes textarea[name=text]", "Ringede 29/11: vil gerne i netværk om eksport.")
    page.click("#notes form button")
    page.wait_for_selector("#notes blockquote.note")
    assert "vil gerne i netværk om eksport" in page.locator("#notes").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "pages_company.png"), full_page=True)
    page.goto(f"{server}/proposals")
    rules = page.locator("table").last.inner_text()
    assert FIRMS[0][0] in rules and FIRMS[1][0] in rules
    assert not problems, problems


def test_a_company_registers_and_sees_what_happens_next(app, server, browser):
    page = browser.new_page(viewport=PHONE)
    problems = _watch(page)
    page.goto(f"{server}/register")
    privacy = page.locator("main a[href='/privacy']")
    assert privacy.count() >= 1
    titles = page.locator("datalist#nace-list option").evaluate_all("os => os.map(o => o.value)")
    assert "10.71 Fremstilling af brød; fremstilling af friske kager, tærter mv." in titles
    page.fill("input[name=name]", "Thy Rugbrød & Kiks ApS")
    page.select_option("select[name=region]", "Nordjylland")
    page.fill("input[name=city]", "Thisted")
    page.fill(
        "input[name=nace]", "10.71 Fremstilling af brød; fremstilling af friske kager, tærter mv."
    )
    page.fill("textarea[name=description]", "Vi bager rugbrød og kiks af dansk korn.")
    page.fill("textarea[name=needs]", "Hjælp til eksport til Tyskland.")
    page.fill("input[name=contact_email]", "bager@thy-rugbroed.dk")
    page.check("input[name=consent]")
    page.screenshot(path=str(SCREENSHOTS / "pages_register_phone.png"), full_page=True)
    page.click("form.card button:not([type=button])")
    page.wait_for_url("**/p/*")
    steps = page.locator(".next-steps")
    assert "Hvad sker der nu?" in steps.inner_text()
    assert steps.locator("ol li").count() >= 3
    link = page.locator("#private-link").inner_text()
    assert link.startswith(server + "/p/")
    assert "Samtykke givet" in page.locator(".consent-date").inner_text()
    assert "10.71" in page.content() and "brød" in page.content()
    page.locator("button[data-copy='#private-link']").click()
    page.wait_for_selector("button[data-copy='#private-link'][data-copied]")
    page.screenshot(path=str(SCREENSHOTS / "pages_registered_phone.png"), full_page=True)
    page.click("main a[href='/privacy']")
    page.wait_for_url("**/privacy")
    text = page.locator("main").inner_text()
    for heading in ("Hvem er ansvarlig", "Hvad vi gemmer", "Hvorfor", "Hvor længe",
                    "Hvem ser kontaktoplysningerne"):  # fmt: skip
        assert heading in text
    assert not problems, problems


def _fits(page, url: str) -> int:
    page.goto(url)
    page.wait_for_load_state("load")
    return page.evaluate("document.documentElement.scrollWidth")


def test_every_page_fits_a_phone(app, server, browser, runner):
    made = _store(app, runner)
    client = app.test_client()
    registered = client.post("/api/v1/companies", json=company_body(
        name="Fyns Fliser ApS", region="Syddanmark", cvr=valid_cvr(900)))  # fmt: skip
    own = f"/p/{registered.get_json()['edit_token']}"
    public = ["/", "/register", "/login", "/privacy", own, own + "/edit",
              f"/masterclasses/{made['masterclass']}/questionnaire", "/no-such-page"]  # fmt: skip
    facilitator = [
        "/dashboard", "/companies", f"/companies/{made['ids'][0]}", "/masterclasses",
        f"/masterclasses/{made['masterclass']}", f"/masterclasses/{made['masterclass']}/cohorts",
        "/proposals", f"/proposals/{made['proposal']}", f"/networks/{made['network']}",
        "/account", "/chat",
    ]  # fmt: skip
    page = browser.new_page(viewport=PHONE)
    problems = _watch(page)
    too_wide, widths = {}, {}
    for path in public:
        for lang in ("da", "en"):
            width = _fits(page, f"{server}{path}{'&' if '?' in path else '?'}lang={lang}")
            widths[f"{path} ({lang})"] = width
            if width > PHONE["width"]:
                too_wide[f"{path} ({lang})"] = width
    test_browser.login(page, server)
    page.wait_for_url("**/dashboard")
    for path in facilitator:
        for lang in ("da", "en"):
            width = _fits(page, f"{server}{path}?lang={lang}")
            widths[f"{path} ({lang})"] = width
            if width > PHONE["width"]:
                too_wide[f"{path} ({lang})"] = width
        name = path.strip("/").replace("/", "_") or "index"
        page.screenshot(path=str(SCREENSHOTS / f"pages_phone_{name}.png"), full_page=True)
    print("scrollWidth at 390 px:", widths)
    assert not too_wide, too_wide
    page.set_viewport_size(DESKTOP)
    for path in ("/masterclasses", f"/proposals/{made['proposal']}",
                 f"/masterclasses/{made['masterclass']}"):  # fmt: skip
        page.goto(f"{server}{path}?lang=da")
        name = path.strip("/").replace("/", "_")
        page.screenshot(path=str(SCREENSHOTS / f"pages_desktop_{name}.png"), full_page=True)
    assert not [p for p in problems if "404" not in p], problems
    assert Path(SCREENSHOTS / "pages_phone_masterclasses.png").exists()
