"""Respondents who likely compete: the same core business in the same market, firms the
matching engine flags as competitors, and pairs a facilitator said never to put together."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

COMPETITOR_COSINE = 0.80  # model cosine of core business above which firms may compete
COMPETITOR_Z = 2.0  # or core business and market both this far above the respondents' mean


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
        found |= registered_competitors(responses, db)
    return found


def registered_competitors(responses: Sequence[Mapping], db) -> set[tuple[int, int]]:
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
