"""Reasons read clauses analysed once (issue 11, speed): each firm's need and offer clauses are
analysed when the index snapshot is built and their sentence vectors cached when the firm is
stored; an edit or a deletion never leaves an old clause in a reason."""

from __future__ import annotations

from conftest import company_body, record_encodes, valid_cvr
from test_matching import FIRMS, register_all

from matchmaker import matching
from matchmaker.reference.text import clauses
from matchmaker.representation.clauses import MAX_CLAUSES, clause_texts
from matchmaker.representation.embedding import load_model
from matchmaker.representation.sentence import cache_key


def quoted(suggestions) -> str:
    return "\n".join(r for s in suggestions for r in s.reasons)


def test_clause_texts_are_the_first_clauses_of_a_text():
    text = "Vi søger en revisor. Vi mangler også hjælp til eksport!\n- og en ny hjemmeside"
    assert clause_texts(text) == [text[a:b] for a, b in clauses(text)]
    assert len(clause_texts(text)) == 3
    many = " ".join(f"Punkt nummer {k} på listen." for k in range(MAX_CLAUSES + 5))
    assert len(clause_texts(many)) == MAX_CLAUSES
    assert clause_texts("") == [] and clause_texts(None) == []


def test_a_period_after_an_abbreviation_ends_no_clause():
    """A quoted need is a whole sentence: "kl. 22", "fx. rør" and "e.g. pipes" are read on."""
    text = ("Ovnene er tomme fra kl. 16 til 7. Vi søger fx. nogen til at lave rør. "
            "We also need e.g. pipes. Vi er nr. 2 i regionen.")  # fmt: skip
    assert [text[a:b] for a, b in clauses(text)] == [
        "Ovnene er tomme fra kl. 16 til 7.",
        "Vi søger fx. nogen til at lave rør.",
        "We also need e.g. pipes.",
        "Vi er nr. 2 i regionen.",
    ]


def test_clause_vectors_are_cached_at_write_time_and_a_request_encodes_nothing(
    client, auth, app, db, monkeypatch
):
    ids = register_all(client, 700)
    model_name = app.config["MODEL_NAME"]
    stored = {r[0] for r in db.execute("SELECT key FROM vectors WHERE model = ?", [model_name])}
    for firm in FIRMS:
        if firm["name"] not in ids:
            continue
        for part in ("needs", "offers"):
            for text in clause_texts(firm.get(part)):
                assert cache_key(model_name, text) in stored, (firm["name"], part, text)
    # The index is built (once per process, it encodes the lexicon's labels) by a first
    # request about another firm.
    other = next(i for name, i in ids.items() if name != "Nordisk Emballage ApS")
    assert client.get(f"/api/v1/companies/{other}/partners", headers=auth).status_code == 200
    model = load_model(model_name)
    encoded = record_encodes(monkeypatch, model)
    nordisk = ids["Nordisk Emballage ApS"]
    for lang in ("da", "en"):
        answer = client.get(f"/api/v1/companies/{nordisk}/partners?limit=8&lang={lang}",
                            headers=auth)  # fmt: skip
        assert answer.status_code == 200
        reasons = [r for p in answer.get_json()["partners"] for r in p["reasons"]]
        assert any("German market" in r or "DACH" in r for r in reasons)
    assert encoded == []


def test_an_edited_or_deleted_firm_never_leaves_its_old_clauses_in_reasons(client, auth, db):
    ids = register_all(client, 700)
    nordisk, partner = ids["Nordisk Emballage ApS"], ids["German Market Partners"]
    before = matching.partner_suggestions(db, nordisk, limit=8)
    assert "DACH" in quoted(s for s in before if s.id == partner)
    assert partner in matching.match_index(db).clauses_

    new_offers = "Revision og bogføring for små og mellemstore virksomheder."
    answer = client.patch(f"/api/v1/companies/{partner}", json={"offers": new_offers},
                          headers=auth)  # fmt: skip
    assert answer.status_code == 200, answer.get_json()
    index = matching.match_index(db)
    assert index.clauses_.of(index.profile(partner), "offers").texts == [new_offers]
    edited = matching.pair_score(db, nordisk, partner)
    assert "DACH" not in quoted([edited]) and "German market" not in quoted([edited])
    assert "DACH" not in quoted(matching.partner_suggestions(db, nordisk, limit=20))

    assert client.delete(f"/api/v1/companies/{partner}", headers=auth).status_code == 204
    index = matching.match_index(db)
    assert partner not in index.clauses_
    after = matching.partner_suggestions(db, nordisk, limit=20)
    assert partner not in {s.id for s in after}
    assert "Revision og bogføring" not in quoted(after) and "DACH" not in quoted(after)
    # The firms left are quoted as before.
    for s in after:
        same = next((b for b in before if b.id == s.id), None)
        if same is not None:
            assert s.reasons == same.reasons


