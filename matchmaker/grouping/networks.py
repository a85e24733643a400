"""Proposals of 3–5-firm business networks under hard constraints, optimised as a whole.

The pipeline: a pool of consenting firms (filtered, listed or around one firm) → pair scores
(needs met by offers, profile similarity, likely competitors) → seeded greedy construction from
each firm's top-k compatible partners → local search (moves and swaps) that maximises a mix of
the weakest network's score and the harmonic mean of all network scores → a type and a reason
in words for every member → stored with `proposals.save`.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from matchmaker import matching
from matchmaker.config import Settings
from matchmaker.reference import messages, regions
from matchmaker.reference import nace as nace_codes
from matchmaker.reference.lexicon import default_lexicon
from matchmaker.reference.nace import nace_section
from matchmaker.reference.text import clauses
from matchmaker.reference.validation import InvalidInput, NotFound, Strict, text, validate
from matchmaker.store import pair_rules as stored_rules
from matchmaker.store import proposals
from matchmaker.store.profiles import decode

Region = Literal["Nordjylland", "Midtjylland", "Syddanmark", "Sjælland", "Hovedstaden"]
Kind = Literal["company", "knowledge_institution"]

MAX_KNOWLEDGE_INSTITUTIONS = 2
MAX_ID = 2**63 - 1  # SQLite's largest integer
CompanyId = Annotated[int, Field(ge=1, le=MAX_ID)]
# Weights of a network's score: needs covered, pair fit, reciprocity.
SCORE_WEIGHTS = (0.45, 0.30, 0.25)
# The objective: this share on the weakest network, the rest on the harmonic mean.
WORST_WEIGHT = 0.5
CANDIDATES = 24  # top-k compatible partners kept per firm
SWAP_OPTIONS = 8  # swaps of one member scored exactly, the most promising first
AROUND_POOL = 60  # pool size when proposing around one firm


# --------------------------------------------------------------------------------------------
# Request


class NetworkProposalIn(Strict):
    """What a facilitator asks for: a pool, how many networks, their size, and a seed."""

    company_ids: list[CompanyId] | None = Field(
        default=None, min_length=1, max_length=20_000, description="The pool; default all"
    )
    count: int | None = Field(
        default=None, ge=1, le=5_000, description="Networks to propose; default as many as fit"
    )
    min_size: int = Field(default=3, ge=2, le=10)
    max_size: int = Field(default=5, ge=2, le=10)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    region: Region | None = None
    nace: str | None = Field(default=None, description="Section letter or NACE prefix (62, 62.01)")
    kind: Kind | None = None
    theme: text(500, 1) | None = Field(default=None, description="Only firms close to this text")
    around_company_id: CompanyId | None = None
    locked: list[list[CompanyId]] = Field(
        default_factory=list, max_length=1_000, description="Groups of firms kept together"
    )
    lang: Literal["da", "en"] = Field(default="da", description="Language of the reasons")

    @field_validator("region", mode="before")
    @classmethod
    def _region(cls, value: Any) -> Any:
        if isinstance(value, str):
            found = regions.normalise(value)
            if found is None:
                raise ValueError("must be one of " + ", ".join(regions.REGIONS))
            return found
        return value

    @field_validator("nace")
    @classmethod
    def _nace(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if len(value) == 1 and value.upper().isalpha():
            if value.upper() not in {c.section for c in nace_codes.codes().values()}:
                raise ValueError(f"'{value}' is not a NACE section (A–U)")
            return value.upper()
        return nace_codes.normalise(value)

    @model_validator(mode="after")
    def _sizes(self) -> NetworkProposalIn:
        if self.min_size > self.max_size:
            raise InvalidInput(
                {"min_size": f"must not be larger than max_size ({self.max_size})"},
                "min_size is larger than max_size",
            )
        for group in self.locked:
            if not 1 <= len(group) <= self.max_size:
                raise InvalidInput(
                    {"locked": f"each locked group holds 1 to max_size ({self.max_size}) firms"}
                )
        if self.company_ids and len(self.company_ids) != len(set(self.company_ids)):
            raise InvalidInput({"company_ids": "names a firm more than once"})
        flat = [c for group in self.locked for c in group]
        if len(flat) != len(set(flat)):
            raise InvalidInput({"locked": "a firm appears in more than one locked group"})
        return self


def parse_request(data: Any) -> NetworkProposalIn:
    """A validated request, or InvalidInput naming each wrong field."""
    return validate(NetworkProposalIn, data)


# --------------------------------------------------------------------------------------------
# Pair scores over a pool


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


# --------------------------------------------------------------------------------------------
# The optimiser (pure: indexes into a pool, no store)


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
        self._candidates()

    # -- neighbourhoods -----------------------------------------------------------------------

    def _candidates(self) -> None:
        """Per firm its top-k compatible partners by pair fit; the pair-fit matrix is kept in
        half precision for cheap ranking of moves (exact scores come from `group_score`)."""
        n, k = self.n, min(CANDIDATES, max(self.n - 1, 1))
        self.forbidden_of: list[set[int]] = [set() for _ in range(n)]
        for i, j in self.forbidden:
            self.forbidden_of[i].add(j)
            self.forbidden_of[j].add(i)
        self.cand: list[list[int]] = [[] for _ in range(n)]
        self.pair_fit_ = np.empty((n, n), dtype=np.float16)
        usable = self.p.placeable.copy()
        usable[list(self.locked_firms)] = True
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
        self.cand_top_ = np.full((n, 10), -1, dtype=np.intp)
        for i, c in enumerate(self.cand):
            self.cand_top_[i, : min(10, len(c))] = c[:10]

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
        return group_score(self.s, members)

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
            strength = {i: -float(np.mean(self.pair_fit_[i, self.cand[i][:4]], dtype=np.float32))
                        if self.cand[i] else 0.0 for i in free}  # fmt: skip
            order = sorted(free, key=lambda i: (i not in required, strength[i], noise[i]))
        self._grow_all(targets, order)
        if not self.count_is_bounded:
            self._place_leftovers(order)
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
                seed = next((x for x in queue if self.group_of[x] < 0), None)
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
            fit = self.pair_fit_[np.ix_(options, members)].sum(axis=1, dtype=np.float32)
            options = [options[i] for i in np.argsort(-fit, kind="stable")[:12]]
        gains = [self.score([*members, x]) for x in options]
        return options[int(np.argmax(gains))]

    def _scan(self, members: list[int]) -> list[int]:
        """Every unplaced placeable firm compatible with `members`, best summed fit first."""
        free = np.nonzero((self.group_of < 0) & self.p.placeable)[0]
        if free.size == 0:
            return []
        fit = self.pair_fit_[np.ix_(members, free)].sum(axis=0, dtype=np.float32)
        out = []
        for pos in np.argsort(-fit, kind="stable"):
            x = int(free[pos])
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
        outsiders = np.unique(self.cand_top_[rest].ravel())
        outsiders = outsiders[outsiders >= 0]
        if outsiders.size:
            outsiders = outsiders[~np.isin(outsiders, members)]
        if outsiders.size:
            fit = self.pair_fit_
            gain = fit[np.ix_(outsiders, rest)].sum(axis=1, dtype=np.float32)
            gain -= fit[i, rest].sum(dtype=np.float32)
            keep = np.flatnonzero(gain > 0)
            order = keep[np.argsort(-gain[keep], kind="stable")]
            for x in outsiders[order].tolist():
                if len(options) >= SWAP_OPTIONS:
                    break
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
        best_gain, best = min_gain, None
        for changes in options:
            gain, new = self._delta(changes)
            if gain > best_gain:
                best_gain, best = gain, (changes, new)
        if best is None:
            return False
        self._apply(*best)
        return True

    allow_bench = False

    def result(self) -> Grouping:
        placed = {x for members in self.groups for x in members}
        unplaced = [i for i in range(self.n) if i not in placed and self.p.placeable[i]]
        return Grouping([list(m) for m in self.groups], list(self.scores), unplaced)


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


# --------------------------------------------------------------------------------------------
# Types and reasons in words

# Links of a product value chain by NACE section: raw materials, production, trade/transport.
CHAIN_STAGE = {
    "A": 0, "B": 0, "C": 1, "D": 1, "E": 1, "F": 1, "G": 2, "H": 2,
}  # fmt: skip
NETWORK_TYPES = ("vertical", "horizontal", "complementary", "congruent")


def _section(profile: Mapping) -> str | None:
    return nace_section(profile.get("nace"))


def network_type(profiles: Sequence[Mapping], scores: PoolScores, members: Sequence[int]) -> str:
    """'vertical' (needs met by offers along a value chain), 'complementary' (needs met by
    offers across trades), 'horizontal' (alike firms of one NACE section) or 'congruent'
    (alike firms across sections)."""
    cv, sv = scores.views()
    pairs = [(i, j) for a, i in enumerate(members) for j in members[a + 1 :]]
    if not pairs:
        return "complementary"
    cover = sum(max(cv[i, j], cv[j, i]) for i, j in pairs) / len(pairs)
    alike = sum(sv[i, j] for i, j in pairs) / len(pairs)
    firms = [profiles[i] for i in members if profiles[i].get("kind") != "knowledge_institution"]
    sections = [s for s in (_section(f) for f in firms) if s]
    stages = {CHAIN_STAGE[s] for s in sections if s in CHAIN_STAGE}
    dominant = max((sections.count(s) for s in set(sections)), default=0)
    one_trade = bool(sections) and dominant / len(sections) >= 0.6
    if cover >= alike:
        return "vertical" if len(stages) >= 2 else "complementary"
    return "horizontal" if one_trade else "congruent"


class Describer:
    """Reasons in words for networks of a pool: which needs the others meet, what each brings."""

    def __init__(self, profiles: Sequence[Mapping], scores: PoolScores, lang: str = "da"):
        self.profiles = profiles
        self.scores = scores
        self.lang = messages.language(lang)
        self.w = messages.table("networks", self.lang)
        self.lexicon = default_lexicon()
        self._concepts: dict[tuple[int, str], list[str]] = {}

    def concepts(self, i: int, part: str) -> list[str]:
        key = (i, part)
        if key not in self._concepts:
            self._concepts[key] = self.lexicon.concept_ids(self.profiles[i].get(part) or "")
        return self._concepts[key]

    def _names(self, rows: Sequence[int]) -> str:
        names = [self.profiles[j].get("name") or f"#{self.profiles[j].get('id')}" for j in rows]
        if len(names) <= 1:
            return "".join(names)
        return ", ".join(names[:-1]) + f" {self.w['and']} " + names[-1]

    def _labels(self, concepts: Iterable[str]) -> str:
        return ", ".join(self.lexicon.label(c, self.lang) for c in concepts)

    def member_reason(self, i: int, members: Sequence[int]) -> str:
        """Which of i's needs the others cover (and by whom), and what i brings to whom."""
        cv, _ = self.scores.views()
        others = [j for j in members if j != i]
        if not others:  # a lone locked member: nobody to cover its needs yet
            return ""
        p = self.profiles[i]
        parts = []
        needs = self.concepts(i, "needs")
        if not (p.get("needs") or "").strip():
            alike = sorted(others, key=lambda j: -self.scores.similar[i, j])[:2]
            parts.append(self.w["no_needs"].format(names=self._names(alike)))
        else:
            met: dict[str, list[int]] = {}
            for j in others:
                for c in self.concepts(j, "offers"):
                    if c in needs:
                        met.setdefault(c, []).append(j)
            if met:
                by = sorted({j for js in met.values() for j in js}, key=others.index)
                parts.append(
                    self.w["covered"].format(
                        needs=self._labels(list(met)[:3]), names=self._names(by)
                    )
                )
            else:
                best = max(others, key=lambda j: cv[i, j])
                need = _first_clause(p.get("needs") or "", clauses)
                offer = _first_clause(self.profiles[best].get("offers") or "", clauses)
                parts.append(
                    self.w["covered_plain"].format(
                        need=need, names=self._names([best]), offer=offer
                    )
                )
        # What i brings: the members whose needs i's offers meet best.
        served = [j for j in others if cv[j, i] >= 0.5] or [max(others, key=lambda j: cv[j, i])]
        offers = [c for c in self.concepts(i, "offers") if any(c in self.concepts(j, "needs")
                                                               for j in served)]  # fmt: skip
        if p.get("kind") == "knowledge_institution" and not offers:
            brings = self.w["knowledge"]
        elif offers:
            brings = self.w["brings"].format(
                offers=self._labels(offers[:3]), names=self._names(served)
            )
        elif (p.get("offers") or "").strip():
            offer = _first_clause(p.get("offers") or "", clauses)
            brings = self.w["brings_plain"].format(offer=offer, names=self._names(served))
        else:
            brings = self.w["brings_profile"].format(names=self._names(served))
        return "; ".join(parts + [brings]) + "."

    def network(self, members: Sequence[int]) -> dict[str, Any]:
        """Type, purpose and group-level reasons of one network."""
        kind = network_type(self.profiles, self.scores, members)
        sections = []
        for i in members:
            s = _section(self.profiles[i])
            if s and s not in sections:
                sections.append(s)
        purpose = self.w["purpose"][kind].format(sections=" → ".join(
            sorted(sections, key=lambda s: CHAIN_STAGE.get(s, 3))))  # fmt: skip
        reasons = []
        met = []
        for i in members:
            offered = {c for j in members if j != i for c in self.concepts(j, "offers")}
            met += [c for c in self.concepts(i, "needs") if c in offered and c not in met]
        if met:
            reasons.append(self.w["concepts"].format(labels=self._labels(met[:6])))
        markets = _shared_markets([self.profiles[i] for i in members])
        if markets:
            reasons.append(self.w["markets"].format(markets=", ".join(markets[:4])))
        return {"type": kind, "purpose": purpose, "reasons": reasons}


