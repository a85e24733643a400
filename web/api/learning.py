"""Learning from decisions over the API: how many decisions there are, the newest re-fit, and
re-fitting the partner model on them."""

from __future__ import annotations

from flask import jsonify, request

from matchmaker.reference import messages
from matchmaker.reference.validation import Strict, validate
from web import get_db, learning
from web.api import bp, json_body
from web.api.openapi import documented
from web.auth import facilitator_required


class RefitIn(Strict):
    """No settings: the re-fit reads every decision in the store."""


def _with_text(record: dict | None) -> dict | None:
    """A re-fit with its reason code worded (English, the API's language for messages)."""
    if record is None:
        return None
    return record | {"reason_text": messages.render(record["reason"], "en")}


@bp.get("/learning")
@documented("/learning", "get",
            "Decisions to learn from, the newest re-fit, whether the service uses it")  # fmt: skip
@facilitator_required
def learning_status():
    found = learning.status(get_db())
    found["last_refit"] = _with_text(found["last_refit"])
    found["history"] = [_with_text(r) for r in found["history"]]
    return jsonify(found)


@bp.post("/learning/refit")
@documented("/learning/refit", "post",
            "Re-fit the partner model on the store's decisions (adopted only if it beats the "
            "global model on held-out decisions)", body=RefitIn, status=201)  # fmt: skip
@facilitator_required
def learning_refit():
    if request.get_data():
        validate(RefitIn, json_body())
    return jsonify(_with_text(learning.refit(get_db()))), 201
