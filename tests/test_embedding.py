"""Text handling, the lexicon and the representations, with the real model and a real store."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import record_encodes

from matchmaker.reference.lexicon import default_lexicon
from matchmaker.reference.sizes import size_band
from matchmaker.reference.text import char_ngrams, content_stems, guess_language, normalize, stem
from matchmaker.representation.embedding import (
    HybridEncoder,
    LexicalEncoder,
    ProfileVectors,
    SentenceEncoder,
    StructuredEncoder,
    encode_responses,
    load_model,
    passages,
)
from matchmaker.store import db as store


def test_guess_language():
    assert guess_language("Vi hjælper små virksomheder med at komme i gang med eksport") == "da"
    assert guess_language("We help small companies get started with exports") == "en"
    assert guess_language("Økologiske grøntsager") == "da"
    assert guess_language("") == "da"


def test_normalize_folds_case_width_and_soft_hyphens():
    assert normalize("  Viden\u00addeLING  og ＤＡＣＨ ") == "videndeling og dach"


def test_danish_inflections_share_a_stem():
    assert stem("virksomheder") == stem("virksomhedens") == stem("virksomhed")
    assert stem("emballagen") == stem("emballager")
    assert stem("markederne") == stem("markedet") == stem("marked")
    assert content_stems("Virksomheder og de tyske markeder") == ["virksom", "tysk", "marked"]


def test_char_ngrams_let_compounds_share_features():
    compound = set(char_ngrams("eksportrådgivning"))
    assert compound & set(char_ngrams("eksport")) and compound & set(char_ngrams("rådgivning"))
    texts = ["Eksportrådgivning for virksomheder", "Rådgivning om eksport", "Tagrenovering"]
    with_chars = LexicalEncoder(concept_weight=0).fit_transform(texts)
    words_only = LexicalEncoder(concept_weight=0, char_weight=0).fit_transform(texts)
    assert (with_chars[0] @ with_chars[1].T).toarray()[0, 0] > 0.1
    assert (with_chars[0] @ with_chars[2].T).toarray()[0, 0] < 0.1
    assert (words_only[0] @ words_only[1].T).toarray()[0, 0] < 0.05


def test_lexicon_maps_both_languages_and_inflections_to_one_concept():
    lexicon = default_lexicon()
    assert "export_germany" in lexicon.concept_ids("Vi vil gerne sælge vores produkter i Tyskland")
    assert "export_germany" in lexicon.concept_ids("Market entry on the German market")
    assert "packaging" in lexicon.concept_ids("Emballagen skal være genanvendelig")
    assert "cold_chain" in lexicon.concept_ids("Vi sikrer kølekæden hele vejen")
    assert "cybersecurity" not in lexicon.concept_ids("Vi laver carporte og tagterrasser")
    text = "Hjælp til eksport. Vi mangler IT-sikkerhed i produktionen."
    match = next(m for m in lexicon.find(text) if m.concept == "cybersecurity")
    assert text[match.start : match.end] == "IT-sikkerhed"
    assert lexicon.label("cybersecurity", "en") == "cybersecurity"


def test_danish_need_is_closer_to_english_offer_of_same_capability():
    firms = [
        {"id": 1, "needs": "Vi har brug for hjælp til at sælge vores produkter i Tyskland."},
        {"id": 2, "offers": "Export consulting for the German market and the DACH region."},
        {"id": 3, "offers": "We grow organic vegetables and deliver them to restaurants."},
        {"id": 4, "offers": "Tømrerarbejde, tagrenovering og montering af vinduer."},
    ]
    # The English-trained model alone puts Danish texts together whatever they say (see
    # bench/README.md); the lexicon's concepts carry the bridge in the lexical and combined parts.
    for weights in (None,):
        encoder = HybridEncoder(weights=weights)
        vectors = encoder.fit_transform(firms)
        sims = encoder.similarity(vectors.take([0]), vectors, "needs", "offers")[0]
        assert sims[1] > sims[2] and sims[1] > sims[3], weights


def test_firms_alike_but_for_rounding_score_alike_alone_and_in_a_block():
    # Six profiles with the same texts: every cosine between them is one number up to float
    # rounding, which differs between a query row alone and in a block. Calibrating by that
    # "spread" turned the rounding into scores (0 alone, -0.31 in a block).
    firms = [
        {"id": k, "needs": "Vi har brug for hjælp til eksport.", "offers": "Vi laver vinduer."}
        for k in range(6)
    ]
    encoder = HybridEncoder()
    vectors = encoder.fit_transform(firms)
    whole = encoder.similarity(vectors, vectors, "needs", "offers")
    for row in range(len(firms)):
        alone = encoder.similarity(vectors.take([row]), vectors, "needs", "offers")[0]
        assert np.allclose(alone, whole[row], atol=1e-4)


@pytest.fixture
def counted_model(monkeypatch):
    """The shared model with its encode wrapped to record what it is asked to encode."""
    return record_encodes(monkeypatch, load_model())


def test_sentence_vectors_are_cached_in_the_store(tmp_path, counted_model):
    db = store.connect(tmp_path / "t.sqlite3")
    encoder = SentenceEncoder()
    texts = ["Bæredygtig emballage til fødevarer", "Export consulting", ""]
    first = encoder.encode(texts, db=db)
    assert counted_model == texts[:2]
    assert db["vectors"].count == 2
    assert np.allclose(np.linalg.norm(first[:2], axis=1), 1, atol=1e-5)
    assert not first[2].any()
    again = SentenceEncoder().encode(texts[:2] + ["Ny tekst"], db=db)
    assert counted_model == texts[:2] + ["Ny tekst"]
    assert np.allclose(again[:2], first[:2])


def test_long_text_is_encoded_as_mean_of_passages(counted_model):
    sentence = "Projektet styrker samarbejdet mellem virksomheder og forskere i regionen. "
    text = sentence * 30
    pieces = passages(text, 700)
    assert len(pieces) > 2 and all(len(p) <= 700 for p in pieces)
    vector = SentenceEncoder(passage_chars=700).encode([text])[0]
    assert counted_model == pieces
    assert abs(np.linalg.norm(vector) - 1) < 1e-5


def test_structured_encoder_and_size_bands():
    assert [size_band(n) for n in (1, 9, 10, 49, 50, 249, 250, None)] == [
        "micro", "micro", "small", "small", "medium", "medium", "large", None
    ]  # fmt: skip
    firms = [
        {"nace": "62.01", "region": "Midtjylland", "employees": 5, "kind": "company"},
        {"nace": "6202", "region": "Midtjylland", "employees": 8, "kind": "company"},
        {"nace": "10.11", "region": "Hovedstaden", "employees": 400, "kind": "company"},
    ]
    m = StructuredEncoder().fit(firms).transform(firms).toarray()
    assert np.allclose(np.linalg.norm(m, axis=1), 1)
    assert m[0] @ m[1] > 0.99 and m[0] @ m[2] < 0.4


def test_profile_vectors_take_and_concat_keep_rows():
    firms = [
        {"id": 10, "description": "Vi laver robotter", "offers": "Robotceller"},
        {"id": 20, "description": "Vi laver emballage", "offers": "Emballage", "needs": "Robotter"},
    ]
    encoder = HybridEncoder()
    vectors = encoder.fit_transform(firms)
    assert not vectors.dense["needs"][0].any() and vectors.dense["needs"][1].any()
    swapped = ProfileVectors.concat([vectors.take([1]), vectors.take([0])])
    assert swapped.ids == [20, 10]
    assert np.allclose(swapped.dense["offers"][1], vectors.dense["offers"][0])
    assert (swapped.sparse["profile"][0] != vectors.sparse["profile"][1]).nnz == 0


def test_encode_responses_puts_alike_answers_together():
    answers = [
        {"id": 1, "core_business": "Vi producerer fødevarer", "barriers": "Mangler robotter"},
        {"id": 2, "core_business": "Fødevareproduktion", "barriers": "Automatisering er dyrt"},
        {"id": 3, "core_business": "Vi udvikler software", "barriers": "Svært at rekruttere"},
    ]
    vectors = encode_responses(answers)
    sims = vectors.similarity()
    assert vectors.ids == [1, 2, 3] and sims.shape == (3, 3)
    assert sims[0, 1] > sims[0, 2]
