"""Slots in a chat message: firms, count, region, sector, purpose, theme, masterclass, format,
ordinals; the pieces live in `names`, `numbers`, `topics` and `masterclasses`."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from matchmaker.chat.masterclasses import find_masterclass, find_masterclass_number
from matchmaker.chat.names import (
    FirmMention,
    Gazetteer,
    find_firms,
    firm_candidates,
    fold,
    listed_beside,
    mask,
)
from matchmaker.chat.numbers import find_count, find_ordinals, find_size
from matchmaker.chat.topics import (
    find_purpose,
    find_sector,
    find_sector_filter,
    find_theme,
    sectors_of,
)
from matchmaker.reference import regions
from matchmaker.reference.text import guess_language

__all__ = [
    "Entities", "Gazetteer", "extract", "exclusion_start", "find_firms", "firm_candidates",
    "find_sector", "fold", "for_intent", "listed_beside", "mask", "sectors_of",
]  # fmt: skip

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


def find_format(text: str) -> str | None:
    m = _FORMAT.search(text)
    if not m:
        return None
    word = m.group(1).lower()
    for key, value in FORMATS.items():
        if word.startswith(key):
            return value
    return None


def exclusion_start(text: str) -> int | None:
    """Where the first exclusion word ('uden', 'but not', ...) of `text` starts, or None."""
    m = _EXCLUDE.search(text or "")
    return m.start() if m else None


SLOTS = {
    "find_partners": {"firms", "ambiguous", "ordinals", "count", "count_min", "count_unit",
                      "size", "region", "sector", "purpose", "exclude", "format"},
    "similar": {"firms", "ambiguous", "ordinals", "count", "count_min", "count_unit", "size",
                "region", "sector", "exclude", "format"},
    "propose_networks": {"firms", "ambiguous", "ordinals", "count", "count_min", "count_unit",
                         "size", "region", "sector", "purpose", "theme", "exclude", "format"},
    "propose_cohorts": {"firms", "ambiguous", "count", "count_min", "count_unit", "size",
                        "region", "sector", "masterclass", "format"},
    "explain": {"firms", "ambiguous", "ordinals", "masterclass"},
    "show": {"firms", "ambiguous", "ordinals", "format"},
    "export": {"firms", "ambiguous", "ordinals", "count", "count_min", "count_unit", "region",
               "sector", "masterclass", "format"},
    "invite": {"count", "count_min", "count_unit", "masterclass"},
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
    theme: str | None = None
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
    groups_listed: bool = False,
) -> Entities:
    """Every slot of `text`; town and sector words inside firm names do not count.

    `mentions` are the firm mentions if already found (`find_firms`), e.g. to mask them
    for the intent classifier first. `groups_listed`: the last answer listed networks or
    cohorts, so "hold nr 2" points at the second of them, not at masterclass number 2.
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
    rest = mask(text, spans)
    found = find_masterclass(rest, gazetteer, loose=intent == "propose_cohorts")
    numbered = find_masterclass_number(
        rest, gazetteer, cohorts=intent == "propose_cohorts" and not groups_listed
    )
    if numbered:
        # "masterclass 4" names a masterclass; the 4 is not a count (nor an ordinal).
        rest = mask(rest, [numbered[1]])
        if numbered[0] is not None and (found is None or found[1] is None):
            found = numbered[0], None
    if found:
        mc, span = found
        out.masterclass = {"id": mc.id, "title": mc.title}
        if span:
            rest = mask(rest, [span])
    out.ordinals, ordinal_spans = find_ordinals(rest)
    rest_no_ordinals = mask(rest, ordinal_spans)
    count = find_count(rest_no_ordinals, lang)
    if count:
        if count.size:
            out.size = count.value
        else:
            out.count, out.count_min, out.count_unit = count.value, count.low, count.unit
            out.size = find_size(rest_no_ordinals, lang)  # "3 netværk med 4 i hver"
    out.region = regions.find_in_text(rest, skip_negated=True)
    sector = find_sector_filter(rest)
    if sector:
        out.sector = sector[0]
    out.format = find_format(rest)
    out.purpose = find_purpose(rest)
    out.theme = find_theme(rest)
    out.exclude = bool(_EXCLUDE.search(text)) and bool(mentions or out.ordinals)
    return out
