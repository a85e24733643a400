"""Pair scores over a pool of firms for grouping, and the pairs that must not share a network.

A pool of up to `matching.MAX_POOL` firms is scored densely (every pair held); a larger one as
a sparse candidate graph: each firm's best partners and every likely-competitor pair, the
other pairs estimated until `settle` scores the pairs of the groups formed.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, field

import numpy as np

from matchmaker import matching
from matchmaker.grouping import fit_level
from matchmaker.grouping.held import HeldPairs
from matchmaker.matching.candidates import PairValues, pair_judge
from matchmaker.matching.pairwise import PairDots
from matchmaker.reference.nace import nace_class
from matchmaker.store import pair_rules as stored_rules

# Partners kept per firm in a sparse pool (the optimiser uses the best 24 it may join).
GRAPH_NEIGHBOURS = 32
# Pairs `settle` judges at once (features × pairs floats in memory).
SETTLE_PAIRS = 50_000
# Look-alikes: a pair whose profiles read this alike (0–1 likeness, either way) loses this much
# of its pair fit in a network. Firms fear competitors in a long-term network, and most labelled
# rival pairs the competitor rule misses read this alike (while few known network pairs do):
# chosen leaving one labelled set out (bench/network_loso.py, bench/README.md "Networks").
LOOKALIKE_SIMILAR = 0.9
LOOKALIKE_PENALTY = 1.0
# Likely rivals among look-alikes, for networks formed by clustering (`grouping.clustering`):
# a pair this alike whose competitor probability (the learned model's) is above the floor
# loses the penalty; chosen with the clustering's link leaving one labelled set out
# (bench/network_loso.py --cluster, bench/README.md "Networks").
# A look-alike pair written in two languages counts as a likely rival whatever its probability
# (`other_languages`; leaving one labelled set out, bench/README.md "Networks, issue 12 sixth
# pass").
RIVAL_SIMILAR = 0.85
RIVAL_FLOOR = 0.1
# Same trade in the same region: a pair of one four-digit NACE class in one region loses this
# much of its fit in clustered networks whatever the competitor model says (it misses rivals
# that describe one trade in other words); chosen leaving one labelled set out
# (bench/network_loso.py --cluster --kin, bench/README.md "Networks").
KIN_PENALTY = 0.5


class PairTable(dict):
    """Scores of some pairs of a large pool, read as `table[i, j]` like a matrix; a pair not
    held reads as `estimate(i, j)`."""

    def __init__(self, estimate: Callable[[int, int], float]):
        super().__init__()
        self.estimate = estimate

    def __missing__(self, key: tuple[int, int]) -> float:
        return self.estimate(*key)

    def fresh(self) -> PairTable:
        """An empty table with the same estimates."""
        return PairTable(self.estimate)

    def estimates(self, rows: Sequence[int], cols: Sequence[int]) -> np.ndarray:
        """The estimates of `rows` × `cols` (float32)."""
        est = self.estimate
        return np.array([[est(i, j) for j in cols] for i in rows], dtype=np.float32).reshape(
            len(rows), len(cols)
        )


class TypicalTable(PairTable):
    """A `PairTable` whose estimate of a pair is the lower of the two firms' typical values
    (`by_row`: the first firm's), read without a Python call per pair where it counts: the
    optimiser reads millions of estimates."""

    def __init__(self, typical: np.ndarray, by_row: bool = False):
        self.typical = np.asarray(typical, dtype=np.float32)
        self.values = self.typical.tolist()
        self.by_row = by_row
        values = self.values
        super().__init__((lambda i, j: values[i]) if by_row else
                         (lambda i, j: min(values[i], values[j])))  # fmt: skip

    def __missing__(self, key: tuple[int, int]) -> float:
        values = self.values
        a = values[key[0]]
        if self.by_row:
            return a
        b = values[key[1]]
        return a if a < b else b

    def fresh(self) -> TypicalTable:
        return TypicalTable(self.typical, self.by_row)

    def estimates(self, rows: Sequence[int], cols: Sequence[int]) -> np.ndarray:
        a = self.typical[np.asarray(rows, dtype=np.intp)]
        if self.by_row:
            return np.repeat(a[:, None], len(cols), axis=1)
        return np.minimum.outer(a, self.typical[np.asarray(cols, dtype=np.intp)])


class HeldTable:
    """A sparse pool's table read like a `PairTable` (`table[i, j]`, `get`, `fresh`,
    `estimates`) from its held arrays (`held.HeldPairs`): a held pair's value (`values`, the
    held pair fit or cover), else `typical`'s estimate. Read-only; `fresh` gives an empty
    `TypicalTable` with the same estimates (what `settle` fills)."""

    def __init__(self, held: HeldPairs, values: np.ndarray, typical: TypicalTable):
        self.held, self.values, self.typical = held, values, typical

    def get(self, key: tuple[int, int], default=None):
        at = self.held.position(*key)
        return default if at < 0 else float(self.values[at])

    def __getitem__(self, key: tuple[int, int]) -> float:
        at = self.held.position(*key)
        return self.typical[key] if at < 0 else float(self.values[at])

    def fresh(self) -> TypicalTable:
        return self.typical.fresh()

    def estimates(self, rows: Sequence[int], cols: Sequence[int]) -> np.ndarray:
        return self.typical.estimates(rows, cols)


class PairSet(Set):
    """Pairs (i < j) of a pool of `n` firms, held as sorted packed keys i·n + j: 8 bytes a
    pair where a set of tuples takes over 100 (a large pool's competitor pairs run to
    hundreds of thousands). Reads like a set of tuples."""

    def __init__(self, pairs: np.ndarray | Iterable[tuple[int, int]], n: int):
        self.n = max(int(n), 1)
        pairs = np.asarray(pairs if isinstance(pairs, np.ndarray) else list(pairs),
                           dtype=np.int64).reshape(-1, 2)  # fmt: skip
        pairs = np.sort(pairs, axis=1)
        pairs = pairs[pairs[:, 0] != pairs[:, 1]]
        self.keys = _sorted_unique(pairs[:, 0] * self.n + pairs[:, 1])

    @classmethod
    def of_keys(cls, keys: np.ndarray, n: int) -> PairSet:
        out = cls(np.zeros((0, 2), np.int64), n)
        out.keys = _sorted_unique(np.asarray(keys, dtype=np.int64))
        return out

    def __contains__(self, pair) -> bool:
        try:
            i, j = pair
        except (TypeError, ValueError):
            return False
        if not 0 <= i < j < self.n:
            return False
        key = i * self.n + j
        at = int(np.searchsorted(self.keys, key))
        return at < self.keys.size and int(self.keys[at]) == key

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return zip((self.keys // self.n).tolist(), (self.keys % self.n).tolist(), strict=True)

    def __len__(self) -> int:
        return int(self.keys.size)

    def array(self) -> np.ndarray:
        """The pairs as rows of a 2-column array."""
        return np.column_stack([self.keys // self.n, self.keys % self.n])


def _sorted_unique(keys: np.ndarray) -> np.ndarray:
    """`np.unique(keys)`, without sorting again keys that already are (a graph's pairs)."""
    if keys.size < 2 or bool((keys[1:] > keys[:-1]).all()):
        return keys
    return np.unique(keys)


def packed(pairs: Set[tuple[int, int]] | PairSet, n: int) -> np.ndarray:
    """Keys i·n + j of pairs (i < j) of a pool of n firms (a `PairSet`'s own when it has n)."""
    if isinstance(pairs, PairSet) and pairs.n == max(n, 1):
        return pairs.keys
    return PairSet(np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2), n).keys


