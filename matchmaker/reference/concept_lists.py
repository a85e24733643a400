"""Lists of capability concepts a firm states: lexicon ids, named by id or by label, checked.

A firm confirms, adds or removes the concepts the service read from its offers and needs
(`offer_concepts`, `offer_concepts_removed`, `need_concepts`, `need_concepts_removed`). Each
list holds ids of the bundled lexicon; it may name them by their Danish or English label
instead (a spreadsheet cell: separated by commas or semicolons).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from matchmaker.reference.lexicon import default_lexicon

# More than a firm could mean (the lexicon holds about a hundred).
MAX_CONCEPTS = 40
# The stated lists per text part: (confirmed or added, removed).
FIELDS = {
    "offers": ("offer_concepts", "offer_concepts_removed"),
    "needs": ("need_concepts", "need_concepts_removed"),
}
ALL_FIELDS = tuple(name for pair in FIELDS.values() for name in pair)
_SEPARATORS = re.compile(r"[,;|\n]")


def split(cell: str) -> list[str]:
    """The names in one spreadsheet cell or form field ("emballage; robotteknologi")."""
    return [v.strip() for v in _SEPARATORS.split(cell) if v.strip()]


def concept_ids(value: Any) -> Any:
    """Lexicon ids from a list of ids or labels, in order and without repeats; ValueError
    names every unknown one. Other types pass through for the schema to refuse."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return value
    lexicon = default_lexicon()
    found, unknown = [], []
    for name in value:
        cid = lexicon.concept_of(name)
        if cid is None:
            unknown.append(name.strip())
        elif cid not in found:
            found.append(cid)
    if unknown:
        raise ValueError("unknown concepts: " + ", ".join(f"'{u}'" for u in unknown))
    return found


ConceptIds = Annotated[list[str], BeforeValidator(concept_ids), Field(max_length=MAX_CONCEPTS)]
"""Ids of lexicon concepts (ids or labels accepted, stored as ids)."""


def overlap(confirmed: list[str] | None, removed: list[str] | None) -> list[str]:
    """Concepts both confirmed and removed (a firm must choose), in the removed list's order."""
    kept = set(confirmed or ())
    return [c for c in removed or () if c in kept]
