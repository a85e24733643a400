"""In a real headless Chromium against the real app: a facilitator pastes a call and reads the
consortia, records what came of an accepted network, sees the rates beside the reference
figures and downloads them; a member reports through its private link."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from conftest import add_user
from test_browser import (  # noqa: F401
    PASSWORD,
    SCREENSHOTS,
    TIMEOUT_MS,
    browser,
    login,
    pytestmark,
    server,
)
from test_networks import register

from matchmaker.store import db as store
from matchmaker.store import profiles

CALL = (
    "Puljen støtter projekter om bæredygtig emballage i pap til økologisk mel og brød. "
    "Projekterne skal automatisere produktionen med robotter og hjælpe med eksport til "
    "Tyskland. Konsortiet skal omfatte et universitet. "
    "Projektet skal også opsende satellitter til rumfart i kredsløb om Mars."
)


def test_consortia_and_outcomes_in_the_browser(app, server, browser, runner):  # noqa: F811
    client = app.test_client()
    register(client)
    token = add_user(runner, "facilitator@example.dk", password=PASSWORD)
    auth = {"Authorization": f"Bearer {token}"}
    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    proposal = client.post("/api/v1/networks/proposals", json={"seed": 0}, headers=auth)
    network = proposal.get_json()["networks"][0]
    assert client.post(f"/api/v1/networks/{network['id']}/accept", headers=auth).status_code == 200

    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    problems = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    login(page, server)

    # Paste a call and read the consortia.
    page.click("nav >> text=Konsortier")
    page.fill("textarea[name=call]", CALL)
    page.fill("input[name=count]", "2")
    page.click("#call-form button")
    page.wait_for_selector("section.consortium", timeout=TIMEOUT_MS)
    first = page.locator("section.consortium").first
    assert 3 <= first.locator("ol.suggestions > li").count() <= 5
    assert "Svarer på opslagets" in first.inner_text()
    assert "satellitter" in first.locator("ul.uncovered").inner_text()
    assert page.locator("text=Opslaget beder om en videninstitution").count() == 1
    page.screenshot(path=str(SCREENSHOTS / "consortia.png"), full_page=True)

    # Record an outcome of the accepted network.
    page.click("nav >> text=Resultater")
    page.click(f"a[href='/networks/{network['id']}/outcomes']")
    page.check("input[name=formed][value='1']")
    page.fill("input[name=meetings]", "5")
    page.select_option("select[name=satisfaction]", "4")
    page.select_option("select[name=innovation_project]", "1")
    page.select_option("select[name=export]", "0")
    page.fill("input[name=programme]", "Grøn vækst")
    page.click("#outcome-form button")
    page.wait_for_selector("table.outcome-history")
    assert "Grøn vækst" in page.locator("table.outcome-history").inner_text()

    page.click("nav >> text=Resultater")
    rates = page.locator("table.outcome-rates").first.inner_text()
    assert "100 %" in rates and "≈ 18 %" in rates and "≈ 10 %" in rates
    assert "Grøn vækst" in page.locator("table.outcome-rates").nth(1).inner_text()
    page.screenshot(path=str(SCREENSHOTS / "outcomes.png"), full_page=True)
    with page.expect_download() as download:
        page.click("text=Hent resultater (CSV)")
    content = Path(download.value.path()).read_text(encoding="utf-8-sig")
    (row,) = list(csv.DictReader(io.StringIO(content)))
    assert row["programme"] == "Grøn vækst" and row["satisfaction"] == "4"

    # A member reports through its private link.
    member_id = network["members"][0]["id"]
    conn = store.connect(app.config["DATABASE"])
    conn["companies"].update(member_id, {"edit_token_hash": profiles.hash_token("medlem-link")})
    conn.close()
    member = browser.new_page()
    member.goto(f"{server}/p/medlem-link")
    member.click("text=Fortæl hvordan det går", timeout=TIMEOUT_MS)
    member.check("input[name=formed][value='1']")
    member.select_option("select[name=new_product]", "1")
    member.click("#outcome-form button")
    member.wait_for_url("**/p/medlem-link")
    assert "Indberetningen er gemt" in member.content()
    summary = client.get("/api/v1/outcomes/summary", headers=auth).get_json()
    assert summary["overall"]["new_product"]["rate"] == 1.0
    assert not problems, problems
