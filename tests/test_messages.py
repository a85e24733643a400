"""The message catalogue: every code speaks Danish and English with the same parameters."""

from __future__ import annotations

import string

import pytest

from matchmaker.reference import messages


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _codes() -> list[str]:
    return sorted(messages._catalogue("da"))  # noqa: SLF001 - the catalogue's own test


def test_the_catalogue_is_not_empty():
    assert len(_codes()) > 300


@pytest.mark.parametrize("code", _codes())
def test_each_code_has_english_with_the_same_parameters(code):
    da = messages.template(code, "da")
    en = messages._catalogue("en").get(code)  # noqa: SLF001
    assert en, f"{code} has no English text"
    assert _fields(da) == _fields(en)


def test_render_fills_parameters_and_picks_the_singular():
    assert "3" in messages.render("chat.cohorts", "en", n=3, title="AI")
    assert messages.render("chat.cohorts", "en", n=1, title="AI") == messages.render(
        "chat.cohorts_1", "en", n=1, title="AI"
    )


def test_an_unknown_language_falls_back_to_danish():
    assert messages.render("web.save", "fr") == messages.render("web.save", "da")


def test_a_record_with_an_unknown_code_is_refused():
    with pytest.raises(KeyError):
        messages.record("no.such.code")
    record = messages.record("matching.markets", markets="Tyskland")
    assert messages.render_record(record, "en").endswith("Tyskland")


def test_a_decimal_is_written_the_readers_way_and_a_whole_number_is_left_alone():
    assert "0,26" in messages.render("reasons.weak_fit", "da", fit=0.26, bar=0.75)
    assert "0.26" in messages.render("reasons.weak_fit", "en", fit=0.26, bar=0.75)
    assert "0,75" in messages.render("reasons.weak_fit", "da", fit=0.26, bar=0.75)
    assert "med i 1200 gemte forslag (grænsen er 2)" in messages.render(
        "reasons.capped", "da", n=1200, limit=2
    )


@pytest.mark.parametrize("lang", ["da", "en"])
def test_no_code_is_written_twice(lang):
    """A code in two files of a language would say whichever file is read last."""
    from pathlib import Path

    seen: dict[str, str] = {}
    twice = []
    folder = Path(messages.__file__).resolve().parents[2] / "data" / "messages" / lang
    for path in sorted(folder.glob("*.po")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith('msgid "') and line != 'msgid ""':
                code = line[len('msgid "') : -1]
                if code in seen:
                    twice.append((code, seen[code], path.name))
                seen[code] = path.name
    assert twice == []


def test_one_firm_is_one_firm():
    from matchmaker.reference import messages

    assert messages.render("reasons.pool", "da", n=1, min=3).startswith("kun 1 virksomhed kan")
    assert "1 firm that" in messages.render("reasons.pool", "en", n=1, min=3)
    assert messages.render("cohorts.few", "en", n=1, min_size=3).startswith("Only 1 answer;")
