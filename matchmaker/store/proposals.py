"""Stored proposals (network or cohort runs) and their groups, as facilitators review them."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlite_utils

from matchmaker.reference.validation import Conflict, NotFound

KINDS = ("network", "cohort", "consortium")
STATUSES = ("proposed", "accepted", "rejected")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def save(
    db: sqlite_utils.Database,
    kind: str,
    request: dict[str, Any],
    summary: dict[str, Any],
    groups: list[dict[str, Any]],
    *,
    created_by: int | None = None,
    masterclass_id: int | None = None,
) -> dict[str, Any]:
    """Store one run with its groups in one transaction; returns it as `get_proposal` does.

    A network group is {"type", "score", "purpose"?, "members": [{"id", "name", "reason",
    "locked"?}], ...}; a cohort group is {"coherence", "themes", "members": [{"response_id",
    "company", "company_id"?}], ...}. Extra keys are kept.
    """
    assert kind in KINDS
    with db.atomic():
        proposal_id = (
            db["proposals"]
            .insert(
                {
                    "kind": kind,
                    "masterclass_id": masterclass_id,
                    "request": json.dumps(request, ensure_ascii=False),
                    "summary": json.dumps(summary, ensure_ascii=False),
                    "created_by": created_by,
                    "created_at": _now(),
                }
            )
            .last_pk
        )
        for ordinal, group in enumerate(groups, start=1):
            _insert_group(db, proposal_id, ordinal, group)
    return get_proposal(db, proposal_id)


def _insert_group(db, proposal_id: int, ordinal: int, group: dict[str, Any]) -> int:
    group_id = (
        db["proposal_groups"]
        .insert(
            {
                "proposal_id": proposal_id,
                "ordinal": ordinal,
                "type": group.get("type"),
                "score": group.get("score", group.get("coherence")),
                "status": group.get("status", "proposed"),
                "data": json.dumps(group, ensure_ascii=False),
            }
        )
        .last_pk
    )
    _write_members(db, group_id, group)
    return group_id


def _write_members(db, group_id: int, group: dict[str, Any]) -> None:
    db.execute("DELETE FROM group_members WHERE group_id = ?", [group_id])
    db["group_members"].insert_all(
        (
            {
                "group_id": group_id,
                "company_id": m.get("id", m.get("company_id")),
                "response_id": m.get("response_id"),
                "locked": int(bool(m.get("locked"))),
                "reason": m.get("reason"),
            }
            for m in group["members"]
        ),
    )


def update_group(db: sqlite_utils.Database, group_id: int, group: dict[str, Any]) -> dict:
    """Replace a group's content (after a swap, lock or status change)."""
    with db.atomic():
        get_group(db, group_id)
        db["proposal_groups"].update(
            group_id,
            {
                "type": group.get("type"),
                "score": group.get("score", group.get("coherence")),
                "status": group.get("status", "proposed"),
                "data": json.dumps(_strip(group), ensure_ascii=False),
            },
        )
        _write_members(db, group_id, group)
    return get_group(db, group_id)


def _strip(group: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in group.items() if k not in ("id", "proposal_id", "kind", "ordinal")}


def _group(row: dict[str, Any], kind: str) -> dict[str, Any]:
    data = json.loads(row["data"])
    return data | {
        "id": row["id"],
        "proposal_id": row["proposal_id"],
        "kind": kind,
        "ordinal": row["ordinal"],
        "status": row["status"],
    }


def get_group(db: sqlite_utils.Database, group_id: int) -> dict[str, Any]:
    rows = list(
        db.query(
            "SELECT g.*, p.kind FROM proposal_groups g JOIN proposals p ON p.id = g.proposal_id "
            "WHERE g.id = ?",
            [group_id],
        )
    )
    if not rows:
        raise NotFound(f"No proposed group with id {group_id}")
    return _group(rows[0], rows[0]["kind"])


