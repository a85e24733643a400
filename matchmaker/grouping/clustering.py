"""Whole-pool networks by agglomeration: the closest firms join first, and a firm that fits no
group closely enough stays out.

The fits are first set to the level at which the pair scorer reads a labelled set it was not
fitted on (`network_fit`, `fit_level`): a pool whose fits all run lower or higher (text written
by someone else) gives the same networks. The link is relative to the firms (`relative_fit`: a
pair's fit over the geometric mean of the two firms' best fits); then a firm left out joins the
group it fits best when it and one of the group's members are among each other's closest
matches (`attach_leftovers`). Leaving one labelled set out, with the fits as scored and with
every fit's log-odds lowered or raised by 1, this kept pairwise F1 where the relative link alone
lost it (bench/network_loso.py --cluster --level 0 1 --shifts 0 -1 1, bench/README.md
"Networks").

Known networks are groups whose members all fit each other, not a partition of the pool: in the
labelled sets about a third of the firms belong to none. Merging the two groups with the highest
mean pair fit between their members (average linkage), while that mean is at least `LINK` and
the network's hard constraints hold (no forbidden pair, at most `MAX_KNOWLEDGE_INSTITUTIONS`
knowledge institutions, at most `max_size` firms), forms such groups directly; groups that end
below `min_size` leave their firms unplaced. Leaving one labelled set out this raised pairwise F1
over the optimiser's partition with weak members pruned (bench/network_loso.py --cluster,
bench/README.md "Networks").

Pure: pool positions in, groups out; no store. Deterministic (ties go to the lower positions).
"""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Mapping, Sequence

import numpy as np

from matchmaker.grouping import fit_level, pool
from matchmaker.grouping.optimiser import (
    MAX_KNOWLEDGE_INSTITUTIONS,
    Grouping,
    Problem,
    form_networks,
    group_score,
)

# Least mean relative pair fit (0–1, `relative_fit`) between two groups that merge.
LINK = 0.8
# A firm left out joins a group when its mean relative fit with the members is at least this
# and it and a member are among each other's `MUTUAL_TOP` closest matches.
ATTACH = 0.6
MUTUAL_TOP = 2
# (all three chosen with the fits at the labelled sets' level, `network_fit`, leaving one
# labelled set out: bench/network_loso.py --cluster --level 1)
# The close groups a list of firms (every firm placed) is placed around: the link and attach
# bar of the previous pass on the fit as scored (no level), which kept more labelled rival pairs
# apart there than the whole pool's (bench/network_loso.py --place-all).
CORE_LINK = 0.75
CORE_ATTACH = 0.7


def network_fit(
    problem: Problem, profiles: Sequence[Mapping], level: float | None = fit_level.FIT_LEVEL
) -> np.ndarray:
    """The fit networks of a dense pool are formed on: the learned pair fit moved to `level`
    (`fit_level.level_shift` over the pairs that may share a network; None: as scored), then
    the likely rivals among look-alikes (`pool.rival_penalised_fit`; look-alikes written in two
    languages count as likely rivals) and pairs of one trade in one region
    (`pool.penalise_same_trade`) penalised. `profiles`: the pool's firms in order."""
    shift = 0.0
    if level is not None:
        learned = pool.learned_fit(problem.scores)
        shift = fit_level.level_shift(learned, allowed_pairs(problem), level)
    languages = [p.get("language") for p in profiles]
    fit = pool.rival_penalised_fit(problem.scores, shift=shift, languages=languages)
    return pool.penalise_same_trade(fit, profiles)


def best_fits(fit: np.ndarray, allowed: np.ndarray | None = None) -> np.ndarray:
    """Each firm's best pair fit with the firms `allowed` (a boolean n × n mask; all for
    None), 0 for a firm with none."""
    rows = np.asarray(fit, dtype=np.float32)
    if allowed is not None:
        rows = np.where(allowed, rows, 0.0)
    best = rows.max(axis=1) if rows.size else np.zeros(0, np.float32)
    return np.maximum(best, 0.0)


def relative_fit(fit: np.ndarray, allowed: np.ndarray | None = None) -> np.ndarray:
    """Pair fit relative to the two firms: `fit[i, j] / sqrt(best_i × best_j)` (capped at 1;
    0 when either has no fit), where best is each firm's best fit (`best_fits`). A pair that is
    the best match of both reads 1 however high their fits run."""
    best = best_fits(fit, allowed)
    scale = np.sqrt(np.outer(best, best))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(scale > 0, np.asarray(fit, dtype=np.float32) / scale, 0.0)
    out = np.minimum(out, 1.0).astype(np.float32)
    np.fill_diagonal(out, 0.0)
    return out


