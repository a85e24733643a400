"""Stored proposals (network or cohort runs) and their groups, as facilitators review them."""

from __future__ import annotations

import contextvars
import datetime as dt
import json
from typing import Any

import sqlite_utils

from matchmaker.reference.validation import Conflict, NotFound
from matchmaker.store import erasure

KINDS = ("network", "cohort", "consortium")
STATUSES = ("proposed", "accepted", "rejected")


class ProposalsChanged(Conflict):
    """Stored proposals changed between the read a decision was based on and its write (409
    if it reaches a client; review steps read again and retry first)."""

    def __init__(self, fields: dict[str, str] | None = None, message: str | None = None):
        super().__init__(
            fields or {"proposal": "changed while this request was computed; send it again"},
            message or "The proposals changed meanwhile; nothing was written",
        )


def version(db: sqlite_utils.Database) -> int:
    """A number that grows with every write to proposals, groups, members or pair rules (kept
    by triggers, so every writer counts): equal numbers mean nothing changed in between."""
    row = db.execute("SELECT version FROM store_versions WHERE name = 'proposals'").fetchone()
    return row[0] if row else 0


# The per-firm cap in force for this request or command; a server sets it per request from its
# configuration, so that every writer (API, pages, chat) checks the same number.
PER_FIRM_CAP: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "per_firm_cap", default=None
)


def per_firm_cap(value: int | None = None) -> int:
    """`value`, else the cap set for this request, else the setting."""
    if value is not None:
        return value
    if PER_FIRM_CAP.get() is not None:
        return PER_FIRM_CAP.get()
    from matchmaker.config import Settings

    return Settings.from_env().max_proposals_per_firm


def check_per_firm_cap(db: sqlite_utils.Database, ids, max_per_firm: int | None = None) -> None:
    """Inside a write transaction, after writing: ProposalsChanged if one of `ids` now sits in
    more network groups that are not rejected than the per-firm cap allows."""
    max_per_firm = per_firm_cap(max_per_firm)
    active = active_memberships(db)
    over = sorted({c for c in ids if c is not None and active.get(c, 0) > max_per_firm})
    if over:
        raise ProposalsChanged(
            {"members": f"would sit in more than {max_per_firm} stored proposals: {over}"},
            "Firms were placed in other proposals meanwhile; nothing was written",
        )


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
    max_per_firm: int | None = None,
) -> dict[str, Any]:
    """Store one run with its groups in one transaction; returns it as `get_proposal` does.
    The per-firm cap of network proposals is checked inside that transaction
    (`ProposalsChanged` if another run took the firms meanwhile).

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
            insert_group(db, proposal_id, ordinal, group)
        if kind == "network":
            ids = {m.get("id") for g in groups for m in g["members"]}
            check_per_firm_cap(db, ids, max_per_firm)
    return get_proposal(db, proposal_id)


def insert_group(db, proposal_id: int, ordinal: int, group: dict[str, Any]) -> int:
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


def update_summary(db: sqlite_utils.Database, proposal_id: int, changes: dict[str, Any]) -> None:
    """Change keys of a proposal's summary (its scores and unmet firms after an edit)."""
    with db.atomic():
        row = db.execute("SELECT summary FROM proposals WHERE id = ?", [proposal_id]).fetchone()
        if row is None:
            raise NotFound(f"No proposal with id {proposal_id}")
        summary = json.loads(row[0] or "{}") | changes
        db["proposals"].update(proposal_id, {"summary": json.dumps(summary, ensure_ascii=False)})


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


def network_groups_of(db: sqlite_utils.Database, company_id: int) -> list[int]:
    """The stored network groups a firm is a member of."""
    return [r[0] for r in db.execute(
        "SELECT DISTINCT m.group_id FROM group_members m "
        "JOIN proposal_groups g ON g.id = m.group_id JOIN proposals p ON p.id = g.proposal_id "
        "WHERE p.kind = 'network' AND m.company_id = ?", [company_id])]  # fmt: skip


DELETED_NAME = erasure.ERASED
# Texts a network group carries that were written while the erased firm was in it, and may name
# it (by its name then, or an earlier one): they go. A cohort's texts are themes, not names,
# except its notes ("unmet": likely competitors by name).
NETWORK_TEXTS = ("purpose", "reasons")
COHORT_TEXTS = ("unmet",)