def _first_clause(text_: str, clauses) -> str:
    spans = clauses(text_)
    if not spans:
        return ""
    a, b = spans[0]
    words = " ".join(text_[a:b].split()).strip(" ,.;:")
    return words if len(words) <= 90 else words[:90].rsplit(" ", 1)[0] + " …"


def _shared_markets(profiles: Sequence[Mapping]) -> list[str]:
    """Markets named by at least two members, in first-seen spelling."""
    seen: dict[str, list] = {}
    for p in profiles:
        for m in {" ".join(str(x).lower().split()): x for x in p.get("markets") or []}.items():
            seen.setdefault(m[0], [m[1], 0])[1] += 1
    return [name for name, n in seen.values() if n >= 2]


# --------------------------------------------------------------------------------------------
# From the store to a stored proposal

THEME_Z = 1.0  # combined z-like similarity to the theme text a firm needs to join the pool


@dataclass
class Plan:
    """A computed proposal before it is stored: networks with members and reasons, summary."""

    request: dict[str, Any]
    networks: list[dict[str, Any]]
    worst_score: float
    harmonic_mean: float
    unmet: list[dict[str, Any]]
    pool_size: int

    def summary(self) -> dict[str, Any]:
        return {
            "worst_score": self.worst_score,
            "harmonic_mean": self.harmonic_mean,
            "unmet": self.unmet,
            "pool_size": self.pool_size,
        }


