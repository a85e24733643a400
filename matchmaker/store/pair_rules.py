"""Facilitators' pair rules as the matching and grouping stages read them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

PairRules = dict[tuple[int, int], set[str]]


def rules(db, ids: Iterable[int] | None = None) -> PairRules:
    """Rules ('never', 'allow', 'rejected') per ordered pair (a < b), for pairs touching `ids`
    (all if None)."""
    if db is None:
        return {}
    if ids is None:
        rows = db.execute("SELECT a_id, b_id, rule FROM pair_rules").fetchall()
    else:
        ids = sorted(set(ids))
        rows = []
        for s in range(0, len(ids), 400):
            chunk = ids[s : s + 400]
            marks = ",".join("?" * len(chunk))
            rows += db.execute(
                f"SELECT a_id, b_id, rule FROM pair_rules WHERE a_id IN ({marks}) "
                f"OR b_id IN ({marks})",
                chunk + chunk,
            ).fetchall()
    out: PairRules = {}
    for a, b, rule in rows:
        out.setdefault((min(a, b), max(a, b)), set()).add(rule)
    return out


def of_pair(found: Mapping, a: int, b: int) -> set[str]:
    """The rules of one pair in a `rules` answer."""
    return found.get((min(a, b), max(a, b)), set())
