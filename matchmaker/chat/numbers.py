"""Numbers in a chat message: counts ("3", "fire", "3–4"), group sizes ("max 6 per hold") and
ordinals that point into the last list ("nummer to", "the last one")."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from matchmaker.reference.text import is_stopword

MAX_COUNT = 50

NUMBER_WORDS = {
    "da": {
        "to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6, "syv": 7, "otte": 8, "ni": 9,
        "ti": 10, "elleve": 11, "tolv": 12, "femten": 15, "tyve": 20,
    },
    "en": {
        "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
        "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    },
}  # fmt: skip
# Words that are numbers in one language and something else in the other.
_AMBIGUOUS_NUMBERS = {"to", "fire", "one"}
ORDINALS = {
    "første": 1, "foerste": 1, "forste": 1, "anden": 2, "andet": 2, "tredje": 3, "fjerde": 4,
    "femte": 5, "sjette": 6, "syvende": 7, "ottende": 8, "niende": 9, "tiende": 10,
    "sidste": -1, "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
    "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "last": -1,
}  # fmt: skip
_NUM_ALT = "|".join(sorted({w for t in NUMBER_WORDS.values() for w in t}, key=len, reverse=True))
_ORD_ALT = "|".join(sorted(ORDINALS, key=len, reverse=True))
_ORDINAL_PATTERNS = (
    # "nummer to", "nr. 2", "number two", "no. 3", "#2", "match 2" is left to the count
    re.compile(rf"\b(?:nummer|nr|number|no|num)\.?\s*(\d{{1,2}}|{_NUM_ALT})\b", re.I),
    re.compile(r"#\s*(\d{1,2})\b"),
    # "den anden", "det første", "the second (one)", "second one", "sidste"
    re.compile(rf"\b(?:den|det|the|de)\s+({_ORD_ALT})\b", re.I),
    re.compile(
        rf"\b({_ORD_ALT})\s+(?:one|ones|firm|company|match|virksomhed|firma|forslag)\b", re.I
    ),
    re.compile(r"\b(sidste|last)\b", re.I),
    # "netværk 2", "hold 1", "network 3": the group of that number in the list
    re.compile(
        r"\b(?:netværk|netvaerk|network|hold|cohort|kohorte|gruppe|group|team)\s+(\d{1,2})\b(?!\s*%)",
        re.I,
    ),
)
_RANGE = re.compile(
    rf"\b(\d{{1,2}}|{_NUM_ALT})\s*(?:-|–|—|til|to|or|eller|a|à)\s*(\d{{1,2}}|{_NUM_ALT})\b", re.I
)
_NUMBER = re.compile(rf"(?<![\w.,])(\d{{1,3}})(?![\w%.,]\d?)|\b({_NUM_ALT})\b", re.I)
# A number followed by these is not the count asked for (a size, an age, money, ...).
_NOT_COUNT_AFTER = re.compile(
    r"^\s*(?:%|procent|percent|kr|dkk|eur|mio|mia|år|aar|years?|ansatte|employees|medarbejdere|"
    r"staff|people|personer|timer|hours|dage|days|uger|weeks|måneder|months|m2|km)\b",
    re.I,
)
_SIZE_BEFORE = re.compile(
    r"(?:(?:max|maks|højst|hoejst|mindst|min|at most|at least|up to|op til|højest|maximum|"
    r"minimum)\.?|"
    # "grupper på fem", "groups of five", "netværk med 4": the size of each group
    r"\b(?:netværk|netvaerk|networks?|hold|grupper|groups?|teams?|cohorts?|klynger)\s+"
    r"(?:på|paa|af|of|med|with))\s*$",
    re.I,
)
_SIZE_AFTER = re.compile(r"^\s*(?:per|pr\.?|i hvert?|in each|each|hvert?)\b", re.I)
_GROUP_WORDS = re.compile(
    r"^\s*(?:\w+\s+)?(?:netværk|netvaerk|networks?|hold|holdene|cohorts?|grupper|groups?|"
    r"teams?|klynger|clusters?)\b",
    re.I,
)
_FIRM_WORDS = re.compile(
    r"^\s*(?:\w+\s+)?(?:partnere|partners?|virksomheder|firmaer|firms?|companies|company|"
    r"matches|match|medlemmer|members|forslag|suggestions|deltagere)\b",
    re.I,
)


def find_ordinals(text: str) -> tuple[list[int], list[tuple[int, int]]]:
    """1-based positions the text points at ('nummer to', 'the second one'; last = -1)."""
    found: list[tuple[int, int]] = []
    spans: list[tuple[int, int]] = []
    for pattern in _ORDINAL_PATTERNS:
        for m in pattern.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in spans):
                continue
            raw = m.group(1).lower()
            value = int(raw) if raw.isdigit() else ORDINALS.get(raw) or _number_word(raw)
            if value:
                found.append((m.start(), value))
                spans.append((m.start(), m.end()))
    return [v for _, v in sorted(found)], spans


def _number_word(word: str) -> int | None:
    word = word.lower()
    return NUMBER_WORDS["da"].get(word) or NUMBER_WORDS["en"].get(word)


# Danish plurals a count stands before ("to partnere"): "to" is two before them even in a
# message read as English.
_DANISH_COUNTED = re.compile(
    r"^\s*(?:partnere|virksomheder|firmaer|medlemmer|forslag|deltagere|netværk|netvaerk|"
    r"hold|holdene|grupper|klynger)\b",
    re.I,
)


def _number_ok(word: str, lang: str, following: str) -> bool:
    """Is `word` meant as a number here ('to' is two in Danish, a preposition in English)?"""
    if word.isdigit() or word not in _AMBIGUOUS_NUMBERS:
        return True
    if word == "to" and lang == "en":
        # "partners to help us", "I'd like you to find partners", "export to Germany": a
        # preposition or an infinitive, whatever follows; English writes the count "two".
        return bool(_DANISH_COUNTED.match(following))
    if _FIRM_WORDS.match(following) or _GROUP_WORDS.match(following):
        return True
    if word == "one":
        return False
    return lang == "da" and not re.match(r"^\s*(?:til|the|a|an)\b", following, re.I)


@dataclass
class Count:
    value: int
    low: int | None = None  # for a range "3–4"
    unit: str | None = None  # 'firms' | 'groups' | None
    size: bool = False  # "max 6 per hold": a group size, not a count


def _is_size(before: str, following: str) -> bool:
    """Is a number between `before` and `following` a group size ("max 6 per hold", "grupper
    på fem", "3 i hvert netværk"), not a count of something else ("mindst 2
    vidensinstitutioner", "networks with 2 universities")?"""
    if _SIZE_AFTER.match(following):
        return True
    if not _SIZE_BEFORE.search(before):
        return False
    # After "max", "grupper på": the number ends the phrase ("cohorts of 8 for the masterclass",
    # "hold på 8 til kurset") or counts firms; a noun after it is what is counted instead.
    word = re.match(r"^\s*([^\W\d_]+)", following)
    return bool(_FIRM_WORDS.match(following)) or word is None or is_stopword(word.group(1).lower())


def _numbers(text: str, lang: str) -> Iterator[tuple[int, str, str]]:
    """Each number of `text` that may be a count or a size, with the text before and after it
    (not an age, money, employees … : `_NOT_COUNT_AFTER`)."""
    for m in _NUMBER.finditer(text):
        raw = (m.group(1) or m.group(2)).lower()
        value = int(raw) if raw.isdigit() else _number_word(raw)
        following, before = text[m.end() :], text[: m.start()]
        if not value or value > MAX_COUNT or not _number_ok(raw, lang, following):
            continue
        if not _NOT_COUNT_AFTER.match(following):
            yield value, before, following


def find_size(text: str, lang: str) -> int | None:
    """The group size a message asks for beside a count ("3 netværk med 4 i hver": 4)."""
    return next((v for v, before, after in _numbers(text, lang) if _is_size(before, after)), None)


def find_count(text: str, lang: str) -> Count | None:
    """The number asked for: digits, number words, or a range (its upper end); None if absent."""
    for m in _RANGE.finditer(text):
        a, b = m.group(1).lower(), m.group(2).lower()
        lo = int(a) if a.isdigit() else _number_word(a)
        hi = int(b) if b.isdigit() else _number_word(b)
        following = text[m.end() :]
        if lo and hi and lo < hi <= MAX_COUNT and _number_ok(b, lang, following):
            if _number_ok(a, lang, " " + b) or a.isdigit():
                return Count(hi, lo, _unit(following))
    first_size = None
    for value, before, following in _numbers(text, lang):
        if _is_size(before, following):
            first_size = first_size or Count(value, unit=_unit(following), size=True)
            continue
        return Count(value, unit=_unit(following))
    return first_size


def _unit(following: str) -> str | None:
    if _GROUP_WORDS.match(following):
        return "groups"
    if _FIRM_WORDS.match(following):
        return "firms"
    return None
