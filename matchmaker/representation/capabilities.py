"""A firm's capabilities as lexicon concepts: those read from its offers and needs, and its own
say on them (confirmed or added, removed).

Confirmed concepts count as present even where the text does not name them and weigh more
than concepts only read from the text; removed ones (read, but unticked by the firm) are left
out. A firm that has said nothing is represented by its text alone, exactly as before.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from matchmaker.reference.concept_lists import FIELDS
from matchmaker.reference.lexicon import Lexicon, default_lexicon
from matchmaker.reference.validation import Strict, long_text
from matchmaker.representation.parts import profile_texts

# Which stated lists apply to each text part of a profile ("profile" holds the offers text).
PART_SOURCES = {"profile": "offers", "offers": "offers", "needs": "needs"}


@dataclass(frozen=True)
class ConceptChoice:
    """What a firm said about the concepts of one text part."""

    confirmed: tuple[str, ...] = ()
    removed: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.confirmed or self.removed)

    def apply(self, read: Sequence[str]) -> list[str]:
        """The part's concepts: those read and not removed, in reading order, then the confirmed
        ones the text does not name (so that confirming what was read changes no order)."""
        if not self:
            return list(read)
        kept = [c for c in read if c not in self.removed]
        return kept + [c for c in self.confirmed if c not in kept]


NO_CHOICE = ConceptChoice()


def _ids(value) -> list[str]:
    """A stated list as the store or an index row holds it (a list, JSON text or None)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return [v for v in value or () if isinstance(v, str)]


def concept_choices(profile: Mapping) -> dict[str, ConceptChoice]:
    """Per text part of a profile ("profile", "offers", "needs"), what the firm said."""
    by_source = {}
    for source, (confirmed, removed) in FIELDS.items():
        by_source[source] = ConceptChoice(
            tuple(_ids(profile.get(confirmed))), frozenset(_ids(profile.get(removed)))
        )
    return {part: by_source[source] for part, source in PART_SOURCES.items()}


def counted_concepts(profile: Mapping, part: str, lexicon: Lexicon | None = None) -> list[str]:
    """The concepts of a profile's text part as the matcher counts them: those read in the text
    and not removed, then the confirmed ones it does not name (for reasons and consortia)."""
    lexicon = lexicon or default_lexicon()
    read = lexicon.concept_ids(profile_texts(profile)[part])
    return concept_choices(profile)[part].apply(read)


class DraftTextIn(Strict):
    """A firm's draft offers and needs, to read concepts from; labels in `language`."""

    offers: long_text(3000) = ""
    needs: long_text(3000) = ""
    language: Literal["da", "en"] = "da"


@dataclass(frozen=True)
class ReadConcept:
    """A concept read from a draft text, with its label in the reader's language."""

    id: str
    label: str


def read_concepts(
    offers: str | None, needs: str | None, language: str = "da", lexicon: Lexicon | None = None
) -> dict[str, list[ReadConcept]]:
    """The concepts the service reads in a firm's offers and needs, labelled in `language`."""
    lexicon = lexicon or default_lexicon()
    return {
        part: [ReadConcept(c, lexicon.label(c, language)) for c in lexicon.concept_ids(text)]
        for part, text in (("offers", offers), ("needs", needs))
    }
