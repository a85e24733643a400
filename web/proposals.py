"""Facilitator pages for proposals: networks with their reasons and review buttons, pair
rules, and masterclass cohorts with targeted invitations."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from matchmaker.grouping import cohorts, members, networks, recruitment, review
from matchmaker.reference.regions import REGIONS
from matchmaker.reference.validation import Conflict, InvalidInput, NotFound
from matchmaker.store import proposals, questionnaires
from web import firms, get_db, learning
from web.auth import facilitator_required
from web.i18n import current_language, error_text, field_error, t

bp = Blueprint("proposals", __name__)


def has_endpoint(endpoint: str) -> bool:
    """Whether an endpoint is installed (the export links show only once exports exist)."""
    return endpoint in current_app.view_functions


@bp.app_context_processor
def _helpers():
    return {"has_endpoint": has_endpoint}


def _user_id() -> int | None:
    return getattr(g.get("user"), "id", None)


def _max_per_firm() -> int:
    return int(current_app.config["MAX_PROPOSALS_PER_FIRM"])


def _errors(exc: InvalidInput | Conflict) -> None:
    """Each message of the core as 'Field label: message' in the visitor's language."""
    records = getattr(exc, "codes", None) or {}
    for name, message in exc.fields.items():
        flash(field_error(name, message, records.get(name)), "error")
    if not exc.fields:
        flash(error_text(exc.message), "error")


def _int(value: str | None) -> int | str | None:
    value = (value or "").strip()
    if not value:
        return None
    return int(value) if value.lstrip("-").isdigit() else value


def _network_form() -> dict:
    """The proposal form as a JSON-like request (the same validation as the API); firms are
    picked by name."""
    form = request.form
    data = {
        "company_ids": firms.resolve_many(form.get("company_names"), "company_ids"),
        "count": _int(form.get("count")),
        "min_size": _int(form.get("min_size")),
        "max_size": _int(form.get("max_size")),
        "seed": _int(form.get("seed")),
        "region": form.get("region") or None,
        "nace": (form.get("nace") or "").strip() or None,
        "kind": form.get("kind") or None,
        "theme": (form.get("theme") or "").strip() or None,
        "around_company_id": firms.resolve(form.get("around_company"), "around_company_id"),
        "lang": current_language(),
        **_design_form(form),
    }
    return {k: v for k, v in data.items() if v is not None}


def _design_form(form) -> dict:
    """The form's network design: a design, across regions, a lead firm and a stated need."""
    design = [d for d in (form.get("design"), form.get("cross_region")) if d]
    return {
        "design": design or None,
        "lead_id": firms.resolve(form.get("lead_company"), "lead_id"),
        "need": (form.get("need") or "").strip() or None,
    }


@bp.route("/proposals", methods=["GET", "POST"])
@facilitator_required
def index():
    db = get_db()
    values, status = {}, 200
    around = _int(request.args.get("around"))
    if isinstance(around, int) and firms.label_of(around):
        values["around_company"] = firms.label_of(around)
    lead = _int(request.args.get("lead"))
    if isinstance(lead, int) and firms.label_of(lead):
        values.update(lead_company=firms.label_of(lead), design="lead")
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            created = networks.propose(
                db, _network_form(), created_by=_user_id(), max_per_firm=_max_per_firm()
            )
        except InvalidInput as exc:
            _errors(exc)
            status = 422
        else:
            return redirect(url_for("proposals.proposal", proposal_id=created["id"]))
    items = [networks.view(p) for p in proposals.list_proposals(db, "network")]
    cohort_items = proposals.list_proposals(db, "cohort")
    return render_template(
        "proposals.html",
        items=items,
        cohort_items=cohort_items,
        values=values,
        regions=REGIONS,
        rules=review.list_rules(db),
        masterclass_titles={m["id"]: m["title"] for m in questionnaires.list_masterclasses(db)},
    ), status


@bp.get("/proposals/<int:proposal_id>")
@facilitator_required
def proposal(proposal_id: int):
    try:
        stored = proposals.get_proposal(get_db(), proposal_id)
    except NotFound:
        abort(404)
    if stored["kind"] == "cohort":
        return redirect(url_for("proposals.cohorts_page", masterclass_id=stored["masterclass_id"]))
    return render_template("proposals_detail.html", proposal=networks.view(stored),
                           sizes=review.sizes_of(stored["request"]))  # fmt: skip


@bp.get("/networks/<int:group_id>")
@facilitator_required
def network(group_id: int):
    try:
        found = networks.get_network(get_db(), group_id)
    except NotFound:
        abort(404)
    number = proposals.get_group(get_db(), group_id).get("ordinal")
    sizes = review.sizes_of(proposals.get_proposal(get_db(), found["proposal_id"])["request"])
    return render_template("network.html", network=found, number=number, sizes=sizes)


def _back(group_id: int):
    target = request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(url_for("proposals.network", group_id=group_id))


