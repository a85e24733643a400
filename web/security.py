"""CSRF on forms, secure session cookies, rate limits on anonymous registration and login,
and security headers.

Rate limits count per client address in `RATELIMIT_STORAGE_URI` (default `memory://`): each
gunicorn worker keeps its own counters, so with N workers a client may reach up to N times a
limit, and counters reset on restart. A deployment that needs exact limits points
`MATCHMAKER_RATELIMIT_STORAGE` at a shared store (e.g. `redis://...`). Behind a reverse proxy
the client address is the proxy's unless the proxy's forwarded address is trusted (ProxyFix).
Requests that carry a valid facilitator API token are never throttled by these limits.
"""

from __future__ import annotations

import os

from flask import Flask, current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from werkzeug.routing import IntegerConverter

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

REGISTRATION_LIMIT = "30/hour;10/minute"
LOGIN_LIMIT = "20/hour;5/minute"

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
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
    if getattr(g, "user", None) is not None and request.endpoint != "static":
        # Pages for a logged-in facilitator hold other firms' contact data: not for shared caches.
        response.headers.setdefault("Cache-Control", "private, no-store")
    return response


def init_app(app: Flask) -> None:
    """Called before the blueprints are registered, so their `<int:...>` rules are bounded."""
    app.url_map.converters["int"] = StoreIdConverter
    csrf.init_app(app)
    app.session_interface = SessionInterface()
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    if os.environ.get("MATCHMAKER_RATELIMIT_STORAGE"):
        app.config["RATELIMIT_STORAGE_URI"] = os.environ["MATCHMAKER_RATELIMIT_STORAGE"]
    limiter.init_app(app)
    app.after_request(_headers)
