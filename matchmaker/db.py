"""Opening the SQLite store: WAL mode, a busy timeout, foreign keys, and the schema in place."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from matchmaker import schema

BUSY_TIMEOUT_MS = 15_000


def connect(path: str | Path, *, migrate: bool = True) -> sqlite_utils.Database:
    """Open (and create) the store at `path`; every caller shares these pragmas."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(
        str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False, isolation_level=None
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    db = sqlite_utils.Database(conn)
    if migrate:
        schema.migrate(db)
    return db


def backup(db: sqlite_utils.Database, target: str | Path) -> Path:
    """Write a consistent copy of the live store to `target` (SQLite's online backup API)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    dest = sqlite3.connect(str(target))
    try:
        db.conn.backup(dest)
    finally:
        dest.close()
    return target
