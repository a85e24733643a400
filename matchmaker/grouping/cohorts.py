"""Masterclass cohorts: respondents split into groups of bounded size that share a theme and a
maturity, with direct competitors kept apart where the sizes allow.

Theme comes from the answers' vectors (sentence model and Danish lexical features), maturity
from the `experience` answer. The split is a seeded, size-constrained local search over pair
affinities: theme similarity (standardised) minus a penalty per maturity step, and a large
penalty for competitors in one cohort.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from matchmaker.grouping.networks import stored_id, unmet_reason
from matchmaker.reference import messages
from matchmaker.reference.validation import InvalidInput, NotFound, Strict, validate
from matchmaker.store import proposals, questionnaires

MAX_COHORT_SIZE = questionnaires.MAX_COHORT_SIZE
MATURITY_WEIGHT = 0.4  # affinity lost per maturity step (in standard deviations of theme)
COMPETITOR_PENALTY = 50.0  # affinity lost by a competitor pair in one cohort
COMPETITOR_COSINE = 0.80  # model cosine of core business above which firms may compete
COMPETITOR_Z = 2.0  # or core business and market both this far above the respondents' mean


class CohortRequestIn(Strict):
    """How to split a masterclass's respondents into cohorts."""

    min_size: int = Field(default=7, ge=1, le=MAX_COHORT_SIZE)
    max_size: int = Field(default=10, ge=1, le=MAX_COHORT_SIZE)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    lang: Literal["da", "en"] = Field(default="da", description="Language of themes and notes")

    @model_validator(mode="after")
    def _sizes(self) -> CohortRequestIn:
        if self.min_size > self.max_size:
            raise InvalidInput(
                {"min_size": f"must not be larger than max_size ({self.max_size})"},
                "min_size is larger than max_size",
            )
        return self


# --------------------------------------------------------------------------------------------
# Maturity from the experience answer

MATURITY_CODES = ("beginner", "experimenting", "experienced")
_MATURITY_PATTERNS = [
    (0, r"\bingen\b|\bintet\b|\baldrig\b|ikke (prøvet|afprøvet|brugt|arbejdet|installeret|indført)|"
        r"bruger ikke|"
        r"kun (set|hørt|læst)|hørt om|læst (lidt|om)|endnu ikke|ved ikke|nybegynder|begynder|"
        r"det er det hele|\bnone\b|\bnothing\b|\bnever\b|not yet|no experience|have not|"
        r"haven't|only (seen|heard|read)|beginner"),
    (1, r"afprøv|prøve|pilot|\btest|forsøg|eksperiment|proof of concept|\bpoc\b|demo|"
        r"\bbrugt\b|\bbruger\b|enkelte|et par|tried|tested|trial|experiment|a few"),
    (2, r"i drift|i brug|\bkører|\bkørt|\bår\b|årevis|dagligt|implementeret|indført|udrullet|"
        r"integreret|\btræn|annot|datateam|dataingeniør|data scientist|in production|"
        r"in operation|for years|\byears\b|daily|deployed|rolled out|implemented|"
        r"\btrain|label+ed|our own (model|data)"),
]  # fmt: skip
_COMPILED = [(level, re.compile(p, re.IGNORECASE)) for level, p in _MATURITY_PATTERNS]

# Signs of use at scale: installations, several solutions or pilots, a count of things in use.
_INSTALLED = re.compile(
    r"(?<!ikke )(?<!not )(?<!no )\b(installeret|installerede|installationer|idriftsat|installed|"
    r"installations)\b",
    re.IGNORECASE,
)
_THINGS_IN_USE = (
    r"(installation|anl[æa]g|robot|celle|cell|linje|line|maskine|machine|l[øo]sning|solution|"
    r"system|model|pilot|projekt|project|site|enhed|unit|sensor|kunde|customer|v[æa]rkt[øo]j|tool|"
    r"afdeling|department|fabrik|factory|plant)"
)
_MANY_THINGS = re.compile(
    r"\b(mange|flere|adskillige|en r[æa]kke|snesevis|hundredvis|tusindvis|several|many|"
    r"numerous|dozens of|hundreds of|thousands of|multiple)\s+(\w+\s+)?" + _THINGS_IN_USE,
    re.IGNORECASE,
)
_COUNT_WORDS = {
    "to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6, "syv": 7, "otte": 8, "ni": 9, "ti": 10,
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "tolv": 12, "twelve": 12, "tyve": 20, "twenty": 20,
}  # fmt: skip
_COUNTED = re.compile(
    r"\b(\d[\d.,]*|" + "|".join(_COUNT_WORDS) + r")\s+(\w+\s+)?" + _THINGS_IN_USE,
    re.IGNORECASE,
)


