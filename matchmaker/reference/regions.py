"""The five Danish regions and the names people write for them (Danish, English, towns)."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Literal, get_args

from matchmaker.config import DATA_DIR
from matchmaker.reference import folding, messages

Region = Literal["Nordjylland", "Midtjylland", "Syddanmark", "Sjælland", "Hovedstaden"]
REGIONS: tuple[str, ...] = get_args(Region)
REGIONS_FILE = DATA_DIR / "regions.json"


def fold(text: str) -> str:
    """A region name folded for lookup: Danish letters written out, punctuation dropped."""
    return re.sub(r"[^a-z0-9 ]+", " ", folding.fold(text.strip())).strip()


@lru_cache(maxsize=1)
def _entries() -> list[dict]:
    """The regions file's entries (name, aliases, municipalities, towns), read once."""
    if not REGIONS_FILE.exists():
        return []
    return json.loads(REGIONS_FILE.read_text(encoding="utf-8"))["regions"]


@lru_cache(maxsize=1)
def names() -> dict[str, str]:
    """Every known way of writing a region (folded) → its canonical name."""
    table = {fold(r): r for r in REGIONS}
    table.update({fold("region " + r): r for r in REGIONS})
    for entry in _entries():
        for key in ("aliases", "municipalities", "towns"):
            for alias in entry.get(key, []):
                table.setdefault(fold(alias), entry["name"])
    return table


@lru_cache(maxsize=1)
def _region_names() -> frozenset[str]:
    """The regions' own names and aliases (folded), not their towns and municipalities."""
    found = {fold(r) for r in REGIONS}
    for entry in _entries():
        found.update(fold(alias) for alias in entry.get("aliases", []))
    return frozenset(found)


def is_region_name(value: str) -> bool:
    """Whether `value` names a region or a part of the country ('Sjælland', 'Fyn'), not a
    town ('Ikast', which may also begin a firm's name)."""
    return fold(value) in _region_names()


def label(region: str | None, lang: str | None = None) -> str:
    """A region's name in the reader's language ("Syddanmark" → "Southern Denmark"); a value
    that is no region, as given."""
    if not region:
        return ""
    return messages.render_known(f"regions.{region}", lang, region)


def normalise(value: str) -> str | None:
    """The canonical region for a name, alias, municipality or town; None when unknown."""
    return names().get(fold(value))


# Words that turn a place after them into one to leave out ("ikke i København").
NEGATIONS = frozenset(
    "ikke uden udenfor undtagen bortset not except excluding without outside minus".split()
)
NEGATION_REACH = 3  # words before the place


def find_in_text(text: str, *, skip_negated: bool = False) -> str | None:
    """The first region named anywhere in `text` (longest names tried first); with
    `skip_negated`, a place written after a negation ("men ikke i København", "not in
    Copenhagen") is no region asked for."""
    folded = f" {fold(text)} "
    for alias in sorted(names(), key=len, reverse=True):
        if len(alias) <= 2:
            continue
        at = folded.find(f" {alias} ")
        while at >= 0:
            before = folded[:at].split()[-NEGATION_REACH:]
            if not (skip_negated and NEGATIONS.intersection(before)):
                return names()[alias]
            at = folded.find(f" {alias} ", at + 1)
    return None
