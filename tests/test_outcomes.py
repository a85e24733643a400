"""Outcomes of accepted networks: recorded by a facilitator or a member's private link,
validated field by field, summed up per programme and network type, exported as CSV."""

from __future__ import annotations

import csv
import io

import pytest
from conftest import add_user
from test_networks import propose, register

from matchmaker.store import profiles


@pytest.fixture
def networks(client, auth, app):
    """Three proposed networks; the first two accepted."""
    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    register(client)
    body = propose(client, auth, seed=0).get_json()
    found = body["networks"]
    assert len(found) >= 3
    for network in found[:2]:
        answer = client.post(f"/api/v1/networks/{network['id']}/accept", headers=auth)
        assert answer.status_code == 200
    return found


def post(client, auth, network_id, **body):
    return client.post(f"/api/v1/networks/{network_id}/outcomes", json=body, headers=auth)


def test_outcomes_are_recorded_for_accepted_networks_only(client, auth, db, networks):
    first, _, proposed = networks[:3]
    answer = post(client, auth, first["id"], formed=True, meetings=4, satisfaction=5,
                  innovation_project=True, new_product=False, export=False,
                  programme="Netværksprogrammet", note="Godt i gang")  # fmt: skip
    assert answer.status_code == 201, answer.get_json()
    stored = answer.get_json()
    assert stored["network_id"] == first["id"] and stored["formed"] is True
    assert stored["meetings"] == 4 and stored["innovation_project"] is True
    assert stored["recorded_by"].startswith("facilitator")
    refused = post(client, auth, proposed["id"], formed=True)
    assert refused.status_code == 409 and "status" in refused.get_json()["fields"]
    assert post(client, auth, 99_999, formed=True).status_code == 404
    assert db["outcomes"].count == 1
    # Over time: a later report adds to the history; the programme named before is kept.
    later = post(client, auth, first["id"], formed=True, meetings=9, export=True)
    assert later.status_code == 201 and later.get_json()["programme"] == "Netværksprogrammet"
    history = client.get(f"/api/v1/networks/{first['id']}/outcomes", headers=auth).get_json()
    assert [r["meetings"] for r in history["items"]] == [4, 9]


BAD_BODIES = [
    ({}, "formed"),
    ({"formed": "yes"}, "formed"),
    ({"formed": 1}, "formed"),
    ({"formed": True, "satisfaction": 6}, "satisfaction"),
    ({"formed": True, "satisfaction": 0}, "satisfaction"),
    ({"formed": True, "meetings": -1}, "meetings"),
    ({"formed": True, "meetings": 2.5}, "meetings"),
    ({"formed": True, "export": "ja"}, "export"),
    ({"formed": True, "note": "x" * 2001}, "note"),
    ({"formed": True, "colour": "blue"}, "colour"),
]


def test_each_bad_field_is_named(client, auth, db, networks):
    for body, field in BAD_BODIES:
        answer = post(client, auth, networks[0]["id"], **body)
        assert answer.status_code == 422, body
        assert field in answer.get_json()["fields"], body
    assert db["outcomes"].count == 0


def test_a_member_reports_through_its_private_link(client, auth, db, networks):
    network = networks[0]
    member_id = network["members"][0]["id"]
    outsider_id = next(
        m["id"] for n in networks[2:] for m in n["members"]
        if m["id"] not in {x["id"] for x in network["members"]}
    )  # fmt: skip
    tokens = {}
    for company_id in (member_id, outsider_id):
        # A known edit link for the test (the API hands one out only at registration).
        token = f"test-token-{company_id}"
        db["companies"].update(company_id, {"edit_token_hash": profiles.hash_token(token)})
        tokens[company_id] = {"Authorization": f"Bearer {token}"}
    answer = post(client, tokens[member_id], network["id"], formed=True, satisfaction=4)
    assert answer.status_code == 201
    assert answer.get_json()["recorded_by"] == f"member:{member_id}"
    assert post(client, tokens[outsider_id], network["id"], formed=True).status_code == 404
    assert post(client, {}, network["id"], formed=True).status_code == 401
    summary = client.get("/api/v1/outcomes/summary", headers=tokens[member_id])
    assert summary.status_code == 403
    # The member's page lists its accepted network and takes a report through a form.
    token = tokens[member_id]["Authorization"].split()[-1]
    page = client.get(f"/p/{token}").get_data(as_text=True)
    link = f"/p/{token}/networks/{network['id']}/outcome"
    assert link in page and "Fortæl hvordan det går" in page
    form = client.get(link)
    assert form.status_code == 200 and "Netværket blev dannet" in form.get_data(as_text=True)
    bad = client.post(link, data={"formed": "1", "satisfaction": "9"})
    assert bad.status_code == 422 and "må højst være 5" in bad.get_data(as_text=True)
    sent = client.post(link, data={"formed": "1", "meetings": "3", "new_product": "1"})
    assert sent.status_code == 302
    other = (
        f"/p/{tokens[outsider_id]['Authorization'].split()[-1]}/networks/{network['id']}/outcome"
    )
    assert client.get(other).status_code == 404


