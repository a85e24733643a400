"""Company profiles over the API: register, read, change, delete, list, import."""

from __future__ import annotations

from flask import g, jsonify, request, url_for

from matchmaker import matching
from matchmaker.grouping import members
from matchmaker.reference import nace, regions
from matchmaker.reference.validation import InvalidInput
from matchmaker.representation.roles import suggest_role
from matchmaker.store import imports, profiles
from web import get_db
from web.api import bp, json_body
from web.api.openapi import documented
from web.auth import facilitator_required, is_facilitator
from web.embedding import embed_registration
from web.security import (
    OWN_CHANGES_LIMIT,
    REGISTRATION_LIMIT,
    authenticated_client,
    limiter,
)

LIST_QUERY = {
    "region": {"type": "string"},
    "nace": {"type": "string"},
    "kind": {"type": "string", "enum": ["company", "knowledge_institution"]},
    "q": {"type": "string"},
    "limit": {"type": "integer", "minimum": 1, "maximum": 500},
    "offset": {"type": "integer", "minimum": 0},
}


def int_arg(name: str, default: int, low: int, high: int) -> int:
    """A bounded integer query parameter, or InvalidInput naming it."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput({name: "must be a whole number"}) from None
    if not low <= value <= high:
        raise InvalidInput({name: f"must be between {low} and {high}"})
    return value


def company_view(company: dict, *, with_contact: bool = True) -> dict:
    """The API view of a profile; with no stated role, the role its text suggests."""
    view = profiles.public(company, with_contact=with_contact)
    found = None if company.get("role") else suggest_role(company)
    view["suggested_role"] = found.role if found else None
    return view


def _own_or_facilitator(company_id: int) -> bool:
    return is_facilitator() or g.get("company_id") == company_id


def refused(company_id: int):
    if g.get("company_id") is not None:
        return jsonify(error="A company can only reach its own profile", fields={}), 403
    return jsonify(
        error="Send a facilitator API token or the company's own edit token", fields={}
    ), 401


@bp.post("/companies")
@documented("/companies", "post", "Register a company profile", body=profiles.CompanyIn,
            auth=False, status=201, errors=(409,))  # fmt: skip
@limiter.limit(REGISTRATION_LIMIT, exempt_when=authenticated_client)
def create_company():
    data = json_body()
    embed_registration(data)
    company, token = profiles.create(get_db(), data)
    matching.embed_stored(get_db(), [company["id"]])
    body = company_view(company)
    body["edit_token"] = token
    body["edit_url"] = url_for("pages.own_profile", token=token, _external=True)
    return jsonify(body), 201, {"Location": url_for("api.get_company", company_id=company["id"])}


@bp.get("/companies")
@documented("/companies", "get", "List profiles", query=LIST_QUERY, errors=(422,))
@facilitator_required
def list_companies():
    items, total = profiles.listing(
        get_db(),
        **listing_filters(),
        limit=int_arg("limit", 50, 1, 500),
        offset=int_arg("offset", 0, 0, 10**9),
    )
    return jsonify(items=[company_view(c) for c in items], total=total)


def region_arg() -> str | None:
    """The `region` query parameter as one of the five regions, or InvalidInput."""
    value = request.args.get("region")
    if not value:
        return None
    region = regions.normalise(value)
    if region is None:
        raise InvalidInput({"region": "must be one of " + ", ".join(regions.REGIONS)})
    return region


def nace_arg() -> str | None:
    """The `nace` query parameter normalised (62.01 / 6201 / 620100), or InvalidInput."""
    value = request.args.get("nace")
    if not value:
        return None
    try:
        return nace.normalise(value)
    except ValueError as exc:
        raise InvalidInput({"nace": str(exc)}) from None


def kind_arg() -> str | None:
    value = request.args.get("kind") or None
    if value and value not in ("company", "knowledge_institution"):
        raise InvalidInput({"kind": "must be company or knowledge_institution"})
    return value


def listing_filters() -> dict:
    """The filters of GET /companies (and its export) from the query string."""
    return {
        "region": region_arg(),
        "nace_code": nace_arg(),
        "kind": kind_arg(),
        "q": request.args.get("q") or None,
    }


@bp.get("/companies/<int:company_id>")
@documented("/companies/{company_id}", "get", "Read one profile")
def get_company(company_id: int):
    if not _own_or_facilitator(company_id):
        return refused(company_id)
    return jsonify(company_view(profiles.get(get_db(), company_id)))


def _company_key() -> str:
    return f"company:{g.get('company_id')}"


@bp.patch("/companies/<int:company_id>")
@documented("/companies/{company_id}", "patch", "Change fields of a profile",
            body=profiles.CompanyPatch, errors=(409,))  # fmt: skip
@limiter.limit(OWN_CHANGES_LIMIT, key_func=_company_key, exempt_when=is_facilitator)
def patch_company(company_id: int):
    if not _own_or_facilitator(company_id):
        return refused(company_id)
    company = members.update_firm(get_db(), company_id, json_body())
    matching.embed_stored(get_db(), [company_id])
    return jsonify(company_view(company))


@bp.post("/companies/<int:company_id>/edit-token")
@documented("/companies/{company_id}/edit-token", "post",
            "A new private edit link for the firm (its own edit token only); the old one stops "
            "working", status=201)  # fmt: skip
@limiter.limit(OWN_CHANGES_LIMIT, key_func=_company_key)
def rotate_edit_token(company_id: int):
    if g.get("company_id") != company_id:
        if is_facilitator():
            return jsonify(error="Only the firm itself renews its private link", fields={}), 403
        return refused(company_id)
    token = profiles.rotate_token(get_db(), company_id)
    url = url_for("pages.own_profile", token=token, _external=True)
    return jsonify(id=company_id, edit_token=token, edit_url=url), 201


@bp.delete("/companies/<int:company_id>")
@documented("/companies/{company_id}", "delete", "Delete a profile", status=204)
def delete_company(company_id: int):
    if not _own_or_facilitator(company_id):
        return refused(company_id)
    members.erase_firm(get_db(), company_id)  # the networks it left get reasons without it
    return "", 204


@bp.post("/companies/import")
@documented("/companies/import", "post", "Import a member list (CSV or XLSX, multipart 'file')",
            query={"valid_only": {"type": "boolean"}}, status=201, errors=(422,))  # fmt: skip
@facilitator_required
def import_companies():
    upload = request.files.get("file")
    if upload is None:
        raise InvalidInput({"file": "attach the member list as multipart form field 'file'"})
    rows = imports.read_table(upload.filename or "", upload.read())
    valid_only = (request.args.get("valid_only") or request.form.get("valid_only") or "").lower()
    report = profiles.import_rows(get_db(), rows, valid_only=valid_only in ("1", "true", "yes"))
    matching.embed_stored(get_db(), [r["id"] for r in report["rows"] if "id" in r])
    if report["refused"] and not report["written"]:
        fields = {f"row {r['row']}": "; ".join(f"{k}: {v}" for k, v in r["errors"].items())
                  for r in report["rows"] if r["status"] == "refused"}  # fmt: skip
        return jsonify(
            error="Some rows are invalid; nothing was imported. Fix them, or import the valid "
            "rows only with valid_only=true",
            fields=fields,
            report=report,
        ), 422
    return jsonify(report), 201
