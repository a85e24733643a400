"""Cards: what an answer shows (firms, profiles, networks, cohorts, notices) as plain data with
next-step actions; the web layer turns actions into links and buttons."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from matchmaker.chat.turn import Turn
from matchmaker.chat.wording import say, type_label
from matchmaker.reference import messages
from matchmaker.store import profiles


def profile_card(company: dict, lang: str) -> dict:
    """A firm's profile as stored (contact data included: the chat is for facilitators)."""
    view = profiles.public(company)
    card = {
        "type": "profile",
        **{k: view.get(k) for k in (
            "id", "name", "region", "city", "sector", "nace", "kind", "employees", "founded",
            "description", "offers", "needs", "markets", "contact_name", "contact_email",
        )},
    }  # fmt: skip
    card["actions"] = [
        {"kind": "show", "label": say("act_show", lang), "company_id": company["id"]}
    ]
    return card


def discard_card(lang: str) -> dict:
    """A pointer to the proposals page, where an old proposal can be discarded."""
    return {
        "type": "notice",
        "name": say("discard_title", lang),
        "actions": [{"kind": "proposals", "label": say("act_proposals", lang)}],
    }


def save_card(lang: str) -> dict:
    """A draft to save before it can be exported: its button sends "gem"."""
    return {
        "type": "notice",
        "name": say("save_title", lang),
        "actions": [{"kind": "save", "label": say("act_save", lang),
                     "message": say("msg_save", lang)}],
    }  # fmt: skip


def pair_card(a: dict, b: dict, pair, lang: str, **extra: Any) -> dict:
    """A card for two firms and how they match (`matching.pair_score`'s answer); `extra`
    adds or replaces fields (an ordinal, what each brings, fewer reasons, actions)."""
    return {
        "type": "pair", "a": a, "b": b, "score": pair.score, "match_type": pair.type,
        "type_label": type_label(pair.type, lang), "reasons": pair.reasons,
        "flags": pair.flags, "actions": [], **extra,
    }  # fmt: skip


def group_card(turn: Turn, group: dict, n: int, *, explain: bool = False) -> dict:
    """A network or cohort, stored (with review and export actions) or a preview (with "save")."""
    lang = turn.lang
    kind = group.get("kind", "network")
    preview = group.get("id") is None
    card: dict[str, Any] = {
        "type": kind,
        "id": group.get("id"),
        "proposal_id": group.get("proposal_id"),
        "ordinal": n or group.get("ordinal"),
        "status": "preview" if preview else group.get("status", "proposed"),
    }
    if kind == "network":
        card["title"] = say("network_n", lang, n=card["ordinal"])
        card.update(
            match_type=group.get("type"),
            type_label=type_label(group.get("type"), lang),
            score=group.get("score"),
            purpose=group.get("purpose"),
            reasons=group.get("reasons", []),
            warnings=group.get("warnings", []),
            members=[
                {"id": m.get("id"), "name": m.get("name"), "reason": m.get("reason")}
                for m in group.get("members", [])
            ],
        )
        card["actions"] = [
            {"kind": "explain", "label": say("act_explain", lang),
             "message": say("msg_explain_n", lang, n=card["ordinal"])},
            {"kind": "accept", "label": say("act_accept", lang), "group_id": group["id"]},
            {"kind": "reject", "label": say("act_reject", lang), "group_id": group["id"]},
            {"kind": "export", "label": say("act_export", lang), "target": "network",
             "group_id": group["id"]},
        ]  # fmt: skip
    else:
        card["title"] = say("cohort_n", lang, n=card["ordinal"])
        card.update(
            coherence=group.get("coherence"),
            themes=group.get("themes", []),
            members=[
                {
                    "id": m.get("company_id"),
                    "response_id": m.get("response_id"),
                    "name": m.get("company") or m.get("name"),
                    "reason": m.get("reason"),
                }
                for m in group.get("members", [])
            ],
        )
        card["actions"] = [
            {"kind": "explain", "label": say("act_explain", lang),
             "message": say("msg_explain_n", lang, n=card["ordinal"])},
            {"kind": "export", "label": say("act_export", lang), "target": "cohort",
             "group_id": group["id"]},
        ]  # fmt: skip
    if preview:
        # A draft is saved before it is exported (an export stores nothing).
        card["actions"] = [
            card["actions"][0],
            {"kind": "save", "label": say("act_save", lang), "message": say("msg_save", lang)},
        ]
    if explain:
        card["actions"] = [a for a in card["actions"] if a["kind"] != "explain"]
    return card


def firm_card(turn: Turn, suggestion, subject: dict, n: int) -> dict:
    """A suggested partner with its score, reasons and actions (why, profile, remove)."""
    p = turn.profile(suggestion.id) or {}
    lang = turn.lang
    card = asdict(suggestion)
    card["match_type"] = card.pop("type")
    card["type"] = "firm"
    card["ordinal"] = n
    card["type_label"] = type_label(card["match_type"], lang)
    card.update({k: p.get(k) for k in ("region", "city", "sector")})
    # The flags in the reader's words ("mulig konkurrent"); `flags` keeps the codes.
    card["flag_labels"] = [
        messages.render_known(f"web.flag_{f}", lang, f) for f in card.get("flags") or []
    ]
    card["actions"] = [
        {
            "kind": "explain",
            "label": say("act_explain", lang),
            "message": say("msg_explain_pair", lang, a=subject["name"], b=suggestion.name),
        },
        {"kind": "show", "label": say("act_show", lang), "company_id": suggestion.id},
        {
            "kind": "exclude",
            "label": say("act_exclude", lang),
            "message": say("msg_exclude_n", lang, n=n),
        },
    ]
    return card
