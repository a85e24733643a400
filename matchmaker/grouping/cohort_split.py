"""The cohort split (pure: positions into the respondents, no store): respondents into cohorts
of given sizes that maximise the affinity within each cohort, competitors apart where the sizes
allow. A seeded, size-constrained local search; the same seed gives the same split.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from matchmaker.grouping.refusals import unmet_reason

COMPETITOR_PENALTY = 50.0  # affinity lost by a competitor pair in one cohort


def standardised(similarity: np.ndarray) -> np.ndarray:
    """Pair similarities as standard scores over the off-diagonal pairs (0 for fewer than 3)."""
    sim = np.asarray(similarity, dtype=np.float64)
    n = sim.shape[0]
    if n < 3:
        return np.zeros_like(sim)
    off = sim[~np.eye(n, dtype=bool)]
    return (sim - off.mean()) / (off.std() or 1.0)


def combined(parts: Mapping[str, np.ndarray], weights: Mapping[str, float]) -> np.ndarray:
    """The weighted sum of the standardised pair similarities of `parts`."""
    total = sum(weights.get(name, 0.0) for name in parts) or 1.0
    n = next(iter(parts.values())).shape[0]
    out = np.zeros((n, n))
    for name, sim in parts.items():
        w = weights.get(name, 0.0)
        if w:
            out += w / total * standardised(sim)
    return out


@dataclass
class CohortProblem:
    """Respondents as positions: pair affinity (higher is more alike) and competitor pairs."""

    affinity: np.ndarray  # n × n, symmetric
    competitors: set[tuple[int, int]] = field(default_factory=set)

    @property
    def n(self) -> int:
        return self.affinity.shape[0]

    def penalised(self) -> np.ndarray:
        a = np.array(self.affinity, dtype=np.float64)
        for i, j in self.competitors:
            a[i, j] = a[j, i] = a[i, j] - COMPETITOR_PENALTY
        np.fill_diagonal(a, 0.0)
        return a


def plan_sizes(n: int, min_size: int, max_size: int) -> tuple[list[int], list[dict]]:
    """Cohort sizes within the bounds, as even as possible, that place every respondent when
    the bounds allow; when they do not (23 respondents in cohorts of exactly 7), as many full
    cohorts of `max_size` as `min_size` allows, the rest left out, with a note saying so.
    Fewer respondents than `min_size` make one smaller cohort (noted too)."""
    if n == 0:
        return [], []
    k = math.ceil(n / max_size)
    base, extra = divmod(n, k)
    sizes = [base + 1] * extra + [base] * (k - extra)
    if sizes[-1] >= min_size:
        return sizes, []
    if n < min_size:
        return [n], [unmet_reason("too_few_respondents", n=n, min=min_size, max=max_size)]
    k = n // min_size  # the most cohorts of at least min_size; all full, since n > k * max_size
    sizes = [max_size] * k
    placed = sum(sizes)
    note = unmet_reason(
        "respondents_left_out", n=n, min=min_size, max=max_size, cohorts=k, placed=placed,
        left=n - placed,
    )  # fmt: skip
    return sizes, [note]


def split(problem: CohortProblem, sizes: Sequence[int], seed: int = 0, n_init: int = 8):
    """Assign respondents to cohorts of exactly `sizes`, maximising within-cohort affinity.

    From `n_init` seeded starts (farthest-point seeds, a greedy fill in order of regret, then
    pair swaps until no swap helps) the split with the highest total affinity wins. Returns
    the cohort of each respondent (array of cohort numbers). When `sizes` hold fewer than all
    respondents, the respondents are first split over as many cohorts, then each cohort's
    least alike members (competitors first) are left out, as -1, until it has its size.
    """
    n, k = problem.n, len(sizes)
    a = problem.penalised()
    if sum(sizes) < n:
        base, extra = divmod(n, k)
        full = [base + 1] * extra + [base] * (k - extra)
        return _trimmed(a, split(problem, full, seed, n_init), sorted(sizes, reverse=True))
    if k <= 1:
        return np.zeros(n, dtype=np.intp)
    best, best_value = None, -np.inf
    for rng in np.random.default_rng(seed).spawn(n_init):
        label = _one_split(a, sizes, rng)
        value = sum(a[np.ix_(m, m)].sum() for m in (np.flatnonzero(label == c) for c in range(k)))
        if value > best_value + 1e-9:
            best, best_value = label, value
    return best


def _trimmed(a: np.ndarray, label: np.ndarray, sizes: Sequence[int]) -> np.ndarray:
    """`label` with each cohort cut to its size (the largest cohort to the largest size): the
    member least alike to the others of its cohort leaves first, one at a time, as -1."""
    label = label.copy()
    by_count = sorted(range(len(sizes)), key=lambda c: (-int((label == c).sum()), c))
    for c, size in zip(by_count, sizes, strict=True):
        while (members := np.flatnonzero(label == c)).size > size:
            block = a[np.ix_(members, members)]
            label[members[int(np.argmin(block.sum(axis=1)))]] = -1
    return label


def _one_split(a: np.ndarray, sizes: Sequence[int], rng, max_passes: int = 50) -> np.ndarray:
    n, k = a.shape[0], len(sizes)
    # Seeds: a random first respondent, then each next the least alike to those chosen.
    seeds = [int(rng.integers(n))]
    while len(seeds) < k:
        closeness = a[:, seeds].max(axis=1)
        closeness[seeds] = np.inf
        seeds.append(int(np.argmin(closeness)))
    label = np.full(n, -1, dtype=np.intp)
    room = np.array(sizes, dtype=np.intp)
    for c, s in enumerate(seeds):
        label[s] = c
        room[c] -= 1
    # Greedy fill: the respondent with the most to lose goes first to its best open cohort.
    sums = np.zeros((n, k))
    for c, s in enumerate(seeds):
        sums[:, c] += a[:, s]
    counts = np.ones(k)
    while (label < 0).any():
        free = np.flatnonzero(label < 0)
        mean = sums[free] / counts
        mean[:, room <= 0] = -np.inf
        order = np.sort(mean, axis=1)
        regret = order[:, -1] - (order[:, -2] if k > 1 else 0)
        regret[~np.isfinite(regret)] = np.inf
        pick = free[int(np.argmax(regret + rng.random(free.size) * 1e-9))]
        c = int(np.argmax(np.where(room > 0, sums[pick] / counts, -np.inf)))
        label[pick] = c
        room[c] -= 1
        counts[c] += 1
        sums[:, c] += a[:, pick]
    return _swap_search(a, label, k, max_passes)


def _swap_search(a: np.ndarray, label: np.ndarray, k: int, max_passes: int) -> np.ndarray:
    """Best-improvement pair swaps (sizes stay fixed) until none raises the total affinity."""
    n = len(label)
    onehot = np.zeros((n, k))
    onehot[np.arange(n), label] = 1.0
    s = a @ onehot  # s[i, c]: affinity of i to the members of cohort c
    for _ in range(max_passes * n):
        own = s[np.arange(n), label]
        # Gain of swapping i and j: s[i, cj] - s[i, ci] + s[j, ci] - s[j, cj] - 2 a[i, j]
        to_other = s[:, label]  # [i, j] = s[i, c_j]
        gain = (to_other - own[:, None]) + (to_other.T - own[None, :]) - 2 * a
        gain[label[:, None] == label[None, :]] = -np.inf
        i, j = np.unravel_index(int(np.argmax(gain)), gain.shape)
        if gain[i, j] <= 1e-9:
            break
        ci, cj = label[i], label[j]
        s[:, ci] += a[:, j] - a[:, i]
        s[:, cj] += a[:, i] - a[:, j]
        label[i], label[j] = cj, ci
    return label
