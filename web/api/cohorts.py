"""Masterclass cohorts and targeted invitations over the API."""

from __future__ import annotations

from flask import g, jsonify, request, url_for

from matchmaker.grouping import cohorts, recruitment
from matchmaker.reference.validation import InvalidInput
from web import get_db
from web.api import bp, json_body
from web.api.companies import int_arg
from web.api.openapi import documented
from web.auth import facilitator_required


@bp.post("/masterclasses/<int:masterclass_id>/cohorts")
@documented("/masterclasses/{masterclass_id}/cohorts", "post",
            "Split the respondents into cohorts of like theme and maturity",
            body=cohorts.CohortRequestIn, status=201)  # fmt: skip
@facilitator_required
def propose_cohorts(masterclass_id: int):
    data = json_body() if request.get_data(cache=True) else {}
    user = g.get("user")
    proposal = cohorts.propose(get_db(), masterclass_id, data, created_by=getattr(user, "id", None))
    location = url_for("api.get_cohort_proposal", proposal_id=proposal["id"])
    return jsonify(proposal), 201, {"Location": location}


@bp.get("/masterclasses/<int:masterclass_id>/cohorts")
@documented("/masterclasses/{masterclass_id}/cohorts", "get",
            "Stored cohort proposals of a masterclass, newest first")  # fmt: skip
@facilitator_required
def list_cohort_proposals(masterclass_id: int):
    items = cohorts.for_masterclass(get_db(), masterclass_id)
    return jsonify(items=items, total=len(items))


@bp.get("/cohorts/proposals/<int:proposal_id>")
@documented("/cohorts/proposals/{proposal_id}", "get", "Read a stored cohort proposal")
@facilitator_required
def get_cohort_proposal(proposal_id: int):
    return jsonify(cohorts.get_proposal(get_db(), proposal_id))


@bp.get("/cohorts/<int:group_id>")
@documented("/cohorts/{group_id}", "get", "Read one cohort")
@facilitator_required
def get_cohort(group_id: int):
    return jsonify(cohorts.get_cohort(get_db(), group_id))


INVITATION_QUERY = {
    "limit": {"type": "integer", "minimum": 1, "maximum": 200},
    "lang": {"type": "string", "enum": ["da", "en"]},
}


@bp.get("/masterclasses/<int:masterclass_id>/invitations")
@documented("/masterclasses/{masterclass_id}/invitations", "get",
            "Firms to invite: consenting, not yet answered, ranked by fit, with reasons",
            query=INVITATION_QUERY, errors=(422,))  # fmt: skip
@facilitator_required
def invitations(masterclass_id: int):
    limit = int_arg("limit", 20, 1, 200)
    lang = request.args.get("lang") or "da"
    if lang not in ("da", "en"):
        raise InvalidInput({"lang": "must be da or en"})
    items, total = recruitment.invitations(get_db(), masterclass_id, limit=limit, lang=lang)
    return jsonify(items=recruitment.as_dicts(items), total=total)