def pair_rules(db) -> dict[tuple[int, int], set[str]]:
    """Facilitator rules per pair (a < b): 'never', 'rejected', 'allow'."""
    return stored_rules.rules(db)


def _unmet_firm(profile: Mapping, code: str, **params: Any) -> dict[str, Any]:
    return {
        "company_id": profile["id"],
        "name": profile.get("name"),
        **unmet_reason(code, **params),
    }


def unmet_reason(code: str, **params: Any) -> dict[str, Any]:
    """An unmet constraint: its message record (`reasons.<code>`) and the English text."""
    record = messages.record(f"reasons.{code}", **params)
    return {"reason": messages.render_record(record, "en"), "message": record}


def invalid(field_name: str, code: str, summary: str, **params: Any) -> InvalidInput:
    """A refused request whose field message is the catalogue's `reasons.<code>`."""
    found = unmet_reason(code, **params)
    return InvalidInput(
        {field_name: found["reason"]}, summary, codes={field_name: found["message"]}
    )


def _existing(db, ids: Iterable[int]) -> dict[int, dict]:
    ids = sorted(set(ids))
    found: dict[int, dict] = {}
    for s in range(0, len(ids), 500):
        chunk = ids[s : s + 500]
        marks = ",".join("?" * len(chunk))
        for row in db.query(f"SELECT * FROM companies WHERE id IN ({marks})", chunk):
            found[row["id"]] = decode(row)
    return found


