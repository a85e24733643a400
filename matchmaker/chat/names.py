"""Firm names in a chat message: the gazetteer of stored names, fuzzy mentions (misspellings,
missing æøå, no ApS), partial names and "did you mean" suggestions."""

from __future__ import annotations

import csv
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from matchmaker.chat.numbers import NUMBER_WORDS
from matchmaker.chat.topics import sectors_of
from matchmaker.config import DATA_DIR
from matchmaker.reference import regions
from matchmaker.reference.folding import FOLD_A, FOLD_B, fold
from matchmaker.reference.lexicon import default_lexicon
from matchmaker.reference.text import is_stopword

UTTERANCES_FILE = DATA_DIR / "chat" / "utterances.csv"
# Longest firm name (in words) tried against windows of the message.
MAX_NAME_WORDS = 8
# Fuzzy scores within this margin of the best make a mention ambiguous.
AMBIGUITY_MARGIN = 3.0
MAX_CANDIDATES = 6
# A name that begins with a common word, typed in lower case, must match (almost) exactly.
EXACT = 96.0
# Least WRatio score for a "did you mean" suggestion of a name typed with typos.
SUGGEST_SCORE = 72.0

_WORD = re.compile(r"[^\W_]+|&", re.UNICODE)
_LEGAL_SUFFIXES = (
    ("a", "s"), ("aps",), ("as",), ("i", "s"), ("k", "s"), ("p", "s"), ("ivs",), ("amba",),
    ("a", "m", "b", "a"), ("smba",), ("s", "m", "b", "a"), ("fmba",), ("f", "m", "b", "a"),
    ("ltd",), ("gmbh",), ("ab",), ("inc",),
)  # fmt: skip


@dataclass(frozen=True)
class Word:
    text: str  # lower-case, NFKC
    start: int
    end: int


def words(text: str) -> list[Word]:
    low = unicodedata.normalize("NFKC", text or "").lower()
    if len(low) != len(text):  # keep offsets into the original text
        return [Word(fold(m.group(), {}), m.start(), m.end()) for m in _WORD.finditer(text)]
    return [Word(m.group(), m.start(), m.end()) for m in _WORD.finditer(low)]


def canon(word: str) -> str:
    return "og" if word in ("&", "and", "und") else word


def strip_legal(tokens: list[str]) -> list[str]:
    for suffix in sorted(_LEGAL_SUFFIXES, key=len, reverse=True):
        n = len(suffix)
        if len(tokens) > n and tuple(tokens[-n:]) == suffix:
            return tokens[:-n]
    return tokens


def legal_after(words: list[Word], j: int) -> int:
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


@lru_cache(maxsize=100_000)
def name_core(name: str) -> tuple[str, str, tuple[str, ...]] | None:
    """A firm name's folded core both ways and its folded words (None for a name without
    words); kept per process, so the gazetteer rebuilt after a registration folds only the
    new names."""
    toks = strip_legal([canon(w.text) for w in words(name)])
    if not toks:
        return None
    core = " ".join(toks)
    return fold(core), fold(core, FOLD_B), tuple(fold(t) for t in toks)


def merge_initials(tokens: Iterable[str]) -> list[str]:
    """Initials are one word however they are written: 'a p lund' (A.P. Lund) → 'ap lund'."""
    out: list[str] = []
    run = ""
    for token in tokens:
        if len(token) == 1 and token.isalpha():
            run += token
            continue
        if run:
            out.append(run)
            run = ""
        out.append(token)
    if run:
        out.append(run)
    return [token for token in out if token]