def get_proposal(db: sqlite_utils.Database, proposal_id: int) -> dict[str, Any]:
    rows = list(db.query("SELECT * FROM proposals WHERE id = ?", [proposal_id]))
    if not rows:
        raise NotFound(f"No proposal with id {proposal_id}")
    row = rows[0]
    groups = [
        _group(g, row["kind"])
        for g in db.query(
            "SELECT * FROM proposal_groups WHERE proposal_id = ? ORDER BY ordinal", [proposal_id]
        )
    ]
    return {
        "id": row["id"],
        "kind": row["kind"],
        "masterclass_id": row["masterclass_id"],
        "request": json.loads(row["request"]),
        "created_by": row["created_by"],
        "created_at": row["created_at"],
        **json.loads(row["summary"] or "{}"),
        "groups": groups,
    }


def list_proposals(db: sqlite_utils.Database, kind: str | None = None) -> list[dict[str, Any]]:
    where = "WHERE kind = ?" if kind else ""
    ids = [r[0] for r in db.execute(f"SELECT id FROM proposals {where} ORDER BY id DESC",
                                    [kind] if kind else [])]  # fmt: skip
    return [get_proposal(db, i) for i in ids]


def active_memberships(db: sqlite_utils.Database) -> dict[int, int]:
    """How many not-rejected network groups each firm currently sits in."""
    rows = db.execute(
        "SELECT m.company_id, count(*) FROM group_members m "
        "JOIN proposal_groups g ON g.id = m.group_id JOIN proposals p ON p.id = g.proposal_id "
        "WHERE p.kind = 'network' AND g.status != 'rejected' AND m.company_id IS NOT NULL "
        "GROUP BY m.company_id"
    )
    return dict(rows.fetchall())


DELETED_NAME = "(slettet profil)"


def _scrub(value: Any, name: str) -> Any:
    if isinstance(value, str):
        return value.replace(name, DELETED_NAME)
    if isinstance(value, list):
        return [_scrub(v, name) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, name) for k, v in value.items()}
    return value


def forget_company(db: sqlite_utils.Database, company_id: int, name: str) -> None:
    """Take a deleted firm out of every stored group: no member entry, no reason names it."""
    group_ids = [
        r[0]
        for r in db.execute(
            "SELECT DISTINCT group_id FROM group_members WHERE company_id = ?", [company_id]
        )
    ]
    for group_id in group_ids:
        row = db.execute("SELECT data FROM proposal_groups WHERE id = ?", [group_id]).fetchone()
        group = json.loads(row[0])
        kept = []
        for member in group.get("members", []):
            if member.get("id") == company_id:
                group["removed_members"] = group.get("removed_members", 0) + 1
                continue
            if member.get("company_id") == company_id:  # a cohort answer stays, unlinked
                member = dict(member, company_id=None)
            kept.append(member)
        group["members"] = kept
        group = _scrub(group, name)
        db["proposal_groups"].update(group_id, {"data": json.dumps(group, ensure_ascii=False)})
    db.execute("DELETE FROM group_members WHERE company_id = ?", [company_id])


def delete_proposal(db: sqlite_utils.Database, proposal_id: int, kind: str) -> None:
    """Discard a stored run and its groups, freeing its firms for new proposals; the pair
    rules facilitators set while reviewing it (never, rejected, allow) stay."""
    with db.atomic():
        if get_proposal(db, proposal_id)["kind"] != kind:
            raise NotFound(f"No {kind} proposal with id {proposal_id}")
        if db.execute(
            "SELECT 1 FROM outcomes o JOIN proposal_groups g ON g.id = o.group_id "
            "WHERE g.proposal_id = ? LIMIT 1",
            [proposal_id],
        ).fetchone():
            raise Conflict(
                {"outcomes": "are recorded for a network of this proposal"},
                "A proposal whose networks have recorded outcomes is kept",
            )
        db.execute(
            "DELETE FROM group_members WHERE group_id IN "
            "(SELECT id FROM proposal_groups WHERE proposal_id = ?)",
            [proposal_id],
        )
        db.execute("DELETE FROM proposal_groups WHERE proposal_id = ?", [proposal_id])
        db.execute("DELETE FROM proposals WHERE id = ?", [proposal_id])
