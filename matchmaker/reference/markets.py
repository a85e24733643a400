"""Markets a firm sells in, whatever language they are written in: one key per market.

A firm's `markets` are free strings ("Tyskland", "Germany", "DE", "det tyske marked",
"Norden", "EU"). `market_key` maps each to a canonical key: a country's ISO code ("DE"),
named in Danish, English, German, Swedish or Norwegian (Babel's territory names), by its code
or by an adjective ("tyske marked", "the German market"); a group ("nordics", "scandinavia",
"dach", "benelux", "eu", "europe", "global"); one of Babel's world regions by its number
("005", South America); or, for anything else, the folded text itself, so an unknown market
still meets the same words written by another firm. `market_label` names a key in a reader's
language; the stored profile keeps what the firm wrote.

Overlap (`covers`, `shared_markets`): a group overlaps the markets it contains. Norden holds
Scandinavia, Finland, Iceland, the Faroes, Greenland and Åland; Scandinavia holds Denmark,
Sweden and Norway; DACH holds Germany, Austria and Switzerland; Benelux holds Belgium, the
Netherlands and Luxembourg; Europe holds the EU (as a whole). So a firm in "Norden" and one
in "Sverige" share Sweden; one in "DACH" and one in "Tyskland" share Germany; "Norden" and
"Skandinavien" share Scandinavia; "Sverige" and "Danmark" share nothing. EU, Europe and
global/international overlap no single country: a firm that sells across the EU, or
worldwide, says too little about Germany for a Danish store, where most firms sell in at
least one EU country, to call it a shared market.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import cache, lru_cache

from babel import Locale

from matchmaker.reference import folding, messages, regions

NAME_LANGUAGES = ("da", "en", "de", "sv", "nb")  # earlier languages win a clash of names
# Two-letter codes in Babel's lists that are no country a firm sells in.
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})
# Babel's numbered regions that stand for one of the groups below.
REGION_GROUPS = {"001": "global", "150": "europe"}
GROUPS: dict[str, frozenset[str]] = {
    "nordics": frozenset({"scandinavia", "FI", "IS", "FO", "GL", "AX"}),
    "scandinavia": frozenset({"DK", "SE", "NO"}),
    "dach": frozenset({"DE", "AT", "CH"}),
    "benelux": frozenset({"BE", "NL", "LU"}),
    "europe": frozenset({"eu"}),
    "eu": frozenset(),
    "global": frozenset(),
}
# Names of the groups, and their adjectives (which name a market only beside a market noun
# in running text: "det nordiske marked", "the European market").
GROUP_NAMES = {
    "nordics": "norden, nordics, the nordics, nordic countries, nordiske lande, "
    "de nordiske lande, nordic region",
    "scandinavia": "skandinavien, scandinavia, skandinaviske lande, scandinavian countries",
    "dach": "dach, dach region, dach-regionen, dach-landene",
    "benelux": "benelux, benelux-landene, benelux countries",
    "eu": "eu, den europaeiske union, european union, eu-landene, det indre marked, "
    "single market, eus indre marked",
    "europe": "europa, europe, resten af europa, rest of europe",
    "global": "global, globalt, hele verden, verden, world, worldwide, the world, "
    "international, internationalt, alle lande, all countries",
}
GROUP_ADJECTIVES = {
    "nordics": "nordisk, nordic",
    "scandinavia": "skandinavisk, scandinavian",
    "europe": "europaeisk, european",
    "global": "globale, internationale",
}
# Names and adjectives no rule builds from Babel's names (a rule does 'tysk' from Tyskland,
# 'polsk' from Polen, 'German' from Germany, 'Chinese' from China).
IRREGULAR_NAMES = {
    "NL": "holland, the netherlands",
    "GB": "uk, england, britain, great britain",
    "US": "amerika, america, the us, the states",
}
IRREGULAR_ADJECTIVES = {
    "DK": "dansk, danish",
    "SE": "svensk, swedish",
    "NO": "norsk, norwegian",
    "FI": "finnish",
    "FR": "fransk, french",
    "IE": "irsk, irish",
    "RU": "russisk",
    "GR": "graesk, greek",
    "NL": "hollandsk, nederlandsk, dutch",
    "GB": "engelsk, english, britisk, british",
    "US": "amerikansk, american",
    "CH": "schweizisk, swiss",
    "PT": "portugisisk, portuguese",
    "ES": "spanish",
    "FO": "faeroesk, faroese",
    "IS": "islandsk, icelandic",
}
# Endings a rule strips from a country's name, and endings it puts on, to get the adjective.
_STEM_ENDINGS = {
    "da": ("landene", "land", "ien", "iet", "en", "ia", "a", "e"),
    "en": ("land", "and", "ia", "um", "ey", "y", "a", "e", "o"),
}
_ADJECTIVE_ENDINGS = {
    "da": ("sk", "isk", "esisk", "iansk"),
    "en": ("n", "an", "ian", "ish", "ese", "ic"),
}
_ARTICLE = re.compile(r"^(?:det|den|de|the)\s+")
_MARKET_NOUN = re.compile(r"[\s-]*(?:marked|markedet|markeder|markederne|markets?)$")
_MARKET_IN = re.compile(r"^(?:markedet|marked|markeder|markets?)\s+(?:i|in|på|pa)\s+")
FUZZY_MIN_LENGTH = 7  # only names this long are corrected for a typo ("medico" is no Mexico)
FUZZY_MAX_EDITS = 1  # a typo: one letter wrong, missing, extra, or two swapped


def fold(text: str) -> str:
    """A market string folded for lookup: lower case, Danish letters written out (ø→o),
    accents and punctuation dropped, spaces collapsed."""
    folded = folding.fold(str(text or "").strip(), folding.FOLD_B)
    folded = "".join(c for c in unicodedata.normalize("NFKD", folded) if c.isascii())
    return " ".join(re.sub(r"[^a-z0-9 -]+", " ", folded).split()).strip(" -")


def _adjectives(name: str, lang: str) -> set[str]:
    """Adjectival forms a rule builds from a (folded) country name."""
    if lang not in _STEM_ENDINGS:
        return set()
    stems = {name} | {name[: -len(e)] for e in _STEM_ENDINGS[lang] if name.endswith(e)}
    out = {s + e for s in stems for e in _ADJECTIVE_ENDINGS[lang] if len(s) >= 3}
    if lang == "da" and name.endswith("skland"):  # Tyskland → tysk
        out.add(name[:-4])
    elif name.endswith("y") and len(name) >= 5:  # Germany → German
        out.add(name[:-1])
    return out


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, str], dict[str, str]]:
    """Every known way of writing a market (folded) → its key: names, and adjectives."""
    names: dict[str, str] = {}
    built: dict[str, set[str]] = {}
    for lang in NAME_LANGUAGES:
        for code, name in Locale(lang).territories.items():
            if code in NOT_COUNTRIES:
                continue
            names.setdefault(fold(name), REGION_GROUPS.get(code, code))
            if code.isalpha():
                names.setdefault(code.lower(), code)
                for form in _adjectives(fold(name), lang):
                    built.setdefault(form, set()).add(code)
    adjectives: dict[str, str] = {}
    for table, entries in (
        (names, IRREGULAR_NAMES), (names, GROUP_NAMES),
        (adjectives, IRREGULAR_ADJECTIVES), (adjectives, GROUP_ADJECTIVES),
    ):  # fmt: skip
        for key, words in entries.items():
            table.update(dict.fromkeys(_split(words), key))
    # A built form names a country only where it names one country and no other name.
    for form, codes in built.items():
        if len(codes) == 1 and form not in names:
            adjectives.setdefault(form, next(iter(codes)))
    return names, adjectives


def _split(words: str) -> list[str]:
    """The comma-separated names of a GROUP_NAMES or IRREGULAR entry."""
    return [w.strip() for w in words.split(",") if w.strip()]


def _lookup(folded: str, in_text: bool = False) -> str | None:
    """The key a folded market string names, or None. An adjective ("tyske", "German") names
    a market alone as a firm's market, but in running text (`in_text`) only with a market noun
    ("det tyske marked", "the German market")."""
    names, adjectives = _tables()
    if folded in names:
        return names[folded]
    bare = _MARKET_IN.sub("", _ARTICLE.sub("", folded))
    bare = _ARTICLE.sub("", _MARKET_NOUN.sub("", bare).strip())
    with_noun = bare != _ARTICLE.sub("", folded)
    for form in (bare, bare[:-1] if bare.endswith("e") else None, bare.replace("-", " ")):
        if form in names:
            return names[form]
        if form in adjectives and (with_noun or not in_text):
            return adjectives[form]
    return None


@lru_cache(maxsize=20_000)
def market_key(text: str) -> str | None:
    """The canonical key of a market string (None for an empty one): a country's ISO code, a
    group, a Babel region number, else the folded text. A typo in a name of seven letters or
    more is corrected when the names one edit away are all of one market (rapidfuzz), unless
    it names a Danish place."""
    folded = fold(text)
    if not folded:
        return None
    found = _lookup(folded)
    if found is None and len(folded) >= FUZZY_MIN_LENGTH and not regions.normalise(folded):
        found = _near(folded)  # a Danish place ("Lolland") is no typo of a country
    return found or " ".join(str(text).lower().split())


def _near(folded: str) -> str | None:
    """The key of the one known name a typo away from `folded` (rapidfuzz), if just one."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    near = process.extract(
        folded, _long_names(), scorer=OSA.distance, score_cutoff=FUZZY_MAX_EDITS, limit=None
    )
    names, adjectives = _tables()
    keys = {names.get(name) or adjectives[name] for name, _, _ in near}
    return keys.pop() if len(keys) == 1 else None


