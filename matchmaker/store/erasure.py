"""Erasing a firm's traces outside its profile row: chat turns that point at it, its
questionnaire answers. By reference (ids in stored JSON, the answer's link or CVR), never by
searching for its name in text: deleting "Data" must leave "DataVærket" alone."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

ERASED = "(slettet profil)"
# Dicts of these types carry the id of a group, a proposal or a masterclass, not of a firm.
NOT_FIRM_TYPES = ("network", "cohort", "masterclass", "proposal", "consortium")
NOT_FIRM_KEYS = ("masterclass", "masterclasses")
# Keys under which the chat keeps plain lists of firm ids.
ID_LIST_KEYS = ("excluded", "company_ids", "firm_ids", "ids", "locked")


def refers_to(value: Any, company_id: int, key: str | None = None) -> bool:
    """Whether stored JSON points at the firm: a `company_id`, a firm card or entity
    (`{"id", "name"}` that is not a group or masterclass), or a list of firm ids."""
    if isinstance(value, dict):
        if value.get("company_id") == company_id:
            return True
        firm_like = "name" in value and value.get("type") not in NOT_FIRM_TYPES
        if firm_like and key not in NOT_FIRM_KEYS and value.get("id") == company_id:
            return True
        return any(refers_to(v, company_id, k) for k, v in value.items())
    if isinstance(value, list):
        if key in ID_LIST_KEYS and company_id in value:
            return True
        return any(refers_to(v, company_id, key) for v in value)
    return False


def forget_in_conversations(db: sqlite_utils.Database, company_id: int) -> int:
    """Delete every chat exchange (the question and its answer) whose stored entities, cards
    or dialogue state point at the firm; the session's state then falls back to an earlier
    answer that does not. Returns how many turns went."""
    doomed: set[int] = set()
    rows = db.execute(
        "SELECT id, session_id, role, data FROM conversations WHERE data LIKE ?",
        [f"%{company_id}%"],  # a cheap prefilter on the digits; the decision is by reference
    ).fetchall()
    for turn_id, session_id, role, data in rows:
        try:
            parsed = json.loads(data or "{}")
        except ValueError:
            continue
        if not refers_to(parsed, company_id):
            continue
        doomed.add(turn_id)
        if role == "bot":
            pair = db.execute(
                "SELECT id FROM conversations WHERE session_id = ? AND id < ? AND role = 'user' "
                "ORDER BY id DESC LIMIT 1",
                [session_id, turn_id],
            ).fetchone()
        else:
            pair = db.execute(
                "SELECT id FROM conversations WHERE session_id = ? AND id > ? AND role = 'bot' "
                "ORDER BY id LIMIT 1",
                [session_id, turn_id],
            ).fetchone()
        if pair:
            doomed.add(pair[0])
    for turn_id in doomed:
        db.execute("DELETE FROM conversations WHERE id = ?", [turn_id])
    return len(doomed)


ANSWER_TEXTS = ("core_business", "market_now", "technology_role", "experience", "barriers",
                "potentials")  # fmt: skip


def forget_in_answers(db: sqlite_utils.Database, company_id: int, cvr: str | None) -> list[int]:
    """Anonymise the firm's questionnaire answers (linked to it, or carrying its CVR): no name,
    CVR, size or answer text stays; the row stays so that cohort counts hold. Returns their ids."""
    ids = [
        r[0]
        for r in db.execute(
            "SELECT id FROM responses WHERE company_id = ? OR (cvr IS NOT NULL AND cvr = ?)",
            [company_id, cvr],
        )
    ]
    blank = ", ".join(f"{field} = ''" for field in ANSWER_TEXTS)
    for response_id in ids:
        db.execute(
            f"UPDATE responses SET company = ?, cvr = NULL, company_id = NULL, employees = NULL, "
            f"{blank} WHERE id = ?",
            [ERASED, response_id],
        )
    return ids
