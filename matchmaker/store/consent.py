"""When a firm gave its consent: `companies.consent_at`, kept by the store itself.

Triggers set the date whenever consent is given (on registration, import or a change) and
clear it when consent is withdrawn, so every path that writes a company keeps it right.
"""

from __future__ import annotations

import sqlite_utils

NOW = "strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')"


def migrate(db: sqlite_utils.Database) -> None:
    """Add `consent_at` (existing consenting firms: their registration time) and its triggers."""
    if "consent_at" not in db["companies"].columns_dict:
        db.execute("ALTER TABLE companies ADD COLUMN consent_at TEXT")
    db.execute("UPDATE companies SET consent_at = created_at WHERE consent = 1")
    db.execute(
        "CREATE TRIGGER IF NOT EXISTS companies_consent_given AFTER INSERT ON companies "
        f"WHEN NEW.consent = 1 BEGIN UPDATE companies SET consent_at = {NOW} "
        "WHERE id = NEW.id; END"
    )
    db.execute(
        "CREATE TRIGGER IF NOT EXISTS companies_consent_changed AFTER UPDATE OF consent ON "
        "companies WHEN NEW.consent IS NOT OLD.consent BEGIN UPDATE companies SET consent_at = "
        f"CASE WHEN NEW.consent = 1 THEN {NOW} END WHERE id = NEW.id; END"
    )
