"""The network optimiser: seeded greedy construction and local search under hard constraints.

Pure: pool positions in, groups out; no store.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from matchmaker.grouping.held import gains_order
from matchmaker.grouping.pool import PoolScores, partners_of

MAX_KNOWLEDGE_INSTITUTIONS = 2

# Weights of a network's score: needs covered, pair fit, reciprocity.
SCORE_WEIGHTS = (0.45, 0.30, 0.25)

# The objective: this share on the weakest network, the rest on the harmonic mean.
WORST_WEIGHT = 0.5

CANDIDATES = 24  # top-k compatible partners kept per firm

SWAP_OPTIONS = 8  # swaps of one member scored exactly, the most promising first


# Group scores a search remembers (member tuple → score; about 150 bytes each): the local
# search scores half of its candidate groups more than once (10,000 firms: 517,000 scores of
# 252,000 distinct groups). Forgotten all at once when full.
REMEMBERED_SCORES = 400_000


@dataclass
class Problem:
    """One grouping task over a pool of n firms (all indexes are pool positions)."""

    scores: PoolScores
    knowledge: np.ndarray  # bool per firm: a knowledge institution
    forbidden: set[tuple[int, int]]  # pairs (i < j) that must not share a network
    placeable: np.ndarray  # bool per firm: may be placed in a new network
    locked: list[list[int]] = field(default_factory=list)  # groups kept together
    required: list[int] = field(default_factory=list)  # firms that must be placed if possible


@dataclass
class Grouping:
    """The optimiser's answer: groups (pool positions), their scores, and who was left out."""

    groups: list[list[int]]
    scores: list[float]
    unplaced: list[int]
    notes: list[dict] = field(default_factory=list)
    pool: PoolScores | None = None  # the scores the group scores come from (settled)

    @property
    def worst(self) -> float:
        return min(self.scores) if self.scores else 0.0

    @property
    def harmonic_mean(self) -> float:
        return harmonic_mean(self.scores)


def harmonic_mean(values: Iterable[float]) -> float:
    values = [max(v, 1e-6) for v in values]
    return len(values) / sum(1.0 / v for v in values) if values else 0.0


def group_score(scores: PoolScores, members: Sequence[int]) -> float:
    """A network's score in [0, 1]: each member's needs met by the others' offers (best and
    second-best partner), the mean pair fit, and reciprocity (every member gives and gets).

    Plain Python over memoryviews: for groups of at most ten this beats numpy's call overhead
    by an order of magnitude, and the local search calls it hundreds of thousands of times.
    """
    k = len(members)
    if k < 2:
        return 0.0
    cv, pv = scores.views()
    best = [-1.0] * k
    second = [-1.0] * k
    gives = [-1.0] * k
    fit = 0.0
    for a in range(k):
        i = members[a]
        for b in range(a + 1, k):
            j = members[b]
            cij = cv[i, j]
            cji = cv[j, i]
            if cij > best[a]:
                second[a], best[a] = best[a], cij
            elif cij > second[a]:
                second[a] = cij
            if cji > best[b]:
                second[b], best[b] = best[b], cji
            elif cji > second[b]:
                second[b] = cji
            if cij > gives[b]:
                gives[b] = cij
            if cji > gives[a]:
                gives[a] = cji
            fit += pv[i, j]
    fit /= k * (k - 1) / 2
    if k >= 3:
        covered = sum(0.75 * best[a] + 0.25 * second[a] for a in range(k)) / k
    else:
        covered = sum(best) / k
    recip = sum(min(best[a], gives[a]) for a in range(k)) / k
    w_cover, w_fit, w_recip = SCORE_WEIGHTS
    return w_cover * covered + w_fit * fit + w_recip * recip


