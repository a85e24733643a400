"""The candidate graph of a large pool: each firm's best partners and its likely competitors,
found without scoring every pair with the learned scorer.

Two stages. A cheap surrogate of the partner fit (the structured facts exactly, the sentence
vectors reduced to `SURROGATE_RANK` dimensions, weights fitted by least squares on the exact
scores of a sample of the pool's rows) ranks every pair by dot products, a block of rows at a
time, and keeps each firm's `shortlist` best. The learned scorer then judges exactly, pair by
pair (`scoring.score_pairs`), the shortlisted pairs and every pair of firms of one NACE group
(the competitor rule needs the same group), so every kept pair value and every competitor
judgement is the learned scorer's own. Memory grows with n·shortlist and the pairs of the
groups, never n². A competitor pair of two NACE groups that only the learned competitor model
flags is found only when it is shortlisted.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, fields

import numpy as np
from threadpoolctl import threadpool_limits

from matchmaker.matching.features import (
    MISSING,
    STRUCTURED,
    FirmFacts,
    chain_step,
    structured_features,
)
from matchmaker.matching.index import resolve
from matchmaker.matching.pairwise import PairDots
from matchmaker.matching.scoring import (
    BlockScores,
    display_score,
    score_block,
    score_pairs,
    unit_similarity,
)

# Candidates per firm the surrogate passes to the learned scorer.
SHORTLIST = 96
# Rows whose exact scores against the whole pool fit the surrogate and estimate typical fits.
SAMPLE_ROWS = 64
# Sample rows scored against the whole pool at once (a block: rows × pool × features floats),
# at most; fewer in a pool so large that they would hold over 4 × PAIR_CHUNK pairs.
SAMPLE_BLOCK = 16
# Dimensions the sentence vectors are reduced to for the surrogate's dot products.
SURROGATE_RANK = 128
# The surrogate is fitted on the sample pairs above this quantile of exact fit (the top of a
# ranking is what it must get right).
FIT_QUANTILE = 0.8
# Rows ranked by the surrogate at once (rows × pool floats in memory).
SURROGATE_BLOCK = 256
# Pairs judged by the learned scorer at once (features × pairs floats in memory).
PAIR_CHUNK = 50_000
# Judged pairs (both ways) folded into the neighbour lists at once.
TOP_FLUSH = 1_000_000
PARTS = ("profile", "offers", "needs")


@dataclass
class CandidateGraph:
    """Each pool firm's k best partners, with the pair scores (0–1) of those pairs only.

    Row i holds up to k neighbours (-1 pads) by the symmetric pair fit, best first, likely
    competitors left out: `pair[i, r]` the fit with neighbour `neighbours[i, r]`, `cover[i, r]`
    how well the neighbour's offers meet i's needs, `cover_back[i, r]` how well i's offers meet
    the neighbour's needs. `competitor` holds every likely-competitor pair found (i < j, rows of
    a 2-column array), and `typical_pair` / `typical_cover` each row's mean fit (over
    non-competitors) and cover over the pool (an estimate for a pair that is in no list).
    `judged` counts the pairs the learned scorer judged; `judge` is the `PairJudge` that judged
    them (exact values of further pairs of the pool, e.g. of the networks formed).
    """

    ids: list[int]
    neighbours: np.ndarray
    pair: np.ndarray
    cover: np.ndarray
    cover_back: np.ndarray
    competitor: np.ndarray
    typical_pair: np.ndarray
    typical_cover: np.ndarray
    judged: int = 0
    judge: PairJudge | None = None


@dataclass
class PairValues:
    """Exact 0–1 values of listed pairs (left[k], right[k]): `fit` the symmetric pair fit
    (-inf for a competitor or a firm with itself when masked), `cover` how well the right
    firm's offers meet the left's needs, `back` the other way, `similar` profile likeness,
    `rival` judged competitors."""

    fit: np.ndarray
    cover: np.ndarray
    back: np.ndarray
    similar: np.ndarray
    rival: np.ndarray


class PairJudge:
    """Exact values of listed pairs (left[k], right[k]) of a set of firms (row positions), by
    the learned scorer (`scoring.score_pairs`): the values a dense pool's matrices hold (pair
    fit as the mean of both firms' views, cover both ways, likeness), without forming blocks."""

    def __init__(self, index, vectors, facts: FirmFacts, parallel: bool = True):
        self.index, self.vectors, self.facts = index, vectors, facts
        self.dots = PairDots(index.encoder_, vectors, parallel)
        self.silent = ~(facts.has_needs | facts.has_offers)
        self.no_needs = ~facts.has_needs

    def __call__(self, left: np.ndarray, right: np.ndarray, mask: bool = True) -> PairValues:
        """The pairs' values; with `mask`, a competitor's or a firm's own fit is -inf."""
        found = score_pairs(self.index, self.dots, self.facts, left, right)
        return self._values(found, left, right, mask)

    def rows(self, rows: np.ndarray) -> PairValues:
        """The values of `rows` against every firm of the set, as pairs (rows[a], j) in row
        order (masked as `__call__` masks): scored as one block (`score_block`, sparse matrix
        products: faster than pair by pair when a row meets every firm). The same values to
        float32 rounding (the block's sums run in another order)."""
        n = len(self.vectors)
        found = score_block(self.index, self.vectors.take(rows), self.facts.take(rows),
                            self.vectors, self.facts)  # fmt: skip
        flat = {f.name: getattr(found, f.name) for f in fields(found)}
        flat = BlockScores(**{k: None if v is None else v.ravel() for k, v in flat.items()})
        return self._values(flat, np.repeat(rows, n), np.tile(np.arange(n), len(rows)), True)

    def _values(self, found: BlockScores, left, right, mask: bool) -> PairValues:
        silent = self.silent
        view = found.score.copy()  # the left firm's view (its likeness when silent)
        other = view.copy()  # the right firm's view
        other[silent[right]] = found.likeness[silent[right]]
        ask = silent[left] & ~silent[right]  # the partner log-odds a silent left firm skipped
        if ask.any():
            other[ask] = score_pairs(self.index, self.dots, self.facts, right[ask],
                                     left[ask]).score  # fmt: skip
        fit = ((display_score(view) + display_score(other)) / 2).astype(np.float32)
        similar = unit_similarity(found.similar)
        cover = np.where(self.no_needs[left], similar, unit_similarity(found.need_offer))
        back = np.where(self.no_needs[right], similar, unit_similarity(found.offer_need))
        rival = found.competitor & (left != right)
        if mask:
            fit[rival | (left == right)] = -np.inf
        f32 = np.float32
        return PairValues(fit, cover.astype(f32), back.astype(f32), similar.astype(f32), rival)


