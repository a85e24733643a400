"""The language of a chat message, Danish or English, from its words (firm names masked)."""

from __future__ import annotations

import csv
import re
from collections import Counter
from functools import lru_cache

from matchmaker.config import DATA_DIR
from matchmaker.reference.text import DANISH_STOPWORDS, ENGLISH_STOPWORDS


@lru_cache(maxsize=1)
def language_words() -> tuple[frozenset[str], frozenset[str]]:
    """Words seen only in the Danish or only in the English training utterances (twice+)."""
    counts = {"da": Counter(), "en": Counter()}
    path = DATA_DIR / "chat" / "utterances.csv"
    if path.exists():
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if row.get("lang") in counts:
                    counts[row["lang"]].update(
                        w for w in re.findall(r"[^\W\d_]+", row["text"]) if w.islower()
                    )
    da = {w for w, n in counts["da"].items() if n >= 2 and w not in counts["en"]}
    en = {w for w, n in counts["en"].items() if n >= 2 and w not in counts["da"]}
    return frozenset(da | DANISH_STOPWORDS - ENGLISH_STOPWORDS), frozenset(
        en | ENGLISH_STOPWORDS - DANISH_STOPWORDS
    )


def message_language(text: str, fallback: str = "da") -> str:
    """'da' or 'en' from the words of a chat message; `fallback` when it gives no clue."""
    da_words, en_words = language_words()
    ws = re.findall(r"[^\W\d_]+", (text or "").lower())
    da = sum(w in da_words for w in ws) + 2 * len(re.findall(r"[æøå]", (text or "").lower()))
    en = sum(w in en_words for w in ws)
    if da == en:
        return fallback
    return "en" if en > da else "da"


# "in english please", "og nu på dansk tak", "kan du svare på engelsk?": the same answer in
# another language, the message asks for nothing else.
_ASKED = re.compile(
    r"^\s*(?:(?:og|and|men|but)\s+)?(?:(?:nu|now|så|then)\s+)?(?:(?:kan|kunne|can|could|vil|"
    r"will|would|må|may)\s+(?:du|you|jeg|i|vi|we)\s+(?:(?:få|have|get|see|se)\s+(?:det|dem|it|"
    r"them|that|this|dette)\s+)?)?(?:(?:svar|svare|skriv|skrive|vis|vise|gentag|gentage|tage|"
    r"answer|write|reply|show|repeat|say|give)\s+(?:(?:det|dem|it|them|that)\s+)?)?"
    r"(?:(?:(?:the\s+)?same|samme|det samme)\s+)?(?:(?:skift|switch|change)\s+"
    r"(?:til|to)\s+)?(?:(?:på|paa|in|into)\s+)?(dansk|danish|engelsk|english)(?:\s+(?:tak|"
    r"please|pls|igen|again|i stedet|instead|nu|now|thanks))*[\s.!?]*$",
    re.I,
)


def language_asked(text: str) -> str | None:
    """The language a message asks the last answer in ('da' or 'en'), when it asks for that
    alone ("in English please", "på dansk tak"); else None."""
    m = _ASKED.match(text or "")
    if not m:
        return None
    return "en" if m.group(1).lower() in ("engelsk", "english") else "da"


# "som pdf på engelsk", "as a PDF in Danish": the language of a file asked for.
_FILE_LANGUAGE = re.compile(r"\b(?:på|paa|in)\s+(dansk|danish|engelsk|english)\b", re.I)


def file_language(text: str) -> str | None:
    """The language a message asks a file in ('da' or 'en'), or None."""
    m = _FILE_LANGUAGE.search(text or "")
    if not m:
        return None
    return "en" if m.group(1).lower() in ("engelsk", "english") else "da"