def test_a_market_most_firms_list_is_no_reason_but_a_rarer_shared_one_is(client, auth):
    """Every firm sells in Danmark (the home market): "Fælles markeder: Danmark" says nothing
    about a pair and is left out; Tyskland, which only two of them list, is a shared market."""
    names = []
    for k, firm in enumerate(FIRMS[:8]):
        markets = ["Danmark", "Tyskland"] if k < 2 else ["Danmark"]
        body = company_body(cvr=valid_cvr(900 + k), name=firm["name"], nace=firm["nace"],
                            description=firm["description"], markets=markets)  # fmt: skip
        answer = client.post("/api/v1/companies", json=body)
        assert answer.status_code == 201, answer.get_json()
        names.append(answer.get_json()["id"])
    found = client.get(f"/api/v1/companies/{names[0]}/partners?limit=7", headers=auth)
    partners = {p["id"]: p for p in found.get_json()["partners"]}
    assert names[1] in partners and len(partners) >= 3
    for cid, partner in partners.items():
        markets = [r for r in partner["reason_codes"] if r["code"] == "matching.markets"]
        if cid == names[1]:
            assert [r["markets"] for r in markets] == ["Tyskland"]
        else:
            assert markets == []  # only Danmark shared: no market line
        assert not any("Danmark" in r for r in partner["reasons"] if "markeder" in r.lower())


def test_industry_reasons_name_the_trades_in_the_readers_language_not_nace_codes(client, auth):
    """A facilitator reads "Fremstilling af fødevarer ↔ Landtransport", not "NACE C 10 ↔ H 49"."""
    trades = [("10.51", "Mejeri med ost og smør til detailhandlen."),
              ("49.41", "Vognmand med køletransport af fødevarer i Jylland."),
              ("10.71", "Bageri med brød og kager til supermarkeder.")]  # fmt: skip
    ids = []
    for k, (code, text) in enumerate(trades):
        body = company_body(cvr=valid_cvr(950 + k), name=f"Firma {k}", nace=code, description=text)
        answer = client.post("/api/v1/companies", json=body)
        assert answer.status_code == 201, answer.get_json()
        ids.append(answer.get_json()["id"])
    expected = {
        "da": {ids[1]: ("matching.chain", "Fremstilling af fødevarer",
                        "Landtransport; rørtransport"),
               ids[2]: ("matching.same_division", "Fremstilling af fødevarer", None)},
        "en": {ids[1]: ("matching.chain", "Manufacture of food products",
                        "Land transport and transport via pipelines"),
               ids[2]: ("matching.same_division", "Manufacture of food products", None)},
    }  # fmt: skip
    for lang, wanted in expected.items():
        partners = {}
        for mode in ("similar", "complementary"):  # a look-alike baker may only be "similar"
            url = f"/api/v1/companies/{ids[0]}/partners?lang={lang}&mode={mode}"
            listed = client.get(url, headers=auth).get_json()["partners"]
            partners.update({p["id"]: p for p in listed})
        for cid, (code, first, second) in wanted.items():
            assert cid in partners, partners
            records = [r for r in partners[cid]["reason_codes"] if r["code"] == code]
            assert len(records) == 1, partners[cid]["reason_codes"]
            if second is None:
                assert records[0]["division"] == first
            else:
                assert (records[0]["a"], records[0]["b"]) == (first, second)
            text = "\n".join(partners[cid]["reasons"])
            assert first in text and "NACE" not in text