def partners_of(pairs: Set[tuple[int, int]] | PairSet, n: int) -> list[set[int]]:
    """Per firm of a pool of n, the firms it is paired with in `pairs` (both ways)."""
    keys = packed(pairs, n)
    m = max(n, 1)
    i, j = keys // m, keys % m
    rows, cols = np.concatenate([i, j]), np.concatenate([j, i])
    order = np.argsort(rows, kind="stable")
    rows, cols = rows[order], cols[order]
    bounds = np.searchsorted(rows, np.arange(n + 1)).tolist()
    cols = cols.tolist()
    ints = list(range(n))  # one int object per firm, shared by every set (~40 MB at 10,000)
    return [set(map(ints.__getitem__, cols[a:b])) for a, b in itertools.pairwise(bounds)]


class PairReasons(Mapping):
    """Why each forbidden pair (i < j) is forbidden: the stated rules' reasons ('never',
    'rejected') first, 'competitor' for the rest of `competitors`; read like a dict."""

    def __init__(self, stated: dict[tuple[int, int], str], competitors: PairSet):
        self.stated, self.competitors = stated, competitors

    def __getitem__(self, pair: tuple[int, int]) -> str:
        if pair in self.stated:
            return self.stated[pair]
        if pair in self.competitors:
            return "competitor"
        raise KeyError(pair)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        yield from self.stated
        for pair in self.competitors:
            if pair not in self.stated:
                yield pair

    def __len__(self) -> int:
        both = sum(1 for p in self.stated if p in self.competitors)
        return len(self.stated) + len(self.competitors) - both


