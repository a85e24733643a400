"""The facilitator chat: the page, POST /api/v1/chat, the session's history and firm-list exports.

The core (`matchmaker.chat`) answers with cards whose actions name what to do next; here
they get their links (profile pages, review and export endpoints) when those endpoints exist.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, g, jsonify, render_template, request, url_for

from matchmaker import chat
from matchmaker.reference.validation import InvalidInput, Strict, long_text, text, validate
from matchmaker.store import profiles
from web import get_db
from web.api import answer_core_errors_as_json, json_body
from web.api.openapi import documented
from web.auth import facilitator_required
from web.security import csrf, protect_unless_token

bp = Blueprint("chat", __name__)
csrf.exempt(bp)
bp.before_request(protect_unless_token)

MAX_MESSAGE = 2_000
MAX_EXPORT_IDS = 200
EXPORT_FORMATS = ("pdf", "xlsx", "csv", "json")
# Endpoints of the other API areas the cards link to, by card target.
GROUP_EXPORTS = {
    "network": "api.export_network",
    "cohort": "api.export_cohort",
    "network_proposal": "api.export_network_proposal",
    "cohort_proposal": "api.export_cohort_proposal",
}
REVIEW = {"accept": "api.accept_network", "reject": "api.reject_network"}
# Where old proposals are listed and discarded.
PROPOSALS_PAGE = "proposals.index"


class ChatIn(Strict):
    """One chat message: the conversation it belongs to and the text."""

    session_id: text(100, 1)
    message: long_text(MAX_MESSAGE, 1)


answer_core_errors_as_json(bp)


@bp.get("/chat")
@facilitator_required
def page():
    return render_template("chat.html", max_message=MAX_MESSAGE)


def _max_per_firm() -> int | None:
    """The app's cap on stored proposals per firm, as the networks API applies it."""
    value = current_app.config.get("MAX_PROPOSALS_PER_FIRM")
    return None if value is None else int(value)


def _session_key(session_id: str) -> str:
    """Conversations are kept per facilitator: one cannot continue another's session."""
    return f"{g.user.id}:{session_id}"


@bp.post("/api/v1/chat")
@documented("/chat", "post", "Ask the chat: answers with a reply, the intent, entities and cards",
            body=ChatIn, errors=(422, 503))  # fmt: skip
@facilitator_required
def message():
    data = validate(ChatIn, json_body())
    try:
        answer = chat.respond(
            get_db(), _session_key(data.session_id), data.message, g.user,
            max_per_firm=_max_per_firm(),
        )  # fmt: skip
    except chat.IntentModelMissing as exc:
        # Never trained inside a request: the operator builds the model with a command.
        return jsonify(error=str(exc), fields={}), 503
    answer["cards"] = [_linked(card) for card in answer["cards"]]
    return jsonify(answer)


@bp.get("/api/v1/chat/history")
@documented("/chat/history", "get", "The messages of a chat session, oldest first",
            query={"session_id": {"type": "string"}}, errors=(422,))  # fmt: skip
@facilitator_required
def session_history():
    session_id = request.args.get("session_id", "")
    if not 1 <= len(session_id) <= 100:
        raise InvalidInput({"session_id": "is required (1 to 100 characters)"})
    items = chat.history(get_db(), _session_key(session_id))
    for item in items:
        item["cards"] = [_linked(card) for card in item["cards"]]
    return jsonify(items=items, total=len(items))


@bp.get("/api/v1/chat/export")
@documented("/chat/export", "get", "Export a list of firms shown in the chat",
            query={"ids": {"type": "string", "description": "Comma-separated firm ids"},
                   "format": {"type": "string", "enum": list(EXPORT_FORMATS)},
                   "lang": {"type": "string", "enum": ["da", "en"]}},
            errors=(422,))  # fmt: skip
@facilitator_required
def export_firms():
    from matchmaker import exports

    fmt, lang = exports.check_options(request.args.get("format"), request.args.get("lang"))
    raw = [part for part in (request.args.get("ids") or "").split(",") if part.strip()]
    valid = all(re.fullmatch(r"[0-9]{1,18}", p.strip()) for p in raw)
    if not raw or len(raw) > MAX_EXPORT_IDS or not valid:
        raise InvalidInput({"ids": f"must be 1 to {MAX_EXPORT_IDS} comma-separated firm ids"})
    db = get_db()
    firms = [profiles.get(db, int(p)) for p in dict.fromkeys(p.strip() for p in raw)]
    file = exports.render(db, exports.companies_export(firms), fmt, lang, user_id=g.user.id)
    return Response(
        file.content,
        content_type=file.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{file.filename}"',
            "Cache-Control": "no-store",
        },
    )


# -- links on the cards ----------------------------------------------------------------------


def _has(endpoint: str) -> bool:
    return endpoint in current_app.view_functions


def _export_href(target: dict, fmt: str, lang: str) -> str | None:
    kind = target.get("kind")
    if kind == "firms":
        ids = ",".join(str(i) for i in target.get("ids", [])[:MAX_EXPORT_IDS])
        return url_for("chat.export_firms", ids=ids, format=fmt, lang=lang)
    endpoint = GROUP_EXPORTS.get(kind)
    if endpoint is None or not _has(endpoint):
        return None
    arg = "proposal_id" if kind.endswith("_proposal") else "group_id"
    return url_for(endpoint, **{arg: target["id"]}, format=fmt, lang=lang)


def _linked(card: dict) -> dict:
    """The card with an href on every action that leads somewhere; dead actions dropped."""
    lang = card.get("lang") or "da"
    actions = []
    for action in card.get("actions", []):
        action = dict(action)
        kind = action["kind"]
        if kind == "show":
            action["href"] = url_for("pages.company", company_id=action["company_id"])
        elif kind == "proposals":
            if not _has(PROPOSALS_PAGE):
                continue
            action["href"] = url_for(PROPOSALS_PAGE)
        elif kind in REVIEW:
            if not _has(REVIEW[kind]) or card.get("status") != "proposed":
                continue
            action["href"] = url_for(REVIEW[kind], group_id=action["group_id"])
            action["method"] = "POST"
        elif kind == "export":
            target = {"kind": action["target"], "id": action["group_id"]}
            links = [
                {"format": f, "label": f.upper(), "href": _export_href(target, f, lang)}
                for f in EXPORT_FORMATS
            ]
            action["links"] = [link for link in links if link["href"]]
            if not action["links"]:
                continue
        elif kind == "download":
            action["href"] = _export_href(action["target"], action["format"], lang)
            if action["href"] is None:
                continue
        actions.append(action)
    linked = {**card, "actions": actions}
    if card.get("members"):
        linked["members"] = [
            {**m, "href": url_for("pages.company", company_id=m["id"])} if m.get("id") else m
            for m in card["members"]
        ]
    return linked
