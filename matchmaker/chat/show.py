"""Showing a firm's profile, named or picked from the last list ("vis nummer to")."""

from __future__ import annotations

from matchmaker.chat.cards import profile_card
from matchmaker.chat.clarify import ask_firm, clarify_ambiguous
from matchmaker.chat.turn import FIRM_CARDS, Turn, card_at, carry
from matchmaker.chat.wording import join, say


def show(turn: Turn) -> dict:
    """Profile cards of up to three firms; the firm shown becomes the subject of "why …?"."""
    state, found, lang = turn.state, turn.found, turn.lang
    keep = carry(state)
    firms = [turn.choice] if turn.choice else list(found.firms)
    for n in found.ordinals:
        card = card_at(state, n)
        if card and card.get("type") in (*FIRM_CARDS, "choice"):
            firms.append({"id": card["id"], "name": card["name"]})
        elif card is None:
            turn.reply = say("no_such_card", lang, n=len(state.get("cards") or []))
            return keep
    if not firms:
        if found.ambiguous:
            return clarify_ambiguous(turn, "show", {}, found.ambiguous[0])
        return ask_firm(turn, "show", {})
    for firm in firms[:3]:
        company = turn.profile(firm["id"])
        if company is None:
            continue
        turn.cards.append(profile_card(company, lang))
    if not turn.cards:
        turn.reply = say("unknown_firm", lang)
        return keep
    turn.reply = say("show", lang, firm=join([c["name"] for c in turn.cards], lang))
    keep["firms"] = [{"id": c["id"], "name": c["name"]} for c in turn.cards]
    keep["shown"] = keep["firm"] = keep["firms"][0]
    keep.pop("search", None)  # "find partnere til dem" now means the firm shown
    return keep