def check_known(db, field_name: str, ids: Iterable[int]) -> dict[int, dict]:
    ids = list(ids)
    found = _existing(db, ids)
    missing = [i for i in dict.fromkeys(ids) if i not in found]
    if missing:
        listed = ", ".join(str(i) for i in missing[:20]) + (" …" if len(missing) > 20 else "")
        raise invalid(field_name, "unknown_ids", "Unknown company ids", ids=listed)
    return found


def _check_consenting(db, index, field_name: str, ids: list[int]) -> None:
    """Named firms must exist and have consented, or the request is refused."""
    if not ids:
        return
    known = check_known(db, field_name, ids)
    refused = [c for c in dict.fromkeys(ids) if c not in index]
    if refused:
        names = ", ".join(f"{known[c]['name']} ({c})" for c in refused)
        raise invalid(
            field_name, "no_consent_names", "Firms without consent cannot be proposed", names=names
        )


def _theme_filter(index, ids: list[int], theme: str) -> list[int]:
    """Firms whose profile reads close to the theme text (at least the best few)."""
    if not ids:
        return ids
    encoder = index.encoder_
    query = encoder.transform([{"id": 0, "description": theme}])
    rows = [index.row_[i] for i in ids]
    stored = index.vectors_.take(rows)
    z = encoder.similarity(query, stored, "profile", "profile")[0]
    keep = [i for i, v in zip(ids, z, strict=True) if v >= THEME_Z]
    if len(keep) < 10:
        order = np.argsort(-z, kind="stable")[:10]
        keep = [ids[k] for k in sorted(order) if z[k] > 0]
    return keep