def _count(token: str) -> float:
    token = token.lower()
    if token in _COUNT_WORDS:
        return _COUNT_WORDS[token]
    try:
        return float(token.replace(".", "").replace(",", ""))
    except ValueError:
        return 0.0


def _scale_signals(text_: str) -> list[int]:
    """Level-2 signals that say the technology is in use at some scale: installations,
    'many/several' systems, or a count of two or more things in use (percentages, amounts
    and years of the calendar do not count)."""
    found = [2 for _ in _INSTALLED.finditer(text_)]
    found += [2 for _ in _MANY_THINGS.finditer(text_)]
    for match in _COUNTED.finditer(text_):
        n = _count(match.group(1))
        if n >= 2 and not 1900 <= n <= 2100:
            found.append(2)
    return found


def maturity(answer: Mapping) -> float:
    """Maturity in [0, 2] from the experience answer: 0 none, 1 experimenting, 2 in operation.

    The mean level of the phrases found; 'no AI projects in operation' reads as in between.
    An empty or unclear answer counts as an early beginner (0.5).
    """
    text_ = " ".join(str(answer.get(k) or "") for k in ("experience",)).strip()
    if not text_:
        return 0.5
    levels = [level for level, pattern in _COMPILED for _ in pattern.finditer(text_)]
    levels += _scale_signals(text_)
    return float(np.mean(levels)) if levels else 0.5


def _maturity_step(value: float) -> int:
    return 0 if value < 0.67 else 1 if value < 1.34 else 2


def maturity_label(value: float, lang: str = "da") -> str:
    return messages.render(f"cohorts.maturity.{maturity_code(value)}", lang)


def maturity_code(value: float) -> str:
    """The language-free maturity ('beginner', 'experimenting', 'experienced')."""
    return MATURITY_CODES[_maturity_step(value)]


# --------------------------------------------------------------------------------------------
# The split (pure: positions into the respondents, no store)


@dataclass
class CohortProblem:
    """Respondents as positions: theme similarity, maturity, and competitor pairs."""

    similarity: np.ndarray  # n × n theme similarity (cosine-like)
    maturity: np.ndarray  # n values in [0, 2]
    competitors: set[tuple[int, int]] = field(default_factory=set)

    @property
    def n(self) -> int:
        return len(self.maturity)

    def affinity(self) -> np.ndarray:
        n = self.n
        sim = self.similarity.astype(np.float64)
        if n > 2:
            off = sim[~np.eye(n, dtype=bool)]
            sim = (sim - off.mean()) / (off.std() or 1.0)
        a = sim - MATURITY_WEIGHT * np.abs(self.maturity[:, None] - self.maturity[None, :])
        for i, j in self.competitors:
            a[i, j] = a[j, i] = a[i, j] - COMPETITOR_PENALTY
        np.fill_diagonal(a, 0.0)
        return a


THEME_FIELDS = ("technology_role", "potentials")


def theme_view(response: Mapping) -> dict[str, Any]:
    """The answers that carry the theme (what the technology should do for the firm, what it
    could bring); core business and market say what the firm is, barriers are much alike
    (time, money, skills) whatever the theme, and experience is the maturity."""
    view_ = {f: response.get(f) or "" for f in THEME_FIELDS}
    view_["id"] = response.get("id")
    return view_


def plan_sizes(n: int, min_size: int, max_size: int) -> tuple[list[int], list[dict]]:
    """Cohort sizes that add up to n within the bounds, as even as possible; notes when the
    bounds cannot all be met (everyone still gets a place)."""
    if n == 0:
        return [], []
    k = math.ceil(n / max_size)
    base, extra = divmod(n, k)
    sizes = [base + 1] * extra + [base] * (k - extra)
    notes = []
    if sizes[-1] < min_size:
        notes.append(
            unmet_reason(
                "respondents", n=n, min=min_size, max=max_size, lo=min(sizes), hi=max(sizes)
            )
        )
    return sizes, notes


def split(problem: CohortProblem, sizes: Sequence[int], seed: int = 0, n_init: int = 8):
    """Assign respondents to cohorts of exactly `sizes`, maximising within-cohort affinity.

    From `n_init` seeded starts (farthest-point seeds, a greedy fill in order of regret, then
    pair swaps until no swap helps) the split with the highest total affinity wins. Returns
    the cohort of each respondent (array of cohort numbers).
    """
    n, k = problem.n, len(sizes)
    if k <= 1:
        return np.zeros(n, dtype=np.intp)
    a = problem.affinity()
    best, best_value = None, -np.inf
    for rng in np.random.default_rng(seed).spawn(n_init):
        label = _one_split(a, sizes, rng)
        value = sum(a[np.ix_(m, m)].sum() for m in (np.flatnonzero(label == c) for c in range(k)))
        if value > best_value + 1e-9:
            best, best_value = label, value
    return best