def pair_judge(index, ids: Sequence[int], parallel: bool = True) -> PairJudge:
    """A `PairJudge` of the firms `ids` of `index` (pairs given as positions in `ids`); without
    `parallel` each call runs on its caller's thread (`judged_chunks` runs calls on threads)."""
    rows = index.rows(ids)
    if np.array_equal(rows, np.arange(len(index))):  # the whole index: share its kept transposes
        return PairJudge(index, index.vectors_, index.facts_, parallel)
    return PairJudge(index, index.vectors_.take(rows), index.facts_.take(rows), parallel)


def judged_chunks(judge: PairJudge, left: np.ndarray, right: np.ndarray,
                  workers: int) -> Iterator[tuple[np.ndarray, np.ndarray, PairValues]]:  # fmt: skip
    """The values of the pairs (left[k], right[k]) judged `PAIR_CHUNK` at a time, in order, as
    (left, right, values) per chunk: `workers` chunks at once on threads, so one chunk's feature
    assembly (numpy, mostly one core) runs beside another's compiled loop (the GIL is released
    in both), each thread's matrix products on one BLAS thread; at most two chunks per worker
    wait, so memory holds a few chunks."""
    starts = range(0, len(left), PAIR_CHUNK)
    if workers <= 1:
        for s in starts:
            a, b = left[s : s + PAIR_CHUNK], right[s : s + PAIR_CHUNK]
            yield a, b, judge(a, b)
        return
    with threadpool_limits(1, user_api="blas"), ThreadPoolExecutor(max_workers=workers) as pool:
        waiting: deque = deque()
        for s in starts:
            a, b = left[s : s + PAIR_CHUNK], right[s : s + PAIR_CHUNK]
            waiting.append((a, b, pool.submit(judge, a, b)))
            if len(waiting) >= 2 * workers:
                a, b, found = waiting.popleft()
                yield a, b, found.result()
        while waiting:
            a, b, found = waiting.popleft()
            yield a, b, found.result()


