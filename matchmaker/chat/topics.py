"""What a chat message is about: sectors (from their synonyms), the purpose of a partner search
("eksport til Tyskland") and the theme of a network request ("om grøn omstilling")."""

from __future__ import annotations

import json
import re
from functools import lru_cache

import numpy as np

from matchmaker.config import DATA_DIR
from matchmaker.reference import messages
from matchmaker.reference.folding import fold
from matchmaker.reference.regions import is_region_name
from matchmaker.reference.text import is_stopword

SECTORS_FILE = DATA_DIR / "chat" / "sectors.json"

_PURPOSE = re.compile(
    r"(?:\b(?:der|som|who|that|which)\s+(?:kan|kunne|can|could|will|vil)\s+"
    r"(?:hjælpe|hjaelpe|help|støtte|assist)(?:\s+(?:dem|ham|hende|os|them|us|him|her|it))?"
    r"(?:\s+(?:med|with|to|til|på|on))?"
    r"|\b(?:hjælpe|hjaelpe|help)\s+(?:(?:dem|os|them|us|[\w-]+)\s+){0,3}?(?:med|with|to)"
    r"|\bmed erfaring (?:i|med|inden for|indenfor)|\bwith experience (?:in|with|of)"
    r"|\bder (?:kender|ved noget) (?:til|om)|\bwho knows? about"
    r"|\b(?:er|is|are)\s+(?:gode?|dygtige?|stærke?|good|skilled|strong)\s+(?:til|i|på|at|in)"
    # (wanting to buy is a question for buyers, `_BUYER`: what they buy is the topic)
    r"|\bom at|\btil at|\b(?:vil gerne|gerne vil)(?!\s+k(?:ø|oe|o)be)"
    r"|\b(?:wants? to|would like to)(?!\s+buy)|\bfor at"
    r"|\bsnakke med om|\btale med om|\b(?:team up|partner|collaborate|cooperate|work)\s+with"
    r"\s+(?:.{0,60}?\s+)?on|\bsamarbejde\s+med\s+(?:.{0,60}?\s+)?om)\s+(.+)",
    re.I,
)
# Verbs of what a firm supplies ("levere", "laver", "makes", "can repair"): asked of a firm not
# named ("hvem laver X?", "firms that make X", "anyone who can supply X"), their object is the
# topic, read as the need of a firm not named yet.
_SUPPLY_VERB = (
    r"(?:levere|leverer|lave|laver|producere|producerer|fremstille|fremstiller|tilbyde|"
    r"tilbyder|sælge|sælger|saelge|saelger|forhandle|forhandler|reparere|reparerer|bygge|"
    r"bygger|installere|installerer|udvikle|udvikler|servicere|servicerer|"
    r"supply|supplies|make|makes|produce|produces|manufacture|manufactures|provide|provides|"
    r"offer|offers|deliver|delivers|sell|sells|repair|repairs|fix|fixes|build|builds|"
    r"install|installs|develop|develops|service|services|distribute|distributes|"
    r"dyrker|dyrke|opdrætter|grows?)"
)
_SUPPLIER = re.compile(
    r"(?:\b(?:der|som|who|that|which)\s+(?:kan|kunne|can|could|will|vil)\s+"
    r"|\b(?:hvem|who|nogen|nogle|anyone|someone|somebody|firms?|compan(?:y|ies)|businesses|"
    r"suppliers?|virksomhed(?:er)?|firma(?:er)?|leverandør(?:er)?),?\s+"
    r"(?:(?:der|som|that|which|who)\s+)?(?:(?:kan|kunne|can|could)\s+)?)"
    rf"(?:(?:så|saa|også|ogsaa|then|also)\s+)?{_SUPPLY_VERB}\s+(.+)",
    re.I,
)
# Any other deed asked of a firm not named ("hvem kan lakere træ?", "nogen der kan køre frossen
# fisk?", "which firms can automate a packing line?"), and of the partners a request asks for
# ("partnere der kan køre frossen fisk til Spanien"): the deed with its object is the topic.
# Not a question to the chat or of the asker ("hvem kan jeg ringe til", "who can you find"),
# nor help (`_PURPOSE`) or a verb `_SUPPLIER` reads.
_NOT_A_DEED = (
    r"(?:du|jeg|vi|man|I|you|we|one|de|they|hjælpe|hjaelpe|help|støtte|assist|bruges|"
    r"bruge|use|få|faa|get|købe|koebe|kobe|buy|også|ogsaa|also|ikke|not|være|vaere|be|"
    r"findes|anbefale|anbefales|recommend|så|saa|then|matche|match|passe|fit|samarbejde|"
    r"arbejde|work|cooperate|collaborate|partner|deltage|join|konkurrere|compete|forklare|"
    r"explain|redigere|rette|edit|logge|log|godkende|approve|afvise|reject|gemme|save|"
    r"eksportere|export|svare|answer|hjælpes|tale|talk|snakke|kontakte|contact|ringe|call)\b"
)
_DOER = re.compile(
    r"(?:\b(?:hvem|who|nogen|nogle|anyone|someone|somebody|firms?|compan(?:y|ies)|businesses|"
    r"virksomhed(?:er)?|firma(?:er)?|hvilke\s+(?:virksomheder|firmaer)|which\s+(?:firms|"
    r"companies|businesses))(?:\s+(?:i|in)\s+(?:region\s+)?[\wæøåÆØÅ]+)?,?\s+"
    r"(?:(?:der|som|that|which|who)\s+)?|\b(?:der|som|who|that|which)\s+)"
    rf"(?:kan|kunne|can|could)\s+(?!{_NOT_A_DEED}|{_SUPPLY_VERB}\b)"
    r"([\wæøåÆØÅ-]{3,}\s+.+)",
    re.I,
)
# Verbs of what a firm lacks or wants ("har brug for", "mangler", "needs", "is looking for"):
# asked of firms not named ("hvem har brug for X?", "which firms need X"), their object is the
# topic, read as the offer of a firm not named yet, which the listed firms' needs meet.
_WANT_VERB = (
    r"(?:har brug for|har behov for|mangler|efterspørger|efterspoerger|søger|soeger|"
    r"leder efter|kunne bruge|kan bruge|skal bruge|skal have|"
    r"(?:gerne\s+)?(?:vil|kan|kunne)(?:\s+gerne)?\s+k(?:ø|oe|o)be|could buy|would buy|"
    r"needs?|(?:is\s+|are\s+)?looking for|looks? for|seeking|searching for|could use|"
    r"can use|wants? to buy|would like to buy|lacks?)"
)
# Wanting to do something is needing it ("hvem vil gerne overvåge deres bistader?", "who wants to
# export to Norway?"): the deed is the topic, and the firms that want it are listed.
_WANTER = re.compile(
    r"\b(?:hvem|who|hvilke\s+(?:virksomheder|firmaer)|which\s+(?:firms|companies|businesses))"
    r"\s+(?:(?:der|som|that)\s+)?(?:vil gerne|gerne vil|ønsker at|oensker at|drømmer om at|"
    r"wants? to|would like to|plans? to)\s+(?!k(?:ø|oe|o)be\b|buy\b|get rid\b|slippe\b|af med\b)"
    r"([\wæøåÆØÅ-]{3,}\s+.+)",
    re.I,
)
# Something a firm has spare is what it offers ("hvem har kompost til overs?", "who has surplus
# heat?"): the thing is the topic, asked of its suppliers.
_WHO_HAS = (
    r"\b(?:hvem|who|nogen|anyone|hvilke\s+(?:virksomheder|firmaer)|which\s+(?:firms|"
    r"companies|businesses))\s+"
)
_HAS = _WHO_HAS + r"(?:har|have|has)\s+"
_SPARE_RID = re.compile(
    _WHO_HAS + r"(?:(?:der|som|that)\s+)?(?:vil gerne|gerne vil|vil|skal|wants? to|would like "
    r"to|needs? to)\s+(?:af med|slippe af med|get rid of|be rid of)\s+(.+)",
    re.I,
)
_SPARE_OF = re.compile(_HAS + r"((?:overskud af|surplus|spare|leftover)\s+.+)", re.I)
_SPARE_LEFT = re.compile(
    _HAS + r"(.+?)\s+(?:til overs|i overskud|to spare|left over|(?:(?:de|den|det|they|it)\s+)?"
    r"(?:vil|skal|gerne vil|want to|wants to|need to)\s+(?:af med|get rid of|be rid of))",
    re.I,
)
_BUYER = re.compile(
    r"\b(?:hvem|who|nogen|anyone|someone|hvilke\s+(?:virksomheder|firmaer|kunder)|"
    r"which\s+(?:firms|companies|businesses|customers))"
    r"(?:\s+(?:i|in)\s+(?:region\s+)?[\wæøåÆØÅ]+(?:\s+[\wæøåÆØÅ]+){0,2}?)?,?\s+"
    r"(?:(?:der|som|that|which|who)\s+)?"
    rf"{_WANT_VERB}\s+(.+)",
    re.I,
)
# "hele landet", "all of Denmark": the last request without its region.
EVERYWHERE = re.compile(
    r"\b(?:hele (?:landet|danmark)|alle regioner|overalt|uanset region|(?:the )?whole country|"
    r"all (?:of )?denmark|all regions|everywhere|nationwide|any region)\b",
    re.I,
)
_PURPOSE_STOP = re.compile(
    r"\s*(?:[.?!;]|,\s|\s[–—-]\s|\b(?:i|in)\s+(?:region\s+)?(?:\w+jylland|syddanmark|"
    r"sjælland|sjaelland|hovedstaden|zealand|southern denmark|north jutland|central)|"
    r"\b(?:tak|please|pls|thanks)\b|\bhvem\b|\bwho\b|\bkan du\b|\bcan you\b|"
    r"\b(?:til|for|to)\s+(?:dem|ham|hende|os|them|us|him|her)\b).*$",
    re.I,
)


