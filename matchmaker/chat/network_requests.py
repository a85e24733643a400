"""A network request in the chat: its parameters from the message and the dialogue (region,
sector, theme, size, count, named and excluded firms) and the networks API request they make."""

from __future__ import annotations

from typing import Any

from matchmaker.chat import entities as slots
from matchmaker.chat.design_requests import designs_in
from matchmaker.chat.topics import EVERYWHERE
from matchmaker.chat.turn import (
    Turn,
    asks_more,
    card_at,
    is_follow_up,
    named_excluded,
    named_subjects,
    refines,
)

DEFAULT_NETWORK_SIZE = 5  # the networks API's default largest network
MAX_NETWORK_SIZE = 10  # the largest network the API allows


def network_params(turn: Turn) -> dict:
    """The request's parameters: the last request's changed by an elliptic follow-up, else new."""
    found, state = turn.found, turn.state
    last = state.get("networks") if state.get("task") == "propose_networks" else None
    named = bool(named_subjects(turn) or found.ambiguous)  # "uden B" alone refines
    elliptic = is_follow_up(turn) or turn.message.rstrip().endswith("?")
    # "in English please": the same request, answered in English
    everywhere = EVERYWHERE.search(turn.message) is not None  # "hele landet"
    more = asks_more(turn)  # "vis flere": the next networks of the same request
    fresh = (
        not last
        or named
        or not (((refines(found) or everywhere) and elliptic) or turn.language_switch or more)
    )
    params = (
        {"region": None, "sector": None, "purpose": None, "theme": None, "count": None,
         "size": None, "firm": None, "firms": [], "excluded": [], "design": []}
        if fresh else {"firms": [], "design": [], **last}
    )  # fmt: skip
    # Designs asked for now join those of the request it changes (firm names masked).
    asked = designs_in(slots.mask(turn.message, [(m.start, m.end) for m in turn.mentions]))
    params["design"] = list(dict.fromkeys([*params["design"], *asked]))
    pending = state.get("pending")
    if pending and turn.choice and pending["intent"] == "propose_networks":
        params.update(pending.get("params") or {})
        chosen = {"id": turn.choice["id"], "name": turn.choice.get("name")}
        set_named(params, [*named_in(params), chosen])
    if more and not fresh and params.get("count"):
        params["count"] += found.count or params["count"]
    if everywhere and not fresh and found.region is None:
        params["region"] = None
    for key in ("region", "sector", "purpose", "theme"):
        if getattr(found, key) is not None:
            params[key] = getattr(found, key)
    if found.theme and found.sector and slots.find_sector(found.theme):
        params["sector"] = None  # "om kaffe og emballage": a theme, not the packaging sector
    subjects = named_subjects(turn)
    if subjects and not turn.choice:
        # The firms named now replace those of the last request.
        set_named(params, subjects)
    if found.exclude:
        ids = [f["id"] for f in named_excluded(turn)]
        for n in found.ordinals:
            card = card_at(state, n)
            if card and card.get("type") == "firm":
                ids.append(card["id"])
        params["excluded"] = list(dict.fromkeys([*params.get("excluded", []), *ids]))
    if found.size:
        params["size"] = max(2, min(found.size, MAX_NETWORK_SIZE))
    number, unit = found.count, found.count_unit
    if number:
        if not found.size and (
            unit == "firms" or (unit is None and params.get("size") and 2 <= number)
        ):
            params["size"] = max(2, min(number, MAX_NETWORK_SIZE))
        else:
            params["count"] = number
    return params


def partly_named(turn: Turn) -> dict | None:
    """In a list of named firms, a further name that matches stored firms only in part
    ("Ikast" for Ikast Software and Ikast Smedie): {"text", "candidates"}, or None."""
    if not turn.found.firms or turn.found.exclude:
        return None
    # Only a word in the list of names is a name given in part, not a word of the request
    # around it ("byg et netværk omkring X": no firm called "Byg …" is meant).
    rest = slots.listed_beside(turn.message, [(m.start, m.end) for m in turn.mentions])
    named = {f["id"] for f in turn.found.firms}
    candidates = [c for c in slots.firm_candidates(rest, turn.gazetteer) if c["id"] not in named]
    if not candidates:
        return None
    words = {w for c in candidates for w in slots.fold(c["name"]).split()}
    text = " ".join(w for w in rest.split() if slots.fold(w).strip(",.;:!?") in words)
    return {"text": text or rest.strip(), "candidates": candidates}


def named_in(params: dict) -> list[dict]:
    """The firms a network request is built on: one (`firm`) or several (`firms`)."""
    return list(params.get("firms") or ([params["firm"]] if params.get("firm") else []))


def set_named(params: dict, firms: list[dict]) -> None:
    """Name the firms a network is built on (one: `firm`; several: `firms`)."""
    unique = list({f["id"]: f for f in firms}.values())
    params["firm"] = unique[0] if len(unique) == 1 else None
    params["firms"] = unique if len(unique) >= 2 else []


def network_request(params: dict, lang: str, fields: dict) -> dict[str, Any]:
    """The networks API request for the chat's parameters."""
    request: dict[str, Any] = {"seed": 0}
    if params.get("size"):
        request["max_size"] = params["size"]
        request["min_size"] = min(3, params["size"])
    if params.get("count"):
        request["count"] = params["count"]
    if params.get("region"):
        request["region"] = params["region"]
    if params.get("theme") or params.get("purpose"):
        request["theme"] = params.get("theme") or params["purpose"]
    named = [f["id"] for f in params.get("firms") or []]
    if len(named) >= 2:
        size = params.get("size") or DEFAULT_NETWORK_SIZE
        if len(named) <= size or (not params.get("size") and len(named) <= MAX_NETWORK_SIZE):
            # One network built on the named firms, filled up from the pool.
            request["max_size"] = max(size, len(named))
            request["min_size"] = min(3, request["max_size"])
            request["locked"] = [named]
            request["count"] = params.get("count") or 1
        else:
            # More firms than one network holds: they are the pool, split into networks.
            request["company_ids"] = sorted(named)
            request["min_size"] = min(request.get("min_size", 3), size)
            request["max_size"] = size
            request.pop("count", None)
            request.pop("region", None)
            request.pop("theme", None)
    elif params.get("firm"):
        request["around_company_id"] = params["firm"]["id"]
    design_request(params, request)
    if "lang" in fields:
        request["lang"] = lang
    return request


def design_request(params: dict, request: dict[str, Any]) -> None:
    """The design fields of the networks API request: around the one named firm as its lead
    (its value chain; what the message asks help with is the stated need, not a pool filter),
    one large firm with SMEs, across regions (which drops a region filter)."""
    designs = [d for d in params.get("design") or [] if d != "lead" or params.get("firm")]
    if not designs:
        return
    request["design"] = designs
    if params.get("purpose"):
        request["need"] = params["purpose"]
    if "lead" in designs:
        request["lead_id"] = request.pop("around_company_id", params["firm"]["id"])
        request.pop("count", None)
        if request.get("theme") == params.get("purpose"):
            request.pop("theme", None)
    elif "big_and_small" in designs and request.get("around_company_id"):
        request["lead_id"] = request.pop("around_company_id")
    if "cross_region" in designs:
        request.pop("region", None)