def _codes(values: np.ndarray) -> np.ndarray:
    """Integer codes of a fact column; an empty fact gets -1 (equal to nothing)."""
    _, codes = np.unique(values.astype(str), return_inverse=True)
    codes = codes.astype(np.int32)
    codes[values == ""] = -1
    return codes


class _Surrogate:
    """A linear stand-in for the pair fit that ranks a block of rows against the pool with dot
    products: the structured facts exactly, the text parts' sentence-vector cosines in a
    reduced space, weights fitted on exact scores."""

    def __init__(self, vectors, facts: FirmFacts):
        self.facts = facts
        dense = [np.asarray(vectors.dense[p], dtype=np.float32) for p in PARTS]
        stacked = np.vstack(dense)
        rank = min(SURROGATE_RANK, stacked.shape[1])
        _, basis = np.linalg.eigh(stacked.T @ stacked)  # principal directions, ascending
        basis = basis[:, ::-1][:, :rank].astype(np.float32)
        self.reduced = [d @ basis for d in dense]
        self.stacked = np.hstack(self.reduced)
        self.codes = [
            _codes(getattr(facts, name))
            for name in ("classes", "groups", "divisions", "sections", "regions", "sizes")
        ]
        # Firms with the same six codes score alike on them: the sums are taken per kind of
        # firm and spread to the pool's columns (the same float32 sums, far fewer of them).
        kinds, self.kind = np.unique(np.column_stack(self.codes), axis=0, return_inverse=True)
        self.kind = self.kind.ravel()
        self.kind_codes = [np.ascontiguousarray(kinds[:, c]) for c in range(kinds.shape[1])]
        self.weights: np.ndarray | None = None

    def text_terms(self, rows: np.ndarray, cols: np.ndarray | None) -> list[np.ndarray]:
        """The reduced cosines of the part pairs, symmetric (a·b + b·a for a ≠ b)."""
        q = [r[rows] for r in self.reduced]
        s = self.reduced if cols is None else [r[cols] for r in self.reduced]
        out = []
        for a in range(len(PARTS)):
            for b in range(a, len(PARTS)):
                m = q[a] @ s[b].T
                out.append(m if a == b else m + q[b] @ s[a].T)
        return out

    def fit(self, rows: np.ndarray, pair: np.ndarray) -> None:
        """Least squares of the exact fit's log-odds (rows × pool, -inf where excluded) on the
        surrogate's terms, over the pairs at the top of the ranking."""
        ok = np.isfinite(pair)
        if ok.sum() < 10:
            self.weights = None
            return
        p = np.clip(pair, 1e-6, 1 - 1e-6)
        target = np.log(p / (1 - p))
        top = ok & (pair >= np.quantile(pair[ok], FIT_QUANTILE))
        terms = structured_features(self.facts.take(rows), self.facts)
        terms += self.text_terms(rows, None)
        design = np.stack([t[top] for t in terms] + [np.ones(int(top.sum()))], axis=1)
        self.weights, *_ = np.linalg.lstsq(design, target[top], rcond=None)

    def rank(self, rows: np.ndarray) -> np.ndarray:
        """Surrogate fit of `rows` against the whole pool (rows × pool, float32)."""
        w = self.weights
        n_struct = len(STRUCTURED)
        by_kind = np.zeros((rows.size, len(self.kind_codes[0])), dtype=np.float32)
        for weight, codes, kinds in zip(w[:6], self.codes, self.kind_codes, strict=True):
            same = (codes[rows, None] == kinds[None, :]) & (codes[rows, None] >= 0)
            by_kind += np.float32(weight) * same
        out = np.take(by_kind, self.kind, axis=1)  # C order: the additions below stream
        f = self.facts
        shared = (f.markets[rows] @ f.markets.T).toarray() > 0
        out += np.float32(w[6]) * shared
        # The terms of one row fact and one column fact: a row of values per value of the
        # row's fact, spread to the block's rows (the same float32 values, fewer operations).
        both, one, none = np.float32(w[7]), np.float32(w[8]), np.float32(0)
        kinds = np.stack([np.where(f.knowledge, one, none), np.where(f.knowledge, both, one)])
        out += kinds[f.knowledge[rows].astype(np.intp)]
        out += np.float32(w[9]) * chain_step(f.positions[rows, None], f.positions[None, :])
        for weight, has in zip(w[n_struct : n_struct + len(MISSING)], (f.has_needs, f.has_offers),
                               strict=True):  # fmt: skip
            half = np.float32(weight / 2)
            lacks = np.stack([half * (~has + np.float32(k)) for k in (0, 1)])
            out += lacks[(~has[rows]).astype(np.intp)]
        # The fitted text terms as one product: row parts weighted against the pool's parts.
        c = w[n_struct + len(MISSING) : -1]
        coef = np.zeros((3, 3), dtype=np.float32)
        coef[np.triu_indices(3)] = c
        coef = coef + coef.T - np.diag(np.diag(coef))  # symmetric: c_ab = c_ba
        q = np.hstack([sum(coef[a, b] * self.reduced[a][rows] for a in range(3))
                       for b in range(3)])  # fmt: skip
        out += q @ self.stacked.T
        return out