def _one_split(a: np.ndarray, sizes: Sequence[int], rng, max_passes: int = 50) -> np.ndarray:
    n, k = a.shape[0], len(sizes)
    # Seeds: a random first respondent, then each next the least alike to those chosen.
    seeds = [int(rng.integers(n))]
    while len(seeds) < k:
        closeness = a[:, seeds].max(axis=1)
        closeness[seeds] = np.inf
        seeds.append(int(np.argmin(closeness)))
    label = np.full(n, -1, dtype=np.intp)
    room = np.array(sizes, dtype=np.intp)
    for c, s in enumerate(seeds):
        label[s] = c
        room[c] -= 1
    # Greedy fill: the respondent with the most to lose goes first to its best open cohort.
    sums = np.zeros((n, k))
    for c, s in enumerate(seeds):
        sums[:, c] += a[:, s]
    counts = np.ones(k)
    while (label < 0).any():
        free = np.flatnonzero(label < 0)
        mean = sums[free] / counts
        mean[:, room <= 0] = -np.inf
        order = np.sort(mean, axis=1)
        regret = order[:, -1] - (order[:, -2] if k > 1 else 0)
        regret[~np.isfinite(regret)] = np.inf
        pick = free[int(np.argmax(regret + rng.random(free.size) * 1e-9))]
        c = int(np.argmax(np.where(room > 0, sums[pick] / counts, -np.inf)))
        label[pick] = c
        room[c] -= 1
        counts[c] += 1
        sums[:, c] += a[:, pick]
    return _swap_search(a, label, k, max_passes)


def _swap_search(a: np.ndarray, label: np.ndarray, k: int, max_passes: int) -> np.ndarray:
    """Best-improvement pair swaps (sizes stay fixed) until none raises the total affinity."""
    n = len(label)
    onehot = np.zeros((n, k))
    onehot[np.arange(n), label] = 1.0
    s = a @ onehot  # s[i, c]: affinity of i to the members of cohort c
    for _ in range(max_passes * n):
        own = s[np.arange(n), label]
        # Gain of swapping i and j: s[i, cj] - s[i, ci] + s[j, ci] - s[j, cj] - 2 a[i, j]
        to_other = s[:, label]  # [i, j] = s[i, c_j]
        gain = (to_other - own[:, None]) + (to_other.T - own[None, :]) - 2 * a
        gain[label[:, None] == label[None, :]] = -np.inf
        i, j = np.unravel_index(int(np.argmax(gain)), gain.shape)
        if gain[i, j] <= 1e-9:
            break
        ci, cj = label[i], label[j]
        s[:, ci] += a[:, j] - a[:, i]
        s[:, cj] += a[:, i] - a[:, j]
        label[i], label[j] = cj, ci
    return label


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


def _filler_stems() -> frozenset[str]:
    from matchmaker.reference.text import stem

    return frozenset(stem(w, lang) for w in FILLER_WORDS | GENERIC_WORDS for lang in ("da", "en"))


def _response_terms(responses: Sequence[Mapping]) -> tuple[list[set[str]], dict[str, str]]:
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
    filler = _filler_stems()
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


def _response_concepts(responses: Sequence[Mapping]) -> list[set[str]]:
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


# --------------------------------------------------------------------------------------------
# From the store to a stored proposal


def likely_competitors(responses: Sequence[Mapping], db=None) -> set[tuple[int, int]]:
    """Respondent pairs (i < j) that likely compete: the same core business in the same market.

    Either the core businesses read almost the same (model cosine at least
    COMPETITOR_COSINE) with a market in common, or both the core business and the market stand
    out as alike among this masterclass's respondents (at least COMPETITOR_Z standard
    deviations above the mean pair). Registered firms the matching engine flags as competitors,
    and 'never together' pairs, count too.
    """
    from matchmaker.reference.text import content_stems
    from matchmaker.representation.embedding import SentenceEncoder, encode_responses

    n = len(responses)
    if n < 2:
        return set()
    core_text = [str(r.get("core_business") or "") for r in responses]
    market_text = [str(r.get("market_now") or "") for r in responses]
    core = SentenceEncoder().encode(core_text, db=db)
    cos = core @ core.T
    markets = [set(content_stems(m)) for m in market_text]
    found = set()
    for i, j in zip(*np.nonzero(np.triu(cos >= COMPETITOR_COSINE, 1)), strict=True):
        if markets[i] & markets[j] or not (markets[i] and markets[j]):
            found.add((int(i), int(j)))
    if n >= 8:  # enough pairs for a mean and a spread
        alike = np.ones((n, n), dtype=bool)
        for texts in (core_text, market_text):
            sim = encode_responses([{"core_business": t} for t in texts], db=db).similarity()
            off = sim[~np.eye(n, dtype=bool)]
            alike &= (sim - off.mean()) / (off.std() or 1.0) >= COMPETITOR_Z
        found |= {(int(i), int(j)) for i, j in zip(*np.nonzero(np.triu(alike, 1)), strict=True)}
    if db is not None:
        found |= _registered_competitors(responses, db)
    return found


