"""Settings read once: MATCHMAKER_MODEL names the sentence model every new index uses."""

from __future__ import annotations

from matchmaker import matching
from matchmaker.matching import index as match_index_module
from web import create_app


def test_the_model_setting_reaches_the_index(monkeypatch, tmp_path):
    monkeypatch.setenv("MATCHMAKER_MODEL", "all-MiniLM-L6-v2")
    create_app({"TESTING": True, "DATABASE": str(tmp_path / "a.sqlite3")})
    assert matching.default_encoder().model.model_name == "all-MiniLM-L6-v2"
    monkeypatch.setenv("MATCHMAKER_MODEL", str(tmp_path / "another-model"))
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "b.sqlite3")})
    assert app.config["MODEL_NAME"] == str(tmp_path / "another-model")
    assert matching.default_encoder().model.model_name == str(tmp_path / "another-model")
    match_index_module.configure(model_name=None)
    assert matching.default_encoder().model is None
