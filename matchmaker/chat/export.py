"""Exports from the chat: what to export (a network or cohort by number, a proposal, a
masterclass's cohorts, the last list of firms) and in which format; "og som excel" right after
an export asks for the same thing in another format."""

from __future__ import annotations

import re
from typing import Any

from matchmaker.chat.saving import store_preview
from matchmaker.chat.turn import Turn, card_at, carry
from matchmaker.chat.wording import error_text, say
from matchmaker.grouping import cohorts, networks
from matchmaker.reference.validation import Conflict, InvalidInput, NotFound

FORMAT_ORDER = ("pdf", "xlsx", "csv", "json")
# "netværk 2", "hold 1": the message asks for a group, never for a list of firms.
GROUP_WORD = re.compile(r"\b(?:netværk|netvaerk|networks?|hold|cohorts?|kohorte\w*)\b", re.I)


def _stored(turn: Turn, keep: dict) -> dict | None:
    """The last answer's proposal, stored first when it is a preview (an export keeps it)."""
    preview = turn.state.get("preview")
    if preview:
        view = store_preview(turn, preview)
        keep.pop("preview", None)
        keep["proposal"] = {"kind": preview["kind"], "id": view["id"]}
        ids = iter(g["id"] for g in view.get("networks") or view.get("cohorts") or [])
        keep["cards"] = [
            {**c, "id": next(ids, None), "proposal_id": view["id"]}
            if c.get("type") in ("network", "cohort")
            else c
            for c in keep.get("cards") or []
        ]
        turn.reply = say("saved_for_export", turn.lang, id=view["id"])
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
    """Group n of the session's proposal (its draft stored first) when the last list is not
    its groups ("eksportér netværk 1" after a partner search), or None."""
    proposal = _stored(turn, keep) if turn.state.get("preview") else keep.get("proposal")
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
            if card.get("id") is None:  # a preview: stored first, in the same order
                _stored(turn, keep)
                card = card_at(keep, found.ordinals[0]) or {}
            return {"kind": card["type"], "id": card["id"]} if card.get("id") else None
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
    except (InvalidInput, Conflict, NotFound) as exc:
        turn.reply = say("not_saved", lang, why=error_text(exc, lang))
        return keep
    if target is None:
        turn.reply = say("export_nothing", lang)
        return keep
    keep["export"] = target
    prefix = turn.reply + " " if turn.reply else ""
    turn.reply = prefix + say("export", lang, what=say(f"what_{target['kind']}", lang))
    turn.cards = [
        {
            "type": "export",
            "target": target,
            "format": fmt,
            "lang": lang,
            "actions": [
                {"kind": "download", "label": f.upper(), "format": f, "target": target}
                for f in (FORMAT_ORDER if fmt is None else (fmt,))
            ],
        }
    ]
    return keep
