"""Respondents who likely compete: the same core business in the same market, firms the
matching engine flags as competitors, and pairs a facilitator said never to put together."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from matchmaker.store import profiles

COMPETITOR_COSINE = 0.80  # model cosine of core business above which firms may compete
COMPETITOR_Z = 2.0  # or core business and market both this far above the respondents' mean


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
    deviations above the mean pair). Registered firms (an answer linked to a profile or
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
    if db is None:
        return CohortRivals(found)
    registered = registered_competitors(responses, db)
    return CohortRivals((found | registered.apart) - registered.allowed, registered.allowed)


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
