"""Slots in a chat message: firms, count, region, sector, purpose, masterclass, format, ordinals."""

from __future__ import annotations

import csv
import json
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

from matchmaker.config import DATA_DIR
from matchmaker.reference import regions
from matchmaker.reference.lexicon import default_lexicon
from matchmaker.reference.text import guess_language, is_stopword

SECTORS_FILE = DATA_DIR / "chat" / "sectors.json"
UTTERANCES_FILE = DATA_DIR / "chat" / "utterances.csv"
# Longest firm name (in words) tried against windows of the message.
MAX_NAME_WORDS = 8
# Fuzzy scores within this margin of the best make a mention ambiguous.
AMBIGUITY_MARGIN = 3.0
MAX_CANDIDATES = 6
MAX_COUNT = 50

_FOLD_A = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ä": "ae", "ö": "oe", "ü": "u"})
_FOLD_B = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ä": "a", "ö": "o", "ü": "u"})
_WORD = re.compile(r"[^\W_]+|&", re.UNICODE)
_LEGAL_SUFFIXES = (
    ("a", "s"), ("aps",), ("as",), ("i", "s"), ("k", "s"), ("p", "s"), ("ivs",), ("amba",),
    ("a", "m", "b", "a"), ("smba",), ("s", "m", "b", "a"), ("fmba",), ("f", "m", "b", "a"),
    ("ltd",), ("gmbh",), ("ab",), ("inc",),
)  # fmt: skip

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
    r"(?:max|maks|højst|hoejst|mindst|min|at most|at least|up to|op til|højest|maximum|"
    r"minimum)\.?\s*$",
    re.I,
)
_SIZE_AFTER = re.compile(r"^\s*(?:per|pr\.?|i hver|in each|each|hver)\b", re.I)
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
FORMATS = {
    "csv": "csv", "xlsx": "xlsx", "xls": "xlsx", "excel": "xlsx", "excelark": "xlsx",
    "regneark": "xlsx", "spreadsheet": "xlsx", "pdf": "pdf", "json": "json",
}  # fmt: skip
_FORMAT = re.compile(
    r"\b(csv|xlsx|xls|excel\w*|regneark\w*|spreadsheet|pdf|json)(?:[-\s]?(?:fil|file|format))?\b",
    re.I,
)
_EXCLUDE = re.compile(
    r"\b(?:uden|fjern\w*|undtagen|ikke|drop\w*|exclude\w*|except|without|remove\w*|skip|"
    r"not|but not|minus|tag\s+.{0,60}?\s+ud|slet\w*|smid\w*)\b",
    re.I,
)
_MASTERCLASS_WORDS = re.compile(
    r"masterclass\w*|masterklass\w*|master class\w*|hold\b|holdene|holdinddeling\w*|"
    r"cohort\w*|kohort\w*|kursus\w*|course\w*|forløb\w*|programme|program\b|workshop\w*|"
    r"deltager\w*|participants?|attendees?|tilmeldte",
    re.I,
)
# What follows these is the purpose of a partner search ("export to Germany").
_PURPOSE = re.compile(
    r"(?:\b(?:der|som|who|that|which)\s+(?:kan|kunne|can|could|will|vil)\s+"
    r"(?:hjælpe|hjaelpe|help|støtte|assist)(?:\s+(?:dem|ham|hende|os|them|us|him|her|it))?"
    r"(?:\s+(?:med|with|to|til|på|on))?"
    r"|\b(?:hjælpe|hjaelpe|help)\s+(?:dem|os|them|us|\w+)?\s*(?:med|with|to)"
    r"|\bmed erfaring (?:i|med|inden for|indenfor)|\bwith experience (?:in|with|of)"
    r"|\bder (?:kender|ved noget) (?:til|om)|\bwho knows? about"
    r"|\bom at|\btil at|\bvil gerne|\bgerne vil|\bwants? to|\bwould like to|\bfor at"
    r"|\bsnakke med om|\btale med om|\bteam up with\s+.{0,60}?\s+on)\s+(.+)",
    re.I,
)
_PURPOSE_STOP = re.compile(
    r"\s*(?:[.?!;]|,\s|\s[–—-]\s|\b(?:i|in)\s+(?:region\s+)?(?:\w+jylland|syddanmark|"
    r"sjælland|sjaelland|hovedstaden|zealand|southern denmark|north jutland|central)|"
    r"\b(?:tak|please|pls|thanks)\b|\bhvem\b|\bwho\b|\bkan du\b|\bcan you\b).*$",
    re.I,
)