@lru_cache(maxsize=1)
def sector_synonyms() -> tuple[tuple[str, str], ...]:
    """(folded synonym, canonical sector) pairs, longest synonym first."""
    data = json.loads(SECTORS_FILE.read_text(encoding="utf-8"))
    pairs = [(fold(s), sector) for sector, syns in data.items() for s in [sector, *syns]]
    return tuple(sorted(set(pairs), key=lambda p: -len(p[0])))


_SHORT_SUFFIXES = ("", "en", "et", "s", "er", "erne", "ene")


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    return fold(ch)


def _fold_offsets(text: str) -> tuple[str, list[int]]:
    """`fold(text)` and, for each of its characters, the offset it came from in `text`."""
    parts = list(map(_fold_char, text))
    folded = "".join(parts)
    if len(folded) == len(text):
        return folded, list(range(len(text) + 1))
    offsets = np.repeat(np.arange(len(text)), list(map(len, parts))).tolist()
    return folded, [*offsets, len(text)]


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


def sector_label(sector: str | None, lang: str | None = None) -> str:
    """A sector's name in the reader's language ("fødevarer" → "food"); one the catalogue
    does not name, as given."""
    if not sector:
        return ""
    return messages.render_known(f"sectors.{sector}", lang, sector)


def find_sector(text: str) -> tuple[str, tuple[int, int]] | None:
    """The first sector named in `text` (a synonym starting a word), with its span."""
    hits = _sector_hits(text)
    return (hits[0][0], (hits[0][1], hits[0][2])) if hits else None


