"""Respondents who likely compete: the same core business in the same market, firms the
matching engine flags as competitors, and pairs a facilitator said never to put together.

An answer is judged from its own text: it is not linked to a registered profile by its name
(an anonymous answer is never attached to a profile), so its core business is read the way the
matcher reads a profile — Danish and English alike — and its market from the places it names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from matchmaker.store import profiles

COMPETITOR_COSINE = 0.80  # model cosine of core business above which firms may compete
COMPETITOR_Z = 2.0  # or core business and market both this far above the respondents' mean
# Or the core businesses read alike as the matcher reads profiles, by two readings together:
# the sentence model on concept-glossed, language-centred text (Danish and English meet on
# topic) and its mix with the Danish-aware lexical vectors (stems, character n-grams,
# bilingual concepts), each in standard deviations above the respondents' mean pair; their sum
# at least this (one reading may carry a pair the other reads less strongly: a Danish and an
# English answer share few words), for two answers that are each other's closest.
READ_ALIKE_Z = 5.0
MIN_SPREAD_ROWS = 8  # respondents needed for a mean and a spread of their pairs
# Respondents needed before "more alike than the masterclass's pairs" says more than "of the
# same one of two or three trades" (a small masterclass of few trades reads every pair of a
# trade as standing out).
READ_ALIKE_ROWS = 16


@dataclass
class CohortRivals:
    """Respondent pairs (i < j) judged to compete: `apart` are kept in different cohorts where
    the sizes allow; `allowed` are pairs the matching engine flags but a facilitator allowed
    together, which may share a cohort and are reported when they do."""

    apart: set[tuple[int, int]] = field(default_factory=set)
    allowed: set[tuple[int, int]] = field(default_factory=set)


def likely_competitors(responses: Sequence[Mapping], db=None) -> set[tuple[int, int]]:
    """Respondent pairs (i < j) to keep apart (see `cohort_rivals`)."""
    return cohort_rivals(responses, db).apart


def cohort_rivals(responses: Sequence[Mapping], db=None) -> CohortRivals:
    """Respondent pairs (i < j) that likely compete: the same core business in the same market.

    Either the core businesses read almost the same (model cosine at least
    COMPETITOR_COSINE) with a market in common, or both the core business and the market stand
    out as alike among this masterclass's respondents (at least COMPETITOR_Z standard
    deviations above the mean pair), or the core businesses read alike as the matcher reads
    profiles, in Danish and English alike, and each is the other's closest (`core_readings`,
    `mutual_closest`, READ_ALIKE_Z), and the two name a market or place in common
    (`answer_places`) or one names none. Registered firms (an answer linked to a profile or
    carrying its CVR) the matching engine flags as competitors, and 'never together' pairs,
    count too; a pair a facilitator allowed is `allowed`, not kept apart.
    """
    from matchmaker.reference.text import content_stems
    from matchmaker.representation.embedding import SentenceEncoder, encode_responses

    n = len(responses)
    if n < 2:
        return CohortRivals()
    core_text = [str(r.get("core_business") or "") for r in responses]
    market_text = [str(r.get("market_now") or "") for r in responses]
    core = SentenceEncoder().encode(core_text, db=db)
    cos = core @ core.T
    markets = [set(content_stems(m)) for m in market_text]
    places = [answer_places(r) for r in responses]

    def same_market(i: int, j: int) -> bool:
        if not (markets[i] or places[i]) or not (markets[j] or places[j]):
            return True  # one of them does not say: it may well be the same market
        return bool(markets[i] & markets[j]) or places_meet(places[i], places[j])

    found = set()
    for i, j in zip(*np.nonzero(np.triu(cos >= COMPETITOR_COSINE, 1)), strict=True):
        if markets[i] & markets[j] or not (markets[i] and markets[j]):
            found.add((int(i), int(j)))
    if n >= MIN_SPREAD_ROWS:
        alike = np.ones((n, n), dtype=bool)
        for texts in (core_text, market_text):
            sim = encode_responses([{"core_business": t} for t in texts], db=db).similarity()
            alike &= standard_scores(sim) >= COMPETITOR_Z
        found |= {(int(i), int(j)) for i, j in zip(*np.nonzero(np.triu(alike, 1)), strict=True)}
    if n >= READ_ALIKE_ROWS:
        read = core_readings(core_text, db=db)
        read_alike = mutual_closest(read["model"] + read["mixed"]) >= READ_ALIKE_Z
        found |= {
            (int(i), int(j))
            for i, j in zip(*np.nonzero(np.triu(read_alike, 1)), strict=True)
            if same_market(int(i), int(j))
        }
    if db is None:
        return CohortRivals(found)
    registered = registered_competitors(responses, db)
    return CohortRivals((found | registered.apart) - registered.allowed, registered.allowed)


def standard_scores(sim: np.ndarray) -> np.ndarray:
    """Pair similarities as standard scores over the off-diagonal pairs."""
    off = sim[~np.eye(sim.shape[0], dtype=bool)]
    return (sim - off.mean()) / (off.std() or 1.0)


def core_readings(core_text: Sequence[str], db=None) -> dict[str, np.ndarray]:
    """Standard scores of how alike the core businesses read as the matcher reads profiles:
    'model' the sentence model alone (concept-glossed, language-centred), 'mixed' with the
    lexical vectors (the matcher's calibrated similarity)."""
    from matchmaker.representation.embedding import HybridEncoder

    as_profiles = [{"id": k, "description": t} for k, t in enumerate(core_text)]
    out = {}
    for name, weights in (
        ("model", {"model": 1.0, "lexical": 0.0, "structured": 0.0}),
        ("mixed", {"model": 0.3, "lexical": 0.5, "structured": 0.0}),
    ):
        encoder = HybridEncoder(weights=weights)
        vectors = encoder.fit_transform(as_profiles, db=db)
        out[name] = standard_scores(encoder.similarity(vectors, vectors, "profile", "profile"))
    return out


def mutual_closest(sim: np.ndarray) -> np.ndarray:
    """`sim` where the two are each other's closest (another firm, not itself), else -inf: a
    rival is the firm most like one's own, not one of a crowd of alike firms."""
    off = np.where(np.eye(sim.shape[0], dtype=bool), -np.inf, sim)
    closest = off.argmax(axis=1)
    mutual = closest[closest] == np.arange(sim.shape[0])
    out = np.full(sim.shape, -np.inf)
    for i in np.flatnonzero(mutual):
        out[i, closest[i]] = off[i, closest[i]]
    return out


def answer_places(response: Mapping) -> set[str]:
    """The markets an answer names: countries and groups in any language, with every market
    they contain, and a Danish region, town or municipality as 'region:<region>'."""
    from matchmaker.reference import markets, regions

    text = f"{response.get('core_business') or ''}\n{response.get('market_now') or ''}"
    keys = {m for k in markets.find_markets(text) for m in markets.covers(k)}
    region = regions.find_in_text(text)
    return keys | {f"region:{region}"} if region else keys


def places_meet(a: set[str], b: set[str]) -> bool:
    """Whether two answers' places (`answer_places`) share a market: a market in common, or
    one sells across Denmark and the other in a Danish region."""
    if a & b:
        return True
    regional = [any(k.startswith("region:") for k in p) for p in (a, b)]
    return ("DK" in a and regional[1]) or ("DK" in b and regional[0])


def respondent_profiles(responses: Sequence[Mapping], db) -> dict[int, list[int]]:
    """The registered profile of each respondent, as profile id -> positions of its answers: the
    answer's own link, else the profile registered under the answer's CVR. (A facilitator forms
    cohorts and may see every profile, so a CVR the answer names is read even when the answer
    was not linked by it.)"""
    by_cvr = profiles.ids_by_cvr(db, [r.get("cvr") for r in responses])
    linked: dict[int, list[int]] = {}
    for pos, r in enumerate(responses):
        company_id = r.get("company_id")
        if company_id is None:
            company_id = by_cvr.get(r.get("cvr"))
        if company_id is not None:
            linked.setdefault(int(company_id), []).append(pos)
    return linked


def registered_competitors(responses: Sequence[Mapping], db) -> CohortRivals:
    """Respondent pairs whose registered firms the matching engine flags as competitors (by the
    same judgement networks and partner suggestions use), or that a facilitator said never to
    put together; flagged pairs a facilitator allowed are `allowed`."""
    from matchmaker import matching
    from matchmaker.grouping import networks

    linked = respondent_profiles(responses, db)
    rivals = CohortRivals()
    if len(linked) < 2:
        return rivals

    def positions(x: int, y: int) -> set[tuple[int, int]]:
        return {(min(a, b), max(a, b)) for a in linked[x] for b in linked[y] if a != b}

    rules = networks.pair_rules(db)
    index = matching.match_index(db)
    ids = sorted(c for c in linked if c in index)
    if len(ids) >= 2:
        scores = networks.pool_scores(index, ids)
        for i, j in scores.competitor:
            pair = positions(ids[i], ids[j])
            kinds = rules.get((ids[i], ids[j]), set())
            if "allow" in kinds and "never" not in kinds:
                rivals.allowed |= pair
            else:
                rivals.apart |= pair
    for (x, y), kinds in rules.items():
        if "never" in kinds and x in linked and y in linked:
            rivals.apart |= positions(x, y)
    rivals.allowed -= rivals.apart
    return rivals
