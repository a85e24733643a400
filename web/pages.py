"""Web pages: registration and the private profile link, questionnaires, facilitator lists."""

from __future__ import annotations

import json
import re

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from matchmaker import matching
from matchmaker.reference.regions import REGIONS
from matchmaker.reference.validation import Conflict, InvalidInput, NotFound
from matchmaker.store import profiles, questionnaires
from web import get_db
from web.auth import facilitator_required
from web.i18n import current_language, t
from web.security import REGISTRATION_LIMIT, limiter

bp = Blueprint("pages", __name__)

PROFILE_FORM_FIELDS = profiles.PUBLIC_FIELDS


def _form_data(fields) -> dict:
    data = {k: request.form.get(k, "") for k in fields if k != "consent"}
    for key in ("employees", "founded"):
        # A signed whole number is a number that is out of range, not 'not a number'.
        if key in data and re.fullmatch(r"\s*[-+]\d{1,15}\s*", data[key]):
            data[key] = int(data[key])
    if "consent" in fields:
        data["consent"] = request.form.get("consent", "")
    data = profiles.coerce_strings(data)
    return {k: v for k, v in data.items() if v is not None}


@bp.get("/")
def index():
    return render_template("index.html")


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(REGISTRATION_LIMIT, methods=["POST"])
def register():
    errors, values = {}, {}
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            _, token = profiles.create(get_db(), _form_data(PROFILE_FORM_FIELDS))
        except (InvalidInput, Conflict) as exc:
            errors = exc.fields
        else:
            return redirect(url_for("pages.own_profile", token=token, new=1))
    status = 422 if errors else 200
    return render_template(
        "profile_form.html", values=values, errors=errors, regions=REGIONS, mode="register"
    ), status


def _own(token: str) -> dict:
    try:
        return profiles.by_token(get_db(), token)
    except NotFound:
        abort(404)


@bp.get("/p/<token>")
def own_profile(token: str):
    company = _own(token)
    link = url_for("pages.own_profile", token=token, _external=True)
    return render_template(
        "own_profile.html", company=company, token=token, link=link, new=request.args.get("new")
    )


@bp.route("/p/<token>/edit", methods=["GET", "POST"])
def edit_profile(token: str):
    company = _own(token)
    errors = {}
    values = {k: company.get(k) for k in PROFILE_FORM_FIELDS}
    values["markets"] = ", ".join(company["markets"])
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            profiles.update(get_db(), company["id"], _form_data(PROFILE_FORM_FIELDS))
        except (InvalidInput, Conflict) as exc:
            errors = exc.fields
        else:
            flash(t("saved"), "info")
            return redirect(url_for("pages.own_profile", token=token))
    return render_template(
        "profile_form.html",
        values=values,
        errors=errors,
        regions=REGIONS,
        mode="edit",
        token=token,
    ), (422 if errors else 200)


@bp.get("/p/<token>/download")
def download_profile(token: str):
    company = profiles.public(_own(token))
    body = json.dumps(company, ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f"attachment; filename=profile-{company['id']}.json"},
    )


@bp.post("/p/<token>/delete")
def delete_profile(token: str):
    company = _own(token)
    profiles.delete(get_db(), company["id"])
    flash(t("deleted"), "info")
    return redirect(url_for("pages.index"))


@bp.route("/masterclasses/<int:masterclass_id>/questionnaire", methods=["GET", "POST"])
@limiter.limit(REGISTRATION_LIMIT, methods=["POST"])
def questionnaire(masterclass_id: int):
    try:
        masterclass = questionnaires.get_masterclass(get_db(), masterclass_id)
    except NotFound:
        abort(404)
    errors, values, done = {}, {}, False
    if request.method == "POST":
        values = request.form.to_dict()
        fields = ("company", "cvr", "employees", *questionnaires.ANSWER_FIELDS)
        try:
            questionnaires.add_response(get_db(), masterclass_id, _form_data(fields))
            done = True
        except InvalidInput as exc:
            errors = exc.fields
    return render_template(
        "questionnaire.html", masterclass=masterclass, values=values, errors=errors, done=done
    ), (422 if errors else 200)


@bp.route("/masterclasses", methods=["GET", "POST"])
@facilitator_required
def masterclasses():
    errors, values = {}, {}
    if request.method == "POST":
        values = request.form.to_dict()
        data = {k: values.get(k, "").strip() for k in ("title", "theme", "date", "capacity")}
        data["capacity"] = int(data["capacity"]) if data["capacity"].isdigit() else data["capacity"]
        data = {k: v for k, v in data.items() if v != ""}
        try:
            questionnaires.create_masterclass(get_db(), data)
            return redirect(url_for("pages.masterclasses"))
        except InvalidInput as exc:
            errors = exc.fields
    return render_template(
        "masterclasses.html",
        masterclasses=questionnaires.list_masterclasses(get_db()),
        values=values,
        errors=errors,
    ), (422 if errors else 200)


@bp.get("/companies")
@facilitator_required
def companies():
    raw_page = request.args.get("page", "1")
    page = max(int(raw_page), 1) if raw_page.isdigit() else 1
    region = request.args.get("region") or None
    q = request.args.get("q") or None
    items, total = profiles.listing(
        get_db(), region=region if region in REGIONS else None, q=q, limit=50,
        offset=(page - 1) * 50,
    )  # fmt: skip
    return render_template(
        "companies.html", items=items, total=total, page=page, regions=REGIONS, q=q or "",
        region=region or "",
    )  # fmt: skip


@bp.get("/companies/<int:company_id>")
@facilitator_required
def company(company_id: int):
    try:
        found = profiles.get(get_db(), company_id)
    except NotFound:
        abort(404)
    lang = current_language()
    return render_template(
        "company.html",
        company=found,
        partners=matching.partner_suggestions(get_db(), company_id, limit=5, lang=lang),
        similar=matching.partner_suggestions(
            get_db(), company_id, limit=5, mode="similar", include_competitors=True, lang=lang
        ),
    )