def cluster_networks(
    problem: Problem,
    fit: np.ndarray,
    *,
    min_size: int = 3,
    max_size: int = 5,
    link: float = LINK,
    weakest: float | None = None,
) -> Grouping:
    """Networks of the placeable firms of `problem` by average-linkage agglomeration over the
    symmetric pair fit `fit` (n × n). With `weakest`, a merge is refused when a member of the
    merged group would fit the others less than `weakest` on average (the group stops growing
    before it takes in a firm only some members fit). Locked groups are not supported (use
    the optimiser)."""
    if problem.locked:
        raise ValueError("clustering keeps no locked groups; use optimiser.form_networks")
    n = problem.scores.n
    placeable = [bool(x) for x in problem.placeable]
    forbidden_of: list[set[int]] = [set() for _ in range(n)]
    for i, j in problem.forbidden:
        forbidden_of[i].add(j)
        forbidden_of[j].add(i)
    rows = fit.tolist()
    near: list[list[int]] = [[] for _ in range(n)]
    heap: list[tuple] = []
    ii, jj = np.nonzero(np.triu(np.asarray(fit) >= link, 1))
    for i, j in zip(ii.tolist(), jj.tolist(), strict=True):
        if placeable[i] and placeable[j] and j not in forbidden_of[i]:
            near[i].append(j)
            near[j].append(i)
            heap.append((-rows[i][j], i, j, 0, 0))
    heapq.heapify(heap)
    members = {i: [i] for i in range(n) if placeable[i]}
    group_of = list(range(n))
    version = [0] * n
    knowledge = [int(bool(x)) for x in problem.knowledge]

    def joinable(a: int, b: int) -> bool:
        ma, mb = members[a], members[b]
        if len(ma) + len(mb) > max_size:
            return False
        if sum(knowledge[x] for x in ma) + sum(knowledge[x] for x in mb) > (
            MAX_KNOWLEDGE_INSTITUTIONS
        ):
            return False
        if not all(forbidden_of[x].isdisjoint(mb) for x in ma):
            return False
        return weakest is None or weakest_fit(rows, ma + mb) >= weakest

    while heap:
        _, a, b, va, vb = heapq.heappop(heap)
        if a not in members or b not in members or version[a] != va or version[b] != vb:
            continue
        if not joinable(a, b):
            continue  # groups only grow: never joinable again
        a, b = min(a, b), max(a, b)
        for x in members[b]:
            group_of[x] = a
        members[a] += members.pop(b)
        version[a] += 1
        grown = members[a]
        for c in sorted({group_of[y] for x in grown for y in near[x]} - {a}):
            other = members[c]
            mean = sum(rows[x][y] for x in grown for y in other) / (len(grown) * len(other))
            if mean >= link:
                lo, hi = min(a, c), max(a, c)
                heapq.heappush(heap, (-mean, lo, hi, version[lo], version[hi]))
    groups = sorted(sorted(m) for m in members.values() if len(m) >= min_size)
    placed = {x for g in groups for x in g}
    unplaced = [i for i in range(n) if placeable[i] and i not in placed]
    scores = [group_score(problem.scores, g) for g in groups]
    return Grouping(groups, scores, unplaced, pool=problem.scores)


def weakest_fit(rows: Sequence[Sequence[float]], members: Sequence[int]) -> float:
    """The least mean fit of a member with the other members (`rows[i][j]`: pair fits)."""
    if len(members) < 2:
        return 1.0
    return min(sum(rows[x][y] for y in members if y != x) / (len(members) - 1) for x in members)


def attach_leftovers(
    problem: Problem,
    fit: np.ndarray,
    relative: np.ndarray,
    found: Grouping,
    *,
    max_size: int = 5,
    bar: float = ATTACH,
    top: int = MUTUAL_TOP,
) -> Grouping:
    """`found` with firms it left out joined to its groups: each time the best of the
    (firm, group) pairs where the group has room and the hard constraints hold, the firm's mean
    `relative` fit with the members is at least `bar` and the firm and a member are among each
    other's `top` closest matches by `fit` (among placeable firms). Deterministic (ties go to the
    lower positions)."""
    n = problem.scores.n
    left = sorted(found.unplaced)
    if not left or not found.groups or top <= 0:
        return found
    closest = closest_matches(fit, problem.placeable, top)
    forbidden_of: list[set[int]] = [set() for _ in range(n)]
    for i, j in problem.forbidden:
        forbidden_of[i].add(j)
        forbidden_of[j].add(i)
    mutual = [[j for j in closest[i] if i in closest[j]] for i in range(n)]
    knowledge = [int(bool(x)) for x in problem.knowledge]
    groups = [list(g) for g in found.groups]
    group_of = {x: k for k, g in enumerate(groups) for x in g}
    rows = relative.tolist()
    while left:
        best: tuple[float, int, int] | None = None
        for i in left:
            for k in sorted({group_of[j] for j in mutual[i] if j in group_of}):
                g = groups[k]
                if len(g) >= max_size or not forbidden_of[i].isdisjoint(g):
                    continue
                if knowledge[i] + sum(knowledge[x] for x in g) > MAX_KNOWLEDGE_INSTITUTIONS:
                    continue
                mean = sum(rows[i][x] for x in g) / len(g)
                if mean >= bar and (best is None or mean > best[0]):
                    best = (mean, i, k)
        if best is None:
            break
        _, i, k = best
        groups[k] = sorted(groups[k] + [i])
        group_of[i] = k
        left.remove(i)
    scores = [group_score(problem.scores, g) for g in groups]
    return Grouping(groups, scores, left, pool=problem.scores)


