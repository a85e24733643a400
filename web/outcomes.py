"""Pages for the outcomes of accepted networks: the rates beside the reference figures, a
facilitator's report form, a member's report form through its private link, and the CSV."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for

from matchmaker.exports import csv_cell
from matchmaker.grouping import outcomes
from matchmaker.reference.validation import Conflict, InvalidInput, NotFound
from matchmaker.store import outcomes as outcome_store
from matchmaker.store import profiles
from web import get_db
from web.auth import facilitator_required
from web.i18n import t

bp = Blueprint("outcomes", __name__)

_YES_NO = {"1": True, "0": False, "ja": True, "nej": False, "true": True, "false": False}
INDICATOR_FIELDS = ("innovation_project", "new_product", "export")


def outcomes_csv(db, *, user_id: int | None) -> str:
    """Every outcome report as CSV (UTF-8 with BOM; no cell a spreadsheet would run); logged."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(outcomes.EXPORT_COLUMNS)
    for row in outcomes.export_rows(db):
        writer.writerow([csv_cell(v) for v in row])
    outcome_store.log_export(db, user_id)
    return "\ufeff" + buffer.getvalue()


def _form_outcome() -> dict:
    """The report form as the API's JSON body (the same validation)."""
    form = request.form
    data: dict = {}
    formed = form.get("formed", "")
    data["formed"] = _YES_NO.get(formed, formed or None)
    if data["formed"] is None:
        data.pop("formed")
    for key in INDICATOR_FIELDS:
        value = form.get(key, "")
        if value:
            data[key] = _YES_NO.get(value, value)
    for key in ("meetings", "satisfaction"):
        value = (form.get(key) or "").strip()
        if value:
            data[key] = int(value) if value.lstrip("-").isdigit() else value
    for key in ("programme", "note"):
        value = (form.get(key) or "").strip()
        if value:
            data[key] = value
    return data


def _report(group_id: int, *, user_id=None, company_id=None) -> tuple[dict, dict]:
    """Store the posted report; (errors, values) for the form when it is refused."""
    values = request.form.to_dict()
    try:
        outcomes.record(get_db(), group_id, _form_outcome(), user_id=user_id, company_id=company_id)
    except (InvalidInput, Conflict) as exc:
        return exc.fields, values
    flash(t("outcomes.saved"), "info")
    return {}, {}


def _network(group_id: int) -> dict:
    try:
        return outcome_store.accepted_network(get_db(), group_id)
    except NotFound:
        abort(404)
    except Conflict:
        abort(409)


@bp.get("/outcomes")
@facilitator_required
def index():
    db = get_db()
    return render_template(
        "outcomes.html",
        summary=outcomes.summary(db),
        networks=outcome_store.accepted_networks(db),
        indicators=("formed", *INDICATOR_FIELDS),
    )


@bp.get("/outcomes/export.csv")
@facilitator_required
def export():
    body = outcomes_csv(get_db(), user_id=g.user.id)
    return Response(
        body, mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=outcomes.csv"},
    )  # fmt: skip


@bp.route("/networks/<int:group_id>/outcomes", methods=["GET", "POST"])
@facilitator_required
def network(group_id: int):
    group = _network(group_id)
    errors, values = {}, {}
    if request.method == "POST":
        errors, values = _report(group_id, user_id=g.user.id)
        if not errors:
            return redirect(url_for("outcomes.network", group_id=group_id))
    return render_template(
        "outcome_form.html", group=group, errors=errors, values=values,
        reports=outcome_store.history(get_db(), group_id),
        action=url_for("outcomes.network", group_id=group_id),
    ), (422 if errors else 200)  # fmt: skip


@bp.route("/p/<token>/networks/<int:group_id>/outcome", methods=["GET", "POST"])
def member(token: str, group_id: int):
    try:
        company = profiles.by_token(get_db(), token)
    except NotFound:
        abort(404)
    if company["id"] not in outcome_store.member_ids(get_db(), group_id):
        abort(404)
    group = _network(group_id)
    errors, values = {}, {}
    if request.method == "POST":
        errors, values = _report(group_id, company_id=company["id"])
        if not errors:
            return redirect(url_for("pages.own_profile", token=token))
    return render_template(
        "outcome_form.html", group=group, errors=errors, values=values, company=company,
        reports=outcome_store.history(get_db(), group_id),
        action=url_for("outcomes.member", token=token, group_id=group_id),
    ), (422 if errors else 200)  # fmt: skip


@bp.app_context_processor
def _helpers():
    def member_networks(company_id: int) -> list[dict]:
        return outcome_store.networks_of(get_db(), company_id)

    return {"member_networks": member_networks}