@lru_cache(maxsize=100_000)
def lead_words(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A firm name's words without its legal form, initials merged, folded both ways: what a
    shortened mention ('Marstal Marine', 'AP Lund & Sønner') spells the start of."""
    toks = merge_initials(strip_legal([canon(w.text) for w in words(name)]))
    return tuple(fold(t) for t in toks), tuple(fold(t, FOLD_B) for t in toks)


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
            core = name_core(name)
            if core is not None:
                self.firms.append(Firm(firm_id, name, *core))
        self.by_id = {f.id: f for f in self.firms}
        self.masterclasses = [
            Masterclass(m["id"], m["title"], m.get("theme") or "") for m in masterclasses
        ]
        self.cores_a = [f.core_a for f in self.firms]
        self.cores_b = [f.core_b for f in self.firms]
        self.max_words = min(MAX_NAME_WORDS, max((len(f.words) for f in self.firms), default=1) + 1)
        word_firms: dict[str, set[int]] = {}
        for i, f in enumerate(self.firms):
            for w in set(f.words):
                word_firms.setdefault(w, set()).add(i)
        self.word_firms = word_firms
        self.first_words = frozenset(f.words[0] for f in self.firms if f.words)
        # Firms by the first word of their name (both foldings), for shortened mentions.
        self.leads = [lead_words(f.name) for f in self.firms]
        by_first: dict[str, set[int]] = {}
        for i, (lead_a, lead_b) in enumerate(self.leads):
            for first in {lead_a[0], lead_b[0]} if lead_a else ():
                by_first.setdefault(first, set()).add(i)
        self.by_first = by_first
        self.first_keys = list(by_first)

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
    doubtful: bool = False  # another name than the firm's was typed: ask, never take it

    @property
    def ambiguous(self) -> bool:
        return len(self.matches) > 1 or self.doubtful


def find_firms(text: str, gazetteer: Gazetteer) -> list[FirmMention]:
    """Firms named in `text`, fuzzily (misspellings, missing æøå, no ApS/A/S), in order."""
    toks = words(text)
    if not toks or not gazetteer.firms:
        return []
    hits: list[tuple[float, int, int, int]] = []  # score, firm index, first word, end word
    canonical = [canon(w.text) for w in toks]
    for i in range(len(toks)):
        # A name may begin with a common word ("Alt i Træ ApS"): capitalised, or matched in full.
        common = is_stopword(canonical[i]) and canonical[i] != "og"
        if common and fold(canonical[i]) not in gazetteer.first_words:
            continue
        least = 0.0 if text[toks[i].start].isupper() else EXACT if common else 0.0
        for j in range(i + 1, min(len(toks), i + gazetteer.max_words) + 1):
            window = " ".join(canonical[i:j])
            found: dict[int, float] = {}
            for cores, table in ((gazetteer.cores_a, FOLD_A), (gazetteer.cores_b, FOLD_B)):
                for _, score, k in process.extract(
                    fold(window, table), cores, scorer=fuzz.ratio, score_cutoff=85, limit=8
                ):
                    found[k] = max(found.get(k, 0.0), score)
            for k, score in found.items():
                if score >= max(least, _threshold(gazetteer.firms[k].core_a)) and _begins_alike(
                    canonical[i], j - i, gazetteer.leads[k]
                ):
                    hits.append((score, k, i, j))
    doubtful = {
        (k, i, j) for _, k, i, j in hits if not _near_exact(canonical[i:j], gazetteer.firms[k])
    }
    short = _shortened_hits(text, toks, gazetteer)
    for n, (score, k, i, j) in enumerate(short):  # "Fjordtekst Polstring ApS" ≠ "Fjordtekst
        if (end := _name_goes_on(text, toks, j, gazetteer)) > j:  # Møbler ApS": another name
            short[n] = (score, k, i, end)
            doubtful.add((k, i, end))
    hits += short
    hits.sort(key=lambda h: (-h[0], -(h[3] - h[2]), h[2]))
    used = [False] * len(toks)
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
        end = legal_after(toks, j)
        matches = [{"id": gazetteer.firms[k].id, "name": gazetteer.firms[k].name, "score": score}]
        for k2, s2 in sorted(rivals.items(), key=lambda kv: -kv[1])[: MAX_CANDIDATES - 1]:
            f = gazetteer.firms[k2]
            matches.append({"id": f.id, "name": f.name, "score": s2})
        for x in range(i, end):
            used[x] = True
        taken.add(k)
        taken.update(rivals)
        start, stop = toks[i].start, toks[end - 1].end
        mentions.append(
            FirmMention(start, stop, text[start:stop], matches, doubtful=(k, i, j) in doubtful)
        )
    return sorted(mentions, key=lambda m: m.start)


# Least ratio of a typed word to the name's word for a typo ("Polstering" for "Polstring").
TYPO_WORD = 75.0


def _near_exact(typed: list[str], firm: Firm) -> bool:
    """Does a window spelling `firm`'s name spell it word for word, each word a typo off?"""
    kept = [fold(t) for t in strip_legal(typed)]
    if " ".join(kept) == firm.core_a or len(kept) != len(firm.words):
        return " ".join(kept) == firm.core_a
    return all(t == w or (min(len(t), len(w)) > 3 and fuzz.ratio(t, w) >= TYPO_WORD)
               for t, w in zip(kept, firm.words, strict=True))  # fmt: skip


def _name_goes_on(text: str, toks: list[Word], end: int, gazetteer: Gazetteer) -> int:
    """Where a name goes on after a shortened mention ends at word `end` (capitalised words,
    no place, no other firm's first word, to a legal form: "… Polstring ApS"); else `end`."""
    j = end
    while (
        j < len(toks)
        and canon(toks[j - 1].text) != "og"  # "Thy Kød og Limfjordens …": the next name
        and fold(toks[j].text) not in gazetteer.first_words
        and not text[toks[j - 1].end : toks[j].start].strip()  # no comma: another name
        and text[toks[j].start].isupper()
        and not is_stopword(canon(toks[j].text))
        and regions.normalise(toks[j].text) is None
    ):
        j += 1
    return legal_after(toks, j) if j > end else end


def _begins_alike(first: str, n_words: int, lead: tuple[tuple[str, ...], tuple[str, ...]]) -> bool:
    """A window of fewer words than the name must begin like it: 'rådgivning' alone is no
    fuzzy spelling of 'MJ Rådgivning' (the shortened names say how a name may be cut)."""
    lead_a, lead_b = lead
    if not lead_a or n_words >= len(lead_a):
        return True
    # Initials before the name may be left out ('Ravnsborg Elektronik' for 'K. Ravnsborg …').
    initials = len(lead_a[0]) <= 2 and len(lead_a) > 1 and not _ordinary(fold(first))
    starts = [0, 1] if initials else [0]
    return any(
        max(fuzz.ratio(fold(first), lead_a[n]), fuzz.ratio(fold(first, FOLD_B), lead_b[n])) >= 80
        for n in starts
    )


# A shortened mention scores below every full one (full names need 86 and more), so a full
# name always wins the words both could take; equally good shortened ones stay ambiguous.
SHORT_BASE, SHORT_SPAN = 60.0, 15.0
# Least word-to-word ratio for a typed word of a shortened name; its last typed word may
# also be the start of the name's word ('Enzym' for 'Enzymteknik') from this many letters.
SHORT_WORD = 85.0
SHORT_PREFIX = 4


def _word_score(typed: tuple[str, str], word: tuple[str, str], last: bool) -> float:
    best = 0.0
    for t, w in zip(typed, word, strict=True):
        if t == w:
            return 100.0
        if last and len(t) >= SHORT_PREFIX and w.startswith(t):
            best = max(best, 95.0)
        elif min(len(t), len(w)) > 3:
            best = max(best, fuzz.ratio(t, w))
    return best


def _typed_words(toks: list[Word]) -> list[tuple[str, str, int, int]]:
    """The message's words as a name is compared (initials merged), with the message words
    each one spans: (folded, folded the other way, first word, end word)."""
    out: list[tuple[str, str, int, int]] = []
    for k, w in enumerate(toks):
        token = canon(w.text)
        if len(token) == 1 and token.isalpha() and out and _initials(toks, out[-1][2], k):
            a, b, first, _ = out[-1]
            out[-1] = (a + fold(token), b + fold(token, FOLD_B), first, k + 1)
            continue
        out.append((fold(token), fold(token, FOLD_B), k, k + 1))
    return out


def _initials(toks: list[Word], first: int, end: int) -> bool:
    """Whether the message words first…end-1 are all single letters (initials so far)."""
    return all(len(canon(x.text)) == 1 and x.text.isalpha() for x in toks[first:end])


def _ordinary(word: str) -> bool:
    """A word of ordinary requests, a place or a sector word: never a name on its own."""
    return (
        len(word) < SHORT_PREFIX
        or is_stopword(word)
        or word in _common_words()
        or word in NUMBER_WORDS["da"]
        or word in NUMBER_WORDS["en"]
        or word.isdigit()
        or regions.normalise(word) is not None  # a place
        or default_lexicon().knows_word(word)
        or bool(sectors_of(word))
    )


def _shortened_hits(
    text: str, toks: list[Word], gazetteer: Gazetteer
) -> list[tuple[float, int, int, int]]:
    """Firms named by the first words of their name ('Marstal Marine' for Marstal Marine
    Service ApS, 'AP Lund' for A.P. Lund & Sønner A/S, 'Enzym' ending 'Kalundborg Enzym').
    One word alone counts only when spelt as in the name and no ordinary word (not a place,
    sector or word of requests); several when one of them is not, or the first is written
    with a capital."""
    typed = _typed_words(toks)
    hits: list[tuple[float, int, int, int]] = []
    for i, (a, b, first, _) in enumerate(typed):
        if is_stopword(a) and a not in gazetteer.first_words:
            continue
        keys = {
            key
            for folded in (a, b)
            for key, _, _ in process.extract(
                folded, gazetteer.first_keys, scorer=fuzz.ratio, score_cutoff=SHORT_WORD, limit=10
            )
        }
        firms = {k for key in keys for k in gazetteer.by_first[key]}
        capital = text[toks[first].start].isupper()
        for k in firms:
            lead_a, lead_b = gazetteer.leads[k]
            scores: list[float] = []
            for m in range(min(len(lead_a), len(typed) - i)):
                score = _word_score(typed[i + m][:2], (lead_a[m], lead_b[m]), last=True)
                if score < SHORT_WORD:
                    break
                scores.append(score)
            if not scores:
                continue
            n = len(scores)
            plain = [typed[i + m][0] for m in range(n)]
            if n == 1 and (scores[0] < 100.0 or _ordinary(plain[0])):
                continue  # one word alone: spelt right (a typo is a "did you mean")
            if n == 1 and first == 0 and not capital:
                continue  # the first word in lower case is the request's verb ("skab et …")
            if n > 1 and not capital and all(_ordinary(w) for w in plain):
                continue
            score = SHORT_BASE + SHORT_SPAN * (sum(scores) / n) / 100.0
            hits.append((score, k, first, typed[i + n - 1][3]))
    return hits


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
    return default_lexicon().knows_word(word) or bool(sectors_of(word))


def firm_candidates(text: str, gazetteer: Gazetteer, limit: int = MAX_CANDIDATES) -> list[dict]:
    """Firms that share a distinctive word with `text` (e.g. 'Vestjysk' for two Vestjysk firms).

    For a clarifying question when no firm name matched in full. A word that is also an
    ordinary word of the message ('machine vision') is never the only ground for a candidate.
    """
    common = _common_words()
    scores: Counter[int] = Counter()
    distinctive = False
    concept_spans = [(m.start, m.end) for m in default_lexicon().find(text)]
    for w in words(text):
        word = fold(w.text)
        if len(word) < 3 or is_stopword(word) or word in common:
            continue
        if word in NUMBER_WORDS["da"] or word in NUMBER_WORDS["en"] or word.isdigit():
            continue
        if regions.is_region_name(word):
            continue  # "kun i Region Sjælland": a region, not half of a firm's name
        ordinary = _ordinary_word(w.text, text[w.start : w.end], concept_spans, w.start)
        keys = process.extract(
            word, list(gazetteer.word_firms), scorer=fuzz.ratio, score_cutoff=88, limit=5
        )
        keys = [k for k, _, _ in keys]
        if len(word) >= 4:
            keys += [k for k in gazetteer.word_firms if k.startswith(word) and k not in keys]
        hit: set[int] = set()
        for key in keys:
            hit |= gazetteer.word_firms[key]
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


_LIST_TOKEN = re.compile(r"[^\W_]+|[,;&+]", re.UNICODE)
_LIST_SEPARATORS = frozenset({",", ";", "&", "+", "og", "and", "samt", "eller", "or"})


def listed_beside(text: str, spans: list[tuple[int, int]]) -> str:
    """The words of `text` that stand in a list with the firm names at `spans`: between two
    names, or joined to the first or last by a comma or "og" ("med Ikast, Vejen Mejeri og …"
    → "Ikast"). Words of the request around the list ("byg et netværk omkring X") are not."""
    spans = sorted(spans)
    if not spans:
        return ""
    gaps = [text[: spans[0][0]]]
    gaps += [text[a[1] : b[0]] for a, b in zip(spans, spans[1:], strict=False)]
    gaps.append(text[spans[-1][1] :])
    kept: list[str] = []
    for n, gap in enumerate(gaps):
        toks = [m.group() for m in _LIST_TOKEN.finditer(gap)]
        separator = [t.lower() in _LIST_SEPARATORS for t in toks]
        if n == 0:  # before the first name: the words just before a separator
            if not toks or not separator[-1]:
                continue
            toks = list(reversed(_name_run(reversed(toks[:-1]))))
        elif n == len(gaps) - 1:  # after the last name: the words just after a separator
            if not toks or not separator[0]:
                continue
            toks = _name_run(toks[1:])
        elif not any(separator):
            continue
        kept += [t for t in toks if t.lower() not in _LIST_SEPARATORS]
    return " ".join(kept)


def _name_run(toks: Iterable[str]) -> list[str]:
    """The words from the start of `toks` up to the first one no name is made of alone (a
    common word of requests, a stop word, a separator)."""
    out = []
    for tok in toks:
        word = fold(tok.lower())
        if tok.lower() in _LIST_SEPARATORS or is_stopword(word) or word in _common_words():
            break
        out.append(tok)
    return out


def mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for a, b in spans:
        for x in range(a, b):
            chars[x] = " "
    # A masked name leaves a gap, not a place where two neighbouring words meet.
    return "".join(chars)


def suggest_firm(text: str, gazetteer: Gazetteer) -> dict | None:
    """The stored firm a name typed with typos most likely means ("Tyh Rugbrd" → Thy Rugbrød &
    Kiks ApS): the message's uncommon words against every name, or None when nothing is close."""
    if not gazetteer.firms:
        return None
    common = _common_words()
    # Words of a lexicon phrase ("machine vision") are what the message is about, not a name.
    concepts = [(m.start, m.end) for m in default_lexicon().find(text)]
    kept = [
        fold(w.text)
        for w in words(text)
        if len(w.text) >= 2
        and not any(a <= w.start < b for a, b in concepts)
        and not (w.text.islower() and default_lexicon().knows_word(w.text))
        and not is_stopword(w.text)
        and fold(w.text) not in common
        and not w.text.isdigit()
        and w.text not in NUMBER_WORDS["da"]
        and w.text not in NUMBER_WORDS["en"]
    ]
    if not kept:
        return None
    best, score = None, 0.0
    for firm in gazetteer.firms:
        value = _alignment(kept, firm.words)
        if value > score:
            best, score = firm, value
    if best is None or score < SUGGEST_SCORE:
        return None
    return {"id": best.id, "name": best.name}


def _alignment(typed: list[str], name: list[str] | tuple[str, ...]) -> float:
    """How well typed words spell the first words of a name: the mean of the best word-to-word
    ratios over its first two words (a one-word name: its word), or 0 when one is missing."""
    key = [w for w in name if w != "og"][:3]
    if not key:
        return 0.0
    matched = sorted((max(fuzz.ratio(t, w) for t in typed) for w in key), reverse=True)
    need = matched[: min(2, len(key))]
    if need[-1] < 60:
        return 0.0
    return sum(need) / len(need)
