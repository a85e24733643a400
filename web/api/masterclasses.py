"""Masterclasses and questionnaire answers over the API."""

from __future__ import annotations

from flask import g, jsonify, url_for

from matchmaker.store import questionnaires
from web import get_db
from web.api import bp, json_body
from web.api.openapi import documented
from web.auth import facilitator_required, is_facilitator
from web.i18n import questions
from web.security import REGISTRATION_LIMIT, authenticated_client, limiter


def _public(masterclass: dict) -> dict:
    masterclass = dict(masterclass)
    masterclass["questionnaire_url"] = url_for(
        "pages.questionnaire", masterclass_id=masterclass["id"], _external=True
    )
    masterclass["questions"] = _questions(masterclass)
    return masterclass


def _questions(masterclass: dict) -> list[dict]:
    """The questions in Danish and English, the technology questions naming its theme."""
    danish, english = questions(masterclass, "da"), questions(masterclass, "en")
    return [
        {"field": da["field"], "required": da["required"],
         "text": {"da": da["text"], "en": en["text"]}}
        for da, en in zip(danish, english, strict=True)
    ]  # fmt: skip


@bp.post("/masterclasses")
@documented("/masterclasses", "post", "Create a masterclass",
            body=questionnaires.MasterclassIn, status=201)  # fmt: skip
@facilitator_required
def create_masterclass():
    masterclass = questionnaires.create_masterclass(get_db(), json_body())
    return jsonify(_public(masterclass)), 201


@bp.get("/masterclasses")
@documented("/masterclasses", "get", "List masterclasses")
@facilitator_required
def list_masterclasses():
    items = [_public(m) for m in questionnaires.list_masterclasses(get_db())]
    return jsonify(items=items, total=len(items))


@bp.get("/masterclasses/<int:masterclass_id>")
@documented("/masterclasses/{masterclass_id}", "get", "Read a masterclass with its answers")
@facilitator_required
def get_masterclass(masterclass_id: int):
    masterclass = _public(questionnaires.get_masterclass(get_db(), masterclass_id))
    masterclass["answers"] = questionnaires.responses(get_db(), masterclass_id)
    return jsonify(masterclass)


@bp.post("/masterclasses/<int:masterclass_id>/responses")
@documented("/masterclasses/{masterclass_id}/responses", "post",
            "Answer the masterclass pre-questionnaire (open, like the web form)",
            body=questionnaires.ResponseIn, auth=False, status=201)  # fmt: skip
@limiter.limit(REGISTRATION_LIMIT, exempt_when=authenticated_client)
def add_response(masterclass_id: int):
    """A firm answers once per masterclass: a repeat (same CVR, profile or name) replaces its
    answer under the same id and answers 200 with `updated: true`; a first answer 201."""
    response = questionnaires.add_response(
        get_db(),
        masterclass_id,
        json_body(),
        company_id=g.get("company_id"),
        link_by_cvr=is_facilitator(),
    )
    if g.get("company_id") is None and not is_facilitator():
        response["company_id"] = None  # an anonymous caller learns no firm's profile
    return jsonify(response), 200 if response["updated"] else 201


@bp.get("/masterclasses/<int:masterclass_id>/questionnaire")
@documented("/masterclasses/{masterclass_id}/questionnaire", "get",
            "The pre-questionnaire of a masterclass (open, like the web form): its questions in "
            "Danish and English, the technology questions naming the masterclass's technology",
            auth=False, errors=(404,))  # fmt: skip
def questionnaire(masterclass_id: int):
    masterclass = questionnaires.get_masterclass(get_db(), masterclass_id)
    keys = ("id", "title", "theme", "technology", "date")
    return jsonify(
        masterclass={k: masterclass.get(k) for k in keys},
        questions=_questions(masterclass),
        url=url_for("pages.questionnaire", masterclass_id=masterclass_id, _external=True),
    )
