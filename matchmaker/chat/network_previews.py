"""Networks proposed in the chat: previews planned without storing (exploring costs nothing and
counts against no firm's cap), best first, with how many firms matched the topic and why firms
or networks were left out. A preview is stored only when the facilitator says so (`saving`)."""

from __future__ import annotations

from typing import Any

from matchmaker.chat.cards import discard_card, group_card
from matchmaker.chat.clarify import clarify_ambiguous
from matchmaker.chat.design_requests import design_words, lead_missing
from matchmaker.chat.network_requests import (
    named_in,
    network_params,
    network_request,
    partly_named,
)
from matchmaker.chat.partners import filters_text
from matchmaker.chat.turn import Turn, asks_more, carry, unread_change
from matchmaker.chat.wording import GENERIC_REASON, error_text, has_code, join, reason_text, say
from matchmaker.chat.wording import short_names as short
from matchmaker.grouping import networks
from matchmaker.reference import messages, regions
from matchmaker.reference.validation import Conflict, InvalidInput


def plan_networks(turn: Turn, request: dict[str, Any]) -> networks.Plan:
    """Networks for a request, computed and not stored (InvalidInput when it is refused)."""
    return networks.plan(turn.db, networks.parse_request(request), max_per_firm=turn.max_per_firm)


def ordered(groups: list[dict], named_ids: set[int]) -> list[dict]:
    """Networks best first; the one holding the named firms before the others."""
    return sorted(
        groups,
        key=lambda g: (
            -len(named_ids & {m.get("id") for m in g.get("members", [])}),
            -(g.get("score") or 0.0),
        ),
    )


def sector_pool(turn: Turn, params: dict, named: list[dict], least: int) -> list[int]:
    """The consenting firms of the asked sector (and region), without the excluded ones; named
    firms always belong. Firms whose descriptions only mention the sector join when fewer than
    `least` are of it."""
    facts = turn.firm_facts()
    excluded = set(params.get("excluded") or [])
    region, sector = params.get("region"), params.get("sector")
    fits = {
        cid: fact
        for cid, fact in facts.items()
        if (not region or fact["region"] == region) and cid not in excluded
    }
    pool = [cid for cid, fact in fits.items() if not sector or sector in fact["sectors"]]
    if sector and len(pool) < least:
        pool += [c for c, fact in fits.items() if sector in fact["mentioned"] and c not in pool]
    pool += [f["id"] for f in named if f["id"] not in pool]
    return sorted(pool)


