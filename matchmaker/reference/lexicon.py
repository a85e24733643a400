"""A small bilingual capability lexicon: Danish and English phrases mapped to concept ids."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from matchmaker.config import DATA_DIR
from matchmaker.reference.text import LANGUAGES, is_stopword, stem, tokens, word_parts

LEXICON_PATH = DATA_DIR / "lexicon.json"
# A Danish phrase word of at least this many letters also matches as head or tail of a compound
# whose other part has at least MIN_COMPOUND_REST letters (4 measured worse on the eval set).
MIN_COMPOUND_PART = 4
MIN_COMPOUND_REST = 3
# A text word matching a phrase word by stem may be at most this much shorter than the phrase
# word ("leder" and "ledelse" share the Danish stem "led" but are different words).
STEM_SHORTENING = 1
# The same for a compound part ("nordjysk" is not "norden", "maskinsyn" not "maskiner").
COMPOUND_SHORTENING = 1
# How many extra words may sit between the words of a multi-word phrase.
WINDOW_SLACK = 2
# Texts whose concepts are remembered (stored profiles are looked at again and again).
FIND_CACHE_SIZE = 50_000


@dataclass(frozen=True)
class Concept:
    """A capability with its display labels and its phrases per language."""

    id: str
    labels: dict[str, str]
    phrases: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class ConceptMatch:
    """Where a concept was found in a text: the concept id and the matched character span."""

    concept: str
    start: int
    end: int


@dataclass(frozen=True)
class _Phrase:
    concept: str
    keys: tuple[tuple[str, str], ...]  # (language, stem) per content word


def _compound_parts(word: str) -> list[str]:
    """The word itself plus its heads and tails long enough to be compound parts."""
    n = len(word)
    parts = [word]
    if n >= MIN_COMPOUND_PART + MIN_COMPOUND_REST:
        parts += [word[:i] for i in range(MIN_COMPOUND_PART, n - MIN_COMPOUND_REST + 1)]
        parts += [word[i:] for i in range(MIN_COMPOUND_REST, n - MIN_COMPOUND_PART + 1)]
    return parts


class Lexicon:
    """Finds concepts in Danish or English text, tolerant to inflection and compounding."""

    def __init__(self, concepts: list[Concept]):
        self.concepts = {c.id: c for c in concepts}
        self._phrases: list[_Phrase] = []
        # Shortest phrase word per (language, stem), to refuse much shorter look-alike words.
        self._min_len: dict[tuple[str, str], int] = {}
        for c in concepts:
            for language, phrases in c.phrases.items():
                for phrase in phrases:
                    words = [t.text for t in tokens(phrase) if not is_stopword(t.text)]
                    if words:
                        keys = tuple((language, stem(w, language)) for w in words)
                        self._phrases.append(_Phrase(c.id, keys))
                        for k, w in zip(keys, words, strict=True):
                            self._min_len[k] = min(self._min_len.get(k, len(w)), len(w))
        self._keys = {k for p in self._phrases for k in p.keys}
        # Keys that are a whole one-word phrase: a text word that is such a term is read as it,
        # not through the parts of the compound it also is ("x-test" named as a term of its own
        # is not a "test" of another concept).
        self._terms = {p.keys[0] for p in self._phrases if len(p.keys) == 1}
        self._cache: dict[str, tuple[frozenset, frozenset]] = {}
        self._found: dict[str, tuple[ConceptMatch, ...]] = {}
        self._by_name: dict[str, str] = {}
        for c in concepts:
            for name in (c.id, *c.labels.values()):
                self._by_name.setdefault(_name_key(name), c.id)
        self._by_key: dict[tuple[str, str], list[int]] = defaultdict(list)
        for i, p in enumerate(self._phrases):
            for k in set(p.keys):
                self._by_key[k].append(i)

    @classmethod
    def load(cls, path: str | Path = LEXICON_PATH) -> Lexicon:
        """Read a lexicon file (see `data/lexicon.json`)."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(
            [
                Concept(
                    id=cid,
                    labels=dict(entry["label"]),
                    phrases={lang: tuple(entry.get(lang, ())) for lang in LANGUAGES},
                )
                for cid, entry in data["concepts"].items()
            ]
        )

    def knows_word(self, word: str) -> bool:
        """Whether a text word stands for a word of some phrase (e.g. 'vision' of 'machine
        vision')."""
        whole, inner = self._word_keys(word)
        return bool(whole or inner)

    def _word_keys(self, word: str) -> tuple[frozenset, frozenset]:
        """Phrase words this text word stands for, as (whole, inner): the same stem (and not
        much shorter), or for Danish phrase words also a head or tail of a compound (inner,
        unless the word stands for that phrase word whole too)."""
        cached = self._cache.get(word)
        if cached is None:
            whole: set[tuple[str, str]] = set()
            inner: set[tuple[str, str]] = set()
            for language in LANGUAGES:
                for piece in word_parts(word):
                    for form in {piece, stem(piece, language)}:
                        compound = language == "da" and "-" not in form
                        for part in _compound_parts(form) if compound else [form]:
                            key = (language, part)
                            if key not in self._keys:
                                continue
                            is_whole = part == form
                            size = len(piece) if is_whole else len(part)
                            slack = STEM_SHORTENING if is_whole else COMPOUND_SHORTENING
                            if size + slack >= self._min_len[key]:
                                (whole if is_whole else inner).add(key)
            cached = self._cache[word] = (frozenset(whole), frozenset(inner - whole))
        return cached

    def find(self, text: str | None) -> list[ConceptMatch]:
        """Every concept found in `text`, once per concept, at its first occurrence."""
        if not text:
            return []
        found = self._found.get(text)
        if found is None:
            if len(self._found) >= FIND_CACHE_SIZE:
                self._found.clear()
            found = self._found[text] = tuple(self._find(text))
        return list(found)

    def _find(self, text: str) -> list[ConceptMatch]:
        """Phrases found in `text`; the longest reading of a word wins: a word that is a
        one-word term itself is not read through its compound parts, and a word inside a
        multi-word phrase found word for word is not also read as another concept's one-word
        phrase ("penetration testing" is no "testing" of a laboratory)."""
        content = [t for t in tokens(text) if not is_stopword(t.text)]
        hits: dict[tuple[str, str], list[int]] = defaultdict(list)
        for pos, tok in enumerate(content):
            whole, inner = self._word_keys(tok.text)
            keys = whole if whole & self._terms else whole | inner
            for key in keys:
                hits[key].append(pos)
        candidates = sorted({i for key in hits for i in self._by_key[key]})
        spans: dict[int, tuple[int, int]] = {}
        owned: dict[int, set[str]] = defaultdict(set)  # position → concepts of a longer phrase
        for i in candidates:
            phrase = self._phrases[i]
            if len(phrase.keys) == 1:
                continue
            span = _phrase_span(phrase.keys, hits)
            if span is None:
                continue
            spans[i] = span
            first, last = span
            if last - first + 1 == len(phrase.keys):
                for pos in range(first, last + 1):
                    owned[pos].add(phrase.concept)
        found: dict[str, ConceptMatch] = {}
        for i in candidates:
            phrase = self._phrases[i]
            if len(phrase.keys) == 1:
                free = [
                    p for p in hits[phrase.keys[0]]
                    if not owned.get(p) or phrase.concept in owned[p]
                ]  # fmt: skip
                span = (free[0], free[0]) if free else None
            else:
                span = spans.get(i)
            if span is None:
                continue
            first, last = span
            match = ConceptMatch(phrase.concept, content[first].start, content[last].end)
            old = found.get(phrase.concept)
            if old is None or (match.start, match.start - match.end) < (
                old.start,
                old.start - old.end,
            ):
                found[phrase.concept] = match
        return sorted(found.values(), key=lambda m: (m.start, m.concept))

    def concept_ids(self, text: str | None) -> list[str]:
        """Ids of the concepts found in `text`, in order of first occurrence."""
        return [m.concept for m in self.find(text)]

    def label(self, concept: str, language: str = "da") -> str:
        """Display label of a concept in 'da' or 'en'."""
        return self.concepts[concept].labels.get(language) or concept

    def labels(self, language: str = "da") -> list[tuple[str, str]]:
        """(id, label in `language`) of every concept, in the order a reader looks them up."""
        return sorted(
            ((cid, self.label(cid, language)) for cid in self.concepts),
            key=lambda pair: (pair[1].casefold(), pair[0]),
        )

    def concept_of(self, value: str) -> str | None:
        """The concept a person or a spreadsheet names: its id, or its label in either
        language (case and spacing ignored); None when no concept goes by that name."""
        return self._by_name.get(_name_key(value))


def _name_key(name: str) -> str:
    return " ".join(str(name).casefold().split())


def _phrase_span(
    keys: tuple[tuple[str, str], ...], hits: dict[tuple[str, str], list[int]]
) -> tuple[int, int] | None:
    """First window of word positions holding every key of a phrase, or None."""
    if len(keys) == 1:
        pos = hits.get(keys[0])
        return (pos[0], pos[0]) if pos else None
    width = len(keys) + WINDOW_SLACK
    positions = [hits.get(k) for k in keys]
    if not all(positions):
        return None
    for anchor in positions[0]:
        chosen = []
        for plist in positions:
            near = [p for p in plist if abs(p - anchor) < width]
            if not near:
                break
            chosen.append(min(near, key=lambda p: abs(p - anchor)))
        else:
            lo, hi = min(chosen), max(chosen)
            if hi - lo < width:
                return lo, hi
    return None


def default_lexicon(path: str | None = None) -> Lexicon:
    """The bundled lexicon (or the one at `path`), read once per process."""
    return _load(path or str(LEXICON_PATH))


@lru_cache(maxsize=4)
def _load(path: str) -> Lexicon:
    return Lexicon.load(path)