def fold(text: str, table: dict = _FOLD_A) -> str:
    """Lower-case NFKC text with Danish letters written out (æ→ae, ø→oe, å→aa by default)."""
    return unicodedata.normalize("NFKC", text or "").lower().translate(table)


@dataclass(frozen=True)
class _Word:
    text: str  # lower-case, NFKC
    start: int
    end: int


def _words(text: str) -> list[_Word]:
    low = unicodedata.normalize("NFKC", text or "").lower()
    if len(low) != len(text):  # keep offsets into the original text
        return [_Word(fold(m.group(), {}), m.start(), m.end()) for m in _WORD.finditer(text)]
    return [_Word(m.group(), m.start(), m.end()) for m in _WORD.finditer(low)]


def _canon(word: str) -> str:
    return "og" if word in ("&", "and", "und") else word


def _strip_legal(tokens: list[str]) -> list[str]:
    for suffix in sorted(_LEGAL_SUFFIXES, key=len, reverse=True):
        n = len(suffix)
        if len(tokens) > n and tuple(tokens[-n:]) == suffix:
            return tokens[:-n]
    return tokens


def _legal_after(words: list[_Word], j: int) -> int:
    """Index after a legal suffix (ApS, A/S, ...) starting at word j, or j if there is none."""
    for suffix in sorted(_LEGAL_SUFFIXES, key=len, reverse=True):
        n = len(suffix)
        if tuple(w.text for w in words[j : j + n]) == suffix:
            return j + n
    return j


@dataclass
class Firm:
    """A stored firm as the extractor knows it: id, name, and its name's folded core."""

    id: int
    name: str
    core_a: str = ""
    core_b: str = ""
    words: tuple[str, ...] = ()


@dataclass
class Masterclass:
    id: int
    title: str
    theme: str = ""


class Gazetteer:
    """The names the chat can recognise: stored firms and masterclasses."""

    def __init__(self, firms: Iterable[tuple[int, str]], masterclasses: Iterable[Mapping] = ()):
        self.firms: list[Firm] = []
        for firm_id, name in firms:
            toks = _strip_legal([_canon(w.text) for w in _words(name)])
            if not toks:
                continue
            core = " ".join(toks)
            self.firms.append(
                Firm(firm_id, name, fold(core), fold(core, _FOLD_B), tuple(fold(t) for t in toks))
            )
        self.by_id = {f.id: f for f in self.firms}
        self.masterclasses = [
            Masterclass(m["id"], m["title"], m.get("theme") or "") for m in masterclasses
        ]
        self._cores_a = [f.core_a for f in self.firms]
        self._cores_b = [f.core_b for f in self.firms]
        self._max_words = min(
            MAX_NAME_WORDS, max((len(f.words) for f in self.firms), default=1) + 1
        )
        word_firms: dict[str, set[int]] = {}
        for i, f in enumerate(self.firms):
            for w in set(f.words):
                word_firms.setdefault(w, set()).add(i)
        self._word_firms = word_firms

    @classmethod
    def from_db(cls, db) -> Gazetteer:
        """The gazetteer of a store, cached until a firm or masterclass changes."""
        key = _db_key(db)
        stamp = (
            db.execute("SELECT COALESCE(MAX(seq), 0) FROM company_changes").fetchone()[0],
            db.execute("SELECT count(*), COALESCE(MAX(id), 0) FROM masterclasses").fetchone(),
        )
        with _CACHE_LOCK:
            cached = _CACHE.get(key)
            if cached and cached[0] == stamp:
                return cached[1]
        firms = db.execute("SELECT id, name FROM companies ORDER BY id").fetchall()
        classes = [
            {"id": r[0], "title": r[1], "theme": r[2]}
            for r in db.execute("SELECT id, title, theme FROM masterclasses ORDER BY id")
        ]
        gazetteer = cls(firms, classes)
        with _CACHE_LOCK:
            _CACHE[key] = (stamp, gazetteer)
        return gazetteer

    def firm(self, firm_id: int) -> Firm | None:
        return self.by_id.get(firm_id)