def _shortlists(surrogate: _Surrogate, n: int, size: int, workers: int) -> np.ndarray:
    """Each row's `size` best columns by the surrogate (self left out): blocks of rows on
    `workers` threads, each thread's matrix products on one BLAS thread (BLAS threads of two
    callers at once only contend for the cores; the products are the same)."""
    out = np.empty((n, size), dtype=np.intp)

    def one(start: int) -> None:
        rows = np.arange(start, min(n, start + SURROGATE_BLOCK))
        z = surrogate.rank(rows)
        z[np.arange(rows.size), rows] = -np.inf
        out[rows] = np.argpartition(-z, size - 1, axis=1)[:, :size]

    blas = threadpool_limits(1, user_api="blas") if workers > 1 else nullcontext()
    with blas, ThreadPoolExecutor(max_workers=max(workers, 1)) as pool:
        list(pool.map(one, range(0, n, SURROGATE_BLOCK)))
    return out


def ranked(rows: np.ndarray, fit: np.ndarray, cols: np.ndarray, n: int) -> np.ndarray:
    """`np.lexsort((cols, -fit, rows))`: by row, best fit first, ties by column, for rows and
    columns below n. Sorted as one packed integer key where it fits in 63 bits (row, the fit's
    order-preserving bits reversed, column: one sort instead of three passes)."""
    bits = max(int(n - 1).bit_length(), 1)
    if 2 * bits + 32 > 63:
        return np.lexsort((cols, -fit, rows))
    f = (np.asarray(fit, dtype=np.float32) + np.float32(0)).view(np.uint32).astype(np.int64)
    f = np.where(f >= 1 << 31, f ^ 0xFFFFFFFF, f | 1 << 31)  # ascending with the float (-0 = 0)
    key = rows.astype(np.int64) << (32 + bits)
    key |= (0xFFFFFFFF - f) << bits  # best fit first
    key |= cols.astype(np.int64)
    return np.argsort(key, kind="stable")


