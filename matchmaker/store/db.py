"""Opening the SQLite store: WAL mode, a busy timeout, foreign keys, and the schema in place."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

from matchmaker.store import schema

BUSY_TIMEOUT_MS = 15_000


class Store(sqlite_utils.Database):
    """A Database whose transactions take the write lock when they begin (`BEGIN IMMEDIATE`).

    With SQLite's default deferred `BEGIN`, a transaction that reads and then writes (check a
    CVR is free, then insert; read a profile, then update it) must upgrade its lock; if another
    connection committed meanwhile, SQLite answers "database is locked" at once instead of
    waiting out the busy timeout. Taking the lock up front makes concurrent writers queue.
    """

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Store]:
        if self.conn.in_transaction:  # nested: a savepoint inside the open transaction
            with super().atomic():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except BaseException:
                self.rollback()
                raise


def connect(path: str | Path, *, migrate: bool = True) -> Store:
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
    db = Store(conn)
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