@bp.post("/networks/<int:group_id>/<action>")
@facilitator_required
def network_action(group_id: int, action: str):
    db = get_db()
    decided = None
    try:
        if action == "accept":
            decided = review.accept(db, group_id, max_per_firm=_max_per_firm())
        elif action == "reject":
            decided = review.reject(db, group_id, created_by=_user_id())
        elif action in ("lock", "unlock"):
            company_id = _int(request.form.get("company_id"))
            if not isinstance(company_id, int):
                abort(400)
            review.set_locked(db, group_id, company_id, action == "lock")
        elif action == "swap":
            data = {
                "out": _int(request.form.get("out")),
                "in": firms.resolve(request.form.get("in"), "in"),
            }
            found = members.swap(
                db, group_id, data, max_per_firm=_max_per_firm(), lang=current_language()
            )
            learning.record_swap(db, found, data)  # a decision the matcher learns from
            name = next(m["name"] for m in found["members"] if m["id"] == data["in"])
            flash(t("swap_locked").format(name=name), "info")
            return _back(group_id)
        elif action in ("add", "remove"):
            return _member_change(db, group_id, action)
        else:
            abort(404)
    except NotFound:
        abort(404)
    except (InvalidInput, Conflict) as exc:
        _errors(exc)
    else:
        decision = (decided or {}).get("decision") or {}
        if decision.get("changed"):
            flash(
                t("decision_changed").format(
                    old=t("status_" + decision["previous_status"]),
                    new=t("status_" + decided["status"]),
                ),
                "info",
            )
        else:
            flash(t("saved"), "info")
    return _back(group_id)


def _member_change(db, group_id: int, action: str):
    """Add the firm typed in the form to the network, or take member `company_id` out."""
    if action == "add":
        firm = firms.resolve(request.form.get("firm"), "id")
        found = members.add(db, group_id, {"id": firm}, max_per_firm=_max_per_firm(),
                            lang=current_language())  # fmt: skip
        name = next(m["name"] for m in found["members"] if m["id"] == firm)
        flash(t("member_added").format(name=name), "info")
    else:
        company_id = _int(request.form.get("company_id"))
        if not isinstance(company_id, int):
            abort(400)
        members.remove(db, group_id, company_id, lang=current_language())
        flash(t("member_removed"), "info")
    return _back(group_id)


@bp.post("/proposals/<int:proposal_id>/delete")
@facilitator_required
def discard(proposal_id: int):
    """Discard a network proposal (as DELETE /api/v1/networks/proposals/<id>): its firms are
    free for new proposals; pair rules stay."""
    if request.form.get("confirm") != "1":
        flash(t("discard_confirm"), "error")
        return redirect(url_for("proposals.proposal", proposal_id=proposal_id))
    try:
        proposals.delete_proposal(get_db(), proposal_id, "network")
    except NotFound:
        abort(404)
    except Conflict as exc:
        _errors(exc)
        return redirect(url_for("proposals.proposal", proposal_id=proposal_id))
    flash(t("proposal_discarded"), "info")
    return redirect(url_for("proposals.index"))


@bp.post("/proposals/<int:proposal_id>/rerun")
@facilitator_required
def rerun(proposal_id: int):
    try:
        review.rerun(get_db(), proposal_id, {}, max_per_firm=_max_per_firm())
    except NotFound:
        abort(404)
    except (InvalidInput, Conflict) as exc:
        _errors(exc)
    else:
        flash(t("rerun_done"), "info")
    return redirect(url_for("proposals.proposal", proposal_id=proposal_id))


@bp.post("/pairs/<rule>")
@facilitator_required
def pair_rule(rule: str):
    if rule not in review.RULES:
        abort(404)
    try:
        data = {
            "a": firms.resolve(request.form.get("a"), "a"),
            "b": firms.resolve(request.form.get("b"), "b"),
        }
        if request.form.get("remove"):
            review.remove_rule(get_db(), rule, data)
        else:
            review.add_rule(get_db(), rule, data, created_by=_user_id())
    except NotFound as exc:
        flash(error_text(str(exc)), "error")
    except (InvalidInput, Conflict) as exc:
        _errors(exc)
    else:
        flash(t("saved"), "info")
    target = request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(url_for("proposals.index"))


@bp.route("/masterclasses/<int:masterclass_id>/cohorts", methods=["GET", "POST"])
@facilitator_required
def cohorts_page(masterclass_id: int):
    db = get_db()
    try:
        masterclass = questionnaires.get_masterclass(db, masterclass_id)
    except NotFound:
        abort(404)
    status = 200
    if request.method == "POST":
        data = {
            "min_size": _int(request.form.get("min_size")),
            "max_size": _int(request.form.get("max_size")),
            "seed": _int(request.form.get("seed")),
            "lang": current_language(),
        }
        try:
            cohorts.propose(
                db, masterclass_id, {k: v for k, v in data.items() if v is not None},
                created_by=_user_id(),
            )  # fmt: skip
        except InvalidInput as exc:
            _errors(exc)
            status = 422
        else:
            return redirect(url_for("proposals.cohorts_page", masterclass_id=masterclass_id))
    invitations, total = recruitment.invitations(db, masterclass_id, limit=10,
                                                 lang=current_language())  # fmt: skip
    return render_template(
        "cohorts.html",
        masterclass=masterclass,
        items=cohorts.for_masterclass(db, masterclass_id),
        invitations=invitations,
        invitable=total,
    ), status
