"""Cohort themes in words: the answers that carry a theme (what the technology should do for
the firm, what it could bring) and the capabilities a cohort shares more than the respondents
as a whole, named by the lexicon's labels in the reader's language.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

THEME_FIELDS = ("technology_role", "potentials")


def theme_view(response: Mapping) -> dict[str, Any]:
    """The answers that carry the theme (what the technology should do for the firm, what it
    could bring); core business and market say what the firm is, barriers are much alike
    (time, money, skills) whatever the theme, and experience is the maturity."""
    view_ = {f: response.get(f) or "" for f in THEME_FIELDS}
    view_["id"] = response.get("id")
    return view_


# --------------------------------------------------------------------------------------------
# Themes in words


def response_concepts(responses: Sequence[Mapping]) -> list[set[str]]:
    """Per response the capability concepts of the lexicon its theme answers name."""
    from matchmaker.reference.lexicon import default_lexicon
    from matchmaker.representation.embedding import response_text

    lexicon = default_lexicon()
    return [set(lexicon.concept_ids(response_text(theme_view(r)))) for r in responses]


def themes_in_words(
    members: Sequence[int], concepts: list[set[str]], lang: str = "da", limit: int = 4
) -> list[str]:
    """The capabilities the members share more than the respondents as a whole, each by its
    label in `lang`. Words of the answers themselves are no theme: a word ('kasser', 'højere')
    is no label a reader can take in, and has no English of its own."""
    from matchmaker.reference.lexicon import default_lexicon

    n, size = len(concepts), len(members)
    inside = Counter(c for i in members for c in concepts[i])
    overall = Counter(c for s in concepts for c in s)
    need = 2 if size >= 3 else 1
    scored = sorted(
        (
            (-(inside[c] / size * math.log(1 + n / overall[c])), c)
            for c in inside
            if inside[c] >= need and (n == size or inside[c] / size > overall[c] / n)
        ),
    )
    lexicon = default_lexicon()
    return [lexicon.label(c, lang) for _, c in scored[:limit]]
