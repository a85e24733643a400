"""Firms help the matcher: the capability concepts read from a firm's offers and needs, which
it confirms, removes or adds (API, read endpoint, pages without JavaScript, exports), and how
the representation weighs them."""

from __future__ import annotations

import csv
import io
import json
import re

import numpy as np
import pytest
from conftest import company_body, valid_cvr

from matchmaker.matching.index import MatchIndex
from matchmaker.reference.lexicon import default_lexicon
from matchmaker.representation.capabilities import (
    ConceptChoice,
    concept_choices,
    counted_concepts,
)
from matchmaker.representation.embedding import HybridEncoder
from matchmaker.representation.lexical import LexicalEncoder

# What the lexicon reads in company_body()'s texts.
OFFERS_READ = ["sustainability", "packaging", "product_development", "prototyping"]
NEEDS_READ = ["export_germany"]


def test_the_read_endpoint_reads_offers_and_needs_in_the_asked_language(client):
    body = company_body()
    answer = client.post(
        "/api/v1/concepts/read", json={"offers": body["offers"], "needs": body["needs"]}
    )
    assert answer.status_code == 200
    found = answer.get_json()
    assert found["language"] == "da"
    assert [c["id"] for c in found["offers"]] == OFFERS_READ
    assert [c["id"] for c in found["needs"]] == NEEDS_READ
    assert found["needs"][0]["label"] == "eksport til Tyskland"
    english = client.post(
        "/api/v1/concepts/read", json={"needs": "We want to sell in Germany", "language": "en"}
    ).get_json()
    assert english["offers"] == []
    assert english["needs"] == [{"id": "export_germany", "label": "export to Germany"}]


@pytest.mark.parametrize(
    "bad, field",
    [({"offers": 3}, "offers"), ({"language": "de"}, "language"), ({"text": "x"}, "text"),
     ({"offers": "x" * 3001}, "offers")],
)  # fmt: skip
def test_the_read_endpoint_refuses_bad_input_field_by_field(client, bad, field):
    answer = client.post("/api/v1/concepts/read", json=bad)
    assert answer.status_code == 422
    assert set(answer.get_json()["fields"]) == {field}


def test_the_concept_list_has_labels_in_both_languages(client):
    listed = client.get("/api/v1/concepts?lang=en").get_json()
    assert listed["total"] == len(default_lexicon().concepts) == len(listed["items"])
    germany = next(c for c in listed["items"] if c["id"] == "export_germany")
    assert germany["label"] == "export to Germany"
    assert germany["labels"]["da"] == "eksport til Tyskland"
    assert client.get("/api/v1/concepts?lang=fr").status_code == 422