@lru_cache(maxsize=1)
def _long_names() -> tuple[str, ...]:
    names, adjectives = _tables()
    return tuple(k for k in {**adjectives, **names} if len(k) >= FUZZY_MIN_LENGTH - 1)


def market_keys(markets: Iterable[str] | None) -> list[str]:
    """The keys of a list of market strings, without repeats, in the order written."""
    seen: dict[str, None] = {}
    for m in markets or []:
        key = market_key(str(m)) if m is not None else None
        if key:
            seen.setdefault(key, None)
    return list(seen)


# In running text a market must be a country, region or narrow group: "international" or
# "global" there says how a firm works, not where it sells.
_NOT_IN_TEXT = frozenset({"global"})
TEXT_WINDOW = 4  # longest name looked for in running text, in words


def find_markets(text: str) -> list[str]:
    """The known markets a running text names ("eksport til det tyske marked", "help with
    export to France"), longest names first, in order; a two-letter code counts only when
    written in capitals ("DE", "UK"), so that "in", "it" and "no" stay words."""
    words = str(text or "").split()
    found: dict[str, None] = {}
    i = 0
    while i < len(words):
        for n in range(min(TEXT_WINDOW, len(words) - i), 0, -1):
            phrase = " ".join(words[i : i + n]).strip(".,;:!?()\"'“”")
            folded = fold(phrase)
            if len(folded) == 2 and not phrase.isupper():
                continue
            key = _lookup(folded, in_text=True) if folded else None
            if key and key not in _NOT_IN_TEXT:
                found.setdefault(key, None)
                i += n - 1
                break
        i += 1
    return list(found)


