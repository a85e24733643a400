"""Weak members out: a firm that fits its network poorly is reported, not forced in.

A whole pool partitioned into networks would place every firm it can, also firms that fit no
network well (a firm with no good partner in the pool, or one that only looks like others).
Such a firm lowers its network for the others; a facilitator is better served by its name in
`unmet`, with why and how to place it, than by a network it does not belong in.

When weak firms may stay out (`networks.plan`): a proposal over the whole pool (no
`company_ids`, no `count`, no design, not around one firm) of at least `MIN_POOL` placeable
firms, unless the request says `place_all: true`; `place_all: false` asks for it on any pool
without `count`. Such a pool is clustered (`grouping.clustering`: a firm no close group takes in
stays out) unless it is sparse (over `matching.MAX_POOL` firms) or holds locked groups; then the
optimiser's partition is pruned here.
"""

from __future__ import annotations

from collections.abc import Collection

from matchmaker.grouping.optimiser import Grouping, group_score
from matchmaker.grouping.pool import PoolScores

# A member stays when its mean learned pair fit (0–1) with the others is at least this. Chosen
# by pairwise F1 of the networks leaving one labelled set out (dev, train, rivals; scorer fitted
# on the other two; bench/network_loso.py, bench/README.md "Networks"), never on the blind set.
MIN_MEMBER_FIT = 0.75
# Smaller pools place every firm they can: a facilitator who hands over a few dozen firms
# expects to see each of them in a network (about ten networks of 3–5).
MIN_POOL = 40


def member_fit(pool: PoolScores, members: list[int], i: int) -> float:
    """Mean pair fit of member `i` with the other members."""
    others = [j for j in members if j != i]
    return sum(float(pool.pair[i, j]) for j in others) / len(others) if others else 0.0


def prune_weak(
    grouping: Grouping,
    min_size: int,
    keep: Collection[int] = (),
    bar: float = MIN_MEMBER_FIT,
) -> tuple[Grouping, dict[int, float | None]]:
    """`grouping` with its weakest members taken out, one at a time, while any fits below
    `bar`; a network left under `min_size` is dissolved. Firms in `keep` (locked) stay, and a
    network holding one is never dissolved. Returns the new grouping and the firms taken out,
    each with its mean fit in the network it left (None: it fitted, but its network was left
    with too few members)."""
    pool = grouping.pool
    if pool is None:
        return grouping, {}
    keep = set(keep)
    groups, scores = [], []
    out: dict[int, float | None] = {}
    for members in grouping.groups:
        members = list(members)
        while len(members) > 1:
            free = [i for i in members if i not in keep]
            if not free:
                break
            worst = min(free, key=lambda i: (member_fit(pool, members, i), i))
            fit = member_fit(pool, members, worst)
            if fit >= bar:
                break
            members.remove(worst)
            out[worst] = fit
        if len(members) >= min_size or keep & set(members):
            groups.append(members)
            scores.append(group_score(pool, members))
        else:  # too few left for a network: they go too, without a weak fit of their own
            out.update(dict.fromkeys(members))
    unplaced = sorted({*grouping.unplaced, *out})
    return Grouping(groups, scores, unplaced, grouping.notes, pool), out
