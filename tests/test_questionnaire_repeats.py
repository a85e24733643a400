"""One answer per firm per masterclass: a repeat (same CVR, same profile, same name) updates the
firm's answer and stays one respondent in one cohort, when its sender shows it may (the first
answer's private token, the firm's own profile token, a facilitator): a name or CVR anyone can
type replaces nothing, and answers a repeat leaves empty are kept; a store with repeats from
before is merged (the newest kept) without losing other data. The technology questions name the
masterclass's technology, in the form and in the API, in Danish and English."""

from __future__ import annotations

import re
import time

from conftest import add_user, company_body, valid_cvr
from test_masterclasses import ANSWER, make_masterclass

from matchmaker.store import dashboard, proposals, questionnaires
from matchmaker.store import db as store


def answer(client, masterclass_id: int, headers=None, **overrides):
    return client.post(
        f"/api/v1/masterclasses/{masterclass_id}/responses", json=ANSWER | overrides,
        headers=headers or {},
    )  # fmt: skip


def test_a_repeat_with_the_same_cvr_updates_the_answer(client, auth, db):
    masterclass = make_masterclass(client, auth)
    first = answer(client, masterclass["id"], cvr=valid_cvr(5))
    assert first.status_code == 201 and first.get_json()["updated"] is False
    assert first.get_json()["edit_token"]  # its private token, given once
    # the name alone, without the CVR the answer gave: anyone could type it; nothing replaced
    typed = answer(client, masterclass["id"], barriers="Overskrevet.")
    assert typed.status_code == 409 and "company" in typed.get_json()["fields"]
    assert db.execute("SELECT barriers FROM responses").fetchall() == [(ANSWER["barriers"],)]
    again = answer(client, masterclass["id"], cvr=valid_cvr(5), company="Fynsk Fjerkræ",
                   barriers="Nu mangler vi kun tid.", potentials="")  # fmt: skip
    assert again.status_code == 200 and again.get_json()["updated"] is True
    assert "edit_token" not in again.get_json() and "edit_token_hash" not in again.get_json()
    assert again.get_json()["potentials"] == ANSWER["potentials"]  # left empty: kept
    assert again.get_json()["id"] == first.get_json()["id"]
    rows = db.execute("SELECT company, barriers, updated_at FROM responses").fetchall()
    assert rows == [("Fynsk Fjerkræ", "Nu mangler vi kun tid.", rows[0][2])] and rows[0][2]
    stored = client.get(f"/api/v1/masterclasses/{masterclass['id']}", headers=auth).get_json()
    assert stored["responses"] == 1


def test_a_repeat_is_recognised_by_name_without_cvr_and_two_cvrs_are_two_firms(client, auth, db):
    masterclass = make_masterclass(client, auth)
    answer(client, masterclass["id"], cvr=valid_cvr(5))
    # the same name written another way, without a CVR: the same firm, its CVR kept; only a
    # facilitator (or the answer's token) replaces it, and answers left empty stay
    anonymous = answer(client, masterclass["id"], company="  fynsk   fjerkræ a/s ",
                       barriers="", potentials="")  # fmt: skip
    assert anonymous.status_code == 409
    again = answer(client, masterclass["id"], headers=auth, company="  fynsk   fjerkræ a/s ",
                   barriers="", potentials="Nye markeder.")  # fmt: skip
    assert again.status_code == 200 and again.get_json()["cvr"] == valid_cvr(5)
    assert again.get_json()["barriers"] == ANSWER["barriers"]
    assert again.get_json()["potentials"] == "Nye markeder."
    # the same name with another CVR is another firm
    other = answer(client, masterclass["id"], cvr=valid_cvr(6))
    assert other.status_code == 201
    # an answer to another masterclass is not a repeat
    second = make_masterclass(client, auth, title="Eksport")
    assert answer(client, second["id"], cvr=valid_cvr(5)).status_code == 201
    counts = db.execute(
        "SELECT masterclass_id, count(*) FROM responses GROUP BY masterclass_id ORDER BY 1"
    ).fetchall()
    assert counts == [(masterclass["id"], 2), (second["id"], 1)]


def test_the_firms_own_repeat_links_it_and_an_anonymous_one_learns_no_profile(client, auth, db):
    firm = client.post("/api/v1/companies", json=company_body()).get_json()
    masterclass = make_masterclass(client, auth)
    own = {"Authorization": f"Bearer {firm['edit_token']}"}
    first = answer(client, masterclass["id"], headers=own, cvr=firm["cvr"])
    assert first.status_code == 201 and first.get_json()["company_id"] == firm["id"]
    anonymous = answer(client, masterclass["id"], cvr=firm["cvr"], potentials="Mere eksport.")
    assert anonymous.status_code == 200 and anonymous.get_json()["company_id"] is None
    again = answer(client, masterclass["id"], headers=own, barriers="Tid.")  # no CVR: its token
    assert again.status_code == 200 and again.get_json()["company_id"] == firm["id"]
    row = db.execute("SELECT company_id, barriers FROM responses").fetchall()
    assert row == [(firm["id"], "Tid.")]  # the stored link is kept
    other = client.post("/api/v1/companies", json=company_body(cvr=valid_cvr(9), name="Andet ApS"))
    theirs = {"Authorization": f"Bearer {other.get_json()['edit_token']}"}
    taken = answer(client, masterclass["id"], headers=theirs, barriers="Nej.")
    assert taken.status_code == 201  # another profile: another respondent, nothing replaced
    assert db.execute("SELECT barriers FROM responses WHERE company_id = ?",
                      [firm["id"]]).fetchall() == [("Tid.",)]  # fmt: skip


