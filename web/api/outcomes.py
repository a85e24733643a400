"""Outcomes of accepted networks over the API: record (facilitator or member), read, sum up."""

from __future__ import annotations

from flask import Response, g, jsonify

from matchmaker.grouping import networks, outcomes
from matchmaker.store import outcomes as outcome_store
from web import get_db
from web.api import bp, json_body
from web.api.openapi import documented
from web.auth import facilitator_required, is_facilitator
from web.outcomes import outcomes_csv


def _caller():
    """(user id, company id) of a facilitator or a member firm's edit token, else None."""
    if is_facilitator():
        return g.user.id, None
    if g.get("company_id") is not None:
        return None, g.company_id
    return None


def _refused():
    message = (
        "This API token is not valid or has been revoked"
        if g.get("bad_token")
        else "Send a facilitator API token or a member firm's edit token"
    )
    return jsonify(error=message, fields={}), 401


@bp.post("/networks/<int:group_id>/outcomes")
@documented("/networks/{group_id}/outcomes", "post",
            "Record what came of an accepted network (facilitator, or a member's edit token)",
            body=outcome_store.OutcomeIn, status=201, errors=(409,))  # fmt: skip
def record_outcome(group_id: int):
    caller = _caller()
    if caller is None:
        return _refused()
    user_id, company_id = caller
    data = json_body()
    stored = outcomes.record(
        get_db(), networks.stored_id(group_id, "network"), data,
        user_id=user_id, company_id=company_id,
    )  # fmt: skip
    return jsonify(stored), 201


@bp.get("/networks/<int:group_id>/outcomes")
@documented("/networks/{group_id}/outcomes", "get", "The outcome reports of a network")
def list_outcomes(group_id: int):
    caller = _caller()
    if caller is None:
        return _refused()
    items = outcomes.history(
        get_db(), networks.stored_id(group_id, "network"), company_id=caller[1]
    )
    return jsonify(items=items, total=len(items))


@bp.get("/outcomes/summary")
@documented("/outcomes/summary", "get",
            "Outcome rates per indicator, per programme and per network type")  # fmt: skip
@facilitator_required
def outcomes_summary():
    return jsonify(outcomes.summary(get_db()))


@bp.get("/outcomes/export")
@documented("/outcomes/export", "get", "Every outcome report as CSV")
@facilitator_required
def outcomes_export():
    body = outcomes_csv(get_db(), user_id=g.user.id)
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=outcomes.csv"},
    )
