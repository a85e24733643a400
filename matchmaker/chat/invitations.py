"""Firms to invite to a masterclass, asked in the chat ("hvem skal vi invitere til
masterclassen om salg på nettet?"): the list of GET /masterclasses/<id>/invitations (consenting
firms that have not answered, ranked by fit to the theme and to the answers given, with
reasons), as numbered profile cards ("vis nummer 2"). Nothing is stored or sent: the API has
no invitation to create either, only this ranked list."""

from __future__ import annotations

import re

from matchmaker.chat.cards import profile_card
from matchmaker.chat.clarify import which_masterclass
from matchmaker.chat.masterclasses import names_masterclass
from matchmaker.chat.turn import Turn, carry
from matchmaker.chat.wording import say
from matchmaker.grouping import recruitment

DEFAULT_INVITATIONS = 10
MAX_INVITATIONS = 50  # as many as a message may count (`numbers.MAX_COUNT`)
# "invitere", "inviter", "invitation", "invite", "indbyde": asking whom to invite.
INVITE = re.compile(r"\b(?:invit\w*|inviter\w*|indbyd\w*)", re.I)


def asks_invitations(turn: Turn) -> bool:
    """Does the message ask whom to invite to a masterclass (named, or the one talked about)?"""
    if not INVITE.search(turn.message) or turn.found.firms:
        return False
    return bool(
        turn.found.masterclass or names_masterclass(turn.message) or turn.state.get("masterclass")
    )


def invite(turn: Turn) -> dict:
    """The firms best worth inviting to the masterclass, best first, each with why."""
    lang, keep = turn.lang, carry(turn.state)
    masterclass = which_masterclass(turn, "invite", keep, turn.state.get("masterclass"))
    if masterclass is None:
        return keep
    count = max(1, min(turn.found.count or DEFAULT_INVITATIONS, MAX_INVITATIONS))
    items, total = recruitment.invitations(turn.db, masterclass["id"], limit=count, lang=lang)
    keep["masterclass"] = masterclass
    if not items:
        turn.reply = say("invite_none", lang, title=masterclass["title"])
        return keep
    for item in items:
        company = turn.profile(item.id)
        if company is None:
            continue
        card = profile_card(company, lang)
        card.update(ordinal=len(turn.cards) + 1, score=item.score, reason=item.reason)
        turn.cards.append(card)
    turn.reply = say("invite_firms", lang, n=len(turn.cards), title=masterclass["title"],
                     total=total)  # fmt: skip
    keep["firms"] = [{"id": c["id"], "name": c["name"]} for c in turn.cards]
    return keep