def test_the_web_form_updates_a_repeat(client, auth, db):
    masterclass = make_masterclass(client, auth)
    url = f"/masterclasses/{masterclass['id']}/questionnaire"
    form = {k: str(v) for k, v in ANSWER.items()} | {"cvr": valid_cvr(5)}
    page = client.get(url).get_data(as_text=True)
    assert "erstatter dette svar det gamle, når I skriver samme CVR-nummer" in page
    first = client.post(url, data=form).get_data(as_text=True)
    assert "Tak for jeres svar" in first
    link = re.search(r'id="answer-link">[^<]*<a href="([^"]+)"', first).group(1)
    typed = client.post(url, data=form | {"experience": "Overskrevet.", "cvr": ""})
    assert typed.status_code == 409 and "allerede svaret" in typed.get_data(as_text=True)
    opened = client.get(link)
    assert opened.status_code == 200 and "no-store" in opened.headers["Cache-Control"]
    page = opened.get_data(as_text=True)
    assert ANSWER["barriers"] in page and 'name="edit_token"' in page
    token = re.search(r'name="edit_token" value="([^"]+)"', page).group(1)
    second = client.post(url, data=form | {"experience": "Et lille forsøg.", "barriers": "",
                                            "cvr": "", "edit_token": token})  # fmt: skip
    assert second.status_code == 200 and "jeres svar er opdateret" in second.get_data(as_text=True)
    rows = db.execute("SELECT experience, barriers FROM responses").fetchall()
    assert rows == [("Et lille forsøg.", ANSWER["barriers"])]
    assert client.get(url + "?svar=ikke-et-link").status_code == 404


def test_a_repeat_after_cohorts_stays_one_respondent_in_one_cohort(client, auth, db):
    masterclass = make_masterclass(client, auth)
    tokens = []
    for i in range(6):
        business = f"Firma {i} laver {'ost' if i % 2 else 'software'}."
        made = answer(client, masterclass["id"], company=f"Firma {i} ApS",
                      cvr=valid_cvr(10 + i), core_business=business)  # fmt: skip
        assert made.status_code == 201
        tokens.append(made.get_json()["edit_token"])
    url = f"/api/v1/masterclasses/{masterclass['id']}/cohorts"
    before = client.post(url, headers=auth, json={"min_size": 3, "max_size": 3, "seed": 0})
    assert before.status_code == 201, before.get_json()
    time.sleep(1.1)  # stored times are to the second: the change comes after the split
    again = answer(client, masterclass["id"], company="Firma 0 ApS", cvr=valid_cvr(10),
                   core_business="Firma 0 laver nu også ost.", edit_token=tokens[0])  # fmt: skip
    assert again.status_code == 200
    # the changed answer waits for the facilitator like a new one
    waiting = dashboard.answers_waiting(db)
    assert [(w["id"], w["waiting"], w["answers"]) for w in waiting] == [(masterclass["id"], 1, 6)]
    after = client.post(url, headers=auth, json={"min_size": 3, "max_size": 3, "seed": 0})
    assert after.status_code == 201, after.get_json()
    members = [m["response_id"] for c in after.get_json()["cohorts"] for m in c["members"]]
    assert len(members) == len(set(members)) == 6
    assert again.get_json()["id"] in members


