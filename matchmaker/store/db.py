"""Opening the SQLite store: WAL mode, a busy timeout, foreign keys, and the schema in place;
and telling a store that cannot take a write now (busy, full, read-only) from a bug."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from matchmaker.store import schema

BUSY_TIMEOUT_MS = 15_000
# SQLite's primary result codes for a store that is there but cannot take this write.
SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL = 5, 6, 8, 10, 13


@dataclass(frozen=True)
class Unavailable:
    """Why a write could not be made: `reason` for the log, `retry_after` seconds for the
    client (a busy store frees soon; a full or read-only one needs the operator)."""

    reason: str
    retry_after: int


def busy(exc: BaseException) -> bool:
    """Whether `exc` says another connection holds the lock (it frees soon)."""
    if not isinstance(exc, sqlite3.OperationalError | sqlite3.DatabaseError):
        return False
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    return code in (SQLITE_BUSY, SQLITE_LOCKED) or "database is locked" in str(exc).lower()


def unavailable(exc: BaseException) -> Unavailable | None:
    """The store-side reason behind `exc`, or None if it is not one (then it is a bug)."""
    if not isinstance(exc, sqlite3.OperationalError | sqlite3.DatabaseError):
        return None
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    text = str(exc).lower()
    if busy(exc):
        return Unavailable(f"the store is busy with another write ({exc})", 2)
    if code == SQLITE_FULL or "disk is full" in text:
        return Unavailable(f"the disk holding the store is full ({exc})", 60)
    if code == SQLITE_READONLY or "readonly database" in text:
        return Unavailable(f"the store is read-only ({exc})", 60)
    if code == SQLITE_IOERR or "disk i/o error" in text:
        return Unavailable(f"the store's disk failed a read or write ({exc})", 60)
    return None


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


def read_only_wanted(path: Path) -> bool:
    """A store is served read-only when `MATCHMAKER_READ_ONLY=1` or its file cannot be written."""
    if os.environ.get("MATCHMAKER_READ_ONLY", "0") == "1":
        return True
    return path.exists() and not os.access(path, os.W_OK)


def connect(
    path: str | Path,
    *,
    migrate: bool = True,
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    read_only: bool | None = None,
) -> Store:
    """Open (and create) the store at `path`; every caller shares these pragmas. A read-only
    store opens for reading (its writes fail as `unavailable`), without migrating."""
    path = Path(path)
    read_only = read_only_wanted(path) if read_only is None else read_only
    if read_only:
        conn = sqlite3.connect(
            f"file:{path}?mode=ro", uri=True, timeout=busy_timeout_ms / 1000,
            check_same_thread=False, isolation_level=None,
        )  # fmt: skip
        conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        conn.execute("PRAGMA query_only = ON")
        return Store(conn)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(
        str(path), timeout=busy_timeout_ms / 1000, check_same_thread=False, isolation_level=None
    )
    conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
    switch_to_wal(conn, busy_timeout_ms / 1000)
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    db = Store(conn)
    if migrate:
        schema.migrate(db)
    return db


def switch_to_wal(conn: sqlite3.Connection, timeout_s: float) -> None:
    """Put the store in WAL mode, waiting out other connections as the busy timeout would.

    WAL mode is kept in the file, so once any connection has switched this changes nothing. On a new
    file the switch needs the exclusive lock; while another connection holds the write lock
    (workers starting at once, one already migrating) SQLite answers "database is locked" at
    once instead of calling the busy handler, so the switch is retried here until the timeout.
    """
    deadline = time.monotonic() + timeout_s
    pause = 0.005
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if not busy(exc) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


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
