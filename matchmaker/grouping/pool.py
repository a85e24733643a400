"""Pair scores over a pool of firms for grouping, and the pairs that must not share a network.

A pool of up to `matching.MAX_POOL` firms is scored densely (every pair held); a larger one as
a sparse candidate graph: each firm's best partners and every likely-competitor pair, the
other pairs estimated until `settle` scores the pairs of the groups formed.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from matchmaker import matching
from matchmaker.store import pair_rules as stored_rules

# Partners kept per firm in a sparse pool (the optimiser uses the best 24 it may join).
GRAPH_NEIGHBOURS = 32
# Groups whose member pairs `settle` scores in one block.
SETTLE_GROUPS = 40
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
RIVAL_SIMILAR = 0.85
RIVAL_FLOOR = 0.1


class PairTable(dict):
    """Scores of some pairs of a large pool, read as `table[i, j]` like a matrix; a pair not
    held reads as `estimate(i, j)`."""

    def __init__(self, estimate: Callable[[int, int], float]):
        super().__init__()
        self.estimate = estimate

    def __missing__(self, key: tuple[int, int]) -> float:
        return self.estimate(*key)


@dataclass
class PoolScores:
    """Pair scores of a pool, all in [0, 1]: `pair[i, j]` the learned fit of the two as
    partners (symmetric), `cover[i, j]` how well j's offers meet i's needs, `similar[i, j]` how
    alike the two profiles are; `competitor` holds likely-competitor pairs (i < j).

    Dense (arrays) for a small pool; sparse (`PairTable`s) for a large one, where `neighbours`
    lists each firm's best partners (-1 pads) and `settle(groups)` scores exactly the pairs
    inside the given groups, which until then may read as estimates.
    """

    cover: np.ndarray | PairTable
    similar: np.ndarray | PairTable
    competitor: set[tuple[int, int]] = field(default_factory=set)
    pair: np.ndarray | PairTable | None = None
    neighbours: np.ndarray | None = None
    scorer: Callable[[list[int]], tuple] | None = None
    # look-alike pairs (i < j) whose pair fit was lowered, with the fit before
    lookalike: dict[tuple[int, int], float] = field(default_factory=dict)
    rival: np.ndarray | None = None  # competitor probability of each pair (dense pools)

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
        pv = self.pair
        return np.array([[pv[i, j] for j in cols] for i in rows], dtype=np.float32).reshape(
            len(rows), len(cols)
        )

    def settle(self, groups: Sequence[Sequence[int]]) -> PoolScores:
        """Scores that hold every pair inside `groups` exactly: the pool itself when dense, a
        new sparse pool of those pairs otherwise (this one, which a search read, unchanged)."""
        if not self.sparse:
            return self
        out = PoolScores(
            PairTable(self.cover.estimate), PairTable(self.similar.estimate), self.competitor,
            PairTable(self.pair.estimate), neighbours=self.neighbours, scorer=self.scorer,
        )  # fmt: skip
        groups = [list(g) for g in groups if len(g) > 1]
        for s in range(0, len(groups), SETTLE_GROUPS):
            rows = sorted({i for g in groups[s : s + SETTLE_GROUPS] for i in g})
            found = self.scorer(rows)
            at = {x: k for k, x in enumerate(rows)}
            for g in groups[s : s + SETTLE_GROUPS]:
                for i, j in itertools.permutations(g, 2):
                    a, b = at[i], at[j]
                    out.pair[i, j] = float(found.scores[a, b])
                    out.cover[i, j] = float(found.cover[a, b])
                    out.similar[i, j] = float(found.similar[a, b])
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
    ii, jj = np.nonzero(np.triu(found.competitor, 1))
    competitor = {(int(i), int(j)) for i, j in zip(ii, jj, strict=True)}
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
    before = {(int(i), int(j)): float(pair[i, j]) for i, j in zip(ii, jj, strict=True)}
    if not before:
        return pair, before
    out = np.array(pair, dtype=np.float32, copy=True)
    out[alike] = np.maximum(out[alike] - penalty, 0.0)
    return out, before


def rival_penalised_fit(
    scores: PoolScores,
    likeness: float = RIVAL_SIMILAR,
    floor: float = RIVAL_FLOOR,
    penalty: float = LOOKALIKE_PENALTY,
) -> np.ndarray:
    """Pair fit of a dense pool with `penalty` taken off the likely rivals among look-alikes
    (profile likeness at least `likeness` either way and competitor probability over `floor`)
    instead of off every look-alike pair; floored at 0, zero diagonal."""
    fit = np.array(scores.pair, dtype=np.float32, copy=True)
    for (i, j), before in scores.lookalike.items():
        fit[i, j] = fit[j, i] = before
    if scores.rival is not None:
        likely = (np.maximum(scores.similar, scores.similar.T) >= likeness) & (scores.rival > floor)
        fit[likely] = np.maximum(fit[likely] - penalty, 0.0)
    np.fill_diagonal(fit, 0.0)
    return fit


def _sparse_pool_scores(index, ids: Sequence[int]) -> PoolScores:
    graph = matching.candidate_graph(index, ids, GRAPH_NEIGHBOURS)
    typical_pair = graph.typical_pair.tolist()
    typical_cover = graph.typical_cover.tolist()
    pair = PairTable(lambda i, j: min(typical_pair[i], typical_pair[j]))
    cover = PairTable(lambda i, j: typical_cover[i])
    similar = PairTable(lambda i, j: 0.0)  # read only for settled groups (their reasons)
    nb = graph.neighbours.tolist()
    values = graph.pair.tolist(), graph.cover.tolist(), graph.cover_back.tolist()
    for i, row in enumerate(nb):
        fit, met, back = (v[i] for v in values)
        for r, j in enumerate(row):
            if j < 0:
                break
            ij, ji = (i, j), (j, i)  # one key object for both tables
            pair[ij] = pair[ji] = fit[r]
            cover[ij], cover[ji] = met[r], back[r]
    competitor = {(int(i), int(j)) for i, j in graph.competitor.tolist()}
    ids = list(ids)
    return PoolScores(
        cover, similar, competitor, pair, neighbours=graph.neighbours,
        scorer=lambda rows: _dense(index, [ids[r] for r in rows]),
    )  # fmt: skip


def pair_rules(db) -> dict[tuple[int, int], set[str]]:
    """Facilitator rules per pair (a < b): 'never', 'rejected', 'allow'."""
    return stored_rules.rules(db)


def forbidden_pairs(
    db, ids: Sequence[int], pos: Mapping[int, int], scores: PoolScores
) -> tuple[set[tuple[int, int]], dict[tuple[int, int], str]]:
    """Pool pairs that must not share a network, and why: likely competitors (unless a
    facilitator allowed the pair), 'never together', and pairs of rejected networks."""
    rules = pair_rules(db)
    why: dict[tuple[int, int], str] = {}
    _lift_allowed_lookalikes(ids, scores, rules)
    for i, j in scores.competitor:
        rule = rules.get((min(ids[i], ids[j]), max(ids[i], ids[j])), set())
        if "allow" not in rule:
            why[(i, j)] = "competitor"
    for (a, b), kinds in rules.items():
        if a in pos and b in pos:
            i, j = sorted((pos[a], pos[b]))
            if "never" in kinds:
                why[(i, j)] = "never"
            elif "rejected" in kinds:
                why[(i, j)] = "rejected"
    return set(why), why


def _lift_allowed_lookalikes(ids, scores: PoolScores, rules) -> None:
    """A look-alike pair a facilitator allowed gets its full pair fit back (and counts as no
    likely rival)."""
    for (i, j), fit in list(scores.lookalike.items()):
        if "allow" in rules.get((min(ids[i], ids[j]), max(ids[i], ids[j])), set()):
            scores.pair[i, j] = scores.pair[j, i] = fit
            del scores.lookalike[(i, j)]
    if scores.rival is not None:
        pos = {c: k for k, c in enumerate(ids)}
        for (a, b), kinds in rules.items():
            if "allow" in kinds and a in pos and b in pos:
                scores.rival[pos[a], pos[b]] = scores.rival[pos[b], pos[a]] = 0.0
