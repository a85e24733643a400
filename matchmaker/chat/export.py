"""Exports from the chat: what to export (a network or cohort by number, a proposal, a
masterclass's cohorts, the last list of firms) and in which format; "og som excel" right after
an export asks for the same thing in another format.

An export stores nothing: a draft (a preview not saved) is not exported but answered with a
request to save it first, as the review commands answer. A file then always names a stored
proposal that the secretariat can find, review and export again, and the export log shows
what left the system; nothing counts against a firm's cap until the facilitator saves it.
"""

from __future__ import annotations

import re
from typing import Any

from matchmaker.chat.cards import save_card
from matchmaker.chat.language import file_language
from matchmaker.chat.turn import Turn, card_at, carry
from matchmaker.chat.wording import error_text, say
from matchmaker.grouping import cohorts, networks
from matchmaker.reference.validation import Conflict, InvalidInput, NotFound

FORMAT_ORDER = ("pdf", "xlsx", "csv", "json")
# "netværk 2", "hold 1": the message asks for a group, never for a list of firms.
GROUP_WORD = re.compile(r"\b(?:netværk|netvaerk|networks?|hold|cohorts?|kohorte\w*)\b", re.I)


class DraftNotSaved(Exception):
    """The export points at a draft: it must be saved before it can be exported."""


def _stored(turn: Turn, keep: dict) -> dict | None:
    """The last answer's stored proposal (DraftNotSaved when it is a draft)."""
    if turn.state.get("preview"):
        raise DraftNotSaved
    return keep.get("proposal")


def _masterclass_target(turn: Turn, keep: dict) -> dict | None:
    """The newest stored cohorts of the masterclass named (or the preview of them)."""
    masterclass = turn.found.masterclass
    preview = turn.state.get("preview") or {}
    if (preview.get("masterclass") or {}).get("id") == masterclass["id"]:
        proposal = _stored(turn, keep)
        return {"kind": "cohort_proposal", "id": proposal["id"]}
    stored = cohorts.for_masterclass(turn.db, masterclass["id"])
    if not stored:
        return None
    return {"kind": "cohort_proposal", "id": stored[0]["id"]}


def _proposal_group(turn: Turn, keep: dict, n: int) -> dict[str, Any] | None:
    """Group n of the session's stored proposal when the last list is not its groups
    ("eksportér netværk 1" after a partner search), or None."""
    proposal = _stored(turn, keep)
    if not proposal:
        return None
    get = networks.get_proposal if proposal["kind"] == "network" else cohorts.get_proposal
    try:
        groups = get(turn.db, proposal["id"]).get(f"{proposal['kind']}s") or []
    except NotFound:
        return None
    n = len(groups) if n == -1 else n
    if not 1 <= n <= len(groups):
        return None
    return {"kind": proposal["kind"], "id": groups[n - 1]["id"]}


def _target(turn: Turn, keep: dict) -> dict[str, Any] | None:
    state, found = turn.state, turn.found
    cards = state.get("cards") or []
    groups = [c for c in cards if c.get("type") in ("network", "cohort")]
    if found.masterclass:
        return _masterclass_target(turn, keep)
    if found.ordinals:
        card = card_at(state, found.ordinals[0])
        if card and card.get("type") in ("network", "cohort"):
            if card.get("id") is None:
                raise DraftNotSaved
            return {"kind": card["type"], "id": card["id"]}
        if GROUP_WORD.search(turn.message):
            return _proposal_group(turn, keep, found.ordinals[0])
    if found.firms and state.get("task") not in ("find_partners", "similar"):
        return {"kind": "firms", "ids": [f["id"] for f in found.firms]}
    if groups and (state.get("proposal") or state.get("preview")):
        proposal = _stored(turn, keep)
        return {"kind": f"{proposal['kind']}_proposal", "id": proposal["id"]}
    if found.format and state.get("export") and not found.firms:
        return state["export"]
    ids = [c["id"] for c in cards if c.get("type") in ("firm", "profile")]
    return {"kind": "firms", "ids": ids} if ids else None


def export(turn: Turn) -> dict:
    """Download links for what the message (or the last answer) points at."""
    state, found, lang = turn.state, turn.found, turn.lang
    keep = carry(state)
    fmt = found.format
    if fmt:
        keep["format"] = fmt
    try:
        target = _target(turn, keep)
    except DraftNotSaved:
        turn.reply = say("export_draft", lang)
        turn.cards = [save_card(lang)]
        return keep
    except (InvalidInput, Conflict, NotFound) as exc:
        turn.reply = say("not_saved", lang, why=error_text(exc, lang))
        return keep
    if target is None:
        turn.reply = say("export_nothing", lang)
        return keep
    keep["export"] = target
    turn.reply = say("export", lang, what=say(f"what_{target['kind']}", lang))
    turn.cards = [
        {
            "type": "export",
            "target": target,
            "format": fmt,
            "lang": file_language(turn.message) or lang,  # "som pdf på engelsk"
            "actions": [
                {"kind": "download", "label": f.upper(), "format": f, "target": target}
                for f in (FORMAT_ORDER if fmt is None else (fmt,))
            ],
        }
    ]
    return keep
