"""The JSON API under /api/v1: one module per area, one error format for all of them."""

from __future__ import annotations

import math
import time

from flask import Blueprint, jsonify, request
from werkzeug.exceptions import HTTPException

from matchmaker.reference import messages as catalogue
from matchmaker.reference.validation import Conflict, InvalidInput, NotFound
from web.security import csrf, limiter, protect_unless_token

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
bp.before_request(protect_unless_token)


def json_body() -> dict:
    """The request's JSON object, or InvalidInput saying what is wrong with the body."""
    if not request.is_json:
        raise InvalidInput(
            {"body": "send JSON with Content-Type: application/json"},
            "Request body must be JSON",
            status=415,
        )
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        data = None
    if data is None:
        raise InvalidInput({"body": "is not valid JSON"}, "Request body is not valid JSON", 400)
    if not isinstance(data, dict):
        raise InvalidInput({"body": "must be a JSON object"}, "Request body must be a JSON object")
    return data


def _invalid(exc: InvalidInput):
    if exc.unmet is not None:  # a proposal that placed nothing: why, firm by firm
        return jsonify(error=exc.message, fields=exc.fields, unmet=exc.unmet), exc.status
    return jsonify(error=exc.message, fields=exc.fields), exc.status


def _not_found(exc: NotFound):
    return jsonify(error=str(exc), fields={}), 404


def _conflict(exc: Conflict):
    return jsonify(error=exc.message, fields=exc.fields), 409


def answer_core_errors_as_json(blueprint: Blueprint) -> None:
    """The core's errors become the API's JSON error answers on `blueprint`."""
    blueprint.register_error_handler(InvalidInput, _invalid)
    blueprint.register_error_handler(NotFound, _not_found)
    blueprint.register_error_handler(Conflict, _conflict)


answer_core_errors_as_json(bp)


def http_error_json(exc: HTTPException):
    """Any HTTP error under /api answers in the API's error format."""
    messages = {
        413: "Request body is larger than 1 MB",
        404: "No such endpoint or object",
        405: f"Method {request.method} is not allowed here",
    }
    if exc.code == 429:
        return jsonify(error=_rate_limited(exc), fields={}), exc.code
    return jsonify(error=messages.get(exc.code, exc.description), fields={}), exc.code


def _rate_limited(exc: HTTPException) -> str:
    """A rate limit's answer in words: what the limit is and when to try again (the same
    wait the `Retry-After` header gives)."""
    hit = getattr(exc, "limit", None)
    limit = str(hit.limit) if hit is not None else exc.description
    current = limiter.current_limit
    wait = math.ceil(current.reset_at - time.time()) if current is not None else 60
    return catalogue.render("errors.rate_limited", "en", limit=limit, seconds=max(wait, 1))


from web.api import (  # noqa: E402,F401  (routes on bp)
    cohorts,
    companies,
    concepts,
    consortia,
    exports,
    learning,
    links,
    masterclasses,
    networks,
    openapi,
    outcomes,
    partners,
)
