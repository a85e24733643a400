"""Danish/English text handling: normalisation, language guess, tokens, stop words, stems."""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

DANISH_STOPWORDS = frozenset(
    """
    ad af aldrig alle alt anden andet andre at bare begge blev blive bliver da de dem den denne
    dens der deres det dette dig din dine disse dit dog du efter eller en end ene eneste enhver
    er et fem fik fire flere fleste for fordi forrige fra få får før god han hans har havde have
    hende hendes her hos hun hvad hvem hver hvilke hvilken hvis hvor hvordan hvorfor hvornår i
    ikke ind ingen intet ja jeg jer jeres jo kan kom komme kommer kun kunne lad lav lidt lige
    lille man mand mange med meget men mens mere mig min mine mit mod må ned nej ni nogen noget
    nogle nu ny nyt når nær næste næsten og også om op os otte over på se seks ses sig sin sine
    sit skal skulle som sådan thi til ud under var vi vil ville vor vores være været samt via
    blandt både gennem hermed herunder heraf ifm ift bl a fx ca dvs osv mv evt pga iht etc
    """.split()
)

ENGLISH_STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself also via
    within across etc eg ie e g i e us
    """.split()
)

# Words that frame a need or an offer rather than say what it is about.
FRAME_WORDS = frozenset(
    """
    hjælp hjælpe hjælper brug behov søger søge mangler ønsker ønske tilbyder tilbyde leverer
    levere kan vil gerne finde partner partnere samarbejdspartner
    help helping need needs looking seek seeking offer offering provide providing want wants
    find partner partners
    """.split()
)

STOPWORDS = {"da": DANISH_STOPWORDS, "en": ENGLISH_STOPWORDS}
LANGUAGES = ("da", "en")
_STEMMER_NAMES = {"da": "danish", "en": "english"}

# Words of letters and digits; hyphenated compounds ("it-sikkerhed", "e-commerce") stay whole.
_TOKEN = re.compile(r"[^\W_]+(?:-[^\W_]+)*", re.UNICODE)
_DANISH_LETTERS = re.compile(r"[æøå]")
_CLAUSE_SPLIT = re.compile(r"(?<=[.!?;:])\s+|\n+|\s+[–—-]\s+|•")
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\ufeff"), None)


@dataclass(frozen=True)
class Token:
    """A word of a text: its normalised form and its character span in the original text."""

    text: str
    start: int
    end: int


def normalize(text: str | None) -> str:
    """Lower-case, NFKC-normalised text without soft hyphens and with single spaces."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).lower()
    return " ".join(text.split())


def tokens(text: str | None) -> list[Token]:
    """Words of `text` (letters, digits, inner hyphens) with spans into `text`."""
    if not text:
        return []
    # NFKC and lower() keep length for the Latin text we see; fall back to a per-match fold.
    folded = unicodedata.normalize("NFKC", text).lower()
    if len(folded) != len(text):
        return [Token(normalize(m.group()), m.start(), m.end()) for m in _TOKEN.finditer(text)]
    return [Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(folded)]


def words(text: str | None) -> list[str]:
    """Normalised words of `text`, in order."""
    return _TOKEN.findall(normalize(text))


def word_parts(word: str) -> list[str]:
    """A word and, when hyphenated, its pieces ("co2-aftryk" → co2-aftryk, co2, aftryk)."""
    if "-" not in word:
        return [word]
    return [word, *(p for p in word.split("-") if p)]


def is_stopword(word: str) -> bool:
    """True for a Danish or English function word, a need/offer frame word or a lone letter."""
    return (
        len(word) < 2
        or word in DANISH_STOPWORDS
        or word in ENGLISH_STOPWORDS
        or word in FRAME_WORDS
    )


def guess_language(text: str | None) -> str:
    """'da' or 'en' from stop-word counts and Danish letters; Danish when in doubt."""
    ws = words(text)
    if not ws:
        return "da"
    da = sum(w in DANISH_STOPWORDS for w in ws) + 2 * len(_DANISH_LETTERS.findall(" ".join(ws)))
    en = sum(w in ENGLISH_STOPWORDS for w in ws)
    return "en" if en > da else "da"


_STEMMERS = threading.local()


def _stemmer(language: str) -> snowballstemmer.stemmer:
    """This thread's Snowball stemmer for `language` (a stemmer keeps its word in itself, so
    threads sharing one corrupt each other's stems or fail)."""
    found = getattr(_STEMMERS, language, None)
    if found is None:
        found = snowballstemmer.stemmer(_STEMMER_NAMES[language])
        setattr(_STEMMERS, language, found)
    return found


@lru_cache(maxsize=200_000)
def stem(word: str, language: str = "da") -> str:
    """Snowball stem of one normalised word in `language` ('da' or 'en')."""
    return _stemmer(language).stemWord(word)


def content_stems(text: str | None, language: str | None = None) -> list[str]:
    """Stems of the non-stop words of `text`, stemmed in its (guessed) language."""
    language = language or guess_language(text)
    return [stem(w, language) for w in words(text) if not is_stopword(w)]


def char_ngrams(word: str, sizes: tuple[int, int] = (3, 5)) -> list[str]:
    """Character n-grams of one word padded with spaces, so compounds share their parts."""
    padded = f" {word} "
    lo, hi = sizes
    return [padded[i : i + n] for n in range(lo, hi + 1) for i in range(len(padded) - n + 1)]


# Abbreviations a period ends without ending the sentence ("kl. 22", "fx. emballage",
# "e.g. packaging"), Danish and English, lower case, without their last period.
ABBREVIATIONS = frozenset({
    "bl.a", "ca", "d.v.s", "dvs", "e.g", "ekskl", "etc", "evt", "f.eks", "fx", "i.e", "inkl",
    "jf", "kl", "m.fl", "m.m", "mht", "mv", "nr", "o.l", "pga", "tlf", "vedr", "vs", "approx",
    "incl", "excl",
})  # fmt: skip
_WORD_BEFORE = re.compile(r"([^\W\d_]+(?:\.[^\W\d_]+)*)\.$")


def _ends_clause(text: str, split: re.Match) -> bool:
    """Whether a split after a period ends a sentence: not after an abbreviation."""
    if text[split.start() - 1 : split.start()] != ".":
        return True
    before = _WORD_BEFORE.search(text, max(0, split.start() - 12), split.start())
    return not (before and before.group(1).lower() in ABBREVIATIONS)


def clauses(text: str | None) -> list[tuple[int, int]]:
    """Character spans of the clauses (sentences, lines, bullet items) of `text`."""
    if not text:
        return []
    spans, start = [], 0
    for m in _CLAUSE_SPLIT.finditer(text):
        if not _ends_clause(text, m):
            continue
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def snippet(text: str, start: int, end: int, width: int = 90) -> str:
    """The clause of `text` around span [start, end), cut on word boundaries to about `width`
    characters, with "…" where the clause was cut."""
    a0, b0 = next(((a, b) for a, b in clauses(text) if a <= start < b), (start, end))
    a, b = a0, b0
    if b - a > width:
        a = max(a, start - max(0, width - (end - start)) // 2)
        b = min(b, max(end, a + width))
        # Cut on word boundaries.
        while a > a0 and text[a - 1].isalnum() and a < start:
            a += 1
        while b < b0 and text[b].isalnum() and b > end:
            b -= 1
    body = " ".join(text[a:b].split()).strip(" ,.;:()")
    if text[a0:a].strip(" ,.;:()\n\t"):
        body = "… " + body
    if text[b:b0].strip(" ,.;:()\n\t"):
        body = body + " …"
    return body
