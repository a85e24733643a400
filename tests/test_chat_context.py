"""The chat keeps to what was asked: request words are no firm names, follow-ups point into
the last list, and questions it cannot answer are said to be so."""

from __future__ import annotations

import pytest
from test_chat import FIRMS, ask, register_firms

EXTRA = [
    {
        "name": "Skab & Sy ApS",
        "region": "Hovedstaden",
        "city": "Valby",
        "sector": "Møbler",
        "nace": "31.09",
        "description": "Polstring og syning af møbelstof til indretning.",
        "offers": "Ompolstring, hynder og gardiner.",
        "needs": "Flere erhvervskunder.",
    },
]


@pytest.fixture
def firms(client):
    return register_firms(client, [*FIRMS, *EXTRA], 300)


def test_a_request_word_is_no_part_of_a_firm_name(client, auth, firms):
    body = ask(client, auth, "skab et leverandørnetværk omkring Grindsted Emballage", "lead")
    assert body["intent"] == "propose_networks", body["reply"]
    assert not [c for c in body["cards"] if c["type"] == "choice"], body["reply"]
    assert body["entities"].get("firm", {}).get("id") == firms["Grindsted Emballage A/S"], body
    assert "Skab & Sy" not in body["reply"]
    # A name in a list of names is still found.
    listed = ask(client, auth, "foreslå et netværk med Skab, Vejen Mejeri og Hobro Robotteknik")
    assert firms["Skab & Sy ApS"] in [f["id"] for f in listed["entities"]["firms"]]
