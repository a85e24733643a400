"""Reviewing a network shown in the chat: swap a member ("byt A ud med B i netværk 1"), add or
remove one ("tilføj A til netværk 1", "fjern B fra netværket"), accept or reject a network
("godkend netværk 2"), done by the same review functions as the API on the stored network the
message points at. A draft is not stored by a review command: the chat says to save it first,
and keeps it."""

from __future__ import annotations

import re

from matchmaker.chat.cards import group_card
from matchmaker.chat.turn import NETWORK_N, Turn, card_at, carry
from matchmaker.chat.wording import error_text, say
from matchmaker.grouping import members, networks
from matchmaker.grouping import review as decisions_on
from matchmaker.reference.validation import Conflict, InvalidInput, NotFound
from matchmaker.store import decisions

_LEAD = r"^\s*(?:(?:ja|ok|okay|yes|please|venligst|kan du|could you|can you)[,!]?\s+)*"
ACTIONS = {
    "swap": re.compile(
        _LEAD + r"(?:byt|bytte|udskift|udskifte|erstat|erstatte|swap|replace|substitute)(?=\s|$)",
        re.I,
    ),
    # the imperative and infinitive only: "godkendte netværk …" asks about approved networks
    "accept": re.compile(
        _LEAD + r"(?:godkend|godkende|accepter|acceptere|accept|approve)(?=[\s,.!]|$)", re.I
    ),
    "reject": re.compile(
        _LEAD + r"(?:afvis|afvise|afslå|forkast|forkaste|reject|decline)(?=[\s,.!]|$)", re.I
    ),
}
# "kør forslaget igen", "rerun the proposal": the open networks of the saved proposal anew.
ACTIONS["rerun"] = re.compile(
    _LEAD + r"(?:(?:kør|koer|run|beregn)\b[^.?!]{0,40}\b(?:igen|again|om|anew)\b|"
    r"re-?run\b|genberegn|genkør)",
    re.I,
)
# "smid A ud og sæt B ind", "tag A ud, B ind", "take A out and put B in": a swap too.
ACTIONS["swap_out_in"] = re.compile(
    _LEAD + r"(?:smid|fjern|tag|remove|take|drop)\s.+\b(?:ud|out)\s+(?:af|of)\s+"
    r"(?:netværk|netvaerk|network)\S*(?:\s+\d+)?\b.*\b(?:ind|in)\b",
    re.I,
)
# "tilføj A til netværk 1", "fjern A fra netværket": one member more or less. A verb that says
# which decides ("fjern A i netværk 1" removes); after "sæt", "smid", "put", "tag", "take" the
# word before the network does ("til/i/to" adds, "fra/ud af/from" removes).
EDIT = re.compile(
    _LEAD + r"(?P<verb>tilføj|tilfoej|tilføje|indsæt|add|include|insert|fjern|fjerne|slet|"
    r"slette|remove|drop|delete|sæt|put|smid|tag|take)\s.+\b(?P<way>til|ind i|i|fra|ud af|to|"
    r"into|in|from|out of)\s+"
    r"(?:netværket|netvaerket|netværk\s+\d+|netvaerk\s+\d+|network\s+\d+|the network)\b",
    re.I,
)
_ADDING_VERBS = {"tilføj", "tilfoej", "tilføje", "indsæt", "add", "include", "insert"}
_REMOVING_VERBS = {"fjern", "fjerne", "slet", "slette", "remove", "drop", "delete"}
_REMOVING = {"fra", "ud af", "from", "out of"}
# "byt B ind for A", "swap in B for A": the firm named first joins.
_IN_FIRST = re.compile(r"^\s*(?:ind|in)\b", re.I)


def review_action(message: str) -> str | None:
    """The review a message asks for ("swap", "accept", "reject", "add", "remove"), or None."""
    found = next((name for name, pattern in ACTIONS.items() if pattern.match(message)), None)
    if found == "swap_out_in":
        return "swap"
    if found:
        return found
    edit = EDIT.match(message)
    if edit is None:
        return None
    verb = edit["verb"].lower()
    if verb in _ADDING_VERBS or verb in _REMOVING_VERBS:
        return "add" if verb in _ADDING_VERBS else "remove"
    return "remove" if " ".join(edit["way"].lower().split()) in _REMOVING else "add"