def _around(index, focal: int, ids: list[int], size: int) -> list[int]:
    """The focal firm and the firms that fit it best among `ids`."""
    others = [i for i in ids if i != focal]
    if len(others) <= size:
        return sorted({focal, *others})
    scores = matching.score_rows(index, index.rows([focal]), index.rows(others), "complementary")
    z = np.where(scores.competitor[0], -np.inf, scores.score[0])
    best = np.argsort(-z, kind="stable")[:size]
    return sorted({focal, *(others[k] for k in best)})


def plan(
    db,
    request: NetworkProposalIn,
    *,
    max_per_firm: int | None = None,
    locked: Sequence[Sequence[int]] = (),
    exclude: Iterable[int] = (),
    released: Mapping[int, int] | None = None,
    max_passes: int = 8,
) -> Plan:
    """Compute networks for a validated request without storing them.

    `locked` adds groups kept together (a re-run's locked members), `exclude` keeps firms out
    (members of accepted networks), `released` gives back memberships that are about to be
    replaced (the re-run proposal's own groups); `max_passes` bounds the local search (0: the
    greedy construction alone).
    """
    max_per_firm = (
        Settings.from_env().max_proposals_per_firm if max_per_firm is None else (max_per_firm)
    )
    index = matching.match_index(db)
    unmet: list[dict[str, Any]] = []
    exclude = set(exclude)
    locked_groups = [list(g) for g in request.locked] + [list(g) for g in locked if g]
    if request.company_ids is not None:
        known = check_known(db, "company_ids", request.company_ids)
        for cid in dict.fromkeys(request.company_ids):
            if cid not in index:
                unmet.append(_unmet_firm(known[cid], "no_consent"))
        ids = sorted({i for i in request.company_ids if i in index})
    else:
        ids = sorted(index.row_)
    if request.around_company_id is not None:
        _check_consenting(db, index, "around_company_id", [request.around_company_id])
    _check_consenting(db, index, "locked", [c for g in locked_groups for c in g])
    profiles_by_id = index.profiles_
    ids = [i for i in ids if _passes(profiles_by_id[i], request)]
    if request.theme:
        ids = _theme_filter(index, ids, request.theme)
    count = request.count
    if request.around_company_id is not None:
        focal = request.around_company_id
        ids = _around(index, focal, ids, AROUND_POOL * (count or 1))
        if not any(focal in g for g in locked_groups):
            locked_groups.insert(0, [focal])
        count = count or 1
    ids = sorted((set(ids) | {c for g in locked_groups for c in g}) - exclude)
    locked_groups = [[c for c in g if c not in exclude] for g in locked_groups]
    locked_groups = [g for g in locked_groups if g]
    # Each firm in at most `max_per_firm` stored proposals that are not rejected.
    active = dict(proposals.active_memberships(db))
    for cid, n in (released or {}).items():
        active[cid] = active.get(cid, 0) - n
    full = {i for i in ids if active.get(i, 0) >= max_per_firm}
    for cid in sorted(full):
        unmet.append(_unmet_firm(profiles_by_id[cid], "capped", n=active[cid], limit=max_per_firm))
    locked_groups = [[c for c in g if c not in full] for g in locked_groups]
    locked_groups = [g for g in locked_groups if g]
    profiles = [profiles_by_id[i] for i in ids]
    pos = {cid: k for k, cid in enumerate(ids)}
    scores = pool_scores(index, ids) if ids else PoolScores(
        np.zeros((0, 0), np.float32), np.zeros((0, 0), np.float32))  # fmt: skip
    forbidden, why = forbidden_pairs(db, ids, pos, scores)
    knowledge = np.array([p.get("kind") == "knowledge_institution" for p in profiles], dtype=bool)
    placeable = np.array([i not in full for i in ids], dtype=bool)
    locked_pos = [_check_locked(g, pos, forbidden, why, knowledge, profiles) for g in locked_groups]
    problem = Problem(scores, knowledge, forbidden, placeable, locked_pos)
    n_free = int(placeable.sum())
    if n_free < request.min_size and not locked_pos:
        unmet.append(
            {"constraint": "min_size", **unmet_reason("pool", n=n_free, min=request.min_size)}
        )
        return Plan(_request_json(request), [], 0.0, 0.0, unmet, len(ids))
    grouping = form_networks(
        problem, count=count, min_size=request.min_size, max_size=request.max_size,
        seed=request.seed,
        max_passes=max_passes,
    )  # fmt: skip
    if count is not None and len(grouping.groups) < count:
        unmet.append(
            {"constraint": "count", **unmet_reason("count", count=count, n=len(grouping.groups))}
        )
    explicit = request.company_ids is not None
    for k in grouping.unplaced:
        if count is None:
            unmet.append(
                _unmet_firm(profiles[k], "unplaced", min=request.min_size, max=request.max_size)
            )
        elif explicit:
            unmet.append(_unmet_firm(profiles[k], "not_best", count=count))
    describer = Describer(profiles, scores, request.lang)
    locked_set = {c for g in locked_groups for c in g}
    networks = []
    for members, score in zip(grouping.groups, grouping.scores, strict=True):
        network = describer.network(members)
        network["score"] = round(score, 4)
        network["members"] = [
            {
                "id": ids[i],
                "name": profiles[i].get("name"),
                "reason": describer.member_reason(i, members),
                "locked": ids[i] in locked_set,
            }
            for i in members
        ]
        networks.append(network)
    return Plan(
        _request_json(request),
        networks,
        round(grouping.worst, 4),
        round(grouping.harmonic_mean, 4),
        unmet,
        len(ids),
    )