def forget_company(
    db: sqlite_utils.Database, company_id: int, response_ids: list[int] | None = None
) -> list[int]:
    """Take an erased firm out of every stored proposal, by reference (never by matching its
    name in text): its member entry goes; its cohort answers (`response_ids`) stay as anonymous
    entries; every text of a network it sat in (the other members' reasons, the purpose) is
    dropped; unmet notes that point at it go. Returns the ids of the groups it touched."""
    response_ids = list(response_ids or [])
    marks = ",".join("?" * len(response_ids)) or "NULL"
    group_ids = [
        r[0]
        for r in db.execute(
            "SELECT DISTINCT group_id FROM group_members WHERE company_id = ? "
            f"OR response_id IN ({marks})",
            [company_id, *response_ids],
        )
    ]
    for group_id in group_ids:
        row = db.execute("SELECT data FROM proposal_groups WHERE id = ?", [group_id]).fetchone()
        group = _forget_in_group(json.loads(row[0]), company_id, response_ids)
        db["proposal_groups"].update(group_id, {"data": json.dumps(group, ensure_ascii=False)})
        db.execute(
            "UPDATE group_members SET reason = NULL WHERE group_id = ? AND company_id IS NOT NULL",
            [group_id],
        )
    db.execute("DELETE FROM group_members WHERE company_id = ?", [company_id])
    db.execute(
        f"UPDATE group_members SET company_id = NULL, reason = NULL WHERE response_id IN ({marks})",
        response_ids,
    )
    for proposal_id, summary in db.execute("SELECT id, summary FROM proposals").fetchall():
        data = json.loads(summary or "{}")
        unmet = data.get("unmet")
        if isinstance(unmet, list):
            kept = [u for u in unmet if not _points_at(u, company_id, response_ids)]
            if len(kept) != len(unmet):
                data["unmet"] = kept
                db["proposals"].update(proposal_id, {"summary": _json(data)})
    return group_ids


def _points_at(entry: Any, company_id: int, response_ids: list[int]) -> bool:
    return isinstance(entry, dict) and (
        entry.get("company_id") == company_id or entry.get("response_id") in response_ids
    )


def _forget_in_group(group: dict[str, Any], company_id: int, response_ids: list[int]) -> dict:
    cohort = any("response_id" in m for m in group.get("members", []))
    kept = []
    for member in group.get("members", []):
        if not cohort and member.get("id") == company_id:
            group["removed_members"] = group.get("removed_members", 0) + 1
            continue
        if cohort and (member.get("company_id") == company_id
                       or member.get("response_id") in response_ids):  # fmt: skip
            member = {"response_id": member.get("response_id"), "company": DELETED_NAME,
                      "company_id": None, "erased": True}  # fmt: skip
        elif not cohort:
            member = {k: v for k, v in member.items() if k != "reasons"} | {"reason": None}
        kept.append(member)
    group["members"] = kept
    for key in COHORT_TEXTS if cohort else NETWORK_TEXTS:
        group.pop(key, None)
    group["texts_erased"] = True
    return group


def replace_response(db: sqlite_utils.Database, old_id: int, new_id: int) -> int:
    """Stored cohorts that hold answer `old_id` hold `new_id` (the same firm's newer answer)
    instead; where the run holds `new_id` already, the older entry just goes, so that a firm is
    one respondent in one cohort. Returns how many groups changed."""
    group_ids = [
        r[0]
        for r in db.execute(
            "SELECT DISTINCT group_id FROM group_members WHERE response_id = ?", [old_id]
        )
    ]
    for group_id in group_ids:
        group = get_group(db, group_id)
        has_new = db.execute(
            "SELECT 1 FROM group_members m JOIN proposal_groups g ON g.id = m.group_id "
            "WHERE g.proposal_id = ? AND m.response_id = ?",
            [group["proposal_id"], new_id],
        ).fetchone()
        members = []
        for member in group["members"]:
            if member.get("response_id") == old_id:
                if has_new:
                    group["removed_members"] = group.get("removed_members", 0) + 1
                    continue
                member = member | {"response_id": new_id}
            members.append(member)
        group["members"] = members
        update_group(db, group_id, group)
    return len(group_ids)


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


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