def test_the_summary_gives_rates_per_programme_and_type(client, auth, networks):
    first, second = networks[:2]
    post(client, auth, first["id"], formed=True, innovation_project=True, satisfaction=4,
         programme="A")  # fmt: skip
    post(
        client,
        auth,
        first["id"],
        formed=True,
        innovation_project=False,
        new_product=True,
        satisfaction=2,
    )  # fmt: skip  (the newest report of a network counts)
    post(client, auth, second["id"], formed=False, innovation_project=False, programme="B",
         meetings=1)  # fmt: skip
    summary = client.get("/api/v1/outcomes/summary", headers=auth).get_json()
    overall = summary["overall"]
    assert overall["networks"] == 2
    assert overall["formed"] == {"rate": 0.5, "yes": 1, "answered": 2}
    assert overall["innovation_project"] == {"rate": 0.0, "yes": 0, "answered": 2}
    assert overall["new_product"] == {"rate": 1.0, "yes": 1, "answered": 1}
    assert overall["export"]["rate"] is None
    assert overall["satisfaction"] == {"mean": 2.0, "answered": 1}
    by_programme = {row["programme"]: row for row in summary["by_programme"]}
    assert set(by_programme) == {"A", "B"}
    assert by_programme["A"]["formed"]["rate"] == 1.0 and by_programme["B"]["formed"]["rate"] == 0
    types = {row["type"]: row["networks"] for row in summary["by_type"]}
    assert sum(types.values()) == 2 and set(types) == {first["type"], second["type"]}
    assert summary["reference"] == {"innovation_project": 0.18, "new_product": 0.17, "export": 0.1}
    # A network whose acceptance is withdrawn no longer counts.
    client.post(f"/api/v1/networks/{second['id']}/reject", headers=auth)
    after = client.get("/api/v1/outcomes/summary", headers=auth).get_json()
    assert after["overall"]["networks"] == 1


def test_the_page_and_the_csv_export(client, auth, networks, db):
    post(client, auth, networks[0]["id"], formed=True, export=True, programme="Grøn vækst",
         note="=HYPERLINK(\"x\")")  # fmt: skip
    answer = client.get("/api/v1/outcomes/export", headers=auth)
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 1 and rows[0]["programme"] == "Grøn vækst" and rows[0]["export"] == "1"
    assert rows[0]["note"].startswith("'=")  # a spreadsheet does not run it
    assert (
        db.execute("SELECT count(*) FROM export_log WHERE object_kind = 'outcomes'").fetchone()[0]
        == 1
    )
    assert client.get("/api/v1/outcomes/export").status_code == 401


def test_a_proposal_with_outcomes_is_not_discarded(client, auth, networks, db):
    post(client, auth, networks[0]["id"], formed=True)
    proposal_id = networks[0]["proposal_id"]
    answer = client.delete(f"/api/v1/networks/proposals/{proposal_id}", headers=auth)
    assert answer.status_code == 409
    assert db["outcomes"].count == 1 and db["proposal_groups"].count >= 3


def test_the_page_shows_rates_beside_the_reference_figures(client, auth, runner, networks):
    post(client, auth, networks[0]["id"], formed=True, innovation_project=True,
         programme="Grøn vækst")  # fmt: skip
    assert client.get("/outcomes").status_code == 302  # pages need a login
    add_user(runner, "side@example.dk", password="et-langt-kodeord")
    client.post("/login", data={"email": "side@example.dk", "password": "et-langt-kodeord"})
    page = client.get("/outcomes").get_data(as_text=True)
    for words in ("Resultater af netværk", "Pr. program", "Pr. netværkstype", "Grøn vækst",
                  "≈ 18 %", "≈ 17 %", "≈ 10 %", "100 %", "Reference (evaluering)"):  # fmt: skip
        assert words in page, words
    form = client.get(f"/networks/{networks[1]['id']}/outcomes")
    assert form.status_code == 200
    missing = client.post(f"/networks/{networks[1]['id']}/outcomes", data={"meetings": "2"})
    assert missing.status_code == 422 and "skal udfyldes" in missing.get_data(as_text=True)
    sent = client.post(f"/networks/{networks[1]['id']}/outcomes",
                       data={"formed": "0", "programme": "Grøn vækst"})  # fmt: skip
    assert sent.status_code == 302
    assert client.get(f"/networks/{networks[2]['id']}/outcomes").status_code == 409
    english = client.get("/outcomes?lang=en").get_data(as_text=True)
    assert "Per programme" in english and "Pr. program" not in english
