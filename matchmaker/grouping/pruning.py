"""Weak members out: a firm that fits its network poorly is reported, not forced in.

A whole pool partitioned into networks places every firm it can, also firms that fit no
network well (a firm with no good partner in the pool, or one that only looks like others).
Such a firm lowers its network for the others; a facilitator is better served by its name in
`unmet` than by a network it does not belong in.
"""

from __future__ import annotations

from collections.abc import Collection

from matchmaker.grouping.optimiser import Grouping, group_score
from matchmaker.grouping.pool import PoolScores

# A member stays when its mean learned pair fit (0–1) with the others is at least this. Chosen
# by pairwise F1 of the networks over the three labelled training sets (dev, train, rivals;
# bench/README.md, "Weak members"), never on the blind set.
MIN_MEMBER_FIT = 0.75


def member_fit(pool: PoolScores, members: list[int], i: int) -> float:
    """Mean pair fit of member `i` with the other members."""
    others = [j for j in members if j != i]
    return sum(float(pool.pair[i, j]) for j in others) / len(others) if others else 0.0


def prune_weak(
    grouping: Grouping,
    min_size: int,
    keep: Collection[int] = (),
    bar: float = MIN_MEMBER_FIT,
) -> tuple[Grouping, list[int]]:
    """`grouping` with its weakest members taken out, one at a time, while any fits below
    `bar`; a network left under `min_size` is dissolved. Firms in `keep` (locked) stay, and a
    network holding one is never dissolved. Returns the new grouping and the firms taken out."""
    pool = grouping.pool
    if pool is None:
        return grouping, []
    keep = set(keep)
    groups, scores, out = [], [], []
    for members in grouping.groups:
        members = list(members)
        while len(members) > 1:
            free = [i for i in members if i not in keep]
            if not free:
                break
            worst = min(free, key=lambda i: (member_fit(pool, members, i), i))
            if member_fit(pool, members, worst) >= bar:
                break
            members.remove(worst)
            out.append(worst)
        if len(members) >= min_size or keep & set(members):
            groups.append(members)
            scores.append(group_score(pool, members))
        else:
            out.extend(members)
    pruned = Grouping(groups, scores, [*grouping.unplaced, *sorted(out)], grouping.notes, pool)
    return pruned, sorted(out)
