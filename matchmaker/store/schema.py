"""Tables of the store and their migrations, keyed by SQLite's `user_version`."""

from __future__ import annotations

import sqlite_utils

SCHEMA_VERSION = 2


def _v1(db: sqlite_utils.Database) -> None:
    db["companies"].create(
        {
            "id": int,
            "name": str,
            "cvr": str,
            "employees": int,
            "founded": int,
            "region": str,
            "city": str,
            "sector": str,
            "nace": str,
            "kind": str,
            "description": str,
            "offers": str,
            "needs": str,
            "markets": str,  # JSON list of strings
            "language": str,
            "contact_name": str,
            "contact_email": str,
            "consent": int,
            "edit_token_hash": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"name", "region", "kind", "description", "consent", "edit_token_hash"},
        defaults={"markets": "[]", "offers": "", "needs": "", "consent": 0},
        if_not_exists=True,
    )
    db.execute(
        "CREATE UNIQUE INDEX IF NOT EXISTS companies_cvr ON companies(cvr) WHERE cvr IS NOT NULL"
    )
    db.execute(
        "CREATE UNIQUE INDEX IF NOT EXISTS companies_edit_token ON companies(edit_token_hash)"
    )
    # Every write to a company appends a row here; in-memory indexes catch up from it.
    db["company_changes"].create(
        {"seq": int, "company_id": int, "op": str}, pk="seq", if_not_exists=True
    )
    db["masterclasses"].create(
        {
            "id": int,
            "title": str,
            "theme": str,
            "date": str,
            "capacity": int,
            "created_at": str,
        },
        pk="id",
        not_null={"title", "theme", "capacity"},
        if_not_exists=True,
    )
    db["responses"].create(
        {
            "id": int,
            "masterclass_id": int,
            "company": str,
            "cvr": str,
            "company_id": int,
            "employees": int,
            "core_business": str,
            "market_now": str,
            "technology_role": str,
            "experience": str,
            "barriers": str,
            "potentials": str,
            "language": str,
            "created_at": str,
        },
        pk="id",
        not_null={"masterclass_id", "company"},
        foreign_keys=[("masterclass_id", "masterclasses", "id")],
        if_not_exists=True,
    )
    db["users"].create(
        {"id": int, "email": str, "role": str, "password_hash": str, "created_at": str},
        pk="id",
        not_null={"email", "role"},
        if_not_exists=True,
    )
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS users_email ON users(email)")
    db["api_tokens"].create(
        {
            "id": int,
            "user_id": int,
            "token_hash": str,
            "label": str,
            "created_at": str,
            "revoked_at": str,
        },
        pk="id",
        not_null={"user_id", "token_hash"},
        foreign_keys=[("user_id", "users", "id")],
        if_not_exists=True,
    )
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS api_tokens_hash ON api_tokens(token_hash)")
    # Sentence-model vectors, keyed by a hash of model id and text.
    db["vectors"].create(
        {"key": str, "model": str, "dim": int, "vector": bytes},
        pk="key",
        if_not_exists=True,
    )
    # Facilitator decisions about a pair of firms (a_id < b_id):
    # 'never' (never together), 'rejected' (from a rejected proposal), 'allow' (competitors ok).
    db["pair_rules"].create(
        {"a_id": int, "b_id": int, "rule": str, "created_by": int, "created_at": str},
        pk=("a_id", "b_id", "rule"),
        if_not_exists=True,
    )
    db["proposals"].create(
        {
            "id": int,
            "kind": str,  # 'network' | 'cohort'
            "masterclass_id": int,
            "request": str,  # JSON
            "summary": str,  # JSON: worst_score, harmonic_mean, unmet, ...
            "created_by": int,
            "created_at": str,
        },
        pk="id",
        not_null={"kind", "request"},
        if_not_exists=True,
    )
    db["proposal_groups"].create(
        {
            "id": int,
            "proposal_id": int,
            "ordinal": int,
            "type": str,
            "score": float,
            "status": str,  # 'proposed' | 'accepted' | 'rejected'
            "data": str,  # JSON: members with reasons, themes, coherence, ...
        },
        pk="id",
        not_null={"proposal_id", "status", "data"},
        defaults={"status": "proposed"},
        foreign_keys=[("proposal_id", "proposals", "id")],
        if_not_exists=True,
    )
    db["group_members"].create(
        {
            "group_id": int,
            "company_id": int,
            "response_id": int,
            "locked": int,
            "reason": str,
        },
        defaults={"locked": 0},
        foreign_keys=[("group_id", "proposal_groups", "id")],
        if_not_exists=True,
    )
    db.execute("CREATE INDEX IF NOT EXISTS group_members_company ON group_members(company_id)")
    db["conversations"].create(
        {
            "id": int,
            "session_id": str,
            "role": str,  # 'user' | 'bot'
            "text": str,
            "intent": str,
            "data": str,  # JSON: entities, cards, dialogue state
            "created_at": str,
        },
        pk="id",
        not_null={"session_id", "role", "text"},
        if_not_exists=True,
    )
    db.execute("CREATE INDEX IF NOT EXISTS conversations_session ON conversations(session_id, id)")
    db["export_log"].create(
        {
            "id": int,
            "user_id": int,
            "object_kind": str,
            "object_id": int,
            "format": str,
            "created_at": str,
        },
        pk="id",
        if_not_exists=True,
    )


def _v2(db: sqlite_utils.Database) -> None:
    """A profile's place in a value chain; what came of an accepted network, over time."""
    if "role" not in db["companies"].columns_dict:
        db["companies"].add_column("role", str)
    db["outcomes"].create(
        {
            "id": int,
            "group_id": int,
            "formed": int,
            "meetings": int,
            "satisfaction": int,
            "innovation_project": int,
            "new_product": int,
            "export": int,
            "programme": str,
            "note": str,
            "recorded_by": str,  # 'facilitator:<user id>' | 'member:<company id>'
            "created_at": str,
        },
        pk="id",
        not_null={"group_id", "formed", "created_at"},
        foreign_keys=[("group_id", "proposal_groups", "id")],
        if_not_exists=True,
    )
    db.execute("CREATE INDEX IF NOT EXISTS outcomes_group ON outcomes(group_id, id)")


MIGRATIONS = {1: _v1, 2: _v2}


def migrate(db: sqlite_utils.Database) -> int:
    """Bring the store up to `SCHEMA_VERSION`, one transaction per step; return the version."""
    current = db.execute("PRAGMA user_version").fetchone()[0]
    for version in range(current + 1, SCHEMA_VERSION + 1):
        with db.atomic():
            MIGRATIONS[version](db)
            db.execute(f"PRAGMA user_version = {version}")
    return max(current, SCHEMA_VERSION)
