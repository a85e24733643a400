"""Exports over the API: networks, cohorts, whole proposals and firm lists, for facilitators."""

from __future__ import annotations

from flask import Response, g, jsonify, request

from matchmaker import exports
from matchmaker.store import profiles
from web import get_db
from web.api import bp
from web.api.companies import LIST_QUERY, int_arg, listing_filters
from web.api.openapi import documented
from web.auth import admin_required, facilitator_required

MAX_EXPORT_ROWS = 10_000

EXPORT_QUERY = {
    "format": {"type": "string", "enum": list(exports.FORMATS), "default": "json"},
    "lang": {
        "type": "string",
        "enum": list(exports.LANGS),
        "default": "da",
        "description": "Language of the labels and of the generated texts (reasons, purposes, "
        "themes), whatever language they were made in",
    },
    "sep": {
        "type": "string",
        "enum": list(exports.SEPARATORS),
        "default": exports.DEFAULT_SEPARATOR,
        "description": "CSV only: 'semicolon' (Danish Excel, decimal commas) or 'comma'",
    },
}
COMPANIES_EXPORT_QUERY = EXPORT_QUERY | {
    k: v for k, v in LIST_QUERY.items() if k not in ("limit", "offset")
} | {
    "limit": {"type": "integer", "minimum": 1, "maximum": MAX_EXPORT_ROWS},
    "offset": {"type": "integer", "minimum": 0},
}  # fmt: skip


def _send(export: exports.Export) -> Response:
    """Render, log (who, what, when) and answer with a download."""
    args = request.args
    fmt, lang = exports.check_options(args.get("format"), args.get("lang"), args.get("sep"))
    file = exports.render(get_db(), export, fmt, lang, user_id=g.user.id, sep=args.get("sep"))
    return Response(
        file.content,
        content_type=file.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{file.filename}"',
            "Cache-Control": "no-store",
        },
    )


def _options_first() -> str:
    """An unknown format or language is refused before the store is asked for anything;
    returns the language the export's texts are written in."""
    args = request.args
    return exports.check_options(args.get("format"), args.get("lang"), args.get("sep"))[1]


@bp.get("/networks/<int:group_id>/export")
@documented("/networks/{group_id}/export", "get",
            "Export one proposed network as CSV, XLSX, JSON or a PDF consortium sheet",
            query=EXPORT_QUERY, errors=(422,))  # fmt: skip
@facilitator_required
def export_network(group_id: int):
    lang = _options_first()
    return _send(exports.group_export(get_db(), "network", group_id, lang))


@bp.get("/networks/proposals/<int:proposal_id>/export")
@documented("/networks/proposals/{proposal_id}/export", "get",
            "Export a network proposal: an overview and one sheet per network",
            query=EXPORT_QUERY, errors=(422,))  # fmt: skip
@facilitator_required
def export_network_proposal(proposal_id: int):
    lang = _options_first()
    return _send(exports.proposal_export(get_db(), "network", proposal_id, lang))


@bp.get("/cohorts/<int:group_id>/export")
@documented("/cohorts/{group_id}/export", "get", "Export one masterclass cohort",
            query=EXPORT_QUERY, errors=(422,))  # fmt: skip
@facilitator_required
def export_cohort(group_id: int):
    lang = _options_first()
    return _send(exports.group_export(get_db(), "cohort", group_id, lang))


@bp.get("/cohorts/proposals/<int:proposal_id>/export")
@documented("/cohorts/proposals/{proposal_id}/export", "get",
            "Export a cohort proposal: an overview and one sheet per cohort",
            query=EXPORT_QUERY, errors=(422,))  # fmt: skip
@facilitator_required
def export_cohort_proposal(proposal_id: int):
    lang = _options_first()
    return _send(exports.proposal_export(get_db(), "cohort", proposal_id, lang))


@bp.get("/companies/export")
@documented("/companies/export", "get",
            "Export the list of firms (same filters as GET /companies)",
            query=COMPANIES_EXPORT_QUERY, errors=(422,))  # fmt: skip
@facilitator_required
def export_companies():
    _options_first()
    return _send(exports.companies_export(_filtered_companies()))


def _filtered_companies() -> list[dict]:
    """The firms GET /companies would list for these query parameters, unpaged up to a bound."""
    items, _ = profiles.listing(
        get_db(),
        **listing_filters(),
        limit=int_arg("limit", MAX_EXPORT_ROWS, 1, MAX_EXPORT_ROWS),
        offset=int_arg("offset", 0, 0, 10**9),
    )
    return items


@bp.get("/exports/log")
@documented("/exports/log", "get", "Who exported what, when (admins only), newest first",
            query={"limit": {"type": "integer", "minimum": 1, "maximum": 1000}})  # fmt: skip
@admin_required
def export_log():
    items = exports.export_log(get_db(), int_arg("limit", 100, 1, 1000))
    return jsonify(items=items, total=len(items))