@lru_cache(maxsize=50_000)
def sectors_of(text: str) -> frozenset[str]:
    """Every sector a text names (a firm's sector field and description, say)."""
    return frozenset(sector for sector, _, _ in _sector_hits(text or ""))


_MARKET_GOAL = re.compile(
    r"\b(?:eksport\w*|export\w*|sælge|saelge|sell\w*|komme ind på|get into|enter)\s+"
    r"(?:til|to|i|in|på|into|on)\s+(?:det\s+|the\s+|den\s+)?[\wæøåÆØÅ]+(?:\s+marked\w*|\s+market)?",
    re.I,
)


def asks_for_suppliers(text: str) -> bool:
    """Does the message ask who supplies something ("hvem kan levere X?", "who makes X?",
    "hvem kan lakere træ?", "hvem har X til overs?")?"""
    spare = (_SPARE_OF, _SPARE_LEFT, _SPARE_RID)
    deed = bool(_deeds(text))
    return (
        deed
        or any(p.search(text) is not None for p in (_SUPPLIER, *spare))
        or any(not _sector_hits(m.group(1)) for m in _WORKS_WITH.finditer(text))
    )


def asks_for_buyers(text: str) -> bool:
    """Does the message ask who needs something ("hvem har brug for X?", "who needs X?"), and
    not who supplies it ("a customer who needs X – who can supply it?" asks for suppliers)?"""
    asked = _BUYER.search(text) is not None or _WANTER.search(text) is not None
    return asked and not asks_for_suppliers(text)


