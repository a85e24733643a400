"""In a real headless Chromium against the real app: a facilitator's decisions (an accepted and
a rejected network) show on the learning page, and its button re-fits the partner model."""

from __future__ import annotations

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


def test_the_learning_page_counts_decisions_and_refits(app, server, browser, runner):  # noqa: F811
    client = app.test_client()
    register(client)
    token = add_user(runner, "facilitator@example.dk", password=PASSWORD)
    auth = {"Authorization": f"Bearer {token}"}
    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    found = client.post("/api/v1/networks/proposals", json={"seed": 0}, headers=auth).get_json()
    first, second = found["networks"][:2]
    assert client.post(f"/api/v1/networks/{first['id']}/accept", headers=auth).status_code == 200
    assert client.post(f"/api/v1/networks/{second['id']}/reject", headers=auth).status_code == 200

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    login(page, server)
    page.click("nav >> text=Læring")
    decisions = page.locator("table.learning-decisions").inner_text()
    assert "Accepterede netværk\t1" in decisions and "Afviste netværk\t1" in decisions
    assert "endnu ikke tilpasset" in page.locator("p.last-refit").inner_text()
    page.click("#refit-form button")
    page.wait_for_selector("text=Tilpasset", timeout=TIMEOUT_MS)
    verdict = page.locator("p.last-refit").inner_text()
    assert "taget i brug" in verdict or "fælles model beholdt" in verdict
    page.screenshot(path=str(SCREENSHOTS / "learning.png"), full_page=True)
    stored = client.get("/api/v1/learning", headers=auth).get_json()
    assert stored["last_refit"]["pairs"] == stored["pairs"]["total"] > 0
    assert not problems, problems