def _registered_competitors(responses: Sequence[Mapping], db) -> set[tuple[int, int]]:
    from matchmaker import matching
    from matchmaker.grouping import networks

    linked = {}
    for pos, r in enumerate(responses):
        if r.get("company_id") is not None:
            linked.setdefault(r["company_id"], []).append(pos)
    if len(linked) < 2:
        return set()
    index = matching.match_index(db)
    ids = sorted(c for c in linked if c in index)
    if len(ids) < 2:
        return set()
    scores = networks.pool_scores(index, ids)
    rules = networks.pair_rules(db)
    found = set()
    for i, j in scores.competitor:
        if "allow" in rules.get((ids[i], ids[j]), set()):
            continue
        for a in linked[ids[i]]:
            for b in linked[ids[j]]:
                found.add((min(a, b), max(a, b)))
    for (x, y), kinds in rules.items():
        if "never" in kinds and x in linked and y in linked:
            for a in linked[x]:
                for b in linked[y]:
                    found.add((min(a, b), max(a, b)))
    return found


def _note(lang: str, constraint: str, key: str, **values) -> dict[str, Any]:
    """An unmet constraint in the request's language, with the text in every language so a
    page can show it in its own."""
    return {
        "constraint": constraint,
        "reason": messages.render(f"cohorts.{key}", lang, **values),
        "reason_by_lang": {
            code: messages.render(f"cohorts.{key}", code, **values) for code in messages.LANGUAGES
        },
    }


@dataclass
class CohortPlan:
    request: dict[str, Any]
    cohorts: list[dict[str, Any]]
    unmet: list[dict[str, Any]]


def plan(
    db, masterclass_id: int, request: CohortRequestIn, responses: Sequence[Mapping] | None = None
) -> CohortPlan:
    """Compute cohorts for a masterclass's respondents without storing them."""
    from matchmaker.representation.embedding import encode_responses

    masterclass = questionnaires.get_masterclass(db, stored_id(masterclass_id, "masterclass"))
    if responses is None:
        responses = questionnaires.responses(db, masterclass_id)
    words = messages.table("cohorts", request.lang)
    unmet: list[dict[str, Any]] = []
    capacity = int(masterclass["capacity"])
    max_size = min(request.max_size, capacity, MAX_COHORT_SIZE)
    min_size = min(request.min_size, max_size)
    if max_size < request.max_size:
        unmet.append(
            {"constraint": "max_size", "reason": words["capacity"].format(capacity=capacity)}
        )
    n = len(responses)
    request_json = request.model_dump(mode="json")
    if n == 0:
        unmet.append({"constraint": "responses", **unmet_reason("no_answers")})
        return CohortPlan(request_json, [], unmet)
    sizes, notes = plan_sizes(n, min_size, max_size)
    unmet += [{"constraint": "min_size", **note} for note in notes]
    vectors = encode_responses([theme_view(r) for r in responses], db=db)
    similarity = vectors.similarity()
    mat = np.array([maturity(r) for r in responses])
    competitors = likely_competitors(responses, db=db)
    problem = CohortProblem(similarity, mat, competitors)
    label = split(problem, sizes, seed=request.seed)
    terms, surface = _response_terms(responses)
    concepts = _response_concepts(responses)
    groups = []
    for c in range(len(sizes)):
        members = [int(i) for i in np.flatnonzero(label == c)]
        if not members:
            continue
        groups.append(members)
    # A stable order: the cohort of beginners first, then by first respondent.
    groups.sort(key=lambda m: (round(float(np.mean(mat[m])), 1), min(m)))
    cohorts = []
    for members in groups:
        themes_by_lang = {
            lang: themes_in_words(members, terms, surface, concepts, lang)
            for lang in messages.LANGUAGES
        }
        themes = themes_by_lang[request.lang]
        together = [(i, j) for i, j in competitors if i in members and j in members]
        cohort_unmet = []
        if together:
            names = "; ".join(
                f"{responses[i]['company']} & {responses[j]['company']}" for i, j in together
            )
            cohort_unmet.append(_note(request.lang, "competitors", "competitors", names=names))
        if len(members) < min_size:
            cohort_unmet.append(
                _note(request.lang, "min_size", "few", n=len(members), min_size=min_size)
            )
        level = float(np.mean(mat[members]))
        pairs = [(i, j) for a, i in enumerate(members) for j in members[a + 1 :]]
        coherence = float(np.mean([similarity[i, j] for i, j in pairs])) if pairs else 1.0
        cohorts.append(
            {
                "coherence": round(coherence, 4),
                "themes": themes,
                "themes_by_lang": themes_by_lang,
                "maturity": maturity_label(level, request.lang),
                "maturity_code": maturity_code(level),
                "maturity_level": round(level, 2),
                "unmet": cohort_unmet,
                "members": [
                    {
                        "response_id": responses[i].get("id"),
                        "company": responses[i].get("company"),
                        "company_id": responses[i].get("company_id"),
                        "maturity": maturity_label(float(mat[i]), request.lang),
                        "maturity_code": maturity_code(float(mat[i])),
                        "reason": words["reason"].format(
                            themes=", ".join(themes[:3]) or "–",
                            maturity=maturity_label(float(mat[i]), request.lang),
                        ),
                    }
                    for i in members
                ],
            }
        )
        unmet += [dict(u, cohort=len(cohorts)) for u in cohort_unmet]
    return CohortPlan(request_json, cohorts, unmet)