def find_purpose(text: str) -> str | None:
    """What the facilitator wants the partners for ('eksport til Tyskland'), or what the firms
    asked for should supply ('hvem kan levere kartoner?' → 'kartoner') or need ('hvem har brug
    for kartoner?' → 'kartoner'), as written."""
    found = purpose_span(text)
    return found[0] if found else None


def _purpose_matches(text: str) -> list[re.Match]:
    """The forms a purpose is read from, in order of trust: help asked for, a thing supplied,
    a thing needed, any other deed, a kind of firm listed that is no sector."""
    kinds = [m for p in (_WORKS_WITH, _KIND) for m in p.finditer(text)
             if not _sector_hits(m.group(1))]  # fmt: skip
    spare = [m for p in (_SPARE_RID, _SPARE_OF, _SPARE_LEFT) for m in p.finditer(text)]
    return [
        *spare,
        *_WANTER.finditer(text),
        *_PURPOSE.finditer(text),
        *_SUPPLIER.finditer(text),
        *_BUYER.finditer(text),
        *_deeds(text),
        *kinds,
    ]


def _deeds(text: str) -> list[re.Match]:
    """`_DOER`'s matches, but for a capitalised word after "kan" ("hvem kan Lemvig Lakrids
    samarbejde med?"): a firm's name, no deed."""
    return [m for m in _DOER.finditer(text) if not m.group(1)[:1].isupper()]


# What firms work with ("hvilke virksomheder arbejder med svampe?"): a topic when it is no
# sector (firms that work with energy are the energy sector, `find_sector_filter`).
_WORKS_WITH = re.compile(
    r"\b(?:hvem|who|hvilke\s+(?:virksomheder|firmaer)|which\s+(?:firms|companies|businesses)|"
    r"virksomheder|firmaer|firms|companies|businesses)\s+(?:(?:der|som|that|which|who)\s+)?"
    r"(?:arbejder|arbejde|beskæftiger sig|works?|working|deals?)\s+(?:med|with)\s+(.+)",
    re.I,
)
# A kind of firm asked for by what it does ("vis alle it-sikkerhedsfirmaer", "list the IT
# security companies"): what it does is the topic (a sector named so is a sector, not this).
_KIND = re.compile(
    r"\b(?:vis|viser|list|liste|find|finde|hvilke|alle)\s+(?:mig\s+)?(?:alle\s+)?(?:de\s+)?"
    r"([\wæøåÆØÅ-]{3,}?)(?<=\w)s?-?(?:firmaer|virksomheder)\b",
    re.I,
)


def purpose_span(text: str) -> tuple[str, int, int] | None:
    """The purpose (`find_purpose`) and where in `text` the words it was read from lie."""
    for m in _purpose_matches(text):
        cut = _PURPOSE_STOP.sub("", m.group(1))
        purpose = " ".join(cut.split()).strip(" ,.?!:;–-")
        purpose = re.sub(r"^(?:at|to|med|with)\s+", "", purpose, flags=re.I)
        purpose = re.sub(r"^(?:sådan|saadan|such|den slags|that kind of)\s+", "", purpose,
                         flags=re.I)  # fmt: skip
        purpose = re.sub(r"^(?:nogen|noget|en|someone|somebody|something)\s+(?:til at|som kan|"
                         r"der kan|to|who can)\s+", "", purpose, flags=re.I)  # fmt: skip
        purpose = re.sub(r"^(?:en|et|a|an|the)\s+(?=\w{2})", "", purpose, flags=re.I)
        if len(purpose) >= 3 and not is_stopword(purpose.lower()):
            return purpose, m.start(1), m.start(1) + len(cut)
    goal = _MARKET_GOAL.search(text)
    return (" ".join(goal.group().split()), goal.start(), goal.end()) if goal else None


