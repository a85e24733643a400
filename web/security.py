"""CSRF on forms, secure session cookies, rate limits on anonymous registration and login,
and security headers.

Rate limits count per client address in a small SQLite file beside the store
(`sqlite://<store>.ratelimits`), shared by every gunicorn worker and kept across restarts;
`MATCHMAKER_RATELIMIT_STORAGE` may name another (e.g. `redis://...`). Behind a reverse proxy
set `MATCHMAKER_TRUSTED_PROXIES` to the number of proxies in front: the client address is then
read from their `X-Forwarded-For` (ProxyFix); without it the header is ignored, so a client
cannot choose its own address. Requests that carry a valid facilitator API token are never
throttled by these limits.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import time

from flask import Flask, current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from limits.storage import Storage
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from matchmaker.store.db import switch_to_wal

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

REGISTRATION_LIMIT = "30/hour;10/minute"
LOGIN_LIMIT = "20/hour;5/minute"
# A firm's own suggestions (edit token), and changes made with an edit token (a changed CVR
# answers whether another firm holds it).
OWN_SUGGESTIONS_LIMIT = "20/hour;5/minute"
OWN_CHANGES_LIMIT = "60/hour;10/minute"

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class SQLiteCounters(Storage):
    """Fixed-window rate-limit counters in a SQLite file, shared by every worker and process
    serving one store (`sqlite:///path/to/file`)."""

    STORAGE_SCHEME = ["sqlite"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = (uri or "").split("://", 1)[1]
        self._local = threading.local()

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=5, isolation_level=None)
            # Workers' first requests open the new file at once: the switch to WAL is retried.
            switch_to_wal(conn, timeout_s=5)
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS counters "
                "(key TEXT PRIMARY KEY, count INTEGER NOT NULL, expiry REAL NOT NULL)"
            )
            self._local.conn = conn
        return conn

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        conn, now = self._conn(), time.time()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("DELETE FROM counters WHERE expiry <= ?", [now])
            conn.execute(
                "INSERT INTO counters (key, count, expiry) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET count = count + excluded.count",
                [key, amount, now + expiry],
            )
            count = conn.execute("SELECT count FROM counters WHERE key = ?", [key]).fetchone()[0]
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return count

    def get(self, key: str) -> int:
        row = (
            self._conn()
            .execute("SELECT count FROM counters WHERE key = ? AND expiry > ?", [key, time.time()])
            .fetchone()
        )
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._conn().execute("SELECT expiry FROM counters WHERE key = ?", [key]).fetchone()
        return row[0] if row else time.time()

    def check(self) -> bool:
        try:
            self._conn().execute("SELECT 1")
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._conn().execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        self._conn().execute("DELETE FROM counters WHERE key = ?", [key])


def shared_counters_uri(db_path: str) -> str:
    """Where the rate-limit counters of the store at `db_path` live (beside it)."""
    return "sqlite://" + os.path.abspath(db_path) + ".ratelimits"


# The secret part of a firm's private link, and of a questionnaire answer's (`?svar=`); never
# written to a log, never kept by a cache.
PRIVATE_LINK = re.compile(r"(/p/|[?&]svar=)[^/?&#\s\"]+")


def redact(text: str) -> str:
    """`text` with the secret of any private link replaced."""
    return PRIVATE_LINK.sub(r"\1[privat]", text)


def _private_request() -> bool:
    """A firm's own page or its own edit token, or a questionnaire answer's private link: the
    answer holds that firm's own data."""
    return (
        g.get("company_id") is not None
        or "token" in (request.view_args or {})
        or bool(request.args.get("svar"))
    )


def authenticated_client() -> bool:
    """Requests carrying a valid facilitator API token (bulk clients) are not throttled."""
    return getattr(g, "user", None) is not None and getattr(g, "via_token", False)


def _bearer_request() -> bool:
    return request.headers.get("Authorization", "").lower().startswith("bearer ")


def protect_unless_token() -> None:
    """CSRF for writes that ride on a login cookie; bearer-token and anonymous calls carry none.

    A browser cannot attach an Authorization header to a cross-site request without a CORS
    preflight this service never grants, so a bearer request cannot be forged; any other
    request authenticated by the session cookie must send the token in `X-CSRFToken`.
    """
    if request.method in ("GET", "HEAD", "OPTIONS") or _bearer_request():
        return
    if not current_app.config.get("WTF_CSRF_ENABLED", True) or "user_id" not in session:
        return
    csrf.protect()


class StoreIdConverter(IntegerConverter):
    """`<int:...>` in a URL matches only ids SQLite can hold; a larger number is a plain 404."""

    def __init__(self, map, fixed_digits=0, min=None, max=2**63 - 1, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits, min, max, signed)


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is `Secure` when configured so, and on any request made over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        if app.config["SESSION_COOKIE_SECURE"]:
            return True
        try:
            return request.is_secure
        except RuntimeError:  # outside a request
            return False


def _headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    response.headers.setdefault(
        "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"
    )
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.endpoint != "static" and (g.get("user") is not None or _private_request()):
        # Facilitators' pages hold other firms' contact data, a firm's private pages its own:
        # no cache keeps them (nor the secret link in their address).
        response.headers["Cache-Control"] = "private, no-store"
    return response


def init_app(app: Flask) -> None:
    """Called before the blueprints are registered, so their `<int:...>` rules are bounded."""
    app.url_map.converters["int"] = StoreIdConverter
    csrf.init_app(app)
    app.session_interface = SessionInterface()
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    if os.environ.get("MATCHMAKER_RATELIMIT_STORAGE"):
        app.config["RATELIMIT_STORAGE_URI"] = os.environ["MATCHMAKER_RATELIMIT_STORAGE"]
    elif not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = shared_counters_uri(app.config["DATABASE"])
    proxies = int(app.config.get("TRUSTED_PROXIES") or os.environ.get("MATCHMAKER_TRUSTED_PROXIES")
                  or 0)  # fmt: skip
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    limiter.init_app(app)
    app.after_request(_headers)