def propose(db, masterclass_id: int, data: Any, *, created_by: int | None = None) -> dict:
    """Validate, compute and store cohorts for a masterclass; returns the API view."""
    request = data if isinstance(data, CohortRequestIn) else validate(CohortRequestIn, data)
    result = plan(db, masterclass_id, request)
    summary = {"unmet": result.unmet, "respondents": sum(len(c["members"]) for c in result.cohorts)}
    stored = proposals.save(
        db,
        "cohort",
        result.request,
        summary,
        result.cohorts,
        created_by=created_by,
        masterclass_id=masterclass_id,
    )
    return view(stored)


def view(stored: Mapping[str, Any]) -> dict[str, Any]:
    """A stored cohort proposal in the API's shape."""
    if stored.get("kind") != "cohort":
        raise NotFound(f"No cohort proposal with id {stored.get('id')}")
    return {
        "id": stored["id"],
        "masterclass_id": stored.get("masterclass_id"),
        "cohorts": [cohort_view(g) for g in stored["groups"]],
        "unmet": stored.get("unmet", []),
        "request": stored.get("request"),
        "created_at": stored.get("created_at"),
    }


def cohort_view(group: Mapping[str, Any]) -> dict[str, Any]:
    """A stored cohort in the API's shape."""
    return {
        "id": group["id"],
        "proposal_id": group.get("proposal_id"),
        "status": group.get("status", "proposed"),
        "coherence": group.get("coherence"),
        "themes": group.get("themes", []),
        "themes_by_lang": group.get("themes_by_lang"),
        "maturity": group.get("maturity"),
        "maturity_code": group.get("maturity_code"),
        "unmet": group.get("unmet", []),
        "members": [
            {
                "response_id": m.get("response_id"),
                "company": m.get("company"),
                "company_id": m.get("company_id"),
                "maturity": m.get("maturity"),
                "maturity_code": m.get("maturity_code"),
                "reason": m.get("reason"),
            }
            for m in group.get("members", [])
        ],
    }


def get_proposal(db, proposal_id: int) -> dict[str, Any]:
    stored = proposals.get_proposal(db, stored_id(proposal_id, "cohort proposal"))
    if stored["kind"] != "cohort":
        raise NotFound(f"No cohort proposal with id {proposal_id}")
    return view(stored)


def get_cohort(db, group_id: int) -> dict[str, Any]:
    group = proposals.get_group(db, stored_id(group_id, "cohort"))
    if group["kind"] != "cohort":
        raise NotFound(f"No cohort with id {group_id}")
    return cohort_view(group)


def for_masterclass(db, masterclass_id: int) -> list[dict[str, Any]]:
    """Stored cohort proposals of a masterclass, newest first."""
    questionnaires.get_masterclass(db, stored_id(masterclass_id, "masterclass"))
    ids = [
        r[0]
        for r in db.execute(
            "SELECT id FROM proposals WHERE kind = 'cohort' AND masterclass_id = ? "
            "ORDER BY id DESC",
            [masterclass_id],
        )
    ]
    return [get_proposal(db, i) for i in ids]
