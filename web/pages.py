"""Web pages: registration and the private profile link, the privacy notice, questionnaires,
the facilitators' start page, firm and masterclass pages."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from matchmaker import matching
from matchmaker.grouping import members
from matchmaker.reference import nace
from matchmaker.reference.concept_lists import ALL_FIELDS as CONCEPT_FIELDS
from matchmaker.reference.regions import REGIONS
from matchmaker.reference.validation import Conflict, InvalidInput, NotFound
from matchmaker.store import dashboard as board
from matchmaker.store import notes, profiles, questionnaires
from web import concepts, firms, get_db, i18n, mail
from web.auth import facilitator_required, is_facilitator
from web.embedding import embed_registration
from web.i18n import current_language, field_error, t
from web.security import REGISTRATION_LIMIT, limiter

bp = Blueprint("pages", __name__)

# The concept lists come from the form's checkboxes (`concepts.stated`), not from one field.
PROFILE_FORM_FIELDS = tuple(f for f in profiles.PUBLIC_FIELDS if f not in CONCEPT_FIELDS)
NEW_REGISTRATION_DAYS = 7
# "62.01 Computerprogrammering" (a pick from the NACE list) is the code 62.01.
_PICKED_NACE = re.compile(r"^\s*(\d{2}(?:\.\d{1,2})?)\s+\D.*$")


@bp.app_context_processor
def _pickers():
    return {"firm_choices": firms.choices, "firm_label": firms.label_of}


@functools.cache
def _nace_options(lang: str) -> tuple[tuple[str, str], ...]:
    """The bundled DB07/NACE codes below section level as 'code title' in `lang`."""
    return tuple(
        (c.code, f"{c.code} {c.title_en if lang == 'en' else c.title_da}")
        for c in nace.codes().values()
        if c.level != "section"
    )


def nace_options() -> tuple[tuple[str, str], ...]:
    return _nace_options(current_language())


_CODE_LIKE = re.compile(r"^\s*[\d.\s]+$")


def _nace_hint(errors: dict, values: dict) -> dict:
    """A trade typed as words that name several trades (or none): the codes it may mean."""
    typed = (values.get("nace") or "").strip()
    if "nace" not in errors or not typed or _CODE_LIKE.match(typed):
        return errors
    lang = current_language()
    found = nace.search(typed)[:5]
    if not found:
        return errors | {"nace": t("nace_no_word").format(word=typed)}
    listed = "; ".join(f"{c.code} {c.title_en if lang == 'en' else c.title_da}" for c in found)
    return errors | {"nace": t("nace_several").format(word=typed, codes=listed)}


def _form_data(fields) -> dict:
    data = {k: request.form.get(k, "") for k in fields if k != "consent"}
    if data.get("nace"):
        picked = _PICKED_NACE.match(data["nace"])
        data["nace"] = picked.group(1) if picked else data["nace"]
        found = [] if picked or _CODE_LIKE.match(data["nace"]) else nace.search(data["nace"])
        if len(found) == 1:  # a word of one trade's title: that trade
            data["nace"] = found[0].code
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
    if is_facilitator():
        return redirect(url_for("pages.dashboard"))
    return render_template("index.html")


@bp.get("/privacy")
def privacy():
    """Who is responsible, what is stored, why, for how long, who sees contact data."""
    return render_template("privacy.html")


@bp.get("/dashboard")
@facilitator_required
def dashboard():
    """A facilitator's start page: what came in and what waits for a decision."""
    db = get_db()
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=NEW_REGISTRATION_DAYS)
    return render_template(
        "dashboard.html",
        registrations=board.new_registrations(db),
        registered_lately=board.registrations_since(db, since.isoformat(timespec="seconds")),
        days=NEW_REGISTRATION_DAYS,
        open_proposals=board.open_proposals(db),
        waiting=board.answers_waiting(db),
        exports=board.recent_exports(db),
    )


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(REGISTRATION_LIMIT, methods=["POST"])
def register():
    errors, values, cvr_taken, conflict = {}, {}, False, False
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            data = _form_data(PROFILE_FORM_FIELDS) | concepts.stated(request.form)
            embed_registration(data)
            company, token = profiles.create(get_db(), data)
        except InvalidInput as exc:
            errors = _nace_hint(exc.fields, values)
        except Conflict as exc:
            # A firm registering again: a way to get its link by e-mail, never the link here.
            errors, cvr_taken, conflict = exc.fields, "cvr" in exc.fields, True
        else:
            matching.embed_stored(get_db(), [company["id"]])
            return redirect(url_for("pages.own_profile", token=token, new=1))
    status = 409 if conflict else (422 if errors else 200)
    form = request.form if request.method == "POST" else None
    return render_template(
        "profile_form.html", values=values, errors=errors, regions=REGIONS, mode="register",
        nace_options=nace_options(), cvr_taken=cvr_taken,
        concept_rows=concepts.form_rows(values, form), concept_form=form,
    ), status  # fmt: skip


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
        "own_profile.html", company=company, token=token, link=link, new=request.args.get("new"),
        mail_ready=mail.configured(), concept_rows=concepts.form_rows(company),
    )  # fmt: skip


