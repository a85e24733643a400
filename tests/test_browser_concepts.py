"""In a real headless Chromium against the real app: a firm registers, sees the capabilities the
service read in its offers and needs as it types, unticks one, adds another, saves, and finds
them on its profile; the matcher's store holds what it said."""

from __future__ import annotations

import json

from conftest import valid_cvr
from test_browser import SCREENSHOTS, TIMEOUT_MS, browser, pytestmark, server  # noqa: F401

from matchmaker.store import db as store

OFFERS = "Bæredygtig emballage og hurtig prototypeudvikling."
NEEDS = "Hjælp til at komme ind på det tyske marked."


def test_a_firm_confirms_removes_and_adds_capabilities(app, server, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    problems = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{server}/register")
    offers = page.locator("fieldset[data-concepts=offers]")
    needs = page.locator("fieldset[data-concepts=needs]")
    assert offers.locator("input[type=checkbox]").count() == 0
    assert "Vi læste disse kompetencer i jeres tekst" in offers.inner_text()

    page.fill("input[name=name]", "Herning Emballage ApS")
    page.fill("input[name=cvr]", valid_cvr(77))
    page.select_option("select[name=region]", "Midtjylland")
    page.fill("textarea[name=description]", "Vi producerer fødevareemballage til mejerier.")
    page.fill("textarea[name=offers]", OFFERS)
    page.fill("textarea[name=needs]", NEEDS)

    # What the service read appears as the firm types, ticked, labelled in Danish.
    packaging = offers.locator("input[type=checkbox][value=packaging]")
    packaging.wait_for(timeout=TIMEOUT_MS)
    germany = needs.locator("input[type=checkbox][value=export_germany]")
    germany.wait_for(timeout=TIMEOUT_MS)
    assert packaging.is_checked() and germany.is_checked()
    assert "eksport til Tyskland" in needs.inner_text()
    prototyping = offers.locator("input[type=checkbox][value=prototyping]")
    assert prototyping.is_checked()

    # Untick one, add one from the list.
    prototyping.uncheck()
    page.fill("input[name=offer_concepts_add]", "robotteknologi")
    page.press("input[name=offer_concepts_add]", "Enter")
    robotics = offers.locator("input[type=checkbox][value=robotics]")
    robotics.wait_for(timeout=TIMEOUT_MS)
    assert robotics.is_checked()
    assert page.input_value("input[name=offer_concepts_add]") == ""
    # Typing on keeps what the firm chose.
    page.fill("textarea[name=offers]", OFFERS + " Vi sælger også i Sverige.")
    offers.locator("input[type=checkbox][value=export_nordics]").wait_for(timeout=TIMEOUT_MS)
    assert not prototyping.is_checked() and robotics.is_checked()
    page.screenshot(path=str(SCREENSHOTS / "concepts_register.png"), full_page=True)

    page.check("input[name=consent]")
    page.click("form.card button")
    page.wait_for_url("**/p/**", timeout=TIMEOUT_MS)

    shown = page.locator("dd.concepts-offers").inner_text()
    assert "emballage" in shown and "robotteknologi" in shown and "prototyper" not in shown
    assert "eksport til Tyskland" in page.locator("dd.concepts-needs").inner_text()
    # The confirmation form on the profile shows the choice as it was made.
    confirm = page.locator("#concepts-form")
    assert confirm.locator("input[type=checkbox][value=robotics]").is_checked()
    assert not confirm.locator("input[type=checkbox][value=prototyping]").is_checked()
    page.screenshot(path=str(SCREENSHOTS / "concepts_profile.png"), full_page=True)

    conn = store.connect(app.config["DATABASE"])
    row = conn.execute(
        "SELECT offer_concepts, offer_concepts_removed, need_concepts FROM companies"
    ).fetchone()
    conn.close()
    confirmed, removed, needed = (json.loads(v) for v in row)
    assert "packaging" in confirmed and "robotics" in confirmed
    assert "export_nordics" in confirmed and "prototyping" not in confirmed
    assert removed == ["prototyping"]
    assert needed == ["export_germany"]
    assert not problems, problems
