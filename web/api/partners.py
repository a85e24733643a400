"""Partner suggestions for a firm, and why two firms match."""

from __future__ import annotations

from dataclasses import asdict, fields

from flask import g, jsonify, request

from matchmaker import matching
from matchmaker.reference.sizes import SIZES
from matchmaker.reference.validation import InvalidInput
from matchmaker.store import profiles
from web import get_db
from web.api import bp
from web.api.companies import int_arg, kind_arg, nace_arg, refused, region_arg
from web.api.openapi import documented
from web.auth import is_facilitator
from web.security import OWN_SUGGESTIONS_LIMIT, limiter

PARTNER_QUERY = {
    "limit": {"type": "integer", "minimum": 1, "maximum": 50},
    "mode": {"type": "string", "enum": list(matching.MODES)},
    "region": {"type": "string"},
    "nace": {"type": "string"},
    "kind": {"type": "string", "enum": ["company", "knowledge_institution"]},
    "size": {"type": "string", "enum": list(SIZES)},
    "include_competitors": {"type": "boolean"},
    "lang": {"type": "string", "enum": ["da", "en"]},
}


def _choice(name: str, allowed: tuple[str, ...], default: str | None = None) -> str | None:
    value = request.args.get(name) or default
    if value is not None and value not in allowed:
        raise InvalidInput({name: "must be one of " + ", ".join(allowed)})
    return value


def _flag(name: str) -> bool:
    value = (request.args.get(name) or "false").lower()
    if value not in ("true", "false", "1", "0", "yes", "no"):
        raise InvalidInput({name: "must be true or false"})
    return value in ("true", "1", "yes")


# What a firm sees of its own suggestions (with its edit token): its few best matches by name,
# kind of fit and score, without the reasons (they quote the other firms' needs) or the flags
# (they tell the facilitators' decisions), and without filters to page through the register.
OWN_VIEW_MAX = 5
OWN_VIEW_FIELDS = ("id", "name", "score", "type")


def as_json(suggestion: matching.PartnerSuggestion) -> dict:
    """A suggestion's fields as JSON (what `dataclasses.asdict` gives, without its deep copy
    of every reason record: the answer is serialised at once)."""
    return {f.name: getattr(suggestion, f.name) for f in fields(suggestion)}


def _own_view_only() -> None:
    """A firm's own view takes `limit`, `mode` and `lang`; filters are the facilitators'."""
    used = [k for k in ("region", "nace", "kind", "size", "include_competitors")
            if request.args.get(k)]  # fmt: skip
    if used:
        raise InvalidInput(dict.fromkeys(used, "only facilitators filter suggestions"))
    int_arg("limit", OWN_VIEW_MAX, 1, OWN_VIEW_MAX)


@bp.get("/companies/<int:company_id>/partners")
@documented("/companies/{company_id}/partners", "get", "Partner suggestions with reasons",
            query=PARTNER_QUERY, errors=(422,))  # fmt: skip
@limiter.limit(OWN_SUGGESTIONS_LIMIT, key_func=lambda: f"company:{g.get('company_id')}",
               exempt_when=is_facilitator)  # fmt: skip
def partners(company_id: int):
    if not (is_facilitator() or g.get("company_id") == company_id):
        return refused(company_id)
    own_view = not is_facilitator()
    if own_view:
        _own_view_only()
    options = dict(
        limit=int_arg("limit", 5, 1, OWN_VIEW_MAX if own_view else 50),
        mode=_choice("mode", matching.MODES, "complementary"),
        region=region_arg(),
        nace=nace_arg(),
        kind=kind_arg(),
        size=_choice("size", SIZES),
        include_competitors=_flag("include_competitors"),
    )
    lang = _choice("lang", ("da", "en"), "da")
    db = get_db()
    company = profiles.get(db, company_id)
    suggestions = [as_json(s) for s in
                   matching.partner_suggestions(db, company_id, lang=lang, **options)]  # fmt: skip
    if own_view:
        suggestions = [{k: s[k] for k in OWN_VIEW_FIELDS} for s in suggestions]
    return jsonify(
        company={"id": company["id"], "name": company["name"]},
        mode=options["mode"],
        partners=suggestions,
    )


@bp.get("/companies/<int:company_id>/match/<int:other_id>")
@documented("/companies/{company_id}/match/{other_id}", "get",
            "Why two firms match: score, type, reasons, flags",
            query={"lang": PARTNER_QUERY["lang"]})  # fmt: skip
def explain_pair(company_id: int, other_id: int):
    if not is_facilitator():
        return refused(company_id)
    if company_id == other_id:
        raise InvalidInput({"other_id": "must be another firm than company_id"})
    db = get_db()
    profiles.get(db, company_id)
    profiles.get(db, other_id)
    lang = _choice("lang", ("da", "en"), "da")
    return jsonify(asdict(matching.pair_score(db, company_id, other_id, lang=lang)))
