"""Consortia for a call over the API: propose from a call's text, read stored proposals."""

from __future__ import annotations

from flask import g, jsonify, url_for

from matchmaker.grouping import consortia
from web import get_db
from web.api import bp, json_body
from web.api.openapi import documented
from web.auth import facilitator_required


@bp.post("/consortia")
@documented("/consortia", "post",
            "Propose 3–5-firm consortia whose offers together cover a call's demands",
            body=consortia.ConsortiumRequestIn, status=201)  # fmt: skip
@facilitator_required
def propose_consortia():
    found = consortia.propose(get_db(), json_body(), created_by=getattr(g.user, "id", None))
    location = url_for("api.get_consortia", proposal_id=found["id"])
    return jsonify(found), 201, {"Location": location}


@bp.get("/consortia")
@documented("/consortia", "get", "List stored consortium proposals, newest first")
@facilitator_required
def list_consortia():
    items = consortia.listing(get_db())
    return jsonify(items=items, total=len(items))


@bp.get("/consortia/<int:proposal_id>")
@documented("/consortia/{proposal_id}", "get", "Read a stored consortium proposal")
@facilitator_required
def get_consortia(proposal_id: int):
    return jsonify(consortia.get(get_db(), proposal_id))