@bp.route("/p/<token>/edit", methods=["GET", "POST"])
def edit_profile(token: str):
    company = _own(token)
    errors = {}
    values = {k: company.get(k) for k in PROFILE_FORM_FIELDS}
    values["markets"] = ", ".join(company["markets"])
    values["nace"] = dict(nace_options()).get(company.get("nace"), company.get("nace"))
    form = request.form if request.method == "POST" else None
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            data = _form_data(PROFILE_FORM_FIELDS) | concepts.stated(
                request.form, changes_only=True
            )
            members.update_firm(get_db(), company["id"], data)
        except (InvalidInput, Conflict) as exc:
            errors = _nace_hint(exc.fields, values)
        else:
            matching.embed_stored(get_db(), [company["id"]])
            flash(t("saved"), "info")
            return redirect(url_for("pages.own_profile", token=token))
    return render_template(
        "profile_form.html",
        values=values,
        errors=errors,
        regions=REGIONS,
        mode="edit",
        token=token,
        nace_options=nace_options(),
        concept_rows=concepts.form_rows(values if form else company, form),
        concept_form=form,
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
    members.erase_firm(get_db(), company["id"])  # the networks it left described anew
    flash(t("deleted"), "info")
    return redirect(url_for("pages.index"))


@bp.route("/masterclasses/<int:masterclass_id>/questionnaire", methods=["GET", "POST"])
@limiter.limit(REGISTRATION_LIMIT, methods=["POST"])
def questionnaire(masterclass_id: int):
    try:
        masterclass = questionnaires.get_masterclass(get_db(), masterclass_id)
    except NotFound:
        abort(404)
    errors, values, done, updated, link, status = {}, {}, False, False, None, 200
    token = request.values.get("svar") or request.values.get("edit_token") or None
    if request.method == "GET" and token:  # the private link of an earlier answer: to change it
        try:
            earlier = questionnaires.by_token(get_db(), masterclass_id, token)
        except NotFound:
            abort(404)
        values = {k: "" if earlier[k] is None else str(earlier[k])
                  for k in questionnaires.QUESTION_FIELDS}  # fmt: skip
    if request.method == "POST":
        values = request.form.to_dict()
        data = _form_data(questionnaires.QUESTION_FIELDS) | {"edit_token": token}
        try:
            stored = questionnaires.add_response(
                get_db(), masterclass_id, data, link_by_cvr=is_facilitator()
            )
            done, updated = True, stored["updated"]
            if stored.get("edit_token"):
                link = url_for("pages.questionnaire", masterclass_id=masterclass_id,
                               svar=stored["edit_token"], _external=True)  # fmt: skip
        except InvalidInput as exc:
            errors, status = exc.fields, 422
        except Conflict as exc:  # answered before: in the visitor's language, what to do
            errors = {k: i18n.record_text(exc.codes.get(k), v) for k, v in exc.fields.items()}
            status = 409
    return render_template(
        "questionnaire.html", masterclass=masterclass, values=values, errors=errors, done=done,
        updated=updated, questions=i18n.questions(masterclass), token=token, link=link,
    ), status  # fmt: skip


@bp.get("/masterclasses/<int:masterclass_id>")
@facilitator_required
def masterclass(masterclass_id: int):
    """A masterclass with every questionnaire answer it has received."""
    try:
        found = questionnaires.get_masterclass(get_db(), masterclass_id)
    except NotFound:
        abort(404)
    answers = questionnaires.responses(get_db(), masterclass_id)
    return render_template(
        "masterclass.html", masterclass=found, answers=answers,
        answer_fields=questionnaires.ANSWER_FIELDS,
    )  # fmt: skip


@bp.route("/masterclasses", methods=["GET", "POST"])
@facilitator_required
def masterclasses():
    errors, values = {}, {}
    if request.method == "POST":
        values = request.form.to_dict()
        keys = ("title", "theme", "technology", "date", "capacity")
        data = {k: values.get(k, "").strip() for k in keys}
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
        notes=notes.for_company(get_db(), company_id),
        partners=matching.partner_suggestions(get_db(), company_id, limit=5, lang=lang),
        similar=matching.partner_suggestions(
            get_db(), company_id, limit=5, mode="similar", include_competitors=True, lang=lang
        ),
    )


@bp.post("/companies/<int:company_id>/notes")
@facilitator_required
def add_note(company_id: int):
    """A facilitator's note on a firm, shown on its page."""
    try:
        profiles.get(get_db(), company_id)
    except NotFound:
        abort(404)
    try:
        notes.add(get_db(), company_id, request.form.get("text", ""), created_by=g.user.id)
    except InvalidInput as exc:
        for name, message in exc.fields.items():
            flash(field_error(name, message), "error")
    else:
        flash(t("note_saved"), "info")
    return redirect(url_for("pages.company", company_id=company_id) + "#notes")
