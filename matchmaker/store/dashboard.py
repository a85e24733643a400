"""What a facilitator's start page counts: new registrations, open proposals, masterclasses
with answers waiting for cohorts, and the latest exports."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from matchmaker.store import export_log


def new_registrations(db: sqlite_utils.Database, limit: int = 8) -> list[dict[str, Any]]:
    """The latest registered firms, newest first."""
    return list(
        db.query(
            "SELECT id, name, city, region, consent, created_at FROM companies "
            "ORDER BY created_at DESC, id DESC LIMIT ?",
            [limit],
        )
    )


def registrations_since(db: sqlite_utils.Database, since: str) -> int:
    """How many firms registered at or after `since` (an ISO timestamp)."""
    return db.execute("SELECT count(*) FROM companies WHERE created_at >= ?", [since]).fetchone()[0]


def open_proposals(db: sqlite_utils.Database, limit: int = 8) -> list[dict[str, Any]]:
    """Network proposals with networks still waiting for a decision, newest first."""
    return list(
        db.query(
            "SELECT p.id, p.created_at, count(g.id) AS open, "
            "(SELECT count(*) FROM proposal_groups a WHERE a.proposal_id = p.id) AS networks "
            "FROM proposals p JOIN proposal_groups g ON g.proposal_id = p.id "
            "WHERE p.kind = 'network' AND g.status = 'proposed' "
            "GROUP BY p.id ORDER BY p.id DESC LIMIT ?",
            [limit],
        )
    )


def answers_waiting(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Masterclasses with answers that came in or changed after their latest cohort split (or
    that have none), with how many are waiting."""
    return list(
        db.query(
            "SELECT m.id, m.title, m.date, count(r.id) AS waiting, "
            "(SELECT count(*) FROM responses a WHERE a.masterclass_id = m.id) AS answers "
            "FROM masterclasses m JOIN responses r ON r.masterclass_id = m.id "
            "WHERE coalesce(r.updated_at, r.created_at) > coalesce((SELECT max(p.created_at) "
            "FROM proposals p "
            "WHERE p.kind = 'cohort' AND p.masterclass_id = m.id), '') "
            "GROUP BY m.id ORDER BY m.date IS NULL, m.date, m.id"
        )
    )


def recent_exports(db: sqlite_utils.Database, limit: int = 8) -> list[dict[str, Any]]:
    """The latest exports with who made them."""
    return export_log.latest(db, limit)
