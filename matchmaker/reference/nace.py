"""NACE rev. 2 / DB07 codes: the bundled list with Danish titles, and code normalisation."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache

from matchmaker.config import DATA_DIR
from matchmaker.reference.folding import fold
from matchmaker.reference.text import words

NACE_FILE = DATA_DIR / "nace.csv"


@dataclass(frozen=True)
class NaceCode:
    code: str  # "62.01", "62.0", "62" or "J"
    level: str  # section | division | group | class
    section: str
    title_da: str
    title_en: str


@lru_cache(maxsize=1)
def codes() -> dict[str, NaceCode]:
    """All codes of the bundled list, keyed by their normalised form."""
    with NACE_FILE.open(encoding="utf-8") as fh:
        return {row["code"]: NaceCode(**row) for row in csv.DictReader(fh)}


_DIGITS = re.compile(r"^\d{2}\.?\d{0,2}$|^\d{6}$")


def normalise(value: str) -> str:
    """'62.01', '6201' and DB07's six-digit '620100' all give '62.01'; ValueError if unknown."""
    raw = value.strip().replace(" ", "")
    if not _DIGITS.match(raw):
        raise ValueError(
            f"'{value}' is not a NACE code: write it as 62.01, 6201 or the six-digit DB07 620100"
        )
    digits = raw.replace(".", "")
    if len(digits) == 6:
        digits = digits[:4]
    code = digits[:2] if len(digits) == 2 else f"{digits[:2]}.{digits[2:]}"
    if code not in codes():
        raise ValueError(f"'{value}' is not in the NACE rev. 2 / DB07 code list")
    return code


def lookup(code: str | None) -> NaceCode | None:
    return codes().get(code) if code else None


def title(code: str | None, lang: str = "da") -> str:
    """The DB07/NACE title of a code in Danish or English ('' when unknown or not a code)."""
    try:
        found = lookup(normalise(str(code))) if code else None
    except ValueError:
        found = lookup(str(code).strip().upper()) if code else None  # a section letter
    if found is None:
        return ""
    return found.title_en if lang == "en" else found.title_da


def section_of(code: str | None) -> str | None:
    found = lookup(code)
    return found.section if found else None


def digits(code: str | None) -> str:
    """The digits of a code as written ('62.01' → '6201'); '' for none."""
    return "".join(ch for ch in (code or "") if ch.isdigit())


def nace_division(code: str | None) -> str | None:
    """Two-digit division of a code like '62.01', '6201' or '620100'."""
    d = digits(code)
    return d[:2] if len(d) >= 2 else None


def nace_group(code: str | None) -> str | None:
    """Three-digit group of a code."""
    d = digits(code)
    return d[:3] if len(d) >= 3 else None


def nace_class(code: str | None) -> str | None:
    """Four-digit class of a code."""
    d = digits(code)
    return d[:4] if len(d) >= 4 else None


def nace_section(code: str | None) -> str | None:
    """Section letter (A–U) of a code, from its division in the bundled list."""
    division = nace_division(code)
    return section_of(division) if division else None


def has_prefix(code: str | None, prefix: str) -> bool:
    """Whether a code lies under `prefix` (a section letter or leading digits, any notation)."""
    prefix = prefix.strip().upper()
    if prefix.isalpha():
        return nace_section(code) == prefix
    return digits(code).startswith(digits(prefix))


def search(text: str | None) -> list[NaceCode]:
    """The codes (classes first, then groups) whose Danish or English title has, for every
    word of `text`, a word that begins with it or (five letters or more) holds it, as in a
    Danish compound (case and Danish letters aside): what a firm that types its trade
    ("bageri", "software", "rådgivning") may mean."""
    wanted = words(fold(text or ""))
    if not wanted:
        return []
    found = []
    for code in codes().values():
        if code.level not in ("class", "group"):
            continue
        title_words = words(fold(f"{code.title_da} {code.title_en}"))
        if all(any(t.startswith(w) or (len(w) >= 5 and w in t) for t in title_words)
               for w in wanted):  # fmt: skip
            found.append(code)
    return sorted(found, key=lambda c: (c.level != "class", c.code))
