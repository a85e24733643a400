"""Firms by name: what the pages' pickers offer and how a typed name finds its firm."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlite_utils


def names_by_id(db: sqlite_utils.Database, ids: Iterable[int]) -> dict[int, str]:
    """The names of the firms with these ids (unknown ids are left out)."""
    wanted = sorted({int(i) for i in ids if 0 <= int(i) < 2**63})
    found: dict[int, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        for row in db.execute(f"SELECT id, name FROM companies WHERE id IN ({marks})", chunk):
            found[row[0]] = row[1]
    return found


def entries(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every firm's id, name, town and CVR, by name: the list a name picker offers."""
    return list(
        db.query("SELECT id, name, city, cvr FROM companies ORDER BY name COLLATE NOCASE, id")
    )
