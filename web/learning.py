"""The page where facilitators see what the matcher has learnt from their decisions (how many,
the newest re-fit, whether the service ranks with it) and re-fit it; and the swap log that the
review pages and the API keep for it."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for

from matchmaker import matching
from matchmaker.reference import messages
from matchmaker.store import decisions
from web import get_db
from web.auth import facilitator_required
from web.i18n import current_language

bp = Blueprint("learning", __name__)


def record_swap(db, network: dict, data: dict) -> None:
    """Log a swap that `review.swap` just made on `network` (its answer) from request `data`."""
    kept = [m.get("id") for m in network.get("members", [])]
    decisions.record_swap(
        db, network["id"], int(data["out"]), int(data["in"]), kept,
        created_by=getattr(g.get("user"), "id", None),
    )  # fmt: skip


def status(db) -> dict:
    """What the page and the API show."""
    return matching.learning.status(db, matching.default_scorer(), matching.learning_enabled())


def refit(db) -> dict:
    """Re-fit on the store's decisions now (the one request path that fits a model)."""
    index = matching.match_index(db)
    return matching.learning.refit_store(
        db, index, matching.default_scorer(), created_by=getattr(g.get("user"), "id", None)
    )


@bp.get("/learning")
@facilitator_required
def index():
    return render_template("learning.html", status=status(get_db()))


@bp.post("/learning/refit")
@facilitator_required
def refit_now():
    found = refit(get_db())
    flash(messages.render(found["reason"], current_language()), "info")
    return redirect(url_for("learning.index"))