# A sector word that names the sector as such ("fødevaresektoren", "tekstilbranchen", "the food
# sector"): a filter even inside the purpose.
_SECTOR_AS_SUCH = re.compile(r"(?:sektor|branche|industri)\w*$", re.I)
_SECTOR_WORD_AFTER = re.compile(
    r"^\s*-?\s*(?:sectors?|industry|industries|sektor\w*|branche\w*|industri\w*)\b", re.I
)


# The forms of a purpose that name what the partners should bring ("der kan hjælpe med X",
# "hjælpe A med X", "med erfaring i X", "who can supply X"); "vil gerne …", "wants to …" state
# an intention, often the request itself ("I want to propose a maritime network").
_NEED_FORM = re.compile(
    r"hjælpe|hjaelpe|help|støtte|assist|erfaring|experience|kender|ved noget|knows?\b"
    r"|gode?\s|dygtige?\s|stærke?\s|good\s|skilled\s|strong\s",
    re.I,
)


def _need_span(text: str) -> tuple[int, int] | None:
    """Where the purpose lies when it names what the partners should bring, else None."""
    found = purpose_span(text)
    if found is None:
        return None
    _, start, end = found
    for m in _purpose_matches(text):
        if m.start(1) == start:
            if m.re in (_SUPPLIER, _BUYER, _DOER, _WANTER, _SPARE_OF, _SPARE_LEFT, _SPARE_RID):
                return start, end
            form = m.group(0)[: start - m.start()]
            # "hjælp mig med at finde …", "help me find …": asked of the chat, not the partners
            helps_partners = _NEED_FORM.search(form) and not re.search(r"\b(?:mig|me)\b", form)
            return (start, end) if helps_partners else None
    return None


def find_sector_filter(text: str) -> tuple[str, tuple[int, int]] | None:
    """The sector a request filters by: the first sector named outside what the partners should
    bring, or named as a sector inside it. "partnere der kan hjælpe med tekstiler" asks for
    firms that offer textiles, wherever they are filed; "i tekstilbranchen" asks for the sector."""
    purpose = _need_span(text)
    for sector, start, end in _sector_hits(text):
        inside = purpose is not None and purpose[0] <= start < purpose[1]
        if inside and not (
            _SECTOR_AS_SUCH.search(text[start:end]) or _SECTOR_WORD_AFTER.match(text[end:])
        ):
            continue
        return sector, (start, end)
    return None


# The slots each intent uses; the rest of a message (a town in small talk) is not reported.


# What follows these in a network request is its theme ("netværk om grøn omstilling").
_THEME = re.compile(
    r"\b(?:om|omkring|inden ?for|med fokus på|med fokus paa|about|on|around|focused on|"
    r"with a focus on|within|på|paa)\s+(.+)",
    re.I,
)
_THEME_STOP = re.compile(
    r"\s*(?:[.?!;]|,\s|\s[–—-]\s|\b(?:i|in|across|over|for|til|med|with|af|of)\s+(?:hele|the|"
    r"region|\w+jylland|syddanmark|sjælland|sjaelland|hovedstaden|zealand|southern|northern|"
    r"north|central|capital|landet|danmark|denmark|country|\d)|\b(?:tak|please|pls|thanks)\b|"
    r"\b(?:hvem|who|kan du|can you)\b).*$",
    re.I,
)
_THEME_NOT = re.compile(
    r"^(?:det|dem|den|it|them|that|this|the|a|an|nummer|number|nr|\d+|hold|netværk\w*|"
    r"networks?)\b",
    re.I,
)


def find_theme(text: str) -> str | None:
    """The theme of a network request as written ("om grøn omstilling" → "grøn omstilling")."""
    for m in _THEME.finditer(text or ""):
        theme = " ".join(_THEME_STOP.sub("", m.group(1)).split()).strip(" ,.?!:;–-")
        if len(theme) >= 3 and not is_stopword(theme.lower()) and not _THEME_NOT.match(theme):
            if is_region_name(theme):  # "og på Sjælland?": a place, not what they share
                continue
            return theme
    return None
