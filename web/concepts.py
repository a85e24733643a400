"""Capability concepts on the pages: what the service read in a firm's offers and needs, shown
with checkboxes to confirm or remove and a field to add others; what a sent form says.

A form names, per text part, the concepts it showed (`offer_concepts_shown`), the ones left
ticked (`offer_concepts`) and labels typed or picked to add (`offer_concepts_add`). A form that
showed none and added none says nothing, and the stored lists stay as they are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from matchmaker.reference.concept_lists import FIELDS
from matchmaker.reference.lexicon import default_lexicon
from matchmaker.reference.validation import Conflict, InvalidInput, NotFound
from matchmaker.store import profiles
from web import get_db
from web.i18n import current_language, t

bp = Blueprint("concepts", __name__)


@dataclass(frozen=True)
class ConceptRow:
    """One checkbox of the form: a concept, its label, whether it is ticked."""

    id: str
    label: str
    checked: bool


def _names(values: list[str]) -> list[str]:
    """Ids for the names a form sent (ids or labels); unknown names stay as typed."""
    lexicon = default_lexicon()
    return [lexicon.concept_of(v) or v.strip() for v in values if v and v.strip()]


def _added(form: Mapping, field: str) -> list[str]:
    """The concepts typed or picked into a part's add field (several: comma-separated)."""
    return _names(re.split(r"[,;]", form.get(f"{field}_add") or ""))


def stated(form, *, changes_only: bool = False) -> dict[str, list[str]]:
    """The concept fields a sent profile form states (none when it showed none and added
    none): per part the ticked and added concepts, and the shown ones left unticked. With
    `changes_only` (the profile's edit form, sent for any field) a part whose shown concepts
    were all left ticked and that added none states nothing: saving another field confirms no
    concept the service only read."""
    out: dict[str, list[str]] = {}
    for field, removed_field in FIELDS.values():
        ticked = _names(form.getlist(field))
        shown = _names(form.getlist(f"{field}_shown"))
        added = [a for a in dict.fromkeys(_added(form, field)) if a not in ticked]
        if not (shown or ticked or added):
            continue
        if changes_only and not added and set(shown) <= set(ticked):
            continue
        confirmed = ticked + added
        out[field] = confirmed
        out[removed_field] = [c for c in dict.fromkeys(shown) if c not in confirmed]
    return out


def rows(text: str | None, confirmed, removed, lang: str) -> list[ConceptRow]:
    """The checkboxes of one part: concepts read in `text` (ticked unless removed), then the
    confirmed ones the text does not name (ticked), then removed ones no longer read."""
    lexicon = default_lexicon()
    confirmed = [c for c in confirmed or () if c in lexicon.concepts]
    removed = [c for c in removed or () if c in lexicon.concepts]
    order = dict.fromkeys([*lexicon.concept_ids(text), *confirmed, *removed])
    return [
        ConceptRow(c, lexicon.label(c, lang), c in confirmed or c not in removed) for c in order
    ]


def form_rows(values: Mapping, form=None) -> dict[str, list[ConceptRow]]:
    """Per part, the checkboxes a profile form shows: from a sent form (as it was sent, with
    what its text reads now) or from a stored profile."""
    lang = current_language()
    said = stated(form) if form is not None else values
    out = {}
    for part, (field, removed_field) in FIELDS.items():
        out[part] = rows(values.get(part), said.get(field), said.get(removed_field), lang)
    return out


def add_value(form, part: str) -> str:
    """What was typed into a part's add field, shown again when the form comes back."""
    return (form.get(f"{FIELDS[part][0]}_add") or "") if form is not None else ""


def labels_of(company: Mapping, part: str) -> dict:
    """What a profile page shows of a part's concepts: the confirmed ones when the firm has
    said, else those read in its text (marked as not confirmed)."""
    lang = current_language()
    lexicon = default_lexicon()
    field = FIELDS[part][0]
    if company.get(field) is not None:
        found = [c for c in company[field] if c in lexicon.concepts]
        return {"confirmed": True, "labels": [lexicon.label(c, lang) for c in found]}
    read = lexicon.concept_ids(company.get(part))
    return {"confirmed": False, "labels": [lexicon.label(c, lang) for c in read]}


@bp.app_context_processor
def _inject():
    return {
        "concept_options": default_lexicon().labels(current_language()),
        "concept_labels_of": labels_of,
    }


@bp.post("/p/<token>/concepts")
def confirm(token: str):
    """The own-profile page's confirmation of the concepts read in the firm's text."""
    try:
        company = profiles.by_token(get_db(), token)
    except NotFound:
        abort(404)
    try:
        profiles.update(get_db(), company["id"], stated(request.form))
    except (InvalidInput, Conflict) as exc:
        link = url_for("pages.own_profile", token=token, _external=True)
        return render_template(
            "own_profile.html", company=company, token=token, link=link, new=None,
            concept_rows=form_rows(company, request.form), concept_errors=exc.fields,
            concept_form=request.form,
        ), 422  # fmt: skip
    flash(t("concepts_saved"), "info")
    return redirect(url_for("pages.own_profile", token=token) + "#concepts")
