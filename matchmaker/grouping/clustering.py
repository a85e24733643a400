"""Whole-pool networks by agglomeration: the closest firms join first, and a firm that fits no
group closely enough stays out.

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
from collections.abc import Sequence

import numpy as np

from matchmaker.grouping.optimiser import (
    MAX_KNOWLEDGE_INSTITUTIONS,
    Grouping,
    Problem,
    form_networks,
    group_score,
)

# Least mean pair fit (0–1) between two groups that merge, chosen leaving one labelled set out.
LINK = 0.75


def cluster_networks(
    problem: Problem,
    fit: np.ndarray,
    *,
    min_size: int = 3,
    max_size: int = 5,
    link: float = LINK,
) -> Grouping:
    """Networks of the placeable firms of `problem` by average-linkage agglomeration over the
    symmetric pair fit `fit` (n × n). Locked groups are not supported (use the optimiser)."""
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
        return all(forbidden_of[x].isdisjoint(mb) for x in ma)

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


def place_around_clusters(
    problem: Problem,
    fit: np.ndarray,
    *,
    min_size: int = 3,
    max_size: int = 5,
    seed: int = 0,
    max_passes: int = 6,
    link: float = LINK,
) -> Grouping:
    """Every placeable firm placed, as `optimiser.form_networks` does, around the clusters:
    the close groups `cluster_networks` finds are kept together (firms may join them), and the
    optimiser places the rest. Leaving one labelled set out this raised F1 when every firm is
    placed (bench/README.md "Networks")."""
    if problem.locked:
        raise ValueError("clustering keeps no locked groups; use optimiser.form_networks")
    cores = cluster_networks(problem, fit, min_size=min_size, max_size=max_size, link=link)
    around = dataclasses.replace(problem, locked=[list(g) for g in cores.groups])
    return form_networks(
        around, min_size=min_size, max_size=max_size, seed=seed, max_passes=max_passes
    )


def closest_fit(fit: np.ndarray, i: int, allowed: Sequence[int]) -> float:
    """The best pair fit of firm `i` with any of the firms `allowed` (0 for none): how close
    a firm left out came (its caller leaves out the firms it may not join)."""
    others = [j for j in allowed if j != i]
    return float(np.max(fit[i, others])) if others else 0.0