_CACHE: dict[str, tuple] = {}
_CACHE_LOCK = threading.Lock()


def _db_key(db) -> str:
    for _, name, file in db.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return file or f"memory:{id(db)}"
    return f"memory:{id(db)}"


def _threshold(core: str) -> float:
    n = len(core)
    if n <= 5:
        return 100.0
    if n <= 9:
        return 91.0
    return 86.0


@dataclass
class FirmMention:
    """Where a firm is named in a message; several matches when the mention is ambiguous."""

    start: int
    end: int
    text: str
    matches: list[dict]  # [{"id", "name", "score"}], best first

    @property
    def ambiguous(self) -> bool:
        return len(self.matches) > 1


def find_firms(text: str, gazetteer: Gazetteer) -> list[FirmMention]:
    """Firms named in `text`, fuzzily (misspellings, missing æøå, no ApS/A/S), in order."""
    words = _words(text)
    if not words or not gazetteer.firms:
        return []
    hits: list[tuple[float, int, int, int]] = []  # score, firm index, first word, end word
    canon = [_canon(w.text) for w in words]
    for i in range(len(words)):
        if is_stopword(canon[i]) and canon[i] != "og":
            continue
        for j in range(i + 1, min(len(words), i + gazetteer._max_words) + 1):
            window = " ".join(canon[i:j])
            found: dict[int, float] = {}
            for cores, table in ((gazetteer._cores_a, _FOLD_A), (gazetteer._cores_b, _FOLD_B)):
                for _, score, k in process.extract(
                    fold(window, table), cores, scorer=fuzz.ratio, score_cutoff=85, limit=8
                ):
                    found[k] = max(found.get(k, 0.0), score)
            for k, score in found.items():
                if score >= _threshold(gazetteer.firms[k].core_a):
                    hits.append((score, k, i, j))
    hits.sort(key=lambda h: (-h[0], -(h[3] - h[2]), h[2]))
    used = [False] * len(words)
    mentions: list[FirmMention] = []
    taken: set[int] = set()
    for score, k, i, j in hits:
        if k in taken or any(used[i:j]):
            continue
        rivals = {}
        for s2, k2, i2, j2 in hits:
            if k2 == k or k2 in taken or s2 < score - AMBIGUITY_MARGIN:
                continue
            if j2 <= i or i2 >= j:  # no overlap
                continue
            inside = i <= i2 and j2 <= j and (j2 - i2) < (j - i)
            if not inside and (k2 not in rivals or rivals[k2] < s2):
                rivals[k2] = s2
        end = _legal_after(words, j)
        matches = [{"id": gazetteer.firms[k].id, "name": gazetteer.firms[k].name, "score": score}]
        for k2, s2 in sorted(rivals.items(), key=lambda kv: -kv[1])[: MAX_CANDIDATES - 1]:
            f = gazetteer.firms[k2]
            matches.append({"id": f.id, "name": f.name, "score": s2})
        for x in range(i, end):
            used[x] = True
        taken.add(k)
        taken.update(rivals)
        start, stop = words[i].start, words[end - 1].end
        mentions.append(FirmMention(start, stop, text[start:stop], matches))
    return sorted(mentions, key=lambda m: m.start)


@lru_cache(maxsize=1)
def _common_words() -> frozenset[str]:
    """Words of ordinary chat requests, written in lower case at least three times in the
    training utterances (names there are capitalised): never a hint at a firm."""
    counts: Counter[str] = Counter()
    if UTTERANCES_FILE.exists():
        with UTTERANCES_FILE.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                counts.update(
                    {fold(m.group()) for m in _WORD.finditer(row["text"]) if m.group().islower()}
                )
    return frozenset(w for w, n in counts.items() if n >= 3)


