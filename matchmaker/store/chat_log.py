"""The chat's conversations: each message and answer with its dialogue state, per session."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

HISTORY_TURNS = 50


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def last_state(db, session_id: str) -> dict[str, Any]:
    """The dialogue state after the session's last answer (empty for a new session)."""
    row = db.execute(
        "SELECT data FROM conversations WHERE session_id = ? AND role = 'bot' "
        "ORDER BY id DESC LIMIT 1",
        [session_id],
    ).fetchone()
    if not row or not row[0]:
        return {}
    try:
        return json.loads(row[0]).get("state") or {}
    except ValueError:
        return {}


def history(db, session_id: str, limit: int = HISTORY_TURNS) -> list[dict[str, Any]]:
    """The session's last messages, oldest first: role, text, intent, cards, created_at."""
    rows = db.execute(
        "SELECT role, text, intent, data, created_at FROM conversations WHERE session_id = ? "
        "ORDER BY id DESC LIMIT ?",
        [session_id, limit],
    ).fetchall()
    out = []
    for role, text, intent, data, created_at in reversed(rows):
        parsed = json.loads(data or "{}")
        out.append(
            {
                "role": role,
                "text": text,
                "intent": intent,
                "cards": parsed.get("cards", []),
                "created_at": created_at,
            }
        )
    return out


def append_turn(db, session_id: str, message: str, answer: dict, state: dict, found: dict) -> None:
    """Store a message and its answer (with the state after it) in one transaction."""
    now = _now()
    with db.atomic():
        db["conversations"].insert(
            {
                "session_id": session_id,
                "role": "user",
                "text": message,
                "intent": answer["intent"],
                "data": json.dumps({"entities": found}, ensure_ascii=False),
                "created_at": now,
            }
        )
        db["conversations"].insert(
            {
                "session_id": session_id,
                "role": "bot",
                "text": answer["reply"],
                "intent": answer["intent"],
                "data": json.dumps(
                    {"entities": answer["entities"], "cards": answer["cards"], "state": state},
                    ensure_ascii=False,
                ),
                "created_at": now,
            }
        )