class _TopLists:
    """Each row's best k of the judged pairs, best first (ties by neighbour), kept as pairs
    arrive: chunks of (i, j, fit, cover, cover back), each pair once and read both ways, are
    folded into the lists whenever `TOP_FLUSH` directed pairs wait, so memory holds the lists
    and one flush, not every judged pair (the top k of a union is the top k of the top k of
    its parts, so the lists do not depend on the chunks)."""

    def __init__(self, n: int, k: int):
        self.n, self.k = n, k
        self.nb = np.full((n, k), -1, dtype=np.intp)
        self.values = [np.zeros((n, k), dtype=np.float32) for _ in range(3)]
        self.waiting: list[tuple] = []
        self.size = 0

    def add(self, i, j, fit, cover, back) -> None:
        if self.k == 0 or not len(i):
            return
        i, j = i.astype(np.int32), j.astype(np.int32)
        self.waiting.append((np.concatenate([i, j]), np.concatenate([j, i]),
                             np.concatenate([fit, fit]), np.concatenate([cover, back]),
                             np.concatenate([back, cover])))  # fmt: skip
        self.size += 2 * len(i)
        if self.size >= TOP_FLUSH:
            self._fold()

    def _fold(self) -> None:
        held = self.nb >= 0
        rows = np.nonzero(held)[0].astype(np.int32)
        self.waiting.append((rows, self.nb[held].astype(np.int32),
                             *(v[held] for v in self.values)))  # fmt: skip
        rows, cols, fit, met, gives = (np.concatenate(x) for x in zip(*self.waiting, strict=True))
        self.waiting, self.size = [], 0
        order = ranked(rows, fit, cols, self.n)
        rows = rows[order]
        start = np.searchsorted(rows, np.arange(self.n))
        rank = np.arange(rows.size) - start[rows]
        keep = order[rank < self.k]
        at = (rows[rank < self.k], rank[rank < self.k])
        self.nb.fill(-1)
        self.nb[at] = cols[keep]
        for dest, values in zip(self.values, (fit, met, gives), strict=True):
            dest.fill(0)
            dest[at] = values[keep]

    def lists(self) -> tuple[np.ndarray, ...]:
        """Neighbours (-1 pads), fit, cover and cover back, each n × k."""
        if self.waiting:
            self._fold()
        return self.nb, *self.values