def _ordinary_word(word: str, original: str, concept_spans: list[tuple[int, int]], at: int) -> bool:
    """Is this word of a message an ordinary word rather than part of a name: written in lower
    case (or inside a lexicon phrase such as 'machine vision') and known to the vocabulary
    (lexicon, sector synonyms)?"""
    inside_concept = any(a <= at < b for a, b in concept_spans)
    if not (original.islower() or inside_concept):
        return False
    if default_lexicon()._word_keys(word):
        return True
    return bool(sectors_of(word))


def firm_candidates(text: str, gazetteer: Gazetteer, limit: int = MAX_CANDIDATES) -> list[dict]:
    """Firms that share a distinctive word with `text` (e.g. 'Vestjysk' for two Vestjysk firms).

    For a clarifying question when no firm name matched in full. A word that is also an
    ordinary word of the message ('machine vision') is never the only ground for a candidate.
    """
    common = _common_words()
    scores: Counter[int] = Counter()
    distinctive = False
    concept_spans = [(m.start, m.end) for m in default_lexicon().find(text)]
    for w in _words(text):
        word = fold(w.text)
        if len(word) < 3 or is_stopword(word) or word in common:
            continue
        if word in NUMBER_WORDS["da"] or word in NUMBER_WORDS["en"] or word.isdigit():
            continue
        ordinary = _ordinary_word(w.text, text[w.start : w.end], concept_spans, w.start)
        keys = process.extract(
            word, list(gazetteer._word_firms), scorer=fuzz.ratio, score_cutoff=88, limit=5
        )
        keys = [k for k, _, _ in keys]
        if len(word) >= 4:
            keys += [k for k in gazetteer._word_firms if k.startswith(word) and k not in keys]
        hit: set[int] = set()
        for key in keys:
            hit |= gazetteer._word_firms[key]
        if hit and not ordinary:
            distinctive = True
        for k in hit:
            scores[k] += 1
    if not scores or not distinctive:
        return []
    best = max(scores.values())
    top = [k for k, n in scores.items() if n == best]
    if len(top) > limit:
        return []
    return [{"id": gazetteer.firms[k].id, "name": gazetteer.firms[k].name} for k in sorted(top)]


def exclusion_start(text: str) -> int | None:
    """Where the first exclusion word ('uden', 'but not', ...) of `text` starts, or None."""
    m = _EXCLUDE.search(text or "")
    return m.start() if m else None


def _mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for a, b in spans:
        for x in range(a, b):
            chars[x] = " "
    # A masked name leaves a gap, not a place where two neighbouring words meet.
    return "".join(chars)


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


def _number_ok(word: str, lang: str, following: str) -> bool:
    """Is `word` meant as a number here ('to' is two in Danish, a preposition in English)?"""
    if word.isdigit() or word not in _AMBIGUOUS_NUMBERS:
        return True
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
    for m in _NUMBER.finditer(text):
        raw = (m.group(1) or m.group(2)).lower()
        value = int(raw) if raw.isdigit() else _number_word(raw)
        following, before = text[m.end() :], text[: m.start()]
        if not value or value > MAX_COUNT or not _number_ok(raw, lang, following):
            continue
        if _NOT_COUNT_AFTER.match(following):
            continue
        if _SIZE_BEFORE.search(before) or _SIZE_AFTER.match(following):
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


@lru_cache(maxsize=1)
def sector_synonyms() -> tuple[tuple[str, str], ...]:
    """(folded synonym, canonical sector) pairs, longest synonym first."""
    data = json.loads(SECTORS_FILE.read_text(encoding="utf-8"))
    pairs = [(fold(s), sector) for sector, syns in data.items() for s in [sector, *syns]]
    return tuple(sorted(set(pairs), key=lambda p: -len(p[0])))


_SHORT_SUFFIXES = ("", "en", "et", "s", "er", "erne", "ene")


def _fold_offsets(text: str) -> tuple[str, list[int]]:
    """`fold(text)` and, for each of its characters, the offset it came from in `text`."""
    out, offsets = [], []
    for i, ch in enumerate(text):
        folded = fold(ch)
        out.append(folded)
        offsets.extend([i] * len(folded))
    offsets.append(len(text))
    return "".join(out), offsets


@lru_cache(maxsize=1)
def _sector_pattern() -> tuple[re.Pattern, dict[str, str]]:
    """One regex of every synonym at a word start, longest first, and synonym → sector."""
    pairs = sector_synonyms()
    table = dict(pairs)
    alternation = "|".join(re.escape(syn) for syn, _ in pairs)
    return re.compile(rf"(?<![\w])(?:{alternation})"), table