def shown_networks(turn: Turn) -> tuple[list[dict], bool]:
    """The networks the conversation points at (the last list of networks, else the networks
    shown last, else the stored proposal of the session), and whether they are a draft not
    stored yet."""
    state = turn.state
    cards = [c for c in state.get("cards") or [] if c.get("type") == "network"]
    cards = cards or list(state.get("networks_shown") or [])
    if cards and any(c.get("id") is None for c in cards):
        return cards, True
    proposal_id = next((c.get("proposal_id") for c in cards if c.get("proposal_id")), None)
    stored = state.get("proposal") or {}
    if proposal_id is None and stored.get("kind") == "network":
        proposal_id = stored.get("id")
    if proposal_id is None:
        return ([], True) if (state.get("preview") or {}).get("kind") == "network" else ([], False)
    try:
        view = networks.get_proposal(turn.db, proposal_id)
    except NotFound:
        return [], False
    return [{**g, "proposal_id": view["id"]} for g in view["networks"]], False


def group_at(turn: Turn, n: int) -> dict | None:
    """The n-th card of the last list; for "netværk n" when that list holds no such network,
    network n of those the conversation points at (`shown_networks`), None when it has fewer."""
    card = card_at(turn.state, n)
    if (card is None or card.get("type") != "network") and NETWORK_N.search(turn.message):
        shown, _ = shown_networks(turn)
        if not 0 < n <= len(shown):
            return None
        return {**network_card(shown[n - 1]), "ordinal": n}
    return card


def network_card(group: dict) -> dict:
    """A network the conversation shows, as a card reads it: a card as it is; a stored network
    (its "type" the network type) with that type as `match_type`."""
    match_type = group["match_type"] if "match_type" in group else group.get("type")
    return {**group, "type": "network", "match_type": match_type}


def _swap_firms(turn: Turn) -> tuple[dict | None, dict | None]:
    """The member to swap out and the firm to swap in, in the order the message names them."""
    mentions = [m for m in turn.mentions if not m.ambiguous]
    if len(mentions) < 2:
        return None, None
    first, second = ({"id": m.matches[0]["id"], "name": m.matches[0]["name"]} for m in mentions[:2])
    if _IN_FIRST.match(turn.message[mentions[0].end :]):
        return second, first
    return first, second


def _pick(turn: Turn, groups: list[dict], member: dict | None) -> int | None:
    """The number (1-based) of the network meant: named by number, the one holding the member
    to swap out, or the only one."""
    if turn.found.ordinals:
        n = turn.found.ordinals[0]
        n = len(groups) if n == -1 else n
        return n if 1 <= n <= len(groups) else None
    if member is not None:
        holding = [
            n
            for n, g in enumerate(groups, start=1)
            if member["id"] in {m.get("id") for m in g.get("members", [])}
        ]
        return holding[0] if len(holding) == 1 else None
    return 1 if len(groups) == 1 else None


