"""Pair scores over a pool of firms for grouping, and the pairs that must not share a network."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from matchmaker import matching
from matchmaker.store import pair_rules as stored_rules


@dataclass
class PoolScores:
    """Pair scores of a pool, all in [0, 1]: `pair[i, j]` the learned fit of the two as
    partners (symmetric), `cover[i, j]` how well j's offers meet i's needs, `similar[i, j]` how
    alike the two profiles are; `competitor` holds likely-competitor pairs (i < j)."""

    cover: np.ndarray
    similar: np.ndarray
    competitor: set[tuple[int, int]] = field(default_factory=set)
    pair: np.ndarray | None = None

    def __post_init__(self):
        if self.pair is None:
            self.pair = (self.cover + self.cover.T + 2 * self.similar) / 4

    @property
    def n(self) -> int:
        return self.cover.shape[0]

    def views(self) -> tuple[memoryview, memoryview]:
        """Memoryviews of cover and pair fit: fast scalar reads as Python floats."""
        if getattr(self, "_views", None) is None:
            self.cover = np.ascontiguousarray(self.cover, dtype=np.float32)
            self.pair = np.ascontiguousarray(self.pair, dtype=np.float32)
            self._views = (memoryview(self.cover), memoryview(self.pair))
        return self._views

    def fit(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Pair fit of `rows` (all for None) against the pool."""
        return self.pair if rows is None else self.pair[rows]


def pool_scores(index, ids: Sequence[int]) -> PoolScores:
    """Pair scores between the firms `ids` of a `matching.MatchIndex`, from the matching
    stage's scoring (so pairs and competitors are judged by one rule everywhere)."""
    found = matching.pair_score_matrix(index, ids)
    cover, similar = found.cover, found.similar
    # A firm that wrote no needs is served best by partners like itself.
    no_needs = np.array([not (index.profile(i).get("needs") or "").strip() for i in ids])
    cover[no_needs] = similar[no_needs]
    ii, jj = np.nonzero(np.triu(found.competitor, 1))
    competitor = {(int(i), int(j)) for i, j in zip(ii, jj, strict=True)}
    return PoolScores(cover, similar, competitor, found.scores)


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
