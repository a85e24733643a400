"""Who is asking: API tokens, facilitator logins, and a company's private edit link."""

from __future__ import annotations

import functools

from flask import (
    Blueprint,
    Flask,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from matchmaker.reference.validation import NotFound
from matchmaker.store import accounts, profiles
from web import get_db
from web.i18n import t
from web.security import LOGIN_LIMIT, limiter

bp = Blueprint("auth", __name__)


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


def load_caller() -> None:
    """Set g.user (facilitator/admin) or g.company_id (a company's own edit token)."""
    g.user, g.company_id, g.via_token = None, None, False
    token = _bearer()
    if token:
        g.user = accounts.user_for_token(get_db(), token)
        g.via_token = g.user is not None
        if g.user is None:
            try:
                g.company_id = profiles.by_token(get_db(), token)["id"]
            except NotFound:
                pass
        g.bad_token = g.user is None and g.company_id is None
        return
    g.bad_token = False
    if session.get("user_id"):
        if accounts.session_user(get_db(), session.get("sid")) != session["user_id"]:
            session.clear()  # logged out (or a cookie from before server-side sessions)
            return
        try:
            g.user = accounts.get_user(get_db(), session["user_id"])
        except NotFound:
            session.clear()


def is_facilitator() -> bool:
    return g.get("user") is not None and g.user.role in accounts.ROLES


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def facilitator_required(view):
    """Facilitators and admins only: 401 without credentials, 403 with the wrong ones."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if is_facilitator():
            return view(*args, **kwargs)
        if _wants_json():
            if g.get("company_id") is not None:
                return jsonify(error="This needs a facilitator account", fields={}), 403
            message = (
                "This API token is not valid or has been revoked"
                if g.get("bad_token")
                else "Send a facilitator API token: Authorization: Bearer <token>"
            )
            return jsonify(error=message, fields={}), 401
        return redirect(url_for("auth.login", next=request.full_path))

    return wrapped


def admin_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("user") is not None and g.user.role == "admin":
            return view(*args, **kwargs)
        if _wants_json():
            return jsonify(error="This needs an admin account", fields={}), (
                403 if g.get("user") else 401
            )
        return redirect(url_for("auth.login", next=request.full_path))

    return wrapped


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def login():
    if request.method == "POST":
        user = accounts.check_login(
            get_db(), request.form.get("email", ""), request.form.get("password", "")
        )
        if user is None:
            flash(t("login_failed"), "error")
            return render_template("login.html"), 401
        session.clear()
        session["user_id"] = user.id
        session["sid"] = accounts.start_session(get_db(), user.id)
        target = request.args.get("next") or ""
        if not target.startswith("/") or target.startswith("//"):
            target = url_for("pages.index")  # which sends a facilitator on to the dashboard
        return redirect(target)
    return render_template("login.html")


@bp.post("/logout")
def logout():
    accounts.end_session(get_db(), session.get("sid"))
    session.clear()
    return redirect(url_for("pages.index"))


@bp.route("/account", methods=["GET", "POST"])
@facilitator_required
def account():
    new_token = None
    if request.method == "POST":
        action = request.form.get("action")
        if action == "new-token":
            _, new_token = accounts.issue_token(get_db(), g.user.id, request.form.get("label", ""))
        elif action == "revoke":
            try:
                accounts.revoke_token(get_db(), g.user.id, int(request.form.get("token_id", "0")))
                flash(t("token_revoked"), "info")
            except (NotFound, ValueError):
                flash(t("token_unknown"), "error")
    return render_template(
        "account.html", tokens=accounts.tokens(get_db(), g.user.id), new_token=new_token
    )


def init_app(app: Flask) -> None:
    app.before_request(load_caller)
