"""A firm's private link asked for again over the API: by CVR, mailed, never answered."""

from __future__ import annotations

from flask import jsonify

from matchmaker.reference import messages
from matchmaker.reference.validation import validate
from matchmaker.store.private_links import LinkRequestIn
from web import mail
from web.api import bp, json_body
from web.api.openapi import documented
from web.private_links import LINK_REQUEST_LIMIT, mail_a_new_link
from web.security import authenticated_client, limiter


@bp.post("/companies/link-request")
@documented("/companies/link-request", "post",
            "Mail a registered firm a one-time link to a new private link, by CVR; the answer is "
            "the same whether the CVR is registered or not", body=LinkRequestIn, auth=False,
            status=202)  # fmt: skip
@limiter.limit(LINK_REQUEST_LIMIT, exempt_when=authenticated_client)
def link_request():
    request = validate(LinkRequestIn, json_body())
    if not mail.configured():
        return jsonify(mail=False, message=messages.render("api.link_request_no_mail", "en")), 202
    mail_a_new_link(request.cvr)
    return jsonify(mail=True, message=messages.render("api.link_request_done", "en")), 202