def propose_networks(turn: Turn) -> dict:
    """Preview networks for the request in the message (or the last one, changed)."""
    lang = turn.lang
    keep = carry(turn.state)
    found = turn.found
    if found.ambiguous and not turn.choice and (not found.firms or not found.exclude):
        return clarify_ambiguous(turn, "propose_networks", network_params(turn), found.ambiguous[0])
    partial = partly_named(turn) if not turn.choice else None
    if partial:
        # "med Ikast, Vejen Mejeri og …": a firm named in part is asked about, not dropped.
        return clarify_ambiguous(turn, "propose_networks", network_params(turn), partial)
    last = turn.state.get("networks") if turn.state.get("task") == "propose_networks" else None
    if last and unread_change(turn):
        # "og i Jylland?": a change this chat cannot read, not a new proposal over every firm
        names = join([regions.label(r, lang) for r in regions.REGIONS], lang, "or")
        turn.reply = say("change_unclear_networks", lang, regions=names)
        return keep
    if last and asks_more(turn) and not last.get("count"):
        # "vis flere" after as many networks as the request's firms make: there are no more
        shown = len(turn.state.get("networks_shown") or [])
        filters = filters_text(last, lang) + theme_words(last, lang)
        turn.reply = say("no_more_networks", lang, n=shown, filters=filters)
        return keep
    params = network_params(turn)
    # A failed attempt stores nothing, but a follow-up ("og kun i Midtjylland") may change it.
    frame = {
        "task": "propose_networks",
        "networks": params,
        **{k: params.get(k) for k in ("count", "region", "sector", "purpose", "theme", "firm")},
        "firms": params.get("firms") or [],
        "excluded": params.get("excluded") or [],
    }
    keep.update(frame)
    keep.pop("preview", None)
    request = network_request(params, lang, networks.NetworkProposalIn.model_fields)
    named = named_in(params)
    filters = filters_text(params, lang) + design_words(params, lang)
    if lead_missing(params):
        turn.reply = say("design_lead_missing", lang)
        return keep
    filters += theme_words(params, lang)
    if named and len(named) >= 2:
        filters += say("with_firms", lang, names=short([f["name"] for f in named], lang))
    if (params.get("sector") or params.get("excluded")) and "company_ids" not in request:
        pool = sector_pool(turn, params, named, 2 * request.get("min_size", 3))
        if len(pool) < request.get("min_size", 3):
            turn.reply = say(
                "no_networks", lang, filters=filters, why=say("too_few", lang, n=len(pool))
            )
            return keep
        request["company_ids"] = pool
    prefix = ""
    try:
        plan = plan_networks(turn, request)
    except (InvalidInput, Conflict) as exc:
        fallback = request.get("locked") and "locked" in (getattr(exc, "fields", None) or {})
        if not fallback:
            turn.reply = say("no_networks", lang, filters=filters, why=error_text(exc, lang))
            return keep
        # The named firms cannot all share one network (competitors, "never together"):
        # spread them over networks of their own instead.
        prefix = say("not_together", lang, why=error_text(exc, lang)) + " "
        request = {
            k: v for k, v in request.items() if k not in ("locked", "count", "region", "theme")
        }
        request["company_ids"] = sorted(f["id"] for f in named)
        request["min_size"] = 2
        try:
            plan = plan_networks(turn, request)
        except (InvalidInput, Conflict) as again:
            turn.reply = say("no_networks", lang, filters=filters, why=error_text(again, lang))
            return keep
    unmet = [u for u in plan.unmet if isinstance(u, dict)]
    capped = any(has_code(u, "capped") for u in unmet)
    if not plan.networks:
        turn.reply = prefix + say(
            "no_networks", lang, filters=filters, why=unmet_text(unmet, lang, named)
        )
        if capped:
            turn.reply = turn.reply.removesuffix(".") + "." + say("discard_hint", lang)
            turn.cards = [discard_card(lang)]
        return keep
    groups = ordered(plan.networks, {f["id"] for f in named})
    turn.reply = prefix + say("networks", lang, n=len(groups), filters=filters)
    if params.get("theme") or params.get("sector"):
        topic = params.get("theme") or params.get("sector")
        turn.reply = turn.reply.rstrip(":") + say("matched", lang, n=plan.pool_size, topic=topic)
    placed = {m.get("id") for g in groups for m in g.get("members", [])}
    missing = [f for f in named if f["id"] not in placed]
    if missing:
        turn.reply = (
            turn.reply.rstrip(":")
            + "."
            + say(
                "not_placed",
                lang,
                names=short([f["name"] for f in missing], lang),
                why=unmet_text(unmet, lang, missing, with_names=len(missing) > 1),
            )
        )
    if capped:
        turn.reply = turn.reply.rstrip(":") + ("" if turn.reply.endswith(".") else ".")
        turn.reply += say("discard_hint", lang)
    # The hint opens a sentence of its own ('. ...'): a reply that ends one already keeps one stop.
    turn.reply = turn.reply.rstrip(":").removesuffix(".") + say("preview_hint", lang)
    turn.cards = [
        group_card(turn, {**g, "kind": "network", "id": None}, n)
        for n, g in enumerate(groups, start=1)
    ]
    if capped:
        turn.cards.append(discard_card(lang))
    preview = {"kind": "network", "request": request, "named": [f["id"] for f in named]}
    return {**frame, "preview": preview}


def theme_words(params: dict, lang: str) -> str:
    """The theme of a network request in words (" om »fødevarer«"), unless it is its purpose."""
    theme = params.get("theme")
    return say("on_theme", lang, theme=theme) if theme and theme != params.get("purpose") else ""


def unmet_text(
    unmet: list[dict], lang: str, firms: list[dict] | None = None, *, with_names: bool = True
) -> str:
    """Why networks or firms were left out, in the reply language: the reasons of the given
    firms when there are any, else the reasons of the whole request (firms grouped by reason)."""
    ids = {f["id"] for f in firms or []}
    rows = [u for u in unmet if u.get("company_id") in ids] if ids else []
    if not rows:
        # Firms left out first (grouped by reason), then what held the whole request back.
        rows = sorted(unmet, key=lambda u: "company_id" not in u)
    by_reason: dict[str, list[str]] = {}
    for u in rows:
        text = reason_text(u, lang)
        by_reason.setdefault(text, [])
        if u.get("name") and with_names:
            by_reason[text].append(u["name"])
    parts = []
    for text, names in list(by_reason.items())[:3]:
        parts.append(f"{short(names, lang)} – {text}" if names else text)
    return "; ".join(parts) or messages.render(GENERIC_REASON, lang)
