"""Facilitators' decisions as the learning stage reads them: accepted and rejected networks,
swaps, 'never together' rules and recorded outcomes, each as the pairs of firms it judged.

The store keeps the facts (which firms, which decision); which facts count as positive or
negative training pairs is the learning stage's choice (`matching.learning`). A swap is the one
decision the proposal tables forget (the group keeps only its new members), so it is logged
here with the members that stayed; an erased firm's swaps go with it (a trigger).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import sqlite_utils

# Kinds of evidence about a pair, as `pair_decisions` yields them.
KINDS = ("never", "formed", "not_formed", "accepted", "swapped_in", "swapped_out", "rejected")


@dataclass(frozen=True)
class PairDecision:
    """One decision's word on one pair of firms (a < b); `source` names the decision (pairs of
    one network share it), so that a check on held-out decisions holds out whole decisions."""

    a: int
    b: int
    kind: str
    source: str
    at: str | None = None


def migrate(db: sqlite_utils.Database) -> None:
    """The swap log and the trigger that erases a deleted firm's swaps."""
    db["swaps"].create(
        {"id": int, "group_id": int, "out_id": int, "in_id": int, "created_by": int,
         "created_at": str},
        pk="id", not_null={"group_id", "out_id", "in_id", "created_at"}, if_not_exists=True,
    )  # fmt: skip
    db["swap_kept"].create(
        {"swap_id": int, "company_id": int},
        pk=("swap_id", "company_id"),
        foreign_keys=[("swap_id", "swaps", "id")],
        if_not_exists=True,
    )
    db.execute(
        "CREATE TRIGGER IF NOT EXISTS swaps_company_gone AFTER DELETE ON companies BEGIN "
        "DELETE FROM swap_kept WHERE company_id = OLD.id OR swap_id IN "
        "(SELECT id FROM swaps WHERE out_id = OLD.id OR in_id = OLD.id); "
        "DELETE FROM swaps WHERE out_id = OLD.id OR in_id = OLD.id; END"
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def record_swap(
    db: sqlite_utils.Database,
    group_id: int,
    out_id: int,
    in_id: int,
    kept: Iterable[int],
    *,
    created_by: int | None = None,
) -> int:
    """Log a swap done on a network: `out_id` left, `in_id` joined, `kept` stayed (one
    transaction); returns the swap's id."""
    kept = sorted({c for c in kept if c is not None and c not in (out_id, in_id)})
    with db.atomic():
        swap_id = (
            db["swaps"]
            .insert(
                {
                    "group_id": group_id,
                    "out_id": out_id,
                    "in_id": in_id,
                    "created_by": created_by,
                    "created_at": _now(),
                }
            )  # fmt: skip
            .last_pk
        )
        db["swap_kept"].insert_all({"swap_id": swap_id, "company_id": c} for c in kept)
    return swap_id


def _pairs(ids: Iterable[int]) -> Iterator[tuple[int, int]]:
    return itertools.combinations(sorted(set(ids)), 2)


def _ordered(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _network_members(db: sqlite_utils.Database, status: str) -> dict[int, list[int]]:
    """Members of the network groups with a status, by group id."""
    rows = db.execute(
        "SELECT g.id, m.company_id FROM proposal_groups g JOIN proposals p ON p.id = g.proposal_id "
        "JOIN group_members m ON m.group_id = g.id WHERE p.kind = 'network' AND g.status = ? "
        "AND m.company_id IS NOT NULL ORDER BY g.id",
        [status],
    ).fetchall()
    out: dict[int, list[int]] = {}
    for group_id, company_id in rows:
        out.setdefault(group_id, []).append(company_id)
    return out


def _latest_outcomes(db: sqlite_utils.Database) -> list[tuple[int, bool, str]]:
    """(group id, formed, when) of the newest report of each accepted network."""
    return [
        (g, bool(f), at)
        for g, f, at in db.execute(
            "SELECT o.group_id, o.formed, o.created_at FROM outcomes o "
            "JOIN proposal_groups g ON g.id = o.group_id WHERE g.status = 'accepted' AND o.id = "
            "(SELECT max(id) FROM outcomes WHERE group_id = o.group_id) ORDER BY o.group_id"
        ).fetchall()
    ]


def pair_decisions(db: sqlite_utils.Database) -> list[PairDecision]:
    """Every pair some decision judged, once per decision: 'never' rules, the newest outcome
    of each accepted network (formed or not) over its members, accepted networks, swaps (the
    firm that joined with those that stayed, the firm that left with them) and the pairs of
    rejected networks (their 'rejected' records, which outlive a discarded proposal)."""
    out: list[PairDecision] = []
    for a, b, at in db.execute(
        "SELECT a_id, b_id, created_at FROM pair_rules WHERE rule = 'never'"
    ).fetchall():
        out.append(PairDecision(*_ordered(a, b), "never", f"never:{a}-{b}", at))
    accepted = _network_members(db, "accepted")
    for group_id, formed, at in _latest_outcomes(db):
        for a, b in _pairs(accepted.get(group_id, [])):
            kind = "formed" if formed else "not_formed"
            out.append(PairDecision(a, b, kind, f"network:{group_id}", at))
    for group_id, members in accepted.items():
        out += [PairDecision(a, b, "accepted", f"network:{group_id}") for a, b in _pairs(members)]
    kept: dict[int, list[int]] = {}
    for swap_id, company_id in db.execute("SELECT swap_id, company_id FROM swap_kept"):
        kept.setdefault(swap_id, []).append(company_id)
    for swap_id, out_id, in_id, at in db.execute(
        "SELECT id, out_id, in_id, created_at FROM swaps ORDER BY id"
    ).fetchall():
        for other in kept.get(swap_id, []):
            source = f"swap:{swap_id}"
            out.append(PairDecision(*_ordered(in_id, other), "swapped_in", source, at))
            out.append(PairDecision(*_ordered(out_id, other), "swapped_out", source, at))
    # A rejection writes its pairs' records at once; the network may be gone since.
    rejected_in: dict[tuple[int, int], int] = {}
    for group_id, members in _network_members(db, "rejected").items():
        for pair in _pairs(members):
            rejected_in.setdefault(pair, group_id)
    for a, b, at in db.execute(
        "SELECT a_id, b_id, created_at FROM pair_rules WHERE rule = 'rejected'"
    ).fetchall():
        pair = _ordered(a, b)
        group_id = rejected_in.get(pair)
        source = f"network:{group_id}" if group_id is not None else f"rejected:{at}"
        out.append(PairDecision(*pair, "rejected", source, at))
    return out


def counts(db: sqlite_utils.Database) -> dict[str, int]:
    """How many decisions of each kind the store holds (networks, swaps, rules, outcomes)."""

    def one(sql: str) -> int:
        return int(db.execute(sql).fetchone()[0])

    network = (
        "SELECT count(*) FROM proposal_groups g JOIN proposals p ON p.id = g.proposal_id "
        "WHERE p.kind = 'network' AND g.status = '{}'"
    )
    return {
        "accepted_networks": one(network.format("accepted")),
        "rejected_networks": one(network.format("rejected")),
        "swaps": one("SELECT count(*) FROM swaps"),
        "never_pairs": one("SELECT count(*) FROM pair_rules WHERE rule = 'never'"),
        "outcomes": len(_latest_outcomes(db)),
    }
