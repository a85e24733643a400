"""Real co-participation: organisations profiled by their projects, and a fixed evaluation split.

A project archive (such as the Danish ERDF list of beneficiaries) says which organisations
worked together; it holds no needs or offers, only what each project was about. An
organisation's profile is the title and description of its projects; to learn or judge who
works with whom, each project's own text is left out of its participants' profiles (`hidden`),
as a facilitator would know an organisation only from its *other* work.

The split between projects that may teach the matcher and projects that judge it is fixed in
code by a hash of the project id (`evaluation_split`): a project in the evaluated part never
reaches training, neither its co-participation nor its text.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence

from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from matchmaker.reference.text import is_stopword, stem, words

# Projects fall into this many parts by a hash of their id; part `EVALUATED` judges the
# shipped model, the others train it (the benchmark can rotate the evaluated part).
SPLITS = 3
EVALUATED = 0
# The description field's limit in the API: profiles are cut there.
MAX_CHARS = 5_000
REGIONS = ("Nordjylland", "Midtjylland", "Syddanmark", "Sjælland", "Hovedstaden")
DEFAULT_REGION = "Hovedstaden"
KNOWLEDGE = re.compile(
    r"universit|professionsh|erhvervsakademi|akademi|institut|university|college|"
    r"forskningscent|videncent|gts|hospital",
    re.I,
)


def evaluation_split(project_id: str, splits: int = SPLITS) -> int:
    """The part (0 … splits−1) a project falls in, by a hash of its id (stable everywhere)."""
    digest = hashlib.sha256(f"coparticipation:{project_id}".encode()).hexdigest()
    return int(digest[:12], 16) % splits


def training_projects(
    projects: Iterable[Mapping], evaluated: int = EVALUATED, splits: int = SPLITS
) -> list[Mapping]:
    """The projects outside the evaluated part."""
    return [p for p in projects if evaluation_split(p["id"], splits) != evaluated]


def organisation_profiles(projects: Sequence[Mapping], hidden: set[str]) -> dict[str, dict]:
    """Per organisation key a profile from its projects outside `hidden`: the projects' titles
    and descriptions (cut at `MAX_CHARS`), its most frequent region, and whether its name says
    knowledge institution. Each project holds "orgs" (keys) and "names" (key → name)."""
    texts, regions, names = defaultdict(list), defaultdict(Counter), {}
    for p in projects:
        if p["id"] in hidden:
            continue
        for o in p["orgs"]:
            texts[o].append(f"{p['title']}. {p['description']}")
            regions[o][p["region"]] += 1
            names.setdefault(o, p["names"][o])
    out = {}
    for o, parts in texts.items():
        region = regions[o].most_common(1)[0][0]
        out[o] = {
            "key": o,
            "name": names[o][:200],
            "region": region if region in REGIONS else DEFAULT_REGION,
            "kind": "knowledge_institution" if KNOWLEDGE.search(names[o]) else "company",
            "description": "\n".join(parts)[:MAX_CHARS],
            "markets": [],
        }
    return out


def folds(projects: Sequence[Mapping], n_folds: int) -> list[list[Mapping]]:
    """Projects in `n_folds` groups by a second hash of their id (independent of the split)."""
    out: list[list[Mapping]] = [[] for _ in range(n_folds)]
    for p in projects:
        digest = hashlib.sha256(f"fold:{p['id']}".encode()).hexdigest()
        out[int(digest[:12], 16) % n_folds].append(p)
    return out


def stemmed(text: str) -> str:
    """A text as its stemmed non-stopwords (the stemmed-word baseline's analyser)."""
    return " ".join(stem(w, "da") for w in words(text) if not is_stopword(w))


def lexical_baselines(texts: Sequence[str]) -> dict[str, sparse.csr_matrix]:
    """The keyword-search baselines a matcher must beat, over the same profile texts: unit
    TF-IDF rows over character 3–5-grams ("chars") and over stemmed words ("words"), both
    sublinear; a row times the transpose gives one text's cosines to all."""
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    word = TfidfVectorizer(preprocessor=stemmed, sublinear_tf=True)
    return {"chars": char.fit_transform(texts), "words": word.fit_transform(texts)}
