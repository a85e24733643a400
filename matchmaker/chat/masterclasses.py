"""Masterclasses named in a chat message: by title (fuzzily), by number, or by shared words and
themes."""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from matchmaker.chat import names
from matchmaker.chat.names import Gazetteer, Masterclass
from matchmaker.reference.folding import fold
from matchmaker.reference.lexicon import default_lexicon
from matchmaker.reference.text import is_stopword

_MASTERCLASS_WORDS = re.compile(
    r"masterclass\w*|masterklass\w*|master class\w*|hold\b|holdene|holdinddeling\w*|"
    r"cohort\w*|kohort\w*|kursus\w*|course\w*|forløb\w*|programme|program\b|workshop\w*|"
    r"deltager\w*|participants?|attendees?|tilmeldte",
    re.I,
)
# What follows these is the purpose of a partner search ("export to Germany").

_MASTERCLASS_NUMBER = re.compile(
    r"\b(?:masterclass\w*|masterklass\w*|master\s+class\w*)\s*(?:nr\.?|nummer|no\.?|number|#)?"
    r"\s*(\d{1,6})\b(?!\s*(?:%|hold|cohorts?|grupper|groups?|teams?|deltagere|participants))",
    re.I,
)
_COHORT_NUMBER = re.compile(
    r"\b(?:hold|cohort)\s*(?:nr\.?|nummer|no\.?|number|#)\s*(\d{1,6})\b", re.I
)


def names_masterclass(text: str) -> bool:
    """Does `text` speak of a masterclass, a course or its cohorts ("kurset", "forløbet")?"""
    return bool(_MASTERCLASS_WORDS.search(text))


def find_masterclass_number(
    text: str, gazetteer: Gazetteer, *, cohorts: bool = False
) -> tuple[Masterclass | None, tuple[int, int]] | None:
    """A masterclass named by number ('masterclass 4'; with `cohorts`, also 'hold nr 2'): the
    one with that id, else the one at that position in the list; None for the masterclass when
    neither exists. The span is the number's, so that it is not read as a count."""
    m = _MASTERCLASS_NUMBER.search(text) or (_COHORT_NUMBER.search(text) if cohorts else None)
    if m is None:
        return None
    number = int(m.group(1))
    span = (m.start(1), m.end(1))
    by_id = {mc.id: mc for mc in gazetteer.masterclasses}
    if number in by_id:
        return by_id[number], span
    if 1 <= number <= len(gazetteer.masterclasses):
        return gazetteer.masterclasses[number - 1], span
    return None, span


def find_masterclass(
    text: str, gazetteer: Gazetteer, *, loose: bool = False
) -> tuple[Masterclass, tuple[int, int] | None] | None:
    """The masterclass named in `text`: its title fuzzily, or (loose) words and themes it shares."""
    if not gazetteer.masterclasses:
        return None
    tokens = names.words(text)
    canon = [fold(names.canon(w.text)) for w in tokens]
    best: tuple[float, Masterclass, tuple[int, int] | None] | None = None
    for mc in gazetteer.masterclasses:
        title = " ".join(fold(names.canon(w.text)) for w in names.words(mc.title))
        n = len(title.split())
        for i in range(len(tokens)):
            for j in range(i + max(1, n - 1), min(len(tokens), i + n + 1) + 1):
                score = fuzz.ratio(" ".join(canon[i:j]), title)
                if score >= 88 and (best is None or score > best[0]):
                    best = (score, mc, (tokens[i].start, tokens[j - 1].end))
    if best:
        return best[1], best[2]
    if not (loose or _MASTERCLASS_WORDS.search(text)):
        return None
    lexicon = default_lexicon()
    asked = set(lexicon.concept_ids(text))
    content = {
        w
        for w in canon
        if not is_stopword(w) and not _MASTERCLASS_WORDS.fullmatch(w) and len(w) > 1
    }
    scored: list[tuple[float, int, Masterclass]] = []
    for mc in gazetteer.masterclasses:
        title_words = {
            fold(names.canon(w.text))
            for w in names.words(mc.title)
            if not is_stopword(fold(w.text)) and len(w.text) > 1
        }
        theme_words = {
            fold(w.text)
            for w in names.words(mc.theme)
            if not is_stopword(fold(w.text)) and len(w.text) > 3
        }
        score = 0.0
        for w in content:
            if w in title_words or any(
                len(t) >= 4 and (w.startswith(t) or w.endswith(t)) for t in title_words
            ):
                score += 2.0
            elif w in theme_words:
                score += 0.5
        concepts = set(lexicon.concept_ids(mc.title)) | set(lexicon.concept_ids(mc.theme))
        score += 1.5 * len(asked & concepts)
        if score > 0:
            scored.append((score, -mc.id, mc))
    if not scored:
        return None
    scored.sort(reverse=True)
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        return None  # a tie: better to ask
    return scored[0][2], None