@dataclass
class PoolScores:
    """Pair scores of a pool, all in [0, 1]: `pair[i, j]` the learned fit of the two as
    partners (symmetric), `cover[i, j]` how well j's offers meet i's needs, `similar[i, j]` how
    alike the two profiles are; `competitor` holds likely-competitor pairs (i < j).

    Dense (arrays) for a small pool; sparse (`PairTable`s, or `HeldTable`s over a candidate
    graph) for a large one, where `neighbours`
    lists each firm's best partners (-1 pads) and `settle(groups)` scores exactly the pairs
    inside the given groups, which until then may read as estimates.
    """

    cover: np.ndarray | PairTable | HeldTable
    similar: np.ndarray | PairTable
    competitor: set[tuple[int, int]] | PairSet = field(default_factory=set)
    pair: np.ndarray | PairTable | HeldTable | None = None
    neighbours: np.ndarray | None = None
    # exact values of listed pairs (left, right positions; `matching.candidates.PairValues`)
    scorer: Callable[[np.ndarray, np.ndarray], PairValues] | None = None
    # look-alike pairs (i < j) whose pair fit was lowered, with the fit before
    lookalike: dict[tuple[int, int], float] = field(default_factory=dict)
    rival: np.ndarray | None = None  # competitor probability of each pair (dense pools)
    # a sparse pool's held pairs as arrays (the tables' values, for compiled reads)
    held: HeldPairs | None = None
    # a sparse pool's listed-pair cosines (its firms laid out once: reasons read them too)
    dots: PairDots | None = None

    def __post_init__(self):
        if self.pair is None:
            self.pair = (self.cover + self.cover.T + 2 * self.similar) / 4

    @property
    def sparse(self) -> bool:
        return self.neighbours is not None

    @property
    def n(self) -> int:
        return len(self.neighbours) if self.sparse else self.cover.shape[0]

    def views(self) -> tuple:
        """Fast scalar reads `[i, j]` as Python floats of cover and pair fit: memoryviews of
        the dense arrays, the tables themselves when sparse."""
        if self.sparse:
            return self.cover, self.pair
        if getattr(self, "_views", None) is None:
            self.cover = np.ascontiguousarray(self.cover, dtype=np.float32)
            self.pair = np.ascontiguousarray(self.pair, dtype=np.float32)
            self._views = (memoryview(self.cover), memoryview(self.pair))
        return self._views

    def fit(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Pair fit of `rows` (all for None) against the pool (dense pools only)."""
        if self.sparse:
            raise ValueError("a sparse pool has no rows of pair fit; use fit_block")
        return self.pair if rows is None else self.pair[rows]

    def fit_block(self, rows: Sequence[int], cols: Sequence[int]) -> np.ndarray:
        """Pair fit of `rows` × `cols` (float32; estimates for pairs a sparse pool lacks)."""
        if not self.sparse:
            return self.pair[np.ix_(rows, cols)]
        if self.held is not None:
            return self.held.fit_block(rows, cols)
        pv = self.pair
        out = pv.estimates(rows, cols)
        get = pv.get
        for a, i in enumerate(rows):
            for b, j in enumerate(cols):
                v = get((i, j))
                if v is not None:
                    out[a, b] = v
        return out

    def settle(self, groups: Sequence[Sequence[int]]) -> PoolScores:
        """Scores that hold every pair inside `groups` exactly: the pool itself when dense, a
        new sparse pool of those pairs otherwise (this one, which a search read, unchanged)."""
        if not self.sparse:
            return self
        out = PoolScores(
            self.cover.fresh(), self.similar.fresh(), self.competitor, self.pair.fresh(),
            neighbours=self.neighbours, scorer=self.scorer, dots=self.dots,
        )  # fmt: skip
        inside = [(i, j) for g in groups for i, j in itertools.combinations(sorted(g), 2)]
        if not inside:
            return out
        todo = np.unique(np.array(inside, dtype=np.intp), axis=0)
        for s in range(0, len(todo), SETTLE_PAIRS):
            left, right = todo[s : s + SETTLE_PAIRS].T
            found = self.scorer(left, right)
            values = (found.fit.tolist(), found.cover.tolist(), found.back.tolist(),
                      found.similar.tolist())  # fmt: skip
            for i, j, fit, cover, back, similar in zip(
                left.tolist(), right.tolist(), *values, strict=True
            ):
                ij, ji = (i, j), (j, i)
                out.pair[ij] = out.pair[ji] = fit
                out.cover[ij], out.cover[ji] = cover, back
                out.similar[ij] = out.similar[ji] = similar
        return out


def _no_needs(index, ids: Sequence[int]) -> np.ndarray:
    return np.array([not (index.profile(i).get("needs") or "").strip() for i in ids])


def _dense(index, ids: Sequence[int]) -> matching.PairScores:
    found = matching.pair_score_matrix(index, ids)
    # A firm that wrote no needs is served best by partners like itself.
    no_needs = _no_needs(index, ids)
    found.cover[no_needs] = found.similar[no_needs]
    return found


def pool_scores(index, ids: Sequence[int]) -> PoolScores:
    """Pair scores between the firms `ids` of a `matching.MatchIndex`, from the matching
    stage's scoring (so pairs and competitors are judged by one rule everywhere): dense up to
    `matching.MAX_POOL` firms, a sparse candidate graph above."""
    if len(ids) > matching.MAX_POOL:
        return _sparse_pool_scores(index, ids)
    found = _dense(index, ids)
    competitor = PairSet(np.argwhere(np.triu(found.competitor, 1)), len(ids))
    pair, lookalike = penalise_lookalikes(found.scores, found.similar)
    return PoolScores(
        found.cover, found.similar, competitor, pair, lookalike=lookalike, rival=found.rival
    )


def penalise_lookalikes(
    pair: np.ndarray,
    similar: np.ndarray,
    likeness: float = LOOKALIKE_SIMILAR,
    penalty: float = LOOKALIKE_PENALTY,
) -> tuple[np.ndarray, dict[tuple[int, int], float]]:
    """Pair fit with `penalty` taken off every look-alike pair (profile likeness at least
    `likeness` either way; floored at 0), and those pairs with their fit before."""
    alike = np.maximum(similar, similar.T) >= likeness
    np.fill_diagonal(alike, False)
    ii, jj = np.nonzero(np.triu(alike, 1))
    pairs = zip(ii.tolist(), jj.tolist(), strict=True)
    before = dict(zip(pairs, pair[ii, jj].astype(float).tolist(), strict=True))
    if not before:
        return pair, before
    out = np.array(pair, dtype=np.float32, copy=True)
    out[alike] = np.maximum(out[alike] - penalty, 0.0)
    return out, before


def learned_fit(scores: PoolScores) -> np.ndarray:
    """The learned pair fit of a dense pool before any look-alike penalty (a new float32
    array, zero diagonal)."""
    fit = np.array(scores.pair, dtype=np.float32, copy=True)
    if scores.lookalike:
        ii, jj = np.array(list(scores.lookalike), dtype=np.int64).T
        before = np.fromiter(scores.lookalike.values(), dtype=np.float32)
        fit[ii, jj] = fit[jj, ii] = before
    np.fill_diagonal(fit, 0.0)
    return fit


def rival_penalised_fit(
    scores: PoolScores,
    likeness: float = RIVAL_SIMILAR,
    floor: float = RIVAL_FLOOR,
    penalty: float = LOOKALIKE_PENALTY,
    shift: float = 0.0,
    languages: Sequence[str | None] | None = None,
) -> np.ndarray:
    """Pair fit of a dense pool with `penalty` taken off the likely rivals among look-alikes
    (profile likeness at least `likeness` either way and competitor probability over `floor`)
    instead of off every look-alike pair; floored at 0, zero diagonal. `shift` moves every
    learned fit's log-odds first (`fit_level`). With `languages` (each firm's, in pool order),
    a look-alike pair written in two languages is a likely rival whatever its probability
    (`other_languages`)."""
    fit = learned_fit(scores)
    if shift:
        fit = fit_level.shifted(fit, shift)
    if scores.rival is not None:
        alike = np.maximum(scores.similar, scores.similar.T) >= likeness
        probable = scores.rival > floor
        if languages is not None:
            probable = probable | other_languages(languages)
        likely = alike & probable
        fit[likely] = np.maximum(fit[likely] - penalty, 0.0)
    np.fill_diagonal(fit, 0.0)
    return fit


def other_languages(languages: Sequence[str | None]) -> np.ndarray:
    """n × n: which pairs are written in two different (known) languages. The competitor
    model reads rivals by words and character n-grams as well as the sentence model, and the
    first two do not cross languages: a pair that reads alike across languages gets almost no
    competitor probability. Leaving one labelled set out, such look-alike pairs were rivals
    the penalty missed far more often than known network pairs (bench/README.md "Networks,
    issue 12 sixth pass")."""
    _, code = np.unique(np.array([x or "" for x in languages], dtype=object), return_inverse=True)
    code = code.astype(np.intp)
    known = np.array([bool(x) for x in languages], dtype=bool)
    out = (code[:, None] != code[None, :]) & known[:, None] & known[None, :]
    np.fill_diagonal(out, False)
    return out


def penalise_same_trade(
    fit: np.ndarray, profiles: Sequence[Mapping], penalty: float = KIN_PENALTY
) -> np.ndarray:
    """`fit` (n × n, of the firms `profiles` in order) with `penalty` taken off each pair of
    one NACE class in one region (`same_class_and_region`), floored at 0; a new array."""
    out = np.array(fit, dtype=np.float32, copy=True)
    if penalty and len(profiles):
        kin = same_class_and_region(profiles)
        out[kin] = np.maximum(out[kin] - penalty, 0.0)
    return out


def same_class_and_region(profiles: Sequence[Mapping]) -> np.ndarray:
    """n × n: which pairs of `profiles` share a four-digit NACE class and a region (both
    known); the diagonal is False."""

    def codes(values: list[str]) -> np.ndarray:
        _, found = np.unique(np.array(values, dtype=object), return_inverse=True)
        found = found.astype(np.intp)
        found[np.array(values, dtype=object) == ""] = -1  # unknown matches nothing
        return found

    trade = codes([nace_class(p.get("nace")) or "" for p in profiles])
    region = codes([p.get("region") or "" for p in profiles])
    known = (trade >= 0) & (region >= 0)
    out = (trade[:, None] == trade[None, :]) & (region[:, None] == region[None, :])
    out &= known[:, None] & known[None, :]
    np.fill_diagonal(out, False)
    return out


def _sparse_pool_scores(index, ids: Sequence[int]) -> PoolScores:
    graph = matching.candidate_graph(index, ids, GRAPH_NEIGHBOURS)
    judge = graph.judge or pair_judge(index, list(ids))  # the graph's: its arrays are laid out
    pool = graph_pool(graph, lambda left, right: judge(left, right, mask=False))
    pool.dots = judge.dots
    return pool


def graph_pool(graph, scorer: Callable[[np.ndarray, np.ndarray], PairValues]) -> PoolScores:
    """The sparse pool of a candidate graph (`matching.candidates.CandidateGraph`): its listed
    pairs held both ways as arrays (`held`, read by the local search's compiled loops) and
    read through `HeldTable`s, other pairs read as estimates (the lower typical fit, the
    needing firm's typical cover); `scorer` gives exact values of listed pairs (`settle`)."""
    held = HeldPairs.of_lists(graph.neighbours, graph.pair, graph.cover, graph.cover_back,
                              graph.typical_pair, graph.typical_cover)  # fmt: skip
    pair = HeldTable(held, held.pair, TypicalTable(graph.typical_pair))
    cover = HeldTable(held, held.cover, TypicalTable(graph.typical_cover, by_row=True))
    similar = TypicalTable(np.zeros(len(graph.ids)), by_row=True)  # read only once settled
    competitor = PairSet(graph.competitor, len(graph.ids))
    return PoolScores(
        cover, similar, competitor, pair, neighbours=graph.neighbours, scorer=scorer, held=held
    )


def pair_rules(db) -> dict[tuple[int, int], set[str]]:
    """Facilitator rules per pair (a < b): 'never', 'rejected', 'allow'."""
    return stored_rules.rules(db)


def forbidden_pairs(
    db, ids: Sequence[int], pos: Mapping[int, int], scores: PoolScores
) -> tuple[PairSet, PairReasons]:
    """Pool pairs (i < j) that must not share a network, and why: likely competitors (unless a
    facilitator allowed the pair), 'never together', and pairs of rejected networks. Both read
    like a set and a dict of pairs; a large pool's hundreds of thousands of competitor pairs
    stay packed integers."""
    rules = pair_rules(db)
    _lift_allowed_lookalikes(ids, scores, rules)
    n = len(ids)
    stated: dict[tuple[int, int], str] = {}
    allowed = []
    for (a, b), kinds in rules.items():
        if a in pos and b in pos:
            i, j = sorted((pos[a], pos[b]))
            if "never" in kinds:
                stated[(i, j)] = "never"
            elif "rejected" in kinds:
                stated[(i, j)] = "rejected"
            elif "allow" in kinds:
                allowed.append((i, j))
    m = max(n, 1)
    competitors = packed(scores.competitor, n)
    if allowed:
        allowed_keys = np.array([i * m + j for i, j in allowed], dtype=np.int64)
        competitors = competitors[~np.isin(competitors, allowed_keys)]
    rivals = PairSet.of_keys(competitors, n)
    stated_keys = np.array([i * m + j for i, j in stated], dtype=np.int64)
    forbidden = PairSet.of_keys(np.union1d(competitors, stated_keys) if stated else
                                competitors, n)  # fmt: skip
    return forbidden, PairReasons(stated, rivals)


def _lift_allowed_lookalikes(ids, scores: PoolScores, rules) -> None:
    """A look-alike pair a facilitator allowed gets its full pair fit back (and counts as no
    likely rival)."""
    pos = {c: k for k, c in enumerate(ids)}
    for (a, b), kinds in rules.items():
        if "allow" in kinds and a in pos and b in pos:
            i, j = sorted((pos[a], pos[b]))
            fit = scores.lookalike.pop((i, j), None)
            if fit is not None:
                scores.pair[i, j] = scores.pair[j, i] = fit
            if scores.rival is not None:
                scores.rival[i, j] = scores.rival[j, i] = 0.0
