"""What the match index reads: consenting firms, the change log since a point, a store's key."""

from __future__ import annotations

from collections.abc import Sequence

_CONSENTING = "SELECT * FROM companies WHERE consent = 1"
_STORED = "SELECT * FROM companies WHERE 1"
_CHUNK = 400


def consenting(db, ids: Sequence[int] | None = None) -> list[dict]:
    """Consenting firms (all, or those of `ids`), by id."""
    return _firms(db, _CONSENTING, ids)


def stored(db, ids: Sequence[int] | None = None) -> list[dict]:
    """Firms (all, or those of `ids`), consenting or not, by id."""
    return _firms(db, _STORED, ids)


def _firms(db, select: str, ids: Sequence[int] | None) -> list[dict]:
    if ids is None:
        return list(db.query(select + " ORDER BY id"))
    ids = sorted(set(ids))
    out = []
    for s in range(0, len(ids), _CHUNK):
        chunk = ids[s : s + _CHUNK]
        marks = ",".join("?" * len(chunk))
        out += list(db.query(f"{select} AND id IN ({marks}) ORDER BY id", chunk))
    return out


def by_id(db, company_id: int) -> dict | None:
    """One firm's row, consenting or not; None if there is none."""
    found = list(db.query("SELECT * FROM companies WHERE id = ?", [company_id]))
    return found[0] if found else None


def last_change(db) -> int:
    """Sequence number of the latest logged change to any firm (0 for none)."""
    return db.execute("SELECT COALESCE(MAX(seq), 0) FROM company_changes").fetchone()[0]


def changed_since(db, seq: int) -> bool:
    """Whether any firm changed after change `seq`."""
    return (
        db.execute("SELECT 1 FROM company_changes WHERE seq > ? LIMIT 1", [seq]).fetchone()
        is not None
    )


def changes_since(db, seq: int) -> list[tuple[int, int]]:
    """(seq, company id) of the changes after `seq`, in order."""
    return db.execute(
        "SELECT seq, company_id FROM company_changes WHERE seq > ? ORDER BY seq", [seq]
    ).fetchall()


def store_key(db) -> str:
    """A key naming the store's file (or the in-memory connection)."""
    for _, name, file in db.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return file or f"memory:{id(db)}"
    return f"memory:{id(db)}"
