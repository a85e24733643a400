"""Keeping a previewed proposal: "gem" (or the card's button) plans the previewed request again
and stores it as the networks and cohorts APIs do; only then does it count against the caps."""

from __future__ import annotations

from matchmaker.chat.cards import discard_card, group_card
from matchmaker.chat.cohort_requests import plan_cohorts
from matchmaker.chat.network_previews import ordered, plan_networks
from matchmaker.chat.turn import Turn, carry
from matchmaker.chat.wording import error_text, say
from matchmaker.grouping import cohorts, networks
from matchmaker.reference.validation import Conflict, InvalidInput, NotFound
from matchmaker.store import proposals


def store_preview(turn: Turn, preview: dict) -> dict:
    """Store a previewed proposal; returns the API view (`networks` or `cohorts`)."""
    request = preview["request"]
    if preview["kind"] == "network":
        plan = plan_networks(turn, request)
        groups = ordered(plan.networks, set(preview.get("named") or []))
        if not groups:
            raise InvalidInput({"networks": "none"}, codes={"networks": _first_reason(plan.unmet)})
        stored = proposals.save(
            turn.db, "network", plan.request, plan.summary(), groups, created_by=turn.user_id
        )
        return networks.view(stored)
    masterclass = preview["masterclass"]
    plan = plan_cohorts(turn.db, masterclass["id"], request)
    if not plan.cohorts:
        raise InvalidInput({"cohorts": "none"}, codes={"cohorts": _first_reason(plan.unmet)})
    summary = {"unmet": plan.unmet, "respondents": sum(len(c["members"]) for c in plan.cohorts)}
    stored = proposals.save(
        turn.db, "cohort", plan.request, summary, plan.cohorts,
        created_by=turn.user_id, masterclass_id=masterclass["id"],
    )  # fmt: skip
    return cohorts.view(stored)


def _first_reason(unmet: list[dict]) -> dict:
    """The message record of the first unmet constraint that has one (else the generic one)."""
    for item in unmet:
        if isinstance(item, dict) and isinstance(item.get("message"), dict):
            return item["message"]
    return {"code": "reasons.generic"}


def save(turn: Turn) -> dict:
    """Store the previewed proposal of the last answer and show it with review actions."""
    lang = turn.lang
    keep = carry(turn.state)
    preview = turn.state.get("preview")
    if not preview:
        turn.reply = say("nothing_to_save", lang)
        return keep
    try:
        view = store_preview(turn, preview)
    except (InvalidInput, Conflict, NotFound) as exc:
        turn.reply = say("not_saved", lang, why=error_text(exc, lang))
        codes = (getattr(exc, "codes", None) or {}).values()
        if any(record.get("code") == "reasons.capped" for record in codes):
            turn.reply += say("discard_hint", lang)
            turn.cards = [discard_card(lang)]
        return keep
    kind = preview["kind"]
    groups = view["networks"] if kind == "network" else view["cohorts"]
    turn.reply = say("saved", lang, id=view["id"], n=len(groups))
    turn.cards = [
        group_card(turn, {**g, "kind": kind, "proposal_id": view["id"]}, n)
        for n, g in enumerate(groups, start=1)
    ]
    keep.pop("preview", None)
    keep["proposal"] = {"kind": kind, "id": view["id"]}
    return keep
