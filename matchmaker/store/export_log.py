"""Who exported what, when: one row per rendered export file."""

from __future__ import annotations

from typing import Any

import sqlite_utils


def record(
    db: sqlite_utils.Database,
    *,
    object_kind: str,
    object_id: int | None,
    fmt: str,
    user_id: int | None,
    created_at: str,
) -> int:
    """Log one export; returns the log row's id."""
    with db.atomic():
        row = {
            "user_id": user_id,
            "object_kind": object_kind,
            "object_id": object_id,
            "format": fmt,
            "created_at": created_at,
        }
        return db["export_log"].insert(row).last_pk


def latest(db: sqlite_utils.Database, limit: int = 100) -> list[dict[str, Any]]:
    """The latest exports, newest first, with the exporting user's email."""
    return list(
        db.query(
            "SELECT l.*, u.email FROM export_log l LEFT JOIN users u ON u.id = l.user_id "
            "ORDER BY l.id DESC LIMIT ?",
            [limit],
        )
    )
