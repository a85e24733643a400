"""A firm's private link asked for again by e-mail: a one-time secret, sent to the profile's
contact e-mail, that gives the firm a new private link when it is opened from the mailbox.

Asking never changes the working link (anyone may ask, by CVR); only the mailbox's owner,
opening the secret, renews it. A secret lasts a day and serves once; a firm gets at most a few
such mails an hour, however often someone asks. Deleting a firm deletes its secrets (a trigger,
so every path that deletes a company does it).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from matchmaker.reference.validation import NotFound, Strict, text
from matchmaker.store import profiles

VALID_HOURS = 24
MAX_MAILS_PER_HOUR = 3


@dataclass(frozen=True)
class LinkRequest:
    """Whom to write to, and the secret to put in the mail."""

    company: dict[str, Any]
    secret: str


class LinkRequestIn(Strict):
    """A request for a firm's private link by e-mail."""

    cvr: text(20, 1)


def migrate(db: sqlite_utils.Database) -> None:
    db["link_requests"].create(
        {"secret_hash": str, "company_id": int, "created_at": str, "used_at": str},
        pk="secret_hash",
        not_null={"company_id", "created_at"},
        if_not_exists=True,
    )
    db.execute("CREATE INDEX IF NOT EXISTS link_requests_company ON link_requests(company_id)")
    db.execute(
        "CREATE TRIGGER IF NOT EXISTS companies_link_requests_erased AFTER DELETE ON companies "
        "BEGIN DELETE FROM link_requests WHERE company_id = OLD.id; END"
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _stamp(when: dt.datetime) -> str:
    return when.isoformat(timespec="seconds")


def request_by_cvr(db: sqlite_utils.Database, cvr: str) -> LinkRequest | None:
    """A new secret for the firm registered with `cvr`, or None when there is no such firm, it
    has no contact e-mail, or it was written to often enough this hour. The caller must answer
    the same in every case: whether a CVR is registered is not told."""
    cvr = (cvr or "").replace(" ", "")
    if not profiles.valid_cvr(cvr):
        return None
    now = _now()
    with db.atomic():
        # Secrets past their day serve no one: each request clears them away.
        db.execute(
            "DELETE FROM link_requests WHERE created_at <= ?",
            [_stamp(now - dt.timedelta(hours=VALID_HOURS))],
        )
        row = db.execute(
            "SELECT id FROM companies WHERE cvr = ? AND contact_email IS NOT NULL "
            "AND contact_email != ''",
            [cvr],
        ).fetchone()
        if row is None:
            return None
        recent = db.execute(
            "SELECT count(*) FROM link_requests WHERE company_id = ? AND created_at > ?",
            [row[0], _stamp(now - dt.timedelta(hours=1))],
        ).fetchone()[0]
        if recent >= MAX_MAILS_PER_HOUR:
            return None
        secret = secrets.token_urlsafe(24)
        db["link_requests"].insert(
            {
                "secret_hash": profiles.hash_token(secret),
                "company_id": row[0],
                "created_at": _stamp(now),
            }
        )
    return LinkRequest(profiles.get(db, row[0]), secret)


def pending(db: sqlite_utils.Database, secret: str) -> dict[str, Any]:
    """The firm whose unused, unexpired secret this is; NotFound otherwise."""
    row = db.execute(
        "SELECT company_id FROM link_requests WHERE secret_hash = ? AND used_at IS NULL "
        "AND created_at > ?",
        [profiles.hash_token(secret), _stamp(_now() - dt.timedelta(hours=VALID_HOURS))],
    ).fetchone()
    if row is None:
        raise NotFound("This link has expired or has been used; ask for a new one")
    return profiles.get(db, row[0])


def redeem(db: sqlite_utils.Database, secret: str) -> tuple[dict[str, Any], str]:
    """Use the secret once: the firm gets a new private link (the old one stops working).
    Returns the firm and the token of its new link; NotFound if the secret is not valid."""
    with db.atomic():
        company = pending(db, secret)
        db.execute(
            "UPDATE link_requests SET used_at = ? WHERE secret_hash = ?",
            [_stamp(_now()), profiles.hash_token(secret)],
        )
        token = profiles.rotate_token(db, company["id"])
    return company, token