def test_the_api_stores_and_returns_the_stated_concepts(client, auth):
    body = company_body(
        offer_concepts=["packaging", "robotteknologi"],  # an id and a Danish label
        offer_concepts_removed=["prototyping"],
        need_concepts=["Export to Germany", "export_germany"],  # an English label, repeated
    )
    answer = client.post("/api/v1/companies", json=body)
    assert answer.status_code == 201, answer.get_json()
    created = answer.get_json()
    assert created["offer_concepts"] == ["packaging", "robotics"]
    assert created["offer_concepts_removed"] == ["prototyping"]
    assert created["need_concepts"] == ["export_germany"]
    assert created["need_concepts_removed"] is None
    read = client.get(f"/api/v1/companies/{created['id']}", headers=auth).get_json()
    assert read["offer_concepts"] == ["packaging", "robotics"]
    own = {"Authorization": f"Bearer {created['edit_token']}"}
    changed = client.patch(
        f"/api/v1/companies/{created['id']}",
        json={"need_concepts": [], "need_concepts_removed": ["export_germany"]},
        headers=own,
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["need_concepts"] == []
    assert changed.get_json()["need_concepts_removed"] == ["export_germany"]
    # Other changes leave the stated lists as they are.
    kept = client.patch(f"/api/v1/companies/{created['id']}", json={"city": "Ikast"}, headers=own)
    assert kept.get_json()["offer_concepts"] == ["packaging", "robotics"]


def test_free_text_alone_still_works(client):
    created = client.post("/api/v1/companies", json=company_body()).get_json()
    for field in ("offer_concepts", "offer_concepts_removed", "need_concepts"):
        assert created[field] is None


@pytest.mark.parametrize(
    "bad, field, words",
    [
        ({"offer_concepts": ["packaging", "flyvende tæpper", "nope"]}, "offer_concepts",
         ["'flyvende tæpper'", "'nope'"]),
        ({"need_concepts_removed": ["export_mars"]}, "need_concepts_removed", ["export_mars"]),
        ({"offer_concepts": ["packaging"], "offer_concepts_removed": ["packaging"]},
         "offer_concepts_removed", ["packaging"]),
        ({"need_concepts": "packaging"}, "need_concepts", []),
        ({"need_concepts": [3]}, "need_concepts.0", []),
    ],
)  # fmt: skip
def test_unknown_or_contradicting_concepts_are_refused(client, db, bad, field, words):
    answer = client.post("/api/v1/companies", json=company_body(**bad))
    assert answer.status_code == 422
    fields = answer.get_json()["fields"]
    assert list(fields) == [field]
    for word in words:
        assert word in fields[field]
    assert db["companies"].count == 0


def test_a_refused_change_leaves_the_stored_lists(client, auth):
    created = client.post(
        "/api/v1/companies", json=company_body(need_concepts=["export_germany"])
    ).get_json()
    url = f"/api/v1/companies/{created['id']}"
    refused = client.patch(url, json={"need_concepts": ["export_mars"]}, headers=auth)
    assert refused.status_code == 422 and list(refused.get_json()["fields"]) == ["need_concepts"]
    assert client.get(url, headers=auth).get_json()["need_concepts"] == ["export_germany"]


def test_the_json_download_and_the_firm_exports_carry_them(client, auth):
    created = client.post(
        "/api/v1/companies",
        json=company_body(offer_concepts=["packaging"], need_concepts=["export_germany"]),
    ).get_json()
    download = client.get(f"/p/{created['edit_token']}/download")
    assert json.loads(download.data)["need_concepts"] == ["export_germany"]
    sheet = client.get("/api/v1/companies/export?format=csv", headers=auth)
    (row,) = list(csv.DictReader(io.StringIO(sheet.data.decode("utf-8-sig")), delimiter=";"))
    assert row["kompetencer (tilbyder)"] == "emballage"
    assert row["kompetencer (søger)"] == "eksport til Tyskland"
    english = client.get("/api/v1/companies/export?format=csv&lang=en", headers=auth)
    assert "export to Germany" in english.data.decode("utf-8-sig")
    doc = client.get("/api/v1/companies/export?format=json", headers=auth).get_json()
    assert doc["items"][0]["offer_concepts"] == ["packaging"]


# -- the representation ----------------------------------------------------------------------


def _concept_cosine(encoder, vectors, a, b, part_a, part_b):
    one, other = vectors.take([a]), vectors.take([b])
    return float(encoder.lexical_block_cosine(one, other, part_a, part_b, "concepts")[0, 0])


FIRMS = [
    {"id": 1, "description": "Fødevarevirksomhed.", "offers": "Økologisk mel og gryn.",
     "needs": "Emballage og eksport til Tyskland."},
    {"id": 2, "description": "Emballagefirma.", "offers": "Emballage i pap.", "needs": ""},
    {"id": 3, "description": "Eksportrådgiver.", "offers": "Salg i Tyskland og eksport.",
     "needs": ""},
    {"id": 4, "description": "Robotfirma.", "offers": "Robotter til pakkelinjer.", "needs": ""},
]  # fmt: skip


def _lexical_vectors(firms):
    encoder = HybridEncoder(weights={"lexical": 1.0}, calibrate=False)
    return encoder, encoder.fit_transform(firms)


def test_confirmed_concepts_weigh_more_and_removed_ones_are_suppressed():
    encoder, plain = _lexical_vectors(FIRMS)
    before = {b: _concept_cosine(encoder, plain, 0, b, "needs", "offers") for b in (1, 2, 3)}
    assert before[1] > 0 and before[2] > 0 and before[3] == 0
    # The food firm confirms its need of packaging and removes export to Germany.
    said = [FIRMS[0] | {"need_concepts": ["packaging"], "need_concepts_removed": ["export"]}]
    encoder, stated = _lexical_vectors(said + FIRMS[1:])
    after = {b: _concept_cosine(encoder, stated, 0, b, "needs", "offers") for b in (1, 2, 3)}
    assert after[1] > before[1]  # the confirmed need weighs more
    assert after[2] < before[2]  # 'export' is gone; only 'export_germany' is left
    # A concept the text never names counts once confirmed; removing suppresses it.
    added = [FIRMS[0] | {"need_concepts": ["robotics"]}]
    encoder, stated = _lexical_vectors(added + FIRMS[1:])
    assert _concept_cosine(encoder, stated, 0, 3, "needs", "offers") > 0
    gone = [FIRMS[0] | {"need_concepts_removed": ["packaging", "export", "export_germany"]}]
    encoder, stated = _lexical_vectors(gone + FIRMS[1:])
    assert all(_concept_cosine(encoder, stated, 0, b, "needs", "offers") == 0 for b in (1, 2))


def test_the_counted_concepts_add_the_confirmed_and_leave_out_the_removed():
    firm = FIRMS[0] | {"need_concepts": ["robotics"], "need_concepts_removed": ["export"]}
    assert counted_concepts(FIRMS[0], "needs") == ["packaging", "export", "export_germany"]
    assert counted_concepts(firm, "needs") == ["packaging", "export_germany", "robotics"]
    stored = FIRMS[1] | {"offer_concepts": json.dumps(["robotics"])}  # as an index row holds it
    assert counted_concepts(stored, "profile")[-1] == "robotics"
    confirmed = FIRMS[0] | {"need_concepts": ["export_germany", "packaging", "export"]}
    assert counted_concepts(confirmed, "needs") == counted_concepts(FIRMS[0], "needs")


def test_the_weight_of_a_confirmed_concept_is_a_setting():
    texts = ["Emballage og eksport til Tyskland.", "Emballage.", "Eksport til Tyskland."]
    confirmed = [ConceptChoice(("packaging",)), ConceptChoice(), ConceptChoice()]
    cosines = []
    for weight in (1.0, 2.0, 4.0):
        encoder = LexicalEncoder(confirmed_weight=weight).fit(texts, confirmed)
        rows = encoder.transform(texts, confirmed)
        lo, hi = encoder.block_columns_["concepts"]
        block = rows[:, lo:hi].toarray()
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        cosines.append(float(block[0] @ block[1]))
    assert cosines[0] < cosines[1] < cosines[2]


def test_a_firm_that_says_nothing_is_represented_as_before():
    encoder = LexicalEncoder().fit([f["offers"] for f in FIRMS])
    texts = [f["offers"] for f in FIRMS]
    nothing = [concept_choices(f)["offers"] for f in FIRMS]
    assert not any(nothing)
    assert (encoder.transform(texts) != encoder.transform(texts, nothing)).nnz == 0
    said_nothing = [f | {"offer_concepts": None, "need_concepts_removed": None} for f in FIRMS]
    a = HybridEncoder(weights={"lexical": 1.0}).fit_transform(FIRMS)
    b = HybridEncoder(weights={"lexical": 1.0}).fit_transform(said_nothing)
    for part in ("profile", "offers", "needs"):
        assert (a.sparse[part] != b.sparse[part]).nnz == 0


def test_the_index_reads_what_firms_stated_through_the_api(client, db):
    ids = []
    for i, firm in enumerate(FIRMS):
        body = company_body(
            name=f"Firma {i}", cvr=valid_cvr(20 + i), description=firm["description"],
            offers=firm["offers"], needs=firm["needs"],
        )  # fmt: skip
        if i == 0:
            body["need_concepts"] = ["robotics"]
        ids.append(client.post("/api/v1/companies", json=body).get_json()["id"])
    index = MatchIndex(encoder=HybridEncoder(weights={"lexical": 1.0})).fit(db)
    rows = index.rows([ids[0], ids[3]])
    vectors = index.vectors_
    assert _concept_cosine(index.encoder_, vectors, rows[0], rows[1], "needs", "offers") > 0


# -- the pages, without JavaScript ----------------------------------------------------------


def _form(**overrides) -> dict:
    form = {k: v for k, v in company_body().items() if k not in ("markets", "consent")}
    return form | {"markets": "Danmark", "consent": "1"} | overrides


def test_after_registering_the_profile_page_asks_to_confirm_what_was_read(client, db):
    page = client.get("/register").get_data(as_text=True)
    assert 'list="concept-options"' in page and "eksport til Tyskland" in page
    answer = client.post("/register", data=_form())
    assert answer.status_code == 302
    own_url = answer.headers["Location"]
    own = client.get(own_url).get_data(as_text=True)
    assert "Vi læste disse kompetencer i jeres tekst" in own
    for cid in OFFERS_READ + NEEDS_READ:
        assert f'value="{cid}" checked' in own
    assert "læst i teksten, ikke bekræftet" in own
    token = own_url.split("/p/")[1].split("?")[0]
    confirmed = client.post(
        f"/p/{token}/concepts",
        data={
            "offer_concepts": ["packaging", "prototyping"],
            "offer_concepts_shown": OFFERS_READ,
            "offer_concepts_add": "robotteknologi",
            "need_concepts": NEEDS_READ,
            "need_concepts_shown": NEEDS_READ,
        },
    )
    assert confirmed.status_code == 302
    stored = db.execute(
        "SELECT offer_concepts, offer_concepts_removed, need_concepts FROM companies"
    ).fetchone()
    assert json.loads(stored[0]) == ["packaging", "prototyping", "robotics"]
    assert json.loads(stored[1]) == ["sustainability", "product_development"]
    assert json.loads(stored[2]) == ["export_germany"]
    shown = client.get(f"/p/{token}").get_data(as_text=True)
    assert "Kompetencerne er gemt" in shown
    assert "emballage, prototyper og 3D-print, robotteknologi" in shown
    assert 'value="sustainability" >' in shown  # removed: shown again, unticked


def test_the_edit_form_shows_the_stated_concepts_and_names_an_unknown_one(client, db):
    created = client.post(
        "/api/v1/companies",
        json=company_body(need_concepts=["robotics"], offer_concepts_removed=["prototyping"]),
    ).get_json()
    token = created["edit_token"]
    page = client.get(f"/p/{token}/edit").get_data(as_text=True)
    assert 'value="robotics" checked' in page and 'value="prototyping" >' in page
    refused = client.post(
        f"/p/{token}/edit",
        data=_form(need_concepts=["robotics"], need_concepts_shown=["robotics", "export_germany"],
                   need_concepts_add="flyvende tæpper"),
    )  # fmt: skip
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "kender vi ikke som kompetencer: &#39;flyvende tæpper&#39;" in text
    assert 'value="flyvende tæpper"' in text  # what was typed comes back
    assert 'value="export_germany" >' in text  # the unticked box stays unticked
    assert json.loads(db.execute("SELECT need_concepts FROM companies").fetchone()[0]) == [
        "robotics"
    ]


def test_an_english_page_shows_english_labels(client):
    created = client.post(
        "/api/v1/companies", json=company_body(need_concepts=["export_germany"])
    ).get_json()
    page = client.get(f"/p/{created['edit_token']}?lang=en").get_data(as_text=True)
    assert "We read these capabilities in your text" in page
    assert "export to Germany" in page and "eksport til Tyskland" not in page


def test_an_import_reads_concepts_by_label_and_refuses_unknown_ones(client, auth, db):
    header = "navn;region;type;beskrivelse;tilbyder;samtykke;kompetencer (tilbyder);need_concepts"
    rows = [
        "Aarhus Emballage;Midtjylland;company;Pap.;Emballage;ja;emballage, robotteknologi;export",
        "Odense Data;Syddanmark;company;Software.;Apps;ja;;",
    ]
    upload = io.BytesIO("\n".join([header, *rows]).encode())
    answer = client.post("/api/v1/companies/import", data={"file": (upload, "m.csv")}, headers=auth)
    assert answer.status_code == 201, answer.get_json()
    stored = db.execute("SELECT offer_concepts, need_concepts FROM companies ORDER BY id")
    assert [tuple(r) for r in stored] == [
        ('["packaging", "robotics"]', '["export"]'),
        (None, None),
    ]
    bad = io.BytesIO(f"{header}\nX ApS;Midtjylland;company;Noget.;;ja;flyvende tæpper;".encode())
    refused = client.post("/api/v1/companies/import", data={"file": (bad, "m.csv")}, headers=auth)
    assert refused.status_code == 422
    assert "flyvende tæpper" in refused.get_json()["report"]["rows"][0]["errors"]["offer_concepts"]


def test_saving_another_field_confirms_no_concept_the_service_only_read(client, db):
    """The edit form shows the concepts read in the text ticked; sent back unchanged with only
    the number of employees changed, it confirms none of them (the lists stay unstated); a box
    unticked there is a statement, stored."""
    token = client.post("/api/v1/companies", json=company_body()).get_json()["edit_token"]
    page = client.get(f"/p/{token}/edit").get_data(as_text=True)
    ticked = re.findall(r'name="(\w+_concepts)" value="([\w-]+)" checked', page)
    shown = re.findall(r'name="(\w+_concepts)_shown" value="([\w-]+)"', page)
    assert ticked and sorted(ticked) == sorted(shown)  # all read, all ticked, none stated
    boxes = {}
    for field, cid in ticked:
        boxes.setdefault(field, []).append(cid)
        boxes.setdefault(f"{field}_shown", []).append(cid)
    saved = client.post(f"/p/{token}/edit", data=_form(employees="43") | boxes)
    assert saved.status_code == 302
    stored = db.execute("SELECT employees, offer_concepts, need_concepts FROM companies").fetchone()
    assert stored == (43, None, None)
    field, first = ticked[0]
    unticked = boxes | {field: [c for c in boxes[field] if c != first]}
    assert client.post(f"/p/{token}/edit", data=_form() | unticked).status_code == 302
    removed = db.execute(f"SELECT {field}_removed FROM companies").fetchone()[0]
    assert json.loads(removed) == [first]