def is_known(key: str) -> bool:
    """Whether `key` is a country, group or region (not a folded unknown text)."""
    return key in GROUPS or key.isupper() or key.isdigit()


@cache
def covers(key: str) -> frozenset[str]:
    """`key` and every market it contains (a group's members, and theirs)."""
    out = {key}
    for member in GROUPS.get(key, ()):
        out |= covers(member)
    return frozenset(out)


def shared_markets(
    key_lists: Iterable[Iterable[str]], at_least: int = 2, leave_out: Iterable[str] = ()
) -> list[str]:
    """The markets at least `at_least` of the firms' key lists cover, but those in
    `leave_out`, each named once at its widest: "nordics" for Norden and Norden, "SE" for Norden
    and Sverige, "scandinavia" for Norden and Skandinavien; in the order first written."""
    counts: Counter[str] = Counter()
    order: dict[str, None] = {}
    for keys in key_lists:
        held: set[str] = set()
        for key in keys:
            for m in (key, *sorted(covers(key) - {key})):
                order.setdefault(m, None)
                held.add(m)
        counts.update(held)
    skip = set(leave_out)
    found = [m for m in order if counts[m] >= at_least and m not in skip]
    inside = {m for k in found for m in covers(k) if m != k}
    return [m for m in found if m not in inside]


def market_label(key: str, lang: str | None = None, written: str | None = None) -> str:
    """A key named in the reader's language (Danish where the language is not spoken); an
    unknown market by what the firm wrote (`written`), else its key."""
    lang = messages.language(lang)
    if key in GROUPS:
        return messages.render(f"markets.{key}", lang)
    if key.isupper() or key.isdigit():
        name = Locale(lang).territories.get(key)
        if name:
            return name
    return written or key


def labels(markets: Iterable[str] | None, lang: str | None = None) -> list[str]:
    """A firm's market strings named in the reader's language, without repeats (unknown ones
    as written)."""
    out: dict[str, None] = {}
    for m in markets or []:
        key = market_key(str(m)) if m is not None else None
        if key:
            out.setdefault(market_label(key, lang, str(m).strip()), None)
    return list(out)
