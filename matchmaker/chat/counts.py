"""How many firms there are ("hvor mange virksomheder er der i Region Midtjylland?"): the
consenting firms, in the region and sector the question names."""

from __future__ import annotations

import re

from matchmaker.chat.topics import sector_label
from matchmaker.chat.turn import Turn, carry
from matchmaker.chat.wording import say
from matchmaker.reference import regions

HOW_MANY = re.compile(
    r"\b(?:hvor mange|how many)\b.{0,40}?"
    r"\b(?:virksomheder|firmaer|firms|companies|medlemmer|members|profiler|profiles)\b",
    re.I,
)


def asks_count(turn: Turn) -> bool:
    """A question how many firms there are (not a request for firms)."""
    return bool(HOW_MANY.search(turn.message))


def count_firms(turn: Turn) -> dict:
    """The number of consenting firms in the region and sector asked about."""
    found, lang = turn.found, turn.lang
    region, sector = found.region, found.sector
    n = sum(
        1
        for fact in turn.firm_facts().values()
        if (not region or fact["region"] == region) and (not sector or sector in fact["sectors"])
    )
    where = (say("in_region", lang, region=regions.label(region, lang)) if region else "") + (
        say("in_sector", lang, sector=sector_label(sector, lang)) if sector else ""
    )
    turn.reply = say("firm_count", lang, n=n, where=where)
    return carry(turn.state)
