"""The page where a facilitator pastes a call and sees the consortia proposed for it."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from matchmaker.grouping import consortia
from matchmaker.reference.validation import InvalidInput, NotFound
from web import get_db
from web.auth import facilitator_required
from web.i18n import current_language

bp = Blueprint("consortia", __name__)


def _int(value: str | None):
    value = (value or "").strip()
    if not value:
        return None
    return int(value) if value.isdigit() else value


def _form() -> dict:
    """The call form as the API's JSON body (the same validation)."""
    data = {
        "call": request.form.get("call", ""),
        "count": _int(request.form.get("count")),
        "min_size": _int(request.form.get("min_size")),
        "max_size": _int(request.form.get("max_size")),
        "seed": _int(request.form.get("seed")),
        "lang": current_language(),
    }
    return {k: v for k, v in data.items() if v is not None}


@bp.route("/consortia", methods=["GET", "POST"])
@facilitator_required
def index():
    errors, values = {}, {}
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            found = consortia.propose(get_db(), _form(), created_by=g.user.id)
        except InvalidInput as exc:
            errors = exc.fields
        else:
            return redirect(url_for("consortia.detail", proposal_id=found["id"]))
    return render_template(
        "consortia.html", errors=errors, values=values, items=consortia.listing(get_db())[:20]
    ), (422 if errors else 200)


@bp.get("/consortia/<int:proposal_id>")
@facilitator_required
def detail(proposal_id: int):
    try:
        found = consortia.get(get_db(), proposal_id)
    except NotFound:
        abort(404)
    return render_template("consortia_detail.html", proposal=found)
