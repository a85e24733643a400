"""Facilitator and admin accounts: hashed passwords, revocable API tokens."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Literal

import sqlite_utils
from email_validator import EmailNotValidError, validate_email
from werkzeug.security import check_password_hash, generate_password_hash

from matchmaker.reference.validation import Conflict, InvalidInput, NotFound
from matchmaker.store.profiles import hash_token

Role = Literal["facilitator", "admin"]
ROLES = ("facilitator", "admin")
MIN_PASSWORD_LENGTH = 10


@dataclass(frozen=True)
class User:
    id: int
    email: str
    role: str


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def add_user(db: sqlite_utils.Database, email: str, role: str, password: str | None = None) -> User:
    """Create an account; the password is optional (API-token-only accounts)."""
    errors = {}
    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        errors["email"] = str(exc)
    if role not in ROLES:
        errors["role"] = "must be one of " + ", ".join(ROLES)
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = f"must be at least {MIN_PASSWORD_LENGTH} characters"
    if errors:
        raise InvalidInput(errors)
    with db.atomic():
        if db.execute("SELECT 1 FROM users WHERE email = ?", [email]).fetchone():
            raise Conflict({"email": "already has an account"})
        user_id = (
            db["users"]
            .insert(
                {
                    "email": email,
                    "role": role,
                    "password_hash": generate_password_hash(password) if password else None,
                    "created_at": _now(),
                }
            )
            .last_pk
        )
    return User(user_id, email, role)


def set_password(db: sqlite_utils.Database, user_id: int, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput({"password": f"must be at least {MIN_PASSWORD_LENGTH} characters"})
    db["users"].update(user_id, {"password_hash": generate_password_hash(password)})


def get_user(db: sqlite_utils.Database, user_id: int) -> User:
    row = db.execute("SELECT id, email, role FROM users WHERE id = ?", [user_id]).fetchone()
    if row is None:
        raise NotFound(f"No user with id {user_id}")
    return User(*row)


def find_user(db: sqlite_utils.Database, email: str) -> User | None:
    row = db.execute(
        "SELECT id, email, role FROM users WHERE email = ?", [email.strip().lower()]
    ).fetchone()
    return User(*row) if row else None


def check_login(db: sqlite_utils.Database, email: str, password: str) -> User | None:
    """The user whose email and password match, else None (same answer for either mistake)."""
    row = db.execute(
        "SELECT id, email, role, password_hash FROM users WHERE email = ?",
        [email.strip().lower()],
    ).fetchone()
    if row and row[3] and check_password_hash(row[3], password):
        return User(*row[:3])
    check_password_hash(generate_password_hash("x"), password)  # even out timing
    return None


def issue_token(db: sqlite_utils.Database, user_id: int, label: str = "") -> tuple[int, str]:
    """A new API token for the user: (token id, the token itself, shown only now)."""
    token = secrets.token_urlsafe(32)
    with db.atomic():
        token_id = (
            db["api_tokens"]
            .insert(
                {
                    "user_id": user_id,
                    "token_hash": hash_token(token),
                    "label": label,
                    "created_at": _now(),
                }
            )
            .last_pk
        )
    return token_id, token


def tokens(db: sqlite_utils.Database, user_id: int) -> list[dict]:
    return list(
        db.query(
            "SELECT id, label, created_at, revoked_at FROM api_tokens "
            "WHERE user_id = ? ORDER BY id",
            [user_id],
        )
    )


def revoke_token(db: sqlite_utils.Database, user_id: int, token_id: int) -> None:
    with db.atomic():
        hit = db.execute(
            "SELECT 1 FROM api_tokens WHERE id = ? AND user_id = ?", [token_id, user_id]
        ).fetchone()
        if not hit:
            raise NotFound(f"No token with id {token_id}")
        db["api_tokens"].update(token_id, {"revoked_at": _now()})


def user_for_token(db: sqlite_utils.Database, token: str) -> User | None:
    row = db.execute(
        "SELECT u.id, u.email, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id "
        "WHERE t.token_hash = ? AND t.revoked_at IS NULL",
        [hash_token(token)],
    ).fetchone()
    return User(*row) if row else None


def start_session(db: sqlite_utils.Database, user_id: int) -> str:
    """A server-side login session: its secret goes in the session cookie, its hash here."""
    secret = secrets.token_urlsafe(32)
    with db.atomic():
        db["login_sessions"].insert(
            {"id_hash": hash_token(secret), "user_id": user_id, "created_at": _now()}
        )
    return secret


def session_user(db: sqlite_utils.Database, secret: str | None) -> int | None:
    """The user of a login session that has not ended, else None."""
    if not secret:
        return None
    row = db.execute(
        "SELECT user_id FROM login_sessions WHERE id_hash = ? AND ended_at IS NULL",
        [hash_token(secret)],
    ).fetchone()
    return row[0] if row else None


def end_session(db: sqlite_utils.Database, secret: str | None) -> None:
    """Logging out ends the session on the server: a copy of the cookie no longer logs in."""
    if not secret:
        return
    with db.atomic():
        db.execute(
            "UPDATE login_sessions SET ended_at = ? WHERE id_hash = ? AND ended_at IS NULL",
            [_now(), hash_token(secret)],
        )
