"""Cohort themes in words: the answers that carry a theme (what the technology should do for
the firm, what it could bring) and the words and capabilities a cohort shares more than the
respondents as a whole.
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


# Frequent words that say little about a theme (comparatives, quantities, common verbs).
GENERIC_WORDS = frozenset(
    """
    første sidste færre mindre mere flere bedre hurtigere nemmere større uden selv finder
    finde emner gerne hele stadig altid ofte bruge bruges bruger brugt gøre kunne kunde får
    give giver tager tage laver lave meget mange nogle andre anden andet hver helt rigtig
    vores deres dette disse både blive bliver kommer komme gang gange første dele del
    tiden tid dagen dage uger måneder året
    first last fewer less more better faster easier larger without find finding often use
    used using make making could would get gets take takes many some other every really
    time times days weeks months year years
    """.split()
)


# Filler of questionnaire answers: hedges, frames and everyday business words that any firm
# writes, whatever its theme.
FILLER_WORDS = frozenset(
    """
    måske nok egentlig faktisk generelt primært især typisk gerne ønsker ønske håber mulig
    muligt mulighed muligheder tilbud tilbyde ensartet ensartede opgave opgaver kortere længere
    hurtigt hurtig nemt nemmere lettere let mindske øge øget forbedre forbedret løsning løsninger
    behov arbejde arbejdet arbejder proces processer hjælp hjælpe hjælper erfaring erfaringer
    virksomhed virksomheden virksomheder firma firmaet medarbejder medarbejdere medarbejderne
    kunde kunderne kunder automatisk automatiseret manuelt manuel ting noget sted steder niveau
    værdi fokus område områder måde måder del dele stor store lille små nye nyt
    maybe perhaps probably mostly especially typically hope possible possibility possibilities
    offer offers uniform shorter longer quickly quick easily easy reduce increase improve
    improved solution solutions need needs work working process processes help helps experience
    company companies firm staff employees customer customers automatically automated manual
    manually thing things level value focus area areas way ways part parts large small new
    """.split()
)


def filler_stems() -> frozenset[str]:
    from matchmaker.reference.text import stem

    return frozenset(stem(w, lang) for w in FILLER_WORDS | GENERIC_WORDS for lang in ("da", "en"))


def response_terms(responses: Sequence[Mapping]) -> tuple[list[set[str]], dict[str, str]]:
    """Per response its distinct content stems; for each stem its most frequent surface word."""
    from matchmaker.reference.text import (
        DANISH_STOPWORDS,
        ENGLISH_STOPWORDS,
        guess_language,
        is_stopword,
        stem,
        words,
    )
    from matchmaker.representation.embedding import response_text

    surface: dict[str, Counter] = {}
    terms = []
    filler = filler_stems()
    for r in responses:
        text_ = " ".join(str(r.get(f) or "") for f in THEME_FIELDS)
        language = r.get("language") or guess_language(response_text(r))
        stems = set()
        for w in words(text_):
            if is_stopword(w) or len(w) < 4 or w.isdigit() or w in GENERIC_WORDS:
                continue
            if w in FILLER_WORDS or w in DANISH_STOPWORDS or w in ENGLISH_STOPWORDS:
                continue
            st = stem(w, language)
            if st in filler:
                continue
            stems.add(st)
            surface.setdefault(st, Counter())[w] += 1
        terms.append(stems)
    return terms, {st: c.most_common(1)[0][0] for st, c in surface.items()}


def response_concepts(responses: Sequence[Mapping]) -> list[set[str]]:
    from matchmaker.reference.lexicon import default_lexicon
    from matchmaker.representation.embedding import response_text

    lexicon = default_lexicon()
    return [set(lexicon.concept_ids(response_text(theme_view(r)))) for r in responses]


def themes_in_words(
    members: Sequence[int],
    terms: list[set[str]],
    surface: Mapping[str, str],
    concepts: list[set[str]],
    lang: str = "da",
    limit: int = 5,
) -> list[str]:
    """Words and capabilities the members share more than the respondents as a whole."""
    from matchmaker.reference.lexicon import default_lexicon

    n, size = len(terms), len(members)
    lexicon = default_lexicon()

    def distinctive(sets: list[set[str]], lift: float = 1.0) -> list[tuple[float, str]]:
        inside = Counter(t for i in members for t in sets[i])
        overall = Counter(t for s in sets for t in s)
        need = 2 if size >= 3 else 1
        scored = [
            (inside[t] / size * math.log(1 + n / overall[t]), t)
            for t in inside
            if inside[t] >= need and (n == size or inside[t] / size > lift * overall[t] / n)
        ]
        return sorted(scored, key=lambda x: (-x[0], x[1]))

    # Lexicon concepts first (named capabilities), then words clearly more frequent in the
    # cohort than among all respondents.
    labels = [lexicon.label(c, lang) for _, c in distinctive(concepts)[:3]]
    words_ = []
    for _, st in distinctive(terms, lift=1.5):
        word = surface[st]
        if word not in words_ and not any(word in label for label in labels):
            words_.append(word)
        if len(labels) + len(words_) >= limit:
            break
    return labels + words_