def _passes(profile: Mapping, request: NetworkProposalIn) -> bool:
    if request.region and profile.get("region") != request.region:
        return False
    if request.kind and profile.get("kind") != request.kind:
        return False
    if request.nace:
        if len(request.nace) == 1:
            return _section(profile) == request.nace
        code = "".join(ch for ch in request.nace if ch.isdigit())
        return _digits(profile.get("nace")).startswith(code)
    return True


def _digits(code: str | None) -> str:
    return "".join(ch for ch in (code or "") if ch.isdigit())


def _request_json(request: NetworkProposalIn) -> dict[str, Any]:
    return request.model_dump(mode="json", exclude_defaults=False)


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


def _check_locked(group, pos, forbidden, why, knowledge, profiles) -> list[int]:
    rows = [pos[c] for c in group]
    for a, i in enumerate(rows):
        for j in rows[a + 1 :]:
            pair = (min(i, j), max(i, j))
            if pair in forbidden:
                raise invalid(
                    "locked", why[pair], "A locked group breaks a hard constraint",
                    a=f"{profiles[i]['name']} ({profiles[i]['id']})",
                    b=f"{profiles[j]['name']} ({profiles[j]['id']})",
                )  # fmt: skip
    if sum(bool(knowledge[i]) for i in rows) > MAX_KNOWLEDGE_INSTITUTIONS:
        raise invalid(
            "locked", "knowledge", "A locked group breaks a hard constraint",
            n=MAX_KNOWLEDGE_INSTITUTIONS,
        )  # fmt: skip
    return rows


