"""What came of an accepted network, recorded over time by a facilitator or a member."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlite_utils
from pydantic import Field

from matchmaker.reference.validation import Conflict, NotFound, Strict, text, validate
from matchmaker.store import proposals

# The programme indicators recorded per network (yes/no), in the order pages show them.
INDICATORS = ("formed", "innovation_project", "new_product", "export")
MAX_MEETINGS = 1000


class OutcomeIn(Strict):
    """One report on a network: whether it formed, meetings held, satisfaction, indicators."""

    formed: bool
    meetings: int | None = Field(default=None, ge=0, le=MAX_MEETINGS)
    satisfaction: int | None = Field(default=None, ge=1, le=5, description="1 (low) to 5 (high)")
    innovation_project: bool | None = None
    new_product: bool | None = None
    export: bool | None = None
    programme: text(200, 1) | None = Field(
        default=None, description="The programme the network runs under (kept from earlier)"
    )
    note: text(2000) | None = None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def accepted_network(db: sqlite_utils.Database, group_id: int) -> dict[str, Any]:
    """The stored network `group_id`; NotFound if none, Conflict unless it is accepted."""
    group = proposals.get_group(db, group_id)
    if group["kind"] != "network":
        raise NotFound(f"No network with id {group_id}")
    if group["status"] != "accepted":
        raise Conflict(
            {"status": f"is {group['status']}; outcomes are recorded for accepted networks only"},
            "Accept the network before recording its outcomes",
        )
    return group


def _as_int(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["network_id"] = out.pop("group_id")
    for key in ("formed", "innovation_project", "new_product", "export"):
        out[key] = None if out[key] is None else bool(out[key])
    return out


def record(
    db: sqlite_utils.Database, group_id: int, data: Any, *, recorded_by: str
) -> dict[str, Any]:
    """Validate and store one report on an accepted network (one transaction)."""
    outcome = validate(OutcomeIn, data)
    with db.atomic():
        accepted_network(db, group_id)
        row = outcome.model_dump()
        if row["programme"] is None:  # a programme once named stays with the network
            row["programme"] = latest_programme(db, group_id)
        for key in ("formed", "innovation_project", "new_product", "export"):
            row[key] = _as_int(row[key])
        row |= {"group_id": group_id, "recorded_by": recorded_by, "created_at": _now()}
        outcome_id = db["outcomes"].insert(row).last_pk
    return get(db, outcome_id)


def latest_programme(db: sqlite_utils.Database, group_id: int) -> str | None:
    found = db.execute(
        "SELECT programme FROM outcomes WHERE group_id = ? AND programme IS NOT NULL "
        "ORDER BY id DESC LIMIT 1",
        [group_id],
    ).fetchone()
    return found[0] if found else None


def get(db: sqlite_utils.Database, outcome_id: int) -> dict[str, Any]:
    rows = list(db.query("SELECT * FROM outcomes WHERE id = ?", [outcome_id]))
    if not rows:
        raise NotFound(f"No outcome with id {outcome_id}")
    return _decode(rows[0])


def history(db: sqlite_utils.Database, group_id: int) -> list[dict[str, Any]]:
    """Every report on one network, oldest first."""
    rows = db.query("SELECT * FROM outcomes WHERE group_id = ? ORDER BY id", [group_id])
    return [_decode(r) for r in rows]


def latest_per_network(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """The newest report of each accepted network that has one, with the network's type,
    ordered by network id."""
    rows = db.query(
        "SELECT o.*, g.type AS network_type FROM outcomes o "
        "JOIN proposal_groups g ON g.id = o.group_id "
        "WHERE g.status = 'accepted' AND o.id = "
        "(SELECT max(id) FROM outcomes WHERE group_id = o.group_id) ORDER BY o.group_id"
    )
    return [_decode(r) for r in rows]


def all_reports(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every report, with its network's type and status, for an export; oldest first."""
    rows = db.query(
        "SELECT o.*, g.type AS network_type, g.status AS network_status FROM outcomes o "
        "JOIN proposal_groups g ON g.id = o.group_id ORDER BY o.id"
    )
    return [_decode(r) for r in rows]


def member_ids(db: sqlite_utils.Database, group_id: int) -> set[int]:
    """The firms of a stored group."""
    rows = db.execute(
        "SELECT company_id FROM group_members WHERE group_id = ? AND company_id IS NOT NULL",
        [group_id],
    )
    return {r[0] for r in rows}


def networks_of(db: sqlite_utils.Database, company_id: int) -> list[dict[str, Any]]:
    """The accepted networks a firm is a member of (for its private link)."""
    ids = [
        r[0]
        for r in db.execute(
            "SELECT g.id FROM proposal_groups g JOIN group_members m ON m.group_id = g.id "
            "JOIN proposals p ON p.id = g.proposal_id WHERE m.company_id = ? "
            "AND p.kind = 'network' AND g.status = 'accepted' ORDER BY g.id",
            [company_id],
        )
    ]
    return [proposals.get_group(db, i) for i in ids]


def log_export(db: sqlite_utils.Database, user_id: int | None, fmt: str = "csv") -> int:
    """Record an export of the outcomes in `export_log` (who, when)."""
    with db.atomic():
        return (
            db["export_log"]
            .insert(
                {
                    "user_id": user_id,
                    "object_kind": "outcomes",
                    "object_id": None,
                    "format": fmt,
                    "created_at": _now(),
                }
            )
            .last_pk
        )


def accepted_networks(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every accepted network with the number of reports on it and the newest one's date."""
    rows = db.execute(
        "SELECT g.id, count(o.id), max(o.created_at) FROM proposal_groups g "
        "JOIN proposals p ON p.id = g.proposal_id LEFT JOIN outcomes o ON o.group_id = g.id "
        "WHERE p.kind = 'network' AND g.status = 'accepted' GROUP BY g.id ORDER BY g.id"
    ).fetchall()
    out = []
    for group_id, reports, last in rows:
        group = proposals.get_group(db, group_id)
        out.append(group | {"reports": reports, "last_report": last})
    return out