def _pairs_to_judge(chosen, groups: np.ndarray, skip: np.ndarray) -> np.ndarray:
    """Pairs (i < j) the learned scorer judges: each row's shortlist (all pairs when there is
    none) and every pair of firms of one NACE group (the competitor rule needs it); pairs with
    a row in `skip` (already judged) left out."""
    n = groups.size
    found = []
    if chosen is None:
        found.append(np.column_stack(np.triu_indices(n, 1)))
    else:
        found.append(np.column_stack([np.repeat(np.arange(n), chosen.shape[1]), chosen.ravel()]))
        order = np.argsort(groups, kind="stable")
        order = order[groups[order] >= 0]
        bounds = np.flatnonzero(np.r_[True, np.diff(groups[order]) != 0, True])
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            members = order[a:b]
            iu, ju = np.triu_indices(members.size, 1)
            found.append(np.column_stack([members[iu], members[ju]]))
    pairs = np.vstack(found).astype(np.int64)
    i, j = pairs.min(axis=1), pairs.max(axis=1)
    del pairs, found
    keep = (i != j) & ~skip[i] & ~skip[j]
    keys = np.sort(i[keep] * max(n, 1) + j[keep])  # sorted by i, then j; each pair once:
    keys = keys[np.r_[True, keys[1:] != keys[:-1]]] if keys.size else keys  # (sort, not hash)
    return np.column_stack([keys // max(n, 1), keys % max(n, 1)]).astype(np.intp)


def candidate_graph(
    index_or_db,
    ids: Sequence[int],
    k: int = 48,
    *,
    workers: int = 2,
    shortlist: int | None = None,
) -> CandidateGraph:
    """The sparse counterpart of `pair_score_matrix` for pools of any size: each firm's k best
    partners and its likely competitors, memory growing with n·shortlist, never n².

    Each firm's `shortlist` (default `SHORTLIST`) best candidates by the surrogate (all firms
    when the pool is no larger) and the firms of its NACE group are judged by the learned
    scorer, pair by pair
    (`scoring.score_pairs`); pair fit and cover (both ways) of a kept pair equal the dense
    matrices' entries. A row's typical fit and cover are estimated from `SAMPLE_ROWS` rows
    judged against the whole pool. Facilitator rules are not applied: the grouping stage
    applies them to `competitor`.
    """
    index, _ = resolve(index_or_db)
    shortlist = SHORTLIST if shortlist is None else shortlist
    rows = index.rows(ids)
    n = rows.size
    kk = max(min(k, n - 1), 0)
    judge = pair_judge(index, ids, parallel=workers <= 1)
    vectors, facts = judge.vectors, judge.facts
    everyone = np.arange(n)
    top = _TopLists(n, kk)
    rivals: list[np.ndarray] = []
    sample = np.unique(np.linspace(0, n - 1, num=min(n, SAMPLE_ROWS)).astype(np.intp))
    typical = np.zeros((2, n), dtype=np.float32)
    if n:
        step = max(1, min(SAMPLE_BLOCK, 4 * PAIR_CHUNK // n))
        blocks = (judge.rows(sample[s : s + step]) for s in range(0, sample.size, step))
        parts = [(found.fit, found.cover, found.back, found.rival) for found in blocks]
        pair, cover, back, rival = (np.concatenate(x).reshape(sample.size, n)
                                    for x in zip(*parts, strict=True))  # fmt: skip
        del parts
        judged = pair.size
        ci, cj = np.nonzero(rival)
        rivals.append(np.column_stack([sample[ci], everyone[cj]]))
        later = ~np.isin(everyone, sample) | (everyone[None, :] > sample[:, None])
        si, sj = np.nonzero(later & np.isfinite(pair))  # each pair once
        top.add(sample[si], everyone[sj], pair[si, sj], cover[si, sj], back[si, sj])
        # Column j's fit with the sample rows (a competitor's as 0) and the sample's offers
        # meeting j's needs.
        self_col = sample[:, None] == everyone[None, :]
        others = np.maximum((~self_col).sum(axis=0), 1)
        typical[0] = np.where(np.isfinite(pair), pair, 0).sum(axis=0) / others
        typical[1] = np.where(self_col, 0, back).sum(axis=0) / others
    else:
        judged = 0
    chosen = None
    if n - 1 > shortlist:
        surrogate = _Surrogate(vectors, facts)
        surrogate.fit(sample, pair)
        if surrogate.weights is not None:
            chosen = _shortlists(surrogate, n, shortlist, workers)
    skip = np.zeros(n, dtype=bool)
    skip[sample] = True
    todo = _pairs_to_judge(chosen, _codes(facts.groups), skip)
    for left, right, found in judged_chunks(judge, todo[:, 0], todo[:, 1], workers):
        fit, cover, back, rival = found.fit, found.cover, found.back, found.rival
        rivals.append(np.column_stack([left[rival], right[rival]]))
        ok = ~rival
        top.add(left[ok], right[ok], fit[ok], cover[ok], back[ok])
        judged += left.size
    nb, fit, met, gives = top.lists()
    rival = np.vstack(rivals) if rivals else np.zeros((0, 2), np.intp)
    rival = np.unique(np.sort(rival, axis=1), axis=0).astype(np.intp)
    return CandidateGraph(
        [index.vectors_.ids[r] for r in rows], nb, fit, met, gives, rival,
        typical_pair=typical[0], typical_cover=typical[1], judged=judged, judge=judge,
    )  # fmt: skip
