"""The facilitator chat: the page and POST /api/v1/chat."""

from __future__ import annotations

from flask import Blueprint, render_template

from web.auth import facilitator_required
from web.security import csrf, protect_unless_token

bp = Blueprint("chat", __name__)
csrf.exempt(bp)
bp.before_request(protect_unless_token)


@bp.get("/chat")
@facilitator_required
def page():
    return render_template("chat.html")