def closest_matches(fit: np.ndarray, placeable: np.ndarray, top: int) -> list[set[int]]:
    """Each firm's `top` closest matches by `fit` among the other placeable firms (ties go to
    the lower positions)."""
    n = fit.shape[0]
    ranked = np.where(np.asarray(placeable, dtype=bool)[None, :], fit, -np.inf)
    ranked = ranked.astype(np.float32)
    np.fill_diagonal(ranked, -np.inf)
    if n == 0 or top <= 0:
        return [set() for _ in range(n)]
    k = min(top, n) - 1
    kth = np.partition(ranked, n - 1 - k, axis=1)[:, n - 1 - k]  # each row's top-th value
    out = []
    for i in range(n):
        row = ranked[i]
        candidates = np.flatnonzero((row >= kth[i]) & np.isfinite(row))
        order = np.lexsort((candidates, -row[candidates]))[:top]
        out.append(set(candidates[order].tolist()))
    return out


def close_networks(
    problem: Problem,
    fit: np.ndarray,
    *,
    min_size: int = 3,
    max_size: int = 5,
    link: float = LINK,
    bar: float = ATTACH,
    top: int = MUTUAL_TOP,
    whole: bool = True,
) -> Grouping:
    """The networks of a whole pool: `cluster_networks` over the `relative_fit` of `fit`
    (among placeable firms, forbidden pairs excluded from each firm's best; with `whole`, every
    member of a merged group fits the others at least `link` on average), then
    `attach_leftovers`. Firms no group took in stay in `unplaced`."""
    relative = relative_fit(fit, allowed_pairs(problem))
    found = cluster_networks(
        problem, relative, min_size=min_size, max_size=max_size, link=link,
        weakest=link if whole else None,
    )  # fmt: skip
    return attach_leftovers(problem, fit, relative, found, max_size=max_size, bar=bar, top=top)


def allowed_pairs(problem: Problem) -> np.ndarray:
    """n × n: the pairs of placeable firms that may share a network (not forbidden)."""
    placeable = np.asarray(problem.placeable, dtype=bool)
    allowed = placeable[:, None] & placeable[None, :]
    for i, j in problem.forbidden:
        allowed[i, j] = allowed[j, i] = False
    np.fill_diagonal(allowed, False)
    return allowed


def place_around_clusters(
    problem: Problem,
    fit: np.ndarray,
    *,
    min_size: int = 3,
    max_size: int = 5,
    seed: int = 0,
    max_passes: int = 6,
    cores: Grouping | None = None,
) -> Grouping:
    """Every placeable firm placed, as `optimiser.form_networks` does, around the clusters:
    the close groups `cores` (by default `close_networks` of `fit` at `CORE_LINK` and
    `CORE_ATTACH`) are kept together (firms may join them), and the optimiser places the rest.
    Leaving one labelled set out this raised F1 when every firm is placed (bench/README.md
    "Networks")."""
    if problem.locked:
        raise ValueError("clustering keeps no locked groups; use optimiser.form_networks")
    if cores is None:
        cores = close_networks(
            problem, fit, min_size=min_size, max_size=max_size, link=CORE_LINK, bar=CORE_ATTACH,
            whole=False,
        )  # fmt: skip
    around = dataclasses.replace(problem, locked=[list(g) for g in cores.groups])
    return form_networks(
        around, min_size=min_size, max_size=max_size, seed=seed, max_passes=max_passes
    )


def closest_fit(fit: np.ndarray, i: int, allowed: Sequence[int]) -> float:
    """The best pair fit of firm `i` with any of the firms `allowed` (0 for none): how close
    a firm left out came (its caller leaves out the firms it may not join)."""
    others = [j for j in allowed if j != i]
    return float(np.max(fit[i, others])) if others else 0.0
