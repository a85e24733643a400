"""Capability concepts over the API: the lexicon's concepts, and those read from draft text."""

from __future__ import annotations

from dataclasses import asdict

from flask import jsonify, request

from matchmaker.reference.lexicon import default_lexicon
from matchmaker.reference.validation import InvalidInput, validate
from matchmaker.representation.capabilities import DraftTextIn, read_concepts
from web.api import bp, json_body
from web.api.openapi import documented
from web.security import authenticated_client, limiter

# Reading concepts from a draft as a firm types (the forms wait for a pause before asking).
CONCEPT_READING_LIMIT = "600/hour;60/minute"


@bp.get("/concepts")
@documented("/concepts", "get",
            "Every capability concept a profile may confirm, add or remove, with its labels",
            query={"lang": {"type": "string", "enum": ["da", "en"]}}, auth=False,
            errors=(422,))  # fmt: skip
def list_concepts():
    lang = request.args.get("lang") or "da"
    if lang not in ("da", "en"):
        raise InvalidInput({"lang": "must be da or en"})
    lexicon = default_lexicon()
    items = [
        {"id": cid, "label": label, "labels": dict(lexicon.concepts[cid].labels)}
        for cid, label in lexicon.labels(lang)
    ]
    return jsonify(items=items, total=len(items))


@bp.post("/concepts/read")
@documented("/concepts/read", "post",
            "The capability concepts read from draft offers and needs, labelled in a language",
            body=DraftTextIn, auth=False)  # fmt: skip
@limiter.limit(CONCEPT_READING_LIMIT, exempt_when=authenticated_client)
def read_draft_concepts():
    draft = validate(DraftTextIn, json_body())
    found = read_concepts(draft.offers, draft.needs, draft.language)
    return jsonify(
        language=draft.language,
        offers=[asdict(c) for c in found["offers"]],
        needs=[asdict(c) for c in found["needs"]],
    )
