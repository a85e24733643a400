"""Invitations leave out a firm that has answered already, known by its name alone (an answer
is not linked to the profile by it), and never explain a firm by its own answer."""

from __future__ import annotations

from conftest import company_body, valid_cvr
from test_cohorts import masterclass

FIRMS = [
    dict(name="Kvistgaard Fiskerøgeri A/S", nace="10.20", sector="Fiskeforarbejdning",
         description="Vi røger laks og makrel til supermarkeder.",
         offers="Røget fisk.", needs="Automatisk pakning af røget fisk med robotter."),
    dict(name="Mols Marmelade ApS", nace="10.39", sector="Fødevarer",
         description="Vi koger marmelade og syltetøj på glas.",
         offers="Marmelade.", needs="Robotter der fylder og pakker glas."),
    dict(name="Thisted Dybfrost ApS", nace="10.85", sector="Fødevarer",
         description="Vi producerer frosne færdigretter til kantiner.",
         offers="Frosne retter.", needs="Robotter til portionering af mad."),
]  # fmt: skip
ANSWERS = [  # the first two firms answer anonymously, their names written another way
    {"company": "KVISTGAARD  Fiskerøgeri ApS", "core_business": "Røgeri for laks og makrel.",
     "technology_role": "Robotter skal pakke den røgede fisk.", "experience": "Ingen."},
    {"company": "mols marmelade", "core_business": "Marmelade og syltetøj på glas.",
     "technology_role": "Robotter skal fylde glas.", "experience": "Ingen."},
]  # fmt: skip


def test_a_firm_that_answered_is_not_invited_nor_explained_by_its_own_answer(client, auth):
    for k, firm in enumerate(FIRMS):
        body = company_body(**firm, cvr=valid_cvr(610 + k), contact_email=None)
        assert client.post("/api/v1/companies", json=body).status_code == 201
    mc = masterclass(client, auth, capacity=10, answers_=ANSWERS)
    body = client.get(f"/api/v1/masterclasses/{mc}/invitations", headers=auth).get_json()
    names = [i["name"] for i in body["items"]]
    assert names == ["Thisted Dybfrost ApS"] and body["total"] == 1, body
    for item in body["items"]:
        assert item["name"] not in item["reason"]
        assert item["score"] < 0.99