def propose(
    db,
    data: Any,
    *,
    created_by: int | None = None,
    max_per_firm: int | None = None,
) -> dict[str, Any]:
    """Validate a request, compute the networks and store them; returns the API view."""
    request = data if isinstance(data, NetworkProposalIn) else parse_request(data)
    result = plan(db, request, max_per_firm=max_per_firm)
    stored = proposals.save(
        db, "network", result.request, result.summary(), result.networks, created_by=created_by
    )
    return view(stored)


def view(stored: Mapping[str, Any]) -> dict[str, Any]:
    """A stored network proposal in the API's shape."""
    if stored.get("kind") != "network":
        raise NotFound(f"No network proposal with id {stored.get('id')}")
    return {
        "id": stored["id"],
        "networks": [network_view(g) for g in stored["groups"]],
        "worst_score": stored.get("worst_score"),
        "harmonic_mean": stored.get("harmonic_mean"),
        "unmet": stored.get("unmet", []),
        "request": stored.get("request"),
        "created_at": stored.get("created_at"),
    }


def network_view(group: Mapping[str, Any]) -> dict[str, Any]:
    """A stored network group in the API's shape."""
    return {
        "id": group["id"],
        "proposal_id": group.get("proposal_id"),
        "status": group.get("status", "proposed"),
        "type": group.get("type"),
        "score": group.get("score"),
        "purpose": group.get("purpose"),
        "reasons": group.get("reasons", []),
        "members": [
            {
                "id": m.get("id"),
                "name": m.get("name"),
                "reason": m.get("reason"),
                "locked": bool(m.get("locked")),
            }
            for m in group.get("members", [])
        ],
    }


def stored_id(value: int, what: str) -> int:
    """`value` if it can be a stored id, else NotFound (SQLite integers stop at 2**63 - 1)."""
    if not 0 <= value <= MAX_ID:
        raise NotFound(f"No {what} with id {value}")
    return value


def get_proposal(db, proposal_id: int) -> dict[str, Any]:
    """A stored network proposal (API view), or NotFound."""
    return view(proposals.get_proposal(db, stored_id(proposal_id, "proposal")))


def get_network(db, group_id: int) -> dict[str, Any]:
    """A stored network (API view), or NotFound."""
    group = proposals.get_group(db, stored_id(group_id, "network"))
    if group["kind"] != "network":
        raise NotFound(f"No network with id {group_id}")
    return network_view(group)
