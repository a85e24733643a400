"""Pair scores between firms of an index: learned partner fit, competitors, needs met by offers.

One function, `score_block`, scores some query firms against some stored firms; partner
suggestions, pool matrices for grouping and top-k candidate lists all call it, so a pair is
judged the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from matchmaker.matching.features import FirmFacts, pair_features
from matchmaker.matching.index import MatchIndex, resolve
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
    encoder, scorer = index.encoder_, index.scorer_
    features = pair_features(encoder, q, q_facts, s, s_facts, index.scale_)
    need_offer = encoder.similarity(q, s, "needs", "offers")
    offer_need = encoder.similarity(q, s, "offers", "needs")
    competitor = scorer.competitors(features)
    similar = encoder.similarity(q, s, "profile", "profile")
    likeness = SIMILAR_SLOPE * (similar - SIMILAR_CENTER)
    if mode == "similar":
        score = likeness
    else:
        score = scorer.partner_logit(features)
        # A firm that wrote neither needs nor offers gives nothing to complement: its partners
        # are judged by the likeness model (learned from real co-participation when fitted,
        # else how alike the profiles are).
        likeness = scorer.silent_logit(features, similar, likeness)
        silent = ~(q_facts.has_needs | q_facts.has_offers)
        if silent.any():
            score[silent] = likeness[silent]
    return BlockScores(
        score.astype(np.float32), need_offer, offer_need, competitor, similar, likeness
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
    dense = np.zeros((n, n), dtype=np.float32)
    cover = np.zeros((n, n), dtype=np.float32)
    similar = np.zeros((n, n), dtype=np.float32)
    competitor = np.zeros((n, n), dtype=bool)
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
    dense = (dense + dense.T) / 2
    np.fill_diagonal(dense, 0.0)
    np.fill_diagonal(cover, 0.0)
    np.fill_diagonal(similar, 0.0)
    competitor |= competitor.T
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
    return PairScores(pool_ids, dense, competitor, never, cover, similar)


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


@dataclass
class CandidateGraph:
    """Each pool firm's k best partners, with the pair scores (0–1) of those pairs only.

    Row i holds up to k neighbours (-1 pads) by the symmetric pair fit, best first, likely
    competitors left out: `pair[i, r]` the fit with neighbour `neighbours[i, r]`, `cover[i, r]`
    how well the neighbour's offers meet i's needs, `cover_back[i, r]` how well i's offers meet
    the neighbour's needs. `competitor` holds every likely-competitor pair of the pool (i < j,
    rows of a 2-column array), and `typical_pair` / `typical_cover` each row's mean fit (over
    non-competitors) and cover over the pool (an estimate for a pair that is in no list).
    """

    ids: list[int]
    neighbours: np.ndarray
    pair: np.ndarray
    cover: np.ndarray
    cover_back: np.ndarray
    competitor: np.ndarray
    typical_pair: np.ndarray
    typical_cover: np.ndarray


def candidate_graph(index_or_db, ids: Sequence[int], k: int = 48, *, workers: int = 2):
    """The sparse counterpart of `pair_score_matrix` for pools of any size: each firm's k best
    partners and every likely-competitor pair, memory growing with n·k, never n².

    The pair features are symmetric, so each pair is scored once: a block of rows against the
    columns from its first row on (`workers` blocks at a time), its values merged into the
    rows' and the columns' lists. Pair fit and cover (both ways) of a kept pair equal the dense
    matrices' entries (the fit is the mean of both firms' view of the pair, as there); a
    row's typical fit and cover are its means over the pool. Facilitator rules are not
    applied: the grouping stage applies them to `competitor`.
    """
    from concurrent.futures import ThreadPoolExecutor

    index, _ = resolve(index_or_db)
    rows = index.rows(ids)
    n = rows.size
    kk = max(min(k, n - 1), 0)
    vectors, facts = index.vectors_.take(rows), index.facts_.take(rows)
    silent = ~(facts.has_needs | facts.has_offers)
    no_needs = ~facts.has_needs

    def scored(start: int):
        block = np.arange(start, min(n, start + BLOCK))
        cols = np.arange(start, n)
        s_vec, s_facts = vectors.take(cols), facts.take(cols)
        found = score_block(
            index, vectors.take(block), facts.take(block), s_vec, s_facts, "complementary"
        )
        mine = display_score(found.score)  # each row firm's own view of the pair
        likeness = display_score(found.likeness)
        # The column firm's view: the same partner log-odds (the features are symmetric),
        # or profile likeness where the column firm wrote neither needs nor offers.
        theirs = np.where(silent[None, cols], likeness, mine)
        quiet = np.flatnonzero(silent[block])
        for q in range(0, quiet.size, 8):  # silent row firms: ask the others for their view
            few = block[quiet[q : q + 8]]
            back = score_block(index, s_vec, s_facts, vectors.take(few), facts.take(few))
            theirs[quiet[q : q + 8]] = display_score(back.score).T
        pair = (mine + theirs) / 2
        similar = unit_similarity(found.similar)
        cover = np.where(no_needs[block, None], similar, unit_similarity(found.need_offer))
        back = np.where(no_needs[None, cols], similar, unit_similarity(found.offer_need))
        local = np.arange(block.size)
        rival = found.competitor.copy()
        rival[local, local] = False  # the block's own diagonal
        pair[local, local] = -np.inf
        ci, cj = np.nonzero(rival)
        pairs = np.column_stack([block[ci], cols[cj]])
        pair[rival] = -np.inf
        return block, cols, pair, cover.astype(np.float32), back.astype(np.float32), pairs

    top = np.full((n, kk), -np.inf, dtype=np.float32)
    nb = np.full((n, kk), -1, dtype=np.intp)
    met = np.zeros((n, kk), dtype=np.float32)  # cover: the neighbour meets the row firm's needs
    gives = np.zeros((n, kk), dtype=np.float32)  # the row firm meets the neighbour's needs
    sums = np.zeros((2, n))  # pair fit and cover summed over the others
    rivals = []

    def merge(at, values, idx, cover, back):
        v = np.concatenate([top[at], values], axis=1)
        j = np.concatenate([nb[at], idx], axis=1)
        c = np.concatenate([met[at], cover], axis=1)
        b = np.concatenate([gives[at], back], axis=1)
        order = np.lexsort((j, -v), axis=1)[:, :kk]  # best first, ties by position
        top[at] = np.take_along_axis(v, order, axis=1)
        nb[at] = np.take_along_axis(j, order, axis=1)
        met[at] = np.take_along_axis(c, order, axis=1)
        gives[at] = np.take_along_axis(b, order, axis=1)

    def absorb(part) -> None:
        block, cols, pair, cover, back, pairs = part
        rivals.append(pairs)
        finite = np.where(np.isfinite(pair), pair, 0.0)
        inside = block.size  # columns inside the block: both views are rows of the block
        sums[0, block] += finite.sum(axis=1)
        sums[0, cols[inside:]] += finite[:, inside:].sum(axis=0)
        sums[1, block] += (cover * (np.arange(cols.size) != np.arange(block.size)[:, None]
                                    )).sum(axis=1)  # fmt: skip
        sums[1, cols[inside:]] += back[:, inside:].sum(axis=0)
        if kk == 0:
            return
        m = min(kk, cols.size)
        best = np.argpartition(-pair, m - 1, axis=1)[:, :m]
        v = np.take_along_axis(pair, best, axis=1)
        merge(
            block,
            v,
            np.where(np.isfinite(v), cols[best], -1),
            np.take_along_axis(cover, best, axis=1),
            np.take_along_axis(back, best, axis=1),
        )
        if cols.size > inside:  # the block's rows as candidates of the later columns
            rest = pair[:, inside:].T
            m = min(kk, block.size)
            best = np.argpartition(-rest, m - 1, axis=1)[:, :m]
            v = np.take_along_axis(rest, best, axis=1)
            merge(cols[inside:], v, np.where(np.isfinite(v), block[best], -1),
                  np.take_along_axis(back[:, inside:].T, best, axis=1),
                  np.take_along_axis(cover[:, inside:].T, best, axis=1))  # fmt: skip

    starts = list(range(0, n, BLOCK))
    if starts:
        absorb(scored(starts[0]))  # the first warms the index's caches
    with ThreadPoolExecutor(max_workers=max(workers, 1)) as pool:
        for s in range(1, len(starts), max(workers, 1)):  # a few blocks in memory at once
            for part in pool.map(scored, starts[s : s + max(workers, 1)]):
                absorb(part)
    keep = np.isfinite(top)
    nb[~keep] = -1
    rival = np.vstack(rivals) if rivals else np.zeros((0, 2), np.intp)
    rival = np.unique(np.sort(rival, axis=1), axis=0).astype(np.intp)
    others = max(n - 1, 1)
    return CandidateGraph(
        [index.vectors_.ids[r] for r in rows], nb, np.where(keep, top, 0).astype(np.float32),
        met, gives, rival,
        typical_pair=(sums[0] / others).astype(np.float32),
        typical_cover=(sums[1] / others).astype(np.float32),
    )  # fmt: skip
