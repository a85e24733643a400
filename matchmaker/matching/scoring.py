"""Pair scores between firms of an index: learned partner fit, competitors, needs met by offers.

One function, `score_block`, scores some query firms against some stored firms; partner
suggestions, pool matrices for grouping and top-k candidate lists all call it, so a pair is
judged the same way everywhere.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from matchmaker.matching.features import (
    FirmFacts,
    features_of,
    pair_features,
    structured_features,
)
from matchmaker.matching.index import MatchIndex, resolve
from matchmaker.matching.pairwise import PairDots
from matchmaker.representation.embedding import ProfileVectors
from matchmaker.store import pair_rules

MODES = ("complementary", "similar")
# Pools scored densely at most this large (grouping larger pools uses `top_candidates`).
MAX_POOL = 1_500
# Profile likeness (a z-like calibrated cosine) as log-odds: its slope and centre.
SIMILAR_SLOPE = 1.2
SIMILAR_CENTER = 1.0
# Query rows scored at once against the whole index (features × rows × firms in memory).
BLOCK = 64
# Bytes of pool matrices kept per process (`pair_score_matrix`): a chat follow-up or a re-run
# over the same pool of an unchanged index reads them instead of scoring every pair again.
POOL_BUDGET_BYTES = 32 * 2**20


def display_score(logit: np.ndarray | float) -> np.ndarray | float:
    """A log-odds as a 0–1 score (a blocked pair's −inf gives 0, without overflow)."""
    return expit(np.asarray(logit))


def unit_similarity(z: np.ndarray | float) -> np.ndarray | float:
    """A calibrated (z-like) similarity as a 0–1 score."""
    return display_score(SIMILAR_SLOPE * (np.asarray(z) - SIMILAR_CENTER))


@dataclass
class BlockScores:
    """Scores of query firms (rows) against stored firms (columns)."""

    score: np.ndarray  # log-odds of a good pair (complementary) or profile likeness (similar)
    need_offer: np.ndarray  # calibrated: the query's needs met by the stored firm's offers
    offer_need: np.ndarray  # calibrated: the stored firm's needs met by the query's offers
    competitor: np.ndarray  # judged direct competitors
    similar: np.ndarray  # calibrated profile likeness
    likeness: np.ndarray | None = None  # log-odds of a pair judged as a silent firm's partner
    rival: np.ndarray | None = None  # the learned competitor model's probability


def score_block(
    index: MatchIndex,
    q: ProfileVectors,
    q_facts: FirmFacts,
    s: ProfileVectors,
    s_facts: FirmFacts,
    mode: str = "complementary",
) -> BlockScores:
    """Every query firm against every stored firm, vectorised."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    encoder = index.encoder_
    features = pair_features(encoder, q, q_facts, s, s_facts, index.scale_)
    need_offer = encoder.similarity(q, s, "needs", "offers")
    offer_need = encoder.similarity(q, s, "offers", "needs")
    similar = encoder.similarity(q, s, "profile", "profile")
    silent = ~(q_facts.has_needs | q_facts.has_offers)
    return _judged(index, features, need_offer, offer_need, similar, silent, mode)


def score_pairs(
    index: MatchIndex,
    dots: PairDots,
    facts: FirmFacts,
    left: np.ndarray,
    right: np.ndarray,
    mode: str = "complementary",
) -> BlockScores:
    """`score_block` for listed pairs (left[k], right[k]) of the firms `dots` and `facts`
    describe (row positions): the same values, as vectors over the pairs."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    encoder, shape = index.encoder_, (len(left),)
    cos = dots(left, right)
    q_facts, s_facts = facts.take(left), facts.take(right)
    structured = structured_features(q_facts, s_facts, paired=True)
    features = features_of(cos.cosines, structured, shape, index.scale_)

    def similarity(a: str, b: str) -> np.ndarray:
        return encoder.combine_similarities(cos.similarities(a, b), a, b, shape)

    silent = ~(q_facts.has_needs | q_facts.has_offers)
    return _judged(
        index, features, similarity("needs", "offers"), similarity("offers", "needs"),
        similarity("profile", "profile"), silent, mode,
    )  # fmt: skip


def _judged(index, features, need_offer, offer_need, similar, silent, mode) -> BlockScores:
    """Scores from pair features and similarities: the partner log-odds (profile likeness for
    a query firm that wrote neither needs nor offers, or in 'similar' mode), competitors."""
    scorer = index.scorer_
    competitor = scorer.competitors(features)
    likeness = SIMILAR_SLOPE * (similar - SIMILAR_CENTER)
    if mode == "similar":
        score = likeness
    else:
        score = scorer.partner_logit(features)
        # A firm that wrote neither needs nor offers gives nothing to complement: its partners
        # are judged by the likeness model (learned from real co-participation when fitted,
        # else how alike the profiles are).
        likeness = scorer.silent_logit(features, similar, likeness)
        if silent.any():
            score[silent] = likeness[silent]
    rival = scorer.competitor_probability(features).astype(np.float32)
    return BlockScores(
        score.astype(np.float32), need_offer, offer_need, competitor, similar, likeness, rival
    )


def score_rows(index: MatchIndex, q_rows: np.ndarray, s_rows: np.ndarray | None, mode: str):
    """`score_block` for indexed firms given by row positions (all stored rows for None)."""
    s_vectors = index.vectors_ if s_rows is None else index.vectors_.take(s_rows)
    s_facts = index.facts_ if s_rows is None else index.facts_.take(s_rows)
    return score_block(
        index, index.vectors_.take(q_rows), index.facts_.take(q_rows), s_vectors, s_facts, mode
    )


@dataclass
class PairScores:
    """Dense pair scores (0–1) for a pool of firms, with competitor and never-together masks,
    how well each firm's offers meet the other's needs (`cover[i, j]`: j meets i's needs) and
    how alike their profiles are (`similar`)."""

    ids: list[int]
    scores: np.ndarray
    competitor: np.ndarray
    never: np.ndarray
    cover: np.ndarray
    similar: np.ndarray
    rival: np.ndarray | None = None  # competitor probability (symmetric: the higher way)


def pair_score_matrix(
    index_or_db, ids: Sequence[int] | None = None, *, mode: str = "complementary", db=None
) -> PairScores:
    """Dense 0–1 scores between all firms of a pool (at most 1,500), symmetric, zero diagonal.

    Pairs a facilitator allowed are not competitors; 'never together' pairs are marked.
    """
    index, store = resolve(index_or_db)
    db = store if db is None else db
    rows = index.rows(ids)
    if rows.size > MAX_POOL:
        raise ValueError(f"a pool of {rows.size} firms is over {MAX_POOL}; use top_candidates")
    n = rows.size
    dense, cover, similar, competitor, rival = _scored_pool(index, rows, mode)
    pool_ids = [index.vectors_.ids[r] for r in rows]
    pos = {c: i for i, c in enumerate(pool_ids)}
    rules = pair_rules.rules(db, pool_ids) if db is not None else {}
    never = np.zeros((n, n), dtype=bool)
    for (a, b), kinds in rules.items():
        if a in pos and b in pos:
            if "allow" in kinds:
                competitor[pos[a], pos[b]] = competitor[pos[b], pos[a]] = False
            if "never" in kinds:
                never[pos[a], pos[b]] = never[pos[b], pos[a]] = True
    np.fill_diagonal(competitor, False)
    rival = np.maximum(rival, rival.T)
    np.fill_diagonal(rival, 0.0)
    return PairScores(pool_ids, dense, competitor, never, cover, similar, rival)


_POOLS: OrderedDict[tuple, tuple] = OrderedDict()
_POOLS_LOCK = threading.Lock()


def _scored_pool(index: MatchIndex, rows: np.ndarray, mode: str) -> tuple[np.ndarray, ...]:
    """Pair score, cover, likeness, competitor mask and competitor probability between the
    index rows `rows` (symmetric where the pair is, zero diagonal), before any facilitator's
    rule: fresh arrays, from the ones kept for this very pool of `index`'s lineage if there
    are (a pair's scores do not change along a lineage, `kept_scores`), else scored."""
    key = (index.lineage_.serial, mode, rows.tobytes())
    with _POOLS_LOCK:
        kept = _POOLS.get(key)
        if kept is not None:
            _POOLS.move_to_end(key)
    if kept is not None and kept[0] is index.lineage_:
        return tuple(a.copy() for a in kept[1])
    n = rows.size
    dense = np.zeros((n, n), dtype=np.float32)
    cover = np.zeros((n, n), dtype=np.float32)
    similar = np.zeros((n, n), dtype=np.float32)
    competitor = np.zeros((n, n), dtype=bool)
    rival = np.zeros((n, n), dtype=np.float32)
    s_vectors, s_facts = index.vectors_.take(rows), index.facts_.take(rows)
    for start in range(0, n, BLOCK * 4):
        block = np.arange(start, min(n, start + BLOCK * 4))
        found = score_block(
            index, s_vectors.take(block), s_facts.take(block), s_vectors, s_facts, mode
        )
        dense[block] = display_score(found.score)
        cover[block] = unit_similarity(found.need_offer)
        similar[block] = unit_similarity(found.similar)
        competitor[block] = found.competitor
        rival[block] = found.rival
    dense = (dense + dense.T) / 2
    np.fill_diagonal(dense, 0.0)
    np.fill_diagonal(cover, 0.0)
    np.fill_diagonal(similar, 0.0)
    competitor |= competitor.T
    scored = (dense, cover, similar, competitor, rival)
    nbytes = sum(a.nbytes for a in scored)
    if nbytes <= POOL_BUDGET_BYTES:
        with _POOLS_LOCK:
            _POOLS[key] = (index.lineage_, tuple(a.copy() for a in scored), nbytes)
            used = sum(k[2] for k in _POOLS.values())
            while used > POOL_BUDGET_BYTES:
                used -= _POOLS.popitem(last=False)[1][2]
    return scored


def forget_pools() -> None:
    """Drop every kept pool (tests; a process that changes how pairs are scored)."""
    with _POOLS_LOCK:
        _POOLS.clear()


def top_candidates(
    index_or_db,
    k: int = 20,
    *,
    ids: Sequence[int] | None = None,
    mode: str = "complementary",
    include_competitors: bool = False,
    db=None,
) -> dict[int, list[tuple[int, float]]]:
    """For each firm (all indexed, or `ids`), its k best partners as (id, 0–1 score), best
    first; 'never together' pairs and (unless asked) likely competitors left out."""
    index, store = resolve(index_or_db)
    db = store if db is None else db
    rows = index.rows(ids)
    all_ids = index.vectors_.ids
    out: dict[int, list[tuple[int, float]]] = {}
    kk = min(k, len(index) - 1)
    if kk <= 0:
        return {all_ids[r]: [] for r in rows}
    rules = pair_rules.rules(db, [all_ids[r] for r in rows]) if db is not None else {}
    for s in range(0, rows.size, BLOCK):
        chunk = rows[s : s + BLOCK]
        found = score_rows(index, chunk, None, mode)
        blocked = np.zeros_like(found.competitor)
        blocked[np.arange(chunk.size), chunk] = True
        if mode == "complementary" and not include_competitors:
            blocked |= found.competitor
        q_ids = [all_ids[r] for r in chunk]
        for i, cid in enumerate(q_ids):
            for (a, b), kinds in rules.items():
                if cid not in (a, b):
                    continue
                other = index.row_.get(b if a == cid else a)
                if other is None:
                    continue
                if "never" in kinds:
                    blocked[i, other] = True
                elif "allow" in kinds:  # a facilitator allowed these likely competitors
                    blocked[i, other] = False
        z = np.where(blocked, -np.inf, found.score)
        top = np.argpartition(-z, kk - 1, axis=1)[:, :kk]
        for i, cid in enumerate(q_ids):
            cols = top[i][np.isfinite(z[i, top[i]])]
            cols = cols[np.lexsort((cols, -z[i, cols]))]
            out[cid] = [(all_ids[c], float(display_score(z[i, c]))) for c in cols]
    return out