def review(turn: Turn) -> dict:
    """Swap, accept or reject the network the message points at; never anything else."""
    lang, keep = turn.lang, carry(turn.state)
    action = review_action(turn.message) or "accept"
    what = say(f"review_{action}", lang)
    groups, draft = shown_networks(turn)
    if draft:
        turn.reply = say("review_draft", lang, action=what)
        return keep
    if not groups:
        turn.reply = say("review_nothing", lang, action=what)
        return keep
    if action == "rerun":
        return _rerun(turn, groups[0]["proposal_id"], keep, what)
    out, new = _swap_firms(turn) if action == "swap" else _named_firm(turn, action)
    if action == "swap" and new is None or action in EDITS and (out or new) is None:
        turn.reply = say(f"{action}_who", lang)
        return keep
    n = _pick(turn, groups, out)
    if n is None:
        turn.reply = say("review_which", lang, action=what, count=len(groups))
        return keep
    group = groups[n - 1]
    if out is not None and out["id"] not in {m.get("id") for m in group["members"]}:
        turn.reply = say(f"{action}_not_member", lang, name=out["name"], n=n)
        return keep
    try:
        if action == "swap":
            data = {"out": out["id"], "in": new["id"]}
            changed = members.swap(
                turn.db, group["id"], data, max_per_firm=turn.max_per_firm, lang=lang
            )
            kept = [m.get("id") for m in changed.get("members", [])]
            decisions.record_swap(
                turn.db, group["id"], out["id"], new["id"], kept, created_by=turn.user_id
            )
            turn.reply = say("swapped", lang, new=new["name"], old=out["name"], n=n)
        elif action in EDITS:
            changed = _edit(turn, group["id"], out, new)
            firm = out or new
            turn.reply = say("added" if new else "removed", lang, name=firm["name"], n=n)
        elif action == "accept":
            changed = decisions_on.accept(turn.db, group["id"], max_per_firm=turn.max_per_firm)
            turn.reply = say("accepted", lang, n=n, id=group["proposal_id"])
        else:
            changed = decisions_on.reject(turn.db, group["id"], created_by=turn.user_id)
            turn.reply = say("rejected", lang, n=n, id=group["proposal_id"])
    except (InvalidInput, Conflict, NotFound) as exc:
        turn.reply = say("review_failed", lang, action=what, n=n, why=_why(exc, lang))
        return keep
    # The proposal's networks anew, numbered as before, so "netværk 2" still points right.
    groups[n - 1] = {**changed, "proposal_id": group["proposal_id"]}
    turn.cards = [
        group_card(turn, {**g, "kind": "network"}, k) for k, g in enumerate(groups, start=1)
    ]
    keep["proposal"] = {"kind": "network", "id": group["proposal_id"]}
    keep["task"] = "propose_networks"
    return keep


EDITS = ("add", "remove")


def _rerun(turn: Turn, proposal_id: int, keep: dict, what: str) -> dict:
    """The open networks of the saved proposal proposed anew, every decision kept."""
    try:
        view = decisions_on.rerun(turn.db, proposal_id, max_per_firm=turn.max_per_firm)
    except (InvalidInput, Conflict, NotFound) as exc:
        turn.reply = say("review_failed", turn.lang, action=what, n="", why=_why(exc, turn.lang))
        return keep
    groups = [{**g, "proposal_id": view["id"], "kind": "network"} for g in view["networks"]]
    turn.cards = [group_card(turn, g, k) for k, g in enumerate(groups, start=1)]
    turn.reply = say("rerun_done", turn.lang, id=view["id"], n=len(groups))
    keep["proposal"] = {"kind": "network", "id": view["id"]}
    keep["task"] = "propose_networks"
    return keep


def _named_firm(turn: Turn, action: str) -> tuple[dict | None, dict | None]:
    """The member to remove or the firm to add (the first firm the message names), as
    (out, in)."""
    mentions = [m for m in turn.mentions if not m.ambiguous]
    if action not in EDITS or not mentions:
        return None, None
    firm = {"id": mentions[0].matches[0]["id"], "name": mentions[0].matches[0]["name"]}
    return (firm, None) if action == "remove" else (None, firm)


def _edit(turn: Turn, group_id: int, out: dict | None, new: dict | None) -> dict:
    """Add `new` to network `group_id` or take `out` out of it."""
    if new is not None:
        return members.add(turn.db, group_id, {"id": new["id"]}, max_per_firm=turn.max_per_firm,
                           lang=turn.lang)  # fmt: skip
    return members.remove(turn.db, group_id, out["id"], lang=turn.lang)


def _why(exc: Exception, lang: str) -> str:
    """Why the review was refused: the core's reason codes in `lang`, else its own words."""
    if getattr(exc, "codes", None):
        return error_text(exc, lang)
    fields = getattr(exc, "fields", None) or {}
    return "; ".join(f"{k}: {v}" for k, v in fields.items()) or str(exc)
