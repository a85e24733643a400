"""Showing a firm's profile, named or picked from the last list ("vis nummer to"), or one
network or cohort of the last list ("hvem er på hold 2?")."""

from __future__ import annotations

from matchmaker.chat.cards import group_card, profile_card
from matchmaker.chat.clarify import ask_firm, clarify_ambiguous
from matchmaker.chat.review import group_at, shown_networks
from matchmaker.chat.turn import FIRM_CARDS, GROUP_CARDS, NETWORK_N, Turn, card_at, carry
from matchmaker.chat.wording import join, say


def asks_about_group(turn: Turn) -> bool:
    """Does the message point at a network or cohort of the last list ("hvem er i gruppe
    2?", "show cohort 3") without asking for anything new (a count, a size, a format, an
    exclusion, a firm, another masterclass)?"""
    found, state = turn.found, turn.state
    if not found.ordinals or found.count or found.size or found.format or found.exclude:
        return False
    if found.firms or found.ambiguous:
        return False
    listed = (state.get("masterclass") or {}).get("id")
    if found.masterclass and found.masterclass["id"] != listed:
        return False
    card = group_at(turn, found.ordinals[0])
    if card is None:
        return bool(NETWORK_N.search(turn.message))  # "vis netværk 5" of three: say so
    return card.get("type") in GROUP_CARDS


def show_group(turn: Turn, ref: dict | None) -> dict:
    """One network or cohort of the last list again, as it was listed (the list stays); for
    "netværk n" of fewer, that there is none."""
    keep, lang = carry(turn.state), turn.lang
    if ref is None:
        n, count = turn.found.ordinals[0], len(shown_networks(turn)[0])
        turn.reply = say("no_network_n", lang, n=n, count=count)
        return keep
    members = [{**m, "company_id": m.get("id"), "company": m.get("name")}
               for m in ref.get("members") or []]  # fmt: skip
    group = {**ref, "kind": ref["type"], "type": ref.get("match_type"), "members": members}
    turn.cards = [group_card(turn, group, ref.get("ordinal") or 1)]
    turn.list_kept = True
    title = (turn.state.get("masterclass") or {}).get("title")
    if ref["type"] == "cohort" and title:
        turn.reply = say("show_cohort", lang, n=turn.cards[0]["ordinal"], title=title,
                         members=len(members))  # fmt: skip
    else:
        turn.reply = say("show_group", lang, what=turn.cards[0]["title"], members=len(members))
    return keep


def show(turn: Turn) -> dict:
    """Profile cards of up to three firms; the firm shown becomes the subject of "why …?"."""
    state, found, lang = turn.state, turn.found, turn.lang
    keep = carry(state)
    if not turn.choice and asks_about_group(turn):
        return show_group(turn, group_at(turn, found.ordinals[0]))
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
