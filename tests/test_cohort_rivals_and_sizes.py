"""Cohorts of a masterclass: competitors judged from the answers' own text (Danish and English
alike, anonymous answers never linked to a profile), and exact sizes that leave the rest out."""

from __future__ import annotations

from conftest import company_body, valid_cvr
from test_cohorts import form, masterclass

from matchmaker.grouping import cohorts

FIELDS = ("company", "core_business", "market_now", "language")
# Two ice-cream makers in one town (one answers in Danish, one in English) and two pallet
# makers of one region who write their trade in other words: competitors by their answers.
ICE = [
    ("Isværket Skagen",
     "Vi laver flødeis og sorbet i Skagen og sælger den til kiosker og hoteller.",
     "Kiosker og hoteller i Nordjylland.", "da"),
    ("Skagen Ice Cream Co.", "We make ice cream and sorbets in Skagen for kiosks, hotels and "
     "campsites.", "Kiosks and hotels in North Jutland.", "en"),
]  # fmt: skip
PALLETS = [
    ("Pallefabrikken Vest", "Vi producerer træpaller og pallerammer til industrien.",
     "Industrivirksomheder i Syddanmark.", "da"),
    ("Sydjysk Palleservice", "Fremstilling og reparation af paller i træ, især EUR-paller.",
     "Lagre og fabrikker i Region Syddanmark.", "da"),
]  # fmt: skip
OTHERS = [
    ("Honninghuset Mols", "Biavl og tapning af honning.", "Supermarkeder i Danmark.", "da"),
    ("Ferskvare Logistik", "Kølet transport af fødevarer mellem lagre og butikker.",
     "Dagligvarekæder i Danmark.", "da"),
    ("Gulerodsgården", "Dyrkning og vask af gulerødder og kartofler.", "Grossister i Danmark.",
     "da"),
    ("Rapsolie Fyn", "Koldpresning af rapsolie på flasker.", "Delikatesser i Danmark og Tyskland.",
     "da"),
    ("Fiskefars Hirtshals", "Produktion af fiskefrikadeller og fiskefars.",
     "Supermarkeder og kantiner.", "da"),
    ("Kaffeteket", "Kafferisteri der rister bønner til caféer.", "Caféer i København.", "da"),
    ("Svampefarmen", "Vi dyrker østershatte og champignon.", "Restauranter på Sjælland.", "da"),
    ("Nordic Seaweed", "We harvest and dry seaweed for food.", "Health food shops in Europe.",
     "en"),
    ("Pølsemageren Ribe", "Pølsemageri med røgede pølser.", "Slagterbutikker i Sydjylland.", "da"),
    ("Juicebaren Aps", "Presser juice og smoothies på flaske.", "Caféer og tankstationer.", "da"),
    ("Mikrobryggeriet Hav", "Brygger øl på dåse.", "Barer i Danmark.", "da"),
    ("Chili & Co", "Producerer chilisauce og krydderiblandinger.", "Webshop og delikatesser.",
     "da"),
]  # fmt: skip
ROLE = {"technology_role": "Robotter skal løfte og pakke varerne.", "experience": "Ingen."}


def rows(found):
    return [dict(zip(FIELDS, row, strict=True)) | ROLE for row in found]


def test_competitors_are_read_from_the_answers_in_either_language():
    answers_ = rows(ICE + PALLETS + OTHERS)
    names = {(answers_[i]["company"], answers_[j]["company"])
             for i, j in cohorts.likely_competitors(answers_)}  # fmt: skip
    assert (ICE[0][0], ICE[1][0]) in names
    assert (PALLETS[0][0], PALLETS[1][0]) in names
    assert len(names) <= 3, names  # a few alike pairs, not the whole food trade


def test_anonymous_answers_of_registered_rivals_are_kept_apart_or_reported(client, auth):
    # Both pallet makers are registered too, and the matcher flags them as competitors; their
    # answers carry neither a CVR nor a link, and are not linked by name.
    ids = []
    for k, (name, core, _market, _lang) in enumerate(PALLETS):
        body = company_body(name=name, cvr=valid_cvr(520 + k), nace="16.24", sector="Paller",
                            region="Syddanmark", description=core, contact_email=None,
                            offers="Træpaller og reparation af paller.")  # fmt: skip
        ids.append(client.post("/api/v1/companies", json=body).get_json()["id"])
    mc = masterclass(client, auth, capacity=10, answers_=rows(ICE + PALLETS + OTHERS))
    from matchmaker.store import db as store
    from matchmaker.store import questionnaires

    with client.application.app_context():
        conn = store.connect(client.application.config["DATABASE"])
        assert all(r["company_id"] is None for r in questionnaires.responses(conn, mc))
        conn.close()
    body = form(client, auth, mc, min_size=4, max_size=4).get_json()
    where = {m["company"]: c["id"] for c in body["cohorts"] for m in c["members"]}
    for a, b in (ICE, PALLETS):
        assert where[a[0]] != where[b[0]], body["cohorts"]


def test_exact_sizes_fill_full_cohorts_and_leave_the_rest_out_in_the_request_language(client, auth):
    answers_ = rows(ICE + PALLETS + OTHERS[:6])  # ten respondents
    mc = masterclass(client, auth, capacity=10, answers_=answers_)
    answer = form(client, auth, mc, min_size=3, max_size=3, lang="da")
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert [len(c["members"]) for c in body["cohorts"]] == [3, 3, 3]
    left = [u for u in body["unmet"] if u["constraint"] == "unplaced"]
    placed = {m["response_id"] for c in body["cohorts"] for m in c["members"]}
    assert len(left) == 1 and left[0]["response_id"] not in placed
    assert "ikke sat på et hold" in left[0]["reason"]
    (total,) = [u for u in body["unmet"] if u["constraint"] == "min_size"]
    assert total["reason"].startswith("10 deltagere kan ikke alle få plads på hold af 3–3")
    assert "uden hold: 1" in total["reason"] and "respondents" not in total["reason"]
    assert "without a cohort: 1" in total["reason_by_lang"]["en"]
    # Exactly 4 of 10: two full cohorts, two left out, none under the minimum.
    body = form(client, auth, mc, min_size=4, max_size=4, lang="en").get_json()
    assert [len(c["members"]) for c in body["cohorts"]] == [4, 4]
    assert len([u for u in body["unmet"] if u["constraint"] == "unplaced"]) == 2
    assert not [u for c in body["cohorts"] for u in c["unmet"] if u["constraint"] == "min_size"]
    # Sizes that place everyone still do.
    body = form(client, auth, mc, min_size=4, max_size=5).get_json()
    assert sorted(len(c["members"]) for c in body["cohorts"]) == [5, 5]
    assert not [u for u in body["unmet"] if u["constraint"] in ("unplaced", "min_size")]
