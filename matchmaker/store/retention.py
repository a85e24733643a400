"""A retention policy: chat conversations, the change log and the export log older than a
number of days are purged, in one transaction."""

from __future__ import annotations

import datetime as dt

import sqlite_utils

# Table → the column holding when a row was written (ISO 8601, UTC, so text order is time order).
PURGED = {"conversations": "created_at", "company_changes": "created_at",
          "export_log": "created_at"}  # fmt: skip


def cutoff(days: int, now: dt.datetime | None = None) -> str:
    """The moment before which rows go, as stored timestamps are written."""
    now = now or dt.datetime.now(dt.UTC)
    return (now - dt.timedelta(days=days)).isoformat(timespec="seconds")


def purge(db: sqlite_utils.Database, days: int, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete rows older than `days` days; returns how many went per table. The newest change
    log row always stays: running indexes read the log from the highest number they saw."""
    if days <= 0:
        return dict.fromkeys(PURGED, 0)
    before = cutoff(days, now)
    gone = {}
    with db.atomic():
        for table, column in PURGED.items():
            keep_last = (
                " AND seq < (SELECT MAX(seq) FROM company_changes)"
                if table == "company_changes"
                else ""
            )
            cursor = db.execute(
                f"DELETE FROM {table} WHERE {column} IS NOT NULL AND {column} < ?{keep_last}",
                [before],
            )
            gone[table] = cursor.rowcount
    return gone
