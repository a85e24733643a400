"""Facilitators' notes on a firm: short texts with who wrote them and when.

A note goes with its firm: deleting the firm deletes its notes (a trigger, so every path
that deletes a company does it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlite_utils

from matchmaker.reference.validation import InvalidInput

MAX_NOTE_LENGTH = 2000


def migrate(db: sqlite_utils.Database) -> None:
    db["company_notes"].create(
        {"id": int, "company_id": int, "text": str, "created_by": int, "created_at": str},
        pk="id",
        not_null={"company_id", "text"},
        if_not_exists=True,
    )
    db.execute("CREATE INDEX IF NOT EXISTS company_notes_company ON company_notes(company_id)")
    db.execute(
        "CREATE TRIGGER IF NOT EXISTS companies_notes_erased AFTER DELETE ON companies "
        "BEGIN DELETE FROM company_notes WHERE company_id = OLD.id; END"
    )


def add(
    db: sqlite_utils.Database, company_id: int, text: str, created_by: int | None = None
) -> dict[str, Any]:
    """Store a note on a firm; InvalidInput when it is empty or too long."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput({"text": "must not be empty"})
    if len(text) > MAX_NOTE_LENGTH:
        raise InvalidInput({"text": f"String should have at most {MAX_NOTE_LENGTH} characters"})
    row = {
        "company_id": company_id,
        "text": text,
        "created_by": created_by,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    with db.atomic():
        note_id = db["company_notes"].insert(row).last_pk
    return row | {"id": note_id}


def for_company(db: sqlite_utils.Database, company_id: int) -> list[dict[str, Any]]:
    """A firm's notes, newest first, with the writer's email."""
    return list(
        db.query(
            "SELECT n.*, u.email FROM company_notes n LEFT JOIN users u ON u.id = n.created_by "
            "WHERE n.company_id = ? ORDER BY n.id DESC",
            [company_id],
        )
    )