def _sector_hits(text: str) -> list[tuple[str, int, int]]:
    """(sector, start, end) of every synonym starting a word of `text`, in order."""
    folded, offsets = _fold_offsets(text)
    pattern, table = _sector_pattern()
    hits = []
    for m in pattern.finditer(folded):
        end = m.end()
        while end < len(folded) and folded[end].isalnum():
            end += 1
        syn = m.group()
        if len(syn.replace("-", "")) <= 3 and folded[m.end() : end] not in _SHORT_SUFFIXES:
            continue
        hits.append((table[syn], offsets[m.start()], offsets[end]))
    return hits


def find_sector(text: str) -> tuple[str, tuple[int, int]] | None:
    """The first sector named in `text` (a synonym starting a word), with its span."""
    hits = _sector_hits(text)
    return (hits[0][0], (hits[0][1], hits[0][2])) if hits else None


@lru_cache(maxsize=50_000)
def sectors_of(text: str) -> frozenset[str]:
    """Every sector a text names (a firm's sector field and description, say)."""
    return frozenset(sector for sector, _, _ in _sector_hits(text or ""))


def find_format(text: str) -> str | None:
    m = _FORMAT.search(text)
    if not m:
        return None
    word = m.group(1).lower()
    for key, value in FORMATS.items():
        if word.startswith(key):
            return value
    return None