class _Search:
    """Seeded greedy construction and local search over one Problem."""

    def __init__(self, problem: Problem, count: int, min_size: int, max_size: int, seed: int):
        self.p = problem
        self.s = problem.scores
        self.n = problem.scores.n
        self.count = count
        self.min_size = min_size
        self.max_size = max_size
        self.rng = np.random.default_rng(seed)
        self.forbidden = problem.forbidden
        self.knowledge = problem.knowledge
        self.locked_firms = {i for g in problem.locked for i in g}
        self.group_of = np.full(self.n, -1, dtype=np.intp)
        self.groups: list[list[int]] = []
        self.scores: list[float] = []
        self._remembered: dict[tuple[int, ...], float] = {}
        self.held = self.s.held if self.s.sparse else None  # read by compiled loops
        self._candidates()

    # -- neighbourhoods -----------------------------------------------------------------------

    def _candidates(self) -> None:
        """Per firm its top-k compatible partners by pair fit. A dense pool keeps its pair-fit
        matrix in half precision for cheap ranking of moves (exact scores come from
        `group_score`); a sparse pool takes them from its candidate graph."""
        n, k = self.n, min(CANDIDATES, max(self.n - 1, 1))
        self.forbidden_of: list[set[int]] = partners_of(self.forbidden, n)
        self.cand: list[list[int]] = [[] for _ in range(n)]
        usable = self.p.placeable.copy()
        usable[list(self.locked_firms)] = True
        if self.s.sparse:
            self.pair_fit_ = None
            for i, row in enumerate(self.s.neighbours.tolist()):
                ok = [j for j in row if j >= 0 and usable[j] and j not in self.forbidden_of[i]]
                self.cand[i] = ok[:k]
        else:
            self._dense_candidates(k, usable)
        self.cand_top_ = np.full((n, 10), -1, dtype=np.intp)
        for i, c in enumerate(self.cand):
            self.cand_top_[i, : min(10, len(c))] = c[:10]

    def _dense_candidates(self, k: int, usable: np.ndarray) -> None:
        n = self.n
        self.pair_fit_ = np.empty((n, n), dtype=np.float16)
        block = 512
        for start in range(0, n, block):
            rows = np.arange(start, min(n, start + block))
            fit = self.s.fit(rows).astype(np.float32, copy=True)
            self.pair_fit_[rows] = fit
            fit[:, ~usable] = -1.0
            fit[np.arange(len(rows)), rows] = -1.0
            for r, i in enumerate(rows.tolist()):
                if self.forbidden_of[i]:
                    fit[r, list(self.forbidden_of[i])] = -1.0
            take = min(k, n)
            top = np.argpartition(-fit, take - 1, axis=1)[:, :take]
            for r, i in enumerate(rows.tolist()):
                order = top[r][np.argsort(-fit[r, top[r]], kind="stable")]
                self.cand[i] = [int(j) for j in order if fit[r, j] >= 0]

    def _fit(self, rows: Sequence[int], cols: Sequence[int]) -> np.ndarray:
        """Pair fit of rows × cols for ranking moves (half precision when dense)."""
        if self.pair_fit_ is not None:
            return self.pair_fit_[np.ix_(rows, cols)]
        if self.held is not None:
            return self.held.fit_block(rows, cols)
        return self.s.fit_block(rows, cols)

    def _swap_order(self, i: int, outsiders: list[int], rest: list[int]) -> list[int]:
        """`held.swap_order`: compiled on held arrays, else `gains_order` of `_fit`'s reads."""
        if self.held is not None and len(rest) < 8:  # numpy adds 8 or more values pairwise
            return self.held.swap_order(i, outsiders, rest)
        return gains_order(self._fit([i, *outsiders], rest))

    def allowed(self, i: int, j: int) -> bool:
        return i != j and j not in self.forbidden_of[i]

    def fits_into(self, x: int, members: Sequence[int]) -> bool:
        """x may join these members: no forbidden pair, at most two knowledge institutions."""
        if not self.forbidden_of[x].isdisjoint(members):
            return False
        if self.knowledge[x]:
            return sum(bool(self.knowledge[m]) for m in members) < MAX_KNOWLEDGE_INSTITUTIONS
        return True

    def score(self, members: Sequence[int]) -> float:
        """`group_score` of the members (in this order), remembered: the pool's scores do not
        change during a search."""
        key = tuple(members)
        found = self._remembered.get(key)
        if found is None:
            if len(self._remembered) >= REMEMBERED_SCORES:
                self._remembered.clear()
            if self.held is not None:
                found = float(self.held.group_scores([members], SCORE_WEIGHTS)[0])
            else:
                found = group_score(self.s, members)
            self._remembered[key] = found
        return found

    def scores_of(self, groups: Sequence[Sequence[int]]) -> list[float]:
        """`score` of each group; a sparse pool's unremembered groups in one compiled call."""
        if self.held is not None:
            keys = [tuple(g) for g in groups]
            new = list({k: None for k in keys if k not in self._remembered})
            if new:
                if len(self._remembered) + len(new) >= REMEMBERED_SCORES:
                    self._remembered.clear()
                    new = list(dict.fromkeys(keys))
                found = self.held.group_scores(new, SCORE_WEIGHTS).tolist()
                self._remembered.update(zip(new, found, strict=True))
            return [self._remembered[k] for k in keys]
        return [self.score(g) for g in groups]

    # -- construction -------------------------------------------------------------------------

    def _place(self, g: int, x: int) -> None:
        self.groups[g].append(x)
        self.group_of[x] = g

    def construct(self) -> None:
        for locked in self.p.locked:
            self.groups.append([])
            for x in locked:
                self._place(len(self.groups) - 1, x)
        free = [i for i in range(self.n) if self.p.placeable[i] and i not in self.locked_firms]
        n_total = len(free) + sum(len(g) for g in self.groups)
        targets = self._targets(n_total)
        # Seeds: firms with the fewest compatible partners first, ties broken by the seed.
        noise = self.rng.random(self.n)
        required = set(self.p.required)
        order = sorted(free, key=lambda i: (i not in required, len(self.cand[i]) // 4, noise[i]))
        if self.count_is_bounded:  # the strongest neighbourhoods first
            strength = {i: -float(np.mean(self._fit([i], self.cand[i][:4]), dtype=np.float32))
                        if self.cand[i] else 0.0 for i in free}  # fmt: skip
            order = sorted(free, key=lambda i: (i not in required, strength[i], noise[i]))
        self._grow_all(targets, order)
        if not self.count_is_bounded:
            self._place_leftovers(order)
        self._repair_small()
        if not self.count_is_bounded:
            self._regroup_leftovers(order)

    def _regroup_leftovers(self, order: list[int]) -> None:
        """Firms left out because their planned network could not be filled seed new ones."""
        left = [x for x in order if self.group_of[x] < 0 and self.cand[x]]
        if len(left) < self.min_size:
            return
        sizes = [len(g) for g in self.groups]
        self._grow_all(sizes + [self.min_size] * (len(left) // self.min_size), left)
        self._place_leftovers(left)
        self._repair_small()

    def _targets(self, n_total: int) -> list[int]:
        """Planned size per network: as even as the bounds and the count allow."""
        count = max(self.count, len(self.groups))
        sizes = [self.min_size] * count
        left = n_total - self.min_size * count
        g = 0
        while left > 0 and any(s < self.max_size for s in sizes):
            if sizes[g % count] < self.max_size:
                sizes[g % count] += 1
                left -= 1
            g += 1
        for g, group in enumerate(self.groups):
            sizes[g] = max(sizes[g], len(group))
        return sizes

    def _grow_all(self, targets: list[int], order: list[int]) -> None:
        queue = iter(order)
        for g, target in enumerate(targets):
            if g >= len(self.groups):
                # a firm with no compatible partner seeds nothing
                seed = next((x for x in queue if self.group_of[x] < 0 and self.cand[x]), None)
                if seed is None:
                    break
                self.groups.append([])
                self._place(g, seed)
            while len(self.groups[g]) < target:
                x = self._best_addition(self.groups[g])
                if x is None:
                    break
                self._place(g, x)

    def _pool_candidates(self, members: Sequence[int]) -> list[int]:
        seen, out = set(members), []
        for m in members:
            for x in self.cand[m]:
                if x not in seen and self.group_of[x] < 0 and self.p.placeable[x]:
                    seen.add(x)
                    out.append(x)
        return out

    def _best_addition(self, members: list[int]) -> int | None:
        options = [x for x in self._pool_candidates(members) if self.fits_into(x, members)]
        if not options:
            options = self._scan(members)
        if not options:
            return None
        if len(options) > 12:  # pre-rank by summed pair fit, score the most promising fully
            fit = self._fit(options, members).sum(axis=1, dtype=np.float32)
            options = [options[i] for i in np.argsort(-fit, kind="stable")[:12]]
        gains = self.scores_of([[*members, x] for x in options])
        return options[int(np.argmax(gains))]

    def _scan(self, members: list[int]) -> list[int]:
        """Every unplaced placeable firm compatible with `members`, best summed fit first."""
        free = np.nonzero((self.group_of < 0) & self.p.placeable)[0]
        if free.size == 0:
            return []
        if self.pair_fit_ is None:  # sparse: the members' graph partners first, then the rest
            near = np.unique(self.s.neighbours[members].ravel())
            near = near[(near >= 0) & np.isin(near, free)]
            fit = self._fit(members, near).sum(axis=0, dtype=np.float32)
            ranked = near[np.argsort(-fit, kind="stable")]
            order = np.concatenate([ranked, free[~np.isin(free, ranked)]])
        else:
            fit = self._fit(members, free).sum(axis=0, dtype=np.float32)
            order = free[np.argsort(-fit, kind="stable")]
        out = []
        for x in order.tolist():
            if self.fits_into(x, members):
                out.append(x)
                if len(out) >= 12:
                    break
        return out

    def _place_leftovers(self, order: list[int]) -> None:
        """Firms left over go where they fit best, while a network has room."""
        for x in order:
            if self.group_of[x] >= 0:
                continue
            best, best_gain = None, -math.inf
            for g, members in enumerate(self.groups):
                if len(members) >= self.max_size or not self.fits_into(x, members):
                    continue
                gain = self.score([*members, x]) - self.score(members)
                if gain > best_gain:
                    best, best_gain = g, gain
            if best is not None:
                self._place(best, x)

    count_is_bounded = False

    def _repair_small(self) -> None:
        """A network below min_size borrows from networks above it, or is dissolved."""
        for g, members in enumerate(self.groups):
            while 0 < len(members) < self.min_size:
                x = self._best_addition(members)
                if x is not None:
                    self._place(g, x)
                    continue
                donor = self._borrow(members)
                if donor is None:
                    break
                h, y = donor
                self.groups[h].remove(y)
                self._place(g, y)
            if len(members) < self.min_size:
                for x in members:
                    if x not in self.locked_firms:
                        self.group_of[x] = -1
                self.groups[g] = [x for x in members if x in self.locked_firms]
        keep = [g for g in self.groups if len(g) >= self.min_size or set(g) & self.locked_firms]
        self._reindex(keep)

    def _borrow(self, members: list[int]) -> tuple[int, int] | None:
        best, best_value = None, -math.inf
        for h, other in enumerate(self.groups):
            if other is members or len(other) <= self.min_size:
                continue
            for y in other:
                if y in self.locked_firms or not self.fits_into(y, members):
                    continue
                value = self.score([*members, y])
                if value > best_value:
                    best, best_value = (h, y), value
        return best

    def _reindex(self, groups: list[list[int]]) -> None:
        self.groups = groups
        self.group_of[:] = -1
        for g, members in enumerate(groups):
            for x in members:
                self.group_of[x] = g
        self.scores = [self.score(m) for m in groups]

    # -- local search -------------------------------------------------------------------------

    def objective(self, scores: Sequence[float]) -> float:
        if not scores:
            return 0.0
        return WORST_WEIGHT * min(scores) + (1 - WORST_WEIGHT) * harmonic_mean(scores)

    def _delta(self, changes: dict[int, list[int]]) -> tuple[float, dict[int, float]]:
        """Objective change if the groups in `changes` took the given members."""
        new = {g: self.score(m) for g, m in changes.items()}
        inv = self._inv_sum
        for g, v in new.items():
            inv += 1 / max(v, 1e-6) - 1 / max(self.scores[g], 1e-6)
        hm = len(self.scores) / inv
        worst = min(self._min_excluding(new), *new.values())
        value = WORST_WEIGHT * worst + (1 - WORST_WEIGHT) * hm
        return value - self._value, new

    def _min_excluding(self, skip) -> float:
        for g in self._lowest:
            if g not in skip:
                return self.scores[g]
        lowest = [v for g, v in enumerate(self.scores) if g not in skip]
        return min(lowest) if lowest else math.inf

    def _refresh(self) -> None:
        self._inv_sum = sum(1 / max(v, 1e-6) for v in self.scores)
        self._lowest = heapq.nsmallest(8, range(len(self.scores)), key=self.scores.__getitem__)
        self._value = self.objective(self.scores)

    def _apply(self, changes: dict[int, list[int]], new: dict[int, float]) -> None:
        for g in changes:
            for x in self.groups[g]:
                if self.group_of[x] == g:
                    self.group_of[x] = -1
        threshold = self.scores[self._lowest[-1]] if self._lowest else math.inf
        recompute = False
        for g, members in changes.items():
            self._inv_sum += 1 / max(new[g], 1e-6) - 1 / max(self.scores[g], 1e-6)
            recompute |= g in self._lowest or new[g] < threshold
            self.groups[g] = members
            self.scores[g] = new[g]
            self._version += 1
            self.changed_[g] = self._version
            for x in members:
                self.group_of[x] = g
        if recompute:
            self._lowest = heapq.nsmallest(8, range(len(self.scores)), key=self.scores.__getitem__)
        worst = self.scores[self._lowest[0]]
        self._value = WORST_WEIGHT * worst + (1 - WORST_WEIGHT) * len(self.scores) / self._inv_sum

    def improve(self, max_passes: int = 8, min_gain: float = 1e-5) -> None:
        """First-improvement local search, worst networks first, until no move helps.

        A network is looked at again only when it, or a network holding one of its members'
        candidate partners, changed since it was last looked at.
        """
        if not self.groups:
            return
        self._refresh()
        self._version = 0
        self.changed_ = [0] * len(self.groups)
        checked = [-1] * len(self.groups)
        for _ in range(max_passes):
            improved = 0
            order = sorted(range(len(self.groups)), key=lambda g: (self.scores[g], g))
            for g in order:
                near = self.cand_top_[self.groups[g]].ravel()
                related = {g, *self.group_of[near[near >= 0]].tolist()}
                related.discard(-1)
                if max(self.changed_[h] for h in related) <= checked[g]:
                    continue
                checked[g] = self._version
                for i in list(self.groups[g]):
                    if i in self.locked_firms or self.group_of[i] != g:
                        continue
                    if self._improve_member(g, i, min_gain):
                        improved += 1
            if not improved:
                break

    def _improve_member(self, g: int, i: int, min_gain: float) -> bool:
        """The best move or swap of member i of group g, applied if it raises the objective.

        Swap partners are the top candidates of the other members, ranked by how much better
        they fit the rest of g than i does (half-precision pair fit); only the most promising
        few are scored exactly.
        """
        members = self.groups[g]
        rest = [m for m in members if m != i]
        options: list[dict[int, list[int]]] = []
        # The other members' candidates, once each, ascending (a few dozen: set operations
        # cost less than numpy's unique and isin at this size).
        near = set(self.cand_top_[rest].ravel().tolist())
        near.discard(-1)
        near.difference_update(members)
        if near:
            outsiders = sorted(near)
            for k in self._swap_order(i, outsiders, rest):
                if len(options) >= SWAP_OPTIONS:
                    break
                x = outsiders[k]
                if x in self.locked_firms or not self.fits_into(x, rest):
                    continue
                h = int(self.group_of[x])
                if h < 0:
                    if self.allow_bench and self.p.placeable[x]:
                        options.append({g: [*rest, x]})
                    continue
                other = [y for y in self.groups[h] if y != x]
                if self.fits_into(i, other):
                    options.append({g: [*rest, x], h: [*other, i]})
        # Move i to a network where its best partners sit, sizes permitting.
        if len(members) > self.min_size:
            for h in sorted({int(self.group_of[x]) for x in self.cand[i][:10]} - {g, -1}):
                target = self.groups[h]
                if len(target) < self.max_size and self.fits_into(i, target):
                    options.append({g: rest, h: [*target, i]})
        best = self._best_option(options, min_gain)
        if best is None:
            return False
        self._apply(*best)
        return True

    def _best_option(self, options: list[dict[int, list[int]]], min_gain: float):
        """The option raising the objective most, by more than `min_gain` (the first of equal
        gains), with its groups' new scores, or None. Two-group options (nearly all) weighed
        inline: `_delta`'s float operations in its order, without its dicts."""
        new = self.scores_of([m for changes in options for m in changes.values()])  # remembered
        if any(len(c) != 2 for c in options):
            return self._best_option_each(options, min_gain)
        scores, lowest = self.scores, self._min_excluding
        inv_sum, value, count, w = self._inv_sum, self._value, len(self.scores), WORST_WEIGHT
        best_gain, best = min_gain, None
        for k, changes in enumerate(options):
            (a, _), (b, _) = changes.items()
            va, vb, oa, ob = new[2 * k], new[2 * k + 1], scores[a], scores[b]
            inv = inv_sum
            inv += 1 / (1e-6 if va < 1e-6 else va) - 1 / (1e-6 if oa < 1e-6 else oa)
            inv += 1 / (1e-6 if vb < 1e-6 else vb) - 1 / (1e-6 if ob < 1e-6 else ob)
            worst = min(lowest(changes), va, vb)
            gain = (w * worst + (1 - w) * (count / inv)) - value
            if gain > best_gain:
                best_gain, best = gain, (changes, {a: va, b: vb})
        return best

    def _best_option_each(self, options: list[dict[int, list[int]]], min_gain: float):
        best_gain, best = min_gain, None  # `_best_option` through `_delta`
        for changes in options:
            gain, new = self._delta(changes)
            if gain > best_gain:
                best_gain, best = gain, (changes, new)
        return best

    allow_bench = False

    def result(self) -> Grouping:
        pool = self.s.settle(self.groups)  # a sparse pool's estimates replaced by exact scores
        if pool is not self.s:
            self.scores = [group_score(pool, m) for m in self.groups]
        placed = {x for members in self.groups for x in members}
        unplaced = [i for i in range(self.n) if i not in placed and self.p.placeable[i]]
        return Grouping([list(m) for m in self.groups], list(self.scores), unplaced, pool=pool)


def form_networks(
    problem: Problem,
    *,
    count: int | None = None,
    min_size: int = 3,
    max_size: int = 5,
    seed: int = 0,
    max_passes: int = 6,
) -> Grouping:
    """Group the placeable firms of `problem` into networks; deterministic for a seed.

    Without `count` every placeable firm is placed when the constraints allow it (as many
    networks as an even split by the mean size gives); with `count` the best `count` networks
    are chosen and the rest of the pool stays out.
    """
    placeable = int(problem.placeable.sum()) + sum(
        1 for g in problem.locked for x in g if not problem.placeable[x]
    )
    bounded = count is not None
    if count is None:
        mean_size = (min_size + max_size) / 2
        count = max(round(placeable / mean_size), 1)
        count = min(max(count, math.ceil(placeable / max_size)), max(placeable // min_size, 1))
    count = max(count, len(problem.locked))
    search = _Search(problem, count, min_size, max_size, seed)
    search.count_is_bounded = bounded
    search.allow_bench = bounded
    search.construct()
    search.improve(max_passes=max_passes)
    return search.result()
