"""Tables of the store and their migrations, keyed by SQLite's `user_version`."""

from __future__ import annotations

import sqlite_utils

SCHEMA_VERSION = 8


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


# Tables whose rows are named by a number that other rows, logs, chat sessions and exports keep
# pointing at: the number of a deleted row must never be handed to a new one.
NUMBERED_TABLES = {
    "companies": "id", "company_changes": "seq", "masterclasses": "id", "responses": "id",
    "users": "id", "api_tokens": "id", "proposals": "id", "proposal_groups": "id",
    "conversations": "id", "export_log": "id",
}  # fmt: skip
# Every write to these bumps the 'proposals' version, so a review step that read them before
# its write transaction can tell that it must read again (optimistic concurrency).
PROPOSAL_TABLES = ("proposals", "proposal_groups", "group_members", "pair_rules")


def _never_reuse_ids(db: sqlite_utils.Database, table: str, key: str) -> None:
    """Rebuild `table` with AUTOINCREMENT (SQLite cannot add it in place); rows, ids and
    indexes are kept. Runs with foreign keys off (see `migrate`)."""
    sql = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table])
    create = sql.fetchone()[0]
    if "AUTOINCREMENT" in create.upper():
        return
    marker = f'"{key}" INTEGER PRIMARY KEY'
    assert marker in create, f"{table}: unexpected primary key"
    indexes = [
        r[0]
        for r in db.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL",
            [table],
        )
    ]
    create = create.replace(f'CREATE TABLE "{table}"', f'CREATE TABLE "{table}__new"', 1)
    db.execute(create.replace(marker, marker + " AUTOINCREMENT", 1))
    db.execute(f'INSERT INTO "{table}__new" SELECT * FROM "{table}"')
    db.execute(f'DROP TABLE "{table}"')
    db.execute(f'ALTER TABLE "{table}__new" RENAME TO "{table}"')
    for index in indexes:
        db.execute(index)


def _v2(db: sqlite_utils.Database) -> None:
    for table, key in NUMBERED_TABLES.items():
        _never_reuse_ids(db, table, key)
    db["store_versions"].create({"name": str, "version": int}, pk="name", if_not_exists=True)
    db.execute("INSERT OR IGNORE INTO store_versions (name, version) VALUES ('proposals', 0)")
    for table in PROPOSAL_TABLES:
        for op in ("INSERT", "UPDATE", "DELETE"):
            db.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_{op.lower()}_version AFTER {op} ON {table} "
                "BEGIN UPDATE store_versions SET version = version + 1 WHERE name = 'proposals'; "
                "END"
            )
    # A facilitator's login on the server side: logging out ends it, whatever copies of the
    # session cookie exist.
    db["login_sessions"].create(
        {"id_hash": str, "user_id": int, "created_at": str, "ended_at": str},
        pk="id_hash",
        foreign_keys=[("user_id", "users", "id")],
        if_not_exists=True,
    )
    # The change log gets a time, so that a retention policy can purge it.
    if "created_at" not in db["company_changes"].columns_dict:
        db.execute("ALTER TABLE company_changes ADD COLUMN created_at TEXT")
    db.execute("CREATE INDEX IF NOT EXISTS conversations_created ON conversations(created_at)")
    db.execute("CREATE INDEX IF NOT EXISTS export_log_created ON export_log(created_at)")
    db.execute("CREATE INDEX IF NOT EXISTS responses_cvr ON responses(cvr)")
    db.execute("CREATE INDEX IF NOT EXISTS responses_company ON responses(company_id)")


def _v3(db: sqlite_utils.Database) -> None:
    """The date of a firm's consent, and facilitators' notes on firms."""
    from matchmaker.store import consent, notes

    consent.migrate(db)
    notes.migrate(db)


def _v4(db: sqlite_utils.Database) -> None:
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


def _v5(db: sqlite_utils.Database) -> None:
    """One answer per firm per masterclass (earlier repeats merged, the newest kept); the
    technology a masterclass's questions name; private links asked for by e-mail."""
    from matchmaker.store import private_links, questionnaires

    if "technology" not in db["masterclasses"].columns_dict:
        db["masterclasses"].add_column("technology", str)
    if "updated_at" not in db["responses"].columns_dict:
        db["responses"].add_column("updated_at", str)
    questionnaires.merge_repeated_answers(db)
    db.execute(
        "CREATE UNIQUE INDEX IF NOT EXISTS responses_one_per_cvr "
        "ON responses(masterclass_id, cvr) WHERE cvr IS NOT NULL"
    )
    private_links.migrate(db)


def _v6(db: sqlite_utils.Database) -> None:
    """Learning from decisions: the swap log, and the pair scorers re-fitted on decisions."""
    from matchmaker.store import decisions, learned_scorers

    decisions.migrate(db)
    learned_scorers.migrate(db)


def _v7(db: sqlite_utils.Database) -> None:
    """The capability concepts a firm confirmed, added or removed (JSON lists of lexicon ids;
    NULL while it has said nothing)."""
    columns = db["companies"].columns_dict
    for name in ("offer_concepts", "offer_concepts_removed", "need_concepts",
                 "need_concepts_removed"):  # fmt: skip
        if name not in columns:
            db["companies"].add_column(name, str)


def _v8(db: sqlite_utils.Database) -> None:
    """A questionnaire answer's private token (hashed): a repeat replaces the answer only with
    it (answers from before have none: a facilitator changes those)."""
    if "edit_token_hash" not in db["responses"].columns_dict:
        db["responses"].add_column("edit_token_hash", str)


MIGRATIONS = {1: _v1, 2: _v2, 3: _v3, 4: _v4, 5: _v5, 6: _v6, 7: _v7, 8: _v8}


def _version(db: sqlite_utils.Database) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite_utils.Database) -> int:
    """Bring the store up to `SCHEMA_VERSION`, one transaction per step; return the version.

    Several workers may start at once: each step re-reads the version once it holds the write
    lock, so a step runs once. Foreign keys are off while tables are rebuilt (SQLite's own
    recipe for changing a table) and checked before each step commits.
    """
    if _version(db) >= SCHEMA_VERSION:
        return _version(db)
    db.execute("PRAGMA foreign_keys = OFF")
    try:
        for version in range(1, SCHEMA_VERSION + 1):
            with db.atomic():
                if _version(db) >= version:
                    continue
                MIGRATIONS[version](db)
                broken = db.execute("PRAGMA foreign_key_check").fetchall()
                assert not broken, f"migration {version} broke foreign keys: {broken[:5]}"
                db.execute(f"PRAGMA user_version = {version}")
    finally:
        db.execute("PRAGMA foreign_keys = ON")
    return _version(db)
