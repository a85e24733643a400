"""A firm's private link by e-mail: sent from its own page to its contact address, or asked for
again by CVR (a firm that registers twice), never shown to whoever asks.

Asking by CVR answers the same whether the CVR is registered or not, and is rate-limited per
client address; the mail carries a one-time link that gives the firm a new private link.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from matchmaker.reference import messages
from matchmaker.reference.validation import NotFound
from matchmaker.store import private_links, profiles
from web import get_db, mail
from web.i18n import current_language, t
from web.security import limiter

bp = Blueprint("links", __name__)

# Anonymous requests for a link by CVR, per client address; a firm itself gets at most
# `private_links.MAX_MAILS_PER_HOUR` such mails an hour whoever asks.
LINK_REQUEST_LIMIT = "10/hour;3/minute"
# Mails of its own link from a firm's page.
SEND_OWN_LINK_LIMIT = "10/hour;3/minute"


def _own(token: str) -> dict:
    try:
        return profiles.by_token(get_db(), token)
    except NotFound:
        abort(404)


@bp.post("/p/<token>/send-link")
@limiter.limit(SEND_OWN_LINK_LIMIT)
def send_own_link(token: str):
    """Mail the firm's private link to the contact e-mail on its profile."""
    company = _own(token)
    email = company.get("contact_email")
    if not mail.configured():
        flash(t("link_no_mail"), "error")
    elif not email:
        flash(t("link_no_contact"), "error")
    else:
        lang = current_language()
        link = url_for("pages.own_profile", token=token, _external=True)
        try:
            mail.send(
                email,
                messages.render("mail.link_subject", lang, name=company["name"]),
                messages.render("mail.link_body", lang, name=company["name"], link=link),
            )
        except mail.MailFailed:
            flash(t("link_send_failed"), "error")
        else:
            flash(t("link_sent").format(email=email), "info")
    return redirect(url_for("pages.own_profile", token=token))


def mail_a_new_link(cvr: str) -> None:
    """When `cvr` is a registered firm with a contact e-mail, mail it a one-time link; the
    caller learns nothing either way."""
    found = private_links.request_by_cvr(get_db(), cvr)
    if found is None:
        return
    lang = current_language()
    name = found.company["name"]
    link = url_for("links.renew", token=found.secret, _external=True)
    mail.send_later(
        found.company["contact_email"],
        messages.render("mail.link_request_subject", lang, name=name),
        messages.render(
            "mail.link_request_body", lang, name=name, link=link, hours=private_links.VALID_HOURS
        ),
    )


@bp.route("/link", methods=["GET", "POST"])
@limiter.limit(LINK_REQUEST_LIMIT, methods=["POST"])
def ask():
    """Ask for the private link by CVR; the answer never says whether the CVR is registered."""
    cvr = (request.values.get("cvr") or "").strip()
    done = False
    if request.method == "POST" and mail.configured():
        mail_a_new_link(cvr)
        done = True
    return render_template("link_request.html", cvr=cvr, done=done, mail_ready=mail.configured())


@bp.route("/p/<token>/new-link", methods=["GET", "POST"])
def renew(token: str):
    """The one-time link from the mail: a button (mail scanners that open links change
    nothing), then a new private link."""
    db = get_db()
    try:
        if request.method == "POST":
            _, new_token = private_links.redeem(db, token)
            flash(t("link_renewed"), "info")
            return redirect(url_for("pages.own_profile", token=new_token))
        company = private_links.pending(db, token)
    except NotFound:
        return render_template("link_open.html", company=None), 404
    return render_template("link_open.html", company=company, token=token)