def test_an_older_store_with_repeats_keeps_the_newest_answer(db_path):
    db = store.connect(db_path)
    masterclass = questionnaires.create_masterclass(
        db, {"title": "AI", "theme": "AI", "capacity": 9}
    )
    other = questionnaires.create_masterclass(db, {"title": "CO2", "theme": "CO2", "capacity": 9})
    # an older store: no one-answer rule, so the same firm answered three times
    db.execute("DROP INDEX responses_one_per_cvr")
    rows = [
        {"company": "Fynsk Fjerkræ A/S", "cvr": valid_cvr(5), "company_id": None,
         "core_business": "Gammelt svar", "employees": 30},
        {"company": "Anden ApS", "cvr": valid_cvr(6), "core_business": "Et andet firma"},
        {"company": "FYNSK FJERKRÆ A/S", "cvr": None, "company_id": None,
         "core_business": "Mellemste svar"},
        {"company": "Fynsk Fjerkræ A/S", "cvr": valid_cvr(5), "core_business": "Nyeste svar"},
    ]  # fmt: skip
    ids = [
        db["responses"].insert(r | {"masterclass_id": masterclass["id"], "created_at": "x"}).last_pk
        for r in rows
    ]
    elsewhere = db["responses"].insert({"company": "Fynsk Fjerkræ A/S", "cvr": valid_cvr(5),
                                        "masterclass_id": other["id"], "core_business": "Andet"}
                                       ).last_pk  # fmt: skip

    def cohort(*response_ids):
        return {"coherence": 0.5, "themes": [], "members": [
            {"response_id": r, "company": "x"} for r in response_ids]}  # fmt: skip

    # one run held the oldest and the newest answer in two cohorts, another only the oldest
    both = proposals.save(db, "cohort", {}, {}, [cohort(ids[0], ids[1]), cohort(ids[3])],
                          masterclass_id=masterclass["id"])  # fmt: skip
    oldest = proposals.save(db, "cohort", {}, {}, [cohort(ids[0], ids[1])],
                            masterclass_id=masterclass["id"])  # fmt: skip
    db.execute("PRAGMA user_version = 4")
    db.close()

    migrated = store.connect(db_path)
    kept = migrated.execute(
        "SELECT id, company, cvr, employees, core_business FROM responses "
        "WHERE masterclass_id = ? ORDER BY id",
        [masterclass["id"]],
    ).fetchall()
    assert kept == [(ids[1], "Anden ApS", valid_cvr(6), None, "Et andet firma"),
                    (ids[3], "Fynsk Fjerkræ A/S", valid_cvr(5), 30, "Nyeste svar")]  # fmt: skip
    assert migrated.execute("SELECT count(*) FROM responses WHERE id = ?", [elsewhere]).fetchone()
    run = proposals.get_proposal(migrated, both["id"])
    assert [[m["response_id"] for m in g["members"]] for g in run["groups"]] == [[ids[1]], [ids[3]]]
    run = proposals.get_proposal(migrated, oldest["id"])
    assert [[m["response_id"] for m in g["members"]] for g in run["groups"]] == [[ids[3], ids[1]]]
    members = migrated.execute(
        "SELECT response_id FROM group_members ORDER BY group_id, response_id"
    ).fetchall()
    assert members == [(ids[1],), (ids[3],), (ids[1],), (ids[3],)]
    assert migrated.execute("SELECT count(*) FROM masterclasses").fetchone()[0] == 2
    migrated.close()


def test_the_technology_questions_name_the_masterclass_technology(client, auth):
    masterclass = make_masterclass(client, auth, technology="kunstig intelligens")
    url = f"/masterclasses/{masterclass['id']}/questionnaire"
    page = client.get(url).get_data(as_text=True)
    assert "Hvordan vil kunstig intelligens få betydning for jer?" in page
    assert "Jeres erfaring med kunstig intelligens" in page
    english = client.get(url + "?lang=en").get_data(as_text=True)
    # The technology is named once, in Danish: the English question names it in brackets
    # instead of putting a Danish word into an English sentence.
    assert "How will the technology of this masterclass (kunstig intelligens) matter" in english
    assert "How will kunstig intelligens" not in english
    described = client.get(f"/api/v1/masterclasses/{masterclass['id']}/questionnaire")
    assert described.status_code == 200  # open, like the web form
    questions = {q["field"]: q for q in described.get_json()["questions"]}
    assert questions["technology_role"]["text"] == {
        "da": "Hvordan vil kunstig intelligens få betydning for jer?",
        "en": "How will the technology of this masterclass (kunstig intelligens) matter to your "
        "business?",
    }
    assert questions["experience"]["text"]["en"] == (
        "Your experience with the technology of this masterclass (kunstig intelligens)"
    )
    assert questions["company"]["required"] and not questions["cvr"]["required"]
    assert masterclass["questions"] == described.get_json()["questions"]
    # a masterclass without a technology asks about "the technology"
    plain = make_masterclass(client, auth, title="Uden teknologi")
    texts = {q["field"]: q["text"]["da"] for q in plain["questions"]}
    assert texts["technology_role"] == "Hvordan vil teknologien få betydning for jer?"
    assert client.get("/api/v1/masterclasses/999/questionnaire").status_code == 404


def test_the_masterclass_form_takes_a_technology(client, runner, db):
    add_user(runner, "fac@cluster.dk", password="et-langt-kodeord")
    login = client.post("/login", data={"email": "fac@cluster.dk", "password": "et-langt-kodeord"})
    assert login.status_code == 302
    form = {"title": "Klimatal", "theme": "CO2-regnskab", "technology": "CO2-regnskab",
            "capacity": "20"}  # fmt: skip
    made = client.post("/masterclasses", data=form)
    assert made.status_code == 302
    assert db.execute("SELECT technology FROM masterclasses").fetchall() == [("CO2-regnskab",)]
