"""Pair scorers re-fitted on a store's own decisions: each re-fit with what it saw, how it
fared against the global model, and (when adopted) its weights as a change to the global ones."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Any

import sqlite_utils

# What the service reads before every request when learning is on: one small row.
COLUMNS = (
    "id", "created_at", "created_by", "adopted", "base", "pairs", "positive", "negative",
    "strength", "cv_global", "cv_local", "seconds", "decisions", "reason",
)  # fmt: skip


def migrate(db: sqlite_utils.Database) -> None:
    db["learned_scorers"].create(
        {
            "id": int,
            "created_at": str,
            "created_by": int,
            "adopted": int,  # 1: the service uses it (when learning is on); 0: the global wins
            "base": str,  # fingerprint of the global model it was fitted on top of
            "pairs": int,
            "positive": int,
            "negative": int,
            "strength": float,  # the prior's weight, in pairs (None when not adopted)
            "cv_global": float,  # the held-out check on the decisions (`local_scorer.refit`)
            "cv_local": float,
            "seconds": float,
            "decisions": str,  # JSON: decisions per kind when it was fitted
            "reason": str,  # why it was (not) adopted, a message code
            "model": str,  # JSON: the change to the global partner weights
        },
        pk="id",
        not_null={"created_at", "adopted", "base", "pairs"},
        if_not_exists=True,
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def save(db: sqlite_utils.Database, record: dict[str, Any]) -> dict[str, Any]:
    """Store one re-fit (one transaction); returns it as `latest` does."""
    row = {k: record.get(k) for k in COLUMNS if k != "id"}
    row["created_at"] = row["created_at"] or _now()
    row["adopted"] = int(bool(row["adopted"]))
    row["decisions"] = json.dumps(record.get("decisions") or {}, ensure_ascii=False)
    row["model"] = json.dumps(record.get("model"), ensure_ascii=False)
    with db.atomic():
        new_id = db["learned_scorers"].insert(row).last_pk
    return get(db, new_id)


def _decode(row: dict[str, Any], with_model: bool) -> dict[str, Any]:
    out = dict(row)
    out["adopted"] = bool(out["adopted"])
    out["decisions"] = json.loads(out.get("decisions") or "{}")
    model = out.pop("model", None)
    if with_model:
        out["model"] = json.loads(model) if model else None
    return out


def get(db: sqlite_utils.Database, refit_id: int, with_model: bool = False) -> dict[str, Any]:
    rows = list(db.query("SELECT * FROM learned_scorers WHERE id = ?", [refit_id]))
    if not rows:
        raise KeyError(refit_id)
    return _decode(rows[0], with_model)


def latest_id(db: sqlite_utils.Database) -> int | None:
    """The id of the newest re-fit (cheap: the service asks before every request); None also
    for a store served read-only before it was migrated to hold re-fits."""
    try:
        row = db.execute("SELECT max(id) FROM learned_scorers").fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


def latest(db: sqlite_utils.Database, with_model: bool = False) -> dict[str, Any] | None:
    """The newest re-fit, or None when the store was never re-fitted."""
    found = latest_id(db)
    return None if found is None else get(db, found, with_model)


def history(db: sqlite_utils.Database, limit: int = 10) -> list[dict[str, Any]]:
    """The newest re-fits first, without their weights."""
    rows = db.query("SELECT * FROM learned_scorers ORDER BY id DESC LIMIT ?", [limit])
    return [_decode(r, False) for r in rows]