_MASTERCLASS_NUMBER = re.compile(
    r"\b(?:masterclass\w*|masterklass\w*|master\s+class\w*)\s*(?:nr\.?|nummer|no\.?|number|#)?"
    r"\s*(\d{1,6})\b(?!\s*(?:%|hold|cohorts?|grupper|groups?|teams?|deltagere|participants))",
    re.I,
)
_COHORT_NUMBER = re.compile(
    r"\b(?:hold|cohort)\s*(?:nr\.?|nummer|no\.?|number|#)\s*(\d{1,6})\b", re.I
)


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
    words = _words(text)
    canon = [fold(_canon(w.text)) for w in words]
    best: tuple[float, Masterclass, tuple[int, int] | None] | None = None
    for mc in gazetteer.masterclasses:
        title = " ".join(fold(_canon(w.text)) for w in _words(mc.title))
        n = len(title.split())
        for i in range(len(words)):
            for j in range(i + max(1, n - 1), min(len(words), i + n + 1) + 1):
                score = fuzz.ratio(" ".join(canon[i:j]), title)
                if score >= 88 and (best is None or score > best[0]):
                    best = (score, mc, (words[i].start, words[j - 1].end))
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
            fold(_canon(w.text))
            for w in _words(mc.title)
            if not is_stopword(fold(w.text)) and len(w.text) > 1
        }
        theme_words = {
            fold(w.text)
            for w in _words(mc.theme)
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


_MARKET_GOAL = re.compile(
    r"\b(?:eksport\w*|export\w*|sælge|saelge|sell\w*|komme ind på|get into|enter)\s+"
    r"(?:til|to|i|in|på|into|on)\s+(?:det\s+|the\s+|den\s+)?[\wæøåÆØÅ]+(?:\s+marked\w*|\s+market)?",
    re.I,
)


def find_purpose(text: str) -> str | None:
    """What the facilitator wants the partners for ('eksport til Tyskland'), as written."""
    for m in _PURPOSE.finditer(text):
        purpose = " ".join(_PURPOSE_STOP.sub("", m.group(1)).split()).strip(" ,.?!:;–-")
        purpose = re.sub(r"^(?:at|to|med|with)\s+", "", purpose, flags=re.I)
        if len(purpose) >= 3 and not is_stopword(purpose.lower()):
            return purpose
    goal = _MARKET_GOAL.search(text)
    return " ".join(goal.group().split()) if goal else None


# The slots each intent uses; the rest of a message (a town in small talk) is not reported.
SLOTS = {
    "find_partners": {"firms", "ambiguous", "ordinals", "count", "count_min", "count_unit",
                      "size", "region", "sector", "purpose", "exclude", "format"},
    "similar": {"firms", "ambiguous", "ordinals", "count", "count_min", "count_unit", "size",
                "region", "sector", "exclude", "format"},
    "propose_networks": {"firms", "ambiguous", "ordinals", "count", "count_min", "count_unit",
                         "size", "region", "sector", "purpose", "exclude", "format"},
    "propose_cohorts": {"firms", "ambiguous", "count", "count_min", "count_unit", "size",
                        "region", "sector", "masterclass", "format"},
    "explain": {"firms", "ambiguous", "ordinals", "masterclass"},
    "show": {"firms", "ambiguous", "ordinals", "format"},
    "export": {"firms", "ambiguous", "ordinals", "count", "count_min", "count_unit", "region",
               "sector", "masterclass", "format"},
    "help": set(),
    "other": set(),
}  # fmt: skip


def for_intent(entities: Entities, intent: str) -> Entities:
    """Only the slots `intent` uses (small talk about Odense has no region)."""
    keep = SLOTS.get(intent)
    if keep is None:
        return entities
    empty = Entities(language=entities.language)
    return Entities(
        **{
            k: (getattr(entities, k) if k in keep or k == "language" else getattr(empty, k))
            for k in Entities.__dataclass_fields__
        }
    )


@dataclass
class Entities:
    """The slots of one message. Firms as stored ({id, name}); ambiguous mentions as candidates."""

    firms: list[dict] = field(default_factory=list)
    ambiguous: list[dict] = field(default_factory=list)  # [{"text", "candidates": [...]}]
    ordinals: list[int] = field(default_factory=list)
    count: int | None = None
    count_min: int | None = None
    count_unit: str | None = None
    size: int | None = None
    region: str | None = None
    sector: str | None = None
    purpose: str | None = None
    masterclass: dict | None = None
    format: str | None = None
    exclude: bool = False
    language: str = "da"

    def as_dict(self) -> dict:
        """The non-empty slots."""
        return {k: v for k, v in asdict(self).items() if v not in (None, [], False)}


def extract(
    text: str,
    gazetteer: Gazetteer,
    *,
    intent: str | None = None,
    language: str | None = None,
    mentions: list[FirmMention] | None = None,
) -> Entities:
    """Every slot of `text`; town and sector words inside firm names do not count.

    `mentions` are the firm mentions if already found (`find_firms`), e.g. to mask them
    for the intent classifier first.
    """
    lang = language or guess_language(text)
    out = Entities(language=lang)
    if mentions is None:
        mentions = find_firms(text, gazetteer)
    for m in mentions:
        if m.ambiguous:
            out.ambiguous.append(
                {
                    "text": m.text,
                    "candidates": [{"id": x["id"], "name": x["name"]} for x in m.matches],
                }
            )
        else:
            out.firms.append({"id": m.matches[0]["id"], "name": m.matches[0]["name"]})
    spans = [(m.start, m.end) for m in mentions]
    rest = _mask(text, spans)
    found = find_masterclass(rest, gazetteer, loose=intent == "propose_cohorts")
    numbered = find_masterclass_number(rest, gazetteer, cohorts=intent == "propose_cohorts")
    if numbered:
        # "masterclass 4" names a masterclass; the 4 is not a count (nor an ordinal).
        rest = _mask(rest, [numbered[1]])
        if numbered[0] is not None and (found is None or found[1] is None):
            found = numbered[0], None
    if found:
        mc, span = found
        out.masterclass = {"id": mc.id, "title": mc.title}
        if span:
            rest = _mask(rest, [span])
    out.ordinals, ordinal_spans = find_ordinals(rest)
    rest_no_ordinals = _mask(rest, ordinal_spans)
    count = find_count(rest_no_ordinals, lang)
    if count:
        if count.size:
            out.size = count.value
        else:
            out.count, out.count_min, out.count_unit = count.value, count.low, count.unit
    out.region = regions.find_in_text(rest)
    sector = find_sector(rest)
    if sector:
        out.sector = sector[0]
    out.format = find_format(rest)
    out.purpose = find_purpose(rest)
    out.exclude = bool(_EXCLUDE.search(text)) and bool(mentions or out.ordinals)
    return out
