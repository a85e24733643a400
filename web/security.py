"""CSRF on forms, rate limits on anonymous registration and login, and security headers."""

from __future__ import annotations

from flask import Flask, current_app, g, request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

REGISTRATION_LIMIT = "30/hour;10/minute"
LOGIN_LIMIT = "20/hour;5/minute"

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def authenticated_client() -> bool:
    """Requests carrying a valid API token (bulk clients) are not throttled."""
    return getattr(g, "user", None) is not None and getattr(g, "via_token", False)


def protect_unless_token() -> None:
    """CSRF for writes that ride on a login cookie; token clients and anonymous calls carry none."""
    if request.method in ("GET", "HEAD", "OPTIONS") or request.headers.get("Authorization"):
        return
    if not current_app.config.get("WTF_CSRF_ENABLED", True) or "user_id" not in session:
        return
    csrf.protect()


def _headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
    app.after_request(_headers)
