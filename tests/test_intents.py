"""The chat's intent classifier: trained from data/chat/, saved to models/, Danish and English."""

from __future__ import annotations

import os
import time

import pytest

from matchmaker.chat import intents


@pytest.fixture(scope="module")
def model():
    intents.ensure_trained()
    return intents.load()


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("find fire partnere til Holmsland Smedeværksted i Midtjylland", "find_partners"),
        ("Who could Lemvig Trådteknik work with on automation?", "find_partners"),
        ("hvilke virksomheder ligner Brande Bådebyggeri?", "similar"),
        ("show me firms similar to Varde Vinduer", "similar"),
        ("foreslå netværk for byggevirksomheder på Fyn", "propose_networks"),
        ("propose networks of four firms in Zealand", "propose_networks"),
        ("lav hold til masterclassen om robotter", "propose_cohorts"),
        ("split the masterclass participants into cohorts", "propose_cohorts"),
        ("hvorfor passer de to sammen?", "explain"),
        ("why did you suggest them?", "explain"),
        ("vis profilen for Kerteminde Keramik", "show"),
        ("tell me about Struer Sejl", "show"),
        ("eksporter listen som excel", "export"),
        ("download the network as pdf", "export"),
        ("hej, hvad kan du?", "help"),
        ("hello, what can you do?", "help"),
        ("hvem vandt fodboldkampen i går?", "other"),
        ("what's the capital of France?", "other"),
    ],
)
def test_danish_and_english_phrasings(model, text, intent):
    assert model.predict(text).intent == intent


def test_prediction_carries_calibrated_probabilities(model):
    prediction = model.predict("find partnere til Skjern Savværk")
    assert set(prediction.probabilities) == set(intents.INTENTS)
    assert abs(sum(prediction.probabilities.values()) - 1) < 1e-6
    assert prediction.confidence == max(prediction.probabilities.values())


def test_unclear_text_is_other(model):
    assert intents.classify("xqzv plorb").intent == "other"


def test_known_firm_names_are_masked(model):
    # Known names become one placeholder, so a name full of verbs does not steer the intent.
    text = "vis Forklar & Eksportér ApS"
    masked = intents.mask_names(text, [(4, len(text))])
    assert masked.split() == ["vis", "firmanavn"]
    assert model.predict(text, [(4, len(text))]).intent == "show"


def test_load_never_trains(tmp_path):
    missing = tmp_path / "intents.joblib"
    with pytest.raises(intents.IntentModelMissing, match="train-intents"):
        intents.load(missing)
    assert not missing.exists()
    # A model older than its data is used as it is (and reported stale), not rebuilt.
    data = tmp_path / "utterances.csv"
    data.write_bytes(intents.UTTERANCES.read_bytes())
    path = intents.ensure_trained(missing, data)
    first = path.stat().st_mtime
    later = time.time() + 5
    os.utime(data, (later, later))
    assert intents.is_stale(path, data)
    assert intents.load(path).predict("find partners for Ribe Rør").intent == "find_partners"
    assert path.stat().st_mtime == first
    assert intents.ensure_trained(path, data).stat().st_mtime > first


def test_cli_command_trains(runner, tmp_path, monkeypatch):
    from matchmaker.cli import main

    target = tmp_path / "intents.joblib"
    monkeypatch.setattr(intents, "MODEL_PATH", target)
    result = runner.invoke(main, ["train-intents"])
    assert result.exit_code == 0, result.output
    assert target.exists() and "cv_accuracy" in result.output
    loaded = intents.load(target)
    assert loaded.predict("find partners for Ribe Rør").intent == "find_partners"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # Several firms named: still a network request.
        ("Foreslå et netværk med Vinderup Vinduer, Oksbøl Olie, Ærø Æbler og Rønne Rør",
         "propose_networks"),
        ("propose a network with Kibæk Kabel, Videbæk Vand and Tistrup Tømrer", "propose_networks"),
        # A number after "masterclass" names it: the request is still for cohorts.
        ("Lav hold til masterclass 4", "propose_cohorts"),
        ("make cohorts for masterclass 7", "propose_cohorts"),
        # An explicit partner request with an exclusion is a partner request.
        ("find partnere til Sunds Stål uden nummer to", "find_partners"),
    ],
)  # fmt: skip
def test_review_phrasings(model, text, intent):
    assert model.predict(text).intent == intent
